package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/evernode-go/sdk/contract"
	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/examples/internal/devnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// options tune the demo; the zero value is what `go run` does.
type options struct {
	// Hosts is the number of hosts; 0 means 3.
	Hosts int
	// Net overrides the localnet preset (tests); nil means localnet.Fast().
	Net *localnet.Config
	// RealHooks is a directory holding the real Evernode hooks'
	// WebAssembly (governor.wasm, registry.wasm, heartbeat.wasm, …); ""
	// means evhooks' Go emulation.
	RealHooks string
	// Docker runs the instances as containers through the Docker engine on
	// this socket path; "" means in-process instances (instance/memory).
	Docker string
	// Progress prints a progress line while waiting (a terminal).
	Progress bool
	// Serve keeps the network and hosts up after the demo, until ctx
	// ends, and writes the tenant's seed to SeedFile.
	Serve bool
	// SeedFile is where Serve writes the funded tenant's seed; "" means a
	// new file in the temporary directory.
	SeedFile string
	// served, when set, is called once the network serves (tests).
	served func(info serveInfo)
}

// demo holds what the steps share.
type demo struct {
	out      io.Writer
	progress bool
	net      *devnet.Devnet
	tenantW  *evernode.Wallet
	tenant   *lease.Tenant
	owner    ed25519.PrivateKey
	leases   []*lease.AcquireResult
}

func (d *demo) say(step, format string, args ...any) {
	fmt.Fprintf(d.out, "  %-10s %s\n", step, fmt.Sprintf(format, args...))
}

// timed runs fn as one step of the demo: a progress line while it waits
// (on a terminal), its duration after.
func (d *demo) timed(ctx context.Context, step string, fn func(ctx context.Context) error) error {
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if d.progress {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					fmt.Fprintf(d.out, "\r\033[K")
					return
				case <-t.C:
					fmt.Fprintf(d.out, "\r\033[K  %-10s waiting… %.1f s", step, time.Since(start).Seconds())
				}
			}
		}()
	}
	err := fn(ctx)
	close(stop)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	d.say("", "(%s: %s)", step, time.Since(start).Round(time.Millisecond))
	return nil
}

// run is the whole demo; main only wires flags, signals and the exit code.
func run(ctx context.Context, out io.Writer, o options) error {
	start := time.Now()
	d := &demo{out: out, progress: o.Progress}
	hosts := o.Hosts
	if hosts <= 0 {
		hosts = devnet.DefaultHosts
	}
	fmt.Fprintf(out, "Evernode on localnet: %d hosts, one tenant, one contract cluster\n", hosts)

	err := d.timed(ctx, "network", func(ctx context.Context) error {
		cfg := &devnet.Config{Hosts: hosts, Net: o.Net}
		if o.RealHooks != "" {
			code, err := evhooks.LoadWasm(o.RealHooks)
			if err != nil {
				return err
			}
			cfg.RealHooks = code
		}
		if o.Docker != "" {
			prov, err := dockerProvisioners(ctx, o.Docker)
			if err != nil {
				return err
			}
			cfg.Provisioner = prov
		}
		var err error
		d.net, err = devnet.Start(ctx, cfg)
		if err != nil {
			return err
		}
		n := d.net
		hooks := "evhooks' Go emulation of the Evernode hooks"
		if o.RealHooks != "" {
			hooks = "the real Evernode hooks (WebAssembly from " + o.RealHooks + ")"
		}
		d.say("network", "%s (Xahau, network id %d) with %s, governor %s, EVR issued by %s",
			n.Net.URL(), n.Hooks.Network().NetworkID, hooks, n.Hooks.GovernorAddress(), n.Config.EVRIssuerAddress)
		if o.Docker != "" {
			d.say("instances", "Docker containers of %s through %s", demoImage, o.Docker)
		}
		for _, h := range n.Hosts {
			d.say("host", "%s registered; its hostd sent a heartbeat and offers %d leases", h.Wallet.Address(), devnet.DefaultInstances)
		}
		return nil
	})
	if d.net != nil {
		defer d.net.Close()
	}
	if err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"tenant", d.newTenant},
		{"hosts", d.listHosts},
		{"acquire", d.acquire},
		{"deploy", d.deploy},
		{"inputs", d.inputs},
		{"extend", d.extend},
		{"terminate", d.terminate},
	}
	for _, s := range steps {
		if err := d.timed(ctx, s.name, s.fn); err != nil {
			return err
		}
		if err := d.net.Err(); err != nil {
			return fmt.Errorf("host: %w", err)
		}
	}
	fmt.Fprintf(out, "done in %s: every step succeeded\n", time.Since(start).Round(100*time.Millisecond))
	if o.Serve {
		return d.serve(ctx, o)
	}
	return nil
}

// serveInfo is what a client needs to use a served network.
type serveInfo struct {
	URL       string   `json:"url"`
	NetworkID uint32   `json:"network_id"`
	Governor  string   `json:"governor"`
	EVRIssuer string   `json:"evr_issuer"`
	Tenant    string   `json:"tenant"`
	SeedFile  string   `json:"tenant_seed_file"`
	Hosts     []string `json:"hosts"`
}

// serve writes the tenant's seed to a file, prints how to connect and
// keeps everything up until ctx ends (Ctrl-C).
func (d *demo) serve(ctx context.Context, o options) error {
	path := o.SeedFile
	var err error
	if path == "" {
		f, err := os.CreateTemp("", "evernode-localnet-tenant-*.seed")
		if err != nil {
			return err
		}
		path = f.Name()
		f.Close()
	}
	if err = os.WriteFile(path, []byte(d.tenantW.Seed()+"\n"), 0o600); err != nil {
		return err
	}
	info := serveInfo{URL: d.net.Net.URL(), NetworkID: d.net.Hooks.Network().NetworkID, Governor: d.net.Hooks.GovernorAddress(),
		EVRIssuer: d.net.Config.EVRIssuerAddress, Tenant: d.tenantW.Address(), SeedFile: path}
	for _, h := range d.net.Hosts {
		info.Hosts = append(info.Hosts, h.Wallet.Address())
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "serving until interrupted (Ctrl-C); the tenant (%s, 100 EVR less what the demo spent) has its seed in %s\n%s\n",
		info.Tenant, path, b)
	fmt.Fprintf(d.out, "try: go run ./examples/tenant -url %s -governor %s -key %s hosts\n", info.URL, info.Governor, path)
	if o.served != nil {
		o.served(info)
	}
	<-ctx.Done()
	if err := d.net.Err(); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	return nil
}

// newTenant funds the tenant and makes its HotPocket owner key.
func (d *demo) newTenant(ctx context.Context) error {
	var err error
	if d.tenantW, err = d.net.NewAccount(ctx, "100"); err != nil {
		return err
	}
	if d.tenant, err = lease.NewTenant(d.net.Client, d.tenantW, &lease.TenantConfig{Hook: d.net.Config, Timeout: 30 * time.Second}); err != nil {
		return err
	}
	// The owner key is the tenant's HotPocket user key: only it may upload.
	if _, d.owner, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return err
	}
	d.say("tenant", "%s funded with 1000 XAH and 100 EVR", d.tenantW.Address())
	return nil
}

// listHosts reads the registry as any tenant would: the active hosts with
// a free lease.
func (d *demo) listHosts(ctx context.Context) error {
	hosts, err := hook.Hosts(ctx, d.net.Client, d.net.Config, &hook.HostsOptions{
		Filter: &hook.HostFilter{ActiveOnly: true, MinFreeInstances: 1}})
	if err != nil {
		return err
	}
	if len(hosts) != len(d.net.Hosts) {
		return fmt.Errorf("%d active hosts with free instances, want %d", len(hosts), len(d.net.Hosts))
	}
	for _, h := range hosts {
		d.say("hosts", "%s %s %s EVR/moment, %d of %d instances free", h.Address, h.CountryCode,
			h.LeaseAmount, h.FreeInstances(), h.MaxInstances)
	}
	return nil
}

// acquire buys a lease on every host at once; each host answers with its
// instance.
func (d *demo) acquire(ctx context.Context) error {
	// Acquire-time config overrides reach hp.cfg, as with sashimono: quick
	// rounds keep the demo short.
	id, err := memo.NewContractID(rand.Reader)
	if err != nil {
		return err
	}
	req := memo.Requirement{OwnerPubkey: "ed" + hex.EncodeToString(d.owner.Public().(ed25519.PublicKey)),
		ContractID: id, Image: "evernode/sashimono:hp.latest-ubt.20.04", Config: []byte(localnet.FastHotPocketConfig)}
	d.leases = make([]*lease.AcquireResult, len(d.net.Hosts))
	errs := make([]error, len(d.net.Hosts))
	var wg sync.WaitGroup
	for i, h := range d.net.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.leases[i], errs[i] = d.tenant.Acquire(ctx, h.Wallet.Address(), req, &lease.AcquireOptions{Cheapest: true})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, res := range d.leases {
		in := res.Instance
		d.say("acquire", "lease %s… for %s EVR: tx %s…, answer %s… %d ledger(s) later; instance %s:%s node %s…",
			in.Name[:12], res.Token.URI.Price, res.Tx.Hash[:12], res.Answer.Hash[:12],
			res.Answer.LedgerIndex-res.Tx.LedgerIndex, in.Host(), in.UserPort, in.Pubkey[:12])
	}
	return nil
}

func (d *demo) instances() []memo.Instance {
	ins := make([]memo.Instance, len(d.leases))
	for i, l := range d.leases {
		ins[i] = l.Instance
	}
	return ins
}

// deploy uploads the echo contract to every instance as one cluster: one
// UNL made of every node's key.
func (d *demo) deploy(ctx context.Context) error {
	bin, err := buildEchoContract(ctx)
	if err != nil {
		return err
	}
	b := &contract.Bundle{
		Files:  []contract.File{{Name: "echocontract", Data: bin}},
		Config: contract.Config{BinPath: "echocontract"},
	}
	res, err := contract.Deploy(ctx, d.instances(), d.owner, b,
		&contract.DeployOptions{Upload: contract.UploadOptions{MaxLedgerOffset: localnet.FastMaxLedgerOffset}})
	if err != nil {
		return err
	}
	unl, _ := contract.ClusterConfig(d.instances())
	for _, r := range res {
		d.say("deploy", "%d-byte bundle accepted by node %s… in its ledger %d, confirmed=%v, UNL of %d",
			r.Result.ZipBytes, r.Instance.Pubkey[:12], r.Result.LedgerSeqNo, r.Result.Confirmed, len(unl))
	}
	return nil
}

// inputs sends signed inputs to the cluster and waits for every node's
// verified echo, then reads the contract's state from each node.
func (d *demo) inputs(ctx context.Context) error {
	eps := make([]contract.Endpoint, len(d.leases))
	for i, in := range d.instances() {
		eps[i] = contract.EndpointOf(in)
	}
	// Each node on localnet runs alone (no consensus between nodes), so an
	// output carries its own node's signature only: one signature of the
	// UNL is the threshold here, where a real cluster would ask for 80%.
	threshold := 1 / float64(len(eps))
	// Any user may send inputs; this one is not the owner, whose upload
	// sessions the nodes may still be closing.
	_, user, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	cl, err := contract.DialCluster(ctx, eps, user, &contract.ClusterOptions{Dial: contract.DialOptions{Threshold: threshold}})
	if err != nil {
		return err
	}
	defer cl.Close()
	msgs := [][]byte{[]byte("hello from the tenant"), []byte("and once more")}
	for _, msg := range msgs {
		rc, err := cl.SubmitInput(ctx, msg, &contract.InputOptions{MaxLedgerOffset: localnet.FastMaxLedgerOffset})
		if err != nil {
			return err
		}
		if len(rc.Failed) > 0 {
			return fmt.Errorf("input %q refused by %d node(s): %v", msg, len(rc.Failed), rc.Failed)
		}
		d.say("inputs", "input %q (hash %x…) accepted by %d node(s)", msg, rc.Hash[:6], len(rc.Accepted))
	}
	// The cluster delivers each (ledger, output) once, whichever node sent
	// it first; the read requests below show that every node ran every
	// input.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for len(seen) < len(msgs) {
		out, err := cl.NextOutput(wctx)
		if err != nil {
			return fmt.Errorf("waiting for the echoes: %w", err)
		}
		if !out.Verified {
			return fmt.Errorf("unverified output from node %s", out.Node)
		}
		for _, o := range out.Outputs {
			if !slices.ContainsFunc(msgs, func(m []byte) bool { return bytes.Equal(m, o) }) {
				return fmt.Errorf("node %s sent %q, not an echo", out.Node, o)
			}
			seen[string(o)] = true
			d.say("output", "%q from node %s… in its ledger %d, verified (hash tree and %.0f%% of the UNL's signatures)",
				o, out.Node[:12], out.LedgerSeqNo, threshold*100)
		}
	}
	for _, c := range cl.Clients() {
		count, err := c.Read(ctx, []byte("count"))
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if string(count) != fmt.Sprint(len(msgs)) {
			return fmt.Errorf("node %s counted %s inputs, want %d", c.NodeKey(), count, len(msgs))
		}
		d.say("read", "node %s…: the contract has seen %s input(s)", c.NodeKey()[:12], count)
	}
	return nil
}

// extend buys one more moment of every lease.
func (d *demo) extend(ctx context.Context) error {
	for _, l := range d.leases {
		ext, err := d.tenant.Extend(ctx, l.Instance.Name, 1, nil)
		if err != nil {
			return err
		}
		d.say("extend", "lease %s… +1 moment for %s EVR: tx %s…, answer %s…, now expires at moment %d",
			l.Instance.Name[:12], ext.Amount.Value, ext.Tx.Hash[:12], ext.Answer.Hash[:12], ext.ExpiryMoment)
	}
	return nil
}

// terminate ends every lease; each host's daemon destroys the instance,
// burns the token and offers a fresh one for the same slot.
func (d *demo) terminate(ctx context.Context) error {
	for _, l := range d.leases {
		res, err := d.tenant.Terminate(ctx, l.Instance.Name)
		if err != nil {
			return err
		}
		d.say("terminate", "lease %s…: tx %s…", l.Instance.Name[:12], res.Hash[:12])
	}
	for _, h := range d.net.Hosts {
		for {
			infos, err := h.Provisioner.List(ctx)
			if err != nil {
				return err
			}
			offers, err := lease.Offers(ctx, d.net.Client, h.Wallet.Address(), lease.URIToken)
			if err != nil {
				return err
			}
			if len(infos) == 0 && len(offers) == devnet.DefaultInstances {
				d.say("terminate", "host %s: instance destroyed, all %d leases on offer again", h.Wallet.Address(), len(offers))
				break
			}
			if err := d.net.Client.WaitLedger(ctx, d.net.Client.ValidatedLedger()+1); err != nil {
				return err
			}
		}
	}
	return nil
}
