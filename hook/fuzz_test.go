package hook

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/evernode-go/sdk/internal/xfl"
)

func addStateSeeds(f *testing.F) {
	var v stateValuesFile
	vectorsLoadQuiet(f, "state-values.json", &v)
	for _, s := range v.Samples {
		f.Add(mustHex(f, s.KeyHex), mustHex(f, s.ValueHex))
	}
	for _, k := range []Key{TransfereeAddrKey(AccountID{1}), CandidateOwnerKey(AccountID{2}), CandidateIDKey(DudHostCandidateID(AccountID{3}))} {
		f.Add(k[:], make([]byte, 128))
	}
}

// FuzzDecodeState checks that DecodeState never panics, that what decodes
// marshals, and that Encode gives back the bytes it read.
func FuzzDecodeState(f *testing.F) {
	addStateSeeds(f)
	f.Fuzz(func(t *testing.T, key, value []byte) {
		st, err := DecodeState(key, value)
		if err != nil {
			return
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		enc, err := EncodeValue(st.Value)
		if err != nil {
			t.Fatalf("encode %T: %v", st.Value, err)
		}
		if len(enc) > len(value) || !bytes.Equal(enc, value[:len(enc)]) {
			t.Fatalf("%T round trip\n got %X\nwant %X", st.Value, enc, value)
		}
	})
}

// FuzzDecodeReputationState covers the reputation hook's entries.
func FuzzDecodeReputationState(f *testing.F) {
	h := AccountID{9, 8, 7}
	for _, k := range []Key{ReputationHostAddrKey(h), ReputationOrderAddressKey(h, 9000), ReputationOrderedIDKey(5, 9000),
		ReputationHostCountKey(9000), ReputationContractInfoKey(h)} {
		f.Add(k[:], make([]byte, 56))
	}
	f.Fuzz(func(t *testing.T, key, value []byte) {
		st, err := DecodeReputationState(key, value)
		if err != nil {
			return
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if enc, err := EncodeValue(st.Value); err == nil && (len(enc) > len(value) || !bytes.Equal(enc, value[:len(enc)])) {
			t.Fatalf("%T round trip", st.Value)
		}
	})
}

// FuzzDecodeParams covers the event data decoders of host transactions.
func FuzzDecodeParams(f *testing.F) {
	r := validRegistration()
	b, _ := r.EncodeParam()
	f.Add(b)
	u := RegUpdate{Version: "1.2.3", LeaseAmount: "2"}
	b, _ = u.EncodeParam()
	f.Add(b)
	f.Add(make([]byte, 43))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeRegistration(b); err == nil {
			if r.Validate() == nil {
				enc, err := r.EncodeParam()
				if err != nil || !bytes.Equal(enc[:128], b[:128]) {
					t.Fatalf("registration round trip: %v", err)
				}
				// A non-canonical XFL re-encodes normalised.
				if v := int64(le.Uint64(b[128:])); XFL(v).String() == mustXFL(v) && !bytes.Equal(enc, b) {
					t.Fatalf("registration lease amount round trip")
				}
			}
		}
		if u, err := DecodeRegUpdate(b); err == nil {
			_, _ = u.EncodeParam()
		}
		if c, err := DecodeReputationContractInfo(b); err == nil {
			if enc := c.Encode(); !bytes.Equal(enc, b[:len(enc)]) {
				t.Fatal("contract info round trip")
			}
		}
		_, _ = ParseKey(string(b))
	})
}

func mustXFL(v int64) string {
	s, err := xfl.Decode(v)
	if err != nil {
		return "invalid"
	}
	if e, err := xfl.Encode(s); err != nil || e != v {
		return "not canonical"
	}
	return s
}

// FuzzJSText checks the Node-compatible UTF-8 decoding against Go's for
// valid input and that it always yields valid UTF-8.
func FuzzJSText(f *testing.F) {
	f.Add([]byte("héllo\xE2\x82A\xF0\x9F"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := jsText(b)
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 out of %X", b)
		}
		if utf8.Valid(b) && s != string(b) {
			t.Fatalf("changed valid text %q", b)
		}
	})
}

// FuzzXFLString checks the JS rendering against the exact decoder.
func FuzzXFLString(f *testing.F) {
	f.Add(int64(0x54838D7EA4C68000))
	f.Add(int64(0))
	f.Add(int64(-1))
	f.Fuzz(func(t *testing.T, v int64) {
		s := XFL(v).String()
		if want, err := xfl.Decode(v); err == nil && s != want {
			t.Fatalf("%X: %s, want %s", v, s, want)
		}
	})
}
