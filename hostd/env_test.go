package hostd

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// fakeProv is a durable in-memory provisioner: it outlives daemons, like a
// Docker engine, and fails or hangs on command.
type fakeProv struct {
	mu        sync.Mutex
	insts     map[string]instance.Info
	created   map[string]int
	destroyed int
	failNext  int
	hang      bool
	port      int
}

func newFakeProv() *fakeProv {
	return &fakeProv{insts: map[string]instance.Info{}, created: map[string]int{}, port: 26200}
}

func (p *fakeProv) Create(ctx context.Context, req instance.CreateRequest) (instance.Info, error) {
	if err := req.Validate(); err != nil {
		return instance.Info{}, err
	}
	p.mu.Lock()
	hang := p.hang
	if p.failNext > 0 {
		p.failNext--
		p.mu.Unlock()
		return instance.Info{}, &instance.BackendError{Backend: "fake", Op: "create", Message: "scripted failure"}
	}
	p.mu.Unlock()
	if hang {
		<-ctx.Done()
		return instance.Info{}, ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.insts[req.Name]; ok {
		return instance.Info{}, instance.ErrExists
	}
	p.port++
	info := instance.Info{Details: instance.Details{Name: req.Name, Pubkey: "ed" + req.Name, ContractID: req.Requirements.ContractID,
		Domain: "127.0.0.1", UserPort: p.port, PeerPort: p.port + 1000}, Status: instance.StatusRunning, Tenant: req.Tenant}
	p.insts[req.Name] = info
	p.created[req.Name]++
	return info, nil
}

func (p *fakeProv) Inspect(ctx context.Context, name string) (instance.Info, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in, ok := p.insts[name]; ok {
		return in, nil
	}
	return instance.Info{}, instance.ErrNotFound
}

func (p *fakeProv) Destroy(ctx context.Context, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.insts[name]; !ok {
		return instance.ErrNotFound
	}
	delete(p.insts, name)
	p.destroyed++
	return nil
}

func (p *fakeProv) List(ctx context.Context) ([]instance.Info, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]instance.Info, 0, len(p.insts))
	for _, in := range p.insts {
		out = append(out, in)
	}
	return out, nil
}

func (p *fakeProv) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for n := range p.insts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// clock is a test clock: real time plus an offset the test moves.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

type okRegistry struct{}

func (okRegistry) CheckHost(context.Context, hook.AccountID) error { return nil }

// net is one localnet with an EVR issuer, shared by many hosts.
type testNet struct {
	t      testing.TB
	ctx    context.Context
	net    *localnet.Net
	c      *evernode.Client
	issuer *evernode.Wallet
	cfg    *hook.Config
	// issuerMu serialises the issuer's payments (one sequence).
	issuerMu sync.Mutex
	// runs are the hosts' daemons, which waitFor watches.
	runs runs
}

// newTestNet closes a ledger every 10 ms: every ledger costs each client
// and daemon of the net some work, and at 5 ms that was a seventh of the
// package's CPU time under -race, for no faster test on a loaded machine.
func newTestNet(t testing.TB, timeout time.Duration) *testNet {
	return newTestNetClosing(t, timeout, 10*time.Millisecond)
}

// newTestNetClosing is newTestNet with ledgers closing every closeEvery.
func newTestNetClosing(t testing.TB, timeout, closeEvery time.Duration) *testNet {
	// Ledgers close every few milliseconds, so the default 256-ledger
	// history is gone in about a second: keep every ledger of a test
	// readable, or a slow run's answers would vanish from account_tx.
	return newTestNetHistory(t, timeout, closeEvery, 1<<20)
}

// newTestNetHistory is newTestNetClosing keeping history ledgers readable.
func newTestNetHistory(t testing.TB, timeout, closeEvery time.Duration, history uint32) *testNet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: closeEvery, History: history})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond, LedgerOffset: 1000})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	iss, err := n.SetupIssuer(ctx, "EVR")
	require.NoError(t, err)
	cfg := &hook.Config{EVRIssuerAddress: iss.Address(), MomentSize: 3600,
		MomentBaseInfo: hook.MomentBaseInfo{MomentType: hook.MomentTimestamp}, LeaseAcquireWindow: 160}
	return &testNet{t: t, ctx: ctx, net: n, c: c, issuer: iss, cfg: cfg}
}

// dial opens a client of its own (a daemon has its own connection).
func (n *testNet) dial(t testing.TB) *evernode.Client {
	c, err := evernode.Dial(n.ctx, n.net.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond, LedgerOffset: 1000})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// retry repeats f while the connection is being re-established.
func retry(t testing.TB, f func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if !errors.Is(err, evernode.ErrDisconnected) || time.Now().After(deadline) {
			require.NoError(t, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (n *testNet) wallet(t testing.TB) *evernode.Wallet {
	w, err := n.net.NewFundedWallet(n.ctx, 100_000_000)
	require.NoError(t, err)
	for {
		if _, err := n.c.AccountInfo(n.ctx, w.Address(), evernode.Validated); err == nil {
			return w
		}
		require.NoError(t, n.c.WaitLedger(n.ctx, n.c.ValidatedLedger()+1))
	}
}

// tenant is a funded tenant with a MessageKey (or not) and 100 EVR.
func (n *testNet) tenant(t testing.TB, c *evernode.Client, withKey bool) (*evernode.Wallet, *lease.Tenant) {
	w := n.wallet(t)
	n.issuerMu.Lock()
	err := n.net.TrustAndFund(n.ctx, w, n.issuer, "EVR", "100")
	n.issuerMu.Unlock()
	require.NoError(t, err)
	if withKey {
		retry(t, func() error {
			_, err := c.SubmitAndWait(n.ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
			return err
		})
	}
	tn, err := lease.NewTenant(c, w, &lease.TenantConfig{Hook: n.cfg, Hosts: okRegistry{}, Timeout: 20 * time.Second})
	require.NoError(t, err)
	return w, tn
}

// host is a host account ready for a daemon: EVR trust line and MessageKey.
type host struct {
	t     testing.TB
	n     *testNet
	c     *evernode.Client
	w     *evernode.Wallet
	dir   string
	prov  *fakeProv
	clock *clock
	cfg   Config
}

func (n *testNet) host(t testing.TB, instances int, price string) *host {
	w := n.wallet(t)
	c := n.dial(t)
	retry(t, func() error {
		_, err := c.SubmitAndWait(n.ctx, w, evernode.TrustSet{Common: evernode.Common{Account: w.Address()},
			LimitAmount: evernode.EVR(n.issuer.Address(), "1000000")})
		return err
	})
	retry(t, func() error {
		_, err := c.SubmitAndWait(n.ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
		return err
	})
	h := &host{t: t, n: n, c: c, w: w, dir: t.TempDir(), prov: newFakeProv(), clock: &clock{}}
	h.cfg = Config{DataDir: h.dir, Hook: n.cfg, LeasePrice: price, Instances: instances, AllowUnregistered: true,
		Tick: 20 * time.Millisecond, Now: h.clock.Now}
	h.cfg.Logger = testLogger(t)
	return h
}

// testLogger is a debug logger for a test's daemons: it streams to stderr
// when HOSTD_TEST_LOG is set, else it keeps the log and prints it only if
// the test fails, so a failure that is hard to reproduce says what the
// daemon did.
func testLogger(t testing.TB) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	if os.Getenv("HOSTD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, opts))
}

// lockedBuffer is a bytes.Buffer many goroutines may write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running is a daemon running in the background.
type running struct {
	d *Daemon
	// done receives Run's result once, for the test that awaits it.
	done chan error
	// ended is closed once Run returned; err is its result from then on.
	ended chan struct{}
	err   error
}

// runs are the daemons a test world started. The world's waits watch
// them: a daemon that ends by itself while the test waits for some state
// fails the test at once with Run's error, where the test would otherwise
// poll the ledger until its context expired. The zero value is ready.
type runs struct {
	mu  sync.Mutex
	all []*running
}

// start runs d in the background with ctx and watches it.
func (rs *runs) start(ctx context.Context, d *Daemon) *running {
	r := &running{d: d, done: make(chan error, 1), ended: make(chan struct{})}
	go func() {
		err := d.Run(ctx)
		r.err = err
		close(r.ended)
		r.done <- err
	}()
	rs.mu.Lock()
	rs.all = append(rs.all, r)
	rs.mu.Unlock()
	return r
}

// check fails the test if a watched daemon ended by itself. A daemon the
// test closed (stop, or Close after reading its end) ended on request, and
// one killed by an injected crash ended as the test arranged: the test
// awaits those itself.
func (rs *runs) check(t testing.TB, what string) {
	t.Helper()
	rs.mu.Lock()
	all := rs.all
	rs.mu.Unlock()
	for _, r := range all {
		select {
		case <-r.ended:
		default:
			continue
		}
		r.d.mu.Lock()
		closed := r.d.closed
		r.d.mu.Unlock()
		if !closed && !errors.Is(r.err, errCrash) {
			t.Fatalf("waiting for %s: the daemon's Run ended: %v", what, r.err)
		}
	}
}

func (h *host) start(fault func(string) bool) *running {
	d, err := New(h.c, h.w, h.prov, &h.cfg)
	require.NoError(h.t, err)
	d.fault = fault
	return h.n.runs.start(h.n.ctx, d)
}

func (r *running) stop(t testing.TB) error {
	t.Helper()
	require.NoError(t, r.d.Close())
	return <-r.done
}

// waitFor polls cond on each ledger until it holds. It fails at once if
// one of the net's daemons ends by itself meanwhile.
func (n *testNet) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	n.runs.waitFor(t, n.ctx, n.c, what, cond)
}

// waitFor polls cond on each of c's validated ledgers until it holds. It
// fails at once if one of rs's daemons ends by itself meanwhile.
func (rs *runs) waitFor(t testing.TB, ctx context.Context, c *evernode.Client, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		rs.check(t, what)
		if err := c.WaitLedger(ctx, c.ValidatedLedger()+1); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// offers counts the host's lease tokens on offer.
func (h *host) offers() int {
	o, err := lease.Offers(h.n.ctx, h.c, h.w.Address(), lease.URIToken)
	if err != nil {
		return -1
	}
	return len(o)
}

func (n *testNet) evr(t testing.TB, addr string) string {
	return evrBalance(t, n.ctx, n.c, addr, n.issuer.Address())
}

// evrBalance is addr's balance of issuer's EVR, "none" without a trust
// line.
func evrBalance(t testing.TB, ctx context.Context, c *evernode.Client, addr, issuer string) string {
	var lines []evernode.TrustLine
	retry(t, func() (err error) { lines, err = c.AccountLines(ctx, addr, issuer); return err })
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			return l.Balance
		}
	}
	return "none"
}

// answers lists the host's answers to ref in the tenant's history.
func (h *host) answers(tenant, ref string) []lease.Event {
	var txs []evernode.TxResult
	retry(h.t, func() (err error) { txs, err = h.c.AccountTx(h.n.ctx, tenant, nil); return err })
	var out []lease.Event
	for _, tx := range txs {
		ev, ok, _ := lease.ExtractEvent(h.n.ctx, tx, tenant, nil)
		if ok && ev.From == h.w.Address() && ev.Ref == ref {
			out = append(out, ev)
		}
	}
	return out
}

// rawAcquire buys the host's first offer as w with payload, without
// waiting for an answer.
func (h *host) rawAcquire(w *evernode.Wallet, req memo.Requirement) evernode.TxResult {
	h.t.Helper()
	var offers []lease.Token
	retry(h.t, func() (err error) {
		offers, err = lease.Offers(h.n.ctx, h.c, h.w.Address(), lease.URIToken)
		return err
	})
	require.NotEmpty(h.t, offers)
	key, err := memo.ParsePublicKey(h.w.PublicKeyHex())
	require.NoError(h.t, err)
	payload, err := memo.SealPayload(rand.Reader, &key, req, nil)
	require.NoError(h.t, err)
	tx, err := lease.AcquireTx(w.Address(), offers[0], payload)
	require.NoError(h.t, err)
	return h.submit(w, tx)
}

// submit submits as w through the host's client, retrying a lost
// connection (the same transaction: it can apply once).
func (h *host) submit(w *evernode.Wallet, tx evernode.Transaction) evernode.TxResult {
	h.t.Helper()
	var res evernode.TxResult
	retry(h.t, func() (err error) { res, err = h.c.SubmitAndWait(h.n.ctx, w, tx); return err })
	return res
}

var testReq = memo.Requirement{OwnerPubkey: "ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",
	ContractID: "dc411912-bcdd-4f73-af43-32ec45844b9a", Image: "evernodedev/sashimono:hp.latest-ubt.20.04-njs.16"}

func ignoreStop(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("run: %w", err)
}

// submitBlob signs tx once as w and submits the same blob until it is
// validated: safe across dropped connections (it can apply only once).
func (h *host) submitBlob(w *evernode.Wallet, tx evernode.Transaction) evernode.TxResult {
	h.t.Helper()
	var raw evernode.Raw
	retry(h.t, func() (err error) {
		m, err := evernode.JSON(h.c.Network(), tx)
		if err != nil {
			return err
		}
		// Valid for long: never re-signed, so it may take its time.
		m["LastLedgerSequence"] = h.c.ValidatedLedger() + 1_000_000
		raw, err = h.c.Prepare(h.n.ctx, evernode.Raw(m))
		return err
	})
	s, err := evernode.Sign(h.n.ctx, h.c.Network(), w, raw)
	require.NoError(h.t, err)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		_, _ = h.c.Submit(h.n.ctx, s.Blob)
		t, err := h.c.Tx(h.n.ctx, s.HashHex())
		if err == nil && t.Validated {
			require.Equal(h.t, "tesSUCCESS", t.Result())
			return t
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("transaction %s never validated", s.HashHex())
	return evernode.TxResult{}
}

func instanceReq(name string) instance.CreateRequest {
	return instance.CreateRequest{Name: name, Requirements: instance.RequirementsFromMemo(testReq)}
}
