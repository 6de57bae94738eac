package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/internal/ledger"
)

// sendQueue is how many messages a connection may have waiting; a client
// that falls further behind is disconnected, as rippled does.
const sendQueue = 4096

// maxMessage bounds a request's size.
const maxMessage = 4 << 20

// conn is one websocket client.
type conn struct {
	n    *Net
	ws   *websocket.Conn
	out  chan []byte
	done chan struct{}
	once sync.Once

	mu       sync.Mutex // guards the subscription fields
	ledgerS  bool
	txS      bool
	propS    bool
	accounts map[ledger.AccountID]bool
	accProp  map[ledger.AccountID]bool
	apiV     int // api_version of the last subscribe
}

// hub tracks connections.
type hub struct {
	n      *Net
	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newHub(n *Net) *hub { return &hub{n: n, conns: map[*conn]struct{}{}} }

func (h *hub) add(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[c]; ok {
		delete(h.conns, c)
		h.wg.Done()
	}
}

func (h *hub) snapshot() []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

// dropAll closes every connection without a close handshake.
func (h *hub) dropAll() {
	for _, c := range h.snapshot() {
		c.kill()
	}
}

// closeAll drops every connection and refuses new ones.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.dropAll()
}

func (h *hub) wait() { h.wg.Wait() }

// kill ends the connection abruptly.
func (c *conn) kill() {
	c.once.Do(func() {
		close(c.done)
		c.ws.CloseNow()
	})
}

// send queues a message; a full queue disconnects the client.
func (c *conn) send(v any) {
	b, err := marshalJSON(v)
	if err != nil {
		c.n.log.Debug("localnet: marshal", "err", err)
		return
	}
	select {
	case c.out <- b:
	case <-c.done:
	default:
		c.n.log.Debug("localnet: slow client dropped")
		c.kill()
	}
}

func (n *Net) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		n.serveJSONRPC(w, r)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(maxMessage)
	c := &conn{n: n, ws: ws, out: make(chan []byte, sendQueue), done: make(chan struct{}),
		accounts: map[ledger.AccountID]bool{}, accProp: map[ledger.AccountID]bool{}}
	if !n.subs.add(c) {
		ws.CloseNow()
		return
	}
	defer n.subs.remove(c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.writeLoop(ctx)
	}()
	c.readLoop(ctx)
	c.kill()
	cancel()
	wg.Wait()
}

func (c *conn) writeLoop(ctx context.Context) {
	for {
		select {
		case <-c.done:
			return
		case b := <-c.out:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.kill()
				return
			}
		}
	}
}

func (c *conn) readLoop(ctx context.Context) {
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		c.send(c.n.handle(c, b))
	}
}

// handle answers one websocket message. Whatever the bytes, it returns an
// answer in rippled's shape: badSyntax for what is not a JSON object,
// internal for a request that makes a handler fail.
func (n *Net) handle(c *conn, b []byte) map[string]any {
	var req map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil || req == nil {
		return map[string]any{"error": "badSyntax", "error_code": 1, "error_message": "Syntax error.",
			"status": "error", "type": "response"}
	}
	return n.dispatch(c, req)
}

// dispatch runs one request and builds the websocket response envelope.
func (n *Net) dispatch(c *conn, req map[string]any) map[string]any {
	method, _ := req["command"].(string)
	if method == "" {
		method, _ = req["method"].(string)
	}
	id, hasID := req["id"]
	resp := map[string]any{"type": "response"}
	if hasID {
		resp["id"] = id
	}
	api := apiVersion(req)
	if v, ok := req["api_version"]; ok {
		resp["api_version"] = v
	}
	var result map[string]any
	var rerr *rpcError
	if api < 1 || api > 2 {
		rerr = errInvalidAPIVersion
	} else if method == "" {
		rerr = errCommandMissing
	} else {
		result, rerr = n.callSafely(c, method, req, api)
	}
	if rerr != nil {
		resp["status"] = "error"
		resp["error"] = rerr.name
		if rerr.code != 0 {
			resp["error_code"] = rerr.code
		}
		resp["error_message"] = rerr.msg
		resp["request"] = req
		return resp
	}
	resp["status"] = "success"
	resp["result"] = result
	return resp
}

// callSafely is call that turns a handler's panic into rippled's internal
// error: one bad request must never cost the connection its answers.
func (n *Net) callSafely(c *conn, method string, req map[string]any, api int) (result map[string]any, rerr *rpcError) {
	defer func() {
		if r := recover(); r != nil {
			n.log.Debug("localnet: handler panicked", "method", method, "panic", r)
			result, rerr = nil, errInternal
		}
	}()
	return n.call(c, method, req, api)
}

// apiVersion is the request's api_version, 1 when absent.
func apiVersion(req map[string]any) int {
	v, ok := req["api_version"]
	if !ok {
		return 1
	}
	n, ok := intParam(v)
	if !ok {
		return -1
	}
	return int(n)
}

// serveJSONRPC answers rippled's HTTP JSON-RPC form:
// {"method": m, "params": [{…}]} → {"result": {…, "status": …}}.
func (n *Net) serveJSONRPC(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMessage))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var env struct {
		Method string           `json:"method"`
		Params []map[string]any `json:"params"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		http.Error(w, "Unable to parse request", http.StatusBadRequest)
		return
	}
	params := map[string]any{}
	if len(env.Params) > 0 && env.Params[0] != nil {
		params = env.Params[0]
	}
	api := apiVersion(params)
	var result map[string]any
	var rerr *rpcError
	if strings.HasPrefix(env.Method, "subscribe") || strings.HasPrefix(env.Method, "unsubscribe") {
		rerr = errNoPermission
	} else if api < 1 || api > 2 {
		rerr = errInvalidAPIVersion
	} else {
		result, rerr = n.callSafely(nil, env.Method, params, api)
	}
	if rerr != nil {
		result = map[string]any{"error": rerr.name, "error_message": rerr.msg, "request": params}
		if rerr.code != 0 {
			result["error_code"] = rerr.code
		}
		result["status"] = "error"
	} else {
		result["status"] = "success"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"result": result})
}

// ---- streams ----

func (c *conn) wantsTx(rec *ledger.TxRecord, proposed bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if proposed {
		if c.propS {
			return true
		}
		for _, a := range rec.Accounts {
			if c.accProp[a] {
				return true
			}
		}
		return false
	}
	if c.txS || c.propS {
		return true
	}
	for _, a := range rec.Accounts {
		if c.accounts[a] || c.accProp[a] {
			return true
		}
	}
	return false
}

// publishLedger sends ledgerClosed and then the ledger's transactions, in
// rippled's order.
func (h *hub) publishLedger(l *ledger.Ledger) {
	conns := h.snapshot()
	if len(conns) == 0 {
		return
	}
	lc := h.n.ledgerClosedMsg(l)
	for _, c := range conns {
		c.mu.Lock()
		want, api := c.ledgerS, c.apiV
		c.mu.Unlock()
		if want {
			c.send(lc)
		}
		for _, rec := range l.Txs {
			if c.wantsTx(rec, false) {
				c.send(h.n.txStreamMsg(rec, l, api, true))
			}
		}
	}
}

// publishProposed sends a just-applied transaction to
// transactions_proposed and accounts_proposed subscribers. What its hooks
// emitted applies in a later ledger and shows in that ledger's streams.
func (h *hub) publishProposed(res *ledger.Submitted) {
	if res == nil || res.Record == nil {
		return
	}
	for _, c := range h.snapshot() {
		c.mu.Lock()
		api := c.apiV
		c.mu.Unlock()
		if c.wantsTx(res.Record, true) {
			c.send(h.n.txStreamMsg(res.Record, nil, api, false))
		}
	}
}
