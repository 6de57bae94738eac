// Package devnet starts an Evernode network on this machine for the
// examples and their tests: a localnet with the Evernode hooks, hosts that
// register, heartbeat, offer leases and serve them with a provisioner, and
// funded tenant accounts.
//
// The hosts are scripted with lease.Host and answer acquires, extends and
// terminations as they arrive; they keep their state in memory, so they are
// not crash-safe (the hostd daemon is). Start it, take what you need from
// the fields, Close it.
package devnet

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/memory"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
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
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// Host is one scripted host.
type Host struct {
	Wallet      *evernode.Wallet
	Lease       *lease.Host
	Provisioner instance.Provisioner

	d      *Devnet
	mu     sync.Mutex
	expiry map[string]time.Time // lease token id → expiry
}

// Start starts the network, registers the hosts, makes each send a
// heartbeat and offer its leases, and starts serving them. ctx bounds the
// start only.
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
	if d.Net, err = localnet.Start(ctx, d.cfg.Net); err != nil {
		return nil, err
	}
	if d.Hooks, err = evhooks.Setup(ctx, d.Net, d.cfg.Hooks); err != nil {
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
			h.serve(runCtx)
		}()
	}
	return d, nil
}

// Err returns the first error a host met while serving leases, or nil.
func (d *Devnet) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Close stops the hosts, their provisioners and the network.
func (d *Devnet) Close() error {
	d.cancel()
	d.wg.Wait()
	for _, h := range d.Hosts {
		if c, ok := h.Provisioner.(interface{ Close() error }); ok {
			c.Close()
		}
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

// startHost funds, registers and heartbeats host i and offers its leases.
func (d *Devnet) startHost(ctx context.Context, i int) (*Host, error) {
	fail := func(err error) (*Host, error) { return nil, fmt.Errorf("host %d: %w", i+1, err) }
	h := &Host{d: d, expiry: map[string]time.Time{}}
	var err error
	if d.cfg.Provisioner != nil {
		h.Provisioner, err = d.cfg.Provisioner(ctx, i)
	} else {
		h.Provisioner, err = memoryProvisioner(ctx, d.cfg.Instances)
	}
	if err != nil {
		return fail(err)
	}
	if h.Wallet, err = d.NewAccount(ctx, "1000"); err != nil {
		return h, fmt.Errorf("host %d: %w", i+1, err)
	}
	c, w := d.Client, h.Wallet
	domain := "127.0.0.1"
	if _, err := c.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, Domain: &domain}); err != nil {
		return h, fmt.Errorf("host %d: domain: %w", i+1, err)
	}
	reg := hook.Registration{CountryCode: []string{"SG", "DE", "US", "JP", "FR"}[i%5], CPUMicrosec: 800000, RAMMB: 4096,
		DiskMB: 40000, TotalInstances: uint32(d.cfg.Instances), CPUModel: "localnet CPU", CPUCount: 2, CPUMHz: 2400,
		Description: fmt.Sprintf("localnet host %d", i+1), Email: "host@example.org", LeaseAmount: d.cfg.Price}
	tx, err := hook.Register(d.Config, w.Address(), reg, nil)
	if err != nil {
		return h, fmt.Errorf("host %d: %w", i+1, err)
	}
	res, err := c.SubmitAndWait(ctx, w, tx)
	if err != nil {
		return h, fmt.Errorf("host %d: register: %w", i+1, err)
	}
	registry, err := hook.ParseAccountID(d.Config.RegistryAddress)
	if err != nil {
		return h, err
	}
	regHash, err := hex.DecodeString(res.Hash)
	if err != nil || len(regHash) != 32 {
		return h, fmt.Errorf("host %d: registration hash %q", i+1, res.Hash)
	}
	tokenID := hook.RegistrationTokenID(registry, [32]byte(regHash))
	buy := evernode.URITokenBuy{Common: evernode.Common{Account: w.Address()},
		URITokenID: strings.ToUpper(hex.EncodeToString(tokenID[:])), Amount: evernode.Drops(1)}
	if _, err := c.SubmitAndWait(ctx, w, buy); err != nil {
		return h, fmt.Errorf("host %d: buying the registration token: %w", i+1, err)
	}
	hb, err := hook.Heartbeat(d.Config, w.Address(), nil)
	if err != nil {
		return h, err
	}
	if _, err := c.SubmitAndWait(ctx, w, hb); err != nil {
		return h, fmt.Errorf("host %d: heartbeat: %w", i+1, err)
	}
	if h.Lease, err = lease.NewHost(c, w, &lease.HostConfig{Hook: d.Config}); err != nil {
		return h, err
	}
	if _, err := h.Lease.MintN(ctx, d.cfg.Instances, d.cfg.Price, nil); err != nil {
		return h, fmt.Errorf("host %d: offering leases: %w", i+1, err)
	}
	return h, nil
}

func memoryProvisioner(ctx context.Context, n int) (instance.Provisioner, error) {
	user, peer, err := instance.FreePortBases("", n)
	if err != nil {
		return nil, err
	}
	return memory.New(ctx, memory.Config{MaxInstances: n, UserPortBase: user, PeerPortBase: peer})
}

// serve answers acquires by creating an instance, extends by moving the
// expiry, and terminations by destroying the instance and offering the
// lease again.
func (h *Host) serve(ctx context.Context) {
	d := h.d
	evs, err := h.Lease.Events(ctx, 0)
	if err != nil {
		d.failed(ctx, err)
		return
	}
	defer evs.Close()
	momentSize := time.Duration(d.Config.MomentSize) * time.Second
	moments := d.Config.Moments()
	for {
		ev, err := evs.Next(ctx)
		if err != nil {
			d.failed(ctx, err)
			return
		}
		switch ev.Type {
		case memo.EventAcquireLease:
			_, err = h.Lease.HandleAcquire(ctx, ev, func(ctx context.Context, ev lease.Event, tok lease.Token) (memo.Instance, error) {
				expiry := d.Net.LedgerTime().Add(momentSize)
				info, err := h.Provisioner.Create(ctx, instance.CreateRequest{Name: tok.ID, Tenant: ev.From,
					Requirements: instance.RequirementsFromMemo(*ev.Requirement), Expiry: expiry})
				if err != nil {
					return memo.Instance{}, err
				}
				h.mu.Lock()
				h.expiry[tok.ID] = expiry
				h.mu.Unlock()
				return info.Details.Memo(), nil
			})
		case memo.EventExtendLease:
			_, err = h.Lease.HandleExtend(ctx, ev, func(ctx context.Context, ev lease.Event, tok lease.Token, n uint64) (uint32, error) {
				h.mu.Lock()
				defer h.mu.Unlock()
				exp, ok := h.expiry[tok.ID]
				if !ok {
					return 0, errors.New("no such instance")
				}
				exp = exp.Add(time.Duration(n) * momentSize)
				h.expiry[tok.ID] = exp
				return uint32(moments.Moment(uint64(exp.Unix()))), nil
			})
		case memo.EventTerminateLease:
			var tok lease.Token
			if tok, err = h.Lease.Token(ctx, ev.TokenID, ev.From); err == nil {
				if err = h.Provisioner.Destroy(ctx, tok.ID); err == nil || errors.Is(err, instance.ErrNotFound) {
					h.mu.Lock()
					delete(h.expiry, tok.ID)
					h.mu.Unlock()
					_, err = h.Lease.Recycle(ctx, tok)
				}
			}
		}
		if err != nil {
			d.failed(ctx, fmt.Errorf("host %s: %s: %w", h.Wallet.Address(), ev.Type, err))
			return
		}
	}
}
