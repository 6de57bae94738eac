package ledger

import (
	"errors"
	"maps"
	"testing"
	"time"
)

// emitCall is a hook execution on the genesis account during a made-up
// originating transaction, as a WebAssembly runtime would drive it.
func emitCall(t *testing.T) (*Engine, *applyCtx, *HookCall) {
	t.Helper()
	e := New(Config{Xahau: true, NetworkID: 21465, Start: time.Unix(1_700_000_000, 0)})
	g := e.Genesis()
	c := &applyCtx{e: e, v: newView(e.open), tx: map[string]any{"TransactionType": "Payment"}, hash: Hash{7}, acct: g}
	return e, c, &HookCall{c: c, account: g, slot: hookSlot{hash: Hash{9}}}
}

func TestEmitLandsInTheNextLedger(t *testing.T) {
	e, c, h := emitCall(t)
	dest := AccountID{1, 2, 3}
	id, err := h.Emit(map[string]any{"TransactionType": "Payment", "Destination": dest.String(), "Amount": "50000000"})
	if err != nil {
		t.Fatal(err)
	}
	origin := e.OpenSeq()
	e.mu.Lock()
	e.commitLocked(c.v)
	e.mu.Unlock()
	if !e.EmissionsPending() || e.Tx(id) != nil {
		t.Fatal("emission applied at once or not queued")
	}
	e.Close(time.Unix(1_700_000_010, 0)) // closes the origin's ledger, opens the next
	rec := e.Tx(id)
	if rec == nil || rec.LedgerSeq != origin+1 || rec.Result != "tesSUCCESS" {
		t.Fatalf("emitted record %+v", rec)
	}
	d := rec.JSON["EmitDetails"].(map[string]any)
	if d["EmitGeneration"] != uint32(1) || d["EmitBurden"] != "1" || d["EmitParentTxnID"] != (Hash{7}).String() ||
		d["EmitHookHash"] != (Hash{9}).String() || rec.JSON["FirstLedgerSequence"] != origin+1 || rec.JSON["LastLedgerSequence"] != origin+5 {
		t.Fatalf("EmitDetails %v, tx %v", d, rec.JSON)
	}
	e.Close(time.Unix(1_700_000_020, 0))
	if e.EmissionsPending() {
		t.Fatal("emission still pending after its ledger closed")
	}
	if got := e.Ledger(origin + 1); got == nil || len(got.Txs) != 1 || got.Txs[0].Hash != id {
		t.Fatal("emitted transaction not in the ledger after its origin")
	}
}

// EmitDetails a WebAssembly hook builds itself are checked by xahaud's
// emission rules.
func TestEmitRules(t *testing.T) {
	_, _, h := emitCall(t)
	good := func() map[string]any {
		seq := h.c.e.openSeq
		return map[string]any{"TransactionType": "Payment", "Account": h.account.String(), "Destination": (AccountID{1}).String(),
			"Amount": "1", "Sequence": uint32(0), "SigningPubKey": "", "Fee": "10", "NetworkID": uint32(21465),
			"FirstLedgerSequence": seq + 1, "LastLedgerSequence": seq + 5, "EmitDetails": h.EmitDetails()}
	}
	if _, err := h.Emit(good()); err != nil {
		t.Fatalf("a well-formed emission: %v", err)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"other account":    func(m map[string]any) { m["Account"] = (AccountID{5}).String() },
		"sequence":         func(m map[string]any) { m["Sequence"] = uint32(3) },
		"same ledger":      func(m map[string]any) { m["FirstLedgerSequence"] = h.c.e.openSeq },
		"too late":         func(m map[string]any) { m["LastLedgerSequence"] = h.c.e.openSeq + 6 },
		"generation":       func(m map[string]any) { setDetail(m, "EmitGeneration", uint32(2)) },
		"burden":           func(m map[string]any) { setDetail(m, "EmitBurden", "2") },
		"parent":           func(m map[string]any) { setDetail(m, "EmitParentTxnID", (Hash{8}).String()) },
		"made-up nonce":    func(m map[string]any) { setDetail(m, "EmitNonce", (Hash{1}).String()) },
		"other hook":       func(m map[string]any) { setDetail(m, "EmitHookHash", (Hash{1}).String()) },
		"signed":           func(m map[string]any) { m["TxnSignature"] = "00" },
		"foreign callback": func(m map[string]any) { setDetail(m, "EmitCallback", (AccountID{5}).String()) },
	} {
		m := good()
		mutate(m)
		if _, err := h.Emit(m); !errors.Is(err, ErrEmission) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func setDetail(m map[string]any, k string, v any) {
	d := maps.Clone(m["EmitDetails"].(map[string]any))
	d[k] = v
	m["EmitDetails"] = d
}

// An emission that cannot apply before its LastLedgerSequence is dropped.
func TestEmitExpires(t *testing.T) {
	e, c, h := emitCall(t)
	h.account = AccountID{4} // a hook account that does not exist: terNO_ACCOUNT, never applied
	id, err := h.Emit(map[string]any{"TransactionType": "Payment", "Destination": (AccountID{1}).String(), "Amount": "1"})
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.commitLocked(c.v)
	e.mu.Unlock()
	for i := range 7 {
		e.Close(time.Unix(1_700_000_100+int64(i), 0))
	}
	if e.Tx(id) != nil || e.EmissionsPending() {
		t.Fatal("an unpayable emission applied or stayed queued past its LastLedgerSequence")
	}
}
