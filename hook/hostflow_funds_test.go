package hook_test

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// TestDeregisterHostFromReputation: the host's reputation account
// deregisters it and the flow returns once the registry burned the token;
// any other account is refused before it pays.
func TestDeregisterHostFromReputation(t *testing.T) {
	bothHooks(t, testDeregisterHostFromReputation)
}

func testDeregisterHostFromReputation(t *testing.T, real bool) {
	e := newFlowEnv(t, real)
	ctx := e.ctx
	h := e.host("1000")
	reg, err := hook.RegisterHost(ctx, e.c, h, e.cfg, flowReg, nil)
	require.NoError(t, err)
	require.Equal(t, "500", e.evr(h.Address()))

	rep, stranger := e.funded(), e.funded()
	_, _, err = hook.LinkReputationAccount(ctx, e.c, e.cfg, h, rep, hook.ReputationNone, nil)
	require.NoError(t, err)

	seq := func(w *evernode.Wallet) uint32 {
		info, err := e.c.AccountInfo(ctx, w.Address(), evernode.Validated)
		require.NoError(t, err)
		return info.AccountData.Sequence
	}
	before := seq(stranger)
	_, err = hook.DeregisterHostFromReputation(ctx, e.c, stranger, e.cfg, h.Address(), false, nil)
	require.ErrorIs(t, err, hook.ErrNotReputationAccount)
	require.Equal(t, before, seq(stranger), "refused before paying")
	_, err = hook.DeregisterHostFromReputation(ctx, e.c, rep, e.cfg, "not-an-address", false, nil)
	require.ErrorIs(t, err, hook.ErrInvalid)

	res, err := hook.DeregisterHostFromReputation(ctx, e.c, rep, e.cfg, h.Address(), false, nil)
	require.NoError(t, err)
	require.True(t, res.Succeeded())
	_, err = e.c.LedgerEntry(ctx, upper(reg.TokenID), evernode.Validated)
	require.ErrorIs(t, err, evernode.ErrNotFound, "burned before the flow returns")
	ok, err := hook.IsRegistered(ctx, e.c, e.cfg, h.Address())
	require.NoError(t, err)
	require.False(t, ok)
	// Never heartbeated: the registry refunds the whole fee to the host.
	require.Equal(t, "1000", e.evr(h.Address()))
	require.Equal(t, "0", e.evr(rep.Address()), "nothing to the reputation account")

	_, err = hook.DeregisterHostFromReputation(ctx, e.c, rep, e.cfg, h.Address(), false, nil)
	require.ErrorIs(t, err, hook.ErrNotRegistered)
}

// TestRegisterHostChecksFunds: a host without the fee in EVR, or without
// the XAH for the token's reserve, is refused with a *FundsError before it
// pays anything.
func TestRegisterHostChecksFunds(t *testing.T) {
	e := newFlowEnv(t, false)
	ctx := e.ctx

	poor := e.host("10")
	_, err := hook.RegisterHost(ctx, e.c, poor, e.cfg, flowReg, nil)
	require.ErrorIs(t, err, hook.ErrInsufficientFunds)
	var fe *hook.FundsError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, hook.FundsError{Account: poor.Address(), Currency: "EVR", Have: "10", Need: "500"}, *fe)
	require.Equal(t, "10", e.evr(poor.Address()), "nothing paid")

	// Enough EVR, but XAH only for half a reserve increment above what
	// the account already needs.
	w := e.host("1000")
	info, err := e.c.AccountInfo(ctx, w.Address(), evernode.Validated)
	require.NoError(t, err)
	srv, err := e.c.ServerInfo(ctx)
	require.NoError(t, err)
	dropsOf := func(xah string) int64 {
		r, ok := new(big.Rat).SetString(xah)
		require.True(t, ok, xah)
		r.Mul(r, big.NewRat(1_000_000, 1))
		require.True(t, r.IsInt())
		return r.Num().Int64()
	}
	bal := dropsOf(info.AccountData.Balance) / 1_000_000
	base, inc := dropsOf(srv.ValidatedLedger.ReserveBase.String()), dropsOf(srv.ValidatedLedger.ReserveInc.String())
	keep := base + int64(info.AccountData.OwnerCount)*inc + inc/2
	sink := e.funded()
	_, err = e.c.SubmitAndWait(ctx, w, evernode.Payment{Common: evernode.Common{Account: w.Address()},
		Destination: sink.Address(), Amount: evernode.Drops(uint64(bal - keep - 100))})
	require.NoError(t, err)
	_, err = hook.RegisterHost(ctx, e.c, w, e.cfg, flowReg, nil)
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "XAH", fe.Currency)
	require.Equal(t, "1000", e.evr(w.Address()), "nothing paid")
	ok, err := hook.IsRegistered(ctx, e.c, e.cfg, w.Address())
	require.NoError(t, err)
	require.False(t, ok)
}

// funded makes a funded account and waits until it is validated.
func (e *flowEnv) funded() *evernode.Wallet {
	w, err := e.n.NewFundedWallet(e.ctx, 1_000_000_000)
	require.NoError(e.t, err)
	for {
		if _, err := e.c.AccountInfo(e.ctx, w.Address(), evernode.Validated); err == nil {
			return w
		}
		require.NoError(e.t, e.c.WaitLedger(e.ctx, e.c.ValidatedLedger()+1))
	}
}
