// Package devnet starts an Evernode network on this machine for the
// examples and their tests: a localnet with the Evernode hooks, hosts that
// register and run the hostd daemon (heartbeats, lease offers, acquires,
// extensions, terminations, expiries) over a provisioner, and funded tenant
// accounts. Start it, take what you need from the fields, Close it.
package devnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/hostd"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/memory"
	"github.com/evernode-go/sdk/lease"
)

// Defaults of Config.
const (
	DefaultHosts     = 3
	DefaultInstances = 3
	DefaultPrice     = "1.5"
)

// Config configures a devnet; the zero value (or nil) is three hosts with
// three lease slots each at 1.5 EVR per moment, on the localnet.Fast and
// evhooks.Fast presets, with in-process instances on free ports.
type Config struct {
	// Hosts is the number of hosts; 0 means DefaultHosts.
	Hosts int
	// Instances is the number of lease slots per host; 0 means
	// DefaultInstances.
	Instances int
	// Price is each lease's price in EVR per moment; "" means DefaultPrice.
	Price string
	// Net configures the localnet; nil means localnet.Fast().
	Net *localnet.Config
	// Hooks configures the Evernode hooks; nil means evhooks.Fast().
	Hooks *evhooks.Config
	// RealHooks, when set, runs the real Evernode hooks (WebAssembly, see
	// evhooks.LoadWasm) instead of evhooks' Go emulation.
	RealHooks *evhooks.Wasm
	// Provisioner returns host i's provisioner, which the devnet closes if
	// it implements io.Closer; nil means instance/memory on free ports.
	Provisioner func(ctx context.Context, i int) (instance.Provisioner, error)
}

// Devnet is a running network with its hosts. Close stops it.
type Devnet struct {
	Net    *localnet.Net
	Hooks  *evhooks.Deployment
	Client *evernode.Client
	Config *hook.Config
	Hosts  []*Host

	cfg    Config
	dir    string // the daemons' data
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// Host is one host: its account, its daemon and its provisioner.
type Host struct {
	Wallet      *evernode.Wallet
	Daemon      *hostd.Daemon
	Provisioner instance.Provisioner
}

// Start starts the network, registers the hosts and runs a hostd daemon
// for each; it returns once every host is active with all its leases on
// offer. ctx bounds the start only.
func Start(ctx context.Context, cfg *Config) (_ *Devnet, err error) {
	d := &Devnet{}
	if cfg != nil {
		d.cfg = *cfg
	}
	if d.cfg.Hosts <= 0 {
		d.cfg.Hosts = DefaultHosts
	}
	if d.cfg.Instances <= 0 {
		d.cfg.Instances = DefaultInstances
	}
	if d.cfg.Price == "" {
		d.cfg.Price = DefaultPrice
	}
	if d.cfg.Net == nil {
		d.cfg.Net = localnet.Fast()
	}
	if d.cfg.Hooks == nil {
		d.cfg.Hooks = evhooks.Fast()
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel = cancel
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.dir, err = os.MkdirTemp("", "evernode-devnet-"); err != nil {
		return nil, err
	}
	if d.Net, err = localnet.Start(ctx, d.cfg.Net); err != nil {
		return nil, err
	}
	if d.cfg.RealHooks != nil {
		d.Hooks, err = evhooks.SetupWasm(ctx, d.Net, d.cfg.Hooks, d.cfg.RealHooks)
	} else {
		d.Hooks, err = evhooks.Setup(ctx, d.Net, d.cfg.Hooks)
	}
	if err != nil {
		return nil, err
	}
	if d.Client, err = evernode.Dial(ctx, d.Hooks.Network(), nil); err != nil {
		return nil, err
	}
	if d.Config, err = hook.LoadConfig(ctx, d.Client, d.Hooks.GovernorAddress()); err != nil {
		return nil, err
	}
	hosts := make([]*Host, d.cfg.Hosts)
	errs := make([]error, d.cfg.Hosts)
	var wg sync.WaitGroup
	for i := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts[i], errs[i] = d.startHost(ctx, i)
		}()
	}
	wg.Wait()
	for _, h := range hosts {
		if h != nil {
			d.Hosts = append(d.Hosts, h)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, h := range d.Hosts {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			if err := h.Daemon.Run(runCtx); err != nil {
				d.failed(runCtx, fmt.Errorf("host %s: %w", h.Wallet.Address(), err))
			}
		}()
	}
	for _, h := range d.Hosts {
		if err := d.waitReady(ctx, h); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Err returns the first error a host met while serving leases, or nil.
func (d *Devnet) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Close stops the hosts, destroys the instances left (a Docker engine
// would keep them), stops the provisioners and the network.
func (d *Devnet) Close() error {
	d.cancel()
	d.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, h := range d.Hosts {
		if h.Daemon != nil {
			h.Daemon.Close()
		}
		if infos, err := h.Provisioner.List(ctx); err == nil {
			for _, in := range infos {
				h.Provisioner.Destroy(ctx, in.Details.Name)
			}
		}
		if c, ok := h.Provisioner.(interface{ Close() error }); ok {
			c.Close()
		}
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
	if d.Client != nil {
		d.Client.Close()
	}
	if d.Net != nil {
		d.Net.Close()
	}
	return nil
}

// NewAccount returns a new account funded with 1,000 XAH and evr EVR whose
// MessageKey is set, as hook.PrepareAccount sets it for hosts and tenants.
func (d *Devnet) NewAccount(ctx context.Context, evr string) (*evernode.Wallet, error) {
	w, err := d.Net.NewFundedWallet(ctx, 1_000_000_000)
	if err != nil {
		return nil, err
	}
	if err := d.Hooks.FundEVR(ctx, w, evr); err != nil {
		return nil, err
	}
	_, err = d.Client.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
	return w, err
}

func (d *Devnet) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // stopped
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
	}
}

// startHost funds and registers host i and makes its daemon.
func (d *Devnet) startHost(ctx context.Context, i int) (*Host, error) {
	fail := func(err error) (*Host, error) { return nil, fmt.Errorf("host %d: %w", i+1, err) }
	h := &Host{}
	var err error
	if d.cfg.Provisioner != nil {
		h.Provisioner, err = d.cfg.Provisioner(ctx, i)
	} else {
		h.Provisioner, err = memoryProvisioner(ctx, d.cfg.Instances)
	}
	if err != nil {
		return fail(err)
	}
	hfail := func(err error) (*Host, error) { return h, fmt.Errorf("host %d: %w", i+1, err) }
	if h.Wallet, err = d.NewAccount(ctx, "1000"); err != nil {
		return hfail(err)
	}
	if _, err := hook.PrepareHostAccount(ctx, d.Client, h.Wallet, d.Config, "127.0.0.1", nil); err != nil {
		return hfail(err)
	}
	reg := hook.Registration{CountryCode: []string{"SG", "DE", "US", "JP", "FR"}[i%5], CPUMicrosec: 800000, RAMMB: 4096,
		DiskMB: 40000, TotalInstances: uint32(d.cfg.Instances), CPUModel: "localnet CPU", CPUCount: 2, CPUMHz: 2400,
		Description: fmt.Sprintf("localnet host %d", i+1), Email: "host@example.org", LeaseAmount: d.cfg.Price}
	if _, err := hook.RegisterHost(ctx, d.Client, h.Wallet, d.Config, reg, nil); err != nil {
		return hfail(err)
	}
	h.Daemon, err = hostd.New(d.Client, h.Wallet, h.Provisioner, &hostd.Config{
		DataDir: filepath.Join(d.dir, h.Wallet.Address()), Hook: d.Config, LeasePrice: d.cfg.Price, Instances: d.cfg.Instances,
		// Ledgers close every 50 ms here: look at the leases as often.
		Tick: 100 * time.Millisecond})
	if err != nil {
		return hfail(err)
	}
	return h, nil
}

// waitReady waits, a ledger at a time, until h is active with all its
// leases on offer.
func (d *Devnet) waitReady(ctx context.Context, h *Host) error {
	for {
		if err := d.Err(); err != nil {
			return err
		}
		offers, err := lease.Offers(ctx, d.Client, h.Wallet.Address(), lease.URIToken)
		if err != nil {
			return err
		}
		if len(offers) == d.cfg.Instances {
			info, err := hook.Host(ctx, d.Client, d.Config, h.Wallet.Address())
			if err != nil {
				return err
			}
			if info.Active {
				return nil
			}
		}
		if err := d.Client.WaitLedger(ctx, d.Client.ValidatedLedger()+1); err != nil {
			return fmt.Errorf("host %s not ready: %w", h.Wallet.Address(), err)
		}
	}
}

func memoryProvisioner(ctx context.Context, n int) (instance.Provisioner, error) {
	user, peer, err := instance.FreePortBases("", n)
	if err != nil {
		return nil, err
	}
	return memory.New(ctx, memory.Config{MaxInstances: n, UserPortBase: user, PeerPortBase: peer})
}
