package evernode

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// This file is a small structural JSON scanner for the few fields the
// client reads from every message (type, id, errors, the result, paging
// markers) and from large pages (hook state entries), so that a 100 KB page
// is walked once at memory speed instead of being decoded into maps. It
// checks the structure it walks (strings, nesting, separators) but not the
// grammar of values it skips; values it returns go through strict parsers
// or encoding/json. Any doubt (an escaped key, odd syntax) makes it report
// failure, and callers then fall back to encoding/json.

// jsonMaxDepth bounds nesting in skipped values.
const jsonMaxDepth = 512

func jsonSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonSkipString returns the index just past the string whose opening
// quote is at b[i], and whether it holds a backslash escape.
func jsonSkipString(b []byte, i int) (end int, escaped, ok bool) {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false, false
		}
		seg := b[i : i+j]
		if bytes.IndexByte(seg, '\\') < 0 {
			return i + j + 1, escaped, true
		}
		// Count the backslashes right before the quote: an odd number
		// escapes it.
		escaped = true
		n := 0
		for k := len(seg) - 1; k >= 0 && seg[k] == '\\'; k-- {
			n++
		}
		i += j + 1
		if n%2 == 0 {
			return i, true, true
		}
	}
}

// jsonSkipValue returns the index just past the value that starts at b[i]
// (after optional spaces).
func jsonSkipValue(b []byte, i int) (int, bool) {
	i = jsonSpace(b, i)
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		end, _, ok := jsonSkipString(b, i)
		return end, ok
	case '{', '[':
		var stack [jsonMaxDepth]byte
		depth := 0
		for i < len(b) {
			switch c := b[i]; c {
			case '"':
				end, _, ok := jsonSkipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				if depth == len(stack) {
					return 0, false
				}
				stack[depth] = c + 2 // '{'+2 == '}', '['+2 == ']'
				depth++
			case '}', ']':
				if depth == 0 || stack[depth-1] != c {
					return 0, false
				}
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	// A literal: a number, true, false or null.
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, i > start
		case '"', '{', '[', ':':
			return 0, false
		}
		i++
	}
	return i, i > start
}

// jsonObjectEach calls fn with the key and raw value of each member of the
// object b (one object, spaces around allowed), until fn returns false. It
// fails on anything but a well-formed object, and on escaped keys.
func jsonObjectEach(b []byte, fn func(key, val []byte) bool) bool {
	i := jsonSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = jsonSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return jsonSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end, escaped, ok := jsonSkipString(b, i)
		if !ok || escaped {
			return false
		}
		key := b[i+1 : end-1]
		i = jsonSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = jsonSpace(b, i+1)
		vend, ok := jsonSkipValue(b, i)
		if !ok {
			return false
		}
		if !fn(key, b[i:vend]) {
			return true
		}
		i = jsonSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = jsonSpace(b, i+1)
		case '}':
			return jsonSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// jsonArrayEach calls fn with each element of the array b until fn returns
// false.
func jsonArrayEach(b []byte, fn func(elem []byte) bool) bool {
	i := jsonSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i = jsonSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return jsonSpace(b, i+1) == len(b)
	}
	for {
		end, ok := jsonSkipValue(b, i)
		if !ok {
			return false
		}
		if !fn(b[i:end]) {
			return true
		}
		i = jsonSpace(b, end)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = jsonSpace(b, i+1)
		case ']':
			return jsonSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// jsonString returns the string value raw holds. Printable ASCII without
// escapes (hex, addresses, names) is taken as it is; anything else goes
// through encoding/json.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '"' {
			var v string
			err := json.Unmarshal(raw, &v)
			return v, err == nil
		}
	}
	return string(s), true
}

// jsonUint returns the unsigned integer raw holds as a number or a decimal
// string, as toUint64 reads them.
func jsonUint(raw []byte) (uint64, bool) {
	if len(raw) >= 2 && raw[0] == '"' {
		s, ok := jsonString(raw)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseUint(s, 10, 64)
		return n, err == nil
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	return n, err == nil
}
