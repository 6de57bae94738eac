package hostd

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
)

// regWorld is a localnet with the Evernode hooks and a funded host that
// registers itself on its first run.
type regWorld struct {
	ctx  context.Context
	net  *localnet.Net
	dep  *evhooks.Deployment
	c    *evernode.Client
	hook *hook.Config
	w    *evernode.Wallet
	cfg  Config
	// runs are the daemons run started, which waitFor watches.
	runs runs
}

func newRegWorld(t *testing.T) *regWorld { return newRegWorldWith(t, nil) }

// newRegWorldWith is newRegWorld on the real Evernode hooks when wasm is
// not nil, else on their Go emulation.
func newRegWorldWith(t *testing.T, wasm *evhooks.Wasm) *regWorld {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	// The network's and the client's logs say why a connection dropped.
	netLog := testLogger(t)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 10 * time.Millisecond, History: 1 << 20, Logger: netLog})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	var dep *evhooks.Deployment
	if wasm != nil {
		dep, err = evhooks.SetupWasm(ctx, n, &evhooks.Config{MomentSize: 3600}, wasm)
	} else {
		dep, err = evhooks.Setup(ctx, n, &evhooks.Config{MomentSize: 3600})
	}
	require.NoError(t, err)
	c, err := evernode.Dial(ctx, dep.Network(), &evernode.ClientOptions{LedgerOffset: 200, Logger: netLog})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	cf, err := hook.LoadConfig(ctx, c, dep.GovernorAddress())
	require.NoError(t, err)
	w, err := n.NewFundedWallet(ctx, 1_000_000_000)
	require.NoError(t, err)
	require.NoError(t, dep.FundEVR(ctx, w, "1000"))
	rw := &regWorld{ctx: ctx, net: n, dep: dep, c: c, hook: cf, w: w}
	rw.cfg = Config{DataDir: t.TempDir(), Hook: cf, NoHeartbeat: true, Tick: 20 * time.Millisecond, Logger: testLogger(t),
		Register: &hook.Registration{CountryCode: "SG", CPUMicrosec: 1000, RAMMB: 1000, DiskMB: 1000, TotalInstances: 1,
			CPUModel: "test CPU", CPUCount: 1, CPUMHz: 1000, Description: "hostd test", Email: "host@example.org", LeaseAmount: "1"}}
	return rw
}

func (rw *regWorld) run(t *testing.T, cfg Config, fault func(string) bool) *running {
	d, err := New(rw.c, rw.w, newFakeProv(), &cfg)
	require.NoError(t, err)
	d.fault = fault
	return rw.runs.start(rw.ctx, d)
}

// waitFor polls cond on each ledger until it holds. It fails at once if
// one of the world's daemons ends by itself meanwhile.
func (rw *regWorld) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	rw.runs.waitFor(t, rw.ctx, rw.c, what, cond)
}

// syncIntents counts the start-up registry syncs a daemon queued.
func syncIntents(t *testing.T, d *Daemon) int {
	return len(outboxIntents(t, d, func(it intent) bool { return strings.HasPrefix(it.ID, "reginfo-sync/") }))
}

// A host registered with other figures than its Config syncs the registry
// at start-up (§7 A 10): instances, version, resource totals and price; a
// restart with nothing changed sends nothing.
func TestStartupSyncsRegInfo(t *testing.T) {
	rw := newRegWorld(t)
	cfg := rw.cfg
	cfg.Instances, cfg.LeasePrice, cfg.Version = 2, "3", "1.2.3"
	cfg.Resources = instance.Resources{CPUQuota: 400000, MemoryMB: 1024, SwapMB: 512, DiskMB: 2000}
	r := rw.run(t, cfg, nil)
	synced := func() bool {
		info, err := hook.Host(rw.ctx, rw.c, rw.hook, rw.w.Address())
		if err != nil {
			return false
		}
		price, _ := info.LeaseAmount.Rat()
		return info.MaxInstances == 2 && info.VersionString() == "1.2.3" && info.CPUMicrosec == 800000 &&
			info.RAMMB == 3072 && info.DiskMB == 4000 && price != nil && price.String() == "3/1"
	}
	rw.waitFor(t, "the registry sync", synced)
	rw.waitFor(t, "an idle daemon", func() bool { ok, err := r.d.Idle(); return err == nil && ok })
	require.Equal(t, 1, syncIntents(t, r.d))
	require.NoError(t, r.stop(t))

	checked := make(chan struct{})
	r = rw.run(t, cfg, func(p string) bool {
		if p == "reginfo:synced" {
			close(checked)
		}
		return false
	})
	select {
	case <-checked:
	case <-rw.ctx.Done():
		t.Fatal("the restarted daemon never compared its registration")
	}
	require.Equal(t, 1, syncIntents(t, r.d), "nothing changed: no second update")
	require.True(t, synced())
	require.NoError(t, r.stop(t))
}

// unfunded makes the world's host a new account the ledger does not know,
// and returns the funded one it replaced.
func (rw *regWorld) unfunded(t *testing.T) *evernode.Wallet {
	funded := rw.w
	var err error
	rw.w, err = evernode.NewWallet(rand.Reader, evernode.Ed25519)
	require.NoError(t, err)
	return funded
}

// pay creates the host's account with 500 XAH from funded.
func (rw *regWorld) pay(t *testing.T, funded *evernode.Wallet) {
	_, err := rw.c.SubmitAndWait(rw.ctx, funded, evernode.Payment{Common: evernode.Common{Account: funded.Address()},
		Destination: rw.w.Address(), Amount: evernode.Drops(500_000_000)})
	require.NoError(t, err)
}

// A host account the ledger does not know at start-up (a network reset)
// is waited for with backoff, not a failed start (§7 A 2), and so is each
// step of its funding: the daemon looks at the account with XAH but no EVR
// (the state that once ended Run and left the old test waiting out its
// context), then registers once the EVR arrives.
func TestStartupWaitsForAccount(t *testing.T) {
	rw := newRegWorld(t)
	funded := rw.unfunded(t)
	cfg := rw.cfg
	cfg.Instances, cfg.LeasePrice, cfg.NotFoundWait = 1, "1", time.Millisecond
	waits := make(chan string, 1000)
	r := rw.run(t, cfg, func(p string) bool {
		if why, ok := strings.CutPrefix(p, "startup:wait:"); ok {
			select {
			case waits <- why:
			default: // the test is not looking: it needs only the next ones
			}
		}
		return false
	})
	// waitFor waits for the daemon to wait once more for why; a later
	// reason, or an ended Run, fails the test. A wait for an earlier step
	// is fine, and so is one for a dropped connection.
	waitFor := func(why string) {
		t.Helper()
		for {
			select {
			case got := <-waits:
				switch got {
				case why:
					return
				case "connection": // the same step runs again
				default:
					require.Equal(t, "account", got, "a wait for an earlier step is fine, a later one is not")
				}
			case err := <-r.done:
				t.Fatalf("Run ended while the account was not ready: %v", err)
			case <-rw.ctx.Done():
				t.Fatalf("no wait for %s", why)
			}
		}
	}
	waitFor("account")
	waitFor("account")
	rw.pay(t, funded)
	waitFor("funds")
	require.NoError(t, rw.dep.FundEVR(rw.ctx, rw.w, "1000"))
	rw.waitFor(t, "the registration", func() bool {
		select {
		case err := <-r.done:
			t.Fatalf("Run ended: %v", err)
		default:
		}
		ok, err := hook.IsRegistered(rw.ctx, rw.c, rw.hook, rw.w.Address())
		return err == nil && ok
	})
	rw.waitFor(t, "an idle daemon", func() bool { ok, err := r.d.Idle(); return err == nil && ok })
	require.NoError(t, r.stop(t))
}

// Without Config.Register, a host whose account does not exist is waited
// for too (mb-xrpl connects before it requires the registration); once the
// account exists unregistered, Run fails with ErrNotRegistered.
func TestStartupWaitsForAccountThenRequiresRegistration(t *testing.T) {
	rw := newRegWorld(t)
	funded := rw.unfunded(t)
	cfg := rw.cfg
	cfg.Register, cfg.NotFoundWait = nil, time.Millisecond
	waited := make(chan struct{})
	var once sync.Once
	r := rw.run(t, cfg, func(p string) bool {
		if p == "startup:wait:account" {
			once.Do(func() { close(waited) })
		}
		return false
	})
	select {
	case <-waited:
	case err := <-r.done:
		t.Fatalf("Run ended while the account was missing: %v", err)
	}
	rw.pay(t, funded)
	select {
	case err := <-r.done:
		require.ErrorIs(t, err, ErrNotRegistered)
	case <-rw.ctx.Done():
		t.Fatal("Run did not end")
	}
	require.NoError(t, r.d.Close())
}

// cutProxy relays websocket connections to url and, the first time a
// client sends a request for command, drops that connection on both sides
// without forwarding it: the request is in flight when its connection
// dies, so it fails with evernode.ErrDisconnected.
func cutProxy(t *testing.T, url, command string) string {
	var cut atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer in.CloseNow()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		out, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			return
		}
		defer out.CloseNow()
		in.SetReadLimit(-1)
		out.SetReadLimit(-1)
		go func() {
			defer cancel()
			for {
				typ, b, err := out.Read(ctx)
				if err != nil || in.Write(ctx, typ, b) != nil {
					return
				}
			}
		}()
		for {
			typ, b, err := in.Read(ctx)
			if err != nil {
				return
			}
			var req struct {
				Command string `json:"command"`
			}
			if json.Unmarshal(b, &req) == nil && req.Command == command && cut.CompareAndSwap(false, true) {
				return
			}
			if out.Write(ctx, typ, b) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// A connection that drops under a start-up request (here the catch-up's
// read of the validated ledger) is a reason to wait and start up again,
// not to end Run: the daemon registers, syncs the registry and goes idle.
func TestStartupRidesOutDroppedConnection(t *testing.T) {
	rw := newRegWorld(t)
	network := rw.dep.Network()
	network.URL = cutProxy(t, network.URL, "ledger")
	dc, err := evernode.Dial(rw.ctx, network, &evernode.ClientOptions{ReconnectMin: time.Millisecond, LedgerOffset: 200})
	require.NoError(t, err)
	t.Cleanup(func() { dc.Close() })
	cfg := rw.cfg
	cfg.Instances, cfg.LeasePrice, cfg.NotFoundWait = 1, "1", time.Millisecond
	waited, synced := make(chan struct{}), make(chan struct{})
	var waitOnce, syncOnce sync.Once
	d, err := New(dc, rw.w, newFakeProv(), &cfg)
	require.NoError(t, err)
	d.fault = func(p string) bool {
		switch p {
		case "startup:wait:connection":
			waitOnce.Do(func() { close(waited) })
		case "reginfo:synced":
			syncOnce.Do(func() { close(synced) })
		}
		return false
	}
	r := rw.runs.start(rw.ctx, d)
	for _, ch := range []chan struct{}{waited, synced} {
		select {
		case <-ch:
		case <-r.ended:
			t.Fatalf("Run ended: %v", r.err)
		case <-rw.ctx.Done():
			t.Fatal("the start-up neither waited for the connection nor finished")
		}
	}
	rw.waitFor(t, "an idle registered daemon", func() bool {
		ok, err := hook.IsRegistered(rw.ctx, rw.c, rw.hook, rw.w.Address())
		idle, ierr := r.d.Idle()
		return err == nil && ok && ierr == nil && idle
	})
	require.NoError(t, r.stop(t))
}
