package hookvm

import (
	"errors"
	"fmt"
)

// SetHook's guard analysis, with the rules and arithmetic of xahaud's
// validateGuards (src/ripple/app/hook/Guard.h): a module must be a plain
// wasm binary (no custom sections, sections in order), import only env
// functions of the hook API with their exact signatures and _g among them,
// export int64 hook(uint32) (and optionally cbak of the same type), call no
// function of its own, use neither call_indirect nor memory.grow, start
// every loop with _g(id, maxiter) given as two i32.const, and have a
// worst-case instruction count below 65535 for every function. The
// worst-case count of hook and cbak becomes the HookDefinition's Fee and
// HookCallbackFee in drops (hook::computeExecutionFee).

// ErrGuard is matched (errors.Is) by every *GuardError.
var ErrGuard = errors.New("hookvm: guard analysis rejected the hook")

// GuardError is why the guard analysis rejected a module: xahaud's
// HookSet log code (hook::log, e.g. 28 GUARD_MISSING) and its message.
// On Xahau the transaction fails with temMALFORMED and this text appears
// only in the node's trace log as "HookSet(<code>)[account]: <message>".
type GuardError struct {
	Code   int
	Msg    string
	Offset int // byte offset in the wasm where analysis stopped
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("hookvm: HookSet(%d): %s (byte offset %d)", e.Code, e.Msg, e.Offset)
}

// Is makes errors.Is(err, ErrGuard) true.
func (e *GuardError) Is(target error) bool { return target == ErrGuard }

// HookSet log codes of the guard analysis (hook::log in xahaud's Enum.h).
const (
	LogCallIllegal             = 6
	LogCallIndirect            = 7
	LogExportsMissing          = 12
	LogExportCbakFunc          = 13
	LogExportHookFunc          = 14
	LogExportMissing           = 15
	LogFuncsMissing            = 17
	LogFuncParamInvalid        = 18
	LogFuncReturnCount         = 19
	LogFuncReturnInvalid       = 20
	LogFuncTypeless            = 21
	LogFuncTypeInvalid         = 22
	LogGuardImport             = 27
	LogGuardMissing            = 28
	LogImportsMissing          = 43
	LogImportIllegal           = 44
	LogImportModuleBad         = 45
	LogImportModuleEnv         = 46
	LogImportNameBad           = 47
	LogInstructionExcess       = 51
	LogMemoryGrow              = 52
	LogParamHookCbak           = 70
	LogReturnHookCbak          = 71
	LogShortHook               = 72
	LogTypeInvalid             = 73
	LogWasmBadMagic            = 74
	LogWasmTooSmall            = 80
	LogWasmValidation          = 81
	LogHookCbakDiffTypes       = 82
	LogNestingLimit            = 84
	LogSectionsOutOfSequence   = 85
	LogCustomSectionDisallowed = 86
)

// Limits of the guard analysis.
const (
	// MaxInstructions is the first worst-case instruction count xahaud
	// refuses (0xFFFF).
	MaxInstructions = 0xFFFF
	maxGuardCalls   = 1024
	maxBlockNesting = 16
	minHookSize     = 63
)

// ExecutionFee is hook::computeExecutionFee: one drop per instruction of
// the worst case.
func ExecutionFee(instructions uint64) int64 {
	if instructions > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(instructions)
}

// CreationFee is hook::computeCreationFee: 500 drops per byte of wasm.
func CreationFee(wasmSize int) int64 { return int64(wasmSize) * 500 }

// guardAbort carries a GuardError out of the parser's helpers.
type guardAbort struct{ err *GuardError }

// wasmReader reads a module the way Guard.h does.
type wasmReader struct {
	b []byte
	i int
}

func (r *wasmReader) fail(code int, format string, args ...any) {
	panic(guardAbort{&GuardError{Code: code, Msg: fmt.Sprintf(format, args...), Offset: r.i}})
}

// need is Guard.h's REQUIRE: n more bytes must exist.
func (r *wasmReader) need(n int) {
	if r.i+n > len(r.b) {
		r.fail(LogShortHook, "Malformed transaction: Hook truncated or otherwise invalid.")
	}
}

func (r *wasmReader) byte() byte {
	r.need(1)
	c := r.b[r.i]
	r.i++
	return c
}

func (r *wasmReader) skip(n int) {
	r.need(n)
	r.i += n
}

// uleb reads an unsigned LEB128. Bits beyond 64 are dropped (xahaud's
// parser truncates them too); the values that matter here are small.
func (r *wasmReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
		r.lebMore()
	}
}

// lebMore refuses a LEB128 whose continuation bit is set on the module's
// last byte (xahaud's parser throws, and SetHook answers temMALFORMED).
func (r *wasmReader) lebMore() {
	if r.i >= len(r.b) {
		r.fail(LogWasmValidation, "Exception: leb128 short or invalid")
	}
}

// sleb skips a signed LEB128 (its value never matters to the analysis).
func (r *wasmReader) sleb() {
	for r.byte()&0x80 != 0 {
		r.lebMore()
	}
}

func (r *wasmReader) int() int {
	v := r.uleb()
	if v > 1<<31-1 {
		r.fail(LogWasmValidation, "leb128 value too large")
	}
	return int(v)
}

// ValidateGuards runs SetHook's guard analysis on wasm and returns the
// worst-case instruction counts of hook and of cbak (0 when the module has
// no cbak). The error is a *GuardError.
func ValidateGuards(wasm []byte) (hook, cbak uint64, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, ok := p.(guardAbort)
			if !ok {
				panic(p)
			}
			hook, cbak, err = 0, 0, a.err
		}
	}()
	hook, cbak = validateGuards(wasm)
	return hook, cbak, nil
}

// signature is an API function's wasm type: result first, then params.
func apiSignatures() map[string][]byte {
	m := map[string][]byte{}
	for _, f := range hostFuncs() {
		sig := make([]byte, 0, len(f.params)+1)
		sig = append(sig, f.results()[0])
		sig = append(sig, f.params...)
		m[f.name] = sig
	}
	return m
}

type importUse struct {
	idx  int
	name string
}

func validateGuards(wasm []byte) (hookCount, cbakCount uint64) {
	r := &wasmReader{b: wasm}
	if len(wasm) < minHookSize {
		r.fail(LogWasmTooSmall, "Malformed transaction: Hook was not valid webassembly binary. Too small.")
	}
	if string(wasm[:8]) != "\x00asm\x01\x00\x00\x00" {
		r.fail(LogWasmBadMagic, "Malformed transaction: Hook was not valid webassembly binary. Missing magic number or version.")
	}
	sigs := apiSignatures()

	// First pass: imports, exports and the function section.
	guardIdx, lastImport, importCount := -1, -1, 0
	hookIdx, cbakIdx := -1, -1
	hasHook, hasCbak := false, false
	funcType := map[int]int{}
	typeUses := map[int][]importUse{}
	lastSection := 0
	for r.i = 8; r.i < len(wasm); {
		id := int(wasm[r.i])
		r.i++
		if id == 0 {
			r.fail(LogCustomSectionDisallowed, "Malformed transaction. Hook contained a custom section, which is not allowed. Use cleaner.")
		}
		if id <= lastSection {
			r.fail(LogSectionsOutOfSequence, "Malformed transcation. Hook contained wasm sections that were either repeated or were out of sequence.")
		}
		lastSection = id
		n := r.int()
		r.need(1)
		next := r.i + n
		switch id {
		case 2: // imports
			importCount = r.int()
			r.need(1)
			if importCount <= 0 {
				r.fail(LogImportsMissing, "Malformed transaction. Hook did not import any functions... required at least guard(uint32_t, uint32_t) and accept or rollback")
			}
			for f := 0; f < importCount; f++ {
				ml := r.int()
				r.need(1)
				if ml < 1 || ml > len(wasm)-r.i {
					r.fail(LogImportModuleBad, "Malformed transaction. Hook attempted to specify nil or invalid import module")
				}
				if string(wasm[r.i:r.i+ml]) != "env" {
					r.fail(LogImportModuleEnv, "Malformed transaction. Hook attempted to specify import module other than 'env'")
				}
				r.i += ml
				r.need(1)
				nl := r.int()
				r.need(1)
				if nl < 1 || nl > len(wasm)-r.i {
					r.fail(LogImportNameBad, "Malformed transaction. Hook attempted to specify nil or invalid import name")
				}
				name := string(wasm[r.i : r.i+nl])
				r.i += nl
				r.need(1)
				if wasm[r.i] != 0 {
					r.fail(LogImportIllegal, "Malformed transaction. Hook attempted to import an import type other than a function.")
				}
				r.i++
				r.need(1)
				t := r.int()
				r.need(1)
				if name == "_g" {
					guardIdx = f
				} else if sigs[name] == nil {
					r.fail(LogImportIllegal, "Malformed transaction. Hook attempted to import a function that does not appear in the hook_api function set: `%s`", name)
				}
				typeUses[t] = append(typeUses[t], importUse{f, name})
			}
			if guardIdx == -1 {
				r.fail(LogGuardImport, "Malformed transaction. Hook did not import _g (guard) function")
			}
			lastImport = importCount - 1
		case 7: // exports
			cnt := r.int()
			r.need(1)
			if cnt <= 0 {
				r.fail(LogExportsMissing, "Malformed transaction. Hook did not export any functions... required hook(int64_t), callback(int64_t).")
			}
			for e := 0; e < cnt; e++ {
				nl := r.int()
				r.need(1)
				if nl == 4 {
					r.need(5)
					name := string(wasm[r.i : r.i+4])
					if name == "hook" || name == "cbak" {
						r.i += 4
						if wasm[r.i] != 0 {
							if name == "hook" {
								r.fail(LogExportHookFunc, "Malformed transaction. Hook did not export: A valid int64_t hook(uint32_t)")
							}
							r.fail(LogExportCbakFunc, "Malformed transaction. Hook did not export: A valid int64_t cbak(uint32_t)")
						}
						r.i++
						r.need(1)
						if name == "hook" {
							hookIdx, hasHook = r.int(), true
						} else {
							cbakIdx, hasCbak = r.int(), true
						}
						r.need(1)
						continue
					}
				}
				r.i += nl + 1
				r.uleb()
				r.need(1)
			}
			if !hasHook {
				r.fail(LogExportMissing, "Malformed transaction. Hook did not export: int64_t hook(uint32_t); ")
			}
		case 3: // functions
			cnt := r.int()
			r.need(1)
			if cnt <= 0 {
				r.fail(LogFuncsMissing, "Malformed transaction. Hook did not establish any functions... required hook(int64_t), callback(int64_t).")
			}
			for f := 0; f < cnt; f++ {
				funcType[f] = r.int()
				r.need(1)
			}
		}
		r.i = next
	}
	if !hasHook {
		// No export section: xahaud reads an empty optional here and, in
		// practice, finds no type for it.
		r.fail(LogFuncTypeless, "Malformed transaction. hook or cbak functions did not have a corresponding type in WASM binary.")
	}
	hookIdx -= importCount
	cbakIdx -= importCount
	hookType, ok := funcType[hookIdx]
	if _, cok := funcType[cbakIdx]; !ok || hasCbak && !cok {
		r.fail(LogFuncTypeless, "Malformed transaction. hook or cbak functions did not have a corresponding type in WASM binary.")
	}
	if hasCbak && funcType[cbakIdx] != hookType {
		r.fail(LogHookCbakDiffTypes, "Malformed transaction. Hook and cbak func must have the same type. int64_t (*)(uint32_t).")
	}

	// Second pass: function types against the API's signatures, then the
	// guard rule and instruction counts of every function body.
	for r.i = 8; r.i < len(wasm); {
		id := wasm[r.i]
		r.i++
		n := r.int()
		r.need(1)
		next := r.i + n
		switch id {
		case 1:
			checkTypes(r, typeUses, sigs, hookType)
		case 10:
			cnt := r.int()
			r.need(1)
			for f := 0; f < cnt; f++ {
				size := r.int()
				r.need(1)
				end := r.i + size
				locals := r.int()
				r.need(1)
				for k := 0; k < locals; k++ {
					r.uleb()
					r.need(1)
					if t := wasm[r.i]; t < 0x7c || t > 0x7f {
						r.fail(LogTypeInvalid, "Invalid local type. Codesec: %d Local: %d", f, k)
					}
					r.i++
					r.need(1)
				}
				if r.i == end {
					continue
				}
				wce := checkGuard(r, f, end, guardIdx, lastImport)
				switch {
				case f == hookIdx:
					hookCount = wce
				case hasCbak && f == cbakIdx:
					cbakCount = wce
				}
				r.i = end
			}
		}
		r.i = next
	}
	return hookCount, cbakCount
}

// checkTypes checks the type section: every type is used by imports of
// one and the same API signature, or is the hook/cbak type.
func checkTypes(r *wasmReader, uses map[int][]importUse, sigs map[string][]byte, hookType int) {
	cnt := r.int()
	r.need(1)
	for j := 0; j < cnt; j++ {
		if r.byte() != 0x60 {
			r.fail(LogFuncTypeInvalid, "Invalid function type. Codesec: 1 Local: %d", j)
		}
		r.need(1)
		var first string
		var sig []byte
		if us := uses[j]; len(us) > 0 {
			for _, u := range us { // in import order, as xahaud's map
				s := sigs[u.name]
				if sig == nil {
					first, sig = u.name, s
					continue
				}
				if string(s) != string(sig) {
					r.fail(LogFuncTypeInvalid, "Function type is inconsitent across referenced apis. This probably means one of your apis has the wrong signature. (Either: %s, or: %s.) Codesec: 1 Local: %d", first, u.name, j)
				}
			}
		} else if j != hookType {
			r.fail(LogFuncTypeInvalid, "Invalid function type. Not used by any import or hook/cbak func. Codesec: 1 Local: %d", j)
		}
		params := r.int()
		r.need(1)
		if j == hookType {
			if params != 1 {
				r.fail(LogParamHookCbak, "Malformed transaction. hook and cbak function definition must have exactly one parameter (uint32_t).")
			}
		} else if params != len(sig)-1 {
			r.fail(LogFuncTypeInvalid, "Malformed transaction. Hook API: %s has the wrong number of parameters.", first)
		}
		for k := 0; k < params; k++ {
			p := r.uleb()
			r.need(1)
			if p < 0x7c || p > 0x7f {
				r.fail(LogFuncParamInvalid, "Invalid parameter type in function type. Codesec: 1 Local: %d", j)
			}
			if j == hookType {
				if p != 0x7f {
					r.fail(LogParamHookCbak, "Malformed transaction. hook and cbak function definition must have exactly one uint32_t parameter.")
				}
			} else if uint64(sig[k+1]) != p {
				r.fail(LogFuncParamInvalid, "Malformed transaction. Hook API: %s definition parameters incorrect.", first)
			}
		}
		results := r.int()
		r.need(1)
		if results != 1 {
			r.fail(LogFuncReturnCount, "Malformed transaction. Hook declares a function type that returns fewer or more than one value. ")
		}
		res := r.uleb()
		r.need(1)
		if res < 0x7c || res > 0x7f {
			r.fail(LogFuncReturnInvalid, "Invalid return type in function type. Codesec: 1 Local: %d", j)
		}
		if j == hookType {
			if res != 0x7e {
				r.fail(LogReturnHookCbak, "Malformed transaction. hook function definition must have exactly one int64_t return type.")
			}
		} else if uint64(sig[0]) != res {
			r.fail(LogFuncReturnInvalid, "Malformed transaction. Hook API: %s definition return type incorrect.", first)
		}
	}
}

// block is one node of the block tree a function body forms: its guard
// bound (the loop's maxiter, inherited by non-loop blocks) and the
// instructions executed directly in it.
type block struct {
	bound    uint32
	count    uint64
	parent   *block
	children []*block
}

// checkGuard is check_guard: it walks one function body (r.i to end),
// enforces the guard rule and the instruction bans, and returns the
// worst-case instruction count.
func checkGuard(r *wasmReader, codesec, end, guardIdx, lastImport int) uint64 {
	guardErr := func(format string, args ...any) {
		r.fail(LogGuardMissing, "GuardCheck "+format+" codesec: %d hook byte offset: %d", append(args, codesec, r.i)...)
	}
	// Indices compare as xahaud compares them: unsigned, so -1 (no
	// import section) is the largest index.
	gIdx, lastIdx := uint64(int64(guardIdx)), uint64(int64(lastImport))
	guards := 0
	countGuard := func() {
		if guards > maxGuardCalls {
			guardErr("Too many guard calls! Limit is 1024")
		}
		guards++
	}
	root := &block{bound: 1}
	cur := root
	depth := 0
	for r.i < end {
		op := r.byte()
		cur.count++
		switch {
		case op == 0x00, op == 0x01, op == 0x05: // unreachable, nop, else
		case op == 0x02, op == 0x03, op == 0x04: // block, loop, if
			r.need(1)
			if t := r.b[r.i]; t >= 0x7b && t <= 0x7f || t == 0x70 || t == 0x40 || t == 0x6f {
				r.i++
			} else {
				r.sleb()
			}
			bound := cur.bound
			if cur.parent == nil {
				bound = 1
			}
			if op == 0x03 {
				r.need(1)
				if r.b[r.i] != 0x41 {
					guardErr("Missing first i32.const after loop instruction")
				}
				r.i++
				r.sleb()
				r.need(1)
				if r.b[r.i] != 0x41 {
					guardErr("Missing second i32.const after loop instruction")
				}
				r.i++
				bound = uint32(r.uleb())
				r.need(1)
				if r.b[r.i] != 0x10 {
					guardErr("Missing call to _g after first and second i32.const at loop start")
				}
				r.i++
				callee := r.uleb()
				if bound == 0 {
					guardErr("Guard call cannot specify 0 maxiter.")
				}
				if callee != gIdx {
					guardErr("Call after first and second i32.const at loop start was not _g")
				}
				countGuard()
			}
			child := &block{bound: bound, parent: cur}
			cur.children = append(cur.children, child)
			cur = child
			depth++
		case op == 0x0b: // end
			depth--
			cur = cur.parent
			switch {
			case cur == nil && depth == -1 && r.i >= end:
				return worstCase(r, root)
			case cur == nil:
				guardErr("Illegal block end (current==0)")
			case depth < 0:
				guardErr("Illegal block end (block_depth<0)")
			}
		case op == 0x0c, op == 0x0d: // br, br_if
			r.need(1)
			r.uleb()
		case op == 0x0e: // br_table
			n := r.uleb()
			for v := uint64(0); v < n; v++ {
				r.need(1)
				r.uleb()
			}
			r.need(1)
			r.uleb()
		case op == 0x0f: // return
		case op == 0x10: // call
			r.need(1)
			callee := r.uleb()
			if callee > lastIdx {
				r.fail(LogCallIllegal, "GuardCheck Hook calls a function outside of the whitelisted imports codesec: %d hook byte offset: %d", codesec, r.i)
			}
			if callee == gIdx {
				countGuard()
			}
		case op == 0x11: // call_indirect
			r.fail(LogCallIndirect, "GuardCheck Call indirect detected and is disallowed in hooks codesec: %d hook byte offset: %d", codesec, r.i)
		case op >= 0xd0 && op <= 0xd2: // ref.null, ref.is_null, ref.func
			if op == 0xd0 {
				r.need(1)
				if t := r.b[r.i]; t != 0x70 && t != 0x6f {
					guardErr("Invalid reftype in 0xD0 instruction")
				}
				r.i++
			} else if op == 0xd2 {
				r.need(1)
				r.uleb()
			}
		case op == 0x1a, op == 0x1b: // drop, select
		case op == 0x1c: // select t*
			r.need(1)
			n := r.uleb()
			for v := uint64(0); v < n; v++ {
				r.need(1)
				if t := r.b[r.i]; !(t >= 0x7b && t <= 0x7f || t == 0x70 || t == 0x6f) {
					guardErr("Invalid value type in select t* vector")
				}
				r.i++
			}
		case op >= 0x20 && op <= 0x24: // local and global access
			r.need(1)
			r.uleb()
		case op == 0x25, op == 0x26: // table.get, table.set
			r.need(1)
			r.uleb()
		case op == 0xfc:
			r.need(1)
			sub := r.uleb()
			r.need(1)
			switch {
			case sub >= 12 && sub <= 17: // table instructions
				r.uleb()
				if sub == 12 || sub == 14 {
					r.need(1)
					r.uleb()
				}
			case sub == 8: // memory.init
				r.uleb()
				r.skip(1)
			case sub == 9: // data.drop
				r.uleb()
			case sub == 10: // memory.copy
				r.skip(2)
			case sub == 11: // memory.fill
				r.i++
			case sub <= 7: // saturating truncations
			default:
				guardErr("Illegal 0xFC instruction")
			}
		case op >= 0x28 && op <= 0x3e: // loads and stores
			r.need(1)
			r.uleb()
			r.need(1)
			r.uleb()
		case op == 0x3f: // memory.size
			r.skip(1)
		case op == 0x40: // memory.grow
			r.need(1)
			r.fail(LogMemoryGrow, "GuardCheck Memory.grow instruction not allowed at codesec: %d hook byte offset: %d", codesec, r.i)
		case op == 0x41, op == 0x42: // i32.const, i64.const
			r.need(1)
			r.uleb()
		case op == 0x43: // f32.const
			r.skip(4)
		case op == 0x44: // f64.const
			r.skip(8)
		case op >= 0x45 && op <= 0xc4: // numeric, no immediates
		case op == 0xfd: // vector instructions
			r.need(1)
			v := r.uleb()
			switch {
			case v <= 11:
				r.need(1)
				r.uleb()
				r.need(1)
				r.uleb()
			case v >= 84 && v <= 91:
				r.need(1)
				r.uleb()
				r.need(1)
				r.uleb()
				r.skip(1)
			case v >= 21 && v <= 34:
				r.skip(1)
			case v == 12 || v == 13:
				r.skip(16)
			}
		default:
			guardErr("Unknown instruction opcode: %d [%x]", op, op)
		}
	}
	return worstCase(r, root)
}

// worstCase is compute_wce over the whole tree, with the nesting and
// instruction limits.
func worstCase(r *wasmReader, root *block) uint64 {
	tooDeep := false
	wce := blockWCE(root, 0, &tooDeep)
	if tooDeep {
		r.fail(LogNestingLimit, "GuardCheck Maximum allowable depth of blocks reached (16 levels). Flatten your loops and conditions!.")
	}
	if wce >= MaxInstructions {
		r.fail(LogInstructionExcess, "GuardCheck Maximum possible instructions exceed 65535, please make your hook smaller or check your guards!")
	}
	return wce
}

// blockWCE is a block's own instructions plus its children's, scaled by
// the ratio of its guard bound to its parent's: a guard's maxiter counts
// iterations across all runs of the enclosing loops. The scaling is done
// in floating point and truncated, as xahaud does, and never goes below 1.
func blockWCE(b *block, level int, tooDeep *bool) uint64 {
	if level > maxBlockNesting {
		*tooDeep = true
		return 0
	}
	wce := b.count
	for _, c := range b.children {
		wce += blockWCE(c, level+1, tooDeep)
	}
	if b.parent == nil || b.parent.bound == 0 {
		return wce
	}
	wce = uint64(float64(wce) * (float64(b.bound) / float64(b.parent.bound)))
	if wce < 1 {
		wce = 1
	}
	return wce
}

// StripCustomSections returns wasm without its custom sections (id 0),
// which xahaud's guard analysis refuses: the part of Xahau's hook-cleaner
// that compilers' output (a "producers" section, debug names) needs before
// SetHook. A module that does not parse is returned unchanged.
func StripCustomSections(wasm []byte) []byte {
	if len(wasm) < 8 {
		return wasm
	}
	out := append(make([]byte, 0, len(wasm)), wasm[:8]...)
	for i := 8; i < len(wasm); {
		n, k := uvarint(wasm[i+1:])
		end := i + 1 + k + int(n)
		if k <= 0 || n > uint64(len(wasm)) || end > len(wasm) {
			return wasm
		}
		if wasm[i] != 0 {
			out = append(out, wasm[i:end]...)
		}
		i = end
	}
	return out
}

// uvarint decodes an unsigned LEB128 of at most 5 bytes (a section size).
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
