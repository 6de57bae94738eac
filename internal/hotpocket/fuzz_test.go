package hotpocket

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

func FuzzDecodeUserMessage(f *testing.F) {
	f.Add([]byte(`{"type":"contract_input","input_container":"{}","sig":"00"}`), false)
	f.Add([]byte(`{"type":"ledger_query","id":"x","filter_by":"seq_no","params":{"seq_no":1},"include":["inputs"]}`), false)
	f.Add([]byte(`{"type":"subscription","channel":"unl_change","enabled":true}`), false)
	b, _ := bson.Marshal(bson.D{{Key: "type", Value: "contract_read_request"}, {Key: "id", Value: "1"}, {Key: "content", Value: bson.Binary{Data: []byte("x")}}})
	f.Add(b, true)
	b, _ = bson.Marshal(bson.D{{Key: "type", Value: "ledger_query"}, {Key: "id", Value: "1"}, {Key: "filter_by", Value: "seq_no"}, {Key: "params", Value: bson.D{{Key: "seq_no", Value: int32(3)}}}, {Key: "include", Value: bson.A{"outputs"}}})
	f.Add(b, true)
	f.Fuzz(func(t *testing.T, data []byte, isBSON bool) {
		p := protoJSON
		if isBSON {
			p = protoBSON
		}
		m, err := decodeUserMessage(p, data)
		if err == nil && m.Type == hpwire.MsgContractInput && m.fieldsOK && m.Container == nil {
			t.Fatal("contract_input without container")
		}
	})
}

func FuzzDecodeInputContainer(f *testing.F) {
	f.Add([]byte(`{"input":"abc","nonce":1,"max_ledger_seq_no":2}`), false)
	f.Add([]byte(`{"input":"abc","nonce":1.5,"max_ledger_seq_no":2}`), false)
	b, _ := bson.Marshal(bson.D{{Key: "input", Value: bson.Binary{Data: []byte("x")}}, {Key: "nonce", Value: int64(1)}, {Key: "max_ledger_seq_no", Value: int64(9)}})
	f.Add(b, true)
	f.Fuzz(func(t *testing.T, data []byte, isBSON bool) {
		p := protoJSON
		if isBSON {
			p = protoBSON
		}
		c, err := decodeInputContainer(p, data)
		if err == nil && c.Nonce == 0 {
			t.Fatal("nonce 0 accepted")
		}
	})
}

func FuzzChallengeResponse(f *testing.F) {
	k := ed25519.NewKeyFromSeed(make([]byte, 32))
	ch := "00112233445566778899aabbccddeeff"
	good := `{"type":"user_challenge_response","sig":"` + lowerHex(ed25519.Sign(k, []byte(ch))) + `","pubkey":"` + hpwire.PublicKeyHex(k.Public().(ed25519.PublicKey)) + `","server_challenge":"ab","protocol":"bson"}`
	f.Add([]byte(good))
	f.Add([]byte(`{"type":"user_challenge_response","sig":"zz","pubkey":"ed","protocol":"json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseChallengeResponse(data, ch)
		if err == nil && (len(r.PubKey) != 33 || !verifySig(ed25519.PublicKey(r.PubKey[1:]), []byte(ch), r.Sig)) {
			t.Fatal("accepted an unverified response")
		}
	})
}

// FuzzBootstrapInput feeds arbitrary inputs and bundles to the built-in bootstrap contract:
// it must never panic nor write outside its state directory.
func FuzzBootstrapInput(f *testing.F) {
	f.Add([]byte("not bson"))
	f.Add(bsonDoc(f, bson.D{{Key: "type", Value: "status"}}))
	f.Add(bsonDoc(f, bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{Data: makeZip(f, zipEntry{name: "a/b", data: []byte("x")}, zipEntry{name: "hp.cfg.override", data: []byte(`{"contract":{"bin_path":"a/b"},"mesh":{"known_peers":["x:1"]}}`)})}}}))
	f.Fuzz(func(t *testing.T, input []byte) {
		base := t.TempDir()
		dir := filepath.Join(base, "c")
		state := stateDir(dir)
		os.MkdirAll(state, 0o755)
		os.WriteFile(filepath.Join(state, bootstrapBin), markerScript(bootstrapMarker), 0o755)
		os.WriteFile(filepath.Join(state, upgradeScript), markerScript(upgradeMarker), 0o755)
		n := &Node{dir: dir, log: discardLogger()}
		owner := prefixed(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
		req := execRequest{cfg: Config{Contract: ContractConfig{BinPath: bootstrapBin, BinArgs: lowerHex(owner)}},
			users: []execUser{{pub: owner, hex: lowerHex(owner), inputs: [][]byte{input}}}}
		n.runBootstrap(req, state)
		ents, _ := os.ReadDir(base)
		if len(ents) != 1 {
			t.Fatalf("bootstrap wrote outside the contract dir: %v", ents)
		}
	})
}
