package localnet_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

var testNS = [32]byte{0x01, 0xEA, 0xF0, 0x93}

func key(i int) [32]byte {
	var k [32]byte
	binary.BigEndian.PutUint32(k[28:], uint32(i))
	return k
}

// counterHook counts incoming payments in its state, rejects payments of
// exactly 13 drops, mirrors the count into the governor's (foreign) state
// and refunds 1 drop with an emitted Payment when asked by a memo-free
// hook parameter.
type counterHook struct {
	governor string
}

func (c counterHook) Execute(h *localnet.HookContext) error {
	if h.Outgoing() || h.TxType() != "Payment" {
		return h.Accept("ignored")
	}
	if amt, _ := h.Tx()["Amount"].(string); amt == "13" {
		return h.Reject("unlucky amount")
	}
	var n uint32
	if v, ok := h.State(testNS, key(0)); ok {
		n = binary.LittleEndian.Uint32(v)
	}
	n++
	v := binary.LittleEndian.AppendUint32(nil, n)
	if err := h.SetState(testNS, key(0), v); err != nil {
		return err
	}
	if c.governor != "" {
		if err := h.SetForeignState(c.governor, testNS, key(1), v); err != nil {
			return err
		}
	}
	if _, ok := h.Param([]byte("REFUND")); ok {
		sender, _ := h.Tx()["Account"].(string)
		if _, err := h.Emit(evernode.Payment{Destination: sender, Amount: evernode.Drops(1)}); err != nil {
			return err
		}
	}
	return h.Accept(fmt.Sprintf("count %d", n))
}

func TestHooks(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	hookAcct := mustWallet(t, n, 100_000_000)
	governor := mustWallet(t, n, 100_000_000)
	payer := mustWallet(t, n, 100_000_000)
	if err := n.SetHook(hookAcct.Address(), counterHook{governor: governor.Address()}); err != nil {
		t.Fatal(err)
	}
	// Reading foreign state from another hook.
	var seen []byte
	if err := n.SetHook(payer.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		seen, _, _ = h.ForeignState(governor.Address(), testNS, key(1))
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	pay := func(drops uint64, params ...evernode.Common) (string, error) {
		p := evernode.Payment{Destination: hookAcct.Address(), Amount: evernode.Drops(drops)}
		if len(params) > 0 {
			p.Common = params[0]
		}
		return n.Submit(ctx, payer, payer.Address(), p)
	}
	for i := 0; i < 2; i++ {
		if _, err := pay(100); err != nil {
			t.Fatal(err)
		}
	}
	if binary.LittleEndian.Uint32(seen) != 1 {
		t.Fatalf("foreign state seen by the payer's hook: %x", seen)
	}
	// State is readable with ledger_entry {index} and account_namespace.
	idx, _ := localnet.StateIndex(hookAcct.Address(), testNS, key(0))
	node := c.call("ledger_entry", map[string]any{"index": idx})["node"].(map[string]any)
	if node["LedgerEntryType"] != "HookState" || node["HookStateData"] != "02000000" {
		t.Fatalf("state %v", node)
	}
	ns := strings.ToUpper(hex.EncodeToString(testNS[:]))
	res := c.call("account_namespace", map[string]any{"account": governor.Address(), "namespace_id": ns})
	entries := res["namespace_entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["HookStateData"] != "02000000" {
		t.Fatalf("governor namespace %v", res)
	}
	// Rejection: tecHOOK_REJECTED, fee taken, message in HookExecutions, state untouched.
	before := balanceOf(t, c, payer.Address())
	hash, err := pay(13)
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecHOOK_REJECTED" {
		t.Fatalf("got %v", err)
	}
	if spent := before - balanceOf(t, c, payer.Address()); spent != 30 {
		t.Fatalf("spent %d, want the fee of 30 (10 + two hooks)", spent)
	}
	n.Commit()
	meta := c.call("tx", map[string]any{"transaction": hash})["meta"].(map[string]any)
	execs := meta["HookExecutions"].([]any)
	last := execs[len(execs)-1].(map[string]any)["HookExecution"].(map[string]any)
	if msg, _ := hex.DecodeString(last["HookReturnString"].(string)); string(msg) != "unlucky amount" || last["HookResult"].(float64) != 2 {
		t.Fatalf("execution %v", last)
	}
	node = c.call("ledger_entry", map[string]any{"index": idx})["node"].(map[string]any)
	if node["HookStateData"] != "02000000" {
		t.Fatalf("state changed by a rejected tx: %v", node)
	}
	// Emission: the hook refunds 1 drop right after the payment.
	name := strings.ToUpper(hex.EncodeToString([]byte("REFUND")))
	raw := evernode.Raw{"TransactionType": "Payment", "Destination": hookAcct.Address(), "Amount": "100",
		"HookParameters": []any{map[string]any{"HookParameter": map[string]any{"HookParameterName": name, "HookParameterValue": "01"}}}}
	hash, err = n.Submit(ctx, payer, payer.Address(), raw)
	if err != nil {
		t.Fatal(err)
	}
	origin := n.Commit()
	meta = c.call("tx", map[string]any{"transaction": hash})["meta"].(map[string]any)
	ems := meta["HookEmissions"].([]any)
	emitted := ems[0].(map[string]any)["HookEmission"].(map[string]any)["EmittedTxnID"].(string)
	// As on Xahau it waits in the emitted directory and applies in the next
	// ledger, not in its origin's.
	if etx := c.call("tx", map[string]any{"transaction": emitted}); etx["validated"] == true {
		t.Fatalf("emitted transaction validated in its origin's ledger: %v", etx)
	}
	n.Commit()
	etx := c.call("tx", map[string]any{"transaction": emitted})
	if etx["validated"] != true || etx["meta"].(map[string]any)["TransactionResult"] != "tesSUCCESS" ||
		etx["Account"] != hookAcct.Address() || etx["EmitDetails"].(map[string]any)["EmitParentTxnID"] != hash {
		t.Fatalf("emitted %v", etx)
	}
	if li, _ := etx["ledger_index"].(float64); uint32(li) != origin+1 || uint32(etx["FirstLedgerSequence"].(float64)) != origin+1 {
		t.Fatalf("emitted in ledger %v (FirstLedgerSequence %v), want %d", etx["ledger_index"], etx["FirstLedgerSequence"], origin+1)
	}
	// Its application removed its EmittedTxn object, in its own metadata.
	deleted := false
	for _, nd := range etx["meta"].(map[string]any)["AffectedNodes"].([]any) {
		if d, ok := nd.(map[string]any)["DeletedNode"].(map[string]any); ok && d["LedgerEntryType"] == "EmittedTxn" {
			deleted = true
		}
	}
	if !deleted {
		t.Fatalf("no EmittedTxn deleted in %v", etx["meta"])
	}
	// The emitted hash is SHA-512Half of the unsigned blob with EmitDetails.
	raw2 := c.call("tx", map[string]any{"transaction": emitted, "binary": true})
	blob, _ := hex.DecodeString(raw2["tx"].(string))
	if h := evernode.TransactionHash(blob); strings.ToUpper(hex.EncodeToString(h[:])) != emitted {
		t.Fatal("emitted hash mismatch")
	}
}

func TestNamespacePaging(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	acct := mustWallet(t, n, 100_000_000)
	const total = 1000
	fillNamespace(t, n, acct, total)
	_ = ctx
	got := pageNamespace(t, c, acct.Address(), 100)
	if len(got) != total {
		t.Fatalf("%d entries, want %d", len(got), total)
	}
	seen := map[string]bool{}
	for _, k := range got {
		if seen[k] {
			t.Fatalf("duplicate %s", k)
		}
		seen[k] = true
	}
	m := c.raw(map[string]any{"command": "account_namespace", "account": acct.Address(), "namespace_id": strings.Repeat("AB", 32)})
	if m["error"] != "namespaceNotFound" {
		t.Fatalf("got %v", m)
	}
	// Deleting entries keeps the directory walkable.
	if err := n.SetHook(acct.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		for i := 0; i < total; i += 2 {
			if err := h.SetState(testNS, key(i), nil); err != nil {
				return err
			}
		}
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, n.Genesis(), n.Genesis().Address(), evernode.Payment{Destination: acct.Address(), Amount: evernode.Drops(1)}); err != nil {
		t.Fatal(err)
	}
	n.Commit()
	if got := pageNamespace(t, c, acct.Address(), 64); len(got) != total/2 {
		t.Fatalf("%d entries after deleting half", len(got))
	}
}

// fillNamespace writes total entries into testNS on acct with a hook fired
// by genesis payments, 250 entries a transaction.
func fillNamespace(t testing.TB, n *localnet.Net, acct *evernode.Wallet, total int) {
	t.Helper()
	next := 0
	if err := n.SetHook(acct.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		for i := 0; i < 250 && next < total; i++ {
			if err := h.SetState(testNS, key(next), []byte{byte(next), 1, 2, 3}); err != nil {
				return err
			}
			next++
		}
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	for next < total {
		if _, err := n.Submit(context.Background(), n.Genesis(), n.Genesis().Address(), evernode.Payment{Destination: acct.Address(), Amount: evernode.Drops(1)}); err != nil {
			t.Fatal(err)
		}
	}
	n.SetHook(acct.Address(), nil)
	n.Commit()
}

func pageNamespace(t testing.TB, c *client, addr string, limit int) []string {
	t.Helper()
	ns := strings.ToUpper(hex.EncodeToString(testNS[:]))
	var keys []string
	var marker any
	for {
		p := map[string]any{"account": addr, "namespace_id": ns, "limit": limit, "ledger_index": "validated"}
		if marker != nil {
			p["marker"] = marker
		}
		res := c.call("account_namespace", p)
		for _, e := range res["namespace_entries"].([]any) {
			keys = append(keys, e.(map[string]any)["HookStateKey"].(string))
		}
		marker = res["marker"]
		if marker == nil {
			return keys
		}
	}
}
