package localnet

import "github.com/evernode-go/sdk/internal/ledger"

// Entry returns the JSON of the ledger object at index (64 hex digits) as
// the transaction sees it, or nil: what a Xahau hook reads with slot_set on
// a keylet (the Evernode hooks check a URIToken's owner this way).
func (h *HookContext) Entry(index string) map[string]any {
	k, ok := ledger.ParseHash(index)
	if !ok {
		return nil
	}
	return h.c.Entry(k)
}
