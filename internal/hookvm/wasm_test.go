package hookvm

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/hookvm/wasmtest"
)

type wimport = wasmtest.Import

var (
	buildHook = wasmtest.Build
	i32c      = wasmtest.I32
	i64c      = wasmtest.I64
	call      = wasmtest.Call
	cat       = wasmtest.Cat
	fn        = wasmtest.Func
)

var (
	imAccept   = fn("accept", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})
	imRollback = fn("rollback", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})
	imGuard    = fn("_g", []byte{0x7f, 0x7f}, []byte{0x7f})
	imStateSet = fn("state_set", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imState    = fn("state", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imEmit     = fn("emit", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imReserve  = fn("etxn_reserve", []byte{0x7f}, []byte{0x7e})
	imOtxnType = fn("otxn_type", nil, []byte{0x7e})
	imParam    = fn("hook_param", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
)

func runHook(t *testing.T, wasm []byte, c *Call) *Result {
	t.Helper()
	ctx := context.Background()
	rt, err := NewRuntime(ctx, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close(ctx) })
	m, err := rt.Compile(ctx, wasm)
	require.NoError(t, err)
	c.HookHash = m.Hash()
	res := rt.Run(ctx, m, c)
	require.NoError(t, res.Err)
	return res
}

func fundedLedger(t *testing.T) *fakeLedger {
	l := &fakeLedger{entries: map[[32]byte][]byte{}, fee: 10}
	root := map[string]any{"LedgerEntryType": "AccountRoot", "Account": hookAddr, "Balance": "100000000",
		"Flags": uint32(0), "OwnerCount": uint32(0), "Sequence": uint32(1)}
	b, err := codecXahau().Encode(root)
	require.NoError(t, err)
	l.entries[AccountKeylet(mustAccount(t, hookAddr)).Key] = b
	return l
}

func TestAcceptWithMessageAndState(t *testing.T) {
	// state_set("value" at 1024, key "k" at 1029); accept("done", 7)
	body := cat(
		i32c(1024), i32c(5), i32c(1029), i32c(1), call(1), []byte{0x1a},
		i32c(1030), i32c(4), i64c(7), call(0),
	)
	wasm := buildHook([]wimport{imAccept, imStateSet}, body, []byte("value"+"k"+"done"))
	c := newCall(t, fundedLedger(t), payment())
	res := runHook(t, wasm, c)
	assert.Equal(t, ExitAccept, res.Exit)
	assert.Equal(t, int64(7), res.Code)
	assert.Equal(t, "done", res.Reason)
	ch := c.State.Changes()
	require.Len(t, ch, 1)
	assert.Equal(t, []byte("value"), ch[0].Data)
	assert.Equal(t, byte('k'), ch[0].Key[31])
}

func TestRollbackGuardAndEmitCodes(t *testing.T) {
	// rollback("no", 42)
	wasm := buildHook([]wimport{imRollback}, cat(i32c(1024), i32c(2), i64c(42), call(0)), []byte("no"))
	res := runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, ExitRollback, res.Exit)
	assert.Equal(t, int64(42), res.Code)
	assert.Equal(t, "no", res.Reason)

	// Five calls of _g(1, 3): the fourth exceeds the guard and rolls back
	// with GUARD_VIOLATION; the accept after it never runs.
	g := cat(i32c(1), i32c(3), call(0), []byte{0x1a})
	wasm = buildHook([]wimport{imGuard, imAccept}, cat(g, g, g, g, g, i32c(0), i32c(0), i64c(0), call(1)), nil)
	res = runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, ExitRollback, res.Exit)
	assert.Equal(t, GuardViolation, res.Code)

	// accept(0, 0, emit(...)) without etxn_reserve: PREREQUISITE_NOT_MET.
	wasm = buildHook([]wimport{imAccept, imEmit}, cat(i32c(0), i32c(0),
		i32c(2048), i32c(32), i32c(1024), i32c(10), call(1), call(0)), []byte("0123456789"))
	res = runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, ExitAccept, res.Exit)
	assert.Equal(t, PrerequisiteNotMet, res.Code)

	// etxn_reserve(1) then emit of garbage: EMISSION_FAILURE.
	wasm = buildHook([]wimport{imAccept, imEmit, imReserve}, cat(i32c(1), call(2), []byte{0x1a}, i32c(0), i32c(0),
		i32c(2048), i32c(32), i32c(1024), i32c(10), call(1), call(0)), []byte("0123456789"))
	res = runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, EmissionFailure, res.Code)
	assert.Empty(t, res.Emitted)

	// accept(0, 0, otxn_type()): a Payment is type 0; hook_param of a
	// missing name is DOESNT_EXIST.
	wasm = buildHook([]wimport{imAccept, imOtxnType}, cat(i32c(0), i32c(0), call(1), call(0)), nil)
	res = runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, int64(0), res.Code)
	wasm = buildHook([]wimport{imAccept, imParam}, cat(i32c(0), i32c(0),
		i32c(2048), i32c(32), i32c(1024), i32c(1), call(1), call(0)), []byte("P"))
	c := newCall(t, fundedLedger(t), payment())
	res = runHook(t, wasm, c)
	assert.Equal(t, DoesntExist, res.Code)
	c = newCall(t, fundedLedger(t), payment())
	c.Params = map[string][]byte{"P": []byte("xyz")}
	res = runHook(t, wasm, c)
	assert.Equal(t, int64(3), res.Code)
}

func TestStateReadsCacheAndReserve(t *testing.T) {
	// state_set then state read back into memory: accept(0,0,state(...)).
	body := cat(
		i32c(1024), i32c(3), i32c(1027), i32c(1), call(1), []byte{0x1a},
		i32c(0), i32c(0), i32c(2048), i32c(8), i32c(1027), i32c(1), call(2), call(0),
	)
	wasm := buildHook([]wimport{imAccept, imStateSet, imState}, body, []byte("abck"))
	res := runHook(t, wasm, newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, int64(3), res.Code, "state returns the cached length")

	// An account without spare reserve cannot create state.
	l := &fakeLedger{entries: map[[32]byte][]byte{}, fee: 10}
	root := map[string]any{"LedgerEntryType": "AccountRoot", "Account": hookAddr, "Balance": "1000000",
		"Flags": uint32(0), "OwnerCount": uint32(0), "Sequence": uint32(1)}
	b, err := codecXahau().Encode(root)
	require.NoError(t, err)
	l.entries[AccountKeylet(mustAccount(t, hookAddr)).Key] = b
	wasm = buildHook([]wimport{imAccept, imStateSet}, cat(i32c(0), i32c(0),
		i32c(1024), i32c(3), i32c(1027), i32c(1), call(1), call(0)), []byte("abck"))
	res = runHook(t, wasm, newCall(t, l, payment()))
	assert.Equal(t, ReserveInsufficient, res.Code)
}
