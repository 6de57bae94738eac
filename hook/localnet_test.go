package hook_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
)

// TestRegistryReadsOnLocalnet writes governor state through a test hook on
// the in-process ledger and reads it back over the websocket client:
// LoadConfig, Hosts (with domains), Host and IsTransferee.
func TestRegistryReadsOnLocalnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	gov, err := n.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := n.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	hostW, err := n.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := hook.ParseAccountID(registry.Address())
	hostID, _ := hook.ParseAccountID(hostW.Address())

	now := uint64(time.Now().Unix())
	tok := hook.RegistrationTokenID(reg, [32]byte{1, 2, 3})
	lease, _ := hook.ParseXFL("0.25")
	ha := hook.HostAddr{RegistrationTokenID: tok, CountryCode: "SG", Description: "local", MaxInstances: 3,
		ActiveInstances: 1, LastHeartbeatIndex: now, Version: [3]byte{0, 12, 1}, LeaseAmount: lease}
	ht := hook.HostToken{Account: hostID, CPUModel: "cpu", CPUCount: 2, CPUMHz: 2000, CPUMicrosec: 500000,
		RAMMB: 2048, DiskMB: 20000, Email: "h@local"}
	mbi := hook.MomentBaseInfo{BaseIndex: now - now%3600, MomentType: hook.MomentTimestamp}
	entries := map[hook.Key][]byte{
		hook.ConfigKey(hook.ConfRegistryAddr):           reg[:],
		hook.ConfigKey(hook.ConfMomentSize):             {0x10, 0x0E},
		hook.ConfigKey(hook.ConfHostHeartbeatFreq):      {1, 0},
		hook.SingletonKey(hook.SingletonHostRegFee):     {0xF4, 1, 0, 0, 0, 0, 0, 0},
		hook.SingletonKey(hook.SingletonMomentBaseInfo): mbi.Encode(),
		hook.HostAddrKey(hostID):                        ha.Encode(),
		hook.TokenIDKey(tok):                            ht.Encode(),
	}
	ns := hook.Namespace()
	err = n.SetHook(gov.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		if h.Outgoing() {
			return h.Accept("")
		}
		for k, v := range entries {
			if err := h.SetState(ns, k, v); err != nil {
				return err
			}
		}
		return h.Accept("state written")
	}))
	if err != nil {
		t.Fatal(err)
	}
	domain := "host.local"
	if _, err := n.Submit(ctx, hostW, hostW.Address(), evernode.AccountSet{Domain: &domain}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, hostW, hostW.Address(), evernode.Payment{Destination: gov.Address(), Amount: evernode.Drops(1)}); err != nil {
		t.Fatal(err)
	}
	n.Commit()

	net := n.Network()
	net.GovernorAddress = gov.Address()
	c, err := evernode.Dial(ctx, net, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	cfg, err := hook.LoadConfig(ctx, c, gov.Address())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RegistryAddress != registry.Address() || cfg.MomentSize != 3600 || cfg.HostRegFee != 500 {
		t.Fatalf("config %+v", cfg)
	}
	hosts, err := hook.Hosts(ctx, c, cfg, &hook.HostsOptions{Domain: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Address != hostW.Address() || !hosts[0].Active || hosts[0].Domain != domain || hosts[0].CPUModel != "cpu" {
		t.Fatalf("hosts %+v", hosts)
	}
	h, err := hook.Host(ctx, c, cfg, hostW.Address())
	if err != nil || h.Description != "local" || h.LeaseAmount.String() != "0.25" || h.Domain != domain {
		t.Fatalf("Host: %+v, %v", h, err)
	}
	if _, err := hook.Host(ctx, c, cfg, registry.Address()); !errors.Is(err, hook.ErrNotRegistered) {
		t.Errorf("unregistered host: %v", err)
	}
	for _, bad := range []string{"r€", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdV€"} {
		if _, err := hook.Host(ctx, c, cfg, bad); err == nil {
			t.Errorf("Host(%q) succeeded", bad)
		}
		if _, err := hook.IsRegistered(ctx, c, cfg, bad); err == nil {
			t.Errorf("IsRegistered(%q) succeeded", bad)
		}
	}
	if ok, err := hook.IsTransferee(ctx, c, cfg, hostW.Address()); ok || err != nil {
		t.Errorf("IsTransferee = %v, %v", ok, err)
	}
	// The host owns no registration token: not registered by §5.2.
	if ok, err := hook.IsRegistered(ctx, c, cfg, hostW.Address()); ok || err != nil {
		t.Errorf("IsRegistered = %v, %v", ok, err)
	}
}
