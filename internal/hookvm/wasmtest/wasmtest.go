// Package wasmtest assembles tiny WebAssembly hooks for tests: one
// hook(i32) -> i64 function calling imported env functions, one page of
// memory and a data segment at offset 1024.
package wasmtest

// Import is an imported env function: its name, parameter and result
// value types (0x7f i32, 0x7e i64).
type Import struct {
	Name    string
	Params  []byte
	Results []byte
}

// Guard is the _g(id, maxiter) import every hook needs.
var Guard = Import{Name: "_g", Params: []byte{0x7f, 0x7f}, Results: []byte{0x7f}}

// Func describes an import.
func Func(name string, params, results []byte) Import {
	return Import{Name: name, Params: params, Results: results}
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

// Build assembles a module; body is the hook function's code (without
// locals and the final end), data is placed at memory offset 1024.
func Build(imports []Import, body, data []byte) []byte {
	return BuildWithCallback(imports, body, nil, data)
}

// BuildWithCallback is Build with a cbak(i32) -> i64 function too (cbak
// nil: none).
//
// Xahau's guard analysis requires every hook to import _g: when imports
// lack it, it is added after them, so the indices of the given imports
// (and Call) are unchanged.
func BuildWithCallback(imports []Import, body, cbak, data []byte) []byte {
	hasGuard := false
	for _, im := range imports {
		hasGuard = hasGuard || im.Name == "_g"
	}
	if !hasGuard {
		imports = append(imports[:len(imports):len(imports)], Guard)
	}
	var types [][]byte
	for _, im := range imports {
		types = append(types, append(append([]byte{0x60}, vec(bytesOf(im.Params)...)...), vec(bytesOf(im.Results)...)...))
	}
	types = append(types, []byte{0x60, 1, 0x7f, 1, 0x7e})
	var imps [][]byte
	for i, im := range imports {
		imps = append(imps, append(append(name("env"), name(im.Name)...), append([]byte{0}, uleb(uint64(i))...)...))
	}
	n := uint64(len(imports))
	funcs := [][]byte{uleb(n)}
	exports := [][]byte{append(name("hook"), append([]byte{0}, uleb(n)...)...)}
	fn := append([]byte{0}, append(body, 0x0b)...)
	codes := [][]byte{append(uleb(uint64(len(fn))), fn...)}
	if cbak != nil {
		funcs = append(funcs, uleb(n))
		exports = append(exports, append(name("cbak"), append([]byte{0}, uleb(n+1)...)...))
		cf := append([]byte{0}, append(cbak, 0x0b)...)
		codes = append(codes, append(uleb(uint64(len(cf))), cf...))
	}
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(m, section(1, vec(types...))...)
	m = append(m, section(2, vec(imps...))...)
	m = append(m, section(3, vec(funcs...))...)
	m = append(m, section(5, vec([]byte{0, 1}))...)
	m = append(m, section(7, vec(exports...))...)
	m = append(m, section(10, vec(codes...))...)
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

// I32 is i32.const v.
func I32(v int32) []byte { return append([]byte{0x41}, sleb(int64(v))...) }

// I64 is i64.const v.
func I64(v int64) []byte { return append([]byte{0x42}, sleb(v)...) }

// Call calls function i (imports come first).
func Call(i int) []byte { return append([]byte{0x10}, uleb(uint64(i))...) }

// Loop is a loop whose first instructions are the guard call xahaud
// requires, _g(id, maxiter) with guard the index of the _g import, then
// body; the loop's result type is empty.
func Loop(guard int, id, maxiter int32, body []byte) []byte {
	return Cat([]byte{0x03, 0x40}, I32(id), I32(maxiter), Call(guard), Drop(), body, []byte{0x0b})
}

// Block is a block with an empty result type around body.
func Block(body []byte) []byte { return Cat([]byte{0x02, 0x40}, body, []byte{0x0b}) }

// Drop drops the top of the stack.
func Drop() []byte { return []byte{0x1a} }

// Cat concatenates code.
func Cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
