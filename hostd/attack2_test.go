package hostd

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
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
