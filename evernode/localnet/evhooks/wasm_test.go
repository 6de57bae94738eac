package evhooks_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks/evhookstest"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/internal/hookvm/wasmtest"
	"github.com/evernode-go/sdk/memo"
)

// wasmCode loads the real Evernode hooks (evhookstest.Wasm): it skips the
// test when they are absent, unless EVERNODE_REQUIRE_HOOKS=1.
func wasmCode(t testing.TB) *evhooks.Wasm { return evhookstest.Wasm(t) }

// hookCache is the compiled hooks the package's tests share (compiling the
// four hooks takes seconds under -race).
var hookCache = sync.OnceValue(localnet.NewHookCache)

// withWasm makes newEnv deploy the real hooks (set by TestWasmScenarios;
// the package's tests do not run in parallel).
var withWasm bool

// setup deploys the Go emulation, or the real hooks under withWasm.
func setup(t testing.TB, ctx context.Context, n *localnet.Net, cfg *evhooks.Config) (*evhooks.Deployment, error) {
	if withWasm {
		return evhooks.SetupWasm(ctx, n, cfg, wasmCode(t))
	}
	return evhooks.Setup(ctx, n, cfg)
}

// emulationOnly are rejections of the Go emulation that the real hooks do
// not make (upstream wins: these are emulation divergences, found by
// TestWasmScenarios).
var emulationOnly = map[string]bool{
	"Evernode: Invalid deregistration data.": true,
	"Evernode: Invalid update data.":         true,
	"Evernode: Invalid vote data.":           true,
}

// TestWasmScenarios runs the emulation's scenarios under the real hooks.
func TestWasmScenarios(t *testing.T) {
	wasmCode(t)
	for _, s := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Lifecycle", TestLifecycle},
		{"DeregWithoutHeartbeatRefundsAll", TestDeregWithoutHeartbeatRefundsAll},
		{"BadInputs", TestBadInputs},
		{"UpdateRegInfo", TestUpdateRegInfo},
		{"RebateAfterFeeChange", TestRebateAfterFeeChange},
		{"Transfer", TestTransfer},
		{"OutgoingAndNoEventIgnored", TestOutgoingAndNoEventIgnored},
		{"HeartbeatWithVote", TestHeartbeatWithVote},
		{"GovernanceDudHostLifecycle", TestGovernanceDudHostLifecycle},
		{"GovernanceModeAndProposals", TestGovernanceModeAndProposals},
		{"HostVotesInHeartbeats", TestHostVotesInHeartbeats},
		{"DeregisteredProposerPurgesItsCandidate", TestDeregisteredProposerPurgesItsCandidate},
	} {
		t.Run(s.name, func(t *testing.T) {
			withWasm = true
			defer func() { withWasm = false }()
			s.fn(t)
		})
	}
}

func newWasmEnv(t testing.TB) *env {
	t.Helper()
	code := wasmCode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose, HookCache: hookCache()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	d, err := evhooks.SetupWasm(ctx, n, &evhooks.Config{MomentSize: testMoment}, code)
	if err != nil {
		t.Fatal(err)
	}
	c, err := evernode.Dial(ctx, d.Network(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, ctx: ctx, n: n, d: d, c: c}
}

func TestWasmSetupState(t *testing.T) {
	e := newWasmEnv(t)
	cfg := e.config()
	t.Logf("config %+v", *cfg)
	for _, s := range e.namespace() {
		t.Log(s)
	}
}

// The real hooks' emission fee guards reject, as on Xahau.
func TestWasmFeeGuards(t *testing.T) {
	e := newWasmEnv(t)
	host := e.wallet("2000")
	cfg := e.config()
	reg, err := hook.Register(cfg, host.Address(), sampleReg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The fee base (10 drops) is above 150% of a recorded average of 1.
	low := hook.TrxFeeBaseInfo{FeeBaseAvg: 1}
	if err := e.d.SetState(e.ctx, evhooks.StateEntry{Key: hook.SingletonKey(hook.SingletonTrxFeeBaseInfo), Value: low.Encode()}); err != nil {
		t.Fatal(err)
	}
	e.commit()
	e.reject(host, reg, "Evernode: Too large fee base.")

	// Back to a sane average, but no execution fee allowed above the base,
	// and the host runs a hook of its own: the URIToken mint the registry
	// emits to it would cost more than the base.
	ok := hook.TrxFeeBaseInfo{FeeBaseAvg: 10}
	if err := e.d.SetState(e.ctx,
		evhooks.StateEntry{Key: hook.SingletonKey(hook.SingletonTrxFeeBaseInfo), Value: ok.Encode()},
		evhooks.StateEntry{Key: hook.ConfigKey(hook.ConfMaxTrxEmissionFee), Value: make([]byte, 8)}); err != nil {
		t.Fatal(err)
	}
	e.commit()
	if _, err := e.n.InstallHooks(e.ctx, host, localnet.WasmHook{Wasm: acceptWasm(), Namespace: [32]byte{1}}); err != nil {
		t.Fatal(err)
	}
	e.commit()
	e.reject(host, reg, "Evernode: Too large execution fee.")
}

// acceptWasm is a minimal hook: hook(){ return accept(0, 0, 0); }.
func acceptWasm() []byte {
	accept := wasmtest.Func("accept", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})
	return wasmtest.Build([]wasmtest.Import{accept},
		wasmtest.Cat(wasmtest.I32(0), wasmtest.I32(0), wasmtest.I64(0), wasmtest.Call(0)), nil)
}

// The heartbeat hook's vote assertions reject a host's direct vote.
func TestWasmVoteAssertions(t *testing.T) {
	e := newWasmEnv(t)
	host := e.wallet("500")
	e.register(host, false)
	vote := hook.Vote{Candidate: hook.PilotedModeCandidateID(), Value: hook.VoteSupport}
	p := evernode.Payment{Destination: e.d.Heartbeat.Address(), Amount: evernode.Drops(1)}
	p.HookParameters, _ = memo.Params{Event: memo.EventCandidateVote, Data: vote.Encode()}.Encode()
	e.reject(host, p, "Only foundation is allowed to vote in governance hook.")
}

// FetchWasm reads the code back from the HookDefinitions of a network.
func TestWasmFetch(t *testing.T) {
	e := newWasmEnv(t)
	code := wasmCode(t)
	got, err := evhooks.FetchWasm(e.ctx, e.c, e.d.GovernorAddress())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Registry, code.Registry) || !bytes.Equal(got.Heartbeat, code.Heartbeat) ||
		!bytes.Equal(got.Reputation, code.Reputation) || len(got.Governor) != len(code.Governor) {
		t.Fatal("fetched code differs from the installed code")
	}
}

// TestWasmDifferential runs one scenario under the Go emulation and under
// the real hooks, on the same clock and with the same host keys, and
// compares the governor's namespace entry by entry (account IDs and
// registration token IDs replaced by names). Known differences are the
// emulation's divergences; anything else fails.
func TestWasmDifferential(t *testing.T) {
	code := wasmCode(t)
	run := func(real bool) map[string]string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose,
			Now: func() time.Time { return start }, HookCache: hookCache()})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		var d *evhooks.Deployment
		if real {
			d, err = evhooks.SetupWasm(ctx, n, &evhooks.Config{MomentSize: testMoment}, code)
		} else {
			d, err = evhooks.Setup(ctx, n, &evhooks.Config{MomentSize: testMoment})
		}
		if err != nil {
			t.Fatal(err)
		}
		c, err := evernode.Dial(ctx, d.Network(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		e := &env{t: t, ctx: ctx, n: n, d: d, c: c}
		host := func(i byte) *evernode.Wallet {
			seed := sha512.Sum512([]byte{'h', i})
			w, err := evernode.NewWallet(bytes.NewReader(seed[:]), evernode.Ed25519)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Fund(ctx, w.Address(), 100_000_000); err != nil {
				t.Fatal(err)
			}
			if err := d.FundEVR(ctx, w, "2000"); err != nil {
				t.Fatal(err)
			}
			e.commit()
			return w
		}
		a, b := host(1), host(2)
		e.register(a, false)
		e.heartbeat(a)
		n.AdvanceTime(2 * testMoment * time.Second)
		e.commit()
		e.heartbeat(a)
		idB := e.register(b, false)
		dr, err := hook.Deregister(e.config(), b.Address(), idB, false)
		if err != nil {
			t.Fatal(err)
		}
		e.submit(b, dr)
		names := map[string]string{}
		for name, w := range map[string]*evernode.Wallet{"governor": d.Governor, "registry": d.Registry,
			"heartbeat": d.Heartbeat, "reputation": d.Reputation, "foundation": d.Foundation,
			"issuer": d.EVRIssuer, "hostA": a, "hostB": b} {
			id, _ := hook.ParseAccountID(w.Address())
			names[hex.EncodeToString(id[:])] = "<" + name + ">"
		}
		cfg := e.config()
		if h, err := hook.Host(ctx, c, cfg, a.Address()); err == nil {
			names[hex.EncodeToString(h.RegistrationTokenID[:])] = "<tokenA>"
			names[hex.EncodeToString(h.RegistrationTokenID[4:])] = "<tokenA[4:]>" // in the token id key
		}
		names[hex.EncodeToString(idB[:])] = "<tokenB>"
		names[hex.EncodeToString(idB[4:])] = "<tokenB[4:]>"
		ids := make([]string, 0, len(names))
		for id := range names {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) }) // whole ids first
		out := map[string]string{}
		for _, s := range e.namespace() {
			s = strings.ToLower(s)
			for _, id := range ids {
				s = strings.ReplaceAll(s, id, names[id])
			}
			k, v, _ := strings.Cut(s, "=")
			out[k] = v
		}
		return out
	}
	emu, real := run(false), run(true)
	// MOMENT_TRANSIT_INFO: the emulation writes it at initialisation, the
	// real governor only on a moment size change.
	known := map[string]bool{strings.ToLower(hex.EncodeToString(keyBytes(hook.ConfigKey(hook.ConfMomentTransitInfo)))): true}
	keys := map[string]bool{}
	for k := range emu {
		keys[k] = true
	}
	for k := range real {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if emu[k] != real[k] {
			diffs = append(diffs, fmt.Sprintf("%s\n  emulation %s\n  real      %s", k, emu[k], real[k]))
			if !known[k] {
				t.Errorf("state differs at %s:\n  emulation %s\n  real      %s", k, emu[k], real[k])
			}
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Log(d)
	}
	t.Logf("%d entries compared, %d differ", len(keys), len(diffs))
}

func keyBytes(k hook.Key) []byte { return k[:] }

// TestWasmJSHostClient has evernode-js-client's HostClient register,
// heartbeat and deregister against the real hooks
// (testdata/jshost/host.js). It needs node and EVERNODE_JS_CLIENT naming
// the installed package (…/node_modules/evernode-js-client, as CI sets it)
// or a directory holding node_modules/evernode-js-client; it is skipped
// otherwise.
func TestWasmJSHostClient(t *testing.T) {
	dir := os.Getenv("EVERNODE_JS_CLIENT")
	if dir == "" {
		t.Skip("EVERNODE_JS_CLIENT not set")
	}
	modules := filepath.Join(dir, "node_modules")
	if filepath.Base(filepath.Clean(dir)) == "evernode-js-client" {
		modules = filepath.Dir(filepath.Clean(dir))
	}
	if _, err := os.Stat(filepath.Join(modules, "evernode-js-client", "package.json")); err != nil {
		t.Skipf("evernode-js-client not installed in %s", modules)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	code := wasmCode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 500 * time.Millisecond, HookCache: hookCache()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	d, err := evhooks.SetupWasm(ctx, n, nil, code)
	if err != nil {
		t.Fatal(err)
	}
	host, err := n.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.FundEVR(ctx, host, "1000"); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "jshost", "host.js"))
	cmd := exec.CommandContext(ctx, node, script, n.URL(), d.GovernorAddress(),
		fmt.Sprint(n.Network().NetworkID), host.Seed())
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("host.js: %v", err)
	}
}

func TestWasmInputsChecked(t *testing.T) {
	if _, err := evhooks.LoadWasm(t.TempDir()); !errors.Is(err, evhooks.ErrNoWasm) {
		t.Fatalf("LoadWasm of an empty directory: %v", err)
	}
	ctx := context.Background()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := evhooks.SetupWasm(ctx, n, nil, &evhooks.Wasm{Governor: []byte{1}}); !errors.Is(err, evhooks.ErrNoWasm) {
		t.Fatalf("SetupWasm without all four hooks: %v", err)
	}
	bad := &evhooks.Wasm{Governor: []byte("not wasm"), Registry: []byte("x"), Heartbeat: []byte("x"), Reputation: []byte("x")}
	if _, err := evhooks.SetupWasm(ctx, n, nil, bad); !errors.Is(err, evhooks.ErrSetup) {
		t.Fatalf("SetupWasm of invalid code: %v", err)
	}
	if got := evhooks.WasmMessage("src/registry.c\x00", 308); got != "Currency should be EVR for host registration." {
		t.Errorf("WasmMessage: %q", got)
	}
	if got := evhooks.WasmMessage("Evernode: Too large fee base.\x00", 1); got != "Evernode: Too large fee base." {
		t.Errorf("WasmMessage of an explicit message: %q", got)
	}
}

// The real hooks pass SetHook's guard analysis; their definitions' Fee is
// the worst-case instruction count of hook (none has cbak).
func TestWasmGuardAnalysisFees(t *testing.T) {
	e := newWasmEnv(t)
	want := map[string]string{"governor": "11273", "registry": "12613", "heartbeat": "6910", "reputation": "17869"}
	for i, w := range []*evernode.Wallet{e.d.Governor, e.d.Registry, e.d.Heartbeat, e.d.Reputation} {
		name := evhooks.HookNames[i]
		hooks, err := e.c.AccountObjects(e.ctx, w.Address(), "hook")
		if err != nil || len(hooks) != 1 {
			t.Fatalf("%s: hook objects %v, %v", name, hooks, err)
		}
		arr, _ := hooks[0]["Hooks"].([]any)
		first, _ := arr[0].(map[string]any)
		h, _ := first["Hook"].(map[string]any)
		idx := localnet.HookDefinitionIndex(hexHash(t, fmt.Sprint(h["HookHash"])))
		def, err := e.c.LedgerEntry(e.ctx, strings.ToUpper(hex.EncodeToString(idx[:])), evernode.Current)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d bytes of code, Fee %v drops", name, len(fmt.Sprint(def["CreateCode"]))/2, def["Fee"])
		if def["Fee"] != want[name] || def["HookCallbackFee"] != nil {
			t.Errorf("%s: Fee %v HookCallbackFee %v, want %s and none", name, def["Fee"], def["HookCallbackFee"], want[name])
		}
	}
}

func hexHash(t *testing.T, s string) [32]byte {
	var h [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hash %q", s)
	}
	copy(h[:], b)
	return h
}
