package memo

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

// TestSboxEphemeralMatchesECDH checks the fixed-base public key and the
// ladder against crypto/ecdh for random scalars and recipient keys, and
// for the scalars whose clamped form has extreme bits.
func TestSboxEphemeralMatchesECDH(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	check := func(e, u [32]byte) {
		t.Helper()
		priv, err := ecdh.X25519().NewPrivateKey(e[:])
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ecdh.X25519().NewPublicKey(u[:])
		if err != nil {
			t.Fatal(err)
		}
		want, werr := priv.ECDH(pub)
		epk, shared := sboxEphemeral(&e, &u)
		if werr != nil {
			want = make([]byte, 32)                  // crypto/ecdh refuses the all-zero output
			epk = [32]byte(priv.PublicKey().Bytes()) // and so does the caller
		}
		if !bytes.Equal(epk[:], priv.PublicKey().Bytes()) {
			t.Fatalf("e %x: public key %x, want %x", e, epk, priv.PublicKey().Bytes())
		}
		if !bytes.Equal(shared[:], want) {
			t.Fatalf("e %x u %x: shared %x, want %x", e, u, shared, want)
		}
	}
	var e, u [32]byte
	for range 300 {
		for i := range e {
			e[i], u[i] = byte(r.Uint32()), byte(r.Uint32())
		}
		u[31] &= 0x7f
		check(e, u)
	}
	// Extreme scalars, and low-order and non-canonical u.
	for _, fill := range []byte{0x00, 0xff} {
		for i := range e {
			e[i] = fill
		}
		for _, uh := range []string{
			"0000000000000000000000000000000000000000000000000000000000000000",
			"0100000000000000000000000000000000000000000000000000000000000000",
			"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
			"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
			"0900000000000000000000000000000000000000000000000000000000000000",
		} {
			b, _ := hex.DecodeString(uh)
			copy(u[:], b)
			check(e, u)
		}
	}
}

// TestX25519LadderRFC7748 is RFC 7748 section 5.2's first test vector.
func TestX25519LadderRFC7748(t *testing.T) {
	var k, u [32]byte
	hex.Decode(k[:], []byte("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"))
	hex.Decode(u[:], []byte("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))
	x2, z2 := x25519Ladder(&k, &u)
	got := z2.Invert(z2).Multiply(z2, x2).Bytes()
	if want := "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"; hex.EncodeToString(got) != want {
		t.Fatalf("got %x, want %s", got, want)
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
