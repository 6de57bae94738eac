package lease

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
)

// TestTenantPrepareAccount: a tenant without a MessageKey would pay and
// never read the answer (the host has nothing to encrypt to). Acquire
// refuses before paying; PrepareAccount sets the MessageKey and the EVR
// trust line, after which the acquire goes through.
func TestTenantPrepareAccount(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 2, "2", nil)
	require.NoError(t, err)
	stop := e.runHost(e.ctx, hostScript{})
	defer stop()

	w := e.wallet()
	ten, err := NewTenant(e.c, w, &TenantConfig{Hook: e.cfg, Hosts: e.reg, Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = ten.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	require.ErrorIs(t, err, ErrNoMessageKey)
	require.Contains(t, err.Error(), "PrepareAccount")
	info, err := e.c.AccountInfo(e.ctx, w.Address(), evernode.Validated)
	require.NoError(t, err)
	seq := info.AccountData.Sequence

	txs, err := ten.PrepareAccount(e.ctx)
	require.NoError(t, err)
	require.Len(t, txs, 2, "MessageKey and EVR trust line")
	info, err = e.c.AccountInfo(e.ctx, w.Address(), evernode.Validated)
	require.NoError(t, err)
	require.Equal(t, w.PublicKeyHex(), info.AccountData.MessageKey)
	require.Equal(t, seq+2, info.AccountData.Sequence, "the refused acquire signed nothing")
	require.Equal(t, "0", e.evr(w.Address()))
	again, err := ten.PrepareAccount(e.ctx)
	require.NoError(t, err)
	require.Empty(t, again)

	_, err = e.c.SubmitAndWait(e.ctx, e.issuer, evernode.Payment{Common: evernode.Common{Account: e.issuer.Address()},
		Destination: w.Address(), Amount: evernode.EVR(e.issuer.Address(), "10")})
	require.NoError(t, err)
	res, err := ten.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	require.NoError(t, err)
	require.True(t, res.Answer.Encrypted)
}

// TestAcquireReplyKeyChecks: an account MessageKey the tenant cannot open
// is refused before paying; a key given in the requirement is the caller's
// explicit choice and skips the account check.
func TestAcquireReplyKeyChecks(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	stop := e.runHost(e.ctx, hostScript{})
	defer stop()

	// The tenant's MessageKey is the host's key, which it cannot open.
	_, err = e.c.SubmitAndWait(e.ctx, e.tenantW, evernode.AccountSet{Common: evernode.Common{Account: e.tenantW.Address()}, MessageKey: e.hostW.PublicKey()})
	require.NoError(t, err)
	_, err = e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	require.ErrorIs(t, err, ErrNoMessageKey)

	// Answer to the tenant's own key, named in the requirement.
	req := testReq
	req.MessageKey = e.tenantW.PublicKeyHex()
	res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), req, nil)
	require.NoError(t, err)
	require.True(t, res.Answer.Encrypted)
	require.Equal(t, testReq.ContractID, res.Instance.ContractID)
}
