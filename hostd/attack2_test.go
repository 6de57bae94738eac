package hostd

import (
	"testing"

	"github.com/stretchr/testify/require"

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
	err = d.Run(cw.ctx)
	require.ErrorIs(t, err, ErrHostClosed)
	require.NoError(t, d.Close())
	reg, err := hook.IsRegistered(cw.ctx, cw.c, cw.hook, cw.w.Address())
	require.NoError(t, err)
	require.False(t, reg, "not registered again")
	require.Equal(t, before, cw.evr(t, cw.w.Address()), "no second registration fee")
	held, err := lease.Leases(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Empty(t, held, "no slot minted")

	// The operator registers the host again by hand: then it runs.
	_, err = hook.RegisterHost(cw.ctx, cw.c, cw.w, cw.hook, *cw.cfg.Register, nil)
	require.NoError(t, err)
	r := cw.start(t, nil)
	cw.waitFor(t, "every slot offered again", func() bool {
		o, err := lease.Offers(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
		return err == nil && len(o) == 2
	})
	require.NoError(t, ignoreStop(r.stop(t)))
}

// The same after a transfer: the old host's daemon, restarted with its
// Config, neither registers the account again nor offers slots.
func TestAttack2NoRestartAfterTransfer(t *testing.T) {
	cw := newClosingWorld(t)
	b, err := cw.net.NewFundedWallet(cw.ctx, 1_000_000_000)
	require.NoError(t, err)
	cw.waitFor(t, "the transferee's account", func() bool {
		_, err := cw.c.AccountInfo(cw.ctx, b.Address(), evernode.Validated)
		return err == nil
	})
	d := cw.daemon(t, nil)
	_, err = d.Transfer(cw.ctx, b.Address())
	require.NoError(t, err)
	require.NoError(t, d.Close())
	cw.checkClosed(t)
	before := cw.evr(t, cw.w.Address())

	d = cw.daemon(t, nil)
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

// An acquire whose success answer was queued but never signed when the
// daemon stopped: winding the host down must not send that answer and then
// destroy the instance a moment early with nothing refunded (the moment
// under way counts as served); it refuses the acquire with a full refund.
func TestAttack2CloseUnsentAcquireSuccess(t *testing.T) {
	cw := newClosingWorld(t)
	late := cw.tenant(t)
	r := cw.start(t, func(p string) bool { return p == "provision:answer-queued" })
	acq := cw.acquire(t, late)
	select {
	case err := <-r.done:
		require.ErrorIs(t, err, errCrash)
	case <-cw.ctx.Done():
		t.Fatal("the daemon did not stop")
	}
	require.NoError(t, r.d.Close())
	require.Equal(t, "99", cw.evr(t, late.Address()))

	d := cw.daemon(t, nil)
	res, err := d.Deregister(cw.ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Len(t, res.Refunds, 1, "only the running lease")
	cw.checkClosed(t)
	ans := cw.answers(t, late, acq.Hash)
	require.Len(t, ans, 1)
	require.Equal(t, memo.EventAcquireError, ans[0].Type)
	require.Equal(t, ReasonHostClosing, ans[0].Reason)
	require.Equal(t, "100", cw.evr(t, late.Address()), "refunded in full")
}
