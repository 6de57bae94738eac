package contract

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/internal/hpwire"
)

func TestOutputVerification(t *testing.T) {
	other := newKey(t)
	otherPub33 := append([]byte{0xED}, other.Public().(ed25519.PublicKey)...)
	cases := []struct {
		name   string
		unl2   bool // the node reports a UNL of itself and one more key
		opts   DialOptions
		tamper func(m *outputMsg, node ed25519.PrivateKey)
		ok     bool
	}{
		{name: "valid", ok: true},
		{name: "output-changed", tamper: func(m *outputMsg, _ ed25519.PrivateKey) { m.outputs = [][]byte{[]byte("evil")} }},
		{name: "output-and-hash-changed", tamper: func(m *outputMsg, _ ed25519.PrivateKey) {
			m.outputs = [][]byte{[]byte("evil")}
			m.outputHash = nil // recomputed below
		}},
		{name: "tree-sibling-changed", tamper: func(m *outputMsg, _ ed25519.PrivateKey) {
			m.tree.([]any)[1] = hpwire.Hash([]byte("another state"))
		}},
		{name: "tree-without-self", tamper: func(m *outputMsg, _ ed25519.PrivateKey) {
			m.tree.([]any)[0].([]any)[0] = []byte("x")
		}},
		{name: "tree-self-twice", tamper: func(m *outputMsg, _ ed25519.PrivateKey) { m.tree.([]any)[1] = nil }},
		{name: "tree-not-array", tamper: func(m *outputMsg, _ ed25519.PrivateKey) { m.tree = nil }},
		{name: "signature-flipped", tamper: func(m *outputMsg, _ ed25519.PrivateKey) { m.sigs[0][1][5] ^= 0x40 }},
		{name: "signer-not-in-unl", tamper: func(m *outputMsg, _ ed25519.PrivateKey) {
			m.sigs = [][2][]byte{{otherPub33, ed25519.Sign(other, []byte("whatever"))}}
		}},
		{name: "unl-of-two-one-signature", unl2: true},
		{name: "unl-of-two-trusted-one", unl2: true, ok: true, opts: DialOptions{TrustedKeys: []string{"NODE"}}},
		{name: "unl-of-two-skip", unl2: true, ok: true, opts: DialOptions{SkipOutputVerification: true}},
		{name: "duplicate-signatures", unl2: true, tamper: func(m *outputMsg, _ ed25519.PrivateKey) { m.sigs = append(m.sigs, m.sigs[0]) }},
	}
	for _, p := range protocols {
		for _, tc := range cases {
			t.Run(p.String()+"/"+tc.name, func(t *testing.T) {
				node := newKey(t)
				f := &fakeNode{key: node}
				if tc.unl2 {
					f.unl = []string{pubHex(node), pubHex(other)}
				}
				f.script = func(ctx context.Context, c *websocket.Conn, p Protocol, user []byte) {
					m := validOutput(user, node, 7, []byte("hello"), []byte("world"))
					if tc.tamper != nil {
						tc.tamper(&m, node)
					}
					if m.outputHash == nil {
						m.outputHash = hpwire.Hash(append([][]byte{user}, m.outputs...)...)
					}
					c.Write(ctx, websocket.MessageBinary, m.encode(p))
					c.Write(ctx, websocket.MessageBinary, []byte("garbage"))
					// A valid one after: the stream goes on after a bad output.
					c.Write(ctx, websocket.MessageBinary, validOutput(user, node, 8, []byte("after")).encode(p))
				}
				newFakeNode(t, f)
				opts := tc.opts
				opts.Protocol = p
				if len(opts.TrustedKeys) == 1 {
					opts.TrustedKeys = []string{pubHex(node)}
				}
				ctx := testCtx(t, 5*time.Second)
				c, err := Dial(ctx, f.addr(), newKey(t), &opts)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				o, err := c.NextOutput(ctx)
				if tc.ok {
					if err != nil || len(o.Outputs) != 2 || string(o.Outputs[0]) != "hello" || o.LedgerSeqNo != 7 {
						t.Fatalf("want the output, got %+v %v", o, err)
					}
					if o.Verified == opts.SkipOutputVerification {
						t.Fatalf("Verified=%v with skip=%v", o.Verified, opts.SkipOutputVerification)
					}
				} else {
					var oe *OutputError
					if !errors.As(err, &oe) || !errors.Is(err, ErrOutputUnverified) || oe.LedgerSeqNo != 7 || oe.Node != pubHex(node) {
						t.Fatalf("want an OutputError, got %+v %v", o, err)
					}
					t.Log(err)
				}
				if !tc.unl2 || tc.ok {
					o, err = c.NextOutput(ctx)
					if err != nil || string(o.Outputs[0]) != "after" {
						t.Fatalf("the output after: %+v %v", o, err)
					}
				}
			})
		}
	}
}

// TestJSONOutputForms checks that the exact output bytes are recovered from the JSON forms
// hpcore uses: embedded raw when they look like JSON, escaped otherwise.
func TestJSONOutputForms(t *testing.T) {
	node := newKey(t)
	outs := []string{`plain`, `"quoted"`, `{"a":[1,2]}`, `[1]`, `true`, `12.5`, `"x" y`}
	f := &fakeNode{key: node}
	f.script = func(ctx context.Context, c *websocket.Conn, p Protocol, user []byte) {
		var raw [][]byte
		var toks []string
		for _, o := range outs {
			raw = append(raw, []byte(o))
			if hpwire.IsJSONLiteral([]byte(o)) {
				toks = append(toks, o)
			} else {
				toks = append(toks, string(appendJSString(nil, o)))
			}
		}
		m := validOutput(user, node, 3, raw...)
		m.jsonTokens = toks
		c.Write(ctx, websocket.MessageBinary, m.encode(p))
	}
	newFakeNode(t, f)
	ctx := testCtx(t, 5*time.Second)
	c, err := Dial(ctx, f.addr(), newKey(t), &DialOptions{Protocol: ProtocolJSON})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o, err := c.NextOutput(ctx)
	if err != nil || !o.Verified {
		t.Fatalf("%+v %v", o, err)
	}
	for i, want := range outs {
		if string(o.Outputs[i]) != want {
			t.Errorf("output %d = %q, want %q", i, o.Outputs[i], want)
		}
	}
}

func TestHandshakeFailures(t *testing.T) {
	cases := []struct {
		name string
		f    *fakeNode
		want string
	}{
		{"bad-server-signature", &fakeNode{badSig: true}, "signature"},
		{"old-version", &fakeNode{hpVersion: "0.5.9"}, "version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t, tc.f)
			_, err := Dial(testCtx(t, 5*time.Second), f.addr(), newKey(t), nil)
			if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		// A server that accepts the websocket and never sends a challenge.
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.Read(r.Context())
		}))
		defer srv.Close()
		start := time.Now()
		_, err := Dial(context.Background(), strings.TrimPrefix(srv.URL, "https://"), newKey(t), &DialOptions{HandshakeTimeout: 300 * time.Millisecond})
		if !errors.Is(err, ErrHandshake) || time.Since(start) > 3*time.Second {
			t.Fatalf("got %v after %v", err, time.Since(start))
		}
	})
	t.Run("ctx-cancelled", func(t *testing.T) {
		f := &fakeNode{}
		newFakeNode(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Dial(ctx, f.addr(), newKey(t), nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}
