package memo

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// TestSboxConvertInvertsDen checks that the inversion sboxConvert shares
// with the key conversion is right, for random den and keys, and that the
// key half does not depend on den.
func TestSboxConvertInvertsDen(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 17))
	var k PublicKey
	k[0] = keyPrefixEd25519
	var b [32]byte
	for range 300 {
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		sc, _ := edwards25519.NewScalar().SetBytesWithClamping(b[:])
		copy(k[1:], new(edwards25519.Point).ScalarBaseMult(sc).Bytes())
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		den, _ := new(field.Element).SetBytes(b[:])
		if den.Equal(new(field.Element).Zero()) == 1 {
			continue
		}
		u, inv, err := sboxConvert(k, den)
		if err != nil {
			t.Fatalf("%x: %v", k, err)
		}
		if got := new(field.Element).Multiply(den, inv); got.Equal(new(field.Element).One()) != 1 {
			t.Fatalf("den %x: den·inv = %x, want 1", den.Bytes(), got.Bytes())
		}
		u1, err := sboxRecipient(k)
		if err != nil || *u1 != *u {
			t.Fatalf("%x: u %x with den, %x (%v) without", k, u, u1, err)
		}
	}
}

// TestSboxRecipientMatchesEdwards checks the one-exponentiation conversion
// against edwards25519's own decoding and map on random encodings (half of
// them points, half mostly not), and on the special y of ±1 and 0.
func TestSboxRecipientMatchesEdwards(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	check := func(k PublicKey) {
		t.Helper()
		got, err := sboxRecipient(k)
		p, perr := new(edwards25519.Point).SetBytes(k[1:])
		if perr == nil && bytes.Equal(p.BytesMontgomery(), make([]byte, 32)) {
			// y = ±1 decodes to u = 0, which no X25519 can use.
			if err != errSmallOrder {
				t.Fatalf("%x: error %v, want %v", k, err, errSmallOrder)
			}
			return
		}
		if (err == nil) != (perr == nil) {
			t.Fatalf("%x: error %v, edwards25519 %v", k, err, perr)
		}
		if err == nil && !bytes.Equal(got[:], p.BytesMontgomery()) {
			t.Fatalf("%x: u %x, want %x", k, got, p.BytesMontgomery())
		}
	}
	var k PublicKey
	k[0] = keyPrefixEd25519
	for i := range 2000 {
		if i%2 == 0 {
			var s [32]byte
			for j := range s {
				s[j] = byte(r.Uint32())
			}
			sc, _ := edwards25519.NewScalar().SetBytesWithClamping(s[:])
			copy(k[1:], new(edwards25519.Point).ScalarBaseMult(sc).Bytes())
		} else {
			for j := 1; j < len(k); j++ {
				k[j] = byte(r.Uint32())
			}
		}
		check(k)
	}
	for _, yh := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // y = 1
		"0100000000000000000000000000000000000000000000000000000000000080", // y = 1, sign set
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = −1
		"0000000000000000000000000000000000000000000000000000000000000000", // y = 0
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1, not reduced
	} {
		hex.Decode(k[1:], []byte(yh))
		check(k)
	}
}

// TestSboxSharedSecretMatchesECDH checks the software holder's X25519
// against crypto/ecdh on random peers, on the low-order ones in canonical,
// non-canonical and high-bit forms, and on peers of the wrong length.
func TestSboxSharedSecretMatchesECDH(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 19))
	var b [32]byte
	fill := func() []byte {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b[:]
	}
	priv, err := ecdh.X25519().NewPrivateKey(fill())
	if err != nil {
		t.Fatal(err)
	}
	check := func(peer []byte) {
		t.Helper()
		got, err := sboxSharedSecret(priv, peer)
		var want []byte
		pub, werr := ecdh.X25519().NewPublicKey(peer)
		if werr == nil {
			want, werr = priv.ECDH(pub)
		}
		if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("peer %x: %x, %v; crypto/ecdh %x, %v", peer, got, err, want, werr)
		}
		if err != nil && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("peer %x: %v does not wrap ErrDecrypt", peer, err)
		}
	}
	for range 300 {
		check(fill())
	}
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000", // 0
		"0100000000000000000000000000000000000000000000000000000000000000", // 1
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p−1
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1
		"0000000000000000000000000000000000000000000000000000000000000080", // 0, high bit
		"cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880", // order 8 + p, high bit
		"4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7", // order 8 + p, high bit
		"d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // p−1 + p, high bit
		"0900000000000000000000000000000000000000000000000000000000000000", // the base point
	} {
		peer, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		check(peer)
	}
	check(nil)
	check(make([]byte, 31))
	check(make([]byte, 33))
}
