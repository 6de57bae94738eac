package hostd

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
)

// The outbox is the daemon's one transaction queue. An intent is written in
// the same database transaction as the state change that needs it; the
// signed blob and its hash are written before the blob is submitted; the
// result is applied in the same database transaction that marks the intent
// done. So a crash anywhere leaves either an intent to sign, or a hash to
// look up, never a transaction the daemon does not know about. A blob is
// re-signed only once it can no longer apply (its LastLedgerSequence has
// passed without it, or the node refused it for good), so no intent is ever
// applied twice.

type kind string

const (
	kAcquireSuccess kind = "acquire_success"
	kAcquireError   kind = "acquire_error"
	kExtendSuccess  kind = "extend_success"
	kExtendError    kind = "extend_error"
	kBurn           kind = "burn"
	kMint           kind = "mint"
	kOffer          kind = "offer"
	kHeartbeat      kind = "heartbeat"
	kRegInfo        kind = "reginfo"
	kRebate         kind = "rebate"
)

type istate string

const (
	iPending   istate = "pending"
	iSubmitted istate = "submitted"
	iDone      istate = "done"
	iFailed    istate = "failed"
)

// intent is one transaction the daemon must get onto the ledger.
type intent struct {
	ID   string `json:"id"`
	N    uint64 `json:"n"`
	Kind kind   `json:"kind"`
	// Ref is the request an answer quotes; Lease the lease it belongs to.
	Ref     string     `json:"ref,omitempty"`
	Lease   string     `json:"lease,omitempty"`
	Tenant  string     `json:"tenant,omitempty"`
	Amount  amountJSON `json:"amount"`
	Reason  string     `json:"reason,omitempty"`
	Payload []byte     `json:"payload,omitempty"`
	Moment  uint32     `json:"moment,omitempty"`
	Seconds int64      `json:"seconds,omitempty"` // an extension's credit
	Final   bool       `json:"final,omitempty"`   // a burn not followed by a mint
	Active  uint32     `json:"active,omitempty"`  // a registry update's active instances
	// Reg is a start-up registry sync's full update (nil: Active only).
	Reg   *hook.RegUpdate `json:"reg,omitempty"`
	Token string          `json:"token,omitempty"`
	Index uint16          `json:"index"`
	Price string          `json:"price,omitempty"`
	IP    string          `json:"ip,omitempty"`
	Field []byte          `json:"field,omitempty"` // a mint's URI, fixed at signing
	Dest  string          `json:"dest,omitempty"`  // a registration transfer's transferee

	State      istate   `json:"state"`
	Hashes     []string `json:"hashes,omitempty"`
	Blob       string   `json:"blob,omitempty"`
	LastLedger uint32   `json:"lastLedger,omitempty"`
	// Sequence is the latest blob's account sequence, SignedAt the
	// validated ledger when it was signed.
	Sequence uint32 `json:"sequence,omitempty"`
	SignedAt uint32 `json:"signedAt,omitempty"`
	Attempts int    `json:"attempts"`
	Result   string `json:"result,omitempty"`
	Created  time.Time
}

func (it *intent) answer() bool {
	switch it.Kind {
	case kAcquireSuccess, kAcquireError, kExtendSuccess, kExtendError, kRefund:
		return true
	}
	return false
}

// enqueue adds an intent unless one with its id exists (idempotent). It
// returns false when it already existed.
func (d *Daemon) enqueue(tx *bolt.Tx, it *intent) (bool, error) {
	ids := tx.Bucket(bIntents)
	if ids.Get([]byte(it.ID)) != nil {
		return false, nil
	}
	meta := tx.Bucket(bMeta)
	n := uint64(0)
	if v := meta.Get(keyN); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	key := binary.BigEndian.AppendUint64(nil, n)
	if err := meta.Put(keyN, key); err != nil {
		return false, err
	}
	it.N, it.State, it.Created = n, iPending, d.now()
	if err := ids.Put([]byte(it.ID), key); err != nil {
		return false, err
	}
	return true, putIntent(tx, it)
}

// putIntent stores it and keeps the index of open intents (bOpen) in step:
// every intent write goes through here.
func putIntent(tx *bolt.Tx, it *intent) error {
	raw, err := json.Marshal(it)
	if err != nil {
		return err
	}
	key := binary.BigEndian.AppendUint64(nil, it.N)
	if err := tx.Bucket(bOutbox).Put(key, raw); err != nil {
		return err
	}
	if it.open() {
		return tx.Bucket(bOpen).Put(key, nil)
	}
	return tx.Bucket(bOpen).Delete(key)
}

// open reports whether it is not yet done.
func (it *intent) open() bool { return it.State == iPending || it.State == iSubmitted }

// openIntents lists the intents not yet done, in queue order. It reads only
// the open ones through the bOpen index: the outbox keeps every intent ever
// queued (their ids keep enqueue idempotent), and a daemon that has run for
// months must not decode them all on every step.
func openIntents(tx *bolt.Tx) ([]*intent, error) {
	var out []*intent
	box := tx.Bucket(bOutbox)
	err := tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
		v := box.Get(k)
		if v == nil {
			return fmt.Errorf("hostd: open intent %x missing from the outbox", k)
		}
		var it intent
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("hostd: corrupt intent %x: %w", k, err)
		}
		out = append(out, &it)
		return nil
	})
	return out, err
}

// indexOpenIntents builds the bOpen index from the outbox, for a database
// written before the index existed.
func indexOpenIntents(tx *bolt.Tx) error {
	open := tx.Bucket(bOpen)
	return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
		var it intent
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("hostd: corrupt intent %x: %w", k, err)
		}
		if it.open() {
			return open.Put(k, nil)
		}
		return nil
	})
}

// maxBatch bounds how many intents are signed and submitted together (one
// account sequence run).
const maxBatch = 200

// runOutbox drives the queue until ctx ends.
func (d *Daemon) runOutbox(ctx context.Context) error {
	ledgers := d.c.SubscribeLedgers()
	defer ledgers.Close()
	for {
		waiting, err := d.outboxStep(ctx)
		if err != nil {
			return err
		}
		if waiting {
			if _, err := ledgers.Next(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.kickOutbox:
		case <-d.tickC(ctx):
		}
	}
}

func (d *Daemon) kick() {
	select {
	case d.kickOutbox <- struct{}{}:
	default:
	}
}

// outboxStep resolves submitted intents, or signs and submits a batch of
// pending ones. waiting reports that something is in flight (wait for a
// ledger).
func (d *Daemon) outboxStep(ctx context.Context) (waiting bool, err error) {
	var open []*intent
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		open, err = openIntents(tx)
		return err
	}); err != nil {
		return false, err
	}
	d.metrics.queue.Set(float64(len(open)))
	var submitted, pending []*intent
	for _, it := range open {
		if it.State == iSubmitted {
			submitted = append(submitted, it)
		} else {
			pending = append(pending, it)
		}
	}
	if len(submitted) > 0 {
		for _, it := range submitted {
			done, err := d.resolve(ctx, it)
			if err != nil {
				return false, err
			}
			if !done {
				waiting = true
			}
		}
		return waiting, nil
	}
	if len(pending) == 0 {
		return false, nil
	}
	if len(pending) > maxBatch {
		pending = pending[:maxBatch]
	}
	return true, d.submitBatch(ctx, pending)
}

// resolve finds out what became of a submitted intent: validated (apply the
// result), expired unapplied (back to pending), or still in flight.
func (d *Daemon) resolve(ctx context.Context, it *intent) (bool, error) {
	// The validated ledger first, then the lookups: a blob validated at or
	// before v is then surely found, so "past LastLedgerSequence and not
	// found" proves it dead. Read the other way round, a blob validating
	// between the two would be signed again and paid twice.
	v := d.c.ValidatedLedger()
	var unknown bool // the node does not know the latest blob
	for _, h := range it.Hashes {
		t, err := d.c.Tx(ctx, h)
		if err == nil && t.Validated {
			return true, d.finish(ctx, it, t.Result(), &t)
		}
		unknown = errors.Is(err, evernode.ErrNotFound)
		if err != nil && !unknown {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			d.log.Warn("hostd: looking up a transaction", "hash", h, "err", err)
			return false, nil
		}
	}
	if d.afterLookup != nil {
		d.afterLookup(it)
	}
	if v <= it.LastLedger {
		if d.withholding(it) {
			return false, nil // let it expire unsent (ops.go)
		}
		// Still able to apply: make sure the node has it (the lookup of
		// the latest hash, last in the loop above, told).
		if blob, err := hex.DecodeString(it.Blob); err == nil && len(blob) > 0 && unknown {
			_, _ = d.c.Submit(ctx, blob) // the result is read by hash
		}
		return false, nil
	}
	// Past LastLedgerSequence and not found by hash. A node with a short
	// history may have forgotten it, so ask the account: an unused
	// sequence proves the blob never applied.
	applied, err := d.sequenceUsed(ctx, it)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		d.log.Warn("hostd: checking a transaction's sequence", "intent", it.ID, "err", err)
		return false, nil
	}
	if applied != nil {
		return true, d.finish(ctx, it, applied.Result(), applied)
	}
	if it.answer() {
		// An answer signed by an older version (no Sequence): the ledger
		// stream may have seen it.
		t, err := d.streamSaw(it)
		if err != nil {
			return false, err
		}
		if t != nil {
			return true, d.finish(ctx, it, "tesSUCCESS", t)
		}
	}
	// It can never apply. Sign again (with a higher fee).
	d.log.Info("hostd: transaction expired, signing again", "intent", it.ID, "hash", it.Hashes[len(it.Hashes)-1], "attempt", it.Attempts)
	return true, d.update(func(tx *bolt.Tx) error {
		it.State, it.Blob = iPending, ""
		return putIntent(tx, it)
	}, "outbox:expired")
}

// errUnknown: whether a transaction applied cannot be told yet.
var errUnknown = errors.New("hostd: the ledger does not tell yet whether the transaction applied")

// sequenceUsed decides the fate of an expired blob from the account: it
// returns nil when the blob's sequence is still unused, or was used by
// another transaction (the blob never applied); the blob's own validated
// transaction when it is found by sequence; errUnknown when the sequence
// is used but the transaction that used it cannot be read (a node without
// that history): then the daemon waits rather than risk paying twice.
func (d *Daemon) sequenceUsed(ctx context.Context, it *intent) (*evernode.TxResult, error) {
	if it.Sequence == 0 {
		return nil, nil // signed by an older version: hash lookups only
	}
	info, err := d.c.AccountInfo(ctx, d.addr, evernode.Validated)
	if err != nil {
		return nil, err
	}
	if info.AccountData.Sequence <= it.Sequence {
		return nil, nil
	}
	txs, err := d.c.AccountTx(ctx, d.addr, &evernode.AccountTxOptions{MinLedger: it.SignedAt, MaxLedger: it.LastLedger})
	if err != nil {
		return nil, err
	}
	for _, t := range txs {
		if t.String("Account") != d.addr {
			continue
		}
		if seq, _ := t.Uint("Sequence"); uint32(seq) != it.Sequence {
			continue
		}
		for _, h := range it.Hashes {
			if t.Hash == h {
				return &t, nil
			}
		}
		return nil, nil // another transaction took the sequence
	}
	if it.answer() || it.registryOp() {
		// The ledger stream may still show it.
		t, err := d.streamSaw(it)
		if err != nil || t != nil {
			return t, err
		}
		return nil, fmt.Errorf("%w: %s (sequence %d)", errUnknown, it.ID, it.Sequence)
	}
	// Not an answer: a duplicate burn, mint or offer is repaired, so
	// signing again is the lesser harm than a stuck queue.
	return nil, nil
}

// streamSaw returns the validated result of one of an answer's blobs when
// the ledger stream recorded it as the answer to its request (bAnswered),
// else nil.
func (d *Daemon) streamSaw(it *intent) (*evernode.TxResult, error) {
	var seen string
	if err := d.db.View(func(tx *bolt.Tx) error { seen = answeredBy(tx, it.Ref); return nil }); err != nil {
		return nil, err
	}
	if seen == "" || !slices.Contains(it.Hashes, seen) {
		return nil, nil
	}
	return &evernode.TxResult{Hash: seen, Validated: true, Meta: map[string]any{"TransactionResult": "tesSUCCESS"}}, nil
}

// build makes the unsigned transaction of an intent.
func (d *Daemon) build(it *intent) (evernode.Transaction, error) {
	host := d.addr
	switch it.Kind {
	case kAcquireSuccess:
		return lease.AcquireSuccessTx(host, it.Tenant, it.Ref, it.Payload)
	case kAcquireError:
		return lease.AcquireErrorTx(host, it.Tenant, it.Ref, it.Amount.amount(), it.Reason)
	case kExtendSuccess:
		return lease.ExtendSuccessTx(host, it.Tenant, it.Ref, it.Moment)
	case kExtendError:
		return lease.ExtendErrorTx(host, it.Tenant, it.Ref, it.Amount.amount(), it.Reason)
	case kBurn:
		return evernode.URITokenBurn{Common: evernode.Common{Account: host}, URITokenID: it.Token}, nil
	case kMint:
		return evernode.URITokenMint{Common: evernode.Common{Account: host, Flags: evernode.TfBurnable}, URI: it.Field}, nil
	case kOffer:
		return evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: host}, URITokenID: it.Token,
			Amount: d.hookCf.EVR(it.Price)}, nil
	case kHeartbeat:
		return d.heartbeatTx(it)
	case kRegInfo:
		if it.Reg != nil {
			return hook.UpdateRegInfo(d.hookCf, host, *it.Reg)
		}
		return hook.UpdateRegInfo(d.hookCf, host, hook.RegUpdate{ActiveInstances: it.Active})
	case kRebate:
		return hook.RequestRebate(d.hookCf, host)
	}
	return d.buildOp(it)
}

// submitBatch signs the batch with consecutive sequences, records every
// blob and hash, then submits them in order.
func (d *Daemon) submitBatch(ctx context.Context, batch []*intent) error {
	info, err := d.c.AccountInfo(ctx, d.addr, evernode.Current)
	if err != nil {
		return d.transient(ctx, "reading the host account", err)
	}
	seq := info.AccountData.Sequence
	v := d.c.ValidatedLedger()
	if v == 0 {
		h, err := d.c.Ledger(ctx, evernode.Validated, false)
		if err != nil {
			return d.transient(ctx, "reading the validated ledger", err)
		}
		v = h.Index
	}
	var signed []*intent
	var blobs [][]byte
	var held []lease.Token // the host's lease tokens, read once per batch
	heldRead := false
	for _, it := range batch {
		if d.withholding(it) {
			if err := d.withdrawAnswer(it); err != nil {
				return err
			}
			continue
		}
		if it.Kind == kMint {
			if !heldRead {
				if held, err = d.host.Leases(ctx); err != nil {
					return d.transient(ctx, "listing lease tokens", err)
				}
				heldRead = true
			}
			skip, err := d.mintPresign(it, seq, held)
			if err != nil {
				return d.transient(ctx, "checking the lease slot", err)
			}
			if skip {
				continue
			}
		}
		txn, err := d.build(it)
		if err != nil {
			// Nothing can be built from it: give up on it now.
			d.log.Error("hostd: cannot build a transaction", "intent", it.ID, "err", err)
			if err := d.finish(ctx, it, "build: "+err.Error(), nil); err != nil {
				return err
			}
			continue
		}
		m, err := evernode.JSON(d.c.Network(), txn)
		if err != nil {
			if err := d.finish(ctx, it, "build: "+err.Error(), nil); err != nil {
				return err
			}
			continue
		}
		raw := evernode.Raw(m)
		// The margin counts from the ledger when this one is signed: a
		// long batch on a fast network must not sign expired blobs.
		v = max(v, d.c.ValidatedLedger())
		raw["Sequence"] = seq
		raw["LastLedgerSequence"] = v + d.cfg.LedgerOffset
		raw, err = d.c.Prepare(ctx, raw)
		if err != nil {
			return d.transient(ctx, "preparing "+it.ID, err)
		}
		if up := d.uplift(it.Attempts); up > 0 {
			fee, _ := strconv.ParseUint(fmt.Sprint(raw["Fee"]), 10, 64)
			raw["Fee"] = strconv.FormatUint(fee+up, 10)
		}
		s, err := evernode.Sign(ctx, d.c.Network(), d.s, raw)
		if err != nil {
			return d.transient(ctx, "signing "+it.ID, err)
		}
		it.State, it.Blob, it.LastLedger = iSubmitted, hex.EncodeToString(s.Blob), v+d.cfg.LedgerOffset
		it.Sequence, it.SignedAt = seq, v
		it.Hashes = append(it.Hashes, s.HashHex())
		it.Attempts++
		signed = append(signed, it)
		blobs = append(blobs, s.Blob)
		seq++
	}
	if len(signed) == 0 {
		return nil
	}
	if err := d.update(func(tx *bolt.Tx) error {
		for _, it := range signed {
			if err := putIntent(tx, it); err != nil {
				return err
			}
		}
		return nil
	}, "outbox:signed"); err != nil {
		return err
	}
	for i, it := range signed {
		sr, err := d.c.Submit(ctx, blobs[i])
		if err := d.point("outbox:submitted"); err != nil {
			return err
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Unknown: the blob may be in; resolve finds out.
			d.log.Warn("hostd: submit", "intent", it.ID, "err", err)
			continue
		}
		r := sr.EngineResult
		switch {
		case r == "tesSUCCESS", strings.HasPrefix(r, "tec"), strings.HasPrefix(r, "ter"), r == "tefALREADY":
			// Applied, queued or held: resolve follows it.
		case r == "tefPAST_SEQ":
			// Ours already, or the sequence went to something else; in
			// both cases resolve finds out (found, or expired).
		case strings.HasPrefix(r, "tem"):
			// Malformed: it will never apply, and neither will a retry.
			d.log.Error("hostd: transaction refused", "intent", it.ID, "result", r)
			if err := d.finish(ctx, it, r, nil); err != nil {
				return err
			}
			return d.unsend(signed[i+1:])
		default:
			// tef, tel: not applied and not relayed; the blobs after it
			// would wait on its sequence: never sent, so sign them again.
			d.log.Warn("hostd: transaction not applied", "intent", it.ID, "result", r)
			return d.unsend(signed[i:])
		}
	}
	return nil
}

// unsend returns intents whose blobs can never apply (never submitted, or
// refused for good) to the queue.
func (d *Daemon) unsend(its []*intent) error {
	if len(its) == 0 {
		return nil
	}
	return d.update(func(tx *bolt.Tx) error {
		for _, it := range its {
			it.State, it.Blob = iPending, ""
			if err := putIntent(tx, it); err != nil {
				return err
			}
		}
		return nil
	}, "outbox:unsent")
}

// uplift is the extra fee of the attempt'th signing (mb-xrpl:
// affordableExtraFee × attempt ÷ maxAttempts).
func (d *Daemon) uplift(attempts int) uint64 {
	if attempts <= 0 || d.cfg.ExtraFee == 0 {
		return 0
	}
	a := min(uint64(attempts), uint64(d.cfg.MaxAttempts))
	return d.cfg.ExtraFee * a / uint64(d.cfg.MaxAttempts)
}

// transient logs a network failure and lets the loop try again later.
func (d *Daemon) transient(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.log.Warn("hostd: "+what, "err", err)
	return nil
}

// mintPresign makes a mint idempotent by slot: when the host already holds
// a lease token of that index at that price, the mint becomes an offer of
// it (or nothing, if offered). Otherwise it fixes the URI with the
// sequence the mint will use, as the JS host client does.
func (d *Daemon) mintPresign(it *intent, seq uint32, held []lease.Token) (skip bool, err error) {
	for _, t := range held {
		if t.URI.Index != it.Index || !samePrice(t.URI.Price, it.Price) {
			continue
		}
		d.log.Info("hostd: slot already minted", "index", it.Index, "token", t.ID)
		return true, d.update(func(tx *bolt.Tx) error {
			it.State, it.Result, it.Token = iDone, "held", t.ID
			if err := putIntent(tx, it); err != nil {
				return err
			}
			if t.Offered() {
				return nil
			}
			_, err := d.enqueue(tx, &intent{ID: "offer/" + t.ID, Kind: kOffer, Token: t.ID, Index: t.URI.Index, Price: t.URI.Price})
			return err
		}, "outbox:mint-held")
	}
	u := lease.URI{Layout: lease.LayoutLTV1, Index: it.Index, HalfTOS: d.tos, Price: it.Price, Identifier: seq}
	if it.IP != "" {
		if u.OutboundIP, err = parseIP(it.IP); err != nil {
			return false, err
		}
	}
	if it.Field, err = u.Field(); err != nil {
		return false, err
	}
	it.Token, err = lease.TokenID(d.addr, it.Field)
	return false, err
}

// finish applies an intent's final result (t is the validated transaction,
// nil when it never reached the ledger) and marks it done, atomically.
func (d *Daemon) finish(ctx context.Context, it *intent, result string, t *evernode.TxResult) error {
	ok := result == "tesSUCCESS"
	if ok {
		d.log.Debug("hostd: transaction applied", "intent", it.ID, "hash", t.Hash, "ledger", t.LedgerIndex)
	} else {
		d.log.Warn("hostd: transaction failed", "intent", it.ID, "result", result)
	}
	noteHeartbeat(it, t)
	err := d.update(func(tx *bolt.Tx) error {
		it.State, it.Result, it.Blob = iDone, result, ""
		if !ok {
			it.State = iFailed
		}
		if err := putIntent(tx, it); err != nil {
			return err
		}
		if ok && it.answer() && t != nil {
			if err := tx.Bucket(bAnswered).Put([]byte(it.Ref), []byte(t.Hash)); err != nil {
				return err
			}
		}
		return d.onResult(tx, it, ok)
	}, "outbox:finished")
	if err == nil {
		d.countResult(it, ok)
		d.wake()
	}
	return err
}

func samePrice(a, b string) bool {
	x, err1 := evernode.EVR("", a).Rat()
	y, err2 := evernode.EVR("", b).Rat()
	return err1 == nil && err2 == nil && x.Cmp(y) == 0
}

// noteAnswer records an answer seen on the ledger.
func noteAnswer(tx *bolt.Tx, ref, hash string) error {
	return tx.Bucket(bAnswered).Put([]byte(ref), []byte(hash))
}
