package localnet

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/evernode-go/sdk/internal/ledger"
)

// marshalJSON is json.Marshal, byte for byte, for the trees of maps, slices,
// strings and numbers the server answers with, without reflection on the
// common shapes: a page of 400 ledger entries is encoded several times
// faster, so that the server is not what a client's listing measures. Any
// other value is handed to json.Marshal.
func marshalJSON(v any) ([]byte, error) {
	return appendJSON(make([]byte, 0, 512), v)
}

// indexedEntry is a ledger entry with its "index" field, as withIndex makes
// it, without copying the entry.
type indexedEntry struct {
	e     ledger.Entry
	index ledger.Hash
}

// MarshalJSON encodes withIndex(x.e, x.index).
func (x indexedEntry) MarshalJSON() ([]byte, error) { return appendJSON(nil, x) }

func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case indexedEntry:
		return appendJSONObject(b, len(x.e)+1, func(keys []string) []string {
			for k := range x.e {
				if k != "index" {
					keys = append(keys, k)
				}
			}
			return append(keys, "index")
		}, func(b []byte, k string) ([]byte, error) {
			if k == "index" {
				return appendUpperHexString(b, x.index[:]), nil
			}
			return appendJSON(b, x.e[k])
		})
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONObject(b, len(x), func(keys []string) []string {
			for k := range x {
				keys = append(keys, k)
			}
			return keys
		}, func(b []byte, k string) ([]byte, error) { return appendJSON(b, x[k]) })
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSONString(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	// Everything else (json.Number, floats, structs, RawMessage, …):
	// encoding/json, which also validates and compacts.
	e, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, e...), nil
}

// appendJSONObject writes an object with the keys addKeys appends, sorted as
// json.Marshal sorts map keys, each followed by what value appends.
func appendJSONObject(b []byte, n int, addKeys func([]string) []string, value func([]byte, string) ([]byte, error)) ([]byte, error) {
	var buf [16]string
	keys := buf[:0]
	if n > len(buf) {
		keys = make([]string, 0, n)
	}
	keys = addKeys(keys)
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSONString(b, k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = value(b, k); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendUpperHexString appends p as a quoted upper-case hex string, as a
// ledger.Hash's String would be quoted.
func appendUpperHexString(b, p []byte) []byte {
	const digits = "0123456789ABCDEF"
	b = append(b, '"')
	for _, c := range p {
		b = append(b, digits[c>>4], digits[c&15])
	}
	return append(b, '"')
}

// jsonPlainASCII is the ASCII table with a dot at each byte json.Marshal
// does not copy into a string unchanged (controls, the quote, the
// backslash, <, > and &): byte c is plain when jsonPlainASCII[c] == c.
const jsonPlainASCII = "................................" +
	` !.#$%.'()*+,-./0123456789:;.=.?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[.]^_` + "`" +
	`abcdefghijklmnopqrstuvwxyz{|}~` + "\x7f"

// jsonPlain reports whether json.Marshal copies c into a string unchanged.
func jsonPlain(c byte) bool { return c < 128 && jsonPlainASCII[c] == c }

// appendJSONString quotes s as json.Marshal does: printable ASCII other than
// the quote, backslash and the HTML characters <, > and & is copied; any
// other string goes through json.Marshal.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if !jsonPlain(s[i]) {
			e, err := json.Marshal(s)
			if err != nil {
				return nil, err
			}
			return append(b, e...), nil
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}
