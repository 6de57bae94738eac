package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const evrIssuer = "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"

// stricterThanJS lists inputs ripple-binary-codec accepts that we refuse on purpose: hex and
// space-padded numbers (bignumber.js parses them), 3-character codes outside the ISO character
// set, and "XRP" as an issued currency (which would silently become the native currency).
var stricterThanJS = map[string]bool{
	"iou/0x10": true, "iou/ 1": true, "currency/U D": true, "currency/XRP": true,
}

func TestAmountVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden-amounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Kind, Value, Encoded, Decoded, Error string
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		key := c.Kind + "/" + c.Value
		var amount any
		switch c.Kind {
		case "iou":
			amount = map[string]any{"currency": "EVR", "issuer": evrIssuer, "value": c.Value}
		case "drops":
			amount = c.Value
		case "currency":
			amount = map[string]any{"currency": c.Value, "issuer": evrIssuer, "value": "1"}
		}
		enc, err := Xahau().Encode(map[string]any{"Amount": amount})
		wantErr := c.Error != "" || stricterThanJS[key]
		if wantErr {
			if err == nil {
				t.Errorf("%s: encoded %X, want an error (JS: %q)", key, enc, c.Error)
			} else if !errors.Is(err, ErrInvalidValue) || !strings.HasPrefix(err.Error(), "codec: ") {
				t.Errorf("%s: error %v does not wrap ErrInvalidValue", key, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		var got string
		switch c.Kind {
		case "iou":
			got = hex.EncodeToString(enc[1:9])
		case "drops":
			got = hex.EncodeToString(enc[1:])
		case "currency":
			got = hex.EncodeToString(enc[9:29])
		}
		if !strings.EqualFold(got, c.Encoded) {
			t.Errorf("%s: encoded %s, want %s", key, got, c.Encoded)
		}
		dec, err := Xahau().Decode(enc)
		if err != nil {
			t.Errorf("%s: decode: %v", key, err)
			continue
		}
		var back string
		switch v := dec["Amount"].(type) {
		case string:
			back = v
		case map[string]any:
			if c.Kind == "currency" {
				back, _ = v["currency"].(string)
			} else {
				back, _ = v["value"].(string)
			}
		}
		if back != c.Decoded {
			t.Errorf("%s: decoded %q, want %q", key, back, c.Decoded)
		}
	}
}

func TestAmountGoValues(t *testing.T) {
	for _, v := range []any{1000, int64(1000), uint64(1000), uint32(1000), float64(1000), json.Number("1000"), "1000"} {
		b, err := Xahau().Encode(map[string]any{"Amount": v})
		if err != nil || hex.EncodeToString(b) != "6140000000000003e8" {
			t.Errorf("%T(%v): %x, %v", v, v, b, err)
		}
	}
	for _, v := range []any{-1, 1.5, math.NaN(), uint64(maxDrops + 1), true, []any{}, map[string]any{"value": "1"}} {
		if _, err := Xahau().Encode(map[string]any{"Amount": v}); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%T(%v): err %v, want ErrInvalidValue", v, v, err)
		}
	}
}

func TestErrors(t *testing.T) {
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"TransactionType": "Payment", "Account": evrIssuer, "Fee": "12", "Sequence": 1}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name string
		d    *Definitions
		tx   map[string]any
		is   error
		msg  string
	}{
		{"unknown field", Xahau(), base(map[string]any{"Foo": 1}), ErrUnknownField, `codec: unknown field "Foo"`},
		{"nested unknown field", Xahau(), base(map[string]any{"Memos": []any{map[string]any{"Memo": map[string]any{"Bar": "00"}}}}),
			ErrUnknownField, `codec: unknown field "Memos[0].Memo.Bar"`},
		{"URIToken on XRPL", XRPL(), base(map[string]any{"TransactionType": "URITokenMint"}), ErrUnknownTransactionType,
			`codec: unknown transaction type "URITokenMint"`},
		{"XChain name on Xahau", Xahau(), base(map[string]any{"TransactionType": "XChainCreateBridge"}), ErrUnknownTransactionType,
			`codec: unknown transaction type "XChainCreateBridge"`},
		{"Xahau-only field on XRPL", XRPL(), base(map[string]any{"URITokenID": strings.Repeat("00", 32)}), ErrUnknownField,
			`codec: unknown field "URITokenID"`},
		{"bad hash", Xahau(), base(map[string]any{"AccountTxnID": "ABC"}), ErrInvalidValue,
			`codec: invalid value for field "AccountTxnID": want 64 hex characters, got 3`},
		{"bad address", Xahau(), base(map[string]any{"Destination": "rNope"}), ErrInvalidValue,
			`codec: invalid value for field "Destination": not a classic address: "rNope"`},
		{"XRP as IOU", Xahau(), base(map[string]any{"Amount": map[string]any{"currency": "XRP", "issuer": evrIssuer, "value": "1"}}),
			ErrInvalidValue, `codec: invalid value for field "Amount.currency": "XRP" cannot be an issued currency`},
		{"precision", Xahau(), base(map[string]any{"Amount": map[string]any{"currency": "EVR", "issuer": evrIssuer, "value": "1.00000000000000001"}}),
			ErrInvalidValue, `codec: invalid value for field "Amount.value": "1.00000000000000001" has more than 16 significant digits`},
		{"uint overflow", Xahau(), base(map[string]any{"Sequence": int64(1) << 32}), ErrInvalidValue,
			`codec: invalid value for field "Sequence": 4294967296 is larger than 4294967295`},
		{"unknown result", Xahau(), map[string]any{"TransactionResult": "tecNOPE"}, ErrUnknownResult, `codec: unknown transaction result "tecNOPE"`},
		{"unknown ledger entry", XRPL(), map[string]any{"LedgerEntryType": "URIToken"}, ErrUnknownLedgerEntryType, `codec: unknown ledger entry type "URIToken"`},
		{"array shape", Xahau(), base(map[string]any{"Memos": []any{"x"}}), ErrInvalidValue, `codec: invalid value for field "Memos": want an array of objects, got []interface {}`},
	} {
		_, err := c.d.Encode(c.tx)
		if !errors.Is(err, c.is) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.is)
			continue
		}
		if err.Error() != c.msg {
			t.Errorf("%s:\n got %s\nwant %s", c.name, err, c.msg)
		}
	}
}

func TestLowercaseExtrasIgnored(t *testing.T) {
	tx := map[string]any{"TransactionType": "Payment", "Fee": "10", "hash": strings.Repeat("AB", 32), "ctid": "C0", "date": 1, "Memos": nil}
	a, err := Xahau().Encode(tx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Xahau().Encode(map[string]any{"TransactionType": "Payment", "Fee": "10"})
	if !bytes.Equal(a, b) {
		t.Fatalf("extras changed the encoding")
	}
}

func TestEnums(t *testing.T) {
	x, r := Xahau(), XRPL()
	for _, c := range []struct {
		d    *Definitions
		name string
		code uint16
	}{
		{x, "URITokenMint", 45}, {x, "URITokenCancelSellOffer", 49}, {x, "Invoke", 99}, {x, "SetHook", 22},
		{r, "XChainAddClaimAttestation", 45}, {r, "DIDSet", 49}, {r, "NFTokenMint", 25}, {x, "NFTokenMint", 25},
	} {
		if got, ok := c.d.TransactionType(c.name); !ok || got != c.code {
			t.Errorf("TransactionType(%s) = %d, %v", c.name, got, ok)
		}
		if got, ok := c.d.TransactionTypeName(c.code); !ok || got != c.name {
			t.Errorf("TransactionTypeName(%d) = %s, %v", c.code, got, ok)
		}
	}
	if c, ok := x.ResultCode("tecHOOK_REJECTED"); !ok || c != 153 {
		t.Errorf("Xahau tecHOOK_REJECTED = %d, %v", c, ok)
	}
	if _, ok := r.ResultCode("tecHOOK_REJECTED"); ok {
		t.Errorf("XRPL knows tecHOOK_REJECTED")
	}
	if n, ok := x.ResultName(0); !ok || n != "tesSUCCESS" {
		t.Errorf("ResultName(0) = %s", n)
	}
	if c, ok := x.LedgerEntryType("URIToken"); !ok || c != 0x55 {
		t.Errorf("URIToken = %d", c)
	}
	if n, ok := r.LedgerEntryTypeName(0x61); !ok || n != "AccountRoot" {
		t.Errorf("0x61 = %s", n)
	}
	if _, ok := x.TransactionType("Invalid"); ok {
		t.Errorf("Invalid is a transaction type")
	}
}

// TestTablesConcurrently checks that the two tables are independent while used at once
// (run with -race).
func TestTablesConcurrently(t *testing.T) {
	tx := func(tt string) map[string]any {
		return map[string]any{"TransactionType": tt, "Account": evrIssuer, "Fee": "12", "Sequence": 1}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if n, _ := Xahau().TransactionTypeName(45); n != "URITokenMint" {
					errs <- "Xahau 45 = " + n
				}
				b, err := Xahau().Encode(tx("URITokenMint"))
				if err != nil || b[0] != 0x12 || b[1] != 0 || b[2] != 45 {
					errs <- "Xahau encode"
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if n, _ := XRPL().TransactionTypeName(45); n != "XChainAddClaimAttestation" {
					errs <- "XRPL 45 = " + n
				}
				if _, err := XRPL().Encode(tx("URITokenMint")); !errors.Is(err, ErrUnknownTransactionType) {
					errs <- "XRPL accepted URITokenMint"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestParseDefinitionsErrors(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{}`, `{"TYPES":{"UInt16":1}}`,
		`{"TYPES":{"UInt16":1},"FIELDS":[["A"]],"TRANSACTION_TYPES":{"Payment":0}}`,
		`{"TYPES":{"UInt16":1},"FIELDS":[["A",{"nth":1,"type":"Nope"}]],"TRANSACTION_TYPES":{"Payment":0}}`,
		// No end markers.
		`{"TYPES":{"UInt16":1},"FIELDS":[["A",{"nth":1,"type":"UInt16","isSerialized":true}]],"TRANSACTION_TYPES":{"Payment":0}}`,
	} {
		if _, err := ParseDefinitions([]byte(doc)); !errors.Is(err, ErrDefinitions) {
			t.Errorf("%q: err %v", doc, err)
		}
	}
}

func TestDecodeTypes(t *testing.T) {
	tx := map[string]any{"TransactionType": "Payment", "Flags": 1, "Sequence": 2, "TickSize": 3, "SignerWeight": 4}
	b, err := Xahau().Encode(tx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Xahau().Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"TransactionType": "Payment", "Flags": uint32(1), "Sequence": uint32(2), "TickSize": uint32(3), "SignerWeight": uint32(4)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

func TestHashes(t *testing.T) {
	// SHA512Half("") from the XRPL docs' test vectors.
	h := SHA512Half()
	if hex.EncodeToString(h[:]) != "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" {
		t.Fatalf("SHA512Half() = %x", h)
	}
	if SHA512Half([]byte("ab"), []byte("c")) != SHA512Half([]byte("abc")) {
		t.Fatal("parts are not concatenated")
	}
}

// TestFlipEveryByte decodes every one-byte corruption of each golden blob: no panics, and what
// decodes re-encodes.
func TestFlipEveryByte(t *testing.T) {
	for _, file := range []string{"golden-xahau.json", "golden-xrpl.json"} {
		for _, c := range loadGolden(t, file) {
			d := defsFor(t, c.Network)
			blob := mustHex(t, c.Encoded)
			for i := range blob {
				for _, x := range []byte{0x01, 0x80, 0xFF} {
					b := bytes.Clone(blob)
					b[i] ^= x
					checkDecode(t, d, b)
				}
			}
			for i := range blob {
				checkDecode(t, d, blob[:i])
			}
		}
	}
}

// checkDecode is the property shared with the fuzz test.
func checkDecode(t testing.TB, d *Definitions, b []byte) {
	obj, err := d.Decode(b)
	if err != nil {
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownTransactionType) &&
			!errors.Is(err, ErrUnknownLedgerEntryType) && !errors.Is(err, ErrUnknownResult) &&
			!errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrUnsupportedType) {
			t.Fatalf("Decode(%X): error %v wraps no sentinel", b, err)
		}
		return
	}
	enc, err := d.Encode(obj)
	if err != nil || obj["TransactionType"] == "UNLModify" {
		return // e.g. a negative native amount decodes but is not encodable
	}
	again, err := d.Decode(enc)
	if err != nil {
		t.Fatalf("Decode(%X) → Encode → Decode: %v", b, err)
	}
	if !reflect.DeepEqual(obj, again) {
		t.Fatalf("Decode(%X) not stable:\n%#v\n%#v", b, obj, again)
	}
}

func FuzzDecode(f *testing.F) {
	for _, file := range []string{"golden-xahau.json", "golden-xrpl.json"} {
		for _, c := range loadGolden(f, file) {
			net := byte(0)
			if c.Network == "xrpl" {
				net = 1
			}
			f.Add(net, mustHex(f, c.Encoded))
			if c.SignedBlob != "" {
				f.Add(net, mustHex(f, c.SignedBlob))
			}
		}
	}
	f.Fuzz(func(t *testing.T, net byte, b []byte) {
		d := Xahau()
		if net&1 == 1 {
			d = XRPL()
		}
		checkDecode(t, d, b)
	})
}

func FuzzEncode(f *testing.F) {
	for _, file := range []string{"golden-xahau.json", "golden-xrpl.json"} {
		for _, c := range loadGolden(f, file) {
			f.Add([]byte(c.Tx))
		}
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		var m map[string]any
		if json.Unmarshal(js, &m) != nil {
			return
		}
		for _, d := range []*Definitions{Xahau(), XRPL()} {
			b, err := d.Encode(m)
			if err != nil {
				continue
			}
			if _, err := d.EncodeForSigning(m); err != nil {
				t.Fatalf("Encode succeeded but EncodeForSigning failed: %v", err)
			}
			if m["TransactionType"] != "UNLModify" {
				checkDecode(t, d, b)
			}
		}
	})
}

func TestEncodeOddShapes(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["Memo"] = cyclic
	for _, m := range []map[string]any{
		nil, {}, {"": 1}, {"Memos": []any{cyclic}}, {"Memos": []any{map[string]any{"Memo": cyclic}}},
		{"Paths": []any{[]any{}}}, {"Paths": []any{}}, {"Paths": []any{"x"}}, {"Paths": []any{[]any{map[string]any{"account": 5}}}},
		{"Amount": map[string]any{"mpt_issuance_id": 1, "value": "1"}}, {"ObjectEndMarker": map[string]any{}},
		{"Memos": []any{map[string]any{"Memo": map[string]any{}, "X": 1}}}, {"Memos": []any{map[string]any{"Amount": "1"}}},
		{"HookParameters": []map[string]any{{"HookParameter": "x"}}}, {"Indexes": []any{1}}, {"NFTokenOffers": "x"},
	} {
		_, _ = Xahau().Encode(m)
		_, _ = XRPL().Encode(m)
		_, _ = Xahau().EncodeForSigning(m)
	}
}

func BenchmarkEncodePayment(b *testing.B) {
	tx := benchPayment()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Xahau().Encode(tx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePayment(b *testing.B) {
	blob, err := Xahau().Encode(benchPayment())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Xahau().Decode(blob); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPayment() map[string]any {
	return map[string]any{
		"TransactionType": "Payment", "Account": "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "Destination": "rHH1fLR86zy5uZjZXT8iEa4CHK145ksjAK",
		"Amount": map[string]any{"currency": "EVR", "issuer": evrIssuer, "value": "0.3"},
		"Fee":    "12", "Sequence": 3, "LastLedgerSequence": 1003, "NetworkID": 21337,
		"SigningPubKey": "03B41C770E3DE7B0DB75688B86BC574473CF4801990AB9A3F4EF74C02B56D45F55",
		"Memos":         []any{map[string]any{"Memo": map[string]any{"MemoType": "65766E41637175697265", "MemoData": strings.Repeat("AB", 100), "MemoFormat": "626173653634"}}},
		"HookParameters": []any{map[string]any{"HookParameter": map[string]any{
			"HookParameterName": "4556520100000000000000000000000000000000000000000000000000000002", "HookParameterValue": "65766E486F7374526567"}}},
	}
}
