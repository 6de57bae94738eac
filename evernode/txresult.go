package evernode

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/memo"
)

// TxResult is a transaction as the node reports it, in the same form
// whichever API version or command (tx, account_tx, ledger, the
// transaction stream) it came from.
type TxResult struct {
	// Hash is the transaction hash, uppercase hex.
	Hash string
	// LedgerIndex is the ledger that holds it; zero while pending.
	LedgerIndex uint32
	// Validated is true once that ledger is validated: only then is the
	// result final.
	Validated bool
	// Tx is the transaction's JSON form (tx_json). Numbers are json.Number.
	Tx map[string]any
	// Meta is the transaction metadata (AffectedNodes, TransactionResult,
	// delivered_amount, …); nil while pending.
	Meta map[string]any
}

// Result returns the engine result from the metadata (e.g. "tesSUCCESS").
func (r TxResult) Result() string {
	s, _ := r.Meta["TransactionResult"].(string)
	return s
}

// Succeeded reports whether the transaction is validated with tesSUCCESS.
func (r TxResult) Succeeded() bool { return r.Validated && r.Result() == "tesSUCCESS" }

// Index returns the transaction's position in its ledger.
func (r TxResult) Index() uint32 {
	n, _ := toUint64(r.Meta["TransactionIndex"])
	return uint32(n)
}

// Type returns the TransactionType.
func (r TxResult) Type() string { return r.String("TransactionType") }

// String returns a string field of the transaction ("" when absent).
func (r TxResult) String(field string) string {
	s, _ := r.Tx[field].(string)
	return s
}

// Uint returns an integer field of the transaction.
func (r TxResult) Uint(field string) (uint64, bool) { return toUint64(r.Tx[field]) }

// Amount returns an amount field of the transaction.
func (r TxResult) Amount(field string) (Amount, error) { return AmountFromJSON(r.Tx[field]) }

// DeliveredAmount returns what a payment really delivered, from the
// metadata. A partial payment may deliver less than its Amount; only this
// counts.
func (r TxResult) DeliveredAmount() (Amount, error) {
	v, ok := r.Meta["delivered_amount"]
	if !ok {
		v = r.Meta["DeliveredAmount"]
	}
	if v == nil || v == "unavailable" {
		return Amount{}, errors.New("evernode: no delivered amount in metadata")
	}
	return AmountFromJSON(v)
}

// Memos returns the transaction's memos; malformed ones are skipped.
func (r TxResult) Memos() []memo.Memo {
	var out []memo.Memo
	for _, inner := range innerObjects(r.Tx["Memos"], "Memo") {
		var w memo.Wire
		w.MemoType, _ = inner["MemoType"].(string)
		w.MemoFormat, _ = inner["MemoFormat"].(string)
		w.MemoData, _ = inner["MemoData"].(string)
		if m, err := memo.ParseWire(w); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// HookParameters returns the transaction's hook parameters; malformed ones
// are skipped.
func (r TxResult) HookParameters() []memo.Param {
	var out []memo.Param
	for _, inner := range innerObjects(r.Tx["HookParameters"], "HookParameter") {
		var w memo.ParamWire
		w.HookParameterName, _ = inner["HookParameterName"].(string)
		w.HookParameterValue, _ = inner["HookParameterValue"].(string)
		if p, err := memo.ParseParamWire(w); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// EvernodeParams reads the Evernode event type and data from the hook
// parameters; ok is false when the transaction is not an Evernode event.
func (r TxResult) EvernodeParams() (p memo.Params, ok bool, err error) {
	return memo.ParseParams(r.HookParameters())
}

// innerObjects returns the objects wrapped in an STArray's members
// ([{"Memo": {...}}, …]).
func innerObjects(v any, name string) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, item := range list {
		m, _ := item.(map[string]any)
		if inner, ok := m[name].(map[string]any); ok {
			out = append(out, inner)
		}
	}
	return out
}

// parseTx normalises the shapes of API v1 (flat fields, or under
// "transaction"/"tx") and v2 (under "tx_json").
func parseTx(raw map[string]any) TxResult {
	var r TxResult
	tx, _ := raw["tx_json"].(map[string]any)
	if tx == nil {
		tx, _ = raw["transaction"].(map[string]any)
	}
	if tx == nil {
		tx, _ = raw["tx"].(map[string]any)
	}
	if tx == nil {
		tx = raw
	}
	r.Tx = make(map[string]any, len(tx))
	for k, v := range tx {
		// Transaction fields start with a capital letter; the rest
		// (hash, ledger_index, date, inLedger, ctid, meta, …) is the
		// node's commentary.
		if k != "" && k[0] >= 'A' && k[0] <= 'Z' {
			r.Tx[k] = v
		}
	}
	r.Hash = firstString(raw["hash"], tx["hash"])
	li, ok := toUint64(raw["ledger_index"])
	if !ok {
		li, _ = toUint64(tx["ledger_index"])
	}
	r.LedgerIndex = uint32(li)
	r.Validated, _ = raw["validated"].(bool)
	r.Meta, _ = raw["meta"].(map[string]any)
	if r.Meta == nil {
		r.Meta, _ = raw["metaData"].(map[string]any)
	}
	r.Hash = strings.ToUpper(r.Hash)
	return r
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// toUint64 reads a JSON number in any of the forms it may take here.
func toUint64(v any) (uint64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseUint(x.String(), 10, 64)
		return n, err == nil
	case float64:
		if x < 0 || x != float64(uint64(x)) {
			return 0, false
		}
		return uint64(x), true
	case uint64:
		return x, true
	case uint32:
		return uint64(x), true
	case int:
		return uint64(x), x >= 0
	case string:
		n, err := strconv.ParseUint(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
