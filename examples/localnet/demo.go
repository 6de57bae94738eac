package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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

// options tune the demo; the zero value is what `go run` does.
type options struct {
	// CloseInterval is the ledger close interval; 0 means 100 ms.
	CloseInterval time.Duration
	// UserPortBase and PeerPortBase are the instances' first ports; 0
	// means the Evernode defaults (26201 and 22861).
	UserPortBase, PeerPortBase int
}

// momentSize is the demo network's moment: a minute, so that extending a
// lease means something without waiting an hour.
const momentSize = 60

// leasePrice is the per-moment price the host asks, in EVR.
const leasePrice = "1.5"

// totalInstances is how many leases the host offers.
const totalInstances = 3

// demo holds what the steps share.
type demo struct {
	out  io.Writer
	net  *localnet.Net
	dep  *evhooks.Deployment
	c    *evernode.Client
	cfg  *hook.Config
	prov *memory.Provisioner

	hostW, tenantW *evernode.Wallet
	host           *lease.Host
	tenant         *lease.Tenant

	mu      sync.Mutex
	expiry  map[string]time.Time // lease id → expiry
	hostErr error
}

func (d *demo) say(step, format string, args ...any) {
	fmt.Fprintf(d.out, "  %-10s %s\n", step, fmt.Sprintf(format, args...))
}

// run is the whole demo; main only wires signals and the exit code.
func run(ctx context.Context, out io.Writer, o options) error {
	start := time.Now()
	if o.CloseInterval == 0 {
		o.CloseInterval = 100 * time.Millisecond
	}
	d := &demo{out: out, expiry: map[string]time.Time{}}
	fmt.Fprintln(out, "Evernode on localnet")

	var err error
	if d.net, err = localnet.Start(ctx, &localnet.Config{CloseInterval: o.CloseInterval}); err != nil {
		return err
	}
	defer d.net.Close()
	if d.dep, err = evhooks.Setup(ctx, d.net, &evhooks.Config{MomentSize: momentSize}); err != nil {
		return err
	}
	if d.c, err = evernode.Dial(ctx, d.dep.Network(), nil); err != nil {
		return err
	}
	defer d.c.Close()
	if d.cfg, err = hook.LoadConfig(ctx, d.c, d.dep.GovernorAddress()); err != nil {
		return err
	}
	d.say("network", "%s (Xahau, network id %d), governor %s, EVR issued by %s",
		d.net.URL(), d.dep.Network().NetworkID, d.dep.GovernorAddress(), d.cfg.EVRIssuerAddress)

	if d.prov, err = memory.New(ctx, memory.Config{UserPortBase: o.UserPortBase, PeerPortBase: o.PeerPortBase}); err != nil {
		return err
	}
	defer d.prov.Close()

	if err := d.setUpHost(ctx); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	hostCtx, stopHost := context.WithCancel(ctx)
	hostDone := make(chan struct{})
	go func() { defer close(hostDone); d.serveLeases(hostCtx) }()
	defer func() { stopHost(); <-hostDone }()

	if err := d.tenantFlow(ctx); err != nil {
		return fmt.Errorf("tenant: %w", err)
	}
	d.mu.Lock()
	herr := d.hostErr
	d.mu.Unlock()
	if herr != nil {
		return fmt.Errorf("host: %w", herr)
	}
	fmt.Fprintf(out, "done in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// newAccount funds a wallet with XAH and EVR and sets its MessageKey, as
// hook.PrepareAccount does for hosts and tenants.
func (d *demo) newAccount(ctx context.Context, evr string) (*evernode.Wallet, error) {
	w, err := d.net.NewFundedWallet(ctx, 1_000_000_000)
	if err != nil {
		return nil, err
	}
	if err := d.dep.FundEVR(ctx, w, evr); err != nil {
		return nil, err
	}
	_, err = d.c.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
	return w, err
}

// setUpHost registers a host with the registry hook, buys its registration
// token, sends a heartbeat and offers leases.
func (d *demo) setUpHost(ctx context.Context) error {
	var err error
	if d.hostW, err = d.newAccount(ctx, "1000"); err != nil {
		return err
	}
	domain := "127.0.0.1"
	if _, err := d.c.SubmitAndWait(ctx, d.hostW, evernode.AccountSet{Common: evernode.Common{Account: d.hostW.Address()}, Domain: &domain}); err != nil {
		return err
	}
	reg := hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000, TotalInstances: totalInstances,
		CPUModel: "demo CPU", CPUCount: 2, CPUMHz: 2400, Description: "localnet demo host", Email: "host@example.org", LeaseAmount: leasePrice}
	tx, err := hook.Register(d.cfg, d.hostW.Address(), reg, nil)
	if err != nil {
		return err
	}
	res, err := d.c.SubmitAndWait(ctx, d.hostW, tx)
	if err != nil {
		return err
	}
	registry, err := hook.ParseAccountID(d.cfg.RegistryAddress)
	if err != nil {
		return err
	}
	regHash, err := hex.DecodeString(res.Hash)
	if err != nil || len(regHash) != 32 {
		return fmt.Errorf("registration hash %q", res.Hash)
	}
	tokenID := hook.RegistrationTokenID(registry, [32]byte(regHash))
	// The registry hook mints and offers the token in a later ledger, as on
	// Xahau: wait for the offer, then for the next ledger, then buy, as
	// evernode-js-client does.
	if err := d.awaitRegistrationOffer(ctx, [32]byte(regHash)); err != nil {
		return err
	}
	buy := evernode.URITokenBuy{Common: evernode.Common{Account: d.hostW.Address()},
		URITokenID: strings.ToUpper(hex.EncodeToString(tokenID[:])), Amount: evernode.Drops(1)}
	if _, err := d.c.SubmitAndWait(ctx, d.hostW, buy); err != nil {
		return fmt.Errorf("buying the registration token: %w", err)
	}
	hb, err := hook.Heartbeat(d.cfg, d.hostW.Address(), nil)
	if err != nil {
		return err
	}
	if _, err := d.c.SubmitAndWait(ctx, d.hostW, hb); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	info, err := hook.Host(ctx, d.c, d.cfg, d.hostW.Address())
	if err != nil {
		return err
	}
	d.say("host", "%s registered (token %s…), heartbeat sent, active=%v", d.hostW.Address(), buy.URITokenID[:12], info.Active)

	if d.host, err = lease.NewHost(d.c, d.hostW, &lease.HostConfig{Hook: d.cfg}); err != nil {
		return err
	}
	toks, err := d.host.MintN(ctx, int(reg.TotalInstances), leasePrice, nil)
	if err != nil {
		return err
	}
	d.say("leases", "%d lease tokens offered at %s EVR per %d-second moment", len(toks), leasePrice, momentSize)
	return nil
}

// awaitRegistrationOffer waits until the registry's token for the
// registration regHash (URI "evrhost…") is offered to the host in a
// validated ledger, then for one more ledger.
func (d *demo) awaitRegistrationOffer(ctx context.Context, regHash [32]byte) error {
	uri := strings.ToUpper(hex.EncodeToString(hook.RegistrationTokenURI(regHash)))
	for {
		toks, err := d.c.AccountObjects(ctx, d.cfg.RegistryAddress, "uri_token")
		if err != nil {
			return fmt.Errorf("looking for the registration token offer: %w", err)
		}
		for _, t := range toks {
			if t["Issuer"] == d.cfg.RegistryAddress && t["Destination"] == d.hostW.Address() && strings.EqualFold(fmt.Sprint(t["URI"]), uri) {
				return d.c.WaitLedger(ctx, d.c.ValidatedLedger()+1)
			}
		}
		if err := d.c.WaitLedger(ctx, d.c.ValidatedLedger()+1); err != nil {
			return fmt.Errorf("waiting for the registration token offer: %w", err)
		}
	}
}

// serveLeases is the host's side: it answers acquires by creating an
// instance, extends by moving the expiry, and terminations by destroying the
// instance and re-offering the lease.
func (d *demo) serveLeases(ctx context.Context) {
	evs, err := d.host.Events(ctx, 0)
	if err != nil {
		d.hostFailed(ctx, err)
		return
	}
	defer evs.Close()
	moments := d.cfg.Moments()
	for {
		ev, err := evs.Next(ctx)
		if err != nil {
			d.hostFailed(ctx, err)
			return
		}
		switch ev.Type {
		case memo.EventAcquireLease:
			_, err = d.host.HandleAcquire(ctx, ev, func(ctx context.Context, ev lease.Event, tok lease.Token) (memo.Instance, error) {
				expiry := d.net.LedgerTime().Add(momentSize * time.Second)
				info, err := d.prov.Create(ctx, instance.CreateRequest{Name: tok.ID, Tenant: ev.From,
					Requirements: instance.RequirementsFromMemo(*ev.Requirement), Expiry: expiry})
				if err != nil {
					return memo.Instance{}, err
				}
				d.mu.Lock()
				d.expiry[tok.ID] = expiry
				d.mu.Unlock()
				return info.Details.Memo(), nil
			}, &lease.HandleOptions{Destroy: func(ctx context.Context, ev lease.Event, tok lease.Token) error {
				d.mu.Lock()
				delete(d.expiry, tok.ID)
				d.mu.Unlock()
				if err := d.prov.Destroy(ctx, tok.ID); err != nil && !errors.Is(err, instance.ErrNotFound) {
					return err
				}
				return nil
			}})
		case memo.EventExtendLease:
			_, err = d.host.HandleExtend(ctx, ev, func(ctx context.Context, ev lease.Event, tok lease.Token, n uint64) (uint32, error) {
				d.mu.Lock()
				defer d.mu.Unlock()
				exp, ok := d.expiry[tok.ID]
				if !ok {
					return 0, errors.New("no such instance")
				}
				exp = exp.Add(time.Duration(n) * momentSize * time.Second)
				d.expiry[tok.ID] = exp
				return uint32(moments.Moment(uint64(exp.Unix()))), nil
			})
		case memo.EventTerminateLease:
			var tok lease.Token
			if tok, err = d.host.Token(ctx, ev.TokenID, ev.From); err == nil {
				if err = d.prov.Destroy(ctx, tok.ID); err == nil || errors.Is(err, instance.ErrNotFound) {
					_, err = d.host.Recycle(ctx, tok)
				}
			}
		}
		if err != nil {
			d.hostFailed(ctx, fmt.Errorf("%s: %w", ev.Type, err))
			return
		}
	}
}

func (d *demo) hostFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // stopped
	}
	d.mu.Lock()
	d.hostErr = err
	d.mu.Unlock()
}

// tenantFlow acquires a lease, uses the instance, extends and terminates.
func (d *demo) tenantFlow(ctx context.Context) error {
	var err error
	if d.tenantW, err = d.newAccount(ctx, "100"); err != nil {
		return err
	}
	if d.tenant, err = lease.NewTenant(d.c, d.tenantW, &lease.TenantConfig{Hook: d.cfg, Timeout: 30 * time.Second}); err != nil {
		return err
	}
	// The owner key is the tenant's HotPocket user key: only it may upload.
	ownerPub, ownerKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	// Acquire-time config overrides reach hp.cfg, as with sashimono: quick
	// rounds keep the demo short.
	req := memo.Requirement{OwnerPubkey: "ed" + hex.EncodeToString(ownerPub),
		ContractID: newUUID(), Image: "evernode/sashimono:hp.latest-ubt.20.04",
		Config: []byte(`{"contract":{"consensus":{"roundtime":200}}}`)}
	res, err := d.tenant.Acquire(ctx, d.hostW.Address(), req, &lease.AcquireOptions{Cheapest: true})
	if err != nil {
		return fmt.Errorf("acquire: %w", err)
	}
	in := res.Instance
	d.say("acquire", "%s bought lease %s… for %s EVR; instance %s:%s, node %s… (answer %d ledger(s) after the acquire)",
		d.tenantW.Address(), in.Name[:12], res.Token.URI.Price, in.Host(), in.UserPort, in.Pubkey[:12],
		res.Answer.LedgerIndex-res.Tx.LedgerIndex)

	if err := d.useContract(ctx, in, ownerKey); err != nil {
		return err
	}

	ext, err := d.tenant.Extend(ctx, in.Name, 2, nil)
	if err != nil {
		return fmt.Errorf("extend: %w", err)
	}
	d.say("extend", "+2 moments for %s EVR: the lease now expires at moment %d", ext.Amount.Value, ext.ExpiryMoment)

	if _, err := d.tenant.Terminate(ctx, in.Name); err != nil {
		return fmt.Errorf("terminate: %w", err)
	}
	// The host destroys the instance, burns the token and offers a fresh
	// one for the same slot.
	for {
		_, err := d.prov.Inspect(ctx, in.Name)
		offers, oerr := d.host.Offers(ctx)
		if oerr != nil {
			return oerr
		}
		if errors.Is(err, instance.ErrNotFound) && len(offers) == totalInstances {
			d.say("terminate", "instance destroyed; all %d leases on offer again", len(offers))
			return nil
		}
		if err := d.c.WaitLedger(ctx, d.c.ValidatedLedger()+1); err != nil {
			return err
		}
	}
}

// newUUID returns a random RFC 4122 version 4 UUID, the form HotPocket
// contract ids take.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
