package evernode_test

import (
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// A subscription that starts from an earlier ledger delivers what the
// account saw since then, then the live transactions, in order.
func TestLocalnetSubscriptionFromEarlierLedger(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	pay := func(drops uint64) string {
		t.Helper()
		h, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(drops)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	start := n.Commit() + 1
	var want []string
	for i := range 40 { // past ledgers, more than one 32-ledger fill step
		want = append(want, pay(uint64(i+1)))
		n.Commit()
	}
	if err := c.WaitLedger(ctx, n.Commit()); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeAccounts(ctx, []string{b.Address()}, &evernode.SubscribeOptions{FromLedger: start})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 5 { // live ones
		want = append(want, pay(uint64(100+i)))
		n.Commit()
	}
	for i, w := range want {
		got, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("transaction %d of %d: %v", i, len(want), err)
		}
		if got.Hash != w {
			t.Fatalf("transaction %d: got %s, want %s", i, got.Hash, w)
		}
	}
}
