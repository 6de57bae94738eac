package hook

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// jsonObj is a JSON object that keeps its keys in insertion order, so that
// decoded state prints in the same order as the JS client's objects.
type jsonObj struct {
	keys []string
	vals []any
}

func (o *jsonObj) add(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON writes the object.
func (o *jsonObj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// jsText decodes bytes the way Node's Buffer.toString() does: UTF-8 with
// one U+FFFD per maximal invalid subsequence (the WHATWG decoder), which
// differs from Go's per-byte replacement.
func jsText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		lower, upper := byte(0x80), byte(0xBF)
		var need int
		var cp rune
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need, cp = 1, rune(c&0x1F)
		case c >= 0xE0 && c <= 0xEF:
			if c == 0xE0 {
				lower = 0xA0
			}
			if c == 0xED {
				upper = 0x9F
			}
			need, cp = 2, rune(c&0x0F)
		case c >= 0xF0 && c <= 0xF4:
			if c == 0xF0 {
				lower = 0x90
			}
			if c == 0xF4 {
				upper = 0x8F
			}
			need, cp = 3, rune(c&0x07)
		default:
			sb.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j, ok := i+1, true
		for range need {
			if j >= len(b) || b[j] < lower || b[j] > upper {
				ok = false
				break
			}
			cp = cp<<6 | rune(b[j]&0x3F)
			j++
			lower, upper = 0x80, 0xBF
		}
		if !ok {
			// The offending byte starts the next round.
			sb.WriteRune(utf8.RuneError)
			i = j
			continue
		}
		sb.WriteRune(cp)
		i = j
	}
	return sb.String()
}

// jsNoNUL is jsText followed by removing every NUL (.toString() then
// .replace(/\0/g, ”)): decoding first matters, a NUL splits an invalid
// sequence into separate replacement characters.
func jsNoNUL(s string) string {
	return strings.ReplaceAll(jsText([]byte(s)), "\x00", "")
}

// trimNUL drops trailing NUL padding.
func trimNUL(b []byte) string {
	return string(bytes.TrimRight(b, "\x00"))
}
