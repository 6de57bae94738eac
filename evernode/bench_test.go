package evernode

import (
	"bytes"
	"context"
	"testing"

	"github.com/evernode-go/sdk/memo"
)

func benchmarkSign(b *testing.B, alg KeyAlgorithm) {
	w, err := NewWallet(bytes.NewReader(bytes.Repeat([]byte{9}, 16)), alg)
	if err != nil {
		b.Fatal(err)
	}
	c := Common{Account: w.Address(), Fee: 12, Sequence: 1, LastLedgerSequence: 100}
	if err := c.SetParams(memo.Params{Event: memo.EventExtendLease, Data: make([]byte, 32)}); err != nil {
		b.Fatal(err)
	}
	tx := Payment{Common: c, Destination: w.Address(), Amount: EVR("rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", "3")}
	ctx := context.Background()
	for b.Loop() {
		if _, err := Sign(ctx, Mainnet(), w, tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignEd25519 signs, verifies and encodes an EVR extend payment.
func BenchmarkSignEd25519(b *testing.B) { benchmarkSign(b, Ed25519) }

// BenchmarkSignSecp256k1 is the same with a secp256k1 key.
func BenchmarkSignSecp256k1(b *testing.B) { benchmarkSign(b, Secp256k1) }
