package lease_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// A lease token's URI carries the slot and the per-moment price; its id
// follows from the issuing host and the URI. No network needed.
func ExampleURI() {
	u := lease.URI{Layout: lease.LayoutLTV1, Index: 2, Price: "1.5", Identifier: 7}
	field, err := u.Field()
	if err != nil {
		panic(err)
	}
	back, err := lease.ParseURI(field)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Layout, "slot", back.Index, "at", back.Price, "EVR per moment")
	id, err := lease.TokenID("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", field)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(id), "hex digits of token id")
	// Extending by 3 moments costs 3 × the price, paid in EVR to the host.
	amt, err := lease.ExtendAmount(back, "rEvernodee8dJLaFsujS6q1EiXvZYmHXr8", 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(amt.Value, amt.Currency)
	// Output:
	// LTV1 slot 2 at 1.5 EVR per moment
	// 64 hex digits of token id
	// 4.5 EVR
}

// A tenant leases an instance and the host answers, on localnet: NewTenant
// and Acquire on one side, NewHost, MintN, Events and HandleAcquire on the
// other. A real host provisions the instance in HandleAcquire's callback
// (hostd does all of it).
func ExampleTenant_Acquire() {
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
	cfg, err := hook.LoadConfig(ctx, c, d.GovernorAddress())
	if err != nil {
		panic(err)
	}

	// The host: registered and active (see package hook's example), with
	// one lease on offer, answering acquires as they come.
	hostW := registeredHost(ctx, net, d, c, cfg)
	host, err := lease.NewHost(c, hostW, &lease.HostConfig{Hook: cfg})
	if err != nil {
		panic(err)
	}
	if _, err := host.MintN(ctx, 1, "1.5", nil); err != nil {
		panic(err)
	}
	events, err := host.Events(ctx, 0)
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	defer func() { events.Close(); <-done }()
	go func() {
		defer close(done)
		for {
			ev, err := events.Next(ctx)
			if err != nil {
				return
			}
			if ev.Type == memo.EventAcquireLease {
				host.HandleAcquire(ctx, ev, func(ctx context.Context, ev lease.Event, tok lease.Token) (memo.Instance, error) {
					return memo.Instance{Name: tok.ID, Pubkey: "ed" + strings.Repeat("ab", 32), ContractID: ev.Requirement.ContractID,
						UserPort: "26201", PeerPort: "22861", Domain: "host.example.org"}, nil
				}, nil)
			}
		}
	}()

	// The tenant: an account with EVR and a MessageKey, so the host can
	// encrypt its answer.
	tenantW := newAccount(ctx, net, d, c, "10")
	tenant, err := lease.NewTenant(c, tenantW, &lease.TenantConfig{Hook: cfg})
	if err != nil {
		panic(err)
	}
	res, err := tenant.Acquire(ctx, hostW.Address(), memo.Requirement{
		OwnerPubkey: "ed" + strings.Repeat("cd", 32), ContractID: "3c349abe-4d70-4f50-9fa6-018f1f2530ab",
		Image: "evernode/sashimono:hp.latest-ubt.20.04"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("paid", res.Token.URI.Price, "EVR for lease", res.Instance.Name == res.Token.ID)
	fmt.Println("instance at", res.Instance.Host()+":"+res.Instance.UserPort, "for contract", res.Instance.ContractID)
	// Output:
	// paid 1.5 EVR for lease true
	// instance at host.example.org:26201 for contract 3c349abe-4d70-4f50-9fa6-018f1f2530ab
}

// newAccount funds an account with XAH and EVR and sets its MessageKey.
func newAccount(ctx context.Context, net *localnet.Net, d *evhooks.Deployment, c *evernode.Client, evr string) *evernode.Wallet {
	w, err := net.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		panic(err)
	}
	if err := d.FundEVR(ctx, w, evr); err != nil {
		panic(err)
	}
	if _, err := c.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()}); err != nil {
		panic(err)
	}
	return w
}

// registeredHost registers a host and sends its first heartbeat.
func registeredHost(ctx context.Context, net *localnet.Net, d *evhooks.Deployment, c *evernode.Client, cfg *hook.Config) *evernode.Wallet {
	w := newAccount(ctx, net, d, c, "1000")
	if _, err := hook.PrepareHostAccount(ctx, c, w, cfg, "host.example.org", nil); err != nil {
		panic(err)
	}
	reg := hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000, TotalInstances: 1,
		CPUModel: "example CPU", CPUCount: 2, CPUMHz: 2400, Description: "example host", Email: "host@example.org", LeaseAmount: "1.5"}
	if _, err := hook.RegisterHost(ctx, c, w, cfg, reg, nil); err != nil {
		panic(err)
	}
	if _, err := hook.SendHeartbeat(ctx, c, w, cfg, nil, nil); err != nil {
		panic(err)
	}
	return w
}
