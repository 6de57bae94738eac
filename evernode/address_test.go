package evernode

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
)

func TestAddressFromPublicKey(t *testing.T) {
	// The XRPL genesis account ("masterpassphrase").
	pub, _ := hex.DecodeString("0330E7FC9D56BB25D6893BA3F317AE5BCF33B3291BD63DB32654A313222F7FD020")
	if a, err := AddressFromPublicKey(pub); err != nil || a != "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh" {
		t.Fatalf("genesis: %q, %v", a, err)
	}
	for _, alg := range []KeyAlgorithm{Ed25519, Secp256k1} {
		for range 5 {
			w, err := NewWallet(rand.Reader, alg)
			if err != nil {
				t.Fatal(err)
			}
			if a, err := AddressFromPublicKey(w.PublicKey()); err != nil || a != w.Address() {
				t.Fatalf("%v: %q, %v; want %s", alg, a, err, w.Address())
			}
		}
	}
	bad := [][]byte{nil, make([]byte, 32), append([]byte{0x04}, make([]byte, 32)...), append([]byte{0x02}, make([]byte, 32)...)}
	for _, b := range bad {
		if _, err := AddressFromPublicKey(b); !errors.Is(err, ErrPublicKey) {
			t.Errorf("%x: %v", b, err)
		}
	}
}
