package evernode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/memo"
)

func dialFake(t *testing.T, f *fakeNode, opts *ClientOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, f.network(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientRequestsAndErrors(t *testing.T) {
	f := newFakeNode(t)
	f.seq["rA"] = 5
	c := dialFake(t, f, nil)
	ctx := testCtx(t)
	info, err := c.AccountInfo(ctx, "rA", Current)
	if err != nil || info.AccountData.Sequence != 5 {
		t.Fatalf("AccountInfo = %+v, %v", info, err)
	}
	_, err = c.AccountInfo(ctx, "rNobody", Validated)
	var re *RPCError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &re) || re.Name != "actNotFound" || re.Code != 19 {
		t.Fatalf("missing account: %v", err)
	}
	if err := c.Request(ctx, "no_such_command", nil, nil); !errors.As(err, &re) || re.Name != "unknownCmd" {
		t.Fatalf("unknown command: %v", err)
	}
	if c.ValidatedLedger() != 100 {
		t.Fatalf("validated ledger %d", c.ValidatedLedger())
	}
	// Every request carries API version 1 by default.
	f.mu.Lock()
	for _, r := range f.requests {
		if v, _ := toUint64(r["api_version"]); v != 1 {
			t.Errorf("%v sent api_version %v", r["command"], r["api_version"])
		}
	}
	f.mu.Unlock()
}

func TestClientCancel(t *testing.T) {
	f := newFakeNode(t)
	block := make(chan struct{})
	f.handle("server_info", func(map[string]any) any {
		f.mu.Unlock()
		<-block
		f.mu.Lock()
		return map[string]any{}
	})
	defer close(block)
	c := dialFake(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ServerInfo(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ServerInfo = %v, want deadline", err)
	}
}

func TestClientPaging(t *testing.T) {
	f := newFakeNode(t)
	f.handle("account_namespace", func(req map[string]any) any {
		page := 0
		if m, ok := req["marker"].(string); ok {
			fmt.Sscanf(m, "p%d", &page)
		}
		var entries []any
		for i := range 3 {
			entries = append(entries, map[string]any{"HookStateKey": fmt.Sprintf("%064X", page*3+i), "HookStateData": "00", "index": "X"})
		}
		res := map[string]any{"namespace_entries": entries}
		if page < 2 {
			res["marker"] = fmt.Sprintf("p%d", page+1)
		}
		return res
	})
	c := dialFake(t, f, nil)
	all, err := c.AccountNamespace(testCtx(t), "rA", "01EAF09326B4911554384121FF56FA8FECC215FDDE2EC35D9E59F2C53EC665A0")
	if err != nil || len(all) != 9 || all[8].Key != fmt.Sprintf("%064X", 8) {
		t.Fatalf("AccountNamespace = %d entries, %v", len(all), err)
	}
}

func TestParseTxShapes(t *testing.T) {
	meta := map[string]any{"TransactionResult": "tesSUCCESS", "TransactionIndex": 2.0, "delivered_amount": "5"}
	v1 := map[string]any{"Account": "rA", "TransactionType": "Payment", "hash": "ab", "ledger_index": 7.0, "meta": meta, "validated": true, "date": 5.0}
	v2 := map[string]any{"tx_json": map[string]any{"Account": "rA", "TransactionType": "Payment"}, "hash": "AB", "ledger_index": 7.0, "meta": meta, "validated": true}
	stream := map[string]any{"transaction": map[string]any{"Account": "rA", "TransactionType": "Payment", "hash": "AB"}, "ledger_index": 7.0, "meta": meta, "validated": true, "type": "transaction"}
	accountTx := map[string]any{"tx": map[string]any{"Account": "rA", "TransactionType": "Payment", "hash": "AB", "ledger_index": 7.0}, "meta": meta, "validated": true}
	for i, raw := range []map[string]any{v1, v2, stream, accountTx} {
		r := parseTx(raw)
		if r.Hash != "AB" || r.LedgerIndex != 7 || !r.Succeeded() || r.Index() != 2 || r.Type() != "Payment" || r.String("Account") != "rA" {
			t.Errorf("shape %d: %+v", i, r)
		}
		if _, ok := r.Tx["hash"]; ok {
			t.Errorf("shape %d: commentary kept in Tx", i)
		}
		if a, err := r.DeliveredAmount(); err != nil || a.Value != "5" {
			t.Errorf("shape %d: delivered %v %v", i, a, err)
		}
	}
}

func TestReconnectResubscribes(t *testing.T) {
	f := newFakeNode(t)
	f.seq["rA"] = 1
	c := dialFake(t, f, &ClientOptions{ReconnectMin: 10 * time.Millisecond})
	ctx := testCtx(t)
	sub, err := c.SubscribeAccounts(ctx, []string{"rA"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	before := f.count("subscribe")
	f.drop()
	deadline := time.Now().Add(5 * time.Second)
	for f.count("subscribe") == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	f.mu.Lock()
	last := f.requests[len(f.requests)-1]
	for i := len(f.requests) - 1; i >= 0; i-- {
		if f.requests[i]["command"] == "subscribe" {
			last = f.requests[i]
			break
		}
	}
	f.mu.Unlock()
	accts, _ := last["accounts"].([]any)
	if len(accts) != 1 || accts[0] != "rA" {
		t.Fatalf("resubscribe sent %v", last)
	}
	if _, err := c.AccountInfo(ctx, "rA", Validated); err != nil {
		t.Fatalf("request after reconnect: %v", err)
	}
}

func streamTx(hash string, ledger uint32, index int, account string) map[string]any {
	return map[string]any{"type": "transaction", "validated": true, "engine_result": "tesSUCCESS", "ledger_index": ledger,
		"transaction": map[string]any{"Account": account, "TransactionType": "Payment", "Destination": "rB", "hash": hash},
		"meta":        map[string]any{"TransactionResult": "tesSUCCESS", "TransactionIndex": index}}
}

// A subscription loses nothing and repeats nothing across a dropped
// connection: the gap comes from account_tx, duplicates are dropped.
func TestSubscriptionFillsGapWithoutDuplicates(t *testing.T) {
	f := newFakeNode(t)
	history := []map[string]any{}
	f.handle("account_tx", func(req map[string]any) any {
		min, _ := toUint64(req["ledger_index_min"])
		max, _ := toUint64(req["ledger_index_max"])
		var out []any
		for _, h := range history {
			l, _ := toUint64(h["ledger_index"])
			if l >= min && l <= max {
				out = append(out, map[string]any{"tx": h["transaction"], "meta": h["meta"], "validated": true, "ledger_index": l})
			}
		}
		return map[string]any{"transactions": out}
	})
	c := dialFake(t, f, &ClientOptions{ReconnectMin: 10 * time.Millisecond})
	ctx := testCtx(t)
	sub, err := c.SubscribeAccounts(ctx, []string{"rA"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	add := func(hash string, ledger uint32, index int, live bool) {
		m := streamTx(hash, ledger, index, "rA")
		f.mu.Lock()
		history = append(history, m)
		f.mu.Unlock()
		if live {
			f.push(m)
		}
	}
	add("T1", 101, 0, true)
	f.push(streamTx("OTHER", 101, 1, "rZ")) // not ours
	got, err := sub.Next(ctx)
	if err != nil || got.Hash != "T1" {
		t.Fatalf("first = %v, %v", got.Hash, err)
	}

	// Disconnected while ledgers 102–103 validate.
	f.handle("subscribe", func(map[string]any) any { return map[string]any{"ledger_index": 103} })
	f.mu.Lock()
	f.validated = 103
	f.mu.Unlock()
	add("T2", 102, 0, false)
	add("T3", 102, 1, false)
	add("T4", 103, 0, false)
	f.drop()

	want := []string{"T2", "T3", "T4"}
	for _, w := range want {
		got, err := sub.Next(ctx)
		if err != nil || got.Hash != w {
			t.Fatalf("after reconnect got %q, %v; want %s", got.Hash, err, w)
		}
	}
	// The stream repeats T4 and goes on with T5: only T5 is new.
	f.push(streamTx("T4", 103, 0, "rA"))
	add("T5", 104, 0, true)
	got, err = sub.Next(ctx)
	if err != nil || got.Hash != "T5" {
		t.Fatalf("live after fill = %q, %v", got.Hash, err)
	}
	sub.Close()
	if _, err := sub.Next(ctx); !errors.Is(err, ErrSubscriptionClosed) {
		t.Fatalf("Next after Close = %v", err)
	}
}

func TestSubscriptionFromLedgerAndGapError(t *testing.T) {
	f := newFakeNode(t)
	f.handle("account_tx", func(req map[string]any) any {
		if min, _ := toUint64(req["ledger_index_min"]); min < 50 {
			return fakeErr{"lgrIdxMalformed", "Ledger indexes invalid."}
		}
		return map[string]any{"transactions": []any{
			map[string]any{"tx": map[string]any{"Account": "rA", "hash": "H1", "TransactionType": "Payment"}, "meta": map[string]any{"TransactionIndex": 0, "TransactionResult": "tesSUCCESS"}, "ledger_index": 60, "validated": true},
		}}
	})
	c := dialFake(t, f, nil)
	ctx := testCtx(t)
	sub, err := c.SubscribeAccounts(ctx, []string{"rA"}, &SubscribeOptions{FromLedger: 55})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sub.Next(ctx)
	if err != nil || got.Hash != "H1" || got.LedgerIndex != 60 {
		t.Fatalf("catch-up = %+v, %v", got, err)
	}
	sub.Close()
	sub, err = c.SubscribeAccounts(ctx, []string{"rA"}, &SubscribeOptions{FromLedger: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var gap *GapError
	if _, err := sub.Next(ctx); !errors.As(err, &gap) || gap.From != 10 || gap.To != 100 {
		t.Fatalf("want a gap error, got %v", err)
	}
}

func TestLedgerSubscription(t *testing.T) {
	f := newFakeNode(t)
	c := dialFake(t, f, nil)
	ctx := testCtx(t)
	s := c.SubscribeLedgers()
	defer s.Close()
	f.close()
	f.mu.Lock()
	f.validated += 2 // two ledgers the client never hears of
	f.mu.Unlock()
	f.close()
	a, err := s.Next(ctx)
	if err != nil || a.Index != 101 || a.Skipped != 0 {
		t.Fatalf("first close %+v %v", a, err)
	}
	b, err := s.Next(ctx)
	if err != nil || b.Index != 104 || b.Skipped != 2 {
		t.Fatalf("second close %+v %v", b, err)
	}
	if err := c.WaitLedger(ctx, 104); err != nil {
		t.Fatal(err)
	}
}

// submitter runs SubmitAndWait while a goroutine closes a ledger each time the
// client asks for its transaction (a "tx" request: it is waiting for a
// ledger), and, once something was submitted, when the client has been quiet
// for 100 ms (it is waiting in WaitLedger). Ledgers follow the client rather
// than a clock, so its LastLedgerSequence does not pass while it is busy
// preparing or re-signing, however loaded the machine.
func submitWithCloses(t *testing.T, f *fakeNode, c *Client, w *Wallet, tx Transaction) (TxResult, error) {
	t.Helper()
	ctx := testCtx(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen, quietSince := 0, time.Now()
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.mu.Lock()
			asks := 0
			for _, r := range f.requests[seen:] {
				if r["command"] == "tx" {
					asks++
				}
			}
			if len(f.requests) > seen {
				quietSince = time.Now()
			}
			seen = len(f.requests)
			waiting := len(f.submitted) > 0 && time.Since(quietSince) >= 100*time.Millisecond
			f.mu.Unlock()
			if waiting {
				asks, quietSince = 1, time.Now()
			}
			for range asks {
				f.close()
			}
			if asks == 0 {
				time.Sleep(time.Millisecond) // poll the request log
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	return c.SubmitAndWait(ctx, w, tx)
}

func newSubmitter(t *testing.T) (*fakeNode, *Client, *Wallet, Payment) {
	f := newFakeNode(t)
	w, err := NewWallet(bytes.NewReader(bytes.Repeat([]byte{5}, 16)), Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	f.seq[w.Address()] = 10
	c := dialFake(t, f, &ClientOptions{LedgerOffset: 3})
	tx := Payment{Common: Common{Account: w.Address()}, Destination: "rHFqnKBYeky5tuRySHP4EzKoK5Xn2xZyYU", Amount: Drops(1)}
	if err := tx.SetParams(memo.Params{Event: memo.EventHeartbeat}); err != nil {
		t.Fatal(err)
	}
	return f, c, w, tx
}

func TestSubmitAndWait(t *testing.T) {
	cases := []struct {
		name    string
		script  []string
		check   func(t *testing.T, f *fakeNode, res TxResult, err error)
		prepare func(f *fakeNode)
	}{
		{"success", nil, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || !res.Succeeded() || len(f.submitted) != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			tx := f.submitted[0]
			if s, _ := toUint64(tx["Sequence"]); s != 10 || tx["Fee"] != "12" || tx["NetworkID"] != uint32(21337) {
				t.Fatalf("autofill %v", tx)
			}
			if l, _ := toUint64(tx["LastLedgerSequence"]); l != 103 {
				t.Fatalf("LastLedgerSequence %d", l)
			}
		}, nil},
		{"queued", []string{"terQUEUED"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || !res.Succeeded() {
				t.Fatalf("%+v %v", res, err)
			}
		}, nil},
		{"fee too low, then escalated on the same sequence", []string{"telINSUF_FEE_P"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || len(f.submitted) != 2 {
				t.Fatalf("%v, %d submissions", err, len(f.submitted))
			}
			a, b := f.submitted[0], f.submitted[1]
			if a["Sequence"] != b["Sequence"] || b["Fee"] != "5000" {
				t.Fatalf("retry %v / %v", a, b)
			}
		}, func(f *fakeNode) { f.openFee = "5000" }},
		{"sequence taken by another transaction", []string{"tefPAST_SEQ"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || len(f.submitted) != 2 {
				t.Fatalf("%v, %d submissions", err, len(f.submitted))
			}
			if s, _ := toUint64(f.submitted[1]["Sequence"]); s != 11 {
				t.Fatalf("second sequence %d", s)
			}
		}, func(f *fakeNode) {
			f.handlers["account_info"] = seqAfter(f)
			// The account's history shows who took Sequence 10.
			f.handlers["account_tx"] = func(req map[string]any) any {
				acct, _ := req["account"].(string)
				return map[string]any{"transactions": []any{map[string]any{"validated": true,
					"tx": map[string]any{"Account": acct, "Sequence": 10, "hash": "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"}}}}
			}
		}},
		{"expired, re-signed on the same sequence", []string{"lost"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || len(f.submitted) != 2 || f.submitted[0]["Sequence"] != f.submitted[1]["Sequence"] {
				t.Fatalf("%v, %v", err, f.submitted)
			}
		}, nil},
		{"dropped by the node, rebroadcast as the same blob", []string{"forgotten"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if err != nil || len(f.submitted) != 2 || f.submitted[0]["TxnSignature"] != f.submitted[1]["TxnSignature"] {
				t.Fatalf("%v, %d submissions", err, len(f.submitted))
			}
		}, nil},
		{"expired every time", []string{"lost", "lost", "lost"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if !errors.Is(err, ErrExpired) || len(f.submitted) != 3 {
				t.Fatalf("%v, %d submissions", err, len(f.submitted))
			}
		}, nil},
		{"validated tec", []string{"tecUNFUNDED_PAYMENT"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			var te *TxError
			if !errors.As(err, &te) || te.Result != "tecUNFUNDED_PAYMENT" || !te.Validated || te.Code == 0 || te.Hash == "" {
				t.Fatalf("%v", err)
			}
		}, nil},
		{"malformed", []string{"temBAD_AMOUNT"}, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			var te *TxError
			if !errors.As(err, &te) || te.Result != "temBAD_AMOUNT" || te.Validated || len(f.submitted) != 1 {
				t.Fatalf("%v", err)
			}
		}, nil},
		{"fee above maximum", nil, func(t *testing.T, f *fakeNode, res TxResult, err error) {
			if !errors.Is(err, ErrFeeTooHigh) || len(f.submitted) != 0 {
				t.Fatalf("%v", err)
			}
		}, func(f *fakeNode) { f.baseFee = "3000000" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c, w, tx := newSubmitter(t)
			f.mu.Lock()
			f.script = tc.script
			if tc.prepare != nil {
				tc.prepare(f)
			}
			f.mu.Unlock()
			res, err := submitWithCloses(t, f, c, w, tx)
			f.mu.Lock()
			defer f.mu.Unlock()
			tc.check(t, f, res, err)
		})
	}
}

// seqAfter answers account_info as if another transaction had taken the
// sequence the first submission used.
func seqAfter(f *fakeNode) func(map[string]any) any {
	calls := 0
	return func(req map[string]any) any {
		calls++
		acct, _ := req["account"].(string)
		s := f.seq[acct]
		if calls > 1 {
			s++
		}
		return map[string]any{"account_data": map[string]any{"Account": acct, "Sequence": s}}
	}
}

// Concurrent SubmitAndWait calls of one account reserve distinct
// sequences; once none holds the account, the next reservation (and
// Prepare, which reserves nothing) starts again from the node's Sequence.
func TestConcurrentSubmitsGetDistinctSequences(t *testing.T) {
	_, c, _, tx := newSubmitter(t)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	seqs := make(chan uint32, 8)
	holds := make([]seqHold, 8)
	for i := range holds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.prepare(ctx, tx, false, &holds[i])
			if err != nil {
				t.Error(err)
				return
			}
			s, _ := toUint64(r["Sequence"])
			seqs <- uint32(s)
		}()
	}
	wg.Wait()
	close(seqs)
	seen := map[uint32]bool{}
	first := uint32(1 << 31)
	for s := range seqs {
		if seen[s] {
			t.Fatalf("sequence %d handed out twice", s)
		}
		seen[s] = true
		first = min(first, s)
	}
	// Prepare while calls are in flight stays past their sequences.
	r, err := c.Prepare(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := toUint64(r["Sequence"]); seen[uint32(s)] {
		t.Fatalf("Prepare got in-flight sequence %d", s)
	}
	for i := range holds {
		c.releaseSequence(&holds[i])
		c.releaseSequence(&holds[i]) // a second release is a no-op
	}
	c.seqMu.Lock()
	left := len(c.nextSeq) + len(c.seqHolds)
	c.seqMu.Unlock()
	if left != 0 {
		t.Fatalf("%d cache entries left after every call ended", left)
	}
	for range 2 {
		r, err := c.Prepare(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := toUint64(r["Sequence"]); uint32(s) != first {
			t.Fatalf("Prepare after all calls ended: Sequence %d, want the account's %d", s, first)
		}
	}
}

func TestClosedClient(t *testing.T) {
	f := newFakeNode(t)
	c := dialFake(t, f, nil)
	c.Close()
	if _, err := c.ServerInfo(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := c.SubscribeAccounts(context.Background(), []string{"rA"}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscribe after Close: %v", err)
	}
	if _, err := Dial(context.Background(), Network{}, nil); err == nil {
		t.Fatal("Dial without URL succeeded")
	}
}

func TestClientLeaksNoGoroutines(t *testing.T) {
	f := newFakeNode(t)
	base := runtime.NumGoroutine()
	c := dialFake(t, f, nil)
	ctx := testCtx(t)
	sub, err := c.SubscribeAccounts(ctx, []string{"rA"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls := c.SubscribeLedgers()
	_ = ls
	c.Close()
	if _, err := sub.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscription after client Close: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Fatalf("%d goroutines after Close, %d before Dial", n, base)
	}
}
