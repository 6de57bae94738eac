package memo_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/memo"
)

// cryptRequirement is a 365-byte tenant requirement, the size of a typical
// acquire payload.
func cryptRequirement(b *testing.B) []byte {
	const head = `{"owner_pubkey":"ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",` +
		`"contract_id":"dc411912-bcdd-4f73-af43-32ec45844b9a","image":"evernodedev/sashimono:hp.latest-ubt.20.04-njs.16",` +
		`"config":{"contract":{"consensus":{"roundtime":2000}},"log":{"log_level":"inf"}},"messageKey":"`
	const tail = `"}`
	msg := head + strings.Repeat("A", 365-len(head)-len(tail)) + tail
	if len(msg) != 365 {
		b.Fatalf("requirement has %d bytes", len(msg))
	}
	return []byte(msg)
}

func cryptBenchSeal(b *testing.B, typ memo.KeyType) {
	msg := cryptRequirement(b)
	to := cryptKeys(b, cryptRand(200))[typ].PublicKey()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := memo.Seal(rand.Reader, to, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func cryptBenchOpen(b *testing.B, typ memo.KeyType) {
	ctx := context.Background()
	msg := cryptRequirement(b)
	k := cryptKeys(b, cryptRand(201))[typ]
	ct, err := memo.Seal(rand.Reader, k.PublicKey(), msg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := memo.Open(ctx, k, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkSealEd25519(b *testing.B)   { cryptBenchSeal(b, memo.KeyEd25519) }
func BenchmarkOpenEd25519(b *testing.B)   { cryptBenchOpen(b, memo.KeyEd25519) }
func BenchmarkSealSecp256k1(b *testing.B) { cryptBenchSeal(b, memo.KeySecp256k1) }
func BenchmarkOpenSecp256k1(b *testing.B) { cryptBenchOpen(b, memo.KeySecp256k1) }
