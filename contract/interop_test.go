package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// jsClient returns node and the node_modules directory holding hotpocket-js-client, or
// skips: the interop checks need HP_JS_CLIENT_DIR (a directory where
// "npm install hotpocket-js-client@0.5.7" was run) and node on PATH. CI has neither.
func jsClient(t testing.TB) (nodeBin, mods string) {
	dir := os.Getenv("HP_JS_CLIENT_DIR")
	if dir == "" {
		t.Skip("HP_JS_CLIENT_DIR not set: hotpocket-js-client interop check skipped")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	mods = filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "hotpocket-js-client")); err != nil {
		t.Skipf("hotpocket-js-client not installed in %s", dir)
	}
	return nodeBin, mods
}

func runJS(t *testing.T, nodeBin, mods string, env ...string) []byte {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("testdata", "jsinterop", "messages.js"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, script)
	cmd.Env = append(os.Environ(), append([]string{"NODE_PATH=" + mods}, env...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("messages.js: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// TestJSMessagesIdentical: for the same key, server challenge, input, nonce, max ledger and
// read request id, our client sends exactly the bytes hotpocket-js-client sends: the
// challenge response, contract_input (container and signature), contract_read_request,
// stat, lcl and subscription, in JSON and in BSON.
func TestJSMessagesIdentical(t *testing.T) {
	nodeBin, mods := jsClient(t)
	key := newKey(t)
	sc, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	const nonce, maxLedger = 1700000000123, 15
	inputs := []string{"hello", `{"json":"input","n":[1,2]}`, "quote\" back\\slash \n tab\t ctl\x01 <&> é ✓ \u2028"}
	for _, p := range protocols {
		for i, input := range inputs {
			t.Run(p.String()+"/"+strconv.Itoa(i), func(t *testing.T) {
				readID := "read-" + strconv.Itoa(i)
				js := newFakeNode(t, &fakeNode{respond: true})
				runJS(t, nodeBin, mods, "HP_URL=wss://"+js.addr(), "HP_PRIV=ed"+hex.EncodeToString(key),
					"HP_PROTOCOL="+p.String(), "HP_SERVER_CHALLENGE="+hex.EncodeToString(sc), "HP_INPUT="+input,
					"HP_NONCE="+strconv.Itoa(nonce), "HP_MAX_LEDGER="+strconv.Itoa(maxLedger), "HP_READ=read "+input, "HP_READ_ID="+readID)

				gof := newFakeNode(t, &fakeNode{key: js.key, respond: true})
				ctx := testCtx(t, 10*time.Second)
				c, err := Dial(ctx, gof.addr(), key, &DialOptions{Protocol: p, Rand: bytes.NewReader(sc)})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.readID = func() string { return readID }
				if _, err := c.SubmitInput(ctx, []byte(input), &InputOptions{Nonce: nonce, MaxLedgerSeqNo: maxLedger}); err != nil {
					t.Fatal(err)
				}
				if got, err := c.Read(ctx, []byte("read "+input)); err != nil || string(got) != "pong" {
					t.Fatalf("read %q %v", got, err)
				}
				if _, err := c.Stat(ctx); err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.LCL(ctx); err != nil {
					t.Fatal(err)
				}
				if err := c.Subscribe(ctx, ChannelLedgerEvent, true); err != nil {
					t.Fatal(err)
				}
				c.LCL(ctx) // the subscription has no reply: wait until the node has read it
				got, want := gof.messages(), js.messages()
				if len(got) != len(want)+1 {
					t.Fatalf("%d messages from Go, %d from JS", len(got), len(want))
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("message %d differs:\n go: %q\n js: %q", i, got[i], want[i])
					}
				}
				t.Logf("%d messages identical", len(want))
			})
		}
	}
}

// TestJSVerifiesLikeUs: the same contract outputs, one tampered, sent to hotpocket-js-client
// (trustedServerKeys set) and to our client: both deliver the valid ones and drop the other.
func TestJSVerifiesLikeUs(t *testing.T) {
	nodeBin, mods := jsClient(t)
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			key := newKey(t)
			node := newKey(t)
			script := func(ctx context.Context, c *websocket.Conn, p Protocol, user []byte) {
				c.Write(ctx, websocket.MessageBinary, validOutput(user, node, 7, []byte("hello"), []byte("world")).encode(p))
				bad := validOutput(user, node, 8, []byte("tampered"))
				bad.tree.([]any)[1] = hpwire.Hash([]byte("x"))
				c.Write(ctx, websocket.MessageBinary, bad.encode(p))
				c.Write(ctx, websocket.MessageBinary, validOutput(user, node, 9, []byte("last")).encode(p))
			}
			js := newFakeNode(t, &fakeNode{key: node, script: script})
			out := runJS(t, nodeBin, mods, "HP_MODE=verify", "HP_URL=wss://"+js.addr(), "HP_PRIV=ed"+hex.EncodeToString(key),
				"HP_PROTOCOL="+p.String(), "HP_SERVER_CHALLENGE=00112233445566778899aabbccddeeff", "HP_NODE_KEY="+pubHex(node))
			var jsSeqs []uint64
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				var line struct {
					LedgerSeqNo uint64 `json:"ledgerSeqNo"`
				}
				if json.Unmarshal(sc.Bytes(), &line) == nil {
					jsSeqs = append(jsSeqs, line.LedgerSeqNo)
				}
			}
			gof := newFakeNode(t, &fakeNode{key: node, script: script})
			ctx := testCtx(t, 10*time.Second)
			c, err := Dial(ctx, gof.addr(), key, &DialOptions{Protocol: p})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var goSeqs []uint64
			for range 3 {
				o, err := c.NextOutput(ctx)
				if err == nil {
					goSeqs = append(goSeqs, o.LedgerSeqNo)
				}
			}
			if len(jsSeqs) != 2 || jsSeqs[0] != 7 || jsSeqs[1] != 9 || len(goSeqs) != 2 || goSeqs[0] != 7 || goSeqs[1] != 9 {
				t.Fatalf("accepted outputs: js %v, go %v", jsSeqs, goSeqs)
			}
		})
	}
}
