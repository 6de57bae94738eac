package evernode_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// msNet is a localnet with an account whose 2-of-3 signer list has a
// secp256k1 signer, an ed25519 signer and a phantom (unfunded) signer.
type msNet struct {
	t          *testing.T
	n          *localnet.Net
	c          *evernode.Client
	ctx        context.Context
	owner      *evernode.Wallet
	s1, s2, s3 *evernode.Wallet
}

func newWallet(t *testing.T, alg evernode.KeyAlgorithm) *evernode.Wallet {
	t.Helper()
	w, err := evernode.NewWallet(rand.Reader, alg)
	require.NoError(t, err)
	return w
}

func startMultisig(t *testing.T) *msNet {
	n, _, ctx := startNet(t)
	// Multi-signed blobs are submitted once, without SubmitAndWait's
	// retries: give them 1000 ledgers (20 s) so a loaded machine cannot
	// turn an expected result into tefMAX_LEDGER.
	c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond, LedgerOffset: 1000})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	m := &msNet{t: t, n: n, c: c, ctx: ctx, owner: fundedWallet(t, ctx, n, c),
		s1: fundedWallet(t, ctx, n, c), s2: newWallet(t, evernode.Ed25519), s3: newWallet(t, evernode.Secp256k1)}
	require.NoError(t, n.Fund(ctx, m.s2.Address(), 20_000_000))
	return m
}

func (m *msNet) setList(quorum uint32) {
	m.t.Helper()
	tx := evernode.SignerListSet{Common: evernode.Common{Account: m.owner.Address()}, SignerQuorum: quorum, SignerEntries: []evernode.SignerListEntry{
		{Account: m.s1.Address(), SignerWeight: 1}, {Account: m.s2.Address(), SignerWeight: 1}, {Account: m.s3.Address(), SignerWeight: 1}}}
	res, err := m.c.SubmitAndWait(m.ctx, m.owner, tx)
	require.NoError(m.t, err)
	require.True(m.t, res.Succeeded())
}

// prepare returns tx ready for n signers, with the fee PrepareMultisigned sets.
func (m *msNet) prepare(tx evernode.Transaction, n int) evernode.Raw {
	m.t.Helper()
	r, err := m.c.PrepareMultisigned(m.ctx, tx, n)
	require.NoError(m.t, err)
	return r
}

// sign multi-signs tx, each wallet signing for the account before it.
func (m *msNet) sign(tx evernode.Raw, pairs ...any) evernode.Signed {
	m.t.Helper()
	var entries []evernode.SignerEntry
	for i := 0; i < len(pairs); i += 2 {
		e, err := evernode.SignFor(m.ctx, m.n.Network(), pairs[i+1].(*evernode.Wallet), pairs[i].(string), tx)
		require.NoError(m.t, err)
		entries = append(entries, e)
	}
	s, err := evernode.Multisign(m.n.Network(), tx, entries)
	require.NoError(m.t, err)
	return s
}

// submitWait submits blob and returns its validated result.
func (m *msNet) submitWait(signed evernode.Signed) evernode.TxResult {
	m.t.Helper()
	r, err := m.c.Submit(m.ctx, signed.Blob)
	require.NoError(m.t, err)
	require.Equal(m.t, "tesSUCCESS", r.EngineResult)
	s, err := m.c.Tx(m.ctx, signed.HashHex())
	for err == nil && !s.Validated {
		require.NoError(m.t, m.c.WaitLedger(m.ctx, m.c.ValidatedLedger()+1))
		s, err = m.c.Tx(m.ctx, signed.HashHex())
	}
	require.NoError(m.t, err)
	return s
}

// preliminary submits blob and returns the engine result.
func (m *msNet) preliminary(blob []byte) string {
	m.t.Helper()
	r, err := m.c.Submit(m.ctx, blob)
	require.NoError(m.t, err)
	return r.EngineResult
}

// refused submits blob and returns the local-check failure's text.
func (m *msNet) refused(blob []byte) string {
	m.t.Helper()
	_, err := m.c.Submit(m.ctx, blob)
	var re *evernode.RPCError
	require.True(m.t, errors.As(err, &re), "want invalidTransaction, got %v", err)
	assert.Equal(m.t, "invalidTransaction", re.Name)
	return re.Error()
}

// edit decodes a signed blob, changes its JSON and encodes it again.
func (m *msNet) edit(s evernode.Signed, fn func(tx map[string]any)) []byte {
	m.t.Helper()
	tx, err := evernode.Decode(m.n.Network(), s.Blob)
	require.NoError(m.t, err)
	fn(tx)
	b, err := evernode.Encode(m.n.Network(), evernode.Raw(tx))
	require.NoError(m.t, err)
	return b
}

func (m *msNet) balance(addr string) uint64 {
	ai, err := m.c.AccountInfo(m.ctx, addr, evernode.Current)
	require.NoError(m.t, err)
	b, err := strconv.ParseUint(ai.AccountData.Balance, 10, 64)
	require.NoError(m.t, err)
	return b
}

// TestMultisignedPaymentOnLocalnet: a 2-of-3 signer list set with
// SignerListSet, a payment multi-signed by two of them (one a phantom
// account) validates and pays base × 3 drops, and the same payment
// combined from per-signer blobs (xrpl.js's sign(tx, true) + multisign)
// validates too.
func TestMultisignedPaymentOnLocalnet(t *testing.T) {
	m := startMultisig(t)
	m.setList(2)
	objs, err := m.c.AccountObjects(m.ctx, m.owner.Address(), "signer_list")
	require.NoError(t, err)
	require.Len(t, objs, 1)
	assert.Equal(t, "2", fmt.Sprint(objs[0]["SignerQuorum"]))
	assert.Len(t, objs[0]["SignerEntries"], 3)

	pay := evernode.Payment{Common: evernode.Common{Account: m.owner.Address()}, Destination: m.n.Genesis().Address(), Amount: evernode.Drops(1_000_000)}
	tx := m.prepare(pay, 2)
	fee, _ := strconv.ParseUint(tx["Fee"].(string), 10, 64)
	before := m.balance(m.owner.Address())
	res := m.submitWait(m.sign(tx, m.s3.Address(), m.s3, m.s1.Address(), m.s1))
	require.True(t, res.Succeeded(), res.Result())
	assert.Equal(t, before-1_000_000-fee, m.balance(m.owner.Address()))
	signers, _ := res.Tx["Signers"].([]any)
	assert.Len(t, signers, 2)

	// One blob per signer, combined.
	tx = m.prepare(pay, 2)
	b1 := m.sign(tx, m.s1.Address(), m.s1)
	b2 := m.sign(tx, m.s2.Address(), m.s2)
	combined, err := evernode.CombineMultisigned(m.n.Network(), [][]byte{b2.Blob, b1.Blob})
	require.NoError(t, err)
	assert.True(t, m.submitWait(combined).Succeeded())
}

// TestMultisignRefusedOnLocalnet: every refusal with rippled's code: the
// tef results of the signer-list check, the fee check, and the local-check
// failures (invalidTransaction) of a tampered, unsorted or duplicated
// Signers array.
func TestMultisignRefusedOnLocalnet(t *testing.T) {
	m := startMultisig(t)
	pay := evernode.Payment{Common: evernode.Common{Account: m.owner.Address()}, Destination: m.n.Genesis().Address(), Amount: evernode.Drops(1_000)}

	assert.Equal(t, "tefNOT_MULTI_SIGNING", m.preliminary(m.sign(m.prepare(pay, 2), m.s1.Address(), m.s1, m.s2.Address(), m.s2).Blob), "no signer list")
	// The refused transaction kept no sequence in the client (PrepareMultisigned
	// reserves none), so SubmitAndWait still finds the account's next one.
	m.setList(2)

	tx := m.prepare(pay, 1)
	assert.Equal(t, "tefBAD_QUORUM", m.preliminary(m.sign(tx, m.s1.Address(), m.s1).Blob), "under quorum")
	stranger := newWallet(t, evernode.Ed25519)
	tx = m.prepare(pay, 2)
	assert.Equal(t, "tefBAD_SIGNATURE", m.preliminary(m.sign(tx, m.s1.Address(), m.s1, stranger.Address(), stranger).Blob), "unknown signer")
	assert.Equal(t, "tefBAD_SIGNATURE", m.preliminary(m.sign(tx, m.s1.Address(), m.s1, m.s2.Address(), stranger).Blob), "signer's key not its own")

	short := m.prepare(pay, 1) // the fee of one signer, signed by two
	assert.Equal(t, "telINSUF_FEE_P", m.preliminary(m.sign(short, m.s1.Address(), m.s1, m.s2.Address(), m.s2).Blob), "fee")

	good := m.sign(tx, m.s1.Address(), m.s1, m.s2.Address(), m.s2)
	assert.Contains(t, m.refused(m.edit(good, func(tx map[string]any) {
		s := tx["Signers"].([]any)
		s[0], s[1] = s[1], s[0]
	})), "Unsorted Signers array.")
	assert.Contains(t, m.refused(m.edit(good, func(tx map[string]any) {
		s := tx["Signers"].([]any)
		tx["Signers"] = []any{s[0], s[0]}
	})), "Duplicate Signers not allowed.")
	assert.Contains(t, m.refused(m.edit(good, func(tx map[string]any) {
		in := tx["Signers"].([]any)[0].(map[string]any)["Signer"].(map[string]any)
		sig := []byte(in["TxnSignature"].(string))
		if sig[8] == '0' { // another hex digit
			sig[8] = '1'
		} else {
			sig[8] = '0'
		}
		in["TxnSignature"] = string(sig)
	})), "Invalid signature on account")
	assert.Contains(t, m.refused(m.edit(good, func(tx map[string]any) { tx["Amount"] = "2000" })), "Invalid signature on account")

	// Nothing of the above moved money; the good one still applies.
	assert.True(t, m.submitWait(good).Succeeded())
}

// TestSignerListDeletionOnLocalnet: the list deleted by a transaction its
// own signers multi-sign gives back the owner count, after which the
// account is no longer multi-signing.
func TestSignerListDeletionOnLocalnet(t *testing.T) {
	m := startMultisig(t)
	m.setList(2)
	ai, err := m.c.AccountInfo(m.ctx, m.owner.Address(), evernode.Validated)
	require.NoError(t, err)
	owned := ai.AccountData.OwnerCount

	del := evernode.SignerListSet{Common: evernode.Common{Account: m.owner.Address()}}
	res := m.submitWait(m.sign(m.prepare(del, 2), m.s1.Address(), m.s1, m.s2.Address(), m.s2))
	require.True(t, res.Succeeded(), res.Result())
	ai, err = m.c.AccountInfo(m.ctx, m.owner.Address(), evernode.Validated)
	require.NoError(t, err)
	assert.Equal(t, owned-1, ai.AccountData.OwnerCount)
	objs, err := m.c.AccountObjects(m.ctx, m.owner.Address(), "signer_list")
	require.NoError(t, err)
	assert.Empty(t, objs)

	pay := evernode.Payment{Common: evernode.Common{Account: m.owner.Address()}, Destination: m.n.Genesis().Address(), Amount: evernode.Drops(1_000)}
	assert.Equal(t, "tefNOT_MULTI_SIGNING", m.preliminary(m.sign(m.prepare(pay, 2), m.s1.Address(), m.s1, m.s2.Address(), m.s2).Blob))
}
