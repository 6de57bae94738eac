package evernode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Client errors.
var (
	// ErrClosed is returned by calls on a closed Client.
	ErrClosed = errors.New("evernode: client closed")
	// ErrDisconnected is returned for a request whose connection dropped
	// before the answer came. The request may or may not have been
	// processed; submissions are resolved by hash, never blindly resent.
	ErrDisconnected = errors.New("evernode: disconnected")
	// ErrNotFound is matched (errors.Is) by RPC errors meaning that an
	// account, entry, transaction or ledger does not exist.
	ErrNotFound = errors.New("evernode: not found")
	// ErrHistoryMissing is returned by AccountTx when the node no longer
	// has some of the ledgers asked for (it would answer for fewer).
	ErrHistoryMissing = errors.New("evernode: the node lacks the history asked for")
)

// RPCError is an error answer from a node.
type RPCError struct {
	Method  string
	Name    string // e.g. "actNotFound"
	Code    int    // error_code
	Message string // error_message
}

func (e *RPCError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("evernode: %s: %s: %s", e.Method, e.Name, e.Message)
	}
	return fmt.Sprintf("evernode: %s: %s", e.Method, e.Name)
}

// Is makes errors.Is(err, ErrNotFound) true for the not-found answers.
func (e *RPCError) Is(target error) bool {
	if target != ErrNotFound {
		return false
	}
	switch e.Name {
	case "actNotFound", "entryNotFound", "txnNotFound", "lgrNotFound", "objectNotFound":
		return true
	}
	return false
}

// ClientOptions configures Dial. The zero value works.
type ClientOptions struct {
	// APIVersion is sent with every request. Zero means 1: Xahau nodes
	// long accepted only version 1, and its shapes are what
	// evernode-js-client reads. Results of both versions are understood.
	APIVersion int
	// MaxFee is the most autofill will pay for one transaction, in drops.
	// Zero means 2,000,000 (2 XAH/XRP). A higher fee is an error, never
	// silently capped.
	MaxFee uint64
	// LedgerOffset sets LastLedgerSequence to the current ledger plus this.
	// Zero means 10, as evernode-js-client.
	LedgerOffset uint32
	// SubmitAttempts bounds how many blobs one SubmitAndWait signs: it
	// re-signs only once every earlier blob is proven unable to apply
	// (expired, fee too low, sequence taken). Zero means 3.
	SubmitAttempts int
	// ReconnectMin and ReconnectMax bound the backoff between reconnection
	// attempts. Zero means 100 ms and 5 s.
	ReconnectMin, ReconnectMax time.Duration
	// ReadLimit is the largest message accepted from the node. Zero means
	// 64 MiB.
	ReadLimit int64
	// Logger receives connection events. Nil means silent.
	Logger *slog.Logger
}

func (o *ClientOptions) withDefaults() ClientOptions {
	var r ClientOptions
	if o != nil {
		r = *o
	}
	if r.APIVersion == 0 {
		r.APIVersion = 1
	}
	if r.MaxFee == 0 {
		r.MaxFee = 2_000_000
	}
	if r.LedgerOffset == 0 {
		r.LedgerOffset = 10
	}
	if r.SubmitAttempts == 0 {
		r.SubmitAttempts = 3
	}
	if r.ReconnectMin == 0 {
		r.ReconnectMin = 100 * time.Millisecond
	}
	if r.ReconnectMax == 0 {
		r.ReconnectMax = 5 * time.Second
	}
	if r.ReadLimit == 0 {
		r.ReadLimit = 64 << 20
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// Client is a connection to one node of a network. It reconnects on its own
// with backoff, resubscribes its streams, and fills the gaps of its
// transaction subscriptions. All methods are safe for concurrent use. Close
// releases it.
type Client struct {
	net  Network
	opts ClientOptions

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the connection loop exits

	nextID atomic.Uint64

	mu        sync.Mutex
	conn      *websocket.Conn        // nil while disconnected
	up        chan struct{}          // closed while connected
	gen       uint64                 // connection generation
	pending   map[uint64]chan result // by request id
	accounts  map[string]int         // subscribed accounts, reference counted
	txSubs    map[*TxSubscription]struct{}
	ledgers   map[*LedgerSubscription]struct{}
	validated uint32        // last validated ledger index seen
	ledgerCh  chan struct{} // closed and replaced at every new validated ledger

	seqMu    sync.Mutex
	nextSeq  map[string]uint32 // next sequence per account, for concurrent submits
	seqHolds map[string]int    // SubmitAndWait calls holding each account's nextSeq
}

// result is a response handed from the reader to the request waiting for
// it.
type result struct {
	env envelope
	err error
}

// envelope is the top level of a message from the node, read with the
// structural scanner: the result stays raw until the caller decodes it
// into its own type.
type envelope struct {
	Type   string
	ID     uint64
	Status string
	// Error, ErrorCode and ErrorMessage are the top-level error fields.
	Error        string
	ErrorCode    uint64
	ErrorMessage string
	Result       []byte // raw; nil when absent
}

// parseEnvelope reads a message's top level. ok is false when the message
// is not a JSON object the scanner can walk; the caller then falls back to
// encoding/json.
func parseEnvelope(data []byte) (env envelope, ok bool) {
	ok = jsonObjectEach(data, func(key, val []byte) bool {
		switch string(key) {
		case "type":
			env.Type, _ = jsonString(val)
		case "id":
			env.ID, _ = jsonUint(val)
		case "status":
			env.Status, _ = jsonString(val)
		case "error":
			env.Error, _ = jsonString(val)
		case "error_code":
			env.ErrorCode, _ = jsonUint(val)
		case "error_message":
			env.ErrorMessage, _ = jsonString(val)
		case "result":
			env.Result = val
		}
		return true
	})
	return env, ok
}

// envelopeOf is parseEnvelope with encoding/json as the fallback, reading
// the same fields the same way.
func envelopeOf(data []byte) (envelope, error) {
	if env, ok := parseEnvelope(data); ok {
		return env, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return envelope{}, err
	}
	var env envelope
	env.Type, _ = jsonString(m["type"])
	env.ID, _ = jsonUint(m["id"])
	env.Status, _ = jsonString(m["status"])
	env.Error, _ = jsonString(m["error"])
	env.ErrorCode, _ = jsonUint(m["error_code"])
	env.ErrorMessage, _ = jsonString(m["error_message"])
	if r, ok := m["result"]; ok {
		env.Result = r
	}
	return env, nil
}

// Dial connects to the node at n.URL and returns once the connection is up
// and the ledger stream is subscribed, or with the first dial error.
func Dial(ctx context.Context, n Network, opts *ClientOptions) (*Client, error) {
	if n.URL == "" {
		return nil, errors.New("evernode: network has no URL")
	}
	o := opts.withDefaults()
	cctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		net: n, opts: o, ctx: cctx, cancel: cancel, done: make(chan struct{}),
		up: make(chan struct{}), pending: map[uint64]chan result{}, accounts: map[string]int{},
		txSubs: map[*TxSubscription]struct{}{}, ledgers: map[*LedgerSubscription]struct{}{},
		ledgerCh: make(chan struct{}), nextSeq: map[string]uint32{}, seqHolds: map[string]int{},
	}
	conn, err := c.dial(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	go c.loop(conn)
	if err := c.waitUp(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Network returns the network the client was dialled for.
func (c *Client) Network() Network { return c.net }

// Close closes the connection and ends every subscription. It waits for the
// client's goroutines to exit.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	conn, _, err := websocket.Dial(ctx, c.net.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("evernode: dial %s: %w", c.net.URL, err)
	}
	conn.SetReadLimit(c.opts.ReadLimit)
	return conn, nil
}

// loop owns the connection: it reads until the connection fails, then
// redials with backoff, until Close.
func (c *Client) loop(conn *websocket.Conn) {
	defer close(c.done)
	backoff := c.opts.ReconnectMin
	for {
		if conn != nil {
			backoff = c.opts.ReconnectMin
			c.serve(conn)
		}
		if c.ctx.Err() != nil {
			return
		}
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, c.opts.ReconnectMax)
		var err error
		conn, err = c.dial(c.ctx)
		if err != nil {
			c.opts.Logger.Debug("evernode: reconnect failed", "url", c.net.URL, "err", err)
			conn = nil
		}
	}
}

// serve runs one connection: it starts the reader, restores the
// subscriptions, marks the client up and waits for the connection to fail.
func (c *Client) serve(conn *websocket.Conn) {
	// connCtx ends when the reader does, so that a restore on a connection
	// that died is noticed at once, not after a timeout.
	connCtx, connDead := context.WithCancel(c.ctx)
	defer connDead()
	readerDone := make(chan error, 1)
	go func() {
		err := c.read(conn)
		connDead()
		readerDone <- err
	}()

	c.mu.Lock()
	c.conn = conn
	c.gen++
	gen := c.gen
	c.mu.Unlock()
	c.holdLive(gen)

	err := c.restore(connCtx, conn)
	if err == nil {
		c.mu.Lock()
		close(c.up)
		c.mu.Unlock()
		c.opts.Logger.Debug("evernode: connected", "url", c.net.URL)
		c.notifyReconnect(gen)
		select {
		case err = <-readerDone:
		case <-c.ctx.Done():
			err = ErrClosed
		}
	}
	conn.Close(websocket.StatusNormalClosure, "")
	connDead()
	if err != nil && c.ctx.Err() == nil {
		c.opts.Logger.Debug("evernode: connection lost", "url", c.net.URL, "err", err)
	}

	c.mu.Lock()
	c.conn = nil
	select {
	case <-c.up:
		c.up = make(chan struct{})
	default:
	}
	fail := ErrDisconnected
	if c.ctx.Err() != nil {
		fail = ErrClosed
	}
	for id, ch := range c.pending {
		ch <- result{err: fail}
		delete(c.pending, id)
	}
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		c.closeSubscriptions()
	}
}

// restore subscribes the ledger stream and every subscribed account on a
// fresh connection.
func (c *Client) restore(connCtx context.Context, conn *websocket.Conn) error {
	ctx, cancel := context.WithTimeout(connCtx, 30*time.Second)
	defer cancel()
	c.mu.Lock()
	accounts := make([]string, 0, len(c.accounts))
	for a := range c.accounts {
		accounts = append(accounts, a)
	}
	c.mu.Unlock()
	req := map[string]any{"streams": []string{"ledger"}}
	if len(accounts) > 0 {
		req["accounts"] = accounts
	}
	var res struct {
		LedgerIndex uint32 `json:"ledger_index"`
	}
	if err := c.callOn(ctx, conn, "subscribe", req, &res); err != nil {
		return err
	}
	c.setValidated(res.LedgerIndex)
	return nil
}

// waitUp waits until the client is connected.
func (c *Client) waitUp(ctx context.Context) error {
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrClosed
	}
}

// read dispatches every message of one connection until it fails.
func (c *Client) read(conn *websocket.Conn) error {
	for {
		_, data, err := conn.Read(c.ctx)
		if err != nil {
			return err
		}
		env, err := envelopeOf(data)
		if err != nil {
			c.opts.Logger.Debug("evernode: undecodable message", "err", err)
			continue
		}
		switch env.Type {
		case "response":
			c.mu.Lock()
			ch, ok := c.pending[env.ID]
			delete(c.pending, env.ID)
			c.mu.Unlock()
			if ok {
				ch <- result{env: env}
			}
		case "ledgerClosed", "transaction":
			// Stream messages are small and read as maps by their handlers.
			var msg map[string]any
			if err := unmarshalNumbers(data, &msg); err != nil {
				c.opts.Logger.Debug("evernode: undecodable message", "err", err)
				continue
			}
			if env.Type == "ledgerClosed" {
				c.onLedger(msg)
			} else {
				c.onTransaction(msg)
			}
		}
	}
}

// writeTimeout bounds the write of one request on the shared connection.
const writeTimeout = 30 * time.Second

// call sends a request on the current connection and waits for its answer.
func (c *Client) call(ctx context.Context, method string, params map[string]any, out any) error {
	for {
		if err := c.waitUp(ctx); err != nil {
			return err
		}
		c.mu.Lock()
		conn := c.conn
		c.mu.Unlock()
		if conn == nil {
			continue
		}
		return c.callOn(ctx, conn, method, params, out)
	}
}

func (c *Client) callOn(ctx context.Context, conn *websocket.Conn, method string, params map[string]any, out any) error {
	id := c.nextID.Add(1)
	req := make(map[string]any, len(params)+3)
	for k, v := range params {
		req[k] = v
	}
	req["id"], req["command"], req["api_version"] = id, method, c.opts.APIVersion
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("evernode: %s: %w", method, err)
	}
	ch := make(chan result, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	// The write does not take the caller's ctx: coder/websocket closes the
	// connection when a write's context ends, and this connection carries
	// every caller's requests and every subscription. A request is written
	// whole once started; a connection that cannot take it within
	// writeTimeout is dead and is dropped, as a failed read drops it.
	if err := ctx.Err(); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	err = conn.Write(wctx, websocket.MessageText, b)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v", ErrDisconnected, method, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("%w: %s", r.err, method)
		}
		return decodeResponse(method, r.env, out)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// decodeResponse turns a response into out or an *RPCError. Errors come at
// the top level (API v2, and v1 from some servers) or inside result. A
// *json.RawMessage out receives the raw result without decoding; other
// types are decoded with UseNumber, so that ledger numbers (UInt64 drops,
// indexes) stay exact in maps.
func decodeResponse(method string, env envelope, out any) error {
	name, code, msg := env.Error, env.ErrorCode, env.ErrorMessage
	if name == "" && env.Result != nil {
		// An error inside result; a result that is not an object has none.
		jsonObjectEach(env.Result, func(key, val []byte) bool {
			switch string(key) {
			case "error":
				name, _ = jsonString(val)
			case "error_code":
				code, _ = jsonUint(val)
			case "error_message":
				msg, _ = jsonString(val)
			}
			return true
		})
	}
	if name != "" {
		return &RPCError{Method: method, Name: name, Code: int(code), Message: msg}
	}
	if out == nil {
		return nil
	}
	res := env.Result
	if res == nil {
		res = []byte("null") // out keeps its zero value
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = res
		return nil
	}
	if err := unmarshalNumbers(res, out); err != nil {
		return fmt.Errorf("evernode: %s: unexpected result: %w", method, err)
	}
	return nil
}

// Request sends any command with its parameters and decodes the result into
// out (which may be nil). It is the escape hatch for commands without a
// typed method.
func (c *Client) Request(ctx context.Context, method string, params map[string]any, out any) error {
	return c.call(ctx, method, params, out)
}

// setValidated records a newer validated ledger and wakes its waiters.
func (c *Client) setValidated(idx uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if idx <= c.validated {
		return
	}
	c.validated = idx
	close(c.ledgerCh)
	c.ledgerCh = make(chan struct{})
}

// ValidatedLedger returns the newest validated ledger index the client has
// seen on its ledger stream.
func (c *Client) ValidatedLedger() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.validated
}

// WaitLedger waits until a validated ledger with an index of at least idx
// has been seen.
func (c *Client) WaitLedger(ctx context.Context, idx uint32) error {
	for {
		c.mu.Lock()
		v, ch := c.validated, c.ledgerCh
		c.mu.Unlock()
		if v >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ctx.Done():
			return ErrClosed
		}
	}
}
