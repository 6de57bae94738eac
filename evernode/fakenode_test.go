package evernode

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// fakeNode is a scripted node speaking the websocket JSON-RPC protocol, with
// a tiny ledger model for submission tests. Handlers run under f.mu.
type fakeNode struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]func(req map[string]any) any
	conns    map[*websocket.Conn]context.CancelFunc
	requests []map[string]any

	// ledger model
	validated uint32
	seq       map[string]uint32
	txs       map[string]map[string]any // hash → tx result (v1 shape), once validated
	pending   []fakePending
	script    []string // engine results for the next submissions
	submitted []map[string]any
	baseFee   string
	openFee   string
}

type fakePending struct {
	hash   string
	tx     map[string]any
	result string
	lost   bool
}

// fakeErr makes a handler answer with an RPC error.
type fakeErr struct{ name, message string }

func newFakeNode(t *testing.T) *fakeNode {
	f := &fakeNode{t: t, handlers: map[string]func(map[string]any) any{}, conns: map[*websocket.Conn]context.CancelFunc{},
		validated: 100, seq: map[string]uint32{}, txs: map[string]map[string]any{}, baseFee: "12", openFee: "12"}
	f.handlers["subscribe"] = func(map[string]any) any { return map[string]any{"ledger_index": f.validated} }
	f.handlers["unsubscribe"] = func(map[string]any) any { return map[string]any{} }
	f.handlers["account_info"] = func(req map[string]any) any {
		acct, _ := req["account"].(string)
		s, ok := f.seq[acct]
		if !ok {
			return fakeErr{"actNotFound", "Account not found."}
		}
		return map[string]any{"account_data": map[string]any{"Account": acct, "Sequence": s, "Balance": "1000000"}, "ledger_current_index": f.validated + 1}
	}
	f.handlers["fee"] = func(map[string]any) any {
		return map[string]any{"drops": map[string]any{"base_fee": f.baseFee, "minimum_fee": "10", "open_ledger_fee": f.openFee, "median_fee": "5000"}}
	}
	f.handlers["ledger"] = func(map[string]any) any {
		return map[string]any{"ledger": map[string]any{"ledger_index": strconv.Itoa(int(f.validated)), "ledger_hash": "AB", "closed": true}, "validated": true}
	}
	f.handlers["tx"] = func(req map[string]any) any {
		h, _ := req["transaction"].(string)
		if t, ok := f.txs[h]; ok {
			return t
		}
		return fakeErr{"txnNotFound", "Transaction not found."}
	}
	f.handlers["submit"] = f.submit
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) network() Network {
	n := Mainnet()
	n.URL = "ws" + strings.TrimPrefix(f.srv.URL, "http")
	return n
}

func (f *fakeNode) handle(cmd string, h func(req map[string]any) any) {
	f.mu.Lock()
	f.handlers[cmd] = h
	f.mu.Unlock()
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	f.mu.Lock()
	f.conns[c] = cancel
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		c.CloseNow()
	}()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var req map[string]any
		if json.Unmarshal(data, &req) != nil {
			continue
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		h := f.handlers[req["command"].(string)]
		var res any = fakeErr{"unknownCmd", "Unknown method."}
		if h != nil {
			res = h(req)
		}
		f.mu.Unlock()
		msg := map[string]any{"id": req["id"], "type": "response"}
		if e, ok := res.(fakeErr); ok {
			msg["status"] = "error"
			msg["result"] = map[string]any{"error": e.name, "error_code": 19, "error_message": e.message, "status": "error"}
		} else {
			msg["status"] = "success"
			msg["result"] = res
		}
		b, _ := json.Marshal(msg)
		if c.Write(ctx, websocket.MessageText, b) != nil {
			return
		}
	}
}

// push sends a stream message to every connection.
func (f *fakeNode) push(msg map[string]any) {
	b, _ := json.Marshal(msg)
	f.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.Write(context.Background(), websocket.MessageText, b)
	}
}

// drop closes every connection abruptly.
func (f *fakeNode) drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, cancel := range f.conns {
		cancel()
		c.CloseNow()
	}
}

// count returns how many requests of a command the node has seen.
func (f *fakeNode) count(cmd string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r["command"] == cmd {
			n++
		}
	}
	return n
}

func (f *fakeNode) submit(req map[string]any) any {
	blob, _ := req["tx_blob"].(string)
	b, err := hexDecode(blob)
	if err != nil {
		return fakeErr{"invalidParams", "bad blob"}
	}
	tx, err := Mainnet().defs().Decode(b)
	if err != nil {
		return fakeErr{"invalidTransaction", err.Error()}
	}
	h := TransactionHash(b)
	hash := upper(h[:])
	_, applied := f.txs[hash]
	for _, p := range f.pending {
		applied = applied || p.hash == hash
	}
	if applied { // a rebroadcast: rippled answers tefALREADY
		return map[string]any{"engine_result": "tefALREADY", "engine_result_code": -198, "accepted": false}
	}
	if lls, _ := toUint64(tx["LastLedgerSequence"]); lls != 0 && uint32(lls) <= f.validated {
		return map[string]any{"engine_result": "tefMAX_LEDGER", "engine_result_code": -186, "accepted": false}
	}
	f.submitted = append(f.submitted, tx)
	acct, _ := tx["Account"].(string)
	seq, _ := toUint64(tx["Sequence"])
	result := "tesSUCCESS"
	lost := false
	if len(f.script) > 0 {
		result, f.script = f.script[0], f.script[1:]
	} else if uint32(seq) < f.seq[acct] {
		result = "tefPAST_SEQ"
	}
	if result == "lost" { // accepted but never makes it into a ledger
		result, lost = "tesSUCCESS", true
	}
	if result == "forgotten" { // accepted, then dropped by the node
		return map[string]any{"engine_result": "terPRE_SEQ", "engine_result_code": -92, "accepted": true}
	}
	if result == "tesSUCCESS" || strings.HasPrefix(result, "tec") || result == "terQUEUED" {
		final := result
		if final == "terQUEUED" {
			final = "tesSUCCESS"
		}
		f.pending = append(f.pending, fakePending{hash: hash, tx: tx, result: final, lost: lost})
	}
	return map[string]any{"engine_result": result, "engine_result_code": 0, "engine_result_message": "scripted", "accepted": true, "applied": result == "tesSUCCESS"}
}

// close validates a ledger with the pending transactions and announces it.
func (f *fakeNode) close() {
	f.mu.Lock()
	f.validated++
	idx := f.validated
	var keep []fakePending
	n := 0
	for _, p := range f.pending {
		lls, _ := toUint64(p.tx["LastLedgerSequence"])
		if p.lost {
			if uint32(lls) >= idx {
				keep = append(keep, p)
			}
			continue
		}
		acct, _ := p.tx["Account"].(string)
		seq, _ := toUint64(p.tx["Sequence"])
		f.seq[acct] = uint32(seq) + 1
		res := map[string]any{}
		for k, v := range p.tx {
			res[k] = v
		}
		res["hash"], res["ledger_index"], res["validated"] = p.hash, idx, true
		res["meta"] = map[string]any{"TransactionResult": p.result, "TransactionIndex": n}
		f.txs[p.hash] = res
		n++
	}
	f.pending = keep
	f.mu.Unlock()
	f.push(map[string]any{"type": "ledgerClosed", "ledger_index": idx, "ledger_hash": "CD", "ledger_time": 1000 + idx, "txn_count": n})
}

func hexDecode(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		b[i] = byte(v)
	}
	return b, nil
}
