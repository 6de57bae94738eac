package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/Peersyst/xrpl-go/keypairs"
)

// goldenCase is one transaction (or ledger object, or metadata) as encoded by ripple-binary-codec
// and signed by ripple-keypairs; see testdata/gen/gen.js.
type goldenCase struct {
	Name           string          `json:"name"`
	Network        string          `json:"network"`
	Tx             json.RawMessage `json:"tx"`
	Encoded        string          `json:"encoded"`
	SigningEncoded string          `json:"signingEncoded"`
	Decoded        json.RawMessage `json:"decoded"`
	Seed           string          `json:"seed"`
	SignedBlob     string          `json:"signedBlob"`
	Hash           string          `json:"hash"`
}

func loadGolden(t testing.TB, file string) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", file)
	}
	return cases
}

func defsFor(t testing.TB, network string) *Definitions {
	switch network {
	case "xahau":
		return Xahau()
	case "xrpl":
		return XRPL()
	}
	t.Fatalf("unknown network %q", network)
	return nil
}

// txMap decodes a fixture transaction the two ways callers will: plain (float64 numbers) and
// with UseNumber (json.Number).
func txMaps(t testing.TB, raw json.RawMessage) map[string]map[string]any {
	t.Helper()
	var plain map[string]any
	if err := json.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var num map[string]any
	if err := dec.Decode(&num); err != nil {
		t.Fatal(err)
	}
	return map[string]map[string]any{"float64": plain, "json.Number": num}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonEqual compares two values by their JSON form, so uint32 and float64 numbers compare equal.
func jsonEqual(t testing.TB, got any, want json.RawMessage) bool {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var a, b any
	if err := json.Unmarshal(g, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}

func TestGolden(t *testing.T) {
	for _, file := range []string{"golden-xahau.json", "golden-xrpl.json"} {
		for _, c := range loadGolden(t, file) {
			t.Run(c.Network+"/"+c.Name, func(t *testing.T) {
				d := defsFor(t, c.Network)
				for shape, tx := range txMaps(t, c.Tx) {
					enc, err := d.Encode(tx)
					if err != nil {
						t.Fatalf("%s: Encode: %v", shape, err)
					}
					if got := strings.ToUpper(hex.EncodeToString(enc)); got != c.Encoded {
						t.Fatalf("%s: Encode\n got %s\nwant %s", shape, got, c.Encoded)
					}
					sig, err := d.EncodeForSigning(tx)
					if err != nil {
						t.Fatalf("%s: EncodeForSigning: %v", shape, err)
					}
					if got := strings.ToUpper(hex.EncodeToString(sig)); got != c.SigningEncoded {
						t.Fatalf("%s: EncodeForSigning\n got %s\nwant %s", shape, got, c.SigningEncoded)
					}
				}

				dec, err := d.Decode(mustHex(t, c.Encoded))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if !jsonEqual(t, dec, c.Decoded) {
					g, _ := json.Marshal(dec)
					t.Fatalf("Decode differs from ripple-binary-codec\n got %s\nwant %s", g, c.Decoded)
				}
				re, err := d.Encode(dec)
				if err != nil {
					t.Fatalf("re-Encode: %v", err)
				}
				if !bytes.Equal(re, mustHex(t, c.Encoded)) {
					t.Fatalf("Decode→Encode changed the bytes")
				}

				if c.Seed == "" {
					return
				}
				priv, pub, err := keypairs.DeriveKeypair(c.Seed, false)
				if err != nil {
					t.Fatal(err)
				}
				tx := txMaps(t, c.Tx)["float64"]
				if tx["SigningPubKey"] != pub {
					t.Fatalf("fixture SigningPubKey %v, seed gives %s", tx["SigningPubKey"], pub)
				}
				msg, err := d.EncodeForSigning(tx)
				if err != nil {
					t.Fatal(err)
				}
				signature, err := keypairs.Sign(string(msg), priv)
				if err != nil {
					t.Fatal(err)
				}
				tx["TxnSignature"] = signature
				blob, err := d.Encode(tx)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.ToUpper(hex.EncodeToString(blob)); got != c.SignedBlob {
					t.Fatalf("signed blob\n got %s\nwant %s", got, c.SignedBlob)
				}
				h := TransactionHash(blob)
				if got := strings.ToUpper(hex.EncodeToString(h[:])); got != c.Hash {
					t.Fatalf("hash %s, want %s", got, c.Hash)
				}
				// Signing must not cover the signature itself.
				again, err := d.EncodeForSigning(tx)
				if err != nil || !bytes.Equal(again, msg) {
					t.Fatalf("EncodeForSigning includes TxnSignature")
				}
			})
		}
	}
}

// TestGoldenParsedDefinitions runs the golden cases through tables rebuilt by ParseDefinitions
// from a definitions.json rendering of the built-in tables.
func TestGoldenParsedDefinitions(t *testing.T) {
	for _, file := range []string{"golden-xahau.json", "golden-xrpl.json"} {
		cases := loadGolden(t, file)
		builtin := defsFor(t, cases[0].Network)
		doc := definitionsJSON(t, builtin)
		// server_definitions results carry extra keys; they must be ignored.
		doc = append([]byte(`{"hash":"ABCD",`), doc[1:]...)
		d, err := ParseDefinitions(doc)
		if err != nil {
			t.Fatalf("%s: ParseDefinitions: %v", file, err)
		}
		wrapped, err := ParseDefinitions([]byte(`{"result":` + string(doc) + `,"status":"success"}`))
		if err != nil {
			t.Fatalf("%s: ParseDefinitions(wrapped): %v", file, err)
		}
		for _, c := range cases {
			for _, dd := range []*Definitions{d, wrapped} {
				tx := txMaps(t, c.Tx)["float64"]
				enc, err := dd.Encode(tx)
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				if got := strings.ToUpper(hex.EncodeToString(enc)); got != c.Encoded {
					t.Fatalf("%s: parsed table encodes differently", c.Name)
				}
			}
		}
	}
}

// definitionsJSON renders a table in definitions.json shape.
func definitionsJSON(t testing.TB, d *Definitions) []byte {
	t.Helper()
	var fields [][]any
	for _, f := range d.fields {
		fields = append(fields, []any{f.name, map[string]any{
			"nth": f.nth, "isVLEncoded": f.vl, "isSerialized": f.serialized, "isSigningField": f.signing, "type": f.typ,
		}})
	}
	le := map[string]int{}
	for n, c := range d.leTypes {
		le[n] = int(c)
	}
	tt := map[string]int{"Invalid": -1}
	for n, c := range d.txTypes {
		tt[n] = int(c)
	}
	b, err := json.Marshal(map[string]any{
		"TYPES": d.typeCodes, "FIELDS": fields, "TRANSACTION_TYPES": tt,
		"TRANSACTION_RESULTS": d.results, "LEDGER_ENTRY_TYPES": le,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSameBytesOnBothNetworks(t *testing.T) {
	find := func(file string) goldenCase {
		for _, c := range loadGolden(t, file) {
			if c.Name == "payment-plain" {
				return c
			}
		}
		t.Fatalf("%s: no payment-plain case", file)
		return goldenCase{}
	}
	x, r := find("golden-xahau.json"), find("golden-xrpl.json")
	if x.Encoded != r.Encoded {
		t.Fatalf("fixtures disagree")
	}
	tx := txMaps(t, x.Tx)["float64"]
	a, errA := Xahau().Encode(tx)
	b, errB := XRPL().Encode(tx)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("Xahau %X (%v) vs XRPL %X (%v)", a, errA, b, errB)
	}
}
