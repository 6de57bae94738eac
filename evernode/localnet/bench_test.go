package localnet_test

import (
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// BenchmarkPayments measures signed payments applied per second over the
// websocket submit (signing happens outside the timer).
func BenchmarkPayments(b *testing.B) {
	n := start(b, nil)
	c := dial(b, n)
	w := mustWallet(b, n, 1_000_000_000_000)
	seq := seqOf(b, c, w.Address())
	blobs := make([]evernode.Signed, b.N)
	for i := range blobs {
		blobs[i] = signAs(b, n, w, w.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}, seq+uint32(i), 10, nil)
	}
	b.ResetTimer()
	for i := range blobs {
		if r := c.submit(blobs[i]); r["engine_result"] != "tesSUCCESS" {
			b.Fatal(r)
		}
		if i%1000 == 999 {
			n.Commit()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}

// BenchmarkNamespacePaging pages 10,000 HookState entries over the
// websocket (account_namespace, 400 a page).
func BenchmarkNamespacePaging(b *testing.B) {
	n := start(b, nil)
	c := dial(b, n)
	acct := mustWallet(b, n, 100_000_000)
	fillNamespace(b, n, acct, 10_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := pageNamespace(b, c, acct.Address(), 400); len(got) != 10_000 {
			b.Fatalf("%d entries", len(got))
		}
	}
}

var _ = localnet.NoAutoClose
