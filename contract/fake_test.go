package contract

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// fakeNode is a scripted HotPocket node for what a real one never sends: tampered outputs,
// bad handshake signatures. It records every message it receives.
type fakeNode struct {
	srv       *httptest.Server
	key       ed25519.PrivateKey
	unl       []string
	challenge string
	hpVersion string
	badSig    bool
	cid, cver string
	// script runs after the handshake with the connection and the chosen protocol.
	script func(ctx context.Context, c *websocket.Conn, p Protocol, user []byte)
	// respond answers inputs (accepted), read requests ("pong"), stat and lcl.
	respond bool

	mu       sync.Mutex
	received [][]byte
}

func newFakeNode(t testing.TB, f *fakeNode) *fakeNode {
	t.Helper()
	if f.key == nil {
		f.key = newKey(t)
	}
	if f.unl == nil {
		f.unl = []string{pubHex(f.key)}
	}
	if f.challenge == "" {
		f.challenge = "0123456789abcdef0123456789abcdef"
	}
	if f.hpVersion == "" {
		f.hpVersion = "0.6.4"
	}
	if f.cid == "" {
		f.cid, f.cver = "3c349abe-4d70-4f50-9fa6-018f1f2530ab", "1.0"
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) addr() string { return strings.TrimPrefix(f.srv.URL, "https://") }

func (f *fakeNode) record(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.received = append(f.received, append([]byte{}, b...))
}

func (f *fakeNode) messages() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte{}, f.received...)
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(64 << 20)
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	ch, _ := json.Marshal(map[string]string{"hp_version": f.hpVersion, "type": "user_challenge", "contract_id": f.cid, "contract_version": f.cver, "challenge": f.challenge})
	if c.Write(ctx, websocket.MessageBinary, ch) != nil {
		return
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		return
	}
	f.record(data)
	var resp struct {
		Sig, PubKey, ServerChallenge, Protocol string
	}
	var raw map[string]string
	if json.Unmarshal(data, &raw) != nil {
		return
	}
	resp.Sig, resp.PubKey, resp.ServerChallenge, resp.Protocol = raw["sig"], raw["pubkey"], raw["server_challenge"], raw["protocol"]
	upk, err := hpwire.ParsePublicKey(resp.PubKey)
	sig, _ := hex.DecodeString(resp.Sig)
	if err != nil || !ed25519.Verify(upk, []byte(f.challenge), sig) {
		return
	}
	ssig := ed25519.Sign(f.key, []byte(resp.ServerChallenge+f.cid+f.cver))
	if f.badSig {
		ssig[0] ^= 1
	}
	sr, _ := json.Marshal(map[string]any{"type": "server_challenge_response", "sig": hex.EncodeToString(ssig), "pubkey": pubHex(f.key), "unl": f.unl})
	if c.Write(ctx, websocket.MessageBinary, sr) != nil {
		return
	}
	p := ProtocolJSON
	if resp.Protocol == "bson" {
		p = ProtocolBSON
	}
	if f.script != nil {
		f.script(ctx, c, p, append([]byte{0xED}, upk...))
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		f.record(data)
		if f.respond {
			if reply := fakeReply(p, data); reply != nil {
				c.Write(ctx, websocket.MessageBinary, reply)
			}
		}
	}
}

// fakeReply is a minimal node answer to a client message.
func fakeReply(p Protocol, data []byte) []byte {
	var typ, id string
	var sig []byte
	if p == ProtocolBSON {
		d := bson.Raw(data)
		if d.Validate() != nil {
			return nil
		}
		typ, _ = hpwire.BSONString(d, "type")
		id, _ = hpwire.BSONString(d, "id")
		sig, _ = hpwire.BSONBinary(d, "sig")
	} else {
		var o rawObj
		if json.Unmarshal(data, &o) != nil {
			return nil
		}
		typ, _ = o.str("type")
		id, _ = o.str("id")
		sig, _ = o.hex("sig")
	}
	zero := make([]byte, 32)
	enc := func(d bson.D) []byte {
		if p == ProtocolBSON {
			b, _ := bson.Marshal(d)
			return b
		}
		m := map[string]any{}
		for _, e := range d {
			switch v := e.Value.(type) {
			case []byte:
				m[e.Key] = hex.EncodeToString(v)
			default:
				m[e.Key] = v
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	bin := func(b []byte) any {
		if p == ProtocolBSON {
			return bson.Binary{Data: b}
		}
		return b
	}
	text := func(s string) any { // outputs are raw bytes in BSON, text in JSON
		if p == ProtocolBSON {
			return bson.Binary{Data: []byte(s)}
		}
		return s
	}
	list := func() any {
		if p == ProtocolBSON {
			return bson.A{}
		}
		return []string{}
	}
	switch typ {
	case "contract_input":
		return enc(bson.D{{Key: "type", Value: "contract_input_status"}, {Key: "status", Value: "accepted"},
			{Key: "input_hash", Value: bin(hpwire.Hash(sig))}, {Key: "ledger_seq_no", Value: int64(5)}, {Key: "ledger_hash", Value: bin(zero)}})
	case "contract_read_request":
		return enc(bson.D{{Key: "type", Value: "contract_read_response"}, {Key: "reply_for", Value: id}, {Key: "content", Value: text("pong")}})
	case "stat":
		return enc(bson.D{{Key: "type", Value: "stat_response"}, {Key: "hp_version", Value: "0.6.4"}, {Key: "ledger_seq_no", Value: int64(5)},
			{Key: "ledger_hash", Value: bin(zero)}, {Key: "vote_status", Value: "synced"}, {Key: "round_time", Value: int64(1000)},
			{Key: "contract_execution_enabled", Value: true}, {Key: "read_requests_enabled", Value: true},
			{Key: "is_full_history_node", Value: false}, {Key: "weakly_connected", Value: false},
			{Key: "current_unl", Value: list()}, {Key: "peers", Value: list()}})
	case "lcl":
		return enc(bson.D{{Key: "type", Value: "lcl_response"}, {Key: "ledger_seq_no", Value: int64(5)}, {Key: "ledger_hash", Value: bin(zero)}})
	}
	return nil
}

// outputMsg is a contract_output to encode in either protocol.
type outputMsg struct {
	seq        uint64
	outputs    [][]byte // BSON binaries; JSON tokens are jsonTokens when set
	jsonTokens []string
	outputHash []byte
	tree       any // nil → self, []byte → hash, []any → array
	sigs       [][2][]byte
}

func (m outputMsg) encode(p Protocol) []byte {
	if p == ProtocolBSON {
		outs := bson.A{}
		for _, o := range m.outputs {
			outs = append(outs, bson.Binary{Data: o})
		}
		sigs := bson.A{}
		for _, s := range m.sigs {
			sigs = append(sigs, bson.A{bson.Binary{Data: s[0]}, bson.Binary{Data: s[1]}})
		}
		b, _ := bson.Marshal(bson.D{{Key: "type", Value: "contract_output"}, {Key: "ledger_seq_no", Value: int64(m.seq)},
			{Key: "ledger_hash", Value: bson.Binary{Data: make([]byte, 32)}}, {Key: "outputs", Value: outs},
			{Key: "output_hash", Value: bson.Binary{Data: m.outputHash}}, {Key: "hash_tree", Value: treeBSON(m.tree)}, {Key: "unl_sig", Value: sigs}})
		return b
	}
	toks := m.jsonTokens
	if toks == nil {
		for _, o := range m.outputs {
			b, _ := json.Marshal(string(o))
			toks = append(toks, string(b))
		}
	}
	var sigs []string
	for _, s := range m.sigs {
		sigs = append(sigs, `["`+hex.EncodeToString(s[0])+`","`+hex.EncodeToString(s[1])+`"]`)
	}
	tree, _ := json.Marshal(treeJSON(m.tree))
	return []byte(`{"type":"contract_output","ledger_seq_no":` + jsonNum(m.seq) + `,"ledger_hash":"` + strings.Repeat("00", 32) +
		`","outputs":[` + strings.Join(toks, ",") + `],"output_hash":"` + hex.EncodeToString(m.outputHash) +
		`","hash_tree":` + string(tree) + `,"unl_sig":[` + strings.Join(sigs, ",") + `]}`)
}

func jsonNum(n uint64) string { b, _ := json.Marshal(n); return string(b) }

func treeBSON(t any) any {
	switch x := t.(type) {
	case nil:
		return nil
	case []byte:
		return bson.Binary{Data: x}
	case []any:
		a := bson.A{}
		for _, e := range x {
			a = append(a, treeBSON(e))
		}
		return a
	}
	return "bad"
}

func treeJSON(t any) any {
	switch x := t.(type) {
	case nil:
		return nil
	case []byte:
		return hex.EncodeToString(x)
	case []any:
		a := []any{}
		for _, e := range x {
			a = append(a, treeJSON(e))
		}
		return a
	}
	return 7
}

// validOutput builds a correctly signed contract_output for user with outputs.
func validOutput(user []byte, node ed25519.PrivateKey, seq uint64, outputs ...[]byte) outputMsg {
	self := hpwire.Hash(append([][]byte{user}, outputs...)...)
	other, state := hpwire.Hash([]byte("other user")), hpwire.Hash([]byte("state"))
	tree := []any{[]any{nil, other}, state}
	root := hpwire.Hash(hpwire.Hash(self, other), state)
	pub33 := append([]byte{0xED}, node.Public().(ed25519.PublicKey)...)
	return outputMsg{seq: seq, outputs: outputs, outputHash: self, tree: tree, sigs: [][2][]byte{{pub33, ed25519.Sign(node, root)}}}
}
