package hook_test

import (
	"context"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

// A host joins Evernode and a tenant finds it: LoadConfig first, then the
// host flows (PrepareHostAccount, RegisterHost, SendHeartbeat) and the
// registry read with a tenant's filter. On localnet the Evernode hooks are
// evhooks' emulation.
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
	c, err := evernode.Dial(ctx, d.Network(), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// Everything else (registry, heartbeat, EVR issuer, fees, moments)
	// comes from the governor.
	cfg, err := hook.LoadConfig(ctx, c, d.GovernorAddress())
	if err != nil {
		panic(err)
	}

	host, err := net.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		panic(err)
	}
	if err := d.FundEVR(ctx, host, "1000"); err != nil {
		panic(err)
	}
	net.Commit()
	// MessageKey, Domain and the EVR trust line, then the registration:
	// pay the fee and accept the registration token the registry offers.
	if _, err := hook.PrepareHostAccount(ctx, c, host, cfg, "host.example.org", nil); err != nil {
		panic(err)
	}
	reg := hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000, TotalInstances: 3,
		CPUModel: "example CPU", CPUCount: 2, CPUMHz: 2400, Description: "example host", Email: "host@example.org", LeaseAmount: "1.5"}
	if _, err := hook.RegisterHost(ctx, c, host, cfg, reg, nil); err != nil {
		panic(err)
	}
	if _, err := hook.SendHeartbeat(ctx, c, host, cfg, nil, nil); err != nil {
		panic(err)
	}

	// A tenant's view: active hosts in Singapore with a free instance.
	hosts, err := hook.Hosts(ctx, c, cfg, &hook.HostsOptions{
		Filter: &hook.HostFilter{ActiveOnly: true, Country: "SG", MinFreeInstances: 1}})
	if err != nil {
		panic(err)
	}
	for _, hi := range hosts {
		fmt.Println(hi.Address == host.Address(), hi.Description, hi.LeaseAmount, "EVR per moment,", hi.FreeInstances(), "free")
	}
	// Output:
	// true example host 1.5 EVR per moment, 3 free
}
