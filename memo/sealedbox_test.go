package memo_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/nacl/box"

	"github.com/evernode-go/sdk/memo"
)

// sboxStraightforward checks Seal to the ed25519 key key (32 bytes) with
// ephemeral secret eph against the plain construction: the key decoded and
// mapped by edwards25519, the box made by x/crypto's SealAnonymous with the
// same randomness, and a small-order recipient refused where crypto/ecdh
// refuses it.
func sboxStraightforward(t *testing.T, key, eph, msg []byte) {
	t.Helper()
	to := memo.PublicKey{0xED}
	copy(to[1:], key)
	ours, err := memo.Seal(bytes.NewReader(eph), to, msg, nil)
	p, perr := new(edwards25519.Point).SetBytes(key)
	if perr != nil {
		require.Error(t, err, "key %x does not decode", key)
		require.Nil(t, ours)
		return
	}
	u := [32]byte(p.BytesMontgomery())
	priv, err2 := ecdh.X25519().NewPrivateKey(eph)
	require.NoError(t, err2)
	pub, err2 := ecdh.X25519().NewPublicKey(u[:])
	require.NoError(t, err2)
	if _, err2 := priv.ECDH(pub); err2 != nil {
		require.Error(t, err, "key %x has small order", key)
		require.Nil(t, ours)
		return
	}
	require.NoError(t, err, "key %x", key)
	theirs, err2 := box.SealAnonymous(nil, msg, &u, bytes.NewReader(eph))
	require.NoError(t, err2)
	require.Equal(t, hex.EncodeToString(theirs), hex.EncodeToString(ours), "key %x eph %x", key, eph)
}

// sboxSmallOrder are the encodings of the eight points of small order
// (libsodium's blocklist, canonical forms), some with the sign bit set.
var sboxSmallOrder = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
}

// TestSealMatchesStraightforward runs sboxStraightforward on random account
// keys, random 32-byte strings (about half of which are not points), points
// with a small-order component, the small-order points themselves, and
// extreme ephemeral secrets.
func TestSealMatchesStraightforward(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 18))
	fill := func(b []byte) []byte {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	torsion, err := new(edwards25519.Point).SetBytes(cryptHex(t, sboxSmallOrder[4]))
	require.NoError(t, err)
	require.Equal(t, 1, new(edwards25519.Point).MultByCofactor(torsion).Equal(edwards25519.NewIdentityPoint()))
	for i := range 400 {
		eph, msg := fill(make([]byte, 32)), fill(make([]byte, i%40))
		var key []byte
		switch i % 3 {
		case 0:
			key = ed25519.NewKeyFromSeed(fill(make([]byte, 32))).Public().(ed25519.PublicKey)
		case 1:
			key = fill(make([]byte, 32))
		case 2:
			p, _ := new(edwards25519.Point).SetBytes(ed25519.NewKeyFromSeed(fill(make([]byte, 32))).Public().(ed25519.PublicKey))
			key = p.Add(p, torsion).Bytes()
		}
		sboxStraightforward(t, key, eph, msg)
	}
	key := ed25519.NewKeyFromSeed(fill(make([]byte, 32))).Public().(ed25519.PublicKey)
	for _, eph := range [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)} {
		sboxStraightforward(t, key, eph, []byte("x"))
		for _, h := range sboxSmallOrder {
			sboxStraightforward(t, cryptHex(t, h), eph, []byte("x"))
		}
	}
}

// FuzzSealMatchesStraightforward is TestSealMatchesStraightforward with the
// key, ephemeral secret and message chosen by the fuzzer.
func FuzzSealMatchesStraightforward(f *testing.F) {
	rnd := cryptRand(150)
	for i := range 4 {
		seed, eph := make([]byte, 32), make([]byte, 32)
		io.ReadFull(rnd, seed)
		io.ReadFull(rnd, eph)
		f.Add([]byte(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)), eph, bytes.Repeat([]byte{'r'}, 100*i))
	}
	for _, h := range sboxSmallOrder {
		f.Add(cryptHex(f, h), make([]byte, 32), []byte{})
	}
	f.Fuzz(func(t *testing.T, key, eph, msg []byte) {
		if len(key) != 32 || len(eph) != 32 {
			return
		}
		sboxStraightforward(t, key, eph, msg)
	})
}
