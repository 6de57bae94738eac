package evernode_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// A subscription over a relay that drops the connection at random points
// (live stream, resubscription, gap fill) delivers every one of 10,000
// validated transactions (2,000 under -race or -short) exactly once and in
// ledger order.
func TestSubscriptionLosesNothingAcrossRandomDrops(t *testing.T) {
	total, perLedger := 10_000, 50
	if testing.Short() || raceEnabled {
		total = 2_000 // the full 10,000 run without -race
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a, err := n.NewFundedWallet(ctx, 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.NewFundedWallet(ctx, 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	n.Commit()
	rl := newRelay(t, n.URL())
	relayed := n.Network()
	relayed.URL = rl.url()
	c, err := evernode.Dial(ctx, relayed, &evernode.ClientOptions{ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub, err := c.SubscribeAccounts(ctx, []string{b.Address()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	rnd, planRnd := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(8, 8))
	rl.setPlan(func(cmd string) cut { // called under the relay's lock
		switch cmd {
		case "subscribe", "account_tx":
			if planRnd.IntN(4) == 0 {
				return cut(1 + planRnd.IntN(2))
			}
		}
		return pass
	})

	want := make([]string, 0, total+1)
	for len(want) < total {
		for range perLedger {
			h, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(1)})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, h)
		}
		n.Commit()
		if rnd.IntN(3) == 0 {
			n.DropConnections()
		}
	}
	// A sentinel ends the run: whatever was lost or doubled shows before it.
	sentinel, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(2)})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, sentinel)
	n.Commit()
	var got []string
	for len(got) == 0 || got[len(got)-1] != sentinel {
		tx, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d: %v", len(got), err)
		}
		got = append(got, tx.Hash)
	}
	seen := map[string]int{}
	for _, h := range got {
		seen[h]++
	}
	lost, doubled := 0, 0
	for _, h := range want {
		switch seen[h] {
		case 0:
			lost++
		case 1:
		default:
			doubled++
		}
	}
	if lost != 0 || doubled != 0 || !slices.Equal(got, want) {
		for i, h := range want {
			if seen[h] != 1 {
				t.Logf("want[%d] (ledger +%d) seen %d times", i, i/perLedger, seen[h])
			}
		}
		t.Fatalf("%d of %d lost, %d doubled, order kept: %v", lost, len(want), doubled, slices.Equal(got, want))
	}
	t.Logf("%d transactions, %d cuts", total, rl.cuts)
}
