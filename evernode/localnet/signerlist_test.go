package localnet_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// TestAccountInfoSignerLists: account_info with signer_lists answers the
// account's SignerList inside account_data for API version 1 and beside it
// for version 2, and an empty array once the list is deleted.
func TestAccountInfoSignerLists(t *testing.T) {
	n := start(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	owner, err := n.NewFundedWallet(ctx, 50_000_000)
	require.NoError(t, err)
	signer, err := evernode.NewWallet(rand.Reader, evernode.Ed25519)
	require.NoError(t, err)
	_, err = n.Submit(ctx, owner, owner.Address(), evernode.SignerListSet{SignerQuorum: 1,
		SignerEntries: []evernode.SignerListEntry{{Account: signer.Address(), SignerWeight: 1}}})
	require.NoError(t, err)

	lists := func(api int) (inData, beside []any) {
		c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{APIVersion: api})
		require.NoError(t, err)
		defer c.Close()
		var out struct {
			AccountData struct {
				SignerLists []any `json:"signer_lists"`
			} `json:"account_data"`
			SignerLists []any `json:"signer_lists"`
		}
		require.NoError(t, c.Request(ctx, "account_info", map[string]any{
			"account": owner.Address(), "signer_lists": true, "ledger_index": "current"}, &out))
		return out.AccountData.SignerLists, out.SignerLists
	}
	in1, beside1 := lists(1)
	require.Len(t, in1, 1)
	assert.Nil(t, beside1)
	sl := in1[0].(map[string]any)
	assert.Equal(t, "SignerList", sl["LedgerEntryType"])
	assert.NotEmpty(t, sl["index"])
	in2, beside2 := lists(2)
	assert.Nil(t, in2)
	assert.Len(t, beside2, 1)

	_, err = n.Submit(ctx, owner, owner.Address(), evernode.SignerListSet{})
	require.NoError(t, err)
	in1, _ = lists(1)
	assert.NotNil(t, in1)
	assert.Empty(t, in1)
}

// TestSignerListSetFiresSignersHooks: on Xahau each account put on a signer
// list is a strong stakeholder of the SignerListSet, so its hook can refuse.
func TestSignerListSetFiresSignersHooks(t *testing.T) {
	e := newHookEnv(t)
	owner, refuser := e.wallet(), e.wallet()
	_, err := e.n.InstallHooks(e.ctx, refuser, localnet.WasmHook{Wasm: rollbackHook()})
	require.NoError(t, err)
	_, err = e.n.Submit(e.ctx, owner, owner.Address(), evernode.SignerListSet{SignerQuorum: 1,
		SignerEntries: []evernode.SignerListEntry{{Account: refuser.Address(), SignerWeight: 1}}})
	var te *localnet.TxError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, "tecHOOK_REJECTED", te.Result)
}
