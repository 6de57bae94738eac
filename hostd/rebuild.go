package hostd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// RebuildError is returned by Run when the database is empty (lost, or a
// first start) and the host's leases cannot all be rebuilt from the ledger:
// lease tokens of the host are held by tenants, but the node's history
// (ledgers From–To, complete_ledgers) does not reach back to their
// acquires, so their tenants, payments and expiries are unknown. Nothing
// was written and nothing was sent: the daemon does not guess a lease's
// end. Start it once against a node with the host's full history (a
// full-history node); after that any node will do. Err wraps
// evernode.ErrHistoryMissing.
type RebuildError struct {
	// Tokens are the lease tokens held by tenants whose acquire was not
	// found.
	Tokens   []string
	From, To uint32
	Err      error
}

func (e *RebuildError) Error() string {
	return fmt.Sprintf("hostd: the database is empty and %d lease(s) held by tenants (%s) cannot be rebuilt: "+
		"the node's history %d–%d does not reach their acquires; start once against a full-history node: %v",
		len(e.Tokens), strings.Join(e.Tokens, ", "), e.From, e.To, e.Err)
}

// Unwrap returns Err.
func (e *RebuildError) Unwrap() error { return e.Err }

// rebuild runs instead of the catch-up when the database is empty: a first
// start, or a data dir lost while tenants hold leases. From the host's
// transactions on the ledger it rebuilds what the database would hold, so
// that no live lease is forgotten and no request is answered twice:
//
//   - every answer on the ledger is noted, and its request marked handled;
//   - a lease token held by a tenant whose latest acquire was answered
//     with success is an Active lease again: its expiry is the close time
//     of the answer's ledger (when the daemon started it) plus one moment
//     and every extension confirmed since, at the token's price, as the
//     daemon credited them; its instance is the provisioner's of that name;
//   - one whose acquire was refused, or whose lease the host ended early
//     and refunded (an evnRefund quoting the acquire follows the success
//     answer), has its slot recycled: the money is settled, and refunding
//     the lease again would pay twice;
//   - an acquire, extension or termination with no answer is handled as
//     the catch-up handles it (§7 C) when it concerns a token's current
//     lease: served or refunded, credited or refunded, ended; any other
//     unanswered acquire or extension (its token has moved on since) is
//     refunded.
//
// It first waits LedgerOffset ledgers, so that any transaction the lost
// database's daemon had signed has applied or expired before the ledger is
// read. It reads the whole history the node holds; when a tenant holds a
// lease token whose acquire is older than that history it returns a
// *RebuildError and writes nothing (see there). Instances no rebuilt lease
// needs are left to the start-up prune.
func (d *Daemon) rebuild(ctx context.Context, v uint32) error {
	h, err := d.scanHistory(ctx, v)
	if err != nil {
		return err
	}
	if h.unanswered() {
		// An answer the lost daemon signed may still be on its way: let
		// it apply or expire (LedgerOffset), then read again.
		if err := d.c.WaitLedger(ctx, v+d.cfg.LedgerOffset+1); err != nil {
			return err
		}
		if h, err = d.scanHistory(ctx, v+d.cfg.LedgerOffset+1); err != nil {
			return err
		}
	}
	lo, v, txs, answers, refunded, reqs, current := h.lo, h.v, h.txs, h.answers, h.refunded, h.reqs, h.current
	insts, err := d.p.List(ctx)
	if err != nil {
		return fmt.Errorf("hostd: listing instances: %w", err)
	}
	byName := map[string]instance.Info{}
	for _, in := range insts {
		byName[in.Lease()] = in
	}
	// Which tokens do tenants hold now?
	held := map[string]lease.Token{}
	var missing []string
	for _, id := range candidateTokens(current, byName) {
		tok, err := d.host.IssuedToken(ctx, id)
		if errors.Is(err, lease.ErrNoToken) || errors.Is(err, lease.ErrNotLease) {
			continue
		}
		if err != nil {
			return err
		}
		if tok.Owner == d.addr {
			continue
		}
		held[id] = tok
		if _, ok := current[id]; !ok {
			if !h.whole {
				missing = append(missing, id)
			} else {
				d.log.Warn("hostd: rebuild: a tenant holds a lease token never acquired; the inventory repair takes it back",
					"token", id, "owner", tok.Owner)
			}
		}
	}
	if len(missing) > 0 {
		return &RebuildError{Tokens: missing, From: lo, To: v, Err: evernode.ErrHistoryMissing}
	}

	// Decide every request; those of a current lease with no answer are
	// left to ingest, in order, once the rebuilt leases are in.
	type build struct {
		l      *Lease
		answer evernode.TxResult
		n      uint64 // moments credited by confirmed extensions
	}
	leases := map[string]*build{}
	var live []evernode.TxResult
	var decided []func(tx *bolt.Tx) error
	for i, r := range reqs {
		ev := r.ev
		tok, isHeld := held[ev.TokenID]
		cur, hasCur := current[ev.TokenID]
		ofCurrent := isHeld && hasCur && i >= cur
		ans, answered := answers[ev.Hash]
		switch {
		case answered:
			if ofCurrent && ev.Type == memo.EventAcquireLease {
				p, _, _ := ans.EvernodeParams()
				b := &build{l: d.rebuiltLease(ev, tok), answer: ans}
				if p.Event != memo.EventAcquireSuccess || refunded[ev.Hash] {
					// Refused, or ended early and refunded: either way
					// the money is settled and only the slot comes back.
					b.l.State = Refunding
				}
				leases[ev.TokenID] = b
			}
			if b := leases[ev.TokenID]; ofCurrent && ev.Type == memo.EventExtendLease && b != nil && b.l.State == Active {
				if p, _, _ := ans.EvernodeParams(); p.Event == memo.EventExtendSuccess {
					b.n += lease.CreditMoments(ev.Amount, b.l.Price)
				}
			}
			decided = append(decided, d.markDecided(ev, "answered", nil))
		case ofCurrent:
			live = append(live, r.t)
		default:
			outcome, it := d.lateOutcome(ev)
			decided = append(decided, d.markDecided(ev, outcome, it))
		}
	}
	first := v
	if len(live) > 0 {
		first = live[0].LedgerIndex - 1
	}
	closeTimes := map[uint32]time.Time{}
	closeTime := func(idx uint32) (time.Time, error) {
		if t, ok := closeTimes[idx]; ok {
			return t, nil
		}
		t, err := d.ledgerTime(ctx, idx)
		closeTimes[idx] = t
		return t, err
	}
	for _, b := range leases {
		acq, err := closeTime(b.l.Ledger)
		if err != nil {
			return err
		}
		b.l.Acquired, b.l.Deadline = acq, acq.Add(d.acquireWindow()*8/10)
		if b.l.State != Active {
			continue
		}
		at, err := closeTime(b.answer.LedgerIndex)
		if err != nil {
			return err
		}
		b.l.Activated, b.l.Expiry = at, at.Add(time.Duration(1+b.n)*d.momentSize())
		if in, ok := byName[b.l.TokenID]; ok {
			m := in.Details.Memo()
			if d.cfg.Domain != "" {
				m.Domain = d.cfg.Domain
			}
			b.l.Instance = &m
		}
	}
	err = d.update(func(tx *bolt.Tx) error {
		for ref, t := range answers {
			if err := noteAnswer(tx, ref, t.Hash); err != nil {
				return err
			}
		}
		for _, b := range leases {
			l := b.l
			if handled(tx, l.Ref) {
				continue
			}
			if l.State == Active {
				if err := putLease(tx, l, d.now()); err != nil {
					return err
				}
				d.log.Info("hostd: rebuild: lease restored", "ref", l.Ref, "token", l.TokenID, "tenant", l.Tenant,
					"expiry", l.Expiry, "instance", l.Instance != nil)
				continue
			}
			// Refused and refunded: the slot comes back.
			d.log.Info("hostd: rebuild: a refused lease's slot recycling", "ref", l.Ref, "token", l.TokenID)
			if err := d.recycle(tx, l); err != nil {
				return err
			}
		}
		for _, f := range decided {
			if err := f(tx); err != nil {
				return err
			}
		}
		return setLedger(tx, first)
	}, "rebuild:leases")
	if err != nil {
		return err
	}
	d.log.Info("hostd: rebuilt the database from the ledger", "from", lo, "to", v, "transactions", len(txs),
		"leases", len(leases), "pending", len(live))
	for _, t := range live {
		if err := d.ingestRetry(ctx, t); err != nil {
			return err
		}
	}
	return d.update(func(tx *bolt.Tx) error { return setLedger(tx, v) }, "rebuild:done")
}

// history is what rebuild reads of the host's transactions.
type history struct {
	// lo–v is the range read; whole reports that it reaches the host
	// account's creation (nothing of the host's is older) with no gap.
	lo, v   uint32
	whole   bool
	txs     []evernode.TxResult
	answers map[string]evernode.TxResult // request hash → first answer
	// refunded holds the acquires an evnRefund quotes: a lease the host
	// ended early (endLease) has its success answer and then that refund.
	refunded map[string]bool
	reqs     []ledgerRequest // in ledger order
	current  map[string]int  // token → index in reqs of its latest acquire
}

// ledgerRequest is a lease request found on the ledger.
type ledgerRequest struct {
	t  evernode.TxResult
	ev lease.Event
}

// unanswered reports whether some request has no answer on the ledger.
func (h *history) unanswered() bool {
	for _, r := range h.reqs {
		if _, ok := h.answers[r.ev.Hash]; !ok && r.ev.Type != memo.EventTerminateLease {
			return true
		}
	}
	return false
}

// scanHistory reads the host's transactions up to ledger v (at least), as
// far back as the node holds them.
func (d *Daemon) scanHistory(ctx context.Context, v uint32) (*history, error) {
	if err := d.c.WaitLedger(ctx, v); err != nil {
		return nil, err
	}
	hd, err := d.c.Ledger(ctx, evernode.Validated, false)
	if err != nil {
		return nil, err
	}
	h := &history{v: max(v, hd.Index), answers: map[string]evernode.TxResult{}, refunded: map[string]bool{}, current: map[string]int{}}
	var known bool
	for attempt := 1; ; attempt++ {
		// From the first ledger the node holds: it may forget it before
		// account_tx reads it (a node keeping a rolling history), so ask
		// again then.
		info, err := d.c.ServerInfo(ctx)
		if err != nil {
			return nil, err
		}
		h.lo, _, known = info.CompleteRange(h.v)
		h.txs, err = d.c.AccountTx(ctx, d.addr, &evernode.AccountTxOptions{MinLedger: h.lo, MaxLedger: h.v})
		if err == nil {
			break
		}
		if !errors.Is(err, evernode.ErrHistoryMissing) || attempt == 10 {
			return nil, fmt.Errorf("hostd: reading the host's history to rebuild the database: %w", err)
		}
	}
	for _, t := range h.txs {
		if !t.Succeeded() {
			continue
		}
		if known && createdAccount(t.Meta, d.addr) {
			h.whole = true
		}
		if ref, ok := lease.AnswerRef(t, d.addr); ok {
			if _, dup := h.answers[ref]; !dup {
				h.answers[ref] = t
			}
			if p, _, _ := t.EvernodeParams(); p.Event == memo.EventRefund {
				h.refunded[ref] = true
			}
			continue
		}
		ev, ok, _ := lease.ExtractEvent(ctx, t, d.addr, &lease.ExtractOptions{Keys: d.keys, Standard: lease.URIToken})
		if !ok || ev.To != d.addr {
			continue
		}
		switch ev.Type {
		case memo.EventAcquireLease:
			h.current[ev.TokenID] = len(h.reqs)
		case memo.EventExtendLease, memo.EventTerminateLease:
		default:
			continue
		}
		h.reqs = append(h.reqs, ledgerRequest{t: t, ev: ev})
	}
	return h, nil
}

// rebuiltLease is the lease record of acquire ev of token tok.
func (d *Daemon) rebuiltLease(ev lease.Event, tok lease.Token) *Lease {
	l := &Lease{Ref: ev.Hash, State: Active, TokenID: ev.TokenID, Index: tok.URI.Index, Price: tok.URI.Price,
		Tenant: ev.From, Paid: toJSONAmount(ev.Amount), Ledger: ev.LedgerIndex}
	if tok.URI.OutboundIP.IsValid() {
		l.OutboundIP = tok.URI.OutboundIP.String()
	}
	return l
}

// lateOutcome decides an unanswered request whose token has moved on (or
// was never the host's): an acquire or an extension is refunded what it
// delivered, as the catch-up refunds one it cannot serve; a termination, or
// a payment in a look-alike currency, is ignored.
func (d *Daemon) lateOutcome(ev lease.Event) (string, *intent) {
	evr := ev.Amount.IsEVR(d.hookCf.EVRIssuerAddress)
	switch ev.Type {
	case memo.EventAcquireLease:
		refund, reason := ev.Amount, lease.ReasonTimeout
		if !evr {
			// Only the native currency goes back as it came.
			reason = lease.ReasonInvalidAcquire
			if !ev.Amount.IsNative() {
				refund = evernode.Drops(1)
			}
		}
		return "refuse", &intent{ID: "acqerr/" + ev.Hash, Kind: kAcquireError, Ref: ev.Hash, Tenant: ev.From,
			Amount: toJSONAmount(refund), Reason: reason}
	case memo.EventExtendLease:
		if !evr && !ev.Amount.IsNative() {
			return "ignore", nil
		}
		return "refund", &intent{ID: "exterr/" + ev.Hash, Kind: kExtendError, Ref: ev.Hash, Tenant: ev.From,
			Amount: toJSONAmount(ev.Amount), Reason: lease.ReasonInvalidExtend}
	}
	return "ignore", nil
}

// markDecided records request ev as handled with outcome, queueing it (its
// answer) unless it is already handled.
func (d *Daemon) markDecided(ev lease.Event, outcome string, it *intent) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		if handled(tx, ev.Hash) {
			return nil
		}
		if it != nil && answeredBy(tx, ev.Hash) == "" {
			d.log.Info("hostd: rebuild: an unanswered request refunded", "ref", ev.Hash, "type", ev.Type, "tenant", ev.From)
			if _, err := d.enqueue(tx, it); err != nil {
				return err
			}
		}
		return markHandled(tx, ev.Hash, request{Type: ev.Type, Ledger: ev.LedgerIndex, Outcome: outcome})
	}
}

// candidateTokens are the tokens that may be leased: every acquired one
// and every instance named like a lease.
func candidateTokens(acquired map[string]int, insts map[string]instance.Info) []string {
	var out []string
	seen := map[string]bool{}
	for id := range acquired {
		seen[id] = true
		out = append(out, id)
	}
	for name := range insts {
		if !seen[name] && leaseName.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// createdAccount reports whether meta records the creation of account
// addr's AccountRoot.
func createdAccount(meta map[string]any, addr string) bool {
	nodes, _ := meta["AffectedNodes"].([]any)
	for _, n := range nodes {
		m, _ := n.(map[string]any)
		c, _ := m["CreatedNode"].(map[string]any)
		if c == nil || c["LedgerEntryType"] != "AccountRoot" {
			continue
		}
		if f, _ := c["NewFields"].(map[string]any); f != nil && f["Account"] == addr {
			return true
		}
	}
	return false
}
