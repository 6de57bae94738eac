package hostd

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// After a finished deregistration, the daemon started again with the same
// Config (Register still set, as a supervisor restarts it) must not
// register the host again (a second registration fee) nor mint and offer
// lease slots: it refuses to start, and so do Reconfig and DeleteInstance's
// re-offer path (Reconfig would mint for a host that is gone).
func TestAttack2NoRestartAfterDeregister(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	d := cw.daemon(t, nil)
	_, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	cw.checkClosed(t)
	before := cw.evr(t, cw.w.Address())

	d = cw.daemon(t, nil)
	_, err = d.Reconfig(cw.ctx, ReconfigOptions{Instances: 3})
	require.ErrorIs(t, err, ErrHostClosed, "no slots for a deregistered host")
	require.NoError(t, d.Close())
	cw.staysDown(t, before)

	// The operator registers the host again by hand: then it runs.
	_, err = hook.RegisterHost(cw.ctx, cw.c, cw.w, cw.hook, *cw.cfg.Register, nil)
	require.NoError(t, err)
	cw.runsAgain(t)
}

// An acquire whose success answer was queued but never signed when the
// daemon stopped: winding the host down must not send that answer and then
// destroy the instance it just announced; it refuses the acquire with a
// full refund.
func TestAttack2CloseUnsentAcquireSuccess(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	late := cw.tenant(t)
	r := cw.start(t, func(p string) bool { return p == "provision:answer-queued" })
	acq := cw.acquire(t, late)
	cw.crashed(t, r)
	require.Equal(t, "99", cw.evr(t, late.Address()))

	d := cw.daemon(t, nil)
	res, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Len(t, res.Refunds, 1, "only the running lease")
	cw.checkClosed(t)
	cw.refusedClosing(t, late, acq.Hash)
}

// An extend that reached the stopped daemon is caught up by the wind-down.
// Its confirmation must be on the ledger before the lease's refund is
// computed: counted in the refund while still unconfirmed, a confirmation
// that then fails (a tenant's hook can reject the 1-drop answer) refunds
// the extension in full a second time.
func TestAttack2CloseSettlesExtendBeforeRefund(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	amt := evernode.EVR(cw.hook.EVRIssuerAddress, "2")
	tx, err := lease.ExtendTx(cw.tw.Address(), cw.w.Address(), cw.token, amt)
	require.NoError(t, err)
	ext, err := cw.c.SubmitAndWait(cw.ctx, cw.tw, tx)
	require.NoError(t, err)

	d := cw.daemon(t, nil)
	var open []string
	d.fault = func(p string) bool {
		if p != "close:queued" {
			return false
		}
		_ = d.db.View(func(tx *bolt.Tx) error {
			its, err := openIntents(tx)
			for _, it := range its {
				if it.Kind == kExtendSuccess || it.Kind == kExtendError {
					open = append(open, it.ID)
				}
			}
			return err
		})
		return false
	}
	res, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Empty(t, open, "refunds computed while an extension was unconfirmed")
	require.Len(t, res.Refunds, 1)
	// 5 moments bought (1 + 2 + the caught-up 2), seconds served: 4 whole
	// ones left and the one under way.
	require.Equal(t, uint64(5), res.Refunds[0].Moments, "the caught-up extension counts")
	ans := cw.answers(t, cw.tw, ext.Hash)
	require.Len(t, ans, 1)
	require.Equal(t, memo.EventExtendSuccess, ans[0].Type)
	require.Equal(t, "100", cw.evr(t, cw.tw.Address()), "97 − 2 + 5: 4 whole moments and the one under way")
}

// A tenant buys the last unsold slot just after the wind-down's catch-up
// read the ledger and before it lists the host's tokens: the listing then
// shows no token and no lease, and the host must still not close before it
// has caught up on that acquire and refunded it.
func TestAttack2CloseAcquireAfterCatchUp(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	rw := newRegWorld(t)
	cw, r := startClosingWorld(t, rw, 1, "1")
	require.NoError(t, ignoreStop(r.stop(t)))
	late := cw.tenant(t)

	d := cw.daemon(t, nil)
	var acq evernode.TxResult
	d.fault = func(p string) bool {
		if p == "catchup:done" && acq.Hash == "" {
			acq = cw.acquire(t, late)
		}
		return false
	}
	_, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.NotEmpty(t, acq.Hash)
	ans := cw.answers(t, late, acq.Hash)
	require.Len(t, ans, 1, "the late acquire is answered")
	require.Equal(t, memo.EventAcquireError, ans[0].Type)
	require.Equal(t, "100", cw.evr(t, late.Address()), "refunded in full")
	held, err := lease.Leases(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Empty(t, held)
}

// A transfer to itself moves the host to another machine: once that machine
// registered it again (as the transferee, with the same registration
// token), the old machine's daemon must still not start on its old data
// dir, or two daemons would answer the same account's requests. A fresh
// registration (another token) lets it run; so does CancelOperation, the
// operator's word that this machine runs the host.
func TestAttack2NoTwoDaemonsAfterTransferToSelf(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	d := cw.daemon(t, nil)
	_, err := d.Transfer(cw.ctx, "")
	require.NoError(t, err)
	require.NoError(t, d.Close())
	cw.checkClosed(t)
	before := cw.evr(t, cw.w.Address())
	// Restarted with its Config (Register set), the daemon neither
	// registers the account again nor offers slots.
	cw.staysDown(t, before)
	// The new machine registers it again.
	rb, err := hook.RegisterHost(cw.ctx, cw.c, cw.w, cw.hook, *cw.cfg.Register, nil)
	require.NoError(t, err)
	require.True(t, rb.Transferee)

	d = cw.daemon(t, nil)
	require.ErrorIs(t, d.Run(cw.ctx), ErrHostClosed, "the old machine stays down")
	require.NoError(t, d.Close())
	// Nor does it operate on the host the other machine runs.
	d = cw.daemon(t, nil)
	_, err = d.Reconfig(cw.ctx, ReconfigOptions{Price: "3"})
	require.ErrorIs(t, err, ErrHostClosed)
	_, err = d.Deregister(cw.ctx)
	require.ErrorIs(t, err, ErrHostClosed)
	_, err = d.Transfer(cw.ctx, "")
	require.ErrorIs(t, err, ErrHostClosed)
	require.NoError(t, d.Close())
	reg, err := hook.IsRegistered(cw.ctx, cw.c, cw.hook, cw.w.Address())
	require.NoError(t, err)
	require.True(t, reg)

	d = cw.daemon(t, nil)
	ok, err := d.CancelOperation(cw.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, d.Close())
	cw.runsAgain(t)
}

// The same, killed at each step of the deregistration and run again: the
// late acquire gets exactly one answer, a full refund.
func TestAttack2CloseUnsentAcquireSuccessCrash(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	run := func(t *testing.T, k int64) int64 {
		cw := newClosingWorld(t)
		late := cw.tenant(t)
		r := cw.start(t, func(p string) bool { return p == "provision:answer-queued" })
		acq := cw.acquire(t, late)
		cw.crashed(t, r)
		var count atomic.Int64
		d := cw.daemon(t, crashAt([]int64{k}, &count))
		_, err := d.Deregister(cw.ctx)
		require.NoError(t, d.Close())
		// Killed (or, the step count varying with the ledgers, a network
		// error or no crash at all): run it again until it finishes.
		for try := 0; err != nil && try < 3; try++ {
			d = cw.daemon(t, nil)
			_, err = d.Deregister(cw.ctx)
			require.NoError(t, d.Close())
		}
		require.NoError(t, err)
		cw.checkClosed(t)
		cw.refusedClosing(t, late, acq.Hash)
		return count.Load()
	}
	crashRuns(t, 6, 1, 3, run)
}

// An extension paid while the daemon was stopped, then the instance deleted
// before the daemon saw it: the deletion refunds the moments left before
// the old expiry (the one under way included), and the daemon's next start
// refunds the extension in full (its lease is gone): nothing kept, nothing
// paid twice.
func TestAttack2DeleteInstanceUnseenExtend(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	tw, ref, token := h.leased(t, 2) // 3 moments: 94 EVR left
	// 1 h 30 min served: 1 whole moment left and the one under way.
	h.clock.Advance(90 * time.Minute)
	amt := evernode.EVR(n.issuer.Address(), "4")
	tx, err := lease.ExtendTx(tw.Address(), h.w.Address(), token, amt)
	require.NoError(t, err)
	ext := h.submit(tw, tx)
	require.Equal(t, "90", n.evr(t, tw.Address()))

	d := h.opDaemon(t, nil)
	rf, err := d.DeleteInstance(n.ctx, token)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Equal(t, uint64(2), rf.Moments, "1 whole moment and the one under way; the unseen extension is not counted")
	require.Equal(t, "94", n.evr(t, tw.Address()), "90 + 4: 2 moments at 2 EVR")

	s := &supervisor{h: h, r: h.start(nil)}
	s.until(t, "the extension answered", func() bool { return len(h.answers(tw.Address(), ext.Hash)) > 0 })
	s.until(t, "idle", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
	require.NoError(t, ignoreStop(s.r.stop(t)))
	ans := h.answers(tw.Address(), ext.Hash)
	require.Len(t, ans, 1)
	require.Equal(t, memo.EventExtendError, ans[0].Type)
	require.Equal(t, "98", n.evr(t, tw.Address()), "94 + 4: the extension refunded in full")
	require.Len(t, h.refunds(tw.Address(), ref), 1)
}

// The daemon stopped after signing an acquire's success answer and before
// submitting it: the wind-down must not submit that blob (starting a lease
// it ends at once); it lets it expire unsent and refuses the acquire with a
// full refund.
func TestAttack2CloseSignedUnsentAcquireSuccess(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	late := cw.tenant(t)
	var dp atomic.Pointer[Daemon]
	r := cw.start(t, func(p string) bool {
		if p != "outbox:signed" || dp.Load() == nil {
			return false
		}
		crash := false
		_ = dp.Load().db.View(func(tx *bolt.Tx) error {
			its, err := openIntents(tx)
			for _, it := range its {
				crash = crash || it.Kind == kAcquireSuccess && it.State == iSubmitted
			}
			return err
		})
		return crash
	})
	dp.Store(r.d)
	acq := cw.acquire(t, late)
	cw.crashed(t, r)

	d := cw.daemon(t, nil)
	_, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	cw.checkClosed(t)
	cw.refusedClosing(t, late, acq.Hash)
}

// runsAgain starts the host's daemon, waits until it offers both slots,
// and stops it.
func (cw *closingWorld) runsAgain(t *testing.T) {
	r := cw.start(t, nil)
	cw.waitFor(t, "every slot offered again", func() bool {
		o, err := lease.Offers(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
		return err == nil && len(o) == 2
	})
	require.NoError(t, ignoreStop(r.stop(t)))
}

// crashed waits for r's injected crash and closes its daemon.
func (cw *closingWorld) crashed(t *testing.T, r *running) {
	select {
	case err := <-r.done:
		require.ErrorIs(t, err, errCrash)
	case <-cw.ctx.Done():
		t.Fatal("the daemon did not stop")
	}
	require.NoError(t, r.d.Close())
}

// staysDown checks that the closed host's daemon, started with its Config
// (Register set), refuses with ErrHostClosed, registers nothing (the host's
// EVR stays at before) and mints no slot.
func (cw *closingWorld) staysDown(t *testing.T, before string) {
	d := cw.daemon(t, nil)
	require.ErrorIs(t, d.Run(cw.ctx), ErrHostClosed)
	require.NoError(t, d.Close())
	reg, err := hook.IsRegistered(cw.ctx, cw.c, cw.hook, cw.w.Address())
	require.NoError(t, err)
	require.False(t, reg, "not registered again")
	require.Equal(t, before, cw.evr(t, cw.w.Address()), "no registration fee paid")
	held, err := lease.Leases(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Empty(t, held, "no slot minted")
}

// refusedClosing checks that the acquire ref of late (who had 100 EVR) got
// one answer, a refusal because the host closes, and a full refund.
func (cw *closingWorld) refusedClosing(t *testing.T, late *evernode.Wallet, ref string) {
	ans := cw.answers(t, late, ref)
	require.Len(t, ans, 1)
	require.Equal(t, memo.EventAcquireError, ans[0].Type)
	require.Equal(t, ReasonHostClosing, ans[0].Reason)
	require.Equal(t, "100", cw.evr(t, late.Address()), "refunded in full")
}

// A lease sold at 2 EVR a moment, then the price reconfigured to 5: the
// deletion refunds the unused moments at the lease's own price, and the
// slot comes back at the new one.
func TestAttack2DeleteInstanceAfterReprice(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	tw, _, token := h.leased(t, 2) // 3 moments at 2: 94 EVR left
	// 1 h 30 min served: 1 whole moment left and the one under way.
	h.clock.Advance(90 * time.Minute)
	d := h.opDaemon(t, nil)
	defer d.Close()
	_, err := d.Reconfig(n.ctx, ReconfigOptions{Price: "5"})
	require.NoError(t, err)
	rf, err := d.DeleteInstance(n.ctx, token)
	require.NoError(t, err)
	require.Equal(t, uint64(2), rf.Moments, "1 whole moment and the one under way")
	require.Equal(t, "4", rf.Amount.Value, "2 moments at the lease's price, 2 EVR (not 5)")
	require.Equal(t, "98", n.evr(t, tw.Address()), "94 + 4")
	offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Len(t, offers, 1)
	require.True(t, samePrice("5", offers[0].URI.Price))
}

// A deregistration that applied, on a node that no longer has the ledgers
// it applied in (neither its hash nor the account's history shows it, but
// its sequence is used): the queue must not sign it again, as it does a
// burn or a mint. A second evnHostDereg fails, the operator is told to
// cancel, and the next start registers the host again for a second fee.
func TestAttack2RegistryTxNotResigned(t *testing.T) {
	t.Parallel() // independent networks: overlaps their ledger waits
	cw := newClosingWorld(t)
	d := cw.daemon(t, nil)
	defer d.Close()
	_, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	// Forget that it finished, and make the node forget the ledgers.
	op, err := d.lastOp()
	require.NoError(t, err)
	var it *intent
	require.NoError(t, d.db.Update(func(tx *bolt.Tx) error {
		op.Done = false
		if err := putJSON(tx.Bucket(bMeta), keyOp, op); err != nil {
			return err
		}
		if it, err = intentByID(tx, op.registryID()); err != nil || it == nil {
			return fmt.Errorf("no registry intent: %v", err)
		}
		it.State, it.Hashes, it.SignedAt, it.LastLedger = iSubmitted, []string{strings.Repeat("AB", 32)}, 1, 2
		return putIntent(tx, it)
	}))
	ctx, cancel := context.WithTimeout(cw.ctx, time.Second)
	defer cancel()
	_, err = d.Deregister(ctx)
	require.Error(t, err)
	require.NoError(t, d.db.View(func(tx *bolt.Tx) error {
		it, err = intentByID(tx, op.registryID())
		return err
	}))
	require.Len(t, it.Hashes, 1, "signed again")
	require.Equal(t, iSubmitted, it.State, "still unknown, not failed")
}
