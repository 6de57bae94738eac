package localnet_test

import (
	"context"
	"sync"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// TestConcurrentSubmitSameAccount: Net.Submit fills in the Sequence, so
// helpers that submit from one account at once (evhooks' FundEVR from the
// EVR issuer, say) must each get their own; none may fail tefPAST_SEQ.
func TestConcurrentSubmitSameAccount(t *testing.T) {
	ctx := context.Background()
	net, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	from, err := net.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	to, err := net.NewFundedWallet(ctx, 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = net.Submit(ctx, from, from.Address(), evernode.Payment{Destination: to.Address(), Amount: evernode.Drops(1)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("submit %d: %v", i, err)
		}
	}
}
