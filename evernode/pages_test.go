package evernode

import (
	"errors"
	"fmt"
	"testing"
)

// pagedTx serves account_tx in pages of 3 transactions, 4 pages, and
// counts the requests.
func pagedTx(f *fakeNode, requests *int, failPage int) {
	f.handle("account_tx", func(req map[string]any) any {
		*requests++
		page := 0
		if m, ok := req["marker"].(map[string]any); ok {
			fmt.Sscanf(fmt.Sprint(m["page"]), "%d", &page)
		}
		if page == failPage {
			return fakeErr{"lgrNotFound", "ledgerNotFound"}
		}
		var txs []any
		for i := range 3 {
			txs = append(txs, map[string]any{"tx": map[string]any{"Account": "rA", "TransactionType": "Payment",
				"hash": fmt.Sprintf("%064X", page*3+i), "ledger_index": 7}, "meta": map[string]any{"TransactionResult": "tesSUCCESS"}, "validated": true})
		}
		res := map[string]any{"transactions": txs}
		if page < 3 {
			res["marker"] = map[string]any{"ledger": 7, "page": page + 1}
		}
		return res
	})
}

// Pages arrive in order while the next one is already asked for; a
// structured marker is passed back as it came.
func TestPagesInOrder(t *testing.T) {
	f := newFakeNode(t)
	var requests int
	pagedTx(f, &requests, -1)
	c := dialFake(t, f, nil)
	all, err := c.AccountTx(testCtx(t), "rA", nil)
	if err != nil || len(all) != 12 {
		t.Fatalf("AccountTx = %d, %v", len(all), err)
	}
	for i, tx := range all {
		if tx.Hash != fmt.Sprintf("%064X", i) {
			t.Fatalf("transaction %d is %s", i, tx.Hash)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if requests != 4 {
		t.Fatalf("%d requests for 4 pages", requests)
	}
}

// A page function that stops early (Limit) ends the paging: at most the one
// page asked for ahead is requested in vain.
func TestPagesStopEarly(t *testing.T) {
	f := newFakeNode(t)
	var requests int
	pagedTx(f, &requests, -1)
	c := dialFake(t, f, nil)
	all, err := c.AccountTx(testCtx(t), "rA", &AccountTxOptions{Limit: 4})
	if err != nil || len(all) != 4 {
		t.Fatalf("AccountTx = %d, %v", len(all), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if requests > 3 {
		t.Fatalf("%d requests for 2 pages", requests)
	}
}

// An error on a later page is the call's error.
func TestPagesError(t *testing.T) {
	f := newFakeNode(t)
	var requests int
	pagedTx(f, &requests, 2)
	c := dialFake(t, f, nil)
	_, err := c.AccountTx(testCtx(t), "rA", nil)
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Name != "lgrNotFound" {
		t.Fatalf("AccountTx error %v", err)
	}
}
