package localnet

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/internal/ledger"
)

// marshalJSON must produce json.Marshal's bytes for every value, taking its
// fast paths or not.
func TestMarshalJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "abc", "ABCDEF0123", "<a&b>", "quote\"back\\slash", "tab\tnl\n", "é ✓", "\u2028\u2029", "\xff\xfe", "\x00\x1f\x7f"}
	r := rand.New(rand.NewPCG(3, 4))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch k := r.IntN(16); {
		case k == 0:
			return nil
		case k == 1:
			return r.IntN(2) == 0
		case k == 2:
			return r.IntN(1000) - 500
		case k == 3:
			return uint32(r.Uint32())
		case k == 4:
			return r.Uint64()
		case k == 5:
			return json.Number("12.50")
		case k == 6:
			return 1.5
		case k == 7:
			return []string{strs[r.IntN(len(strs))], "x"}
		case k == 8:
			return int64(-7)
		case k == 9:
			return struct{ A int }{3}
		case k < 12 && depth < 4:
			a := make([]any, r.IntN(4))
			for i := range a {
				a[i] = gen(depth + 1)
			}
			return a
		case k < 14 && depth < 4:
			m := map[string]any{}
			for range r.IntN(5) {
				m[strs[r.IntN(len(strs))]+string(rune('a'+r.IntN(26)))] = gen(depth + 1)
			}
			return m
		case k == 14 && depth < 4:
			return []map[string]any{{"k": gen(depth + 1)}, nil}
		}
		return strs[r.IntN(len(strs))]
	}
	for i := range 3000 {
		v := gen(0)
		want, werr := json.Marshal(v)
		got, gerr := marshalJSON(v)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("case %d: %#v\ngot  %s (%v)\nwant %s (%v)", i, v, got, gerr, want, werr)
		}
	}
	for _, v := range []any{map[string]any(nil), []any(nil), []string(nil), []map[string]any(nil), map[string]any{"nan": math.NaN()}} {
		want, werr := json.Marshal(v)
		got, gerr := marshalJSON(v)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("%#v: got %s (%v), want %s (%v)", v, got, gerr, want, werr)
		}
	}
}

// An indexedEntry encodes as withIndex's copy does, with either encoder.
func TestIndexedEntryMatchesWithIndex(t *testing.T) {
	h := ledger.Hash{1, 2, 3}
	for _, e := range []ledger.Entry{{}, {"LedgerEntryType": "HookState", "Flags": uint32(0), "HookStateData": "AB"}, {"index": "stale", "z": 1}} {
		want, err := json.Marshal(withIndex(e, h))
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range [][]byte{mustJSON(t, marshalJSON, indexedEntry{e, h}), mustJSON(t, json.Marshal, indexedEntry{e, h})} {
			if !bytes.Equal(got, want) {
				t.Fatalf("got %s, want %s", got, want)
			}
		}
	}
}

func mustJSON(t *testing.T, f func(any) ([]byte, error), v any) []byte {
	t.Helper()
	b, err := f(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// benchPage is an account_namespace answer of 400 host entries.
func benchPage() map[string]any {
	entries := make([]any, 400)
	for i := range entries {
		e := ledger.Entry{"LedgerEntryType": "HookState", "Flags": uint32(0), "OwnerNode": "1F",
			"HookStateKey": strings.Repeat("4556520300", 6) + "ABCD", "HookStateData": strings.Repeat("0123456789ABCDEF", 12)}
		entries[i] = indexedEntry{e, ledger.Hash{byte(i)}}
	}
	return map[string]any{"id": 7, "status": "success", "type": "response", "result": map[string]any{
		"account": "rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg", "namespace_entries": entries, "ledger_index": uint32(9),
		"marker": "AB,CD", "limit": 400, "validated": true}}
}

func BenchmarkMarshalJSONPage(b *testing.B) {
	page := benchPage()
	for b.Loop() {
		if _, err := marshalJSON(page); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodingJSONPage(b *testing.B) {
	page := benchPage()
	for b.Loop() {
		if _, err := json.Marshal(page); err != nil {
			b.Fatal(err)
		}
	}
}

func TestJSONPlain(t *testing.T) {
	if len(jsonPlainASCII) != 128 {
		t.Fatalf("table of %d bytes", len(jsonPlainASCII))
	}
	for c := range 256 {
		b, _ := json.Marshal(string([]byte{byte(c)}))
		plain := len(b) == 3 && b[1] == byte(c)
		if jsonPlain(byte(c)) != plain {
			t.Errorf("byte %#x: plain %v, json.Marshal gives %s", c, jsonPlain(byte(c)), b)
		}
	}
}
