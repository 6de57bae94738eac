package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// The test binary doubles as the host program: with EVERNODE_HOST_CHILD
// set it runs main's logic, so the tests can start it as a real process
// and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("EVERNODE_HOST_CHILD") != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

// world is a localnet with the Evernode hooks and a host account, ready
// for the program.
type world struct {
	t      *testing.T
	ctx    context.Context
	net    *localnet.Net
	dep    *evhooks.Deployment
	c      *evernode.Client
	cfg    *hook.Config
	hostW  *evernode.Wallet
	dir    string
	config string
	mu     sync.Mutex
	logs   bytes.Buffer
}

// newWorld starts the network; instances get user ports from ports and
// peer ports from ports+100 (below the kernel's ephemeral range).
func newWorld(t *testing.T, ports int, closeEvery time.Duration) *world {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: closeEvery, History: 1 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	dep, err := evhooks.Setup(ctx, n, &evhooks.Config{MomentSize: 3600})
	require.NoError(t, err)
	c, err := evernode.Dial(ctx, dep.Network(), &evernode.ClientOptions{LedgerOffset: 200})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	cfg, err := hook.LoadConfig(ctx, c, dep.GovernorAddress())
	require.NoError(t, err)
	w := &world{t: t, ctx: ctx, net: n, dep: dep, c: c, cfg: cfg, dir: t.TempDir()}
	w.hostW, err = n.NewFundedWallet(ctx, 1_000_000_000)
	require.NoError(t, err)
	require.NoError(t, dep.FundEVR(ctx, w.hostW, "1000"))
	n.Commit()
	seedFile := filepath.Join(w.dir, "seed")
	require.NoError(t, os.WriteFile(seedFile, []byte(w.hostW.Seed()+"\n"), 0o600))
	conf := map[string]any{"url": dep.Network().URL, "networkId": dep.Network().NetworkID, "governor": dep.GovernorAddress(),
		"seedFile": seedFile, "dataDir": filepath.Join(w.dir, "data"), "instances": 2, "leasePrice": "2", "domain": "127.0.0.1",
		"userPortBase": ports, "peerPortBase": ports + 100, "logLevel": "debug",
		"register": map[string]any{"countryCode": "SG", "cpuMicrosec": 800000, "ramMb": 4096, "diskMb": 40000, "cpuModel": "test CPU",
			"cpuCount": 2, "cpuMHz": 2400, "description": "examples/host test", "email": "host@example.org"}}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	w.config = filepath.Join(w.dir, "host.json")
	require.NoError(t, os.WriteFile(w.config, b, 0o600))
	return w
}

// start runs the program as a child process.
func (w *world) start() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-config", w.config)
	cmd.Env = append(os.Environ(), "EVERNODE_HOST_CHILD=1")
	cmd.Stderr = &lockedWriter{w: &w.logs, mu: &w.mu}
	require.NoError(w.t, cmd.Start())
	// A test that fails before it stops the program leaves no child behind.
	w.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.t.Fatalf("%s: timed out; host log:\n%s", what, tail(w.logs.String(), 4000))
		}
		if err := w.c.WaitLedger(w.ctx, w.c.ValidatedLedger()+1); err != nil {
			w.t.Fatalf("%s: %v", what, err)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (w *world) activeInstances() int {
	info, err := hook.Host(w.ctx, w.c, w.cfg, w.hostW.Address())
	if err != nil {
		return -1
	}
	return int(info.ActiveInstances)
}

func (w *world) offers() int {
	o, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
	if err != nil {
		return -1
	}
	return len(o)
}

func (w *world) answers(tenant, ref string) []lease.Event {
	txs, err := w.c.AccountTx(w.ctx, tenant, nil)
	require.NoError(w.t, err)
	var out []lease.Event
	for _, tx := range txs {
		ev, ok, _ := lease.ExtractEvent(w.ctx, tx, tenant, nil)
		if ok && ev.From == w.hostW.Address() && ev.Ref == ref {
			out = append(out, ev)
		}
	}
	return out
}

// kill sends SIGKILL after a random delay of up to max.
func kill(t *testing.T, cmd *exec.Cmd, maxDelay time.Duration) {
	d, err := rand.Int(rand.Reader, big.NewInt(int64(maxDelay)))
	require.NoError(t, err)
	time.Sleep(time.Duration(d.Int64()))
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
}

var testReq = memo.Requirement{OwnerPubkey: "ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",
	ContractID: "dc411912-bcdd-4f73-af43-32ec45844b9a", Image: "evernodedev/sashimono:hp.latest-ubt.20.04-njs.16"}

// The program registers the host, offers its leases, and serves a tenant
// while it is killed with SIGKILL around the acquire and the extension:
// each request gets exactly one answer. SIGTERM stops it cleanly.
func TestKilledHostAnswersOnce(t *testing.T) {
	w := newWorld(t, 30201, 50*time.Millisecond)
	cmd := w.start()
	w.waitFor("registered and offering", func() bool { return w.offers() == 2 })
	ok, err := hook.IsRegistered(w.ctx, w.c, w.cfg, w.hostW.Address())
	require.NoError(t, err)
	require.True(t, ok)

	tw, tn := w.tenant()
	w.waitFor("host active", func() bool {
		return (lease.RegistryChecker{Client: w.c, Config: w.cfg}).CheckHost(w.ctx, w.hostID()) == nil
	})

	// Acquire, and kill the host around it.
	offer, acq := w.acquire(tw)
	offers := []lease.Token{offer}
	kill(t, cmd, 300*time.Millisecond)
	cmd = w.start()
	var ans []lease.Event
	w.waitFor("acquire answered", func() bool { ans = w.answers(tw.Address(), acq.Hash); return len(ans) > 0 })
	require.Equal(t, memo.EventAcquireSuccess, ans[0].Type, ans[0].Reason)
	w.waitFor("registry counts the instance", func() bool { return w.activeInstances() == 1 })

	// Extend, and kill again.
	amt, err := lease.ExtendAmount(offers[0].URI, w.cfg.EVRIssuerAddress, 2)
	require.NoError(t, err)
	ext, err := lease.ExtendTx(tw.Address(), w.hostW.Address(), offers[0].ID, amt)
	require.NoError(t, err)
	er, err := w.c.SubmitAndWait(w.ctx, tw, ext)
	require.NoError(t, err)
	kill(t, cmd, 300*time.Millisecond)
	cmd = w.start()
	var eans []lease.Event
	w.waitFor("extend answered", func() bool { eans = w.answers(tw.Address(), er.Hash); return len(eans) > 0 })
	require.Equal(t, memo.EventExtendSuccess, eans[0].Type)

	// Terminate: the slot comes back.
	_, err = tn.Terminate(w.ctx, offers[0].ID)
	require.NoError(t, err)
	w.waitFor("slot re-offered", func() bool {
		o, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
		if err != nil || len(o) != 2 {
			return false
		}
		return o[0].ID != offers[0].ID && o[1].ID != offers[0].ID
	})
	w.waitFor("registry counts no instance", func() bool { return w.activeInstances() == 0 })
	for range 5 {
		require.NoError(t, w.c.WaitLedger(w.ctx, w.c.ValidatedLedger()+1))
	}
	require.Len(t, w.answers(tw.Address(), acq.Hash), 1)
	require.Len(t, w.answers(tw.Address(), er.Hash), 1)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "a clean stop exits 0")
	w.mu.Lock()
	logs := w.logs.String()
	w.mu.Unlock()
	require.NotContains(t, logs, w.hostW.Seed(), "the seed was logged")
	require.Contains(t, logs, "lease active")
}

// hostID is the host's account id, as lease.HostChecker takes it.
func (w *world) hostID() hook.AccountID {
	id, err := hook.ParseAccountID(w.hostW.Address())
	require.NoError(w.t, err)
	return id
}

// tenant is a funded tenant with 100 EVR, its account prepared.
func (w *world) tenant() (*evernode.Wallet, *lease.Tenant) {
	tw, err := w.net.NewFundedWallet(w.ctx, 1_000_000_000)
	require.NoError(w.t, err)
	require.NoError(w.t, w.dep.FundEVR(w.ctx, tw, "100"))
	w.net.Commit()
	tn, err := lease.NewTenant(w.c, tw, &lease.TenantConfig{Hook: w.cfg, Timeout: 60 * time.Second})
	require.NoError(w.t, err)
	_, err = tn.PrepareAccount(w.ctx)
	require.NoError(w.t, err)
	return tw, tn
}

// acquire buys the host's first offer as tw, without waiting for the
// answer.
func (w *world) acquire(tw *evernode.Wallet) (lease.Token, evernode.TxResult) {
	offers, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
	require.NoError(w.t, err)
	require.NotEmpty(w.t, offers)
	key, err := memo.ParsePublicKey(w.hostW.PublicKeyHex())
	require.NoError(w.t, err)
	payload, err := memo.SealPayload(nil, &key, testReq, nil)
	require.NoError(w.t, err)
	buy, err := lease.AcquireTx(tw.Address(), offers[0], payload)
	require.NoError(w.t, err)
	acq, err := w.c.SubmitAndWait(w.ctx, tw, buy)
	require.NoError(w.t, err)
	return offers[0], acq
}
