package hookvm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/codec"
)

// hooksDir finds the Evernode hook wasm files: EVERNODE_HOOKS_WASM, or
// ../shared/data/evernode-hooks above the worktree. Tests skip when they
// are absent, and fail when EVERNODE_REQUIRE_HOOKS=1.
func hooksDir(t testing.TB) string {
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
		if _, err := os.Stat(filepath.Join(d, "governor.wasm")); err == nil {
			return d
		}
	}
	if os.Getenv("EVERNODE_REQUIRE_HOOKS") == "1" {
		t.Fatal("EVERNODE_REQUIRE_HOOKS=1 but no governor.wasm in EVERNODE_HOOKS_WASM or ../shared/data/evernode-hooks")
	}
	t.Skip("the Evernode hook wasm files are absent: set EVERNODE_HOOKS_WASM to their directory")
	return ""
}

// fakeLedger is a map of serialised entries.
type fakeLedger struct {
	entries map[[32]byte][]byte
	fee     int64
}

func (l *fakeLedger) Entry(k [32]byte) []byte { return l.entries[k] }

func (l *fakeLedger) BaseFee([]byte) (int64, error) { return l.fee, nil }

func codecXahau() *codec.Definitions { return codec.Xahau() }

func mustAccount(t testing.TB, s string) [20]byte {
	t.Helper()
	var a [20]byte
	b, err := codec.Xahau().Encode(map[string]any{"Account": s})
	require.NoError(t, err)
	copy(a[:], b[2:])
	return a
}

func encodeTx(t testing.TB, tx map[string]any) ([]byte, [32]byte) {
	t.Helper()
	b, err := codec.Xahau().Encode(tx)
	require.NoError(t, err)
	return b, codec.TransactionHash(b)
}

const (
	hookAddr = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
	userAddr = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"
)

func newCall(t testing.TB, l *fakeLedger, tx map[string]any) *Call {
	blob, id := encodeTx(t, tx)
	return &Call{Ledger: l, State: NewStateMap(), Tx: blob, TxID: id,
		Account: mustAccount(t, hookAddr), LedgerSeq: 10, ParentCloseTime: 780000000,
		Fees: Fees{Base: 10, ReserveBase: 1_000_000, ReserveInc: 200_000}, Strong: true}
}

func payment() map[string]any {
	return map[string]any{"TransactionType": "Payment", "Account": userAddr, "Destination": hookAddr,
		"Amount": "1000000", "Fee": "12", "Sequence": uint32(5), "SigningPubKey": "",
		"Flags": uint32(0)}
}

func TestRealEvernodeHooksRun(t *testing.T) {
	dir := hooksDir(t)
	ctx := context.Background()
	rt, err := NewRuntime(ctx, nil, nil)
	require.NoError(t, err)
	defer rt.Close(ctx)
	for _, name := range []string{"governor", "registry", "heartbeat", "reputation"} {
		t.Run(name, func(t *testing.T) {
			wasm, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
			require.NoError(t, err)
			m, err := rt.Compile(ctx, wasm)
			require.NoError(t, err)
			again, err := rt.Compile(ctx, wasm)
			require.NoError(t, err)
			assert.Same(t, m, again, "compiled once, cached by hook hash")
			assert.Equal(t, codec.SHA512Half(wasm), m.Hash())
			var traces []string
			c := newCall(t, &fakeLedger{entries: map[[32]byte][]byte{}, fee: 10}, payment())
			c.HookHash = m.Hash()
			c.Trace = func(s string) { traces = append(traces, s) }
			res := rt.Run(ctx, m, c)
			require.NoError(t, res.Err)
			require.Contains(t, []ExitType{ExitAccept, ExitRollback}, res.Exit)
			t.Logf("%s: exit %d code %d %q (%d host calls, traces %d)", name, res.Exit, res.Code, res.Reason, res.Instructions, len(traces))
		})
	}
}

func TestCompileRejectsForeignImports(t *testing.T) {
	ctx := context.Background()
	rt, err := NewRuntime(ctx, nil, nil)
	require.NoError(t, err)
	defer rt.Close(ctx)
	_, err = rt.Compile(ctx, []byte("not wasm"))
	assert.True(t, errors.Is(err, ErrInvalidModule))
	// (module (import "env" "fopen" (func (param i32) (result i64))) (func (export "hook") (param i32) (result i64) i64.const 0))
	bad := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 6, 1, 0x60, 1, 0x7f, 1, 0x7e,
		2, 13, 1, 3, 'e', 'n', 'v', 5, 'f', 'o', 'p', 'e', 'n', 0, 0,
		3, 2, 1, 0,
		7, 8, 1, 4, 'h', 'o', 'o', 'k', 0, 1,
		10, 6, 1, 4, 0, 0x42, 0, 0x0b}
	_, err = rt.Compile(ctx, bad)
	assert.True(t, errors.Is(err, ErrInvalidModule), "%v", err)
}

// BenchmarkRunGovernor is one execution of the real governor hook on a
// plain payment (instantiation included):
//
//	go test -run '^$' -bench RunGovernor -benchtime=2000x ./internal/hookvm/
func BenchmarkRunGovernor(b *testing.B) {
	dir := hooksDir(b)
	ctx := context.Background()
	rt, err := NewRuntime(ctx, nil, nil)
	require.NoError(b, err)
	defer rt.Close(ctx)
	wasm, err := os.ReadFile(filepath.Join(dir, "governor.wasm"))
	require.NoError(b, err)
	m, err := rt.Compile(ctx, wasm)
	require.NoError(b, err)
	l := &fakeLedger{entries: map[[32]byte][]byte{}, fee: 10}
	c := newCall(b, l, payment())
	c.HookHash = m.Hash()
	b.ResetTimer()
	for b.Loop() {
		c.State = NewStateMap()
		if res := rt.Run(ctx, m, c); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}
