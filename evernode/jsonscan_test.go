package evernode

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// envelopeSlow reads the envelope fields with encoding/json, as the client
// did before the scanner (which also took a message with trailing bytes).
func envelopeSlow(t testing.TB, data []byte) (envelope, bool) {
	t.Helper()
	var m map[string]any
	if !json.Valid(data) || unmarshalNumbers(data, &m) != nil || m == nil {
		return envelope{}, false
	}
	var env envelope
	env.Type, _ = m["type"].(string)
	env.Status, _ = m["status"].(string)
	env.Error, _ = m["error"].(string)
	env.ErrorMessage, _ = m["error_message"].(string)
	env.ID, _ = toUint64(m["id"])
	env.ErrorCode, _ = toUint64(m["error_code"])
	return env, true
}

var envelopeCases = []string{
	`{"id":7,"result":{"a":[1,2,{"b":"c"}],"marker":"x"},"status":"success","type":"response"}`,
	` { "type" : "response" , "id" : 12 , "result" : { } } `,
	`{"type":"ledgerClosed","ledger_index":5}`,
	`{"id":3,"error":"actNotFound","error_code":19,"error_message":"Account not found.","request":{"command":"x"},"status":"error","type":"response"}`,
	`{"id":1,"type":"response","result":{"s":"quote \" brace } bracket ] back\\\\","t":"\\"}}`,
	`{"id":1,"type":"resp\u006fnse","result":null}`,
	`{"id":1,"type":"response","result":{"error":"lgrNotFound","error_code":21}}`,
	`{"id":18446744073709551615,"type":"response","result":[]}`,
	`{"ty\u0070e":"response","id":1}`,
	`{"type":"response","id":"5"}`,
	`{}`,
	`{"a":{"b":{"c":[[[[]]]]}},"type":"x"}`,
}

func TestEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, c := range envelopeCases {
		got, err := envelopeOf([]byte(c))
		want, ok := envelopeSlow(t, []byte(c))
		if err != nil || !ok {
			t.Fatalf("%s: %v", c, err)
		}
		got.Result = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c, got, want)
		}
	}
	for _, bad := range []string{``, `[]`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":"x}`, `{"a":[1,2}`, `{"a":1}}`, `{"a":{]}`} {
		if _, ok := parseEnvelope([]byte(bad)); ok {
			t.Fatalf("%q scanned as an object", bad)
		}
	}
}

// FuzzEnvelope: on any input the scanner does not panic, and on every JSON
// object encoding/json accepts it reads what encoding/json reads.
func FuzzEnvelope(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := envelopeOf(data)
		want, ok := envelopeSlow(t, data)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		got.Result = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
		}
	})
}

// The scanned namespace page equals encoding/json's reading of it.
func TestScanNamespacePage(t *testing.T) {
	pages := []string{
		`{"account":"r1","marker":"AB,CD","namespace_entries":[{"Flags":0,"HookStateData":"0A0B","HookStateKey":"4556","LedgerEntryType":"HookState","OwnerNode":"0","index":"FF"},{"HookStateKey":"01","HookStateData":"","index":"02","extra":{"x":[1,"]"]}}]}`,
		`{"namespace_entries":[]}`,
		`{"namespace_entries":[{"HookStateKey":"a\u0062","HookStateData":"\"","index":"é"}],"marker":null}`,
		`{"ledger_index":3}`,
	}
	for _, p := range pages {
		var fast []HookState
		marker, ok := scanNamespacePage([]byte(p), &fast)
		if !ok {
			t.Fatalf("%s: not scanned", p)
		}
		var slow struct {
			Entries []HookState     `json:"namespace_entries"`
			Marker  json.RawMessage `json:"marker"`
		}
		if err := json.Unmarshal([]byte(p), &slow); err != nil {
			t.Fatal(err)
		}
		if len(fast) != len(slow.Entries) || (len(fast) > 0 && !reflect.DeepEqual(fast, slow.Entries)) || string(marker) != string(slow.Marker) {
			t.Fatalf("%s:\n got %+v %s\nwant %+v %s", p, fast, marker, slow.Entries, slow.Marker)
		}
	}
	// A page the scanner cannot read is left to encoding/json.
	for _, p := range []string{`{"namespace_entries":[{"HookStateKey":5}]}`, `{"namespace_entries":{}}`, `{"namespace_entries":[1]}`, `[]`} {
		var fast []HookState
		if _, ok := scanNamespacePage([]byte(p), &fast); ok {
			t.Fatalf("%s: scanned", p)
		}
	}
}

func TestResultMarker(t *testing.T) {
	for raw, want := range map[string]string{
		`{"marker":"a,b","x":1}`:                 `"a,b"`,
		`{"marker":{"ledger":5,"seq":2}}`:        `{"ledger":5,"seq":2}`,
		`{"marker":null}`:                        ``,
		`{"x":"\"marker\":1"}`:                   ``,
		`not json`:                               ``,
		`{"a":[` + strings.Repeat("[", 600) + ``: ``,
	} {
		if got := string(resultMarker(json.RawMessage(raw))); got != want {
			t.Errorf("%s: marker %q, want %q", raw, got, want)
		}
	}
}

// FuzzScanNamespacePage: the scanner never panics, and a page it reads is
// read as encoding/json reads it.
func FuzzScanNamespacePage(f *testing.F) {
	f.Add([]byte(`{"marker":"A,B","namespace_entries":[{"HookStateData":"0A","HookStateKey":"45","index":"FF"}]}`))
	f.Add([]byte(`{"namespace_entries":[{"HookStateKey":"a\u0062","index":"\\"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast []HookState
		marker, ok := scanNamespacePage(data, &fast)
		if !ok || !json.Valid(data) {
			return
		}
		var slow struct {
			Entries []HookState     `json:"namespace_entries"`
			Marker  json.RawMessage `json:"marker"`
		}
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("%q scanned, but encoding/json: %v", data, err)
		}
		if len(fast) != len(slow.Entries) || (len(fast) > 0 && !reflect.DeepEqual(fast, slow.Entries)) || string(marker) != string(slow.Marker) {
			t.Fatalf("%q:\n got %+v %s\nwant %+v %s", data, fast, marker, slow.Entries, slow.Marker)
		}
	})
}

// benchNamespacePage is an account_namespace result of 400 host entries,
// as localnet and xahaud send it.
func benchNamespacePage() []byte {
	var b strings.Builder
	b.WriteString(`{"account":"rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg","ledger_index":9,"limit":400,"marker":"AB,CD","namespace_entries":[`)
	for i := range 400 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Flags":0,"HookStateData":"%s","HookStateKey":"%064X","LedgerEntryType":"HookState","OwnerNode":"1F","index":"%064X"}`,
			strings.Repeat("0123456789ABCDEF", 12), i, i)
	}
	b.WriteString(`],"namespace_id":"01EAF09326B4911554384121FF56FA8FECC215FDDE2EC35D9E59F2C53EC665A0","validated":true}`)
	return []byte(b.String())
}

func BenchmarkScanNamespacePage(b *testing.B) {
	page := benchNamespacePage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		var all []HookState
		if _, ok := scanNamespacePage(page, &all); !ok || len(all) != 400 {
			b.Fatal(ok, len(all))
		}
	}
}

// BenchmarkUnmarshalNamespacePage is the encoding/json reading the scanner
// replaces.
func BenchmarkUnmarshalNamespacePage(b *testing.B) {
	page := benchNamespacePage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		var r struct {
			Entries []HookState     `json:"namespace_entries"`
			Marker  json.RawMessage `json:"marker"`
		}
		if err := json.Unmarshal(page, &r); err != nil || len(r.Entries) != 400 {
			b.Fatal(err)
		}
	}
}
