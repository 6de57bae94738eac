package localnet

import (
	"context"
	"runtime"
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// churn closes ledgers with a few payments each among a fixed set of
// accounts, so the state does not grow: only history could.
func churn(t testing.TB, n *Net, ledgers, perLedger int) {
	t.Helper()
	ctx := context.Background()
	ws := make([]*evernode.Wallet, 4)
	for i := range ws {
		w, err := n.NewFundedWallet(ctx, 1_000_000_000)
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	n.Commit()
	for l := range ledgers {
		for p := range perLedger {
			from, to := ws[(l+p)%len(ws)], ws[(l+p+1)%len(ws)]
			if _, err := n.Submit(ctx, from, from.Address(), evernode.Payment{Destination: to.Address(), Amount: evernode.Drops(1)}); err != nil {
				t.Fatal(err)
			}
		}
		n.Commit()
	}
}

// A network left running keeps only its window: retained ledgers,
// transactions and undo entries stay bounded however many ledgers close.
func TestHistoryStaysBounded(t *testing.T) {
	n, err := Start(context.Background(), &Config{CloseInterval: NoAutoClose, History: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	churn(t, n, 40, 3)
	first := n.eng.Stats()
	churn(t, n, 80, 3)
	second := n.eng.Stats()
	if second.Ledgers != 16 || second.Transactions > 16*3+4 || second.UndoEntries > first.UndoEntries+16 ||
		second.StateEntries > first.StateEntries+4*2 {
		t.Fatalf("retained grew: after 40 ledgers %+v, after 120 %+v", first, second)
	}
	if lo, hi := n.eng.Retained(); hi-lo+1 != 16 {
		t.Fatalf("retained %d-%d", lo, hi)
	}
}

// BenchmarkHistoryMemory reports the heap a localnet holds after 500
// ledgers of 10 payments with the default window (256 ledgers) and with a
// window of 1, and the difference per retained ledger and transaction.
func BenchmarkHistoryMemory(b *testing.B) {
	heap := func(history uint32) uint64 {
		n, err := Start(context.Background(), &Config{CloseInterval: NoAutoClose, History: history})
		if err != nil {
			b.Fatal(err)
		}
		defer n.Close()
		churn(b, n, 500, 10)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		runtime.KeepAlive(n)
		return m.HeapAlloc
	}
	for range b.N {
		one, full := heap(1), heap(0)
		b.ReportMetric(float64(full)/(1<<20), "MiB(256)")
		b.ReportMetric(float64(one)/(1<<20), "MiB(1)")
		b.ReportMetric(float64(full-one)/255, "B/ledger")
		b.ReportMetric(float64(full-one)/(255*10), "B/tx")
	}
}
