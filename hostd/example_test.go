package hostd_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/hostd"
	"github.com/evernode-go/sdk/instance/memory"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// anyHost lets the example's tenant lease from a host the registry does
// not know (the example runs without the Evernode hooks).
type anyHost struct{}

func (anyHost) CheckHost(context.Context, hook.AccountID) error { return nil }

// A host daemon on a local network serves a tenant's acquire with an
// in-process HotPocket instance.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	net, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond})
	check(err)
	defer net.Close()
	c, err := evernode.Dial(ctx, net.Network(), nil)
	check(err)
	defer c.Close()
	issuer, err := net.SetupIssuer(ctx, "EVR")
	check(err)
	cfg := &hook.Config{EVRIssuerAddress: issuer.Address(), MomentSize: 3600,
		MomentBaseInfo: hook.MomentBaseInfo{MomentType: hook.MomentTimestamp}}

	// The host: an EVR trust line and a MessageKey; the daemon does the rest.
	host, err := net.NewFundedWallet(ctx, 100_000_000)
	check(err)
	check(net.TrustAndFund(ctx, host, issuer, "EVR", "1"))
	_, err = net.Submit(ctx, host, host.Address(), evernode.AccountSet{MessageKey: host.PublicKey()})
	check(err)
	prov, err := memory.New(ctx, memory.Config{UserPortBase: 29101, PeerPortBase: 29201})
	check(err)
	defer prov.Close()
	dir, err := os.MkdirTemp("", "hostd-example-")
	check(err)
	defer os.RemoveAll(dir)
	d, err := hostd.New(c, host, prov, &hostd.Config{DataDir: dir, Hook: cfg, LeasePrice: "2", Instances: 1, AllowUnregistered: true})
	check(err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		d.Close()
		if err := <-done; err != nil {
			fmt.Println("daemon:", err)
		}
	}()

	// A tenant with 10 EVR leases the host's slot.
	tw, err := net.NewFundedWallet(ctx, 100_000_000)
	check(err)
	check(net.TrustAndFund(ctx, tw, issuer, "EVR", "10"))
	tenant, err := lease.NewTenant(c, tw, &lease.TenantConfig{Hook: cfg, Hosts: anyHost{}})
	check(err)
	// Its MessageKey, validated before it pays: the host answers to it.
	check(c.WaitLedger(ctx, net.Commit()))
	_, err = tenant.PrepareAccount(ctx)
	check(err)
	for {
		if offers, err := tenant.Offers(ctx, host.Address()); err == nil && len(offers) == 1 {
			break
		}
		check(c.WaitLedger(ctx, c.ValidatedLedger()+1))
	}
	res, err := tenant.Acquire(ctx, host.Address(), memo.Requirement{
		OwnerPubkey: "ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",
		ContractID:  "dc411912-bcdd-4f73-af43-32ec45844b9a", Image: "evernode/sashimono"}, nil)
	check(err)
	fmt.Println("instance named after the lease:", res.Instance.Name == res.Token.ID)
	// The tenant's answer is the instance the host runs. Its user port is
	// the lowest one from UserPortBase that no other process holds (29101
	// on an idle machine), so the example compares it instead of printing it.
	info, err := prov.Inspect(ctx, res.Instance.Name)
	check(err)
	fmt.Println("instance:", info.Status)
	fmt.Println("user port as the host runs it:", res.Instance.UserPort == strconv.Itoa(info.Details.UserPort))
	// Output:
	// instance named after the lease: true
	// instance: running
	// user port as the host runs it: true
}
