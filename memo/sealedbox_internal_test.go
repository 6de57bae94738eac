package memo

import (
	"bytes"
	"encoding/hex"
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
