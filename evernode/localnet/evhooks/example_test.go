package evhooks_test

import (
	"context"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

// Evernode on a localnet: Setup attaches the hooks and writes the
// governor's configuration; package hook reads it as on Xahau.
func Example() {
	ctx := context.Background()
	net, err := localnet.Start(ctx, localnet.Fast())
	if err != nil {
		panic(err)
	}
	defer net.Close()
	d, err := evhooks.Setup(ctx, net, evhooks.Fast())
	if err != nil {
		panic(err)
	}
	c, err := evernode.Dial(ctx, d.Network(), nil) // GovernorAddress is set
	if err != nil {
		panic(err)
	}
	defer c.Close()
	cfg, err := hook.LoadConfig(ctx, c, d.GovernorAddress())
	if err != nil {
		panic(err)
	}
	fmt.Println("moment size:", cfg.MomentSize, "s; registration fee:", cfg.HostRegFee, "EVR; acquire window:", cfg.LeaseAcquireWindow, "s")
	fmt.Println("EVR issuer matches:", cfg.EVRIssuerAddress == d.EVRIssuer.Address())

	// Accounts get EVR from the deployment's issuer.
	w, err := net.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		panic(err)
	}
	if err := d.FundEVR(ctx, w, "250"); err != nil {
		panic(err)
	}
	net.Commit() // validate now rather than at the next timed close
	lines, err := c.AccountLines(ctx, w.Address(), cfg.EVRIssuerAddress)
	if err != nil {
		panic(err)
	}
	fmt.Println(lines[0].Balance, lines[0].Currency)
	// Output:
	// moment size: 60 s; registration fee: 500 EVR; acquire window: 160 s
	// EVR issuer matches: true
	// 250 EVR
}
