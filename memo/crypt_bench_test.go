package memo_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/dh/x25519"

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
	now, release := threadClock()
	defer release()
	t0 := now()
	for b.Loop() {
		if _, err := memo.Seal(rand.Reader, to, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
	cryptReportCPU(b, now()-t0)
}

// cryptReportCPU reports ops/s from the wall clock and cpu-µs, the
// goroutine's thread CPU time per operation: on a loaded machine the wall
// clock varies by half, the CPU time by a few per cent.
func cryptReportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), "cpu-µs")
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
	now, release := threadClock()
	defer release()
	t0 := now()
	for b.Loop() {
		if _, err := memo.Open(ctx, k, ct); err != nil {
			b.Fatal(err)
		}
	}
	cryptReportCPU(b, now()-t0)
}

func BenchmarkSealEd25519(b *testing.B)   { cryptBenchSeal(b, memo.KeyEd25519) }
func BenchmarkOpenEd25519(b *testing.B)   { cryptBenchOpen(b, memo.KeyEd25519) }
func BenchmarkSealSecp256k1(b *testing.B) { cryptBenchSeal(b, memo.KeySecp256k1) }
func BenchmarkOpenSecp256k1(b *testing.B) { cryptBenchOpen(b, memo.KeySecp256k1) }

// BenchmarkSealEd25519Floor compares sealing a requirement to an ed25519 key
// with the floor of any sealed box: one X25519 (crypto/ecdh, keys parsed
// beforehand). The two alternate inside each iteration and are timed with
// the thread's CPU clock (on Linux), so that load on a shared machine
// hits neither. floor-% is X25519 time over seal time: 100 would be a seal
// as cheap as its one unavoidable X25519.
//
// Seal's own X25519 is CIRCL's, faster than crypto/ecdh's on amd64, so the
// benchmark also times that one (circl-x25519-µs) and reports the share of
// the seal it is (circl-floor-%): what the rest of the seal (the fixed-base
// ephemeral key, the key conversion, hashing and encryption) costs.
func BenchmarkSealEd25519Floor(b *testing.B) {
	msg := cryptRequirement(b)
	to := cryptKeys(b, cryptRand(200))[memo.KeyEd25519].PublicKey()
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	peer, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	var csk, cpk, cshared x25519.Key
	copy(csk[:], priv.Bytes())
	copy(cpk[:], peer.PublicKey().Bytes())
	now, release := threadClock()
	defer release()
	var seal, floor, circl time.Duration
	for b.Loop() {
		t0 := now()
		if _, err := memo.Seal(rand.Reader, to, msg, nil); err != nil {
			b.Fatal(err)
		}
		t1 := now()
		if _, err := priv.ECDH(peer.PublicKey()); err != nil {
			b.Fatal(err)
		}
		t2 := now()
		if !x25519.Shared(&cshared, &csk, &cpk) {
			b.Fatal("CIRCL X25519 failed")
		}
		seal += t1 - t0
		floor += t2 - t1
		circl += now() - t2
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(us(seal), "seal-µs")
	b.ReportMetric(us(floor), "x25519-µs")
	b.ReportMetric(100*float64(floor)/float64(seal), "floor-%")
	b.ReportMetric(us(circl), "circl-x25519-µs")
	b.ReportMetric(100*float64(circl)/float64(seal), "circl-floor-%")
}
