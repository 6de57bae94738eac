package ledger

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
)

// msEnv is an XRP Ledger engine (no network id) with wallets derived from
// fixed entropy, so every run signs the same bytes.
type msEnv struct {
	t   *testing.T
	e   *Engine
	n   evernode.Network
	gen *evernode.Wallet
}

func newMSEnv(t *testing.T) *msEnv {
	t.Helper()
	g, err := evernode.WalletFromSeed("snoPBrXtMeMyMHUVTgbuqAfg1SUTb")
	require.NoError(t, err)
	return &msEnv{t: t, e: New(Config{Start: time.Unix(1_700_000_000, 0)}), n: evernode.Network{Chain: evernode.XRPL}, gen: g}
}

func (m *msEnv) wallet(seed byte, alg evernode.KeyAlgorithm) *evernode.Wallet {
	w, err := evernode.NewWallet(bytes.NewReader(bytes.Repeat([]byte{seed}, 16)), alg)
	require.NoError(m.t, err)
	return w
}

func (m *msEnv) seq(addr string) uint32 {
	a, _ := ParseAccount(addr)
	var s uint32
	m.e.Read(Current, func(r Reader) { s = u32(r.Get(AccountKey(a)), "Sequence") })
	return s
}

func (m *msEnv) root(addr string) Entry {
	a, _ := ParseAccount(addr)
	var e Entry
	m.e.Read(Current, func(r Reader) { e = r.Get(AccountKey(a)) })
	return e
}

// submit signs tx (its Account's next Sequence and a 10-drop fee filled
// in) with w and returns the result.
func (m *msEnv) submit(w *evernode.Wallet, tx evernode.Raw) string {
	m.t.Helper()
	return m.submitRes(w, tx).Result
}

func (m *msEnv) submitRes(w *evernode.Wallet, tx evernode.Raw) *Submitted {
	m.t.Helper()
	tx = fill(tx, m.seq(tx["Account"].(string)), 10)
	s, err := evernode.Sign(context.Background(), m.n, w, tx)
	require.NoError(m.t, err)
	res, err := m.e.Submit(s.Blob)
	require.NoError(m.t, err)
	return res
}

func fill(tx evernode.Raw, seq uint32, fee int) evernode.Raw {
	out := evernode.Raw{"Sequence": seq, "Fee": strconv.Itoa(fee)}
	for k, v := range tx {
		out[k] = v
	}
	return out
}

func (m *msEnv) fund(addr string, drops int) {
	m.t.Helper()
	r := m.submit(m.gen, evernode.Raw{"TransactionType": "Payment", "Account": m.gen.Address(), "Destination": addr, "Amount": strconv.Itoa(drops)})
	require.Equal(m.t, "tesSUCCESS", r)
}

func withFlags(tx evernode.Raw, f uint32) evernode.Raw {
	tx["Flags"] = f
	return tx
}

func signerListTx(acct string, quorum uint32, entries ...any) evernode.Raw {
	tx := evernode.Raw{"TransactionType": "SignerListSet", "Account": acct, "SignerQuorum": quorum}
	if len(entries) > 0 {
		var list []any
		for i := 0; i < len(entries); i += 2 {
			list = append(list, map[string]any{"SignerEntry": map[string]any{"Account": entries[i], "SignerWeight": entries[i+1]}})
		}
		tx["SignerEntries"] = list
	}
	return tx
}

// multisigned returns the blob of tx (Sequence and fee filled in) signed
// for each account by its key.
func (m *msEnv) multisigned(tx evernode.Raw, fee int, signers ...any) []byte {
	m.t.Helper()
	tx = fill(tx, m.seq(tx["Account"].(string)), fee)
	tx["SigningPubKey"] = ""
	var entries []evernode.SignerEntry
	for i := 0; i < len(signers); i += 2 {
		e, err := evernode.SignFor(context.Background(), m.n, signers[i+1].(*evernode.Wallet), signers[i].(string), tx)
		require.NoError(m.t, err)
		entries = append(entries, e)
	}
	s, err := evernode.Multisign(m.n, tx, entries)
	require.NoError(m.t, err)
	return s.Blob
}

// reencode decodes blob, lets edit change its JSON and encodes it again.
func (m *msEnv) reencode(blob []byte, edit func(tx map[string]any)) []byte {
	tx, err := m.e.Defs().Decode(blob)
	require.NoError(m.t, err)
	edit(tx)
	out, err := m.e.Defs().Encode(tx)
	require.NoError(m.t, err)
	return out
}

func (m *msEnv) result(blob []byte) string {
	m.t.Helper()
	res, err := m.e.Submit(blob)
	require.NoError(m.t, err)
	return res.Result
}

func (m *msEnv) localCheck(blob []byte) string {
	m.t.Helper()
	_, err := m.e.Submit(blob)
	var re *RPCError
	require.True(m.t, errors.As(err, &re), "want a local-check failure, got %v", err)
	assert.Equal(m.t, "invalidTransaction", re.Code)
	return re.Exception
}

func TestSignerListSetPreflight(t *testing.T) {
	m := newMSEnv(t)
	alice, s1, s2 := m.wallet(1, evernode.Secp256k1), m.wallet(2, evernode.Ed25519), m.wallet(3, evernode.Secp256k1)
	m.fund(alice.Address(), 100_000_000)
	a, b := s1.Address(), s2.Address()
	many := []any{}
	for i := range 33 {
		w := m.wallet(byte(100+i), evernode.Ed25519)
		many = append(many, w.Address(), uint32(1))
	}
	for name, tc := range map[string]struct {
		tx   evernode.Raw
		want string
	}{
		"no quorum":          {evernode.Raw{"TransactionType": "SignerListSet", "Account": alice.Address()}, "temMALFORMED"},
		"zero with entries":  {signerListTx(alice.Address(), 0, a, uint32(1)), "temMALFORMED"},
		"quorum, no entries": {signerListTx(alice.Address(), 1), "temMALFORMED"},
		"duplicate":          {signerListTx(alice.Address(), 1, a, uint32(1), a, uint32(1)), "temBAD_SIGNER"},
		"self":               {signerListTx(alice.Address(), 1, a, uint32(1), alice.Address(), uint32(1)), "temBAD_SIGNER"},
		"zero weight":        {signerListTx(alice.Address(), 1, a, uint32(1), b, uint32(0)), "temBAD_WEIGHT"},
		"unreachable":        {signerListTx(alice.Address(), 3, a, uint32(1), b, uint32(1)), "temBAD_QUORUM"},
		"33 signers":         {signerListTx(alice.Address(), 1, many...), "temMALFORMED"},
		"flags":              {withFlags(signerListTx(alice.Address(), 1, a, uint32(1)), 1), "temINVALID_FLAG"},
	} {
		assert.Equal(t, tc.want, m.submit(alice, tc.tx), name)
	}
	assert.Equal(t, "tesSUCCESS", m.submit(alice, signerListTx(alice.Address(), 32, many[:64]...)), "32 signers")
}

// TestMultisignedPayment is a 2-of-3 list (one signer a phantom account,
// one signing with its regular key) and every way rippled refuses a
// multi-signed transaction.
func TestMultisignedPayment(t *testing.T) {
	m := newMSEnv(t)
	alice := m.wallet(1, evernode.Secp256k1)
	s1, s2, s3 := m.wallet(2, evernode.Ed25519), m.wallet(3, evernode.Secp256k1), m.wallet(4, evernode.Ed25519)
	stranger, rk := m.wallet(5, evernode.Ed25519), m.wallet(6, evernode.Secp256k1)
	m.fund(alice.Address(), 100_000_000)
	m.fund(s1.Address(), 50_000_000)
	m.fund(s2.Address(), 50_000_000)
	// s3 stays unfunded: a phantom signer.
	pay := evernode.Raw{"TransactionType": "Payment", "Account": alice.Address(), "Destination": m.gen.Address(), "Amount": "1000"}

	// No list yet.
	assert.Equal(t, "tefNOT_MULTI_SIGNING", m.result(m.multisigned(pay, 30, s1.Address(), s1, s2.Address(), s2)))

	require.Equal(t, "tesSUCCESS", m.submit(alice, signerListTx(alice.Address(), 2,
		s1.Address(), uint32(1), s2.Address(), uint32(1), s3.Address(), uint32(1))))
	root := m.root(alice.Address())
	assert.Equal(t, uint32(1), u32(root, "OwnerCount"))
	a, _ := ParseAccount(alice.Address())
	var sl Entry
	m.e.Read(Current, func(r Reader) { sl = r.Get(SignerListKey(a)) })
	require.NotNil(t, sl)
	assert.Equal(t, uint32(2), sl["SignerQuorum"])
	assert.Equal(t, uint32(lsfOneOwnerCount), sl["Flags"])
	entries, ok := signerEntries(sl["SignerEntries"])
	require.True(t, ok)
	require.Len(t, entries, 3)
	assert.True(t, slices.IsSortedFunc(entries, func(x, y signerEntry) int { return compareAccount(x.acct, y.acct) }))

	// Under quorum, unknown signer, short fee.
	assert.Equal(t, "tefBAD_QUORUM", m.result(m.multisigned(pay, 20, s1.Address(), s1)))
	assert.Equal(t, "tefBAD_SIGNATURE", m.result(m.multisigned(pay, 40, s1.Address(), s1, s2.Address(), s2, stranger.Address(), stranger)))
	assert.Equal(t, "telINSUF_FEE_P", m.result(m.multisigned(pay, 29, s1.Address(), s1, s2.Address(), s2)))
	// Signing for s1 with s2's key: s1 has no such regular key.
	assert.Equal(t, "tefBAD_SIGNATURE", m.result(m.multisigned(pay, 30, s1.Address(), s2, s3.Address(), s3)))

	// Local checks, before the engine: the reasons rippled gives.
	good := m.multisigned(pay, 30, s1.Address(), s1, s3.Address(), s3)
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) {
		sg := tx["Signers"].([]any)
		sg[0], sg[1] = sg[1], sg[0]
	})), "Unsorted Signers array.")
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) {
		sg := tx["Signers"].([]any)
		tx["Signers"] = []any{sg[0], sg[0]}
	})), "Duplicate Signers not allowed.")
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) {
		inner := tx["Signers"].([]any)[1].(map[string]any)["Signer"].(map[string]any)
		sig := []byte(inner["TxnSignature"].(string))
		if sig[10] == '0' { // another hex digit
			sig[10] = '1'
		} else {
			sig[10] = '0'
		}
		inner["TxnSignature"] = string(sig)
	})), "Invalid signature on account")
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) { delete(tx, "Signers") })), "Empty SigningPubKey.")
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) { tx["TxnSignature"] = "00" })), "Cannot both single- and multi-sign.")
	assert.Contains(t, m.localCheck(m.multisigned(pay, 30, alice.Address(), alice, s1.Address(), s1)), "Invalid multisigner.")
	assert.Contains(t, m.localCheck(m.reencode(good, func(tx map[string]any) { tx["Fee"] = "31" })), "Invalid signature on account")

	// 2 of 3 applies, and the fee is base × (1 + signers).
	before := drops(m.root(alice.Address()), "Balance")
	res, err := m.e.Submit(good)
	require.NoError(t, err)
	require.Equal(t, "tesSUCCESS", res.Result)
	assert.Equal(t, before-1000-30, drops(m.root(alice.Address()), "Balance"))
	assert.Equal(t, int64(30), m.e.Fee(res.JSON))

	// s2 signs with its regular key; s1 with a disabled master key fails.
	require.Equal(t, "tesSUCCESS", m.submit(s2, evernode.Raw{"TransactionType": "SetRegularKey", "Account": s2.Address(), "RegularKey": rk.Address()}))
	assert.Equal(t, "tesSUCCESS", m.result(m.multisigned(pay, 30, s1.Address(), s1, s2.Address(), rk)))
	assert.Equal(t, "tecNEED_MASTER_KEY", m.submit(rk, evernode.Raw{"TransactionType": "AccountSet", "Account": s2.Address(), "SetFlag": uint32(4)}), "disabled by the regular key")
	require.Equal(t, "tesSUCCESS", m.submit(s1, evernode.Raw{"TransactionType": "SetRegularKey", "Account": s1.Address(), "RegularKey": rk.Address()}))
	require.Equal(t, "tesSUCCESS", m.submit(s1, evernode.Raw{"TransactionType": "AccountSet", "Account": s1.Address(), "SetFlag": uint32(4)}))
	assert.Equal(t, "tefMASTER_DISABLED", m.result(m.multisigned(pay, 30, s1.Address(), s1, s2.Address(), rk)))
	assert.Equal(t, "tesSUCCESS", m.result(m.multisigned(pay, 30, s1.Address(), rk, s2.Address(), rk)))
}

// TestSignerListLifecycle replaces and deletes a list, with the owner
// count, the owner directory, the reserve and the master-key rules.
func TestSignerListLifecycle(t *testing.T) {
	m := newMSEnv(t)
	alice, s1, s2 := m.wallet(1, evernode.Secp256k1), m.wallet(2, evernode.Ed25519), m.wallet(3, evernode.Secp256k1)
	m.fund(alice.Address(), 100_000_000)
	a, _ := ParseAccount(alice.Address())
	ownerDir := func() []Hash {
		var out []Hash
		m.e.Read(Current, func(r Reader) {
			r.Walk(OwnerDirKey(a), 0, Hash{}, func(_ uint64, h Hash) bool { out = append(out, h); return true })
		})
		return out
	}

	// Deleting a list that does not exist succeeds.
	assert.Equal(t, "tesSUCCESS", m.submit(alice, signerListTx(alice.Address(), 0)))
	res := m.submitRes(alice, signerListTx(alice.Address(), 1, s1.Address(), uint32(1)))
	require.Equal(t, "tesSUCCESS", res.Result)
	created := false
	for _, n := range res.Record.Meta["AffectedNodes"].([]any) {
		if c, ok := n.(map[string]any)["CreatedNode"].(map[string]any); ok && c["LedgerEntryType"] == "SignerList" {
			created = true
			assert.Equal(t, SignerListKey(a).String(), c["LedgerIndex"])
		}
	}
	assert.True(t, created, "no CreatedNode SignerList in %v", res.Record.Meta)
	require.Equal(t, "tesSUCCESS", m.submit(alice, signerListTx(alice.Address(), 3, s1.Address(), uint32(1), s2.Address(), uint32(2))))
	assert.Equal(t, uint32(1), u32(m.root(alice.Address()), "OwnerCount"), "a replacement keeps one owner count")
	assert.Equal(t, []Hash{SignerListKey(a)}, ownerDir())

	// Master disabled with only the list to sign: allowed; then deleting the
	// list would lock the account.
	require.Equal(t, "tesSUCCESS", m.submit(alice, evernode.Raw{"TransactionType": "AccountSet", "Account": alice.Address(), "SetFlag": uint32(4)}))
	del := signerListTx(alice.Address(), 0)
	assert.Equal(t, "tecNO_ALTERNATIVE_KEY", m.result(m.multisigned(del, 30, s1.Address(), s1, s2.Address(), s2)))
	require.Equal(t, "tesSUCCESS", m.result(m.multisigned(evernode.Raw{"TransactionType": "AccountSet", "Account": alice.Address(), "ClearFlag": uint32(4)}, 30, s1.Address(), s1, s2.Address(), s2)))
	// Disabling the master key takes the master key itself.
	assert.Equal(t, "tecNEED_MASTER_KEY", m.result(m.multisigned(evernode.Raw{"TransactionType": "AccountSet", "Account": alice.Address(), "SetFlag": uint32(4)}, 30, s1.Address(), s1, s2.Address(), s2)))
	require.Equal(t, "tesSUCCESS", m.submit(alice, del))
	assert.Equal(t, uint32(0), u32(m.root(alice.Address()), "OwnerCount"))
	assert.Empty(t, ownerDir())
	m.e.Read(Current, func(r Reader) { assert.Nil(t, r.Get(SignerListKey(a))) })

	// The reserve is checked against the balance before the fee.
	poor := m.wallet(9, evernode.Ed25519)
	m.fund(poor.Address(), 1_100_000)
	assert.Equal(t, "tecINSUFFICIENT_RESERVE", m.submit(poor, signerListTx(poor.Address(), 1, s1.Address(), uint32(1))))
	m.e.Read(Current, func(r Reader) {
		p, _ := ParseAccount(poor.Address())
		assert.Nil(t, r.Get(SignerListKey(p)))
	})
}
