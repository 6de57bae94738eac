package localnet_test

import (
	"context"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// A network for a test: start it with the Fast preset, fund two accounts,
// and use the SDK's client against it as against Xahau.
func Example() {
	ctx := context.Background()
	net, err := localnet.Start(ctx, localnet.Fast())
	if err != nil {
		panic(err)
	}
	defer net.Close()
	alice, err := net.NewFundedWallet(ctx, 100_000_000) // 100 XAH
	if err != nil {
		panic(err)
	}
	bob, err := net.NewFundedWallet(ctx, 10_000_000)
	if err != nil {
		panic(err)
	}

	c, err := evernode.Dial(ctx, net.Network(), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	res, err := c.SubmitAndWait(ctx, alice, evernode.Payment{
		Common: evernode.Common{Account: alice.Address()}, Destination: bob.Address(), Amount: evernode.Drops(1_000_000)})
	if err != nil {
		panic(err)
	}
	info, err := c.AccountInfo(ctx, bob.Address(), evernode.Validated)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Result(), res.Validated)
	fmt.Println("bob has", info.AccountData.Balance, "drops")
	// Output:
	// tesSUCCESS true
	// bob has 11000000 drops
}

// Ledgers close only on Commit with NoAutoClose: a test decides when
// transactions validate.
func ExampleNet_Commit() {
	ctx := context.Background()
	net, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
	if err != nil {
		panic(err)
	}
	defer net.Close()
	before := net.ValidatedLedger()
	net.Commit()
	net.Commit()
	fmt.Println(net.ValidatedLedger() - before)
	// Output: 2
}
