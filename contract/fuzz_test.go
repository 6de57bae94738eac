package contract

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

func fuzzClient(t testing.TB) *Client {
	k := newKey(t)
	return &Client{pub33: append([]byte{0xED}, k[32:]...), threshold: DefaultThreshold,
		verify: true, trusted: map[string]bool{pubHex(k): true}, nodeKey: pubHex(k)}
}

// FuzzDecodeServerMessage feeds arbitrary bytes to both decoders and to output verification:
// nothing may panic or loop.
func FuzzDecodeServerMessage(f *testing.F) {
	key := newKey(f)
	user := append([]byte{0xED}, make([]byte, 32)...)
	for _, p := range protocols {
		f.Add(validOutput(user, key, 3, []byte("a"), []byte(`{"x":1}`)).encode(p), p == ProtocolJSON)
		f.Add(fakeReply(p, encodeSimple(p, "stat")), p == ProtocolJSON)
		f.Add(fakeReply(p, encodeSimple(p, "lcl")), p == ProtocolJSON)
	}
	ev, _ := bson.Marshal(bson.D{{Key: "type", Value: "ledger_event"}, {Key: "event", Value: "ledger_created"}, {Key: "ledger", Value: bson.D{{Key: "seq_no", Value: int64(4)}}}})
	f.Add(ev, false)
	f.Add([]byte(`{"type":"unl_change","unl":["ed00"]}`), true)
	f.Add([]byte(`{"type":"contract_output","hash_tree":[[[[[[null]]]]]]}`), true)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		p := ProtocolBSON
		if isJSON {
			p = ProtocolJSON
		}
		m, err := decodeServerMessage(p, data)
		if err == nil && m.Type == hpwire.MsgContractOutput {
			_, _ = c.checkOutput(m)
		}
		_, _ = decodeUserChallenge(data)
		_, _ = decodeServerChallengeResponse(data)
	})
}

// FuzzJSString checks the JSON.stringify-compatible string encoder: valid JSON that decodes
// to the same string.
func FuzzJSString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\\n\t\x01\x7f", "é✓\u2028", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		b := appendJSString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Fatalf("%q encoded as %s decodes to %q (%v)", s, b, back, err)
		}
		for _, c := range jsonOutputCandidates(b) {
			_ = c
		}
	})
}
