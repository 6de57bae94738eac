// Package hookvm runs Xahau hooks compiled to WebAssembly, in pure Go on
// wazero, with the semantics and return codes of xahaud's hook API
// (src/ripple/app/hook in Xahau/xahaud).
//
// A Runtime compiles each distinct module once (keyed by its hook hash, the
// SHA-512Half of the wasm) and instantiates it afresh for every execution.
// The ledger is reached only through the small Ledger interface: hookvm
// reads serialised ledger objects and never imports the ledger engine.
// State writes are buffered in a StateMap shared by the executions of one
// originating transaction; emitted transactions are returned in the Result
// for the caller to queue.
//
// Every function of xahaud's import whitelist is provided (Implemented
// lists them). XFL
// arithmetic follows hook_float and ripple::Number to the bit, including
// normalize_xfl's rounding through the C library's log10; the known
// answers of xahaud's SetHook tests are in testdata.
//
// ValidateGuards is SetHook's guard analysis (xahaud's Guard.h): the
// "guard at the top of every loop" rule, the memory.grow, call_indirect and
// internal-call bans, and the worst-case instruction counts that become a
// HookDefinition's Fee and HookCallbackFee.
//
// Differences from xahaud: wazero does not meter instructions, so
// Result.Instructions counts host calls and Call.Timeout bounds a run;
// Compile itself checks only that a module compiles, imports whitelisted
// env functions and exports int64 hook(uint32) (SetHook runs
// ValidateGuards first).
package hookvm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/evernode-go/sdk/internal/codec"
)

// Errors of Compile and Run.
var (
	// ErrInvalidModule wraps a module that does not compile, imports a
	// function outside the hook API, or does not export hook.
	ErrInvalidModule = errors.New("hookvm: invalid hook module")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("hookvm: runtime closed")
)

// Ledger is what a hook execution reads from the ledger.
type Ledger interface {
	// Entry returns the serialised ledger object at index key as the
	// transaction sees it, or nil if there is none.
	Entry(key [32]byte) []byte
	// BaseFee is xahaud's Transactor::calculateBaseFee of a serialised
	// transaction (base fee times burden, hook execution fees of its
	// stakeholders, memo and parameter bytes), in drops.
	BaseFee(tx []byte) (int64, error)
}

// Lister is optionally implemented by a Ledger that can tell whether an
// object exists without serialising it.
type Lister interface {
	Has(key [32]byte) bool
}

// has reports whether the ledger holds an object at key.
func (x *exec) has(key [32]byte) bool {
	if l, ok := x.call.Ledger.(Lister); ok {
		return l.Has(key)
	}
	return x.call.Ledger.Entry(key) != nil
}

// Fees are the ledger's fee settings, in drops.
type Fees struct {
	Base        int64
	ReserveBase int64
	ReserveInc  int64
}

// Call is one hook execution's input.
type Call struct {
	// Ledger reads ledger objects; required.
	Ledger Ledger
	// State is the state cache of the originating transaction; required,
	// shared by the whole chain (and any again-as-weak executions).
	State *StateMap
	// Tx is the serialised originating transaction and TxID its hash.
	Tx   []byte
	TxID [32]byte
	// Account is the account the hook is installed on.
	Account [20]byte
	// HookHash and Namespace identify the hook and its state namespace.
	HookHash  [32]byte
	Namespace [32]byte
	// Params are the hook's parameters (definition defaults overridden by
	// the Hook object's), name to value.
	Params map[string][]byte
	// ParamOverrides are the hook_param_set calls of earlier hooks of the
	// chain: hook hash, then name to value (an empty value hides the
	// parameter).
	ParamOverrides map[[32]byte]map[string][]byte
	// LedgerSeq is the open ledger's sequence; ParentCloseTime (seconds
	// since the Ripple epoch) and ParentHash describe the last closed one.
	LedgerSeq       uint32
	ParentCloseTime uint32
	ParentHash      [32]byte
	Fees            Fees
	// Strong is a strong (rollback-capable) execution, Callback an
	// execution of cbak; HasCallback tells whether the module exports cbak.
	Strong, Callback, HasCallback bool
	// WasmParam is the argument hook() or cbak() receives.
	WasmParam uint32
	// ChainPosition is the hook's index in the account's chain.
	ChainPosition uint8
	// ProvisionalMeta is the serialised provisional metadata of the
	// originating transaction that weak executions read with meta_slot
	// (nil: none, as for strong executions).
	ProvisionalMeta []byte
	// Trace receives trace() output; nil discards it.
	Trace func(msg string)
	// Timeout bounds one execution's wall time as a safety net against a
	// hook that was never guard-checked. Zero means 10 s.
	Timeout time.Duration
}

// Emitted is a transaction a hook emitted.
type Emitted struct {
	ID    [32]byte
	Blob  []byte
	Nonce [32]byte
}

// Result is how an execution ended.
type Result struct {
	Exit   ExitType
	Reason string
	Code   int64
	// Emitted are the transactions emitted, in order; they count only if
	// the execution accepted.
	Emitted []Emitted
	// StateChanges is HookStateChangeCount.
	StateChanges int
	// Instructions approximates HookInstructionCount: the host calls the
	// hook made (wazero does not meter instructions).
	Instructions uint64
	// Again is set when a strong execution called hook_again.
	Again bool
	// Skips are the hooks of the chain this one asked to skip
	// (hook_skip), and Overrides the parameters it set for later hooks
	// (hook_param_set), by hook hash.
	Skips     map[[32]byte]bool
	Overrides map[[32]byte]map[string][]byte
	// Err is the trap or host error behind an ExitWasmError.
	Err error
}

// Module is a compiled hook.
type Module struct {
	hash     [32]byte
	compiled wazero.CompiledModule
	hasCbak  bool
}

// Hash is the hook hash: SHA-512Half of the wasm bytes.
func (m *Module) Hash() [32]byte { return m.hash }

// HasCallback reports whether the module exports cbak.
func (m *Module) HasCallback() bool { return m.hasCbak }

// Runtime compiles and runs hooks. It is safe for concurrent use; Close
// releases it.
type Runtime struct {
	rt   wazero.Runtime
	defs *codec.Definitions

	names map[string]bool // the API's function names

	mu      sync.Mutex
	modules map[[32]byte]*Module
	closed  bool
}

// Cache holds compiled machine code that several runtimes share, so that
// a process starting many ledgers compiles each hook once. It is safe for
// concurrent use; Close it after the runtimes that use it.
type Cache struct{ c wazero.CompilationCache }

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{c: wazero.NewCompilationCache()} }

// Close releases the cache.
func (c *Cache) Close(ctx context.Context) error { return c.c.Close(ctx) }

// NewRuntime returns a runtime for Xahau's definitions (nil means
// codec.Xahau()). cache may be nil (the runtime compiles on its own).
func NewRuntime(ctx context.Context, defs *codec.Definitions, cache *Cache) (*Runtime, error) {
	if defs == nil {
		defs = codec.Xahau()
	}
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache.c)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	b := rt.NewHostModuleBuilder("env")
	funcs := hostFuncs()
	names := make(map[string]bool, len(funcs))
	for _, f := range funcs {
		names[f.name] = true
		f := f
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
				x := ctx.Value(execKey{}).(*exec)
				x.mem = mod.Memory()
				x.result.Instructions++
				r := NotImplemented
				if f.fn != nil {
					r = f.fn(x, stack)
				}
				if r == RCAccept || r == RCRollback {
					panic(exitSignal{})
				}
				if f.i32 {
					stack[0] = api.EncodeI32(int32(r))
				} else {
					stack[0] = uint64(r)
				}
			}), f.params, f.results()).
			Export(f.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("hookvm: host module: %w", err)
	}
	return &Runtime{rt: rt, defs: defs, names: names, modules: map[[32]byte]*Module{}}, nil
}

// Close releases every compiled module.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.modules = nil
	r.mu.Unlock()
	return r.rt.Close(ctx)
}

// Compile validates and compiles wasm, or returns the module compiled
// before for the same bytes.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	h := codec.SHA512Half(wasm)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if m := r.modules[h]; m != nil {
		return m, nil
	}
	cm, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	for _, imp := range cm.ImportedFunctions() {
		mod, name, _ := imp.Import()
		if mod != "env" || !r.names[name] {
			cm.Close(ctx)
			return nil, fmt.Errorf("%w: imports %s.%s", ErrInvalidModule, mod, name)
		}
	}
	ex := cm.ExportedFunctions()
	if !isHookFunc(ex["hook"]) {
		cm.Close(ctx)
		return nil, fmt.Errorf("%w: no int64 hook(uint32) export", ErrInvalidModule)
	}
	m := &Module{hash: h, compiled: cm, hasCbak: isHookFunc(ex["cbak"])}
	r.modules[h] = m
	return m, nil
}

func isHookFunc(f api.FunctionDefinition) bool {
	if f == nil {
		return false
	}
	p, res := f.ParamTypes(), f.ResultTypes()
	return len(p) == 1 && p[0] == api.ValueTypeI32 && len(res) == 1 && res[0] == api.ValueTypeI64
}

type execKey struct{}

// exitSignal unwinds the wasm stack on accept, rollback and guard
// violations.
type exitSignal struct{}

func (exitSignal) Error() string { return "hookvm: hook exited" }

// exec is the state of one execution (xahaud's HookContext).
type exec struct {
	call   *Call
	defs   *codec.Definitions
	mem    api.Memory
	result Result

	otx stNode

	slots       map[uint32]stNode
	slotFree    []uint32
	slotCounter uint32

	guards map[uint32]uint32

	expectedEtxn   int
	nonceCounter   uint32
	ledgerNonces   uint32
	noncesUsed     map[[32]byte]bool
	burden         int64
	generation     int64
	foreignBlocked bool
	overrideCount  int
}

// Run executes hook (or cbak when c.Callback) of m.
func (r *Runtime) Run(ctx context.Context, m *Module, c *Call) *Result {
	x := &exec{call: c, defs: r.defs, slots: map[uint32]stNode{}, guards: map[uint32]uint32{},
		expectedEtxn: -1, noncesUsed: map[[32]byte]bool{},
		otx: rootNode(stiTransaction, c.Tx)}
	x.result.Exit = ExitRollback
	x.result.Code = -1
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, execKey{}, x), timeout)
	defer cancel()
	mod, err := r.rt.InstantiateModule(ctx, m.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return x.wasmError(err)
	}
	defer mod.Close(context.Background())
	entry := "hook"
	if c.Callback {
		entry = "cbak"
	}
	fn := mod.ExportedFunction(entry)
	if fn == nil {
		return x.wasmError(fmt.Errorf("hookvm: no %s export", entry))
	}
	_, err = fn.Call(ctx, uint64(c.WasmParam))
	switch {
	case err == nil:
		// Returning without accept() or rollback() rolls back.
		x.result.Exit = ExitRollback
	case errors.As(err, new(exitSignal)):
	default:
		return x.wasmError(err)
	}
	if x.result.Exit != ExitAccept {
		x.result.Emitted = nil
	}
	return &x.result
}

func (x *exec) wasmError(err error) *Result {
	x.result.Exit = ExitWasmError
	x.result.Err = err
	x.result.Emitted = nil
	return &x.result
}

// memory helpers -----------------------------------------------------------

func (x *exec) memLen() uint64 { return uint64(x.mem.Size()) }

// notInBounds is NOT_IN_BOUNDS.
func (x *exec) notInBounds(ptr, n uint32) bool {
	l := x.memLen()
	return uint64(ptr) >= l || uint64(ptr)+uint64(n) > l
}

// read returns hook memory (a view, valid during the call) or nil.
func (x *exec) read(ptr, n uint32) []byte {
	if x.notInBounds(ptr, n) && !(n == 0 && uint64(ptr) <= x.memLen()) {
		return nil
	}
	b, ok := x.mem.Read(ptr, n)
	if !ok {
		return nil
	}
	return b
}

// write is WRITE_WASM_MEMORY_AND_RETURN: copies min(len(data), n) bytes.
func (x *exec) write(ptr, n uint32, data []byte) int64 {
	if uint64(len(data)) < uint64(n) {
		n = uint32(len(data))
	}
	if uint64(ptr)+uint64(n) > x.memLen() {
		return OutOfBounds
	}
	if !x.mem.Write(ptr, data[:n]) {
		return InternalError
	}
	return int64(n)
}

// writeOrInt is WRITE_WASM_MEMORY_OR_RETURN_AS_INT64.
func (x *exec) writeOrInt(ptr, n uint32, data []byte, isAccount bool) int64 {
	if isAccount {
		if len(data) < 1 {
			return InternalError
		}
		data = data[1:]
	}
	if len(data) == 0 {
		return 0
	}
	if ptr == 0 {
		return dataAsInt64(data)
	}
	if uint64(len(data)) > uint64(n) {
		return TooSmall
	}
	return x.write(ptr, n, data)
}

func dataAsInt64(b []byte) int64 {
	if len(b) > 8 {
		return TooBig
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	if v&(1<<63) != 0 {
		return TooBig
	}
	return int64(v)
}
