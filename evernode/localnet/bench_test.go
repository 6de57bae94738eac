package localnet_test

import (
	"context"
	"crypto/rand"
	"fmt"
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
	submitTimed(b, n, c, blobs)
}

// submitTimed submits the signed payments over the websocket, closing a
// ledger every 1,000, and reports payments per second.
func submitTimed(b *testing.B, n *localnet.Net, c *client, blobs []evernode.Signed) {
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

// BenchmarkPaymentsAccounts measures signed payments per second over the
// websocket submit with 1,000 and 50,000 funded accounts in the state: 100
// senders pay random accounts, a ledger closes every 1,000 payments
// (signing happens outside the timer). Run it with a fixed count, e.g.
// -benchtime=20000x: the 50k setup funds 50,000 accounts.
func BenchmarkPaymentsAccounts(b *testing.B) {
	for _, size := range []int{1_000, 50_000} {
		b.Run(fmt.Sprintf("accounts=%dk", size/1000), func(b *testing.B) {
			n := start(b, nil)
			c := dial(b, n)
			ctx := context.Background()
			accounts := make([]string, size)
			for i := range accounts {
				w, err := evernode.NewWallet(rand.Reader, evernode.Ed25519)
				if err != nil {
					b.Fatal(err)
				}
				accounts[i] = w.Address()
				if err := n.Fund(ctx, w.Address(), 100_000_000); err != nil {
					b.Fatal(err)
				}
				if i%5000 == 4999 {
					n.Commit()
				}
			}
			senders := make([]*evernode.Wallet, 100)
			seqs := make([]uint32, len(senders))
			for i := range senders {
				senders[i] = mustWallet(b, n, 1_000_000_000_000)
			}
			n.Commit()
			for i, s := range senders {
				seqs[i] = seqOf(b, c, s.Address())
			}
			blobs := make([]evernode.Signed, b.N)
			for i := range blobs {
				k := i % len(senders)
				blobs[i] = signAs(b, n, senders[k], senders[k].Address(), evernode.Payment{
					Destination: accounts[(i*7919)%size], Amount: evernode.Drops(1)}, seqs[k], 10, nil)
				seqs[k]++
			}
			submitTimed(b, n, c, blobs)
		})
	}
}
