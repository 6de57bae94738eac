package evernode

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/vectors"
)

type multisignVectors struct {
	Accounts map[string]struct {
		Seed    string `json:"seed"`
		Address string `json:"address"`
	} `json:"accounts"`
	Multisign struct {
		Tx           map[string]any `json:"tx"`
		Signers      []string       `json:"signers"`
		SignedBlobs  []string       `json:"signedBlobs"`
		CombinedBlob string         `json:"combinedBlob"`
		CombinedHash string         `json:"combinedHash"`
	} `json:"multisign"`
}

func mustHexString(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// TestMultisignMatchesXRPLJS signs one transaction as three signers
// (secp256k1 and ed25519) and combines them, comparing every blob and the
// hash with xrpl.js's sign(tx, true) and multisign() (governance.json).
func TestMultisignMatchesXRPLJS(t *testing.T) {
	var v multisignVectors
	vectors.Load(t, "governance.json", &v)
	ms := v.Multisign
	require.Len(t, ms.Signers, 3)
	n := Mainnet()
	tx := Raw(ms.Tx)
	ctx := context.Background()
	var entries []SignerEntry
	for i, name := range ms.Signers {
		acct := v.Accounts[name]
		w, err := WalletFromSeed(acct.Seed)
		require.NoError(t, err)
		e, err := SignFor(ctx, n, w, acct.Address, tx)
		require.NoError(t, err)
		entries = append(entries, e)
		one, err := Multisign(n, tx, []SignerEntry{e})
		require.NoError(t, err)
		assert.Equal(t, ms.SignedBlobs[i], one.BlobHex(), "signer %s", name)
	}
	// Given in any order, the Signers come out sorted by account ID.
	all, err := Multisign(n, tx, []SignerEntry{entries[2], entries[0], entries[1]})
	require.NoError(t, err)
	assert.Equal(t, ms.CombinedBlob, all.BlobHex())
	assert.Equal(t, ms.CombinedHash, all.HashHex())

	var blobs [][]byte
	for _, b := range ms.SignedBlobs {
		blobs = append(blobs, mustHexString(t, b))
	}
	comb, err := CombineMultisigned(n, blobs)
	require.NoError(t, err)
	assert.Equal(t, ms.CombinedBlob, comb.BlobHex())
	back, err := Decode(n, comb.Blob)
	require.NoError(t, err)
	assert.Equal(t, "", back["SigningPubKey"])
}

func TestMultisignRefusesBadInput(t *testing.T) {
	var v multisignVectors
	vectors.Load(t, "governance.json", &v)
	n := Mainnet()
	tx := Raw(v.Multisign.Tx)
	ctx := context.Background()
	a := v.Accounts["signer1"]
	w, err := WalletFromSeed(a.Seed)
	require.NoError(t, err)
	e, err := SignFor(ctx, n, w, a.Address, tx)
	require.NoError(t, err)

	_, err = Multisign(n, tx, nil)
	assert.ErrorIs(t, err, ErrMultisign)
	_, err = Multisign(n, tx, []SignerEntry{e, e})
	assert.ErrorIs(t, err, ErrMultisign, "the same signer twice")
	forged := e
	forged.Account = v.Accounts["signer2"].Address
	_, err = Multisign(n, tx, []SignerEntry{forged})
	assert.ErrorIs(t, err, ErrSignature, "a signature for another account")
	other := Raw(map[string]any{})
	for k, x := range tx {
		other[k] = x
	}
	other["Amount"] = "999"
	_, err = Multisign(n, other, []SignerEntry{e})
	assert.ErrorIs(t, err, ErrSignature, "a signature of another transaction")
	_, err = SignFor(ctx, n, w, "rNotAnAddress", tx)
	assert.ErrorIs(t, err, ErrMultisign)

	b1 := mustHexString(t, v.Multisign.SignedBlobs[0])
	otherSigned, err := Multisign(n, other, []SignerEntry{mustSignFor(t, n, w, a.Address, other)})
	require.NoError(t, err)
	_, err = CombineMultisigned(n, [][]byte{b1, otherSigned.Blob})
	assert.ErrorIs(t, err, ErrMultisign, "different transactions")
	single, err := Sign(ctx, n, w, Raw(map[string]any{"TransactionType": "AccountSet", "Account": a.Address, "Fee": "12", "Sequence": 1}))
	require.NoError(t, err)
	_, err = CombineMultisigned(n, [][]byte{single.Blob})
	assert.ErrorIs(t, err, ErrMultisign, "not multi-signed")
	_, err = CombineMultisigned(n, [][]byte{{0x12}})
	assert.ErrorIs(t, err, ErrMultisign)
	assert.True(t, strings.HasPrefix(ErrMultisign.Error(), "evernode:"))

	assert.Equal(t, uint64(48), MultisignFee(12, 12, 3))
	assert.Equal(t, uint64(12), MultisignFee(12, 12, -1))
}

func mustSignFor(t *testing.T, n Network, s Signer, account string, tx Transaction) SignerEntry {
	t.Helper()
	e, err := SignFor(context.Background(), n, s, account, tx)
	require.NoError(t, err)
	return e
}

// FuzzCombineMultisigned: arbitrary blobs combine or fail cleanly.
func FuzzCombineMultisigned(f *testing.F) {
	var v multisignVectors
	vectors.Load(f, "governance.json", &v)
	for _, b := range v.Multisign.SignedBlobs {
		blob, _ := hex.DecodeString(b)
		f.Add(blob, blob)
	}
	f.Add([]byte{0x12, 0, 0}, []byte{})
	n := Mainnet()
	f.Fuzz(func(t *testing.T, a, b []byte) {
		s, err := CombineMultisigned(n, [][]byte{a, b})
		if err == nil && len(s.Blob) == 0 {
			t.Fatal("combined nothing")
		}
	})
}
