package localnet_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

func TestStreamsAndAPIVersions(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	v1 := dial(t, n)
	v2 := dial(t, n)
	a := mustWallet(t, n, 100_000_000)
	b := mustWallet(t, n, 100_000_000)
	v1.call("subscribe", map[string]any{"streams": []any{"ledger", "transactions"}})
	r := v2.raw(map[string]any{"command": "subscribe", "accounts": []any{b.Address()}, "api_version": 2})
	if r["status"] != "success" || r["api_version"] != float64(2) {
		t.Fatalf("subscribe v2: %v", r)
	}
	hash, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(5)})
	if err != nil {
		t.Fatal(err)
	}
	seq := n.Commit()
	lc := v1.next("ledgerClosed")
	if lc["txn_count"].(float64) < 1 || uint32(lc["ledger_index"].(float64)) != seq {
		t.Fatalf("ledgerClosed %v", lc)
	}
	var m map[string]any
	for m == nil || m["transaction"].(map[string]any)["hash"] != hash {
		m = v1.next("transaction")
	}
	if m["validated"] != true || m["meta"] == nil || m["ledger_index"] == nil || m["engine_result"] != "tesSUCCESS" {
		t.Fatalf("v1 transaction %v", m)
	}
	m2 := v2.next("transaction")
	for m2["hash"] != hash {
		m2 = v2.next("transaction")
	}
	if m2["hash"] != hash || m2["tx_json"] == nil || m2["transaction"] != nil {
		t.Fatalf("v2 transaction %v", m2)
	}
	// tx in both shapes.
	tx1 := v1.call("tx", map[string]any{"transaction": hash})
	if tx1["Account"] != a.Address() || tx1["meta"] == nil {
		t.Fatalf("tx v1 %v", tx1)
	}
	tx2 := v2.raw(map[string]any{"command": "tx", "transaction": hash, "api_version": 2})["result"].(map[string]any)
	if tx2["tx_json"].(map[string]any)["Account"] != a.Address() || tx2["close_time_iso"] == nil || tx2["ledger_index"] == nil {
		t.Fatalf("tx v2 %v", tx2)
	}
	// Errors as rippled.
	e := v1.raw(map[string]any{"command": "account_info", "account": newKey(t, evernode.Ed25519).Address()})
	if e["status"] != "error" || e["error"] != "actNotFound" || e["error_code"] != float64(19) || e["request"] == nil || e["id"] == nil {
		t.Fatalf("error %v", e)
	}
	if e := v1.raw(map[string]any{"command": "nope"}); e["error"] != "unknownCmd" {
		t.Fatalf("error %v", e)
	}
	// Everything else answers.
	for _, cmd := range []string{"server_info", "server_state", "server_definitions", "fee", "ping", "ledger_current", "ledger_closed"} {
		v1.call(cmd, nil)
	}
	l := v1.call("ledger", map[string]any{"ledger_index": "validated", "transactions": true, "expand": true})
	if txs := l["ledger"].(map[string]any)["transactions"].([]any); len(txs) == 0 {
		t.Fatal("ledger without transactions")
	}
	si := v1.call("server_info", nil)["info"].(map[string]any)
	if si["network_id"] != float64(localnet.DefaultNetworkID) || si["validated_ledger"] == nil {
		t.Fatalf("server_info %v", si)
	}
}

func TestAccountTxPaging(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	a := mustWallet(t, n, 100_000_000)
	var hashes []string
	for i := 0; i < 25; i++ {
		h, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)})
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
		if i%7 == 0 {
			n.Commit()
		}
	}
	n.Commit()
	for _, forward := range []bool{true, false} {
		var got []string
		var marker any
		for {
			p := map[string]any{"account": a.Address(), "limit": 10, "forward": forward}
			if marker != nil {
				p["marker"] = marker
			}
			res := c.call("account_tx", p)
			for _, x := range res["transactions"].([]any) {
				tx := x.(map[string]any)["tx"].(map[string]any)
				if tx["Account"] == a.Address() {
					got = append(got, tx["hash"].(string))
				}
			}
			if marker = res["marker"]; marker == nil {
				break
			}
		}
		if len(got) != 25 {
			t.Fatalf("forward=%v: %d transactions", forward, len(got))
		}
		for i := range got {
			want := hashes[i]
			if !forward {
				want = hashes[len(hashes)-1-i]
			}
			if got[i] != want {
				t.Fatalf("forward=%v: order differs at %d", forward, i)
			}
		}
	}
	// A ledger range.
	res := c.call("account_tx", map[string]any{"account": a.Address(), "ledger_index_min": 3, "ledger_index_max": 3})
	for _, x := range res["transactions"].([]any) {
		if x.(map[string]any)["tx"].(map[string]any)["ledger_index"] != float64(3) {
			t.Fatal("outside the range")
		}
	}
	// v2 shape.
	r2 := c.raw(map[string]any{"command": "account_tx", "account": a.Address(), "limit": 1, "api_version": 2})["result"].(map[string]any)
	item := r2["transactions"].([]any)[0].(map[string]any)
	if item["tx_json"] == nil || item["hash"] == nil || item["meta"] == nil {
		t.Fatalf("v2 item %v", item)
	}
}

func TestAccountObjectsPaging(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	a := mustWallet(t, n, 1_000_000_000)
	for i := 0; i < 45; i++ {
		if _, err := n.Submit(ctx, a, a.Address(), evernode.URITokenMint{URI: []byte{byte(i), 'u'}}); err != nil {
			t.Fatal(err)
		}
	}
	var count int
	var marker any
	for {
		p := map[string]any{"account": a.Address(), "limit": 10, "type": "uri_token"}
		if marker != nil {
			p["marker"] = marker
		}
		res := c.call("account_objects", p)
		count += len(res["account_objects"].([]any))
		if marker = res["marker"]; marker == nil {
			break
		}
	}
	if count != 45 {
		t.Fatalf("%d objects", count)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	a := mustWallet(t, n, 100_000_000)
	// RejectNext with a tec result: fee taken, sequence used.
	if err := n.RejectNext(a.Address(), "tecNO_PERMISSION"); err != nil {
		t.Fatal(err)
	}
	before := seqOf(t, c, a.Address())
	_, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)})
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecNO_PERMISSION" {
		t.Fatalf("got %v", err)
	}
	if seqOf(t, c, a.Address()) != before+1 {
		t.Fatal("sequence not consumed")
	}
	// And a tel result: nothing applied; the next one goes through.
	if err := n.RejectNext(a.Address(), "telINSUF_FEE_P"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}); !errors.As(err, &te) || te.Result != "telINSUF_FEE_P" {
		t.Fatalf("got %v", err)
	}
	if _, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}); err != nil {
		t.Fatal(err)
	}
	if err := n.RejectNext(a.Address(), "tecBOGUS"); err == nil {
		t.Fatal("unknown result accepted")
	}
	// DropConnections closes clients; new ones connect.
	n.DropConnections()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("connection survived DropConnections")
	}
	c2 := dial(t, n)
	c2.call("ping", nil)
	// PauseCloses holds the timer, Commit still works.
	n2 := start(t, &localnet.Config{CloseInterval: 20 * time.Millisecond})
	n2.PauseCloses()
	s1 := n2.ValidatedLedger()
	time.Sleep(100 * time.Millisecond)
	if n2.ValidatedLedger() != s1 {
		t.Fatal("ledger closed while paused")
	}
	if got := n2.Commit(); got != s1+1 {
		t.Fatalf("commit %d", got)
	}
	n2.ResumeCloses()
	deadline := time.Now().Add(5 * time.Second)
	for n2.ValidatedLedger() < s1+3 {
		if time.Now().After(deadline) {
			t.Fatal("timer did not resume")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// AdvanceTime moves close times.
	t0 := n.LedgerTime()
	n.AdvanceTime(time.Hour)
	n.Commit()
	if d := n.LedgerTime().Sub(t0); d < time.Hour {
		t.Fatalf("advanced %v", d)
	}
}

func TestConcurrency(t *testing.T) {
	ctx := context.Background()
	n := start(t, &localnet.Config{CloseInterval: 5 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := n.NewFundedWallet(ctx, 50_000_000)
			if err != nil {
				errs <- err
				return
			}
			for j := 0; j < 20; j++ {
				if _, err := n.Submit(ctx, w, w.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}); err != nil {
					errs <- err
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			ws, _, err := websocket.Dial(cctx, n.URL(), nil)
			if err != nil {
				errs <- err
				return
			}
			defer ws.CloseNow()
			for j := 0; j < 20; j++ {
				if err := ws.Write(cctx, websocket.MessageText, []byte(`{"id":1,"command":"server_info"}`)); err != nil {
					errs <- err
					return
				}
				if _, _, err := ws.Read(cctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
