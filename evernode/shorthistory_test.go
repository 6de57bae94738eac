package evernode_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// A payment that applied while the client was disconnected, in a ledger the
// node has since forgotten (a short history, or a fresh node behind a load
// balancer), is not found by hash although the account's Sequence moved
// past it. SubmitAndWait must not take that for "another transaction used
// the Sequence" and pay again.
func TestSubmitAndWaitShortHistoryNeverPaysTwice(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond, History: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{ReconnectMin: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	from := fundedWallet(t, ctx, n, c)
	to := fundedWallet(t, ctx, n, c)
	before, err := c.AccountInfo(ctx, to.Address(), evernode.Validated)
	if err != nil {
		t.Fatal(err)
	}

	// No ledger closes until the client is cut off; then the payment
	// validates and its ledger is forgotten before the client is back.
	n.PauseCloses()
	done := make(chan error, 1)
	go func() {
		_, err := c.SubmitAndWait(ctx, from, evernode.Payment{Common: evernode.Common{Account: from.Address()},
			Destination: to.Address(), Amount: evernode.Drops(1_000_000)})
		done <- err
	}()
	// Wait until the node holds the payment in its open ledger.
	probe, err := evernode.Dial(ctx, n.Network(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	for {
		cur, err1 := probe.AccountInfo(ctx, from.Address(), evernode.Current)
		val, err2 := probe.AccountInfo(ctx, from.Address(), evernode.Validated)
		if err1 == nil && err2 == nil && cur.AccountData.Sequence > val.AccountData.Sequence {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	n.DropConnections()
	for range 8 {
		n.Commit()
	}
	n.ResumeCloses()

	var err2 error
	select {
	case err2 = <-done:
	case <-ctx.Done():
		t.Fatal("SubmitAndWait never returned")
	}
	after, err := probe.AccountInfo(ctx, to.Address(), evernode.Validated)
	if err != nil {
		t.Fatal(err)
	}
	got := mustDrops(t, after.AccountData.Balance) - mustDrops(t, before.AccountData.Balance)
	if got != 1_000_000 {
		t.Fatalf("the destination received %d drops (SubmitAndWait: %v); want 1000000: paid twice", got, err2)
	}
	var un *evernode.UnresolvedError
	if err2 != nil && !errors.As(err2, &un) {
		t.Fatalf("SubmitAndWait: %v", err2)
	}
}

func mustDrops(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		t.Fatalf("balance %q: %v", s, err)
	}
	return int64(n)
}
