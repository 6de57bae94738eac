package hookvm

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A tiny WebAssembly assembler for API tests: one hook(i32)->i64 function
// calling imported env functions, one page of memory and a data segment.

type wimport struct {
	name    string
	params  []byte // 0x7f i32, 0x7e i64
	results []byte
}

func uleb(v uint64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

func sleb(v int64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func section(id byte, body []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(body)))...), body...)
}

func vec(items ...[]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func name(s string) []byte { return append(uleb(uint64(len(s))), s...) }

// buildHook assembles a module; body is the hook function's code (without
// locals and end), data is placed at memory offset 1024.
func buildHook(imports []wimport, body, data []byte) []byte {
	var types [][]byte
	for _, im := range imports {
		types = append(types, append(append([]byte{0x60}, vec(bytesOf(im.params)...)...), vec(bytesOf(im.results)...)...))
	}
	types = append(types, []byte{0x60, 1, 0x7f, 1, 0x7e})
	var imps [][]byte
	for i, im := range imports {
		imps = append(imps, append(append(name("env"), name(im.name)...), append([]byte{0}, uleb(uint64(i))...)...))
	}
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(m, section(1, vec(types...))...)
	m = append(m, section(2, vec(imps...))...)
	m = append(m, section(3, vec(uleb(uint64(len(imports)))))...)
	m = append(m, section(5, vec([]byte{0, 1}))...)
	m = append(m, section(7, vec(append(name("hook"), append([]byte{0}, uleb(uint64(len(imports)))...)...)))...)
	fn := append([]byte{0}, append(body, 0x0b)...)
	m = append(m, section(10, vec(append(uleb(uint64(len(fn))), fn...)))...)
	if data != nil {
		seg := append([]byte{0, 0x41}, sleb(1024)...)
		seg = append(seg, 0x0b)
		seg = append(seg, uleb(uint64(len(data)))...)
		seg = append(seg, data...)
		m = append(m, section(11, vec(seg))...)
	}
	return m
}

func bytesOf(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i, x := range b {
		out[i] = []byte{x}
	}
	return out
}

// Instruction helpers.
func i32c(v int32) []byte { return append([]byte{0x41}, sleb(int64(v))...) }
func i64c(v int64) []byte { return append([]byte{0x42}, sleb(v)...) }
func call(i int) []byte   { return append([]byte{0x10}, uleb(uint64(i))...) }
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	imAccept   = wimport{"accept", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e}}
	imRollback = wimport{"rollback", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e}}
	imGuard    = wimport{"_g", []byte{0x7f, 0x7f}, []byte{0x7f}}
	imStateSet = wimport{"state_set", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e}}
	imState    = wimport{"state", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e}}
	imEmit     = wimport{"emit", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e}}
	imReserve  = wimport{"etxn_reserve", []byte{0x7f}, []byte{0x7e}}
	imOtxnType = wimport{"otxn_type", nil, []byte{0x7e}}
	imParam    = wimport{"hook_param", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e}}
)

func runHook(t *testing.T, wasm []byte, c *Call) *Result {
	t.Helper()
	ctx := context.Background()
	rt, err := NewRuntime(ctx, nil)
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
