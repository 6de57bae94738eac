package hookvm_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/hookvm"
	w "github.com/evernode-go/sdk/internal/hookvm/wasmtest"
)

var gAccept = w.Func("accept", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})

// guardIdx is the index wasmtest gives the _g import it adds after
// gAccept.
const guardIdx = 1

// acceptTail is accept(0, 0, 0): four instructions.
var acceptTail = w.Cat(w.I32(0), w.I32(0), w.I64(0), w.Call(0))

func guardCode(t *testing.T, wasm []byte) int {
	t.Helper()
	_, _, err := hookvm.ValidateGuards(wasm)
	var ge *hookvm.GuardError
	require.True(t, errors.As(err, &ge), "want a GuardError, got %v", err)
	assert.ErrorIs(t, err, hookvm.ErrGuard)
	return ge.Code
}

// Worst-case counts are xahaud's: every instruction once (the function's
// final end included, a loop's guard call excluded), a loop's body times
// its maxiter, an inner loop's maxiter counting across the outer loop's
// iterations.
func TestGuardWorstCaseCounts(t *testing.T) {
	for name, tc := range map[string]struct {
		body, cbak []byte
		hook, cb   uint64
	}{
		// 4 + end
		"straight": {body: acceptTail, hook: 5},
		// loop + (drop nop end)*10 + 4 + end
		"loop": {body: w.Cat(w.Loop(guardIdx, 1, 10, []byte{0x01}), acceptTail), hook: 1 + 30 + 5},
		// outer: loop + (drop + inner loop + end)*10; inner (drop nop end)*100
		"nested": {body: w.Cat(w.Loop(guardIdx, 1, 10, w.Loop(guardIdx, 2, 100, []byte{0x01})), acceptTail), hook: 1 + 30 + 300 + 5},
		// a block inside a loop runs as often as the loop
		"block in loop": {body: w.Cat(w.Loop(guardIdx, 1, 5, w.Block([]byte{0x01})), acceptTail), hook: 1 + 5*(1+1+3) + 5},
		// an inner maxiter below the outer's scales below one and counts once
		"inner smaller": {body: w.Cat(w.Loop(guardIdx, 1, 10, w.Loop(guardIdx, 2, 3, nil)), acceptTail), hook: 1 + (3+1)*10 + 5},
		"with cbak":     {body: acceptTail, cbak: w.Cat(w.Loop(guardIdx, 3, 7, nil), acceptTail), hook: 5, cb: 1 + 14 + 5},
	} {
		t.Run(name, func(t *testing.T) {
			wasm := w.BuildWithCallback([]w.Import{gAccept}, tc.body, tc.cbak, nil)
			h, c, err := hookvm.ValidateGuards(wasm)
			require.NoError(t, err)
			assert.Equal(t, tc.hook, h, "hook")
			assert.Equal(t, tc.cb, c, "cbak")
		})
	}
}

func TestGuardRejections(t *testing.T) {
	build := func(body []byte) []byte { return w.Build([]w.Import{gAccept}, body, nil) }
	deep := acceptTail
	for range 17 {
		deep = w.Block(deep)
	}
	for name, tc := range map[string]struct {
		wasm []byte
		code int
	}{
		"loop without guard": {build(w.Cat([]byte{0x03, 0x40, 0x01, 0x0b}, acceptTail)), hookvm.LogGuardMissing},
		"loop guard not _g": {build(w.Cat([]byte{0x03, 0x40}, w.I32(1), w.I32(2), w.Call(0), []byte{0x1a, 0x0b}, acceptTail)),
			hookvm.LogGuardMissing},
		"zero maxiter":    {build(w.Cat(w.Loop(guardIdx, 1, 0, nil), acceptTail)), hookvm.LogGuardMissing},
		"memory.grow":     {build(w.Cat(w.I32(1), []byte{0x40, 0x00, 0x1a}, acceptTail)), hookvm.LogMemoryGrow},
		"call_indirect":   {build(w.Cat(w.I32(0), []byte{0x11, 0x00, 0x00}, acceptTail)), hookvm.LogCallIndirect},
		"own function":    {build(w.Cat(w.I32(0), w.Call(2), []byte{0x1a}, acceptTail)), hookvm.LogCallIllegal},
		"too many instrs": {build(w.Cat(w.Loop(guardIdx, 1, 30000, []byte{0x01}), acceptTail)), hookvm.LogInstructionExcess},
		"17 levels":       {build(deep), hookvm.LogNestingLimit},
		"unknown import":  {w.Build([]w.Import{w.Func("launch_missiles", []byte{0x7f}, []byte{0x7e})}, acceptTail, nil), hookvm.LogImportIllegal},
		"wrong signature": {w.Build([]w.Import{w.Func("accept", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})}, acceptTail, nil), hookvm.LogFuncParamInvalid},
		"custom section":  {append(build(acceptTail), 0, 4, 1, 'x', 1, 2), hookvm.LogCustomSectionDisallowed},
		"too small":       {[]byte("\x00asm\x01\x00\x00\x00"), hookvm.LogWasmTooSmall},
		"no _g import":    {noGuardImport, hookvm.LogGuardImport},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.code, guardCode(t, tc.wasm))
		})
	}
}

// noGuardImport is hook(){ return accept(0,0,0); } importing accept only.
var noGuardImport = []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
	1, 13, 2, 0x60, 3, 0x7f, 0x7f, 0x7e, 1, 0x7e, 0x60, 1, 0x7f, 1, 0x7e,
	2, 14, 1, 3, 'e', 'n', 'v', 6, 'a', 'c', 'c', 'e', 'p', 't', 0, 0,
	3, 2, 1, 1,
	5, 3, 1, 0, 1,
	7, 8, 1, 4, 'h', 'o', 'o', 'k', 0, 1,
	10, 12, 1, 10, 0, 0x41, 0, 0x41, 0, 0x42, 0, 0x10, 0, 0x0b}

// The 1024-call limit on _g counts loop guards and direct calls alike.
func TestGuardCallLimit(t *testing.T) {
	call := w.Cat(w.I32(1), w.I32(1), w.Call(guardIdx), w.Drop())
	ok := w.Build([]w.Import{gAccept}, w.Cat(bytes.Repeat(call, 1025), acceptTail), nil)
	_, _, err := hookvm.ValidateGuards(ok)
	require.NoError(t, err)
	bad := w.Build([]w.Import{gAccept}, w.Cat(bytes.Repeat(call, 1026), acceptTail), nil)
	assert.Equal(t, hookvm.LogGuardMissing, guardCode(t, bad))
}

// Truncated or corrupted modules never panic the analysis. (As in xahaud,
// it does not read the data section: a module cut there passes it and is
// refused by the compile that follows.)
func TestGuardTruncatedModules(t *testing.T) {
	wasm := w.BuildWithCallback([]w.Import{gAccept}, w.Cat(w.Loop(guardIdx, 1, 10, []byte{0x01}), acceptTail), acceptTail, []byte("data"))
	for n := range len(wasm) - 13 { // up to the code section's end
		_, _, err := hookvm.ValidateGuards(wasm[:n])
		assert.ErrorIs(t, err, hookvm.ErrGuard, "prefix %d", n)
	}
	for i := 8; i < len(wasm); i++ {
		c := bytes.Clone(wasm)
		c[i] ^= 0xff
		_, _, _ = hookvm.ValidateGuards(c)
	}
}

func TestStripCustomSections(t *testing.T) {
	clean := w.Build([]w.Import{gAccept}, acceptTail, nil)
	dirty := append(bytes.Clone(clean), 0, 4, 1, 'x', 1, 2)
	assert.Equal(t, clean, hookvm.StripCustomSections(dirty))
	assert.Equal(t, clean, hookvm.StripCustomSections(clean))
	_, _, err := hookvm.ValidateGuards(hookvm.StripCustomSections(dirty))
	assert.NoError(t, err)
	assert.Equal(t, []byte("nope"), hookvm.StripCustomSections([]byte("nope")))
}

func TestExecutionAndCreationFees(t *testing.T) {
	assert.Equal(t, int64(12613), hookvm.ExecutionFee(12613))
	assert.Equal(t, int64(1<<63-1), hookvm.ExecutionFee(1<<64-1))
	assert.Equal(t, int64(500*100), hookvm.CreationFee(100))
}
