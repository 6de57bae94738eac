package evernode_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
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
	n, rl, a, b, sub := subscribedThroughRelay(t, ctx, 0)

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

// A gap the node can no longer fill (its history moved on while the client
// was away) is reported as a *GapError, then delivery goes on.
func TestSubscriptionGapBeyondHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, rl, a, b, sub := subscribedThroughRelay(t, ctx, 4)
	pay := func() string {
		h, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(1)})
		if err != nil {
			t.Fatal(err)
		}
		n.Commit()
		return h
	}
	first := pay()
	if tx, err := sub.Next(ctx); err != nil || tx.Hash != first {
		t.Fatalf("first: %s, %v", tx.Hash, err)
	}
	var mu sync.Mutex
	away := true
	rl.setPlan(func(string) cut {
		mu.Lock()
		defer mu.Unlock()
		if away {
			return cutBefore
		}
		return pass
	})
	n.DropConnections()
	lost := pay()
	for range 6 {
		n.Commit()
	}
	kept := pay()
	mu.Lock()
	away = false
	mu.Unlock()
	_, err := sub.Next(ctx)
	var gap *evernode.GapError
	if !errors.As(err, &gap) || gap.From > gap.To {
		t.Fatalf("want a GapError for the forgotten ledgers (transaction %s), got %v", lost, err)
	}
	tx, err := sub.Next(ctx)
	if err != nil || tx.Hash != kept {
		t.Fatalf("after the gap: %s, %v; want %s", tx.Hash, err, kept)
	}
}

// subscribedThroughRelay starts a manual-close localnet keeping history
// ledgers (0: the default), funds a payer a and a payee b, and subscribes to
// b through a relay that reconnects within milliseconds.
func subscribedThroughRelay(t *testing.T, ctx context.Context, history uint32) (*localnet.Net, *relay, *evernode.Wallet, *evernode.Wallet, *evernode.TxSubscription) {
	t.Helper()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose, History: history})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	var ws [2]*evernode.Wallet
	for i := range ws {
		if ws[i], err = n.NewFundedWallet(ctx, 1_000_000_000); err != nil {
			t.Fatal(err)
		}
	}
	n.Commit()
	rl := newRelay(t, n.URL())
	relayed := n.Network()
	relayed.URL = rl.url()
	c, err := evernode.Dial(ctx, relayed, &evernode.ClientOptions{ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sub, err := c.SubscribeAccounts(ctx, []string{ws[1].Address()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return n, rl, ws[0], ws[1], sub
}

// AccountTx refuses to answer for fewer ledgers than asked: a node that
// forgot some says so with ErrHistoryMissing rather than a shorter list.
func TestAccountTxHistoryMissing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, _, a, _, _ := subscribedThroughRelay(t, ctx, 4)
	for range 8 {
		n.Commit()
	}
	c, err := evernode.Dial(ctx, n.Network(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AccountTx(ctx, a.Address(), &evernode.AccountTxOptions{MinLedger: 2}); !errors.Is(err, evernode.ErrHistoryMissing) {
		t.Fatalf("AccountTx from a forgotten ledger: %v", err)
	}
	if _, err := c.AccountTx(ctx, a.Address(), &evernode.AccountTxOptions{MinLedger: n.ValidatedLedger() - 2}); err != nil {
		t.Fatalf("AccountTx within the window: %v", err)
	}
}
