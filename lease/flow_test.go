package lease

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// fakeRegistry answers CheckHost from a map: absent = not registered.
type fakeRegistry struct {
	mu     sync.Mutex
	active map[string]bool
}

func (f *fakeRegistry) CheckHost(_ context.Context, id hook.AccountID) error {
	host := id.String()
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.active[host]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", ErrHostInvalid, host)
	case !a:
		return fmt.Errorf("%w: %s", ErrHostInactive, host)
	}
	return nil
}

type env struct {
	t        testing.TB
	ctx      context.Context
	net      *localnet.Net
	c        *evernode.Client
	issuer   *evernode.Wallet
	hostW    *evernode.Wallet
	tenantW  *evernode.Wallet
	cfg      *hook.Config
	reg      *fakeRegistry
	host     *Host
	tenant   *Tenant
	std      Standard
	expiries map[string]uint32
}

func newEnv(t testing.TB, chain evernode.Chain) *env {
	// History: ledgers close every 20 ms, far more than 256 in a slow run.
	return newEnvHistory(t, chain, 100_000)
}

// newEnvHistory is newEnv on a network keeping history ledgers readable.
func newEnvHistory(t testing.TB, chain evernode.Chain, history uint32) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{Chain: chain, CloseInterval: 20 * time.Millisecond, History: history})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := &env{t: t, ctx: ctx, net: n, c: c, expiries: map[string]uint32{}}
	if e.issuer, err = n.SetupIssuer(ctx, "EVR"); err != nil {
		t.Fatal(err)
	}
	e.hostW = e.wallet()
	e.tenantW = e.wallet()
	if _, err := c.SubmitAndWait(ctx, e.hostW, evernode.TrustSet{Common: evernode.Common{Account: e.hostW.Address()},
		LimitAmount: evernode.EVR(e.issuer.Address(), "1000000")}); err != nil {
		t.Fatal(err)
	}
	if err := n.TrustAndFund(ctx, e.tenantW, e.issuer, "EVR", "100"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*evernode.Wallet{e.hostW, e.tenantW} {
		if _, err := c.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()}); err != nil {
			t.Fatal(err)
		}
	}
	e.cfg = &hook.Config{EVRIssuerAddress: e.issuer.Address(), MomentSize: 3600,
		MomentBaseInfo: hook.MomentBaseInfo{MomentType: hook.MomentTimestamp}}
	e.reg = &fakeRegistry{active: map[string]bool{e.hostW.Address(): true}}
	std := URIToken
	if chain == evernode.XRPL {
		std = NFToken
	}
	e.std = std
	if e.host, err = NewHost(c, e.hostW, &HostConfig{Hook: e.cfg}); err != nil {
		t.Fatal(err)
	}
	if e.tenant, err = NewTenant(c, e.tenantW, &TenantConfig{Hook: e.cfg, Hosts: e.reg, Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if e.host.Standard() != std || e.tenant.std != std {
		t.Fatalf("standard %v", e.host.Standard())
	}
	return e
}

func (e *env) wallet() *evernode.Wallet {
	w, err := e.net.NewFundedWallet(e.ctx, 100_000_000)
	if err != nil {
		e.t.Fatal(err)
	}
	for {
		if _, err := e.c.AccountInfo(e.ctx, w.Address(), evernode.Validated); err == nil {
			return w
		}
		if err := e.c.WaitLedger(e.ctx, e.c.ValidatedLedger()+1); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) evr(addr string) string {
	lines, err := e.c.AccountLines(e.ctx, addr, e.issuer.Address())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range lines {
		if l.Currency == "EVR" {
			return l.Balance
		}
	}
	return "none"
}

// hostScript is what the scripted host does.
type hostScript struct {
	failProvision bool
	ignore        bool // never answer (tenant timeout)
	hang          bool // provisioning blocks until its ctx ends
	timeout       time.Duration
	log           *instanceLog // nil: not recorded
}

// instanceLog records the scripted host's instances.
type instanceLog struct {
	mu        sync.Mutex
	created   map[string]int
	destroyed map[string]int
}

// runHost answers lease events with e.host until ctx ends.
func (e *env) runHost(ctx context.Context, s hostScript) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	evs, err := e.host.Events(ctx, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer evs.Close()
		for {
			ev, err := evs.Next(ctx)
			if err != nil {
				return
			}
			if s.ignore {
				continue
			}
			switch ev.Type {
			case memo.EventAcquireLease:
				_, err = e.host.HandleAcquire(ctx, ev, func(ctx context.Context, ev Event, tok Token) (memo.Instance, error) {
					if s.failProvision {
						return memo.Instance{}, errors.New("no_capacity")
					}
					if s.hang {
						<-ctx.Done()
						return memo.Instance{}, ctx.Err()
					}
					if s.log != nil {
						s.log.mu.Lock()
						s.log.created[tok.ID]++
						s.log.mu.Unlock()
					}
					e.expiries[tok.ID] = 100
					return memo.Instance{Name: tok.ID, Pubkey: "ed" + tok.ID, ContractID: ev.Requirement.ContractID, PeerPort: "22861", UserPort: "26201", Domain: "host.local"}, nil
				}, &HandleOptions{Timeout: s.timeout, Destroy: func(ctx context.Context, ev Event, tok Token) error {
					if s.log != nil {
						s.log.mu.Lock()
						if s.log.created[tok.ID] > s.log.destroyed[tok.ID] {
							s.log.destroyed[tok.ID]++
						}
						s.log.mu.Unlock()
					}
					return nil
				}})
			case memo.EventExtendLease:
				_, err = e.host.HandleExtend(ctx, ev, func(ctx context.Context, ev Event, tok Token, n uint64) (uint32, error) {
					e.expiries[tok.ID] += uint32(n)
					return e.expiries[tok.ID], nil
				})
			case memo.EventTerminateLease:
				var tok Token
				if tok, err = e.host.Token(ctx, ev.TokenID, ev.From); err == nil {
					_, err = e.host.Recycle(ctx, tok)
				}
			}
			if err != nil && ctx.Err() == nil {
				e.t.Errorf("host: %v: %v", ev.Type, err)
			}
		}
	}()
	return func() { cancel(); <-done }
}

var testReq = memo.Requirement{OwnerPubkey: "ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",
	ContractID: "dc411912-bcdd-4f73-af43-32ec45844b9a", Image: "evernodedev/sashimono:hp.latest-ubt.20.04-njs.16"}

func testFlow(t *testing.T, chain evernode.Chain) {
	e := newEnv(t, chain)
	toks, err := e.host.MintN(e.ctx, 2, "1.5", nil)
	if err != nil {
		t.Fatal(err)
	}
	if offers, err := e.host.Offers(e.ctx); err != nil || len(offers) != 2 {
		t.Fatalf("offers %d %v", len(offers), err)
	}
	if un, err := e.host.Unoffered(e.ctx); err != nil || len(un) != 0 {
		t.Fatalf("unoffered %d %v", len(un), err)
	}
	stop := e.runHost(e.ctx, hostScript{})
	defer stop()

	res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, &AcquireOptions{OfferID: toks[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Instance.Name != toks[1].ID || res.Instance.ContractID != testReq.ContractID || !res.Answer.Encrypted {
		t.Fatalf("instance %+v", res)
	}
	t.Logf("%v: acquire in ledger %d, answer in ledger %d", e.std, res.Tx.LedgerIndex, res.Answer.LedgerIndex)
	if got := e.evr(e.hostW.Address()); got != "1.5" {
		t.Fatalf("host EVR %s", got)
	}
	ext, err := e.tenant.Extend(e.ctx, toks[1].ID, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ext.ExpiryMoment != 103 || ext.Amount.Value != "4.5" {
		t.Fatalf("extend %+v", ext)
	}
	if _, err := e.tenant.Terminate(e.ctx, toks[1].ID); err != nil {
		t.Fatal(err)
	}
	// The host burns and re-offers the slot under a new token id.
	deadline := time.Now().Add(5 * time.Second)
	for {
		offers, err := e.host.Offers(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(offers) == 2 && offers[0].ID != toks[1].ID && offers[1].ID != toks[1].ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not re-offered: %+v", offers)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.tenant.Extend(e.ctx, toks[1].ID, 1, nil); !errors.Is(err, ErrNoToken) {
		t.Fatalf("extend after terminate: %v", err)
	}
}

func TestFlowURIToken(t *testing.T) { testFlow(t, evernode.Xahau) }
func TestFlowNFToken(t *testing.T)  { testFlow(t, evernode.XRPL) }
