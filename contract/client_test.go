package contract

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/internal/hotpocket"
)

func TestClientEcho(t *testing.T) {
	n := startNode(t, "", true, nil)
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			ctx := testCtx(t, hangTimeout)
			c := dialT(t, n, newKey(t), p)
			if c.NodeKey() != n.PublicKey() || c.Protocol() != p || c.HPVersion() != hotpocket.HPVersion {
				t.Fatalf("client identity: %s %v %s", c.NodeKey(), c.Protocol(), c.HPVersion())
			}
			if got := c.UNL(); len(got) != 1 || got[0] != n.PublicKey() {
				t.Fatalf("UNL %v", got)
			}
			st, err := c.Stat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.HPVersion != hotpocket.HPVersion || !st.ContractExecutionEnabled || st.RoundTime != 200 || len(st.UNL) != 1 || st.UNL[0] != n.PublicKey() {
				t.Fatalf("stat %+v", st)
			}
			seq, hash, err := c.LCL(ctx)
			if err != nil || len(hash) != 32 {
				t.Fatalf("lcl %d %x %v", seq, hash, err)
			}
			if err := c.Subscribe(ctx, ChannelLedgerEvent, true); err != nil {
				t.Fatal(err)
			}
			for {
				ev, err := c.NextEvent(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ev.Kind == EventLedgerCreated {
					if ev.Ledger.SeqNo <= seq || len(ev.Ledger.Hash) != 32 {
						t.Fatalf("ledger event %+v", ev.Ledger)
					}
					break
				}
			}
			// Inputs that look like JSON and inputs that do not: JSON outputs are embedded
			// raw or escaped, and the client must recover the exact bytes.
			inputs := []string{"hello " + p.String(), `{"a":1}`, `"quoted"`, "42", `line"with\escapes` + "\n\t<&>\u2028"}
			for _, in := range inputs {
				r, err := c.SubmitInput(ctx, []byte(in), nil)
				if err != nil {
					t.Fatalf("submit %q: %v", in, err)
				}
				if r.LedgerSeqNo == 0 || len(r.Hash) != 32 || r.Node != n.PublicKey() {
					t.Fatalf("receipt %+v", r)
				}
				o := nextOutputWith(t, ctx, c, in)
				if !o.Verified || o.Node != n.PublicKey() || o.LedgerSeqNo <= r.LedgerSeqNo {
					t.Fatalf("output %+v", o)
				}
			}
			got, err := c.Read(ctx, []byte("count"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) == "" || strings.Trim(string(got), "0123456789") != "" {
				t.Fatalf("read count %q", got)
			}
			got, err = c.Read(ctx, []byte("ping"))
			if err != nil || string(got) != "ping" {
				t.Fatalf("read ping %q %v", got, err)
			}
		})
	}
}

func TestClientRejections(t *testing.T) {
	n := startNode(t, "", true, func(cfg *hotpocket.Config) { cfg.Contract.RoundLimits.UserInputBytes = 1000 })
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			ctx := testCtx(t, hangTimeout)
			c := dialT(t, n, newKey(t), p)
			var lcl uint64
			for lcl == 0 { // MaxLedgerSeqNo 0 means "lcl + offset"
				var err error
				if lcl, _, err = c.LCL(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			var err error
			wantReason := func(err error, reason string) {
				t.Helper()
				var re *InputRejectedError
				if !errors.As(err, &re) || re.Reason != reason || !errors.Is(err, ErrInputRejected) || re.Node != n.PublicKey() {
					t.Fatalf("want rejection %s, got %v", reason, err)
				}
			}
			_, err = c.SubmitInput(ctx, []byte("x"), &InputOptions{MaxLedgerSeqNo: lcl})
			wantReason(err, ReasonMaxLedgerExpired)
			_, err = c.SubmitInput(ctx, []byte("x"), &InputOptions{MaxLedgerSeqNo: lcl + 1000})
			wantReason(err, ReasonMaxLedgerOffsetExceeded)
			_, err = c.SubmitInput(ctx, bytes.Repeat([]byte("y"), 2000), nil)
			wantReason(err, ReasonRoundInputsOverflow)

			r, err := c.SubmitInput(ctx, []byte("first"), &InputOptions{Nonce: 1000})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SubmitInput(ctx, []byte("older"), &InputOptions{Nonce: 999})
			wantReason(err, ReasonNonceExpired)
			// The same signed input again.
			si, err := signInput(p, c.priv, []byte("first"), 1000, r.MaxLedgerSeqNo)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.submitSigned(ctx, si, false, nil)
			wantReason(err, ReasonAlreadySubmitted)
			// A nonce of 0 is a malformed container.
			si, _ = signInput(p, c.priv, []byte("zero"), 0, lcl+5)
			_, err = c.submitSigned(ctx, si, false, nil)
			wantReason(err, ReasonBadMsgFormat)
			// A signature by another key: found during consensus.
			si, _ = signInput(p, newKey(t), []byte("forged"), 5000, lcl+8)
			_, err = c.submitSigned(ctx, si, false, nil)
			wantReason(err, ReasonBadSig)
			// Automatic nonces stay above the explicit one used before.
			if _, err := c.SubmitInput(ctx, []byte("auto"), nil); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SubmitInput(ctx, nil, nil); err == nil {
				t.Fatal("empty input accepted")
			}
		})
	}
	t.Run("json-invalid-utf8", func(t *testing.T) {
		c := dialT(t, n, newKey(t), ProtocolJSON)
		_, err := c.SubmitInput(testCtx(t, 5*time.Second), []byte{0xff, 0xfe}, &InputOptions{MaxLedgerSeqNo: 1 << 40})
		if !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDialPinning(t *testing.T) {
	n := startNode(t, "", false, nil)
	ctx := testCtx(t, 10*time.Second)
	other := pubHex(newKey(t))
	_, err := Dial(ctx, n.addr(), newKey(t), &DialOptions{ServerKey: other})
	var km *KeyMismatchError
	if !errors.As(err, &km) || !errors.Is(err, ErrKeyMismatch) || km.Got != n.PublicKey() || km.Expected != other {
		t.Fatalf("want key mismatch, got %v", err)
	}
	_, err = Dial(ctx, n.addr(), newKey(t), &DialOptions{ContractID: "00000000-0000-4000-8000-000000000000"})
	if !errors.Is(err, ErrHandshake) {
		t.Fatalf("want handshake error for a contract id mismatch, got %v", err)
	}
	_, err = Dial(ctx, n.addr(), newKey(t), &DialOptions{TrustedKeys: []string{other}})
	if !errors.Is(err, ErrHandshake) {
		t.Fatalf("want handshake error for an untrusted node, got %v", err)
	}
	_, err = Dial(ctx, n.addr(), newKey(t), &DialOptions{ServerKey: "nothex"})
	if err == nil {
		t.Fatal("bad ServerKey accepted")
	}
	c, err := Dial(ctx, n.addr(), newKey(t), &DialOptions{ServerKey: strings.ToUpper(n.PublicKey())})
	if err != nil {
		t.Fatalf("pinned key in upper case: %v", err)
	}
	c.Close()
	// Nothing listens here.
	_, err = Dial(ctx, "127.0.0.1:1", newKey(t), nil)
	if !errors.Is(err, ErrHandshake) {
		t.Fatalf("want handshake error for a closed port, got %v", err)
	}
}

func TestCloseNoLeak(t *testing.T) {
	n := startNode(t, "", true, nil)
	ctx := testCtx(t, 10*time.Second)
	time.Sleep(50 * time.Millisecond)
	base := runtime.NumGoroutine()
	for range 3 {
		c, err := Dial(ctx, n.addr(), newKey(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitInput(ctx, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
		c.Close()
		c.Close()
		if _, _, err := c.LCL(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("LCL after Close: %v", err)
		}
		if _, err := c.NextOutput(ctx); !errors.Is(err, ErrClosed) && err != nil {
			t.Fatalf("NextOutput after Close: %v", err)
		}
		if !errors.Is(c.Err(), ErrClosed) {
			t.Fatalf("Err after Close: %v", c.Err())
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before\n%s", g, base, buf[:runtime.Stack(buf, true)])
	}
}

func TestNodeDropsConnection(t *testing.T) {
	n := startNode(t, "", true, nil)
	ctx := testCtx(t, 10*time.Second)
	c := dialT(t, n, newKey(t), ProtocolBSON)
	n.Close()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("connection drop not noticed")
	}
	if _, err := c.SubmitInput(ctx, []byte("x"), &InputOptions{MaxLedgerSeqNo: 5}); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Read(ctx, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	_ = context.Canceled
}
