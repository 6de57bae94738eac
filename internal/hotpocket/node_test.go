package hotpocket

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

func protos() []struct {
	name string
	p    protocol
} {
	return []struct {
		name string
		p    protocol
	}{{"json", protoJSON}, {"bson", protoBSON}}
}

func TestHandshakeBothProtocols(t *testing.T) {
	n := startNode(t, "")
	for _, tc := range protos() {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, n.Node, newKey(t), tc.p)
			c.send(bson.D{{Key: "type", Value: "stat"}})
			st := c.waitType("stat_response")
			if st["hp_version"] != HPVersion || st["contract_execution_enabled"] != true || st["read_requests_enabled"] != true {
				t.Fatalf("stat %v", st)
			}
			if c.num(st, "round_time") != 60 {
				t.Fatalf("round_time %v", st["round_time"])
			}
			unl := st["current_unl"].([]any)
			if len(unl) != 1 || lowerHex(c.binField(msg{"k": unl[0]}, "k")) != n.PublicKey() {
				t.Fatalf("unl %v", unl)
			}
		})
	}
}

func TestHandshakeFailures(t *testing.T) {
	n := startNode(t, "")
	t.Run("bad signature drops", func(t *testing.T) {
		c := rawDial(t, n.Node)
		readOne(t, c)
		k := newKey(t)
		resp, _ := json.Marshal(map[string]string{"type": "user_challenge_response", "sig": hex.EncodeToString(ed25519.Sign(k, []byte("wrong"))),
			"pubkey": hpwire.PublicKeyHex(k.Public().(ed25519.PublicKey)), "protocol": "json"})
		c.Write(context.Background(), websocket.MessageBinary, resp)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, _, err := c.Read(ctx); err == nil {
			t.Fatal("connection not dropped")
		}
	})
	t.Run("bad protocol drops", func(t *testing.T) {
		c := rawDial(t, n.Node)
		var ch map[string]string
		json.Unmarshal(readOne(t, c), &ch)
		k := newKey(t)
		resp, _ := json.Marshal(map[string]string{"type": "user_challenge_response", "sig": hex.EncodeToString(ed25519.Sign(k, []byte(ch["challenge"]))),
			"pubkey": hpwire.PublicKeyHex(k.Public().(ed25519.PublicKey)), "protocol": "xml"})
		c.Write(context.Background(), websocket.MessageBinary, resp)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, _, err := c.Read(ctx); err == nil {
			t.Fatal("connection not dropped")
		}
	})
	t.Run("duplicate key is not verified", func(t *testing.T) {
		k := newKey(t)
		dial(t, n.Node, k, protoJSON)
		c2 := dialAddr(t, n.Addr().String(), k, protoJSON) // still gets a signed server response
		c2.send(bson.D{{Key: "type", Value: "stat"}})
		select {
		case <-c2.done:
		case <-time.After(5 * time.Second):
			t.Fatal("duplicate session not dropped")
		}
	})
}

func TestMessageSizeLimit(t *testing.T) {
	n := startNode(t, `{"contract":{"consensus":{"roundtime":60}},"user":{"max_bytes_per_msg":4096}}`)
	c := dial(t, n.Node, newKey(t), protoBSON)
	c.sendRaw(make([]byte, 5000))
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("oversize message did not close the connection")
	}
	if websocket.CloseStatus(c.err) != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v (%v)", websocket.CloseStatus(c.err), c.err)
	}
}

func TestRejectReasons(t *testing.T) {
	n := startNode(t, `{"contract":{"consensus":{"roundtime":80},"round_limits":{"user_input_bytes":100}}}`)
	for _, tc := range protos() {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, n.Node, newKey(t), tc.p)
			reject := func(h []byte, reason string) {
				t.Helper()
				st := c.status(h)
				if st["status"] != "rejected" || st["reason"] != reason {
					t.Fatalf("want %s, got %v", reason, st)
				}
			}
			lcl := c.lcl()
			// expired and too far
			cont, sig := c.container([]byte("a"), 10, lcl)
			reject(c.sendInput(cont, sig), hpwire.ReasonMaxLedgerExpired)
			cont, sig = c.container([]byte("a"), 11, lcl+50)
			reject(c.sendInput(cont, sig), hpwire.ReasonMaxLedgerOffsetExceeded)
			// round overflow
			cont, sig = c.container(bytes.Repeat([]byte("x"), 200), 12, lcl+5)
			reject(c.sendInput(cont, sig), hpwire.ReasonRoundInputsOverflow)
			// bad signature: found during the round
			cont, sig = c.container([]byte("a"), 13, lcl+5)
			sig[0] ^= 1
			reject(c.sendInput(cont, sig), hpwire.ReasonBadSig)
			// bad container format and nonce 0
			badSig := ed25519.Sign(c.priv, []byte("not a container"))
			reject(c.sendInput([]byte("not a container"), badSig), hpwire.ReasonBadMsgFormat)
			cont, sig = c.container([]byte("a"), 0, lcl+5)
			reject(c.sendInput(cont, sig), hpwire.ReasonBadMsgFormat)
			// accepted, then nonce rules
			cont, sig = c.container([]byte("a"), 100, c.lcl()+5)
			h := c.sendInput(cont, sig)
			if st := c.status(h); st["status"] != "accepted" || c.num(st, "ledger_seq_no") == 0 || len(c.binField(st, "ledger_hash")) != 32 {
				t.Fatalf("accepted status %v", st)
			}
			reject(c.sendInput(cont, sig), hpwire.ReasonAlreadySubmitted)
			cont2, sig2 := c.container([]byte("b"), 100, c.lcl()+5)
			reject(c.sendInput(cont2, sig2), hpwire.ReasonNonceExpired)
			cont3, sig3 := c.container([]byte("c"), 99, c.lcl()+5)
			reject(c.sendInput(cont3, sig3), hpwire.ReasonNonceExpired)
			// unknown type and unparsable message
			c.send(bson.D{{Key: "type", Value: "nope"}})
			if st := c.waitType("contract_input_status"); st["reason"] != hpwire.ReasonInvalidMsgType {
				t.Fatalf("%v", st)
			}
			c.sendRaw([]byte{1, 2, 3})
			if st := c.waitType("contract_input_status"); st["reason"] != hpwire.ReasonBadMsgFormat {
				t.Fatalf("%v", st)
			}
		})
	}
}

func TestSubscriptionsAndLedgerQuery(t *testing.T) {
	n := startNode(t, "")
	for _, tc := range protos() {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, n.Node, newKey(t), tc.p)
			c.send(bson.D{{Key: "type", Value: "subscription"}, {Key: "channel", Value: "ledger_event"}, {Key: "enabled", Value: true}})
			ev, _ := c.waitFor(5*time.Second, "ledger_created", func(m msg) bool { return m["type"] == "ledger_event" && m["event"] == "ledger_created" })
			led := ev["ledger"].(map[string]any)
			seq := c.num(led, "seq_no")
			h := c.binField(led, "hash")
			if len(h) != 32 || len(c.binField(led, "prev_hash")) != 32 {
				t.Fatalf("ledger %v", led)
			}
			c.send(bson.D{{Key: "type", Value: "subscription"}, {Key: "channel", Value: "ledger_event"}, {Key: "enabled", Value: false}})
			c.send(bson.D{{Key: "type", Value: "ledger_query"}, {Key: "id", Value: "q1"}, {Key: "filter_by", Value: "seq_no"},
				{Key: "params", Value: bson.D{{Key: "seq_no", Value: int64(seq)}}}, {Key: "include", Value: bson.A{"inputs", "outputs"}}})
			r := c.waitType("ledger_query_result")
			res := r["results"].([]any)
			if r["reply_for"] != "q1" || r["error"] != nil || len(res) != 1 {
				t.Fatalf("query %v", r)
			}
			got := res[0].(map[string]any)
			if !bytes.Equal(c.binField(got, "hash"), h) || got["inputs"] == nil || got["outputs"] == nil {
				t.Fatalf("query result %v", got)
			}
		})
	}
}

func TestMerkleCollapse(t *testing.T) {
	for _, count := range []int{2, 3, 16, 17, 40, 300} {
		leaves := make([][]byte, count)
		for i := range leaves {
			leaves[i] = hpwire.Hash([]byte{byte(i), byte(i >> 8)})
		}
		tree := buildMerkle(leaves)
		c := &tclient{t: t}
		for _, l := range leaves {
			col := tree.collapse(l)
			b := encodeJSON(col.jsonValue())
			var v any
			json.Unmarshal(b, &v)
			found, root := merkleRoot(c, v, l)
			if !found || !bytes.Equal(root, tree.hash) {
				t.Fatalf("count %d: collapsed tree does not verify", count)
			}
			if strings.Count(string(b), "null") != 1 {
				t.Fatalf("count %d: %s", count, b)
			}
		}
	}
}

func TestBootstrapStatusAndRefusal(t *testing.T) {
	n := startNode(t, "")
	for _, tc := range protos() {
		t.Run(tc.name, func(t *testing.T) {
			owner := dial(t, n.Node, n.owner, protoBSON)
			owner.submit(bsonDoc(t, bson.D{{Key: "type", Value: "status"}}))
			r := owner.bootstrapResult(n.PublicKey(), hpwire.BootstrapStatusResult)
			if r["status"] != "ok" || r["message"] != hpwire.BootstrapOnline {
				t.Fatalf("%v", r)
			}
			// as a read request
			owner.send(bson.D{{Key: "type", Value: "contract_read_request"}, {Key: "id", Value: "r1"}, {Key: "content", Value: bson.Binary{Data: bsonDoc(t, bson.D{{Key: "type", Value: "status"}})}}})
			rr := owner.waitType("contract_read_response")
			var d bson.M
			if rr["reply_for"] != "r1" || bson.Unmarshal(owner.binField(rr, "content"), &d) != nil || d["type"] != "statusResult" {
				t.Fatalf("read response %v", rr)
			}
			owner.submit(bsonDoc(t, bson.D{{Key: "type", Value: "what"}}))
			if r := owner.bootstrapResult(n.PublicKey(), hpwire.BootstrapUnknownResult); r["message"] != hpwire.ErrCodeInvalidMsgType {
				t.Fatalf("%v", r)
			}
			owner.c.CloseNow()
			<-owner.done

			other := dial(t, n.Node, newKey(t), protoBSON)
			other.submit(bsonDoc(t, bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{Data: []byte("zip")}}}))
			if r := other.bootstrapResult(n.PublicKey(), hpwire.BootstrapUploadResult); r["status"] != "fail" || r["message"] != hpwire.ErrCodeUserNotAllowed {
				t.Fatalf("%v", r)
			}
			other.c.CloseNow()
			<-other.done
		})
	}
}

func upload(t *testing.T, n *testNode, c *tclient, zipData []byte) bson.M {
	t.Helper()
	c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{Data: zipData}}}))
	return c.bootstrapResult(n.PublicKey(), hpwire.BootstrapUploadResult)
}

func TestBootstrapImmediateErrors(t *testing.T) {
	n := startNode(t, "")
	c := dial(t, n.Node, n.owner, protoBSON)
	cases := []struct {
		name string
		zip  []byte
		code string
	}{
		{"not a zip", []byte("definitely not a zip"), hpwire.ErrCodeUnzipFailed},
		{"zip slip", makeZip(t, zipEntry{name: "../evil", data: []byte("x")}), hpwire.ErrCodeUnzipFailed},
		{"bad override json", makeZip(t, zipEntry{name: "hp.cfg.override", data: []byte("{bad")}), hpwire.ErrCodeHpCfgJSON},
		{"bad contract.config json", makeZip(t, zipEntry{name: "contract.config", data: []byte("{bad")}, zipEntry{name: "hp.cfg.override", data: []byte(`{"contract":{"bin_path":"x"}}`)}), hpwire.ErrCodeContractCfgJSON},
		{"contract not an object", makeZip(t, zipEntry{name: "hp.cfg.override", data: []byte(`{"contract":5}`)}), hpwire.ErrCodeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(t, n, c, tc.zip)
			if r["status"] != "fail" || r["message"] != tc.code {
				t.Fatalf("want %s got %v", tc.code, r)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(n.dir, "..", "evil")); err == nil {
		t.Fatal("zip slip wrote outside the state dir")
	}
	// missing content → InternalError
	c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "upload"}}))
	if r := c.bootstrapResult(n.PublicKey(), hpwire.BootstrapUploadResult); r["message"] != hpwire.ErrCodeInternal {
		t.Fatalf("%v", r)
	}
	// the bootstrap still works
	c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "status"}}))
	c.bootstrapResult(n.PublicKey(), hpwire.BootstrapStatusResult)
}

func TestBootstrapLateErrors(t *testing.T) {
	n := startNode(t, "")
	c := dial(t, n.Node, n.owner, protoBSON)
	cases := []struct {
		name  string
		extra map[string]any
		code  string
		files []zipEntry
	}{
		{"binary not found", map[string]any{"bin_path": "missing"}, hpwire.ErrCodeBinaryNotFound, nil},
		{"empty bin_path", map[string]any{"bin_path": ""}, hpwire.ErrCodeBinPathEmpty, nil},
		{"bad env", map[string]any{"environment": map[string]any{"A": 1}}, hpwire.ErrCodeInvalidEnvFormat, nil},
		{"bad bin_args", map[string]any{"bin_args": 5}, hpwire.ErrCodeInvalidBinArgs, nil},
		{"bad version", map[string]any{"version": ""}, hpwire.ErrCodeInvalidVersion, nil},
		{"bad unl", map[string]any{"unl": []string{"ed00"}}, hpwire.ErrCodeInvalidUNLPubkey, nil},
		{"bad offset", map[string]any{"max_input_ledger_offset": -1}, hpwire.ErrCodeInvalidMaxInputOffset, nil},
		{"bad mode", map[string]any{"consensus": map[string]any{"mode": "x"}}, hpwire.ErrCodeInvalidConsensusMode, nil},
		{"bad roundtime", map[string]any{"consensus": map[string]any{"roundtime": 0}}, hpwire.ErrCodeInvalidRoundtime, nil},
		{"bad stage slice", map[string]any{"consensus": map[string]any{"stage_slice": 34}}, hpwire.ErrCodeInvalidStageSlice, nil},
		{"bad threshold", map[string]any{"consensus": map[string]any{"threshold": 1}}, hpwire.ErrCodeInvalidThreshold, nil},
		{"bad fallback", map[string]any{"consensus": map[string]any{"fallback": map[string]any{"execute": "yes"}}}, hpwire.ErrCodeInvalidFallbackExec, nil},
		{"bad npl", map[string]any{"npl": map[string]any{"mode": "x"}}, hpwire.ErrCodeInvalidNPLMode, nil},
		{"bad user_input_bytes", map[string]any{"round_limits": map[string]any{"user_input_bytes": -1}}, hpwire.ErrCodeInvalidUserInputBytes, nil},
		{"bad user_output_bytes", map[string]any{"round_limits": map[string]any{"user_output_bytes": -1}}, hpwire.ErrCodeInvalidUserOutBytes, nil},
		{"bad npl_output_bytes", map[string]any{"round_limits": map[string]any{"npl_output_bytes": -1}}, hpwire.ErrCodeInvalidNPLOutBytes, nil},
		{"bad proc_cpu_seconds", map[string]any{"round_limits": map[string]any{"proc_cpu_seconds": -1}}, hpwire.ErrCodeInvalidProcCPUSeconds, nil},
		{"bad proc_mem_bytes", map[string]any{"round_limits": map[string]any{"proc_mem_bytes": -1}}, hpwire.ErrCodeInvalidProcMemBytes, nil},
		{"bad proc_ofd_count", map[string]any{"round_limits": map[string]any{"proc_ofd_count": -1}}, hpwire.ErrCodeInvalidProcOFDCount, nil},
	}
	if _, err := os.Stat("/bin/sh"); err == nil {
		cases = append(cases, struct {
			name  string
			extra map[string]any
			code  string
			files []zipEntry
		}{"install.sh fails", nil, hpwire.ErrCodeInstallScriptFailed, []zipEntry{{name: "install.sh", data: []byte("#!/bin/sh\nexit 3\n"), mode: 0o755}}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			contract := map[string]any{"unl": []string{n.PublicKey()}, "bin_path": "echo", "bin_args": ""}
			for k, v := range tc.extra {
				contract[k] = v
			}
			ov, _ := json.Marshal(map[string]any{"contract": contract})
			entries := append([]zipEntry{{name: "echo", data: []byte("#!/bin/sh\n"), mode: 0o755}, {name: "hp.cfg.override", data: ov}}, tc.files...)
			r := upload(t, n, c, makeZip(t, entries...))
			if r["status"] != "ok" || r["message"] != hpwire.BootstrapUploadSuccess {
				t.Fatalf("first answer %v", r)
			}
			r = c.bootstrapResult(n.PublicKey(), hpwire.BootstrapUploadResult)
			if r["status"] != "fail" || r["message"] != tc.code {
				t.Fatalf("want late %s got %v", tc.code, r)
			}
			ents, _ := os.ReadDir(stateDir(n.dir))
			for _, e := range ents {
				if e.Name() != bootstrapBin && e.Name() != upgradeScript && e.Name() != postExecErr {
					t.Fatalf("rollback left %s", e.Name())
				}
			}
		})
	}
	if cfg := n.Config(); cfg.Contract.BinPath != bootstrapBin {
		t.Fatalf("bin_path changed: %s", cfg.Contract.BinPath)
	}
}

func TestUploadedContract(t *testing.T) {
	n := startNode(t, `{"contract":{"consensus":{"roundtime":60},"round_limits":{"exec_timeout":1500}}}`)
	other := newKey(t)
	extraUNL := hpwire.PublicKeyHex(newKey(t).Public().(ed25519.PublicKey))
	c := dial(t, n.Node, n.owner, protoBSON)
	c.send(bson.D{{Key: "type", Value: "subscription"}, {Key: "channel", Value: "unl_change"}, {Key: "enabled", Value: true}})
	var files []zipEntry
	if _, err := os.Stat("/bin/sh"); err == nil {
		files = append(files, zipEntry{name: "install.sh", data: []byte("#!/bin/sh\necho installed > installed.txt\n"), mode: 0o755})
	}
	r := upload(t, n, c, echoBundle(t, n.PublicKey(), map[string]any{
		"unl":         []string{n.PublicKey(), extraUNL},
		"environment": map[string]string{"GREETING": "hi"},
		"consensus":   map[string]any{"roundtime": 70},
	}, files...))
	if r["status"] != "ok" {
		t.Fatalf("%v", r)
	}
	u := c.waitType("unl_change")
	if len(u["unl"].([]any)) != 2 {
		t.Fatalf("unl_change %v", u)
	}
	cfg := n.Config()
	if cfg.Contract.BinPath != "echo" || cfg.Contract.Consensus.Roundtime != 70 || cfg.Contract.Environment["GREETING"] != "hi" {
		t.Fatalf("patch not applied: %+v", cfg.Contract)
	}
	if _, err := os.Stat(filepath.Join(stateDir(n.dir), bootstrapBin)); !os.IsNotExist(err) {
		t.Fatal("bootstrap_contract not removed")
	}
	if len(files) > 0 {
		if _, err := os.Stat(filepath.Join(stateDir(n.dir), "installed.txt")); err != nil {
			t.Fatal("install.sh did not run")
		}
	}
	c.c.CloseNow()
	<-c.done

	for _, tc := range protos() {
		t.Run(tc.name, func(t *testing.T) {
			uc := dial(t, n.Node, other, tc.p)
			uc.submit([]byte("hello " + tc.name))
			uc.output(n.PublicKey(), func(o []byte) bool { return string(o) == "echo: hello "+tc.name })
			uc.submit([]byte("env"))
			uc.output(n.PublicKey(), func(o []byte) bool { return string(o) == "env: hi" })
			content := any("ping")
			if tc.p == protoBSON {
				content = bson.Binary{Data: []byte("ping")}
			}
			uc.send(bson.D{{Key: "type", Value: "contract_read_request"}, {Key: "id", Value: "7"}, {Key: "content", Value: content}})
			rr := uc.waitType("contract_read_response")
			if got := uc.binField(rr, "content"); tc.p == protoBSON && string(got) != "read: ping" || tc.p == protoJSON && rr["content"] != "read: ping" {
				t.Fatalf("read %v", rr)
			}
			uc.c.CloseNow()
			<-uc.done
		})
	}

	t.Run("exec timeout", func(t *testing.T) {
		uc := dial(t, n.Node, other, protoJSON)
		start := time.Now()
		if st := uc.status(uc.submit([]byte("sleep"))); st["status"] != "accepted" {
			t.Fatalf("%v", st)
		}
		uc.submit([]byte("after"))
		uc.output(n.PublicKey(), func(o []byte) bool { return string(o) == "echo: after" })
		if time.Since(start) > 10*time.Second {
			t.Fatal("exec_timeout not honoured")
		}
		uc.c.CloseNow()
		<-uc.done
	})

	t.Run("state survives restart", func(t *testing.T) {
		uc := dial(t, n.Node, other, protoJSON)
		uc.submit([]byte("count"))
		before := string(uc.output(n.PublicKey(), func(o []byte) bool { return strings.HasPrefix(string(o), "count: ") }))
		uc.c.CloseNow()
		<-uc.done
		seq, _ := n.LCL()
		n.Close()
		n2 := openStart(t, n.dir)
		if s, _ := n2.LCL(); s < seq {
			t.Fatalf("lcl went back: %d < %d", s, seq)
		}
		uc = dial(t, n2, other, protoJSON)
		uc.submit([]byte("count"))
		after := string(uc.output(n2.PublicKey(), func(o []byte) bool { return strings.HasPrefix(string(o), "count: ") }))
		if before != after || before == "count: 0" {
			t.Fatalf("state lost: %q then %q", before, after)
		}
	})
}

func TestCloseLeaksNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	owner := newKey(t)
	if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: hpwire.PublicKeyHex(owner.Public().(ed25519.PublicKey)), Override: json.RawMessage(`{"contract":{"consensus":{"roundtime":30}}}`)}); err != nil {
		t.Fatal(err)
	}
	n, err := Open(dir, &Options{ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dial(t, n, owner, protoBSON)
	c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "status"}}))
	c.bootstrapResult(n.PublicKey(), hpwire.BootstrapStatusResult)
	raw := rawDial(t, n) // an unverified connection too
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	raw.CloseNow()
	c.c.CloseNow()
	<-c.done
	if err := n.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("start after close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, g, buf[:runtime.Stack(buf, true)])
	}
}
