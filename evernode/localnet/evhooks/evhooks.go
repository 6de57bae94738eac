package evhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// Defaults of Config.
const (
	// DefaultMomentSize is the moment size in seconds (the governor's
	// DEF_MOMENT_SIZE).
	DefaultMomentSize uint16 = 3600
	// DefaultLeaseAcquireWindow is in seconds (DEF_LEASE_ACQUIRE_WINDOW).
	DefaultLeaseAcquireWindow uint16 = 160
	// DefaultHostRegFee is the initial registration fee in EVR
	// (DEF_HOST_REG_FEE).
	DefaultHostRegFee uint64 = 500
	// DefaultAccountFunding is what Setup funds each new hook account with,
	// in drops (10,000 XAH).
	DefaultAccountFunding uint64 = 10_000_000_000
)

// Errors, matched with errors.Is.
var (
	// ErrSetup is wrapped by every error of Setup.
	ErrSetup = errors.New("evhooks: setup failed")
	// ErrNotXahau is returned by Setup for a network not in Xahau mode.
	ErrNotXahau = errors.New("evhooks: the network is not in Xahau mode")
)

// Config configures a deployment. The zero value (or a nil *Config) gives
// the mainnet governor defaults on fresh accounts.
type Config struct {
	// MomentSize is the moment size in seconds (timestamp moments). Zero
	// means DefaultMomentSize (3600). Tests use a few seconds.
	MomentSize uint16
	// LeaseAcquireWindow is in seconds. Zero means
	// DefaultLeaseAcquireWindow (160).
	LeaseAcquireWindow uint16
	// HostRegFee is the initial HOST_REG_FEE in EVR. Zero means
	// DefaultHostRegFee (500).
	HostRegFee uint64
	// EVRIssuer issues EVR. Nil means a new issuer account (DefaultRipple
	// set, as localnet.SetupIssuer makes it).
	EVRIssuer *evernode.Wallet
	// AccountFunding is the drops each new account is funded with. Zero
	// means DefaultAccountFunding.
	AccountFunding uint64
	// Logger receives debug logs of hook decisions; nil means silent.
	Logger *slog.Logger
}

// Deployment is the Evernode hooks running on a localnet: the accounts and
// helpers to drive them. Its methods are safe for concurrent use. It holds
// no resources of its own: closing the Net ends it.
type Deployment struct {
	net *localnet.Net

	// Governor holds every Evernode state entry; put its address in
	// evernode.Network.GovernorAddress (or use Network).
	Governor *evernode.Wallet
	// Registry runs the registry hook and issues registration tokens.
	Registry *evernode.Wallet
	// Heartbeat runs the heartbeat hook.
	Heartbeat *evernode.Wallet
	// Reputation is the reputation hook account; no hook runs on it.
	Reputation *evernode.Wallet
	// Foundation is the foundation account (receives FIXED_REG_FEE on a
	// host's first heartbeat).
	Foundation *evernode.Wallet
	// EVRIssuer issues EVR.
	EVRIssuer *evernode.Wallet

	admin *evernode.Wallet
	gov   *governorHook
	mu    sync.Mutex // serialises SetState
}

// Setup creates and funds the governor, registry, heartbeat, reputation and
// foundation accounts (and an EVR issuer unless cfg names one), gives the
// registry, heartbeat and foundation EVR trust lines, attaches the
// governor, registry and heartbeat hooks and initialises the governor's
// state with the defaults (an evnInitialize transaction, as the real
// initializer sends). It closes a ledger before returning, so the state is
// validated. cfg may be nil.
func Setup(ctx context.Context, net *localnet.Net, cfg *Config) (*Deployment, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.MomentSize == 0 {
		c.MomentSize = DefaultMomentSize
	}
	if c.LeaseAcquireWindow == 0 {
		c.LeaseAcquireWindow = DefaultLeaseAcquireWindow
	}
	if c.HostRegFee == 0 {
		c.HostRegFee = DefaultHostRegFee
	}
	if c.AccountFunding == 0 {
		c.AccountFunding = DefaultAccountFunding
	}
	if net.Network().Chain != evernode.Xahau {
		return nil, ErrNotXahau
	}
	fail := func(step string, err error) (*Deployment, error) {
		return nil, fmt.Errorf("%w: %s: %w", ErrSetup, step, err)
	}
	d := &Deployment{net: net, EVRIssuer: c.EVRIssuer}
	if step, err := d.openAccounts(ctx, net, c.AccountFunding, &d.admin); err != nil {
		return fail(step, err)
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d.gov = &governorHook{
		initializer: d.admin.Address(), admin: d.admin.Address(),
		momentSize: c.MomentSize, acquireWindow: c.LeaseAcquireWindow, regFee: c.HostRegFee,
		log: log,
	}
	hooks := []struct {
		addr string
		h    localnet.Hook
	}{
		{d.Governor.Address(), d.gov},
		{d.Registry.Address(), &registryHook{governor: d.Governor.Address(), log: log}},
		{d.Heartbeat.Address(), &heartbeatHook{governor: d.Governor.Address(), log: log}},
	}
	for _, h := range hooks {
		if err := net.SetHook(h.addr, h.h); err != nil {
			return fail("attach hooks", err)
		}
	}
	data := make([]byte, 0, 100)
	for _, w := range []*evernode.Wallet{d.EVRIssuer, d.Foundation, d.Registry, d.Heartbeat, d.Reputation} {
		id, err := hook.ParseAccountID(w.Address())
		if err != nil {
			return fail("initialize", err)
		}
		data = append(data, id[:]...)
	}
	ps, err := memo.Params{Event: memo.EventInitialize, Data: data}.Encode()
	if err != nil {
		return fail("initialize", err)
	}
	if _, err := net.Submit(ctx, d.admin, d.admin.Address(), evernode.Payment{
		Common:      evernode.Common{HookParameters: ps},
		Destination: d.Governor.Address(), Amount: evernode.Drops(1)}); err != nil {
		return fail("initialize", err)
	}
	net.Commit()
	return d, nil
}

// Network returns the localnet's network with GovernorAddress set, ready
// for evernode.Dial.
func (d *Deployment) Network() evernode.Network {
	n := d.net.Network()
	n.GovernorAddress = d.Governor.Address()
	return n
}

// GovernorAddress is the governor account's address.
func (d *Deployment) GovernorAddress() string { return d.Governor.Address() }

// EVR returns an amount of this deployment's EVR.
func (d *Deployment) EVR(value string) evernode.Amount {
	return evernode.EVR(d.EVRIssuer.Address(), value)
}

// FundEVR gives w an EVR trust line (limit hook.TrustLineLimit) unless
// value is empty, and pays it value EVR from the issuer. Both
// transactions go into the open ledger; Commit to validate them.
func (d *Deployment) FundEVR(ctx context.Context, w *evernode.Wallet, value string) error {
	if _, err := d.net.Submit(ctx, w, w.Address(), evernode.TrustSet{
		LimitAmount: d.EVR(hook.TrustLineLimit)}); err != nil {
		return fmt.Errorf("evhooks: EVR trust line of %s: %w", w.Address(), err)
	}
	if value == "" {
		return nil
	}
	if _, err := d.net.Submit(ctx, d.EVRIssuer, d.EVRIssuer.Address(), evernode.Payment{
		Destination: w.Address(), Amount: d.EVR(value)}); err != nil {
		return fmt.Errorf("evhooks: pay EVR to %s: %w", w.Address(), err)
	}
	return nil
}

// StateEntry is one governor state write of SetState; a nil or empty
// Value deletes the entry.
type StateEntry struct {
	Key   hook.Key
	Value []byte
}

// maxWritesPerTx bounds the state writes one SetState transaction makes.
const maxWritesPerTx = 256

// SetState writes entries into the governor's Evernode namespace directly,
// outside any hook logic: for tests that change a fee, fake a heartbeat or
// fill the registry with many hosts. It submits one transaction per 256
// entries into the open ledger; Commit to validate them.
func (d *Deployment) SetState(ctx context.Context, entries ...StateEntry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(entries) > 0 {
		n := min(len(entries), maxWritesPerTx)
		d.gov.queue(entries[:n])
		_, err := d.net.Submit(ctx, d.admin, d.admin.Address(), evernode.Payment{
			Destination: d.Governor.Address(), Amount: evernode.Drops(1)})
		d.gov.queue(nil)
		if err != nil {
			return fmt.Errorf("evhooks: set state: %w", err)
		}
		entries = entries[n:]
	}
	return nil
}

// SetHostRegFee sets HOST_REG_FEE (whole EVR), as the registry's halving or
// a governance change would. Commit to validate it.
func (d *Deployment) SetHostRegFee(ctx context.Context, fee uint64) error {
	return d.SetState(ctx, StateEntry{Key: hook.SingletonKey(hook.SingletonHostRegFee), Value: u64(fee)})
}

// openAccounts funds the hook and foundation accounts and any extra ones,
// creates the EVR issuer unless the deployment already has one, and opens
// the EVR trust lines of the accounts that receive EVR (the governor, the
// registry, the heartbeat account and the foundation). On failure it names
// the step that failed.
func (d *Deployment) openAccounts(ctx context.Context, net *localnet.Net, funding uint64, extra ...**evernode.Wallet) (step string, err error) {
	wallets := append([]**evernode.Wallet{&d.Governor, &d.Registry, &d.Heartbeat, &d.Reputation, &d.Foundation}, extra...)
	for _, w := range wallets {
		if *w, err = net.NewFundedWallet(ctx, funding); err != nil {
			return "fund accounts", err
		}
	}
	if d.EVRIssuer == nil {
		if d.EVRIssuer, err = net.SetupIssuer(ctx, evernode.EVRCurrency); err != nil {
			return "EVR issuer", err
		}
	}
	for _, w := range []*evernode.Wallet{d.Governor, d.Registry, d.Heartbeat, d.Foundation} {
		if _, err := net.Submit(ctx, w, w.Address(), evernode.TrustSet{
			LimitAmount: evernode.EVR(d.EVRIssuer.Address(), hook.TrustLineLimit)}); err != nil {
			return "trust lines", err
		}
	}
	return "", nil
}
