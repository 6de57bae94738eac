package localnet_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// start runs a manual-close network for one test.
func start(t testing.TB, cfg *localnet.Config) *localnet.Net {
	t.Helper()
	if cfg == nil {
		cfg = &localnet.Config{}
	}
	if cfg.CloseInterval == 0 {
		cfg.CloseInterval = localnet.NoAutoClose
	}
	n, err := localnet.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	return n
}

// client is a minimal websocket JSON-RPC client for the tests.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	mu     sync.Mutex
	nextID int
	resp   map[float64]chan map[string]any
	stream chan map[string]any
	done   chan struct{}
}

func dial(t testing.TB, n *localnet.Net) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, n.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(64 << 20)
	c := &client{t: t, ws: ws, resp: map[float64]chan map[string]any{}, stream: make(chan map[string]any, 10000), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				continue
			}
			if m["type"] == "response" {
				id, _ := m["id"].(float64)
				c.mu.Lock()
				ch := c.resp[id]
				c.mu.Unlock()
				if ch != nil {
					ch <- m
				}
				continue
			}
			select {
			case c.stream <- m:
			default:
			}
		}
	}()
	t.Cleanup(func() { ws.CloseNow(); <-c.done })
	return c
}

// raw sends a request and returns the whole response envelope.
func (c *client) raw(req map[string]any) map[string]any {
	c.t.Helper()
	c.mu.Lock()
	c.nextID++
	id := float64(c.nextID)
	ch := make(chan map[string]any, 1)
	c.resp[id] = ch
	c.mu.Unlock()
	req["id"] = id
	b, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	select {
	case m := <-ch:
		return m
	case <-ctx.Done():
		c.t.Fatalf("no answer to %v", req)
	}
	return nil
}

// call sends a request and returns its result, failing the test on error.
func (c *client) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	req := map[string]any{"command": method}
	for k, v := range params {
		req[k] = v
	}
	m := c.raw(req)
	if m["status"] != "success" {
		c.t.Fatalf("%s: %v", method, m)
	}
	return m["result"].(map[string]any)
}

// next waits for a stream message of type typ.
func (c *client) next(typ string) map[string]any {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.stream:
			if m["type"] == typ {
				return m
			}
		case <-timeout:
			c.t.Fatalf("no %s message", typ)
			return nil
		}
	}
}

// signed signs tx for w with the account's current sequence and base fee.
func signed(t testing.TB, n *localnet.Net, c *client, w *evernode.Wallet, tx evernode.Transaction) evernode.Signed {
	t.Helper()
	info := c.call("account_info", map[string]any{"account": w.Address()})
	seq := uint32(info["account_data"].(map[string]any)["Sequence"].(float64))
	return signSeq(t, n, w, tx, seq, 10)
}

func signSeq(t testing.TB, n *localnet.Net, w *evernode.Wallet, tx evernode.Transaction, seq uint32, fee uint64) evernode.Signed {
	t.Helper()
	m, err := evernode.JSON(n.Network(), tx)
	if err != nil {
		t.Fatal(err)
	}
	m["Account"] = w.Address()
	m["Sequence"] = seq
	m["Fee"] = json.Number(itoa(fee)).String()
	s, err := evernode.Sign(context.Background(), n.Network(), w, evernode.Raw(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func (c *client) submit(s evernode.Signed) map[string]any {
	c.t.Helper()
	return c.call("submit", map[string]any{"tx_blob": s.BlobHex()})
}

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	alice, err := n.NewFundedWallet(ctx, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := n.NewFundedWallet(ctx, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	c.call("subscribe", map[string]any{"streams": []any{"ledger"}, "accounts": []any{bob.Address()}})
	res := c.submit(signed(t, n, c, alice, evernode.Payment{Destination: bob.Address(), Amount: evernode.Drops(1_000_000)}))
	if res["engine_result"] != "tesSUCCESS" {
		t.Fatalf("submit: %v", res)
	}
	seq := n.Commit()
	lc := c.next("ledgerClosed")
	if uint32(lc["ledger_index"].(float64)) != seq {
		t.Fatalf("ledgerClosed %v, want %d", lc, seq)
	}
	tm := c.next("transaction")
	if tm["validated"] != true || tm["engine_result"] != "tesSUCCESS" {
		t.Fatalf("transaction: %v", tm)
	}
	tx := c.call("tx", map[string]any{"transaction": res["tx_json"].(map[string]any)["hash"]})
	if tx["validated"] != true {
		t.Fatalf("tx: %v", tx)
	}
	b, _ := json.MarshalIndent(tx, "", " ")
	t.Logf("%s", b)
}
