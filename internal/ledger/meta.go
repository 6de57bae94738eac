package ledger

import (
	"maps"
	"reflect"
)

// threaded are the entry types that carry PreviousTxnID/PreviousTxnLgrSeq.
var threaded = map[string]bool{
	"AccountRoot": true, "RippleState": true, "URIToken": true, "NFTokenPage": true, "NFTokenOffer": true,
	"Offer": true, "Escrow": true, "Check": true, "PayChannel": true,
	"SignerList": true,
}

// uint64Fields are UInt64 fields, written as hex strings, whose default is "0".
var uint64Fields = map[string]bool{
	"OwnerNode": true, "LowNode": true, "HighNode": true, "IndexNext": true, "IndexPrevious": true,
	"BookNode": true, "NFTokenOfferNode": true, "DestinationNode": true,
}

func isDefault(k string, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case uint32:
		return x == 0
	case string:
		return x == "" || (uint64Fields[k] && x == "0")
	case []any:
		return len(x) == 0
	}
	return false
}

// buildMeta threads the changed entries to the transaction and returns the
// metadata and the affected accounts.
func (e *Engine) buildMeta(v *view, c *applyCtx, result string, index uint32) (map[string]any, []AccountID) {
	accts := map[AccountID]struct{}{c.acct: {}}
	addAcct := func(s string) {
		if a, ok := ParseAccount(s); ok {
			accts[a] = struct{}{}
		}
	}
	addAcct(str(c.tx, "Destination"))
	nodes := make([]any, 0, len(v.order))
	for _, k := range sortedKeys(v.changes) {
		after := v.changes[k]
		before := e.open.get(k)
		if before == nil && after == nil {
			continue
		}
		typ := ""
		if after != nil {
			typ = str(after, "LedgerEntryType")
		} else {
			typ = str(before, "LedgerEntryType")
		}
		for _, ent := range []Entry{before, after} {
			if ent == nil {
				continue
			}
			for _, f := range []string{"Account", "Owner", "Issuer", "Destination"} {
				addAcct(str(ent, f))
			}
			for _, f := range []string{"HighLimit", "LowLimit"} {
				if m, ok := ent[f].(map[string]any); ok {
					addAcct(str(m, "issuer"))
				}
			}
		}
		switch {
		case before == nil:
			if threaded[typ] {
				after["PreviousTxnID"] = c.hash.String()
				after["PreviousTxnLgrSeq"] = e.openSeq
			}
			nf := map[string]any{}
			for f, x := range after {
				if f == "LedgerEntryType" || f == "PreviousTxnID" || f == "PreviousTxnLgrSeq" || isDefault(f, x) {
					continue
				}
				nf[f] = x
			}
			nodes = append(nodes, map[string]any{"CreatedNode": map[string]any{
				"LedgerEntryType": typ, "LedgerIndex": k.String(), "NewFields": nf}})
		case after == nil:
			ff := maps.Clone(before)
			delete(ff, "LedgerEntryType")
			nodes = append(nodes, map[string]any{"DeletedNode": map[string]any{
				"LedgerEntryType": typ, "LedgerIndex": k.String(), "FinalFields": ff}})
		default:
			if reflect.DeepEqual(before, after) {
				continue
			}
			node := map[string]any{"LedgerEntryType": typ, "LedgerIndex": k.String()}
			if threaded[typ] {
				if p, ok := before["PreviousTxnID"]; ok {
					node["PreviousTxnID"] = p
					node["PreviousTxnLgrSeq"] = before["PreviousTxnLgrSeq"]
				}
				after["PreviousTxnID"] = c.hash.String()
				after["PreviousTxnLgrSeq"] = e.openSeq
			}
			ff := map[string]any{}
			for f, x := range after {
				if f == "LedgerEntryType" || f == "PreviousTxnID" || f == "PreviousTxnLgrSeq" {
					continue
				}
				ff[f] = x
			}
			pf := map[string]any{}
			for f, x := range before {
				if f == "LedgerEntryType" || f == "PreviousTxnID" || f == "PreviousTxnLgrSeq" {
					continue
				}
				if !reflect.DeepEqual(x, after[f]) {
					pf[f] = x
				}
			}
			node["FinalFields"] = ff
			if len(pf) > 0 {
				node["PreviousFields"] = pf
			}
			nodes = append(nodes, map[string]any{"ModifiedNode": node})
		}
	}
	meta := map[string]any{
		"AffectedNodes":     nodes,
		"TransactionIndex":  index,
		"TransactionResult": result,
	}
	if c.delivered != nil && result == "tesSUCCESS" {
		d := c.delivered.json()
		meta["delivered_amount"] = d
		if u32(c.tx, "Flags")&tfPartialPayment != 0 {
			meta["DeliveredAmount"] = d
		}
	}
	if len(c.hookExecs) > 0 {
		meta["HookExecutions"] = c.hookExecs
	}
	if len(c.hookEmits) > 0 {
		meta["HookEmissions"] = c.hookEmits
	}
	out := make([]AccountID, 0, len(accts))
	for a := range accts {
		out = append(out, a)
	}
	return meta, out
}
