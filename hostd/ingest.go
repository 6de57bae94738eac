package hostd

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// catchUp processes every transaction of the host's account since the last
// fully processed ledger (§7 C). Answers are read first, so that a request
// the ledger shows answered is never answered again, whatever the database
// says.
func (d *Daemon) catchUp(ctx context.Context) error {
	var from uint32
	if err := d.db.View(func(tx *bolt.Tx) error { from = getLedger(tx); return nil }); err != nil {
		return err
	}
	h, err := d.c.Ledger(ctx, evernode.Validated, false)
	if err != nil {
		return err
	}
	v := h.Index
	if from == 0 {
		// An empty database: a first start, or a lost one.
		return d.rebuild(ctx, v)
	}
	txs, err := d.c.AccountTx(ctx, d.addr, &evernode.AccountTxOptions{MinLedger: from, MaxLedger: v})
	if err != nil {
		return err
	}
	d.log.Info("hostd: catching up", "from", from, "to", v, "transactions", len(txs))
	if err := d.update(func(tx *bolt.Tx) error {
		for _, t := range txs {
			if ref, ok := lease.AnswerRef(t, d.addr); ok {
				if err := noteAnswer(tx, ref, t.Hash); err != nil {
					return err
				}
			}
		}
		return nil
	}, "catchup:answers"); err != nil {
		return err
	}
	for _, t := range txs {
		if err := d.ingestRetry(ctx, t); err != nil {
			return err
		}
	}
	return d.update(func(tx *bolt.Tx) error { return setLedger(tx, v) }, "catchup:done")
}

// runIngest follows the host's transactions from the ledger after the last
// processed one.
func (d *Daemon) runIngest(ctx context.Context) error {
	from := d.LastLedger() + 1
	sub, err := d.c.SubscribeAccounts(ctx, []string{d.addr}, &evernode.SubscribeOptions{FromLedger: from})
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		t, err := sub.Next(ctx)
		var gap *evernode.GapError
		switch {
		case errors.As(err, &gap):
			d.log.Warn("hostd: the ledger stream lost transactions; reading them", "from", gap.From, "to", gap.To)
			txs, aerr := d.c.AccountTx(ctx, d.addr, &evernode.AccountTxOptions{MinLedger: gap.From, MaxLedger: gap.To})
			if aerr != nil {
				return aerr
			}
			for _, t := range txs {
				if err := d.ingestRetry(ctx, t); err != nil {
					return err
				}
			}
			continue
		case err != nil:
			return err
		}
		if err := d.ingestRetry(ctx, t); err != nil {
			return err
		}
	}
}

// ingestRetry ingests t, retrying while the ledger cannot be read: a
// request must never be skipped.
func (d *Daemon) ingestRetry(ctx context.Context, t evernode.TxResult) error {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 10*time.Second) {
		err := d.ingest(ctx, t)
		if err == nil || errors.Is(err, errCrash) || ctx.Err() != nil {
			return err
		}
		var bad *corruptError
		if errors.As(err, &bad) {
			return err
		}
		d.log.Warn("hostd: handling a transaction; retrying", "hash", t.Hash, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

type corruptError struct{ error }

// ingest handles one validated transaction of the host's account.
func (d *Daemon) ingest(ctx context.Context, t evernode.TxResult) error {
	progress := func(tx *bolt.Tx) error {
		if t.LedgerIndex > 0 {
			return setLedger(tx, t.LedgerIndex-1)
		}
		return nil
	}
	if !t.Succeeded() {
		return nil
	}
	if ref, ok := lease.AnswerRef(t, d.addr); ok {
		p, _, _ := t.EvernodeParams()
		return d.update(func(tx *bolt.Tx) error {
			if err := noteAnswer(tx, ref, t.Hash); err != nil {
				return err
			}
			if p.Event == memo.EventAcquireSuccess {
				// The tenant has its answer: the lease runs from now,
				// whether or not the queue has looked yet.
				if err := d.activate(tx, ref); err != nil {
					return err
				}
			}
			return progress(tx)
		}, "ingest:answer")
	}
	var seen bool
	if err := d.db.View(func(tx *bolt.Tx) error { seen = handled(tx, t.Hash); return nil }); err != nil || seen {
		return err
	}
	ev, ok, _ := lease.ExtractEvent(ctx, t, d.addr, &lease.ExtractOptions{Keys: d.keys, Standard: lease.URIToken})
	if !ok || ev.To != d.addr {
		return nil
	}
	switch ev.Type {
	case memo.EventAcquireLease:
		return d.onAcquire(ctx, ev, progress)
	case memo.EventExtendLease:
		return d.onExtend(ctx, ev, progress)
	case memo.EventTerminateLease:
		return d.onTerminate(ctx, ev, progress)
	}
	return nil
}

// onAcquire accepts an acquire for provisioning, or refuses it with a
// refund of what it delivered. Either way the decision and the refund
// intent are committed together.
func (d *Daemon) onAcquire(ctx context.Context, ev lease.Event, progress func(*bolt.Tx) error) error {
	acquired, err := d.ledgerTime(ctx, ev.LedgerIndex)
	if err != nil {
		return err
	}
	// The window runs from the ledger's close time; a close time ahead of
	// this clock (skew, or a test network closing ledgers fast) counts
	// from now.
	if now := d.now(); acquired.After(now) {
		acquired = now
	}
	window := d.acquireWindow()
	l := &Lease{Ref: ev.Hash, TokenID: ev.TokenID, Tenant: ev.From, Paid: toJSONAmount(ev.Amount),
		Ledger: ev.LedgerIndex, Acquired: acquired, Deadline: acquired.Add(window * 8 / 10), Price: d.leasePrice()}
	if ev.URI != nil {
		l.Index, l.Price = ev.URI.Index, ev.URI.Price
		if ev.URI.OutboundIP.IsValid() {
			l.OutboundIP = ev.URI.OutboundIP.String()
		}
	}
	refund := ev.Amount
	var reason, replyKey string
	if !ev.Amount.IsEVR(d.hookCf.EVRIssuerAddress) {
		// A look-alike "EVR" bought the token: nothing real to refund
		// (only the native currency goes back); the slot comes back.
		reason = lease.ReasonInvalidAcquire
		if !ev.Amount.IsNative() {
			refund = evernode.Drops(1)
		}
	} else {
		chk, err := d.host.CheckAcquire(ctx, ev)
		if err != nil {
			return err
		}
		reason, replyKey = chk.Reason, chk.ReplyKey
		if chk.TokenErr == nil {
			l.Index, l.Price = chk.Token.URI.Index, chk.Token.URI.Price
		}
		if reason == "" && d.now().After(acquired.Add(window*4/10)) {
			// Missed for too long (a restart): too late to provision.
			reason = lease.ReasonTimeout
		}
	}
	return d.update(func(tx *bolt.Tx) error {
		if handled(tx, ev.Hash) {
			return nil
		}
		outcome := "lease"
		if answeredBy(tx, ev.Hash) != "" {
			outcome = "answered"
		} else if reason == "" {
			l.State, l.Requirement, l.ReplyKey = Provisioning, ev.Requirement, replyKey
			if err := putLease(tx, l, d.now()); err != nil {
				return err
			}
		} else {
			outcome = "refuse"
			l.State, l.Reason = Refunding, reason
			if err := putLease(tx, l, d.now()); err != nil {
				return err
			}
			if _, err := d.enqueue(tx, &intent{ID: "acqerr/" + ev.Hash, Kind: kAcquireError, Ref: ev.Hash, Lease: ev.Hash,
				Tenant: ev.From, Amount: toJSONAmount(refund), Reason: reason}); err != nil {
				return err
			}
		}
		d.log.Info("hostd: acquire", "ref", ev.Hash, "tenant", ev.From, "token", ev.TokenID, "outcome", outcome, "reason", reason)
		if err := markHandled(tx, ev.Hash, request{Type: ev.Type, Ledger: ev.LedgerIndex, Outcome: outcome}); err != nil {
			return err
		}
		return progress(tx)
	}, "ingest:acquire")
}

// onExtend credits an extension to an active lease and queues the
// confirmation, or queues a refund of what it delivered.
func (d *Daemon) onExtend(ctx context.Context, ev lease.Event, progress func(*bolt.Tx) error) error {
	evr := ev.Amount.IsEVR(d.hookCf.EVRIssuerAddress)
	if !evr && !ev.Amount.IsNative() {
		// A look-alike token: never refunded in EVR, and not ours to send.
		return d.update(func(tx *bolt.Tx) error {
			d.log.Info("hostd: extend in a look-alike currency ignored", "ref", ev.Hash, "amount", ev.Amount.String())
			if err := markHandled(tx, ev.Hash, request{Type: ev.Type, Ledger: ev.LedgerIndex, Outcome: "ignore"}); err != nil {
				return err
			}
			return progress(tx)
		}, "ingest:extend")
	}
	var l *Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		l, err = leaseByToken(tx, ev.TokenID)
		return err
	}); err != nil {
		return err
	}
	ok := evr && l != nil && l.State == Active && l.Tenant == ev.From && d.now().Before(l.Expiry)
	if ok {
		// The tenant must still hold the token.
		if _, err := d.host.Token(ctx, ev.TokenID, ev.From); err != nil {
			if !errors.Is(err, lease.ErrNoToken) && !errors.Is(err, lease.ErrNotLease) {
				return err
			}
			ok = false
		}
	}
	var n uint64
	if ok {
		n = lease.CreditMoments(ev.Amount, l.Price)
	}
	return d.update(func(tx *bolt.Tx) error {
		if handled(tx, ev.Hash) {
			return nil
		}
		outcome := "refund"
		if answeredBy(tx, ev.Hash) != "" {
			outcome = "answered"
		} else if n >= 1 {
			cur, err := getLease(tx, l.Ref)
			if err != nil {
				return err
			}
			if cur == nil || cur.State != Active {
				n = 0
			} else {
				outcome = "extend"
				add := time.Duration(n) * d.momentSize()
				cur.Expiry = cur.Expiry.Add(add)
				if err := putLease(tx, cur, d.now()); err != nil {
					return err
				}
				if _, err := d.enqueue(tx, &intent{ID: "extok/" + ev.Hash, Kind: kExtendSuccess, Ref: ev.Hash, Lease: cur.Ref,
					Tenant: ev.From, Moment: d.expiryMoment(cur.Expiry), Amount: toJSONAmount(ev.Amount), Seconds: int64(add / time.Second)}); err != nil {
					return err
				}
				d.log.Info("hostd: lease extended", "ref", cur.Ref, "extend", ev.Hash, "moments", n, "expiry", cur.Expiry)
			}
		}
		if outcome == "refund" || n == 0 && outcome != "answered" {
			outcome = "refund"
			if _, err := d.enqueue(tx, &intent{ID: "exterr/" + ev.Hash, Kind: kExtendError, Ref: ev.Hash,
				Tenant: ev.From, Amount: toJSONAmount(ev.Amount), Reason: lease.ReasonInvalidExtend}); err != nil {
				return err
			}
			d.log.Info("hostd: extend refused", "extend", ev.Hash, "token", ev.TokenID, "amount", ev.Amount.String())
		}
		if err := markHandled(tx, ev.Hash, request{Type: ev.Type, Ledger: ev.LedgerIndex, Outcome: outcome}); err != nil {
			return err
		}
		return progress(tx)
	}, "ingest:extend")
}

// onTerminate ends an active lease at its tenant's request.
func (d *Daemon) onTerminate(ctx context.Context, ev lease.Event, progress func(*bolt.Tx) error) error {
	var l *Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		l, err = leaseByToken(tx, ev.TokenID)
		return err
	}); err != nil {
		return err
	}
	ok := l != nil && l.State == Active && l.Tenant == ev.From
	if ok {
		if _, err := d.host.Token(ctx, ev.TokenID, ev.From); err != nil {
			if !errors.Is(err, lease.ErrNoToken) && !errors.Is(err, lease.ErrNotLease) {
				return err
			}
			ok = false
		}
	}
	return d.update(func(tx *bolt.Tx) error {
		if handled(tx, ev.Hash) {
			return nil
		}
		outcome := "ignore"
		if ok {
			cur, err := getLease(tx, l.Ref)
			if err != nil {
				return err
			}
			if cur != nil && cur.State == Active {
				outcome = "terminate"
				cur.State = Expiring
				if err := putLease(tx, cur, d.now()); err != nil {
					return err
				}
				d.log.Info("hostd: lease terminated", "ref", cur.Ref, "token", cur.TokenID)
			}
		}
		if err := markHandled(tx, ev.Hash, request{Type: ev.Type, Ledger: ev.LedgerIndex, Outcome: outcome}); err != nil {
			return err
		}
		return progress(tx)
	}, "ingest:terminate")
}
