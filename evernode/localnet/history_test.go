package localnet_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// Every read command that takes ledger_index or ledger_hash reads a
// retained older ledger as it was; ledgers that left the window answer
// lgrNotFound and complete_ledgers says which are kept.
func TestHistoryReadsOlderLedgers(t *testing.T) {
	ctx := context.Background()
	const window = 8
	n := start(t, &localnet.Config{History: window})
	c := dial(t, n)
	a := mustWallet(t, n, 100_000_000)
	issuer, err := n.SetupIssuer(ctx, "EVR")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.TrustAndFund(ctx, a, issuer, "EVR", "10"); err != nil {
		t.Fatal(err)
	}
	var ns [32]byte
	ns[0] = 7
	if err := n.SetHook(a.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		var k [32]byte
		return h.SetState(ns, k, []byte{byte(len(h.TxHash()))})
	})); err != nil {
		t.Fatal(err)
	}
	uri := []byte("history")
	mintHash, err := n.Submit(ctx, a, a.Address(), evernode.URITokenMint{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	old := n.Commit()
	oldHeader := c.call("ledger", map[string]any{"ledger_index": old})
	tokenID, _ := localnet.URITokenID(a.Address(), uri)

	// Ledger old+1 changes all of it: the token burnt, the state gone, the
	// EVR paid back, XAH spent.
	n.SetHook(a.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		var k [32]byte
		return h.SetState(ns, k, nil)
	}))
	if _, err := n.Submit(ctx, a, a.Address(), evernode.URITokenBurn{URITokenID: tokenID}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: issuer.Address(),
		Amount: evernode.Amount{Currency: "EVR", Issuer: issuer.Address(), Value: "10"}}); err != nil {
		t.Fatal(err)
	}
	n.Commit()

	at := func(cmd string, p map[string]any, seq uint32) map[string]any {
		t.Helper()
		p["ledger_index"] = seq
		return c.call(cmd, p)
	}
	nsHex := strings.ToUpper(hex.EncodeToString(ns[:]))
	check := func(seq uint32, wantOld bool) {
		t.Helper()
		objs := at("account_objects", map[string]any{"account": a.Address(), "type": "uri_token"}, seq)["account_objects"].([]any)
		lines := at("account_lines", map[string]any{"account": a.Address()}, seq)["lines"].([]any)
		state := c.raw(map[string]any{"command": "account_namespace", "account": a.Address(), "namespace_id": nsHex, "ledger_index": seq})
		entry := c.raw(map[string]any{"command": "ledger_entry", "index": tokenID, "ledger_index": seq})
		bal := at("account_info", map[string]any{"account": a.Address()}, seq)["account_data"].(map[string]any)["Balance"]
		hasState := state["status"] == "success" && len(state["result"].(map[string]any)["namespace_entries"].([]any)) == 1
		got := fmt.Sprintf("%d %v %v %v", len(objs), lines[0].(map[string]any)["balance"], hasState, entry["status"])
		want := "0 0 false error"
		if wantOld {
			want = "1 10 true success"
		}
		if got != want {
			t.Errorf("ledger %d: objects, EVR, state, entry = %s, want %s (balance %v)", seq, got, want, bal)
		}
	}
	check(old, true)
	check(old+1, false)
	if h := at("ledger", map[string]any{}, old)["ledger_hash"]; h != oldHeader["ledger_hash"] {
		t.Errorf("ledger %d hash %v, want %v", old, h, oldHeader["ledger_hash"])
	}
	byHash := c.call("account_info", map[string]any{"account": a.Address(), "ledger_hash": oldHeader["ledger_hash"]})
	if uint32(byHash["ledger_index"].(float64)) != old {
		t.Errorf("ledger_hash read %v", byHash)
	}
	if tx := c.call("tx", map[string]any{"transaction": mintHash}); tx["validated"] != true {
		t.Errorf("tx %v", tx)
	}
	found := false
	for _, x := range at("account_tx", map[string]any{"account": a.Address()}, old)["transactions"].([]any) {
		found = found || x.(map[string]any)["tx"].(map[string]any)["hash"] == mintHash
	}
	if !found {
		t.Errorf("account_tx at %d lacks %s", old, mintHash)
	}

	// Past the window: lgrNotFound and the transactions forgotten.
	for range window {
		n.Commit()
	}
	last := n.ValidatedLedger()
	if got := c.call("server_info", nil)["info"].(map[string]any)["complete_ledgers"]; got != fmt.Sprintf("%d-%d", last-window+1, last) {
		t.Errorf("complete_ledgers %v, want %d-%d", got, last-window+1, last)
	}
	for _, cmd := range []string{"account_info", "account_lines", "account_objects", "account_namespace", "ledger_entry", "ledger"} {
		r := c.raw(map[string]any{"command": cmd, "account": a.Address(), "namespace_id": nsHex, "index": tokenID, "ledger_index": old})
		if r["error"] != "lgrNotFound" {
			t.Errorf("%s at forgotten ledger %d: %v", cmd, old, r["error"])
		}
	}
	if r := c.raw(map[string]any{"command": "ledger", "ledger_hash": oldHeader["ledger_hash"]}); r["error"] != "lgrNotFound" {
		t.Errorf("ledger by a forgotten hash: %v", r["error"])
	}
	if r := c.raw(map[string]any{"command": "tx", "transaction": mintHash}); r["error"] != "txnNotFound" {
		t.Errorf("forgotten tx: %v", r["error"])
	}
	check(last-window+1, false)
}
