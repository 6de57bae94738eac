package evernode_test

import (
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// A nil reader means crypto/rand, not a panic.
func TestNewWalletNilRandom(t *testing.T) {
	for _, alg := range []evernode.KeyAlgorithm{evernode.Ed25519, evernode.Secp256k1} {
		a, err := evernode.NewWallet(nil, alg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := evernode.NewWallet(nil, alg)
		if err != nil {
			t.Fatal(err)
		}
		if a.Address() == b.Address() {
			t.Fatalf("two random wallets share the address %s", a.Address())
		}
	}
}
