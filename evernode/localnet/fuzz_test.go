package localnet

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// badAddresses are strings that once made the address decoder panic.
var badAddresses = []string{"r€", "r\xff\xfe", "€€€€€€€€€€€€€€€€€€€€€€€€€€€", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyT€", "", "r", "0"}

// Every read command answers a bad account with rippled's error, on the
// same connection, and leaks no goroutine.
func TestRPCBadAddressesAnswered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, &Config{CloseInterval: NoAutoClose})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ws, _, err := websocket.Dial(ctx, n.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	before := runtime.NumGoroutine()
	cmds := []string{"account_info", "account_lines", "account_objects", "account_nfts", "account_namespace", "account_tx"}
	id := 0
	for _, cmd := range cmds {
		for _, a := range badAddresses {
			id++
			req, _ := json.Marshal(map[string]any{"id": id, "command": cmd, "account": a,
				"namespace_id": "00", "peer": a, "ledger_index": "validated"})
			if err := ws.Write(ctx, websocket.MessageText, req); err != nil {
				t.Fatal(err)
			}
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("%s %q: connection lost: %v", cmd, a, err)
			}
			var resp map[string]any
			if err := json.Unmarshal(b, &resp); err != nil {
				t.Fatal(err)
			}
			if resp["status"] != "error" || resp["error"] == "internal" || resp["error"] == nil {
				t.Errorf("%s %q: %s", cmd, a, b)
			}
		}
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines %d → %d", before, after)
	}
}

// FuzzRequest feeds arbitrary messages to the request decoder and every
// handler: each gets an answer in rippled's shape, never a panic.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"command":"account_info","account":"r€"}`,
		`{"command":"ledger","ledger_index":-1}`,
		`{"command":"ledger_entry","index":"zz"}`,
		`{"command":"tx","transaction":7}`,
		`{"command":"account_tx","account":"rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh","marker":{"ledger":"x"}}`,
		`{"command":"submit","tx_blob":"00"}`,
		`{"command":"fee","tx_blob":"1200"}`,
		`{"command":"account_objects","account":"rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh","limit":1e400}`,
		`{"command":"account_lines","account":"rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh","marker":"€"}`,
		`{"command":"nft_sell_offers","nft_id":"00"}`,
		`{"command":"ledger_entry","account_root":"r€"}`,
		`{"command":"ledger_entry","hook_state":{"account":"r€","key":"00","namespace_id":"00"}}`,
		`[1,2]`, `null`, `"x"`, `{}`, `{"api_version":"x","command":"ping"}`,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	n, err := Start(ctx, &Config{CloseInterval: NoAutoClose})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	f.Fuzz(func(t *testing.T, b []byte) {
		var req map[string]any
		if json.Unmarshal(b, &req) == nil {
			if cmd, _ := req["command"].(string); cmd == "subscribe" || cmd == "unsubscribe" {
				return // needs a live connection; covered by the stream tests
			}
		}
		resp := n.handle(nil, b)
		if resp["type"] != "response" || (resp["status"] != "success" && resp["status"] != "error") {
			t.Fatalf("answer %v", resp)
		}
		if resp["error"] == "internal" {
			t.Fatalf("handler failed on %q", b)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("answer does not encode: %v", err)
		}
	})
}
