package evhooks_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
)

// wasmCode loads the real Evernode hooks from EVERNODE_HOOKS_WASM or
// ../shared/data/evernode-hooks above the module; it skips the test when
// they are absent, unless EVERNODE_REQUIRE_HOOKS=1.
func wasmCode(t testing.TB) *evhooks.Wasm {
	t.Helper()
	dirs := []string{os.Getenv("EVERNODE_HOOKS_WASM")}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			dirs = append(dirs, filepath.Join(d, "..", "shared", "data", "evernode-hooks"))
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if w, err := evhooks.LoadWasm(d); err == nil {
			return w
		}
	}
	if os.Getenv("EVERNODE_REQUIRE_HOOKS") == "1" {
		t.Fatal("EVERNODE_REQUIRE_HOOKS=1 but the Evernode hook wasm files are not in EVERNODE_HOOKS_WASM or ../shared/data/evernode-hooks")
	}
	t.Skip("the Evernode hook wasm files are absent: set EVERNODE_HOOKS_WASM to their directory")
	return nil
}

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
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
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
