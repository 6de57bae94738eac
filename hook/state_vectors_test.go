package hook

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/evernode-go/sdk/internal/vectors"
)

type stateValuesFile struct {
	Samples []struct {
		Name     string          `json:"name"`
		KeyHex   string          `json:"keyHex"`
		ValueHex string          `json:"valueHex"`
		Decoded  json.RawMessage `json:"decoded"`
	} `json:"samples"`
}

// jsonEqual compares two JSON documents as values: numbers as float64, the
// way JavaScript holds them.
func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("unmarshal got: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("unmarshal want: %v", err)
	}
	return reflect.DeepEqual(g, w)
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func TestStateValuesVectors(t *testing.T) {
	var f stateValuesFile
	vectors.Load(t, "state-values.json", &f)
	if len(f.Samples) == 0 {
		t.Fatal("no samples")
	}
	for _, s := range f.Samples {
		t.Run(s.Name, func(t *testing.T) {
			key, value := mustHex(t, s.KeyHex), mustHex(t, s.ValueHex)
			st, err := DecodeState(key, value)
			if err != nil {
				t.Fatalf("DecodeState: %v", err)
			}
			got, err := json.Marshal(st)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !jsonEqual(t, got, s.Decoded) {
				t.Errorf("JSON\n got %s\nwant %s", got, s.Decoded)
			}
			enc, err := EncodeValue(st.Value)
			if err != nil {
				t.Fatalf("EncodeValue: %v", err)
			}
			if !bytes.Equal(enc, value) {
				t.Errorf("Encode\n got %X\nwant %X", enc, value)
			}
		})
	}
}

// vectorsLoadQuiet loads a vector file for fuzz seeds.
func vectorsLoadQuiet(f *testing.F, name string, v any) {
	vectors.Load(f, name, v)
}
