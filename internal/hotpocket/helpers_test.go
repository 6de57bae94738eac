package hotpocket

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

var (
	echoOnce sync.Once
	echoPath string
	echoErr  error
	echoDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if echoDir != "" {
		os.RemoveAll(echoDir)
	}
	os.Exit(code)
}

// echoBinary builds testdata/echo once per test binary.
func echoBinary(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("contract processes need linux")
	}
	echoOnce.Do(func() {
		echoDir, echoErr = os.MkdirTemp("", "hpecho")
		if echoErr != nil {
			return
		}
		echoPath = filepath.Join(echoDir, "echo")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", echoPath, "./testdata/echo") // smaller uploads: cheaper under -race
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			echoErr = fmt.Errorf("go build echo: %v\n%s", err, out)
		}
	})
	if echoErr != nil {
		t.Fatal(echoErr)
	}
	return echoPath
}

type zipEntry struct {
	name string
	data []byte
	mode os.FileMode
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// echoBundle is an evdevkit-style bundle: the echo binary plus hp.cfg.override.
func echoBundle(t testing.TB, nodePub string, extra map[string]any, more ...zipEntry) []byte {
	bin, err := os.ReadFile(echoBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	contract := map[string]any{"unl": []string{nodePub}, "bin_path": "echo", "bin_args": ""}
	for k, v := range extra {
		contract[k] = v
	}
	ov, _ := json.MarshalIndent(map[string]any{"contract": contract}, "", "  ")
	entries := append([]zipEntry{{name: "echo", data: bin, mode: 0o755}, {name: "hp.cfg.override", data: ov}}, more...)
	return makeZip(t, entries...)
}

type testNode struct {
	*Node
	dir      string
	owner    ed25519.PrivateKey
	ownerHex string
}

func newKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// startNode provisions and starts a node with a fast round time on 127.0.0.1 whose rounds
// are paced by its state (Options.PaceRounds): an input's max ledger cannot expire while the
// test is still sending it, however loaded the machine.
func startNode(t testing.TB, override string) *testNode {
	t.Helper()
	dir := t.TempDir()
	owner := newKey(t)
	if override == "" {
		override = `{"contract":{"consensus":{"roundtime":60}}}`
	}
	if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: hpwire.PublicKeyHex(owner.Public().(ed25519.PublicKey)), Override: json.RawMessage(override)}); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{dir: dir, owner: owner, ownerHex: hpwire.PublicKeyHex(owner.Public().(ed25519.PublicKey))}
	tn.Node = openStart(t, dir)
	return tn
}

// openStart opens and starts the node in dir with paced rounds.
func openStart(t testing.TB, dir string) *Node {
	t.Helper()
	n, err := Open(dir, &Options{ListenHost: "127.0.0.1", PaceRounds: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// hangTimeout bounds waits for rounds, statuses and outputs. It only catches a hang: rounds
// are paced by the node's state (Options.PaceRounds), so a loaded machine makes a test slow,
// not wrong.
const hangTimeout = 2 * time.Minute

type tclient struct {
	t     testing.TB
	c     *websocket.Conn
	priv  ed25519.PrivateKey
	pub33 []byte
	proto protocol
	msgs  chan []byte
	done  chan struct{}
	err   error // why the reader stopped; read after done is closed
	nonce uint64
}

func rawDial(t testing.TB, n *Node) *websocket.Conn {
	t.Helper()
	return rawDialAddr(t, n.Addr().String())
}

func rawDialAddr(t testing.TB, addr string) *websocket.Conn {
	t.Helper()
	return rawDialFrom(t, addr, "")
}

// rawDialFrom dials from the local IP from ("" any): on Linux every 127.x.y.z is loopback, so
// a test can stand for a client on another host than an attacker.
func rawDialFrom(t testing.TB, addr, from string) *websocket.Conn {
	t.Helper()
	c, err := tryRawDial(addr, from)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tryRawDial(addr, from string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := &net.Dialer{}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	hc := rawHTTPClient()
	hc.Transport.(*http.Transport).DialContext = d.DialContext
	c, _, err := websocket.Dial(ctx, "wss://"+addr, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	return c, nil
}

func rawHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func readOne(t testing.TB, c *websocket.Conn) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dial connects as priv once the node has let go of any earlier session of that key: a
// second session of a key still connected stays unverified, as in hpcore (see
// TestHandshakeFailures), and a test that reconnects must not race the node's cleanup.
func dial(t testing.TB, n *Node, priv ed25519.PrivateKey, proto protocol) *tclient {
	t.Helper()
	key := prefixed(priv.Public().(ed25519.PublicKey))
	for deadline := time.Now().Add(hangTimeout); ; time.Sleep(2 * time.Millisecond) {
		n.mu.Lock()
		held := n.users[string(key)] != nil
		n.mu.Unlock()
		if !held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node keeps an earlier session of this key")
		}
	}
	return dialAddr(t, n.Addr().String(), priv, proto)
}

func dialAddr(t testing.TB, addr string, priv ed25519.PrivateKey, proto protocol) *tclient {
	t.Helper()
	return dialFrom(t, addr, "", priv, proto)
}

func dialFrom(t testing.TB, addr, from string, priv ed25519.PrivateKey, proto protocol) *tclient {
	t.Helper()
	c, err := tryDialFrom(t, addr, from, priv, proto)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tryDialFrom connects and completes the handshake, verifying the server's signature.
func tryDialFrom(t testing.TB, addr, from string, priv ed25519.PrivateKey, proto protocol) (*tclient, error) {
	c, err := tryRawDial(addr, from)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*tclient, error) {
		c.CloseNow()
		return nil, err
	}
	read := func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, data, err := c.Read(ctx)
		return data, err
	}
	data, err := read()
	if err != nil {
		return fail(err)
	}
	var ch map[string]string
	if err := json.Unmarshal(data, &ch); err != nil {
		return fail(err)
	}
	if ch["type"] != "user_challenge" || ch["hp_version"] != HPVersion || len(ch["challenge"]) != 32 {
		return fail(fmt.Errorf("challenge %v", ch))
	}
	sc := hex.EncodeToString(randBytes(16))
	p := "json"
	if proto == protoBSON {
		p = "bson"
	}
	resp, _ := json.Marshal(map[string]string{"type": "user_challenge_response", "sig": hex.EncodeToString(ed25519.Sign(priv, []byte(ch["challenge"]))),
		"pubkey": hpwire.PublicKeyHex(priv.Public().(ed25519.PublicKey)), "server_challenge": sc, "protocol": p})
	if err := c.Write(context.Background(), websocket.MessageBinary, resp); err != nil {
		return fail(err)
	}
	if data, err = read(); err != nil {
		return fail(err)
	}
	var sr struct {
		Type, Sig, Pubkey string
		UNL               []string
	}
	if err := json.Unmarshal(data, &sr); err != nil {
		return fail(err)
	}
	spk, err := hpwire.ParsePublicKey(sr.Pubkey)
	sig, _ := hex.DecodeString(sr.Sig)
	if err != nil || sr.Type != "server_challenge_response" || !ed25519.Verify(spk, []byte(sc+ch["contract_id"]+ch["contract_version"]), sig) {
		return fail(fmt.Errorf("server challenge response %+v", sr))
	}
	tc := &tclient{t: t, c: c, priv: priv, pub33: prefixed(priv.Public().(ed25519.PublicKey)), proto: proto,
		msgs: make(chan []byte, 256), done: make(chan struct{}), nonce: uint64(time.Now().UnixNano())}
	go func() {
		defer close(tc.done)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				tc.err = err
				return
			}
			tc.msgs <- data
		}
	}()
	t.Cleanup(func() { c.CloseNow(); <-tc.done })
	return tc, nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func (c *tclient) sendRaw(b []byte) {
	c.t.Helper()
	if err := c.c.Write(context.Background(), websocket.MessageBinary, b); err != nil {
		c.t.Fatal(err)
	}
}

// send encodes m in the connection's protocol.
func (c *tclient) send(m bson.D) {
	c.t.Helper()
	if c.proto == protoBSON {
		b, err := bson.Marshal(m)
		if err != nil {
			c.t.Fatal(err)
		}
		c.sendRaw(b)
		return
	}
	obj := map[string]any{}
	for _, e := range m {
		obj[e.Key] = e.Value
	}
	b, _ := json.Marshal(obj)
	c.sendRaw(b)
}

// msg is a decoded server message; binary fields are []byte in both protocols.
type msg map[string]any

func (c *tclient) decode(data []byte) msg {
	c.t.Helper()
	if c.proto == protoBSON {
		var d bson.M
		if err := bson.Unmarshal(data, &d); err != nil {
			c.t.Fatalf("bson: %v", err)
		}
		return msg(normBSON(d).(map[string]any))
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		c.t.Fatalf("json %q: %v", data, err)
	}
	return msg(m)
}

func normBSON(v any) any {
	switch x := v.(type) {
	case bson.M:
		m := map[string]any{}
		for k, e := range x {
			m[k] = normBSON(e)
		}
		return m
	case bson.D:
		m := map[string]any{}
		for _, e := range x {
			m[e.Key] = normBSON(e.Value)
		}
		return m
	case bson.A:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = normBSON(e)
		}
		return a
	case bson.Binary:
		return x.Data
	default:
		return v
	}
}

// recv returns the next message; false after timeout, or at once when the connection has
// ended and every message it brought was read.
func (c *tclient) recv(timeout time.Duration) (msg, []byte, bool) {
	select {
	case d := <-c.msgs:
		return c.decode(d), d, true
	case <-c.done:
		select {
		case d := <-c.msgs:
			return c.decode(d), d, true
		default:
			return nil, nil, false
		}
	case <-time.After(timeout):
		return nil, nil, false
	}
}

// waitFor returns the first message for which match is true.
func (c *tclient) waitFor(timeout time.Duration, what string, match func(msg) bool) (msg, []byte) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, raw, ok := c.recv(time.Until(deadline))
		if !ok {
			select {
			case <-c.done:
				c.t.Fatalf("waiting for %s: connection ended: %v", what, c.err)
			default:
			}
			c.t.Fatalf("timed out waiting for %s", what)
		}
		if match(m) {
			return m, raw
		}
	}
}

func (c *tclient) waitType(typ string) msg {
	c.t.Helper()
	m, _ := c.waitFor(hangTimeout, typ, func(m msg) bool { return m["type"] == typ })
	return m
}

// binField returns a binary field: hex-decoded in JSON, raw in BSON.
func (c *tclient) binField(m msg, k string) []byte {
	switch v := m[k].(type) {
	case []byte:
		return v
	case string:
		b, _ := hex.DecodeString(v)
		return b
	}
	return nil
}

func (c *tclient) num(m msg, k string) uint64 {
	switch v := m[k].(type) {
	case json.Number:
		n, _ := v.Int64()
		return uint64(n)
	case int64:
		return uint64(v)
	case int32:
		return uint64(v)
	}
	c.t.Fatalf("field %s not a number: %T", k, m[k])
	return 0
}

func (c *tclient) lcl() uint64 {
	c.t.Helper()
	c.send(bson.D{{Key: "type", Value: "lcl"}})
	return c.num(c.waitType("lcl_response"), "ledger_seq_no")
}

// container builds and signs an input container; returns (container, sig).
func (c *tclient) container(input []byte, nonce, maxSeq uint64) ([]byte, []byte) {
	var cont []byte
	if c.proto == protoBSON {
		cont, _ = bson.Marshal(bson.D{{Key: "input", Value: bson.Binary{Data: input}}, {Key: "nonce", Value: int64(nonce)}, {Key: "max_ledger_seq_no", Value: int64(maxSeq)}})
	} else {
		cont = []byte(fmt.Sprintf(`{"input":%s,"nonce":%d,"max_ledger_seq_no":%d}`, encodeJSON(string(input)), nonce, maxSeq))
	}
	return cont, ed25519.Sign(c.priv, cont)
}

func (c *tclient) sendInput(cont, sig []byte) []byte {
	if c.proto == protoBSON {
		c.send(bson.D{{Key: "type", Value: "contract_input"}, {Key: "input_container", Value: bson.Binary{Data: cont}}, {Key: "sig", Value: bson.Binary{Data: sig}}})
	} else {
		c.send(bson.D{{Key: "type", Value: "contract_input"}, {Key: "input_container", Value: string(cont)}, {Key: "sig", Value: hex.EncodeToString(sig)}})
	}
	return hpwire.Hash(sig)
}

// submit sends an input with a fresh nonce and max ledger lcl+5; returns its input hash.
func (c *tclient) submit(input []byte) []byte {
	c.t.Helper()
	c.nonce++
	cont, sig := c.container(input, c.nonce, c.lcl()+5)
	return c.sendInput(cont, sig)
}

// status waits for the contract_input_status of hash.
func (c *tclient) status(hash []byte) msg {
	c.t.Helper()
	m, _ := c.waitFor(hangTimeout, "input status", func(m msg) bool {
		return m["type"] == "contract_input_status" && bytes.Equal(c.binField(m, "input_hash"), hash)
	})
	return m
}

// output waits for a contract_output holding an output for which pick is true, verifies its
// hash, hash tree and node signature like hotpocket-js-client, and returns that output.
func (c *tclient) output(nodePub string, pick func([]byte) bool) []byte {
	c.t.Helper()
	var found []byte
	m, raw := c.waitFor(hangTimeout, "contract output", func(m msg) bool {
		if m["type"] != "contract_output" {
			return false
		}
		for _, o := range c.outputs(m) {
			if pick(o) {
				found = o
				return true
			}
		}
		return false
	})
	c.verifyOutput(m, raw, nodePub)
	return found
}

// outputs returns the raw outputs; in JSON the raw token bytes (strings decoded).
func (c *tclient) outputs(m msg) [][]byte {
	arr, _ := m["outputs"].([]any)
	var out [][]byte
	for _, v := range arr {
		switch x := v.(type) {
		case []byte:
			out = append(out, x)
		case string:
			out = append(out, []byte(x))
		default:
			b, _ := json.Marshal(x)
			out = append(out, b)
		}
	}
	return out
}

func (c *tclient) verifyOutput(m msg, raw []byte, nodePub string) {
	c.t.Helper()
	parts := append([][]byte{c.pub33}, c.outputs(m)...)
	self := hpwire.Hash(parts...)
	if !bytes.Equal(self, c.binField(m, "output_hash")) {
		c.t.Fatalf("output hash mismatch")
	}
	found, root := merkleRoot(c, m["hash_tree"], self)
	if !found {
		c.t.Fatalf("self hash not in tree: %s", raw)
	}
	sigs, _ := m["unl_sig"].([]any)
	if len(sigs) != 1 {
		c.t.Fatalf("unl_sig %v", m["unl_sig"])
	}
	pair := sigs[0].([]any)
	pk := c.binField(msg{"k": pair[0]}, "k")
	sig := c.binField(msg{"k": pair[1]}, "k")
	if lowerHex(pk) != nodePub || !ed25519.Verify(ed25519.PublicKey(pk[1:]), root, sig) {
		c.t.Fatalf("bad output signature")
	}
}

func merkleRoot(c *tclient, tree any, self []byte) (bool, []byte) {
	arr, ok := tree.([]any)
	if !ok {
		c.t.Fatalf("hash_tree is %T", tree)
	}
	var parts [][]byte
	found := false
	for _, e := range arr {
		switch x := e.(type) {
		case nil:
			if found || self == nil {
				c.t.Fatalf("self hash twice")
			}
			found = true
			parts = append(parts, self)
		case []any:
			var want []byte
			if !found {
				want = self
			}
			f, h := merkleRoot(c, x, want)
			found = found || f
			parts = append(parts, h)
		default:
			parts = append(parts, c.binField(msg{"k": x}, "k"))
		}
	}
	return found, hpwire.Hash(parts...)
}

func bsonDoc(t testing.TB, d bson.D) []byte {
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bootstrapResult waits for a BSON bootstrap response of the given type.
func (c *tclient) bootstrapResult(nodePub, typ string) bson.M {
	c.t.Helper()
	var res bson.M
	c.output(nodePub, func(o []byte) bool {
		var d bson.M
		if bson.Unmarshal(o, &d) != nil || d["type"] != typ {
			return false
		}
		res = d
		return true
	})
	return res
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
