package localnet

import "github.com/evernode-go/sdk/internal/ledger"

// signerLists answers account_info's signer_lists: an array holding the
// account's SignerList, if any, inside account_data for API version 1 and
// beside it from version 2, as rippled and xahaud place it.
func signerLists(r ledger.Reader, a ledger.AccountID, res map[string]any, api int) {
	lists := []any{}
	k := ledger.SignerListKey(a)
	if sl := r.Get(k); sl != nil {
		lists = append(lists, withIndex(sl, k))
	}
	if api <= 1 {
		res["account_data"].(map[string]any)["signer_lists"] = lists
		return
	}
	res["signer_lists"] = lists
}
