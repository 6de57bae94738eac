package hostd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/lease"
)

// The operator operations (§7 H 37, sashimono's setup.js): transfer the
// registration, deregister, delete one instance with a refund, change the
// lease price or the instance count. They run while the daemon is stopped,
// on the daemon's own database and through its own transaction queue, so
// they are exactly as crash-safe as the daemon: every decision is
// committed with the transactions it needs before anything is signed,
// every blob's hash is recorded before it is submitted, and running the
// same operation again after a crash finishes it without paying twice.

// Errors of the operator operations.
var (
	// ErrLocked: another process holds the data dir's database (a
	// running daemon). Stop it first.
	ErrLocked = errors.New("hostd: the database is in use by another process (is the daemon running?)")
	// ErrOperationPending: a transfer or deregistration was started and
	// has not finished. Run it again (with the same arguments) to finish
	// it, or CancelOperation. The daemon does not start meanwhile.
	ErrOperationPending = errors.New("hostd: an operator operation is unfinished")
	// ErrNoLease: DeleteInstance found no lease and no instance by that
	// name.
	ErrNoLease = errors.New("hostd: no such lease or instance")
	// ErrLeaseNotActive: the lease is still being acquired or refused;
	// run the daemon until it is active (or gone) first.
	ErrLeaseNotActive = errors.New("hostd: the lease is not active")
	// ErrTooFewInstances: a reconfiguration to fewer instances than the
	// leases that run.
	ErrTooFewInstances = errors.New("hostd: fewer instances than running leases")
	// ErrHostClosed: a transfer or deregistration finished on this data
	// dir and the host has not been registered again. The daemon does not
	// start (it would register the host again, paying the fee again, or
	// offer lease slots of a host that is gone), and Reconfig and
	// DeleteInstance refuse; register the host again by hand (for a
	// transfer to itself: on the machine that takes it over) to run it.
	// It matches ErrNotRegistered too.
	ErrHostClosed = errors.New("hostd: the host was transferred or deregistered")
)

// ReasonHostClosing is the reason of the refusal (with a full refund) of an
// acquire that arrives while the host is transferred or deregistered.
const ReasonHostClosing = "host_closing"

// Intent kinds of the operations.
const (
	kRefund     kind = "refund"     // a lease's remaining moments, to its tenant
	kTransfer   kind = "transfer"   // the registration token, offered to the registry
	kDeregister kind = "deregister" // evnHostDereg
)

var (
	keyOp       = "op"       // meta: the unfinished transfer or deregistration
	keySettings = "settings" // meta: the reconfigured price and instance count
	bRefunds    = []byte("oprefunds")
)

// Operation kinds, as ErrOperationPending names them.
const (
	OpTransfer   = "transfer"
	OpDeregister = "deregister"
)

// opRecord is an unfinished transfer or deregistration.
type opRecord struct {
	Kind string `json:"kind"`
	// To is the transferee ("": the host itself).
	To       string `json:"to,omitempty"`
	RegToken string `json:"regToken"`
	// Attempt counts registry transactions that failed.
	Attempt int `json:"attempt"`
	// Refunds are the leases refunded, Burns the lease tokens burned.
	Refunds []string  `json:"refunds,omitempty"`
	Burns   []string  `json:"burns,omitempty"`
	Started time.Time `json:"started"`
	// Done is set, and Hash is the registry transaction, once it finished:
	// a rerun after a crash at the very end then reports it.
	Done bool   `json:"done,omitempty"`
	Hash string `json:"hash,omitempty"`
	// RegistryPending: see CloseResult.
	RegistryPending bool `json:"registryPending,omitempty"`
}

func (o *opRecord) String() string {
	if o.Kind == OpTransfer {
		to := o.To
		if to == "" {
			to = "itself"
		}
		return fmt.Sprintf("%s to %s, started %s", o.Kind, to, o.Started.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s, started %s", o.Kind, o.Started.Format(time.RFC3339))
}

// Refund is the refund of a lease's unused moments.
type Refund struct {
	// Lease is the acquire hash (the refund quotes it), Token the lease
	// token (the instance's name).
	Lease  string `json:"lease"`
	Token  string `json:"token"`
	Tenant string `json:"tenant"`
	// Moments is the moments left before the lease's expiry, the one
	// under way included (the tenant does not pay for a moment the host
	// cut short); Amount is Moments × the lease's price in EVR (zero
	// Value: nothing to refund).
	Moments uint64          `json:"moments"`
	Amount  evernode.Amount `json:"amount"`
	// Hash and Result are the refund's transaction and engine result,
	// once known; Owed is true when it could not be paid (Daemon.Owed).
	Hash   string `json:"hash,omitempty"`
	Result string `json:"result,omitempty"`
	Owed   bool   `json:"owed,omitempty"`
}

// CloseResult is what Transfer or Deregister did.
type CloseResult struct {
	// Refunds lists the leases that were running, each refunded its
	// unused moments (the one under way included).
	Refunds []Refund `json:"refunds"`
	// Burned lists the lease tokens burned (sold or not).
	Burned []string `json:"burned"`
	// Hash is the registry transaction (the transfer offer or the
	// deregistration).
	Hash string `json:"hash"`
	// RegistryPending is set when a deregistration applied but the
	// registry had not burned the registration token within
	// hook.DefaultEmissionTimeout: on Xahau a host with rewards not yet
	// paid keeps it until the heartbeat hook pays them.
	RegistryPending bool `json:"registryPending,omitempty"`
}

// ReconfigResult is what Reconfig did.
type ReconfigResult struct {
	// Price and Instances are the settings now in force.
	Price     string `json:"price"`
	Instances int    `json:"instances"`
	// Repriced lists the unsold lease tokens burned to be minted again
	// at the new price.
	Repriced []string `json:"repriced"`
}

// settings are the lease price and instance count a Reconfig set, with the
// Config values they replaced: they stand while the Config keeps those
// values (or leaves the field zero), so the next start does not undo the
// reconfiguration, and an operator who edits the Config afterwards wins.
type settings struct {
	Price         string `json:"price,omitempty"`
	FromPrice     string `json:"fromPrice,omitempty"`
	Instances     int    `json:"instances,omitempty"`
	FromInstances int    `json:"fromInstances,omitempty"`
}

// applySettings puts a reconfiguration in force over the Config o (New).
func (d *Daemon) applySettings(o Config) error {
	d.givenInstances = o.Instances
	var s settings
	found := false
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bMeta), keySettings, &s)
		return err
	}); err != nil || !found {
		return err
	}
	changed := false
	if s.Price != "" {
		if o.LeasePrice == "" || s.FromPrice != "" && samePrice(o.LeasePrice, s.FromPrice) {
			d.price = s.Price
		} else {
			d.log.Info("hostd: Config.LeasePrice changed since the reconfiguration; it wins", "config", o.LeasePrice, "reconfigured", s.Price)
			s.Price, s.FromPrice, changed = "", "", true
		}
	}
	if s.Instances > 0 {
		if o.Instances <= 0 || o.Instances == s.FromInstances {
			d.cfg.Instances = s.Instances
		} else {
			d.log.Info("hostd: Config.Instances changed since the reconfiguration; it wins", "config", o.Instances, "reconfigured", s.Instances)
			s.Instances, s.FromInstances, changed = 0, 0, true
		}
	}
	if !changed {
		return nil
	}
	return d.db.Update(func(tx *bolt.Tx) error {
		if s == (settings{}) {
			return tx.Bucket(bMeta).Delete([]byte(keySettings))
		}
		return putJSON(tx.Bucket(bMeta), keySettings, s)
	})
}

// Instances returns the number of lease slots in force: Config.Instances
// (or its default), or what a Reconfig set.
func (d *Daemon) Instances() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.Instances
}

// exclusive runs an operation as Run runs the daemon: one at a time, never
// with Run, stopped by Close. It loads what the daemon loads at start-up
// (Evernode configuration, registration, lease price) first.
func (d *Daemon) exclusive(ctx context.Context, fn func(ctx context.Context) error) error {
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return ErrClosed
	case d.running:
		d.mu.Unlock()
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	d.running, d.cancel, d.done, d.runErr = true, cancel, make(chan struct{}), nil
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running, d.closing = false, false
		close(d.done)
		d.mu.Unlock()
	}()
	defer cancel()
	if err := d.loadHost(ctx); err != nil {
		return err
	}
	ok, err := hook.IsRegistered(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return fmt.Errorf("hostd: checking the registration: %w", err)
	}
	d.registered = ok
	if ok {
		if d.regToken, _, err = hook.RegistrationToken(ctx, d.c, d.hookCf, d.addr); err != nil {
			return err
		}
	}
	if err := d.adoptPrice(ctx); err != nil {
		return err
	}
	return fn(ctx)
}

// drain drives the transaction queue until it is empty: what the stopped
// daemon left in it, then what the operation queued (a burn's mint and
// offer follow it).
func (d *Daemon) drain(ctx context.Context) error {
	ledgers := d.c.SubscribeLedgers()
	defer ledgers.Close()
	for {
		if _, err := d.outboxStep(ctx); err != nil {
			return err
		}
		var n int
		if err := d.db.View(func(tx *bolt.Tx) error {
			open, err := openIntents(tx)
			n = len(open)
			return err
		}); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := ledgers.Next(ctx); err != nil {
			return err
		}
	}
}

// pendingOp reads the unfinished transfer or deregistration, if any.
func (d *Daemon) pendingOp() (*opRecord, error) {
	op, err := d.lastOp()
	if err != nil || op == nil || op.Done {
		return nil, err
	}
	return op, nil
}

// lastOp reads the last transfer or deregistration, finished or not.
func (d *Daemon) lastOp() (*opRecord, error) {
	var op opRecord
	found := false
	err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bMeta), keyOp, &op)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return &op, nil
}

// refusePendingOp keeps the daemon from starting over an unfinished
// transfer or deregistration (it would offer the slots again), and over a
// finished one unless the host has been registered again since
// (ErrHostClosed): with Config.Register still set it would register the
// host again and pay the fee again, and either way it would offer slots.
func (d *Daemon) refusePendingOp(ctx context.Context) error {
	op, err := d.lastOp()
	if err != nil || op == nil {
		return err
	}
	if !op.Done {
		return fmt.Errorf("%w: %s (run it again to finish it)", ErrOperationPending, op)
	}
	ok, err := hook.IsRegistered(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return fmt.Errorf("hostd: checking the registration: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w (%w): %s (register it again by hand to run it here)", ErrHostClosed, ErrNotRegistered, op)
	}
	// Registered again with the very token handed over: a transferee took
	// it up (after a transfer to itself, the machine the host moved to).
	// Starting here too would put two daemons on one account.
	tok, _, err := hook.RegistrationToken(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return fmt.Errorf("hostd: checking the registration: %w", err)
	}
	return op.takenUp(tok)
}

// takenUp refuses to run on a data dir whose finished transfer or
// deregistration handed over the registration token tok the host holds
// again: a transferee took it up, so another machine runs the host.
func (o *opRecord) takenUp(tok [32]byte) error {
	if !strings.EqualFold(hex.EncodeToString(tok[:]), o.RegToken) {
		return nil
	}
	return fmt.Errorf("%w: %s, and its registration runs again (elsewhere?); CancelOperation if this machine is to run it", ErrHostClosed, o)
}

// remaining is how many moments of l are left at now, and their price:
// ⌈(expiry − now) ÷ moment⌉, the moment under way included. Every early end
// is the host's doing (an operator's delete, transfer or deregistration, a
// lost instance), so the tenant does not pay for the moment it cuts short;
// upstream counts whole moments only, ⌊(expiry − now) ÷ moment⌋, and keeps
// a whole moment's EVR for a lease deleted a few seconds after it started.
// Nothing is left, and nothing refunded, at or after the expiry; and never
// more than the lease bought, Expiry − Activated, even when the wall clock
// stepped back behind the activation (the moment under way would otherwise
// count one moment more than was paid).
func (d *Daemon) remaining(l *Lease) (uint64, evernode.Amount, error) {
	left := l.Expiry.Sub(d.now())
	if left <= 0 {
		return 0, evernode.Amount{}, nil
	}
	if !l.Activated.IsZero() {
		left = min(left, l.Expiry.Sub(l.Activated))
	}
	m := d.momentSize()
	n := uint64(left / m)
	if left%m != 0 {
		n++
	}
	if n == 0 {
		return 0, evernode.Amount{}, nil
	}
	a, err := d.hookCf.EVR(l.Price).Times(n)
	if err != nil {
		return 0, evernode.Amount{}, fmt.Errorf("hostd: lease %s: price %q: %w", l.Ref, l.Price, err)
	}
	a.Value = truncate16(a.Value)
	return n, a, nil
}

// truncate16 cuts a plain decimal to the 16 significant digits an issued
// amount carries, rounding down: a refund never pays more than was paid.
func truncate16(v string) string {
	var b strings.Builder
	sig, frac := 0, false
	for _, r := range v {
		switch {
		case r == '.':
			frac = true
		case r >= '0' && r <= '9' && (sig > 0 || r != '0'):
			sig++
			if sig > 16 {
				if frac {
					continue
				}
				r = '0'
			}
		}
		b.WriteRune(r)
	}
	s := b.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// endLease commits, in the caller's database transaction, the end of an
// active lease before its expiry (Expiring: the instance is destroyed, the
// token burned) and the refund of its unused moments (remaining: the moment
// under way included) to its tenant, quoting the acquire. reason is the
// lease's Reason: "" for the operator's operations, ReasonInstanceMissing
// for pruneMissing; the refund is counted the same way for both.
func (d *Daemon) endLease(tx *bolt.Tx, l *Lease, reason string) (Refund, error) {
	n, amt, err := d.remaining(l)
	if err != nil {
		return Refund{}, err
	}
	r := Refund{Lease: l.Ref, Token: l.TokenID, Tenant: l.Tenant, Moments: n, Amount: amt}
	l.State, l.Reason = Expiring, reason
	if err := putLease(tx, l, d.now()); err != nil {
		return r, err
	}
	if n > 0 {
		if _, err := d.enqueue(tx, &intent{ID: "refund/" + l.Ref, Kind: kRefund, Ref: l.Ref, Lease: l.Ref, Tenant: l.Tenant,
			Token: l.TokenID, Amount: toJSONAmount(amt)}); err != nil {
			return r, err
		}
	}
	by := reason
	if by == "" {
		by = "operator"
	}
	d.log.Info("hostd: lease ended early, unused moments refunded", "ref", l.Ref, "token", l.TokenID, "tenant", l.Tenant,
		"by", by, "moments", n, "refund", amt.Value)
	return r, putRefund(tx, r)
}

// putRefund records r, the refund (or none: a zero Refund) of an early end
// of lease r.Lease.
func putRefund(tx *bolt.Tx, r Refund) error {
	b, err := tx.CreateBucketIfNotExists(bRefunds)
	if err != nil {
		return err
	}
	return putJSON(b, r.Lease, r)
}

// refundOf reads the refund of lease ref with its transaction's outcome.
func (d *Daemon) refundOf(ref string) (*Refund, error) {
	var r *Refund
	err := d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRefunds)
		if b == nil {
			return nil
		}
		var x Refund
		ok, err := getJSON(b, ref, &x)
		if err != nil || !ok {
			return err
		}
		if it, err := intentByID(tx, "refund/"+ref); err != nil {
			return err
		} else if it != nil && len(it.Hashes) > 0 {
			x.Hash, x.Result = it.Hashes[len(it.Hashes)-1], it.Result
		}
		x.Owed = tx.Bucket(bOwed).Get([]byte(ref)) != nil
		r = &x
		return nil
	})
	return r, err
}

// refundByToken finds the refund record of the lease with token id (or
// acquire hash) name.
func (d *Daemon) refundByToken(name string) (string, error) {
	var ref string
	err := d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRefunds)
		if b == nil {
			return nil
		}
		if b.Get([]byte(name)) != nil {
			ref = name
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r Refund
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			if r.Token == name {
				ref = string(k)
			}
			return nil
		})
	})
	return ref, err
}

func intentByID(tx *bolt.Tx, id string) (*intent, error) {
	k := tx.Bucket(bIntents).Get([]byte(id))
	if k == nil {
		return nil, nil
	}
	raw := tx.Bucket(bOutbox).Get(k)
	if raw == nil {
		return nil, nil
	}
	var it intent
	if err := jsonUnmarshal(raw, &it); err != nil {
		return nil, &corruptError{fmt.Errorf("hostd: corrupt intent %s: %w", id, err)}
	}
	return &it, nil
}

// onRefund records a refund that could not be paid (the tenant's trust
// line is gone) as owed.
func (d *Daemon) onRefund(tx *bolt.Tx, it *intent, ok bool) error {
	if ok {
		return nil
	}
	d.log.Error("hostd: refund failed; recorded as owed", "ref", it.Ref, "amount", it.Amount.amount().String(), "result", it.Result)
	return putJSON(tx.Bucket(bOwed), it.Ref, it.Amount)
}

// buildOp builds the transactions of the operations' intent kinds.
func (d *Daemon) buildOp(it *intent) (evernode.Transaction, error) {
	switch it.Kind {
	case kRefund:
		return lease.RefundTx(d.addr, it.Tenant, it.Ref, it.Amount.amount())
	case kTransfer, kDeregister:
		id, err := hex.DecodeString(it.Token)
		if err != nil || len(id) != 32 {
			return nil, fmt.Errorf("hostd: registration token %q", it.Token)
		}
		if it.Kind == kTransfer {
			return hook.Transfer(d.hookCf, d.addr, [32]byte(id), it.Dest)
		}
		return hook.Deregister(d.hookCf, d.addr, [32]byte(id), false)
	}
	return nil, fmt.Errorf("hostd: unknown intent kind %q", it.Kind)
}

// DeleteInstance ends one lease now, as sashimono's delete command: it
// destroys the instance, refunds the tenant the moments left before the
// lease's expiry at the lease's price, the moment under way included
// (upstream keeps that one: a lease deleted seconds after it started would
// refund nothing of the moment paid), as an evnRefund quoting the
// acquire, burns the lease token and offers the slot again at the current
// price. name is the instance's name (the lease token id) or the acquire
// hash. A lease that is already ending (expired or terminated) is finished
// without a refund; an instance without a lease is destroyed. Run it again
// after a crash: it finishes what was started and never refunds twice.
//
// It refuses while the daemon runs (ErrRunning, or ErrLocked from New in
// another process) and for a lease not yet active (ErrLeaseNotActive).
// The Refund is nil when there was no lease.
func (d *Daemon) DeleteInstance(ctx context.Context, name string) (*Refund, error) {
	var out *Refund
	err := d.exclusive(ctx, func(ctx context.Context) error {
		if err := d.refusePendingOp(ctx); err != nil {
			return err
		}
		// Settle what is in flight first: an extension being confirmed
		// counts in the refund.
		if err := d.drain(ctx); err != nil {
			return err
		}
		ref, err := d.refundByToken(name)
		if err != nil {
			return err
		}
		var l *Lease
		if err := d.db.View(func(tx *bolt.Tx) error {
			if ref != "" {
				l, err = getLease(tx, ref)
				return err
			}
			if l, err = leaseByToken(tx, name); err != nil || l != nil {
				return err
			}
			l, err = getLease(tx, name)
			return err
		}); err != nil {
			return err
		}
		switch {
		case l == nil && ref == "":
			if _, err := d.p.Inspect(ctx, name); err != nil {
				if errors.Is(err, instance.ErrNotFound) {
					return fmt.Errorf("%w: %s", ErrNoLease, name)
				}
				return err
			}
			d.log.Info("hostd: destroying an instance without a lease", "name", name)
			if err := d.p.Destroy(ctx, name); err != nil && !errors.Is(err, instance.ErrNotFound) {
				return err
			}
			return nil
		case l != nil && ref == "":
			if l.State != Active && l.State != Expiring {
				return fmt.Errorf("%w: %s is %s", ErrLeaseNotActive, l.Ref, l.State)
			}
			ref = l.Ref
			if err := d.update(func(tx *bolt.Tx) error {
				cur, err := getLease(tx, l.Ref)
				if err != nil || cur == nil {
					return err
				}
				if cur.State == Active {
					_, err = d.endLease(tx, cur, "")
					return err
				}
				return putRefund(tx, Refund{Lease: cur.Ref, Token: cur.TokenID, Tenant: cur.Tenant})
			}, "delete:marked"); err != nil {
				return err
			}
		}
		if err := d.db.View(func(tx *bolt.Tx) error {
			l, err = getLease(tx, ref)
			return err
		}); err != nil {
			return err
		}
		if l != nil && l.State == Expiring {
			if err := d.expire(ctx, l); err != nil {
				return err
			}
		}
		if err := d.drain(ctx); err != nil {
			return err
		}
		out, err = d.refundOf(ref)
		return err
	})
	return out, err
}

// Transfer transfers the host's registration to transferee ("" or the
// host's own address: to itself, to move the host to another machine),
// as sashimono's transfer command, after winding the host down.
//
// Upstream burns every lease token, sold ones included, and leaves the
// tenants to lose what they paid for the moments they will not get. This
// SDK does not keep EVR without service: each running lease's instance is
// destroyed and its tenant refunded the moments left before its expiry,
// the moment under way included (an evnRefund quoting the acquire, as
// DeleteInstance); an acquire that arrived while the daemon was stopped
// is refused with a full refund (ReasonHostClosing); only then are the
// lease tokens burned, sold and unsold, and the registration token offered
// to the registry. It returns once the registry holds the token
// (hook.ErrEmissionTimeout after hook.DefaultEmissionTimeout: run it
// again).
//
// It refuses an unregistered host (ErrNotRegistered, which
// hook.ErrNotRegistered matches too), a transferee that is registered
// (hook.ErrRegistered), and runs only while the daemon is stopped
// (ErrRunning; ErrLocked from New in another process). Until it
// has finished, the daemon refuses to start (ErrOperationPending): run it
// again after a crash (with the same transferee) and it finishes without
// paying anything twice. Once it has finished, the daemon (and every
// operation) refuses on this data dir with ErrHostClosed: it does not
// register the host again, whatever Config.Register says, and while the
// host runs again with the token handed over (the transferee took it up)
// it stays down, so that two daemons never serve one account.
func (d *Daemon) Transfer(ctx context.Context, transferee string) (*CloseResult, error) {
	if transferee != "" {
		if _, err := hook.ParseAccountID(transferee); err != nil {
			return nil, err
		}
	}
	return d.closeHost(ctx, opRecord{Kind: OpTransfer, To: transferee})
}

// Deregister deregisters the host (evnHostDereg), as sashimono's uninstall
// does, after winding it down as Transfer does: running leases are ended
// with a refund of their unused moments (the one under way included), late
// acquires refused with a full refund, every lease token burned. It returns once the registry has
// burned the registration token (its fee refund arrives with the burn), or
// with CloseResult.RegistryPending when the deregistration applied but the
// burn waits for rewards to be paid. It refuses an unregistered host
// (ErrNotRegistered) and runs only while the daemon is stopped; after a
// crash, run it again. Once it has finished the daemon refuses to start
// (ErrHostClosed) until the host is registered again.
func (d *Daemon) Deregister(ctx context.Context) (*CloseResult, error) {
	return d.closeHost(ctx, opRecord{Kind: OpDeregister})
}

// CancelOperation forgets an unfinished transfer or deregistration whose
// registry transaction has not applied (it failed, or was never sent), or
// a transfer the registry never took up, so that the daemon can start
// again: its next start mints and offers the slots again. Leases already
// ended stay ended and refunded. It also forgets a finished one once the
// host is registered again (ErrHostClosed otherwise): the operator's word
// that this data dir, not another machine's, runs the host now. It reports
// whether there was one to cancel.
func (d *Daemon) CancelOperation(ctx context.Context) (bool, error) {
	cancelled := false
	err := d.exclusive(ctx, func(ctx context.Context) error {
		op, err := d.lastOp()
		if err != nil || op == nil {
			return err
		}
		if op.Done {
			if !d.registered {
				return fmt.Errorf("%w (%w): %s", ErrHostClosed, ErrNotRegistered, op)
			}
			cancelled = true
			return d.forgetOp("close:forgotten")
		}
		// A registry transaction not yet signed is never sent; one signed
		// may have applied: the queue finds out.
		if err := d.update(func(tx *bolt.Tx) error {
			it, err := intentByID(tx, op.registryID())
			if err != nil || it == nil || it.State != iPending {
				return err
			}
			it.State, it.Result = iFailed, "cancelled"
			return putIntent(tx, it)
		}, "close:cancelling"); err != nil {
			return err
		}
		if err := d.drain(ctx); err != nil {
			return err
		}
		it, err := d.registryIntent(op)
		if err != nil {
			return err
		}
		done := it != nil && it.State == iDone
		if done && op.Kind == OpTransfer {
			// The offer applied; cancel only if the registry never took
			// the token (the host still owns it, and stays registered).
			node, err := d.c.LedgerEntry(ctx, op.RegToken, evernode.Validated)
			if err != nil {
				return err
			}
			done = node["Owner"] != d.addr
		}
		if done {
			return fmt.Errorf("hostd: the %s already applied; run it again to finish it", op.Kind)
		}
		cancelled = true
		return d.forgetOp("close:cancelled")
	})
	return cancelled, err
}

// registryOp reports a transfer or deregistration: never signed twice on a
// guess (sequenceUsed), as neither may apply twice; the second fails, and
// the operator, told it failed, would cancel an operation that applied.
func (it *intent) registryOp() bool { return it.Kind == kTransfer || it.Kind == kDeregister }

// put stores o as the operation under way, in tx.
func (o *opRecord) put(tx *bolt.Tx) error { return putJSON(tx.Bucket(bMeta), keyOp, o) }

// saveOp stores op in a transaction of its own (point: see update).
func (d *Daemon) saveOp(op *opRecord, point string) error {
	return d.update(op.put, point)
}

// forgetOp deletes the operation record (point: see update).
func (d *Daemon) forgetOp(point string) error {
	return d.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete([]byte(keyOp)) }, point)
}

// registryIntent reads the intent of op's current registry transaction
// (nil: not queued).
func (d *Daemon) registryIntent(op *opRecord) (*intent, error) {
	var it *intent
	err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		it, err = intentByID(tx, op.registryID())
		return err
	})
	return it, err
}

func (o *opRecord) registryID() string {
	return fmt.Sprintf("%s/%s/%d", o.Kind, o.RegToken, o.Attempt)
}

func (d *Daemon) closeHost(ctx context.Context, want opRecord) (*CloseResult, error) {
	var res *CloseResult
	err := d.exclusive(ctx, func(ctx context.Context) error {
		op, err := d.lastOp()
		if err != nil {
			return err
		}
		if op != nil && op.Done {
			if !d.registered && op.Kind == want.Kind && op.To == want.To {
				// Finished, and stopped before it could say so.
				res, err = d.closeResult(op)
				return err
			}
			if d.registered {
				if err := op.takenUp(d.regToken); err != nil {
					return err
				}
			}
			op = nil
		}
		switch {
		case op == nil:
			if !d.registered {
				return fmt.Errorf("%w (%w): %s", ErrNotRegistered, hook.ErrNotRegistered, d.addr)
			}
			if want.To != "" && want.To != d.addr {
				if _, owned, err := hook.RegistrationToken(ctx, d.c, d.hookCf, want.To); err != nil {
					return err
				} else if owned {
					return fmt.Errorf("%w: transferee %s", hook.ErrRegistered, want.To)
				}
			}
			want.RegToken, want.Started = strings.ToUpper(hex.EncodeToString(d.regToken[:])), d.now()
			op = &want
			d.log.Info("hostd: winding the host down", "op", op.String())
			if err := d.saveOp(op, "close:started"); err != nil {
				return err
			}
		case op.Kind != want.Kind || op.To != want.To:
			return fmt.Errorf("%w: %s", ErrOperationPending, op)
		}
		d.mu.Lock()
		d.closing = true
		d.mu.Unlock()
		if err := d.windDown(ctx, op); err != nil {
			return err
		}
		if op.Hash, err = d.registryStep(ctx, op); err != nil {
			return err
		}
		if res, err = d.closeResult(op); err != nil {
			return err
		}
		d.log.Info("hostd: host wound down", "op", op.String(), "hash", op.Hash)
		op.Done = true
		return d.saveOp(op, "close:done")
	})
	return res, err
}

func (d *Daemon) closeResult(op *opRecord) (*CloseResult, error) {
	res := &CloseResult{Burned: op.Burns, Hash: op.Hash, RegistryPending: op.RegistryPending}
	for _, ref := range op.Refunds {
		r, err := d.refundOf(ref)
		if err != nil {
			return nil, err
		}
		if r != nil {
			res.Refunds = append(res.Refunds, *r)
		}
	}
	return res, nil
}

// burnID is the intent id of a burn of token: "burn/<token>", unless a
// burn of it was tried before and failed (then it would never be tried
// again).
func burnID(tx *bolt.Tx, token string, now time.Time) string {
	id := "burn/" + token
	if tx.Bucket(bIntents).Get([]byte(id)) == nil {
		return id
	}
	return fmt.Sprintf("%s/%d", id, now.UnixNano())
}

// maxWindDownRounds bounds the rounds of windDown: a token that cannot be
// burned, or a lease that cannot end, stops it with an error rather than
// a loop.
const maxWindDownRounds = 10

// windDown ends every lease and burns every lease token, round after
// round, until a round finds nothing to do: each round first catches up on
// the requests that reached the stopped daemon, then settles the queue, so
// that an extension caught up is confirmed (or refunded and taken back)
// before the lease's refund counts it: counted while unconfirmed, a
// confirmation that then failed would refund it a second time.
func (d *Daemon) windDown(ctx context.Context, op *opRecord) error {
	if err := d.withdrawAnswers(op); err != nil {
		return err
	}
	for round := 0; ; round++ {
		if err := d.catchUp(ctx); err != nil {
			return err
		}
		if err := d.drain(ctx); err != nil {
			return err
		}
		held, err := d.host.Leases(ctx)
		if err != nil {
			return err
		}
		leases, err := d.readLeases()
		if err != nil {
			return err
		}
		if len(held) == 0 && len(leases) == 0 {
			// Nothing at the listing's ledger; but a tenant may have
			// bought the last offered token after the catch-up read the
			// ledger and before the listing: only a catch-up after the
			// listing proves that none did.
			if err := d.catchUp(ctx); err != nil {
				return err
			}
			more := false
			if err := d.db.View(func(tx *bolt.Tx) error {
				ls, err := allLeases(tx)
				if err != nil {
					return err
				}
				open, err := openIntents(tx)
				more = len(ls) > 0 || len(open) > 0
				return err
			}); err != nil {
				return err
			}
			if !more {
				return nil
			}
			continue
		}
		if round == maxWindDownRounds {
			return fmt.Errorf("hostd: winding down: %d lease tokens and %d leases left after %d rounds; see the log, then run it again",
				len(held), len(leases), round)
		}
		if err := d.update(func(tx *bolt.Tx) error {
			for _, t := range held {
				if ok, err := d.enqueue(tx, &intent{ID: burnID(tx, t.ID, d.now()), Kind: kBurn, Token: t.ID, Index: t.URI.Index, Final: true}); err != nil {
					return err
				} else if ok {
					op.Burns = append(op.Burns, t.ID)
				}
			}
			for _, l := range leases {
				cur, err := getLease(tx, l.Ref)
				if err != nil || cur == nil {
					return err
				}
				switch cur.State {
				case Active:
					if _, err := d.endLease(tx, cur, ""); err != nil {
						return err
					}
					op.Refunds = append(op.Refunds, cur.Ref)
					op.Burns = append(op.Burns, cur.TokenID)
				case Provisioning:
					cur.State, cur.Reason = Refusing, ReasonHostClosing
					d.log.Info("hostd: refusing an acquire: the host is closing", "ref", cur.Ref)
					if err := putLease(tx, cur, d.now()); err != nil {
						return err
					}
					op.Burns = append(op.Burns, cur.TokenID)
				}
			}
			return op.put(tx)
		}, "close:queued"); err != nil {
			return err
		}
		if leases, err = d.readLeases(); err != nil {
			return err
		}
		for _, l := range leases {
			switch l.State {
			case Refusing:
				err = d.refuse(ctx, l)
			case Expiring:
				err = d.expire(ctx, l)
			}
			if err != nil {
				return err
			}
		}
	}
}

// readLeases reads every lease record.
func (d *Daemon) readLeases() ([]*Lease, error) {
	var ls []*Lease
	err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		ls, err = allLeases(tx)
		return err
	})
	return ls, err
}

// withdrawAnswers turns the acquires whose success answer is queued but
// not signed (the daemon stopped first) into refusals with a full refund
// (ReasonHostClosing): sent now, the answer would start a lease, and give
// the tenant an instance, that the wind-down ends at once. A pending intent
// has no blob that can still apply (the queue re-queues one only once it
// proved it dead), so it is never sent once withdrawn. A blob signed but not seen on the ledger is not
// submitted again while the host closes (withholding): once it can no
// longer apply, the queue withdraws it the same way. Answers already on
// the ledger go their way: the lease they start is ended with the refund
// of its unused moments, the one under way included.
func (d *Daemon) withdrawAnswers(op *opRecord) error {
	return d.update(func(tx *bolt.Tx) error {
		ls, err := allLeases(tx)
		if err != nil {
			return err
		}
		for _, l := range ls {
			if l.State != Answering {
				continue
			}
			it, err := intentByID(tx, "acqok/"+l.Ref)
			if err != nil {
				return err
			}
			if it == nil || it.State != iPending {
				continue
			}
			if err := d.withdraw(tx, it); err != nil {
				return err
			}
			op.Burns = append(op.Burns, l.TokenID)
		}
		return op.put(tx)
	}, "close:answers-withdrawn")
}

// withholding reports whether the queue must neither sign nor submit it:
// a success answer while the host closes (withdrawAnswers).
func (d *Daemon) withholding(it *intent) bool {
	if it.Kind != kAcquireSuccess {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closing
}

// withdrawAnswer withdraws a pending success answer the queue met while
// the host closes (withholding).
func (d *Daemon) withdrawAnswer(it *intent) error {
	return d.update(func(tx *bolt.Tx) error { return d.withdraw(tx, it) }, "close:answer-withdrawn")
}

// withdraw marks a success answer that can never be sent as failed and
// turns its lease, if still Answering, into a refusal with a full refund.
func (d *Daemon) withdraw(tx *bolt.Tx, it *intent) error {
	it.State, it.Result, it.Blob = iFailed, "withdrawn: "+ReasonHostClosing, ""
	if err := putIntent(tx, it); err != nil {
		return err
	}
	l, err := getLease(tx, it.Lease)
	if err != nil || l == nil || l.State != Answering {
		return err
	}
	l.State, l.Reason = Refusing, ReasonHostClosing
	d.log.Info("hostd: refusing an acquire whose answer was not sent: the host is closing", "ref", l.Ref)
	return putLease(tx, l, d.now())
}

// registryStep gets the transfer or deregistration onto the ledger and
// waits for the registry's answer: the registration token in its hands, or
// burned.
func (d *Daemon) registryStep(ctx context.Context, op *opRecord) (string, error) {
	k := kTransfer
	if op.Kind == OpDeregister {
		k = kDeregister
	}
	if err := d.update(func(tx *bolt.Tx) error {
		_, err := d.enqueue(tx, &intent{ID: op.registryID(), Kind: k, Token: op.RegToken, Dest: op.To})
		return err
	}, "close:registry-queued"); err != nil {
		return "", err
	}
	if err := d.drain(ctx); err != nil {
		return "", err
	}
	it, err := d.registryIntent(op)
	if err != nil {
		return "", err
	}
	if it == nil || it.State != iDone {
		result := "not sent"
		if it != nil {
			result = it.Result
		}
		op.Attempt++
		if err := d.saveOp(op, "close:registry-failed"); err != nil {
			return "", err
		}
		return "", fmt.Errorf("hostd: the %s failed (%s); run it again, or CancelOperation", op.Kind, result)
	}
	hash := it.Hashes[len(it.Hashes)-1]
	wctx, cancel := context.WithTimeout(ctx, hook.DefaultEmissionTimeout)
	defer cancel()
	for {
		next := d.c.ValidatedLedger() + 1
		node, err := d.c.LedgerEntry(wctx, op.RegToken, evernode.Validated)
		switch {
		case errors.Is(err, evernode.ErrNotFound):
			if op.Kind == OpDeregister {
				return hash, nil
			}
		case err == nil:
			if owner, _ := node["Owner"].(string); op.Kind == OpTransfer && owner == d.hookCf.RegistryAddress {
				return hash, nil
			}
		case ctx.Err() != nil:
			return "", ctx.Err()
		}
		if err := d.c.WaitLedger(wctx, next); err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				if op.Kind == OpDeregister {
					// The registry accepted it: a host with rewards still
					// to be paid keeps its token until the heartbeat hook
					// pays them (registry.c), nothing the host can hurry.
					d.log.Warn("hostd: deregistered; the registry has not burned the registration token yet", "hash", hash)
					op.RegistryPending = true
					return hash, nil
				}
				return "", fmt.Errorf("%w: the registry after %s (run it again)", hook.ErrEmissionTimeout, hash)
			}
			return "", err
		}
	}
}

// ReconfigOptions are the new settings of Reconfig; zero fields stay.
type ReconfigOptions struct {
	// Price is the new per-moment lease price in EVR.
	Price string
	// Instances is the new number of lease slots.
	Instances int
}

// Reconfig changes the lease price and/or the instance count, as
// sashimono's reconfig: unsold lease tokens at another price are burned
// and minted again at the new one (sold ones keep theirs until their lease
// ends, then their slot is offered at the new price); slots are minted or
// burned (unsold ones only: never a tenant's) to reach the new count; the
// registry entry is updated. A lease running in a slot beyond a smaller
// count keeps it until it ends; the slot then closes. It refuses a count
// below the leases running (ErrTooFewInstances).
//
// The new settings are saved in the database and the daemon's next start
// keeps them, over Config.LeasePrice and Config.Instances as long as those
// keep the values they had when Reconfig ran (or are zero): a Config
// edited afterwards wins. It runs only while the daemon is stopped; run it
// again after a crash.
func (d *Daemon) Reconfig(ctx context.Context, opts ReconfigOptions) (*ReconfigResult, error) {
	if opts.Price != "" {
		x, err := hook.ParseXFL(opts.Price)
		if err != nil {
			return nil, fmt.Errorf("hostd: lease price %q: %w", opts.Price, err)
		}
		if r, ok := x.Rat(); !ok || r.Sign() <= 0 {
			return nil, fmt.Errorf("%w: lease price %q must be above zero", hook.ErrInvalid, opts.Price)
		}
	}
	if opts.Instances < 0 || opts.Instances > 65535 {
		return nil, fmt.Errorf("%w: instances %d", hook.ErrInvalid, opts.Instances)
	}
	var res *ReconfigResult
	err := d.exclusive(ctx, func(ctx context.Context) error {
		if err := d.refusePendingOp(ctx); err != nil {
			return err
		}
		if err := d.drain(ctx); err != nil {
			return err
		}
		price, n := d.leasePrice(), d.cfg.Instances
		if opts.Price != "" {
			price = opts.Price
		}
		if opts.Instances > 0 {
			n = opts.Instances
		}
		held, err := d.host.Leases(ctx)
		if err != nil {
			return err
		}
		res = &ReconfigResult{Price: price, Instances: n}
		if err := d.update(func(tx *bolt.Tx) error {
			ls, err := allLeases(tx)
			if err != nil {
				return err
			}
			live := 0
			for _, l := range ls {
				if l.live() {
					live++
				}
			}
			if n < live {
				return fmt.Errorf("%w: %d leases run, %d instances asked", ErrTooFewInstances, live, n)
			}
			var s settings
			if _, err := getJSON(tx.Bucket(bMeta), keySettings, &s); err != nil {
				return err
			}
			if opts.Price != "" {
				s.Price, s.FromPrice = price, d.cfg.LeasePrice
			}
			if opts.Instances > 0 {
				s.Instances, s.FromInstances = n, d.givenInstances
			}
			if err := putJSON(tx.Bucket(bMeta), keySettings, s); err != nil {
				return err
			}
			for _, t := range held {
				if int(t.URI.Index) >= n || samePrice(t.URI.Price, price) {
					continue // surplus (repair burns it) or right already
				}
				ip := ""
				if t.URI.OutboundIP.IsValid() {
					ip = t.URI.OutboundIP.String()
				}
				ok, err := d.enqueue(tx, &intent{ID: burnID(tx, t.ID, d.now()), Kind: kBurn, Token: t.ID, Index: t.URI.Index, Price: price, IP: ip})
				if err != nil {
					return err
				}
				if ok {
					res.Repriced = append(res.Repriced, t.ID)
				}
			}
			d.log.Info("hostd: reconfigured", "price", price, "instances", n, "repriced", len(res.Repriced))
			return nil
		}, "reconfig:saved"); err != nil {
			return err
		}
		d.mu.Lock()
		d.price, d.cfg.Instances = price, n
		d.mu.Unlock()
		d.host.SetLeasePrice(price)
		if _, err := d.repair(ctx); err != nil {
			return err
		}
		if d.registered {
			if err := d.syncRegInfo(ctx); err != nil {
				return err
			}
		}
		return d.drain(ctx)
	})
	return res, err
}
