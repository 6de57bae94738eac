package contract

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Defaults of DialOptions and InputOptions.
const (
	DefaultHandshakeTimeout = 5 * time.Second // hotpocket-js-client connectionTimeoutMs
	DefaultMaxReceiveBytes  = 64 << 20
	DefaultQueueSize        = 1024
	DefaultThreshold        = 0.8 // hotpocket-js-client outputValidationPassThreshold
	DefaultMaxLedgerOffset  = 10  // hotpocket-js-client default max ledger offset
	supportedHPVersion      = "0.6."
	serverChallengeBytes    = 16
)

// DialOptions configures Dial; a nil *DialOptions uses the defaults.
type DialOptions struct {
	// Protocol is the message encoding after the handshake; default ProtocolBSON.
	Protocol Protocol
	// ServerKey is the node public key ("ed" hex) the caller expects, e.g. memo.Instance.Pubkey
	// from the acquire answer. When set, a node that authenticates with another key is
	// refused with a *KeyMismatchError. Default "": any node that proves its key.
	ServerKey string
	// TrustedKeys is the UNL contract outputs are verified against. Default nil: the UNL
	// the node reports in the handshake, updated by unl_change messages. That UNL is not
	// signed, so set ServerKey (or TrustedKeys) when the node itself is not trusted.
	TrustedKeys []string
	// ContractID and ContractVersion, when set, must match the node's; default "": any.
	ContractID, ContractVersion string
	// Threshold is the share of the UNL whose signatures a contract output needs; default
	// 0.8 (hotpocket-js-client).
	Threshold float64
	// SkipOutputVerification delivers contract outputs without checking their hash, hash
	// tree and UNL signatures (Output.Verified is then false). Default false.
	SkipOutputVerification bool
	// HandshakeTimeout bounds the connection and handshake in addition to ctx; default 5 s.
	HandshakeTimeout time.Duration
	// MaxMessageBytes is the largest message accepted from the node; default 64 MiB.
	MaxMessageBytes int64
	// QueueSize is how many undelivered outputs and events are kept; older ones are dropped
	// first. Default 1024.
	QueueSize int
	// HTTPClient dials the websocket; default: a client that does not verify the node's TLS
	// certificate (the node is authenticated by its signed challenge, spec §1.1).
	HTTPClient *http.Client
	// Rand is the source of the server challenge; default crypto/rand.
	Rand io.Reader
	// Logger receives debug logs; nil keeps the client silent.
	Logger *slog.Logger
}

// Client is an authenticated user connection to one HotPocket node. Its methods are safe for
// concurrent use. One reader goroutine runs until Close or until the connection drops; the
// caller must Close the client. A node keeps one session per user key: a second Client with
// the same key to the same node is dropped by the node.
type Client struct {
	addr      string
	conn      *websocket.Conn
	raw       *corkConn // under conn; nil with a custom transport
	priv      ed25519.PrivateKey
	pub33     []byte
	proto     Protocol
	log       *slog.Logger
	nodeKey   string
	hpVersion string
	cid, cver string
	threshold float64
	verify    bool
	cancel    context.CancelFunc
	done      chan struct{}
	wg        sync.WaitGroup
	outputs   *queue[outputItem]
	events    *queue[Event]

	mu         sync.Mutex
	err        error // why the connection ended
	fixedTrust bool
	trusted    map[string]bool // lowercase ed-hex
	unl        []string
	inputs     map[string]chan serverMsg // input hash hex → status
	reads      map[string]chan []byte
	lclWait    []chan serverMsg
	statWait   []chan Stat
	watchers   map[*watcher]struct{}
	lastNonce  uint64
	readSeq    uint64
	readID     func() string // tests: fixed read request ids
}

type outputItem struct {
	out Output
	err error
}

// Output is one contract_output: the outputs the contract wrote to this user in one round.
type Output struct {
	// LedgerSeqNo and LedgerHash identify the ledger with which the outputs were delivered.
	LedgerSeqNo uint64
	LedgerHash  []byte
	// Outputs are the raw output messages, in the order the contract wrote them.
	Outputs [][]byte
	// Hash is the user's output hash, BLAKE3(user pubkey ‖ outputs…).
	Hash []byte
	// Node is the public key of the node that delivered them.
	Node string
	// Verified is true when the hash, the hash tree and enough UNL signatures checked out.
	Verified bool
}

// Ledger is a closed ledger as reported in ledger events.
type Ledger struct {
	SeqNo, Timestamp          uint64
	Hash, PrevHash, StateHash []byte
	ConfigHash, UserHash      []byte
	InputHash, OutputHash     []byte
}

// Event kinds.
const (
	EventLedgerCreated = "ledger_created"
	EventVoteStatus    = "vote_status"
	EventUNLChange     = "unl_change"
)

// Event is a subscribed notification: a ledger event or a UNL change.
type Event struct {
	// Kind is EventLedgerCreated, EventVoteStatus or EventUNLChange.
	Kind string
	// Ledger is set for EventLedgerCreated.
	Ledger *Ledger
	// VoteStatus is set for EventVoteStatus: unknown, unreliable, desync or synced.
	VoteStatus string
	// UNL is set for EventUNLChange (ed-hex keys).
	UNL []string
	// Node is the public key of the node that sent the event.
	Node string
}

// Channels for Subscribe.
const (
	ChannelLedgerEvent = "ledger_event"
	ChannelUNLChange   = "unl_change"
)

// Stat is a node's stat_response.
type Stat struct {
	HPVersion                string
	LedgerSeqNo              uint64
	LedgerHash               []byte
	VoteStatus               string
	RoundTime                uint64 // ms
	ContractExecutionEnabled bool
	ReadRequestsEnabled      bool
	FullHistory              bool
	WeaklyConnected          bool
	UNL                      []string
	Peers                    []string
}

// Dial connects to a node's user port and completes the challenge handshake both ways. addr
// is "host:port" (wss:// is added) or a ws:// or wss:// URL. key is the user key.
func Dial(ctx context.Context, addr string, key ed25519.PrivateKey, opts *DialOptions) (*Client, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("contract: user key must be an ed25519 private key")
	}
	url := addr
	if !strings.Contains(addr, "://") {
		url = "wss://" + addr
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	hc, dialled := corkingClient(opts.HTTPClient, func() *http.Transport {
		return &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // identity is the signed challenge
	})
	hsTimeout := opts.HandshakeTimeout
	if hsTimeout <= 0 {
		hsTimeout = DefaultHandshakeTimeout
	}
	maxMsg := opts.MaxMessageBytes
	if maxMsg <= 0 {
		maxMsg = DefaultMaxReceiveBytes
	}
	qs := opts.QueueSize
	if qs <= 0 {
		qs = DefaultQueueSize
	}
	th := opts.Threshold
	if th <= 0 {
		th = DefaultThreshold
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var pin ed25519.PublicKey
	if opts.ServerKey != "" {
		pk, err := hpwire.ParsePublicKey(strings.ToLower(opts.ServerKey))
		if err != nil {
			return nil, fmt.Errorf("contract: DialOptions.ServerKey: %w", err)
		}
		pin = pk
	}
	var trusted map[string]bool
	if opts.TrustedKeys != nil {
		trusted = map[string]bool{}
		for _, k := range opts.TrustedKeys {
			if _, err := hpwire.ParsePublicKey(strings.ToLower(k)); err != nil {
				return nil, fmt.Errorf("contract: DialOptions.TrustedKeys: %w", err)
			}
			trusted[strings.ToLower(k)] = true
		}
	}

	hctx, cancel := context.WithTimeout(ctx, hsTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(hctx, url, &websocket.DialOptions{HTTPClient: hc, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &HandshakeError{Addr: addr, Reason: "connect: " + err.Error()}
	}
	conn.SetReadLimit(maxMsg)
	fail := func(err error) (*Client, error) {
		conn.CloseNow()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	hsErr := func(reason string) (*Client, error) { return fail(&HandshakeError{Addr: addr, Reason: reason}) }

	_, data, err := conn.Read(hctx)
	if err != nil {
		return hsErr("reading challenge: " + err.Error())
	}
	ch, err := decodeUserChallenge(data)
	switch {
	case err != nil:
		return hsErr("malformed user_challenge")
	case !strings.HasPrefix(ch.HPVersion, supportedHPVersion):
		return hsErr("unsupported HotPocket version " + strconv.Quote(ch.HPVersion))
	case opts.ContractID != "" && ch.ContractID != opts.ContractID:
		return hsErr(fmt.Sprintf("contract id %q, expected %q", ch.ContractID, opts.ContractID))
	case opts.ContractVersion != "" && ch.ContractVersion != opts.ContractVersion:
		return hsErr(fmt.Sprintf("contract version %q, expected %q", ch.ContractVersion, opts.ContractVersion))
	}
	var scb [serverChallengeBytes]byte
	if _, err := io.ReadFull(rnd, scb[:]); err != nil {
		return fail(fmt.Errorf("contract: server challenge: %w", err))
	}
	sc := hex.EncodeToString(scb[:])
	pub := key.Public().(ed25519.PublicKey)
	resp := encodeChallengeResponse(ed25519.Sign(key, []byte(ch.Challenge)), hpwire.PublicKeyHex(pub), sc, opts.Protocol)
	if err := conn.Write(hctx, websocket.MessageBinary, resp); err != nil {
		return hsErr("sending challenge response: " + err.Error())
	}
	_, data, err = conn.Read(hctx)
	if err != nil {
		return hsErr("reading server challenge response: " + err.Error())
	}
	sr, err := decodeServerChallengeResponse(data)
	if err != nil {
		return hsErr("malformed server_challenge_response")
	}
	nodeKey := strings.ToLower(sr.PubKey)
	npk, err := hpwire.ParsePublicKey(nodeKey)
	if err != nil {
		return hsErr("node public key: " + err.Error())
	}
	if pin != nil && !npk.Equal(pin) {
		return fail(&KeyMismatchError{Addr: addr, Expected: strings.ToLower(opts.ServerKey), Got: nodeKey})
	}
	if trusted != nil && !trusted[nodeKey] {
		return hsErr("node key " + nodeKey + " is not among DialOptions.TrustedKeys")
	}
	sig, err := hex.DecodeString(sr.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(npk, []byte(sc+ch.ContractID+ch.ContractVersion), sig) {
		return hsErr("the node's signature over our challenge does not verify")
	}

	rctx, rcancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Client{
		addr: addr, conn: conn, raw: dialled(), priv: key, pub33: append([]byte{0xED}, pub...), proto: opts.Protocol, log: lg,
		nodeKey: nodeKey, hpVersion: ch.HPVersion, cid: ch.ContractID, cver: ch.ContractVersion,
		threshold: th, verify: !opts.SkipOutputVerification, cancel: rcancel, done: make(chan struct{}),
		outputs: newQueue[outputItem](qs), events: newQueue[Event](qs),
		fixedTrust: trusted != nil, trusted: trusted,
		inputs: map[string]chan serverMsg{}, reads: map[string]chan []byte{}, watchers: map[*watcher]struct{}{},
	}
	c.setUNL(sr.UNL)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.readLoop(rctx)
	}()
	lg.Debug("hotpocket connected", "addr", addr, "node", nodeKey, "protocol", opts.Protocol.String())
	return c, nil
}

func (c *Client) setUNL(unl []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unl = c.unl[:0]
	for _, k := range unl {
		c.unl = append(c.unl, strings.ToLower(k))
	}
	if !c.fixedTrust {
		c.trusted = map[string]bool{}
		for _, k := range c.unl {
			c.trusted[k] = true
		}
	}
}

// NodeKey returns the node's public key ("ed" hex), as proven in the handshake.
func (c *Client) NodeKey() string { return c.nodeKey }

// Addr returns the address given to Dial.
func (c *Client) Addr() string { return c.addr }

// UserKey returns the user public key ("ed" hex).
func (c *Client) UserKey() string { return hex.EncodeToString(c.pub33) }

// Protocol returns the connection's message protocol.
func (c *Client) Protocol() Protocol { return c.proto }

// ContractID and ContractVersion return what the node announced in its challenge.
func (c *Client) ContractID() string      { return c.cid }
func (c *Client) ContractVersion() string { return c.cver }

// HPVersion returns the node's HotPocket version.
func (c *Client) HPVersion() string { return c.hpVersion }

// UNL returns the node's current UNL (from the handshake and later unl_change messages).
func (c *Client) UNL() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string{}, c.unl...)
}

// Done is closed when the connection has ended (Close or a drop); Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns nil while connected, then ErrClosed or the error that ended the connection.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Client) closedErr() error {
	if err := c.Err(); err != nil {
		return err
	}
	return ErrClosed
}

// Close closes the connection and waits for the reader goroutine. Pending calls return
// ErrClosed. It is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.err == nil {
		c.err = ErrClosed
	}
	c.mu.Unlock()
	c.cancel()
	c.conn.CloseNow()
	c.wg.Wait()
	return nil
}

func (c *Client) send(ctx context.Context, msg []byte) error {
	select {
	case <-c.done:
		return c.closedErr()
	default:
	}
	uncork := func() error { return nil }
	if len(msg) > corkMinBytes {
		uncork = c.cork()
	}
	err := c.conn.Write(ctx, websocket.MessageBinary, msg)
	if uerr := uncork(); err == nil {
		err = uerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-c.done:
			return c.closedErr()
		default:
		}
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return nil
}

func (c *Client) writeErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select {
	case <-c.done:
		return c.closedErr()
	default:
	}
	return fmt.Errorf("%w: %v", ErrClosed, err)
}

// ---- reader ----

// watcher is an internal observer (Upload) of verified outputs and events. Its queue
// keeps the reader from ever blocking on it.
type watcher struct {
	q *queue[watchItem]
	// claim, if set, reports whether a verified output is the watcher's own (the bootstrap
	// answering Upload): such an output is kept out of NextOutput.
	claim func(*Output) bool
}

// watchItem is what a watcher sees: a verified output, an output error or an event.
type watchItem struct {
	out   *Output
	err   error
	event *Event
}

func (c *Client) watch(claim func(*Output) bool) *watcher {
	w := &watcher{q: newQueue[watchItem](4096), claim: claim}
	c.mu.Lock()
	c.watchers[w] = struct{}{}
	c.mu.Unlock()
	return w
}

func (c *Client) unwatch(w *watcher) {
	c.mu.Lock()
	delete(c.watchers, w)
	c.mu.Unlock()
}

// notify hands it to every watcher and reports whether one claimed its output.
func (c *Client) notify(it watchItem) (claimed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		w.q.push(it)
		claimed = claimed || it.out != nil && w.claim != nil && w.claim(it.out)
	}
	return claimed
}

func (c *Client) readLoop(ctx context.Context) {
	var err error
	defer func() {
		c.mu.Lock()
		if c.err == nil {
			c.err = fmt.Errorf("%w: %v", ErrClosed, err)
		}
		c.mu.Unlock()
		close(c.done)
		c.conn.CloseNow()
	}()
	for {
		var data []byte
		_, data, err = c.conn.Read(ctx)
		if err != nil {
			c.log.Debug("hotpocket connection ended", "addr", c.addr, "err", err)
			return
		}
		m, derr := decodeServerMessage(c.proto, data)
		if derr != nil {
			c.log.Debug("undecodable message from node", "addr", c.addr, "type", m.Type, "bytes", len(data))
			if m.Type == hpwire.MsgContractOutput {
				oe := &OutputError{LedgerSeqNo: m.LedgerSeqNo, Reason: "malformed contract_output", Node: c.nodeKey}
				c.outputs.push(outputItem{err: oe})
				c.notify(watchItem{err: oe})
			}
			continue
		}
		c.dispatch(m)
	}
}

func (c *Client) dispatch(m serverMsg) {
	switch m.Type {
	case hpwire.MsgContractInputStatus:
		k := hex.EncodeToString(m.InputHash)
		c.mu.Lock()
		ch := c.inputs[k]
		delete(c.inputs, k)
		c.mu.Unlock()
		if ch == nil {
			c.log.Debug("input status for no pending input", "status", m.Status, "reason", m.Reason)
			return
		}
		ch <- m
	case hpwire.MsgContractOutput:
		out, err := c.checkOutput(m)
		if err != nil {
			c.log.Debug("contract output rejected", "err", err)
			c.outputs.push(outputItem{err: err})
			c.notify(watchItem{err: err})
			return
		}
		if !c.notify(watchItem{out: &out}) {
			c.outputs.push(outputItem{out: out})
		}
	case hpwire.MsgContractReadResponse:
		c.mu.Lock()
		ch := c.reads[m.ReplyFor]
		delete(c.reads, m.ReplyFor)
		c.mu.Unlock()
		if ch != nil {
			ch <- m.Content
		}
	case hpwire.MsgLCLResponse:
		c.mu.Lock()
		var ch chan serverMsg
		if len(c.lclWait) > 0 {
			ch, c.lclWait = c.lclWait[0], c.lclWait[1:]
		}
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	case hpwire.MsgStatResponse:
		c.mu.Lock()
		var ch chan Stat
		if len(c.statWait) > 0 {
			ch, c.statWait = c.statWait[0], c.statWait[1:]
		}
		c.mu.Unlock()
		if ch != nil {
			ch <- m.Stat
		}
	case hpwire.MsgUNLChange:
		unl := make([]string, len(m.UNL))
		for i, k := range m.UNL {
			unl[i] = hex.EncodeToString(k)
		}
		c.setUNL(unl)
		ev := Event{Kind: EventUNLChange, UNL: unl, Node: c.nodeKey}
		c.events.push(ev)
		c.notify(watchItem{event: &ev})
	case hpwire.MsgLedgerEvent:
		ev := Event{Kind: m.Event, Node: c.nodeKey}
		switch m.Event {
		case EventLedgerCreated:
			l := m.Ledger
			ev.Ledger = &l
		case EventVoteStatus:
			ev.VoteStatus = m.VoteStatus
		default:
			return
		}
		c.events.push(ev)
		c.notify(watchItem{event: &ev})
	default:
		c.log.Debug("ignored message from node", "type", m.Type)
	}
}

// ---- requests ----

// InputOptions are per-input settings; a nil *InputOptions uses the defaults.
type InputOptions struct {
	// Nonce is the input nonce; default 0: max(last nonce + 1, Unix time in ms), so nonces
	// from one Client always increase (the node rejects a nonce not above the last one of
	// this key with nonce_expired).
	Nonce uint64
	// MaxLedgerSeqNo is the last ledger the input may be included in; default 0: the node's
	// last closed ledger (one LCL request) plus MaxLedgerOffset.
	MaxLedgerSeqNo uint64
	// MaxLedgerOffset is added to the last closed ledger when MaxLedgerSeqNo is 0; default 10,
	// the node's usual contract.max_input_ledger_offset.
	MaxLedgerOffset uint64
	// NoWait returns as soon as the input is sent, without waiting for its status; the
	// Receipt then has no ledger.
	NoWait bool
}

// Receipt is what SubmitInput returns for an accepted input.
type Receipt struct {
	// Hash is the input hash, BLAKE3 of the signature; the node keys statuses by it.
	Hash           []byte
	Nonce          uint64
	MaxLedgerSeqNo uint64
	// LedgerSeqNo and LedgerHash are the ledger that included the input.
	LedgerSeqNo uint64
	LedgerHash  []byte
	// Node is the node that accepted it.
	Node string
}

// signedInput is a signed input container, ready for any node of the cluster.
type signedInput struct {
	proto     Protocol
	msg       []byte
	hash      []byte
	nonce     uint64
	maxLedger uint64
}

func (c *Client) nextNonce(n uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n == 0 {
		n = max(c.lastNonce+1, uint64(time.Now().UnixMilli()))
	}
	c.lastNonce = max(c.lastNonce, n)
	return n
}

func signInput(p Protocol, key ed25519.PrivateKey, input []byte, nonce, maxLedger uint64) (signedInput, error) {
	if len(input) == 0 {
		return signedInput{}, errors.New("contract: empty input")
	}
	cont, err := encodeInputContainer(p, input, nonce, maxLedger)
	if err != nil {
		return signedInput{}, err
	}
	sig := ed25519.Sign(key, cont)
	msg, err := encodeInputMessage(p, cont, sig)
	if err != nil {
		return signedInput{}, err
	}
	return signedInput{proto: p, msg: msg, hash: hpwire.Hash(sig), nonce: nonce, maxLedger: maxLedger}, nil
}

func (c *Client) prepareInput(ctx context.Context, input []byte, opts *InputOptions) (signedInput, error) {
	nonce, maxLedger, err := c.inputLimits(ctx, opts)
	if err != nil {
		return signedInput{}, err
	}
	return signInput(c.proto, c.priv, input, nonce, maxLedger)
}

// inputLimits returns the nonce and max ledger of the next input.
func (c *Client) inputLimits(ctx context.Context, opts *InputOptions) (nonce, maxLedger uint64, err error) {
	if opts == nil {
		opts = &InputOptions{}
	}
	maxLedger = opts.MaxLedgerSeqNo
	if maxLedger == 0 {
		seq, _, err := c.LCL(ctx)
		if err != nil {
			return 0, 0, err
		}
		off := opts.MaxLedgerOffset
		if off == 0 {
			off = DefaultMaxLedgerOffset
		}
		maxLedger = seq + off
	}
	return c.nextNonce(opts.Nonce), maxLedger, nil
}

// SubmitInput signs and sends a contract input and waits until the node accepts it into a
// ledger (about one round) or rejects it (*InputRejectedError with the node's reason).
func (c *Client) SubmitInput(ctx context.Context, input []byte, opts *InputOptions) (*Receipt, error) {
	si, err := c.prepareInput(ctx, input, opts)
	if err != nil {
		return nil, err
	}
	return c.submitSigned(ctx, si, opts != nil && opts.NoWait, nil)
}

// submitSigned sends a signed input and waits for its status. sent, if not nil, replaces the
// plain send (Upload reports progress).
func (c *Client) submitSigned(ctx context.Context, si signedInput, noWait bool, sent func(context.Context) error) (*Receipt, error) {
	ch, done := c.expectStatus(si.hash)
	defer done()
	var err error
	if sent != nil {
		err = sent(ctx)
	} else {
		err = c.send(ctx, si.msg)
	}
	if err != nil {
		return nil, err
	}
	r := &Receipt{Hash: si.hash, Nonce: si.nonce, MaxLedgerSeqNo: si.maxLedger, Node: c.nodeKey}
	if noWait {
		return r, nil
	}
	return c.waitStatus(ctx, ch, r)
}

// expectStatus registers for the status of the input whose hash (BLAKE3 of its signature)
// is given; done unregisters.
func (c *Client) expectStatus(hash []byte) (ch chan serverMsg, done func()) {
	k := hex.EncodeToString(hash)
	ch = make(chan serverMsg, 1)
	c.mu.Lock()
	c.inputs[k] = ch
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		if c.inputs[k] == ch {
			delete(c.inputs, k)
		}
		c.mu.Unlock()
	}
}

// waitStatus waits for the node's status of an input and completes its receipt.
func (c *Client) waitStatus(ctx context.Context, ch chan serverMsg, r *Receipt) (*Receipt, error) {
	select {
	case m := <-ch:
		if m.Status != "accepted" {
			return nil, &InputRejectedError{Reason: m.Reason, Hash: r.Hash, Node: c.nodeKey}
		}
		r.LedgerSeqNo, r.LedgerHash = m.LedgerSeqNo, m.LedgerHash
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, c.closedErr()
	}
}

// submitUpload sends the upload message u while signing its container, and waits for the
// input's status. The signature is the message's last field, so signStreamed's passes over
// the container run while the container is on the wire instead of before it, and both read
// the caller's zip in place. The bytes sent are exactly encodeInputMessage's, in frames of
// chunk bytes written to the network a megabyte at a time (see corkConn).
func (c *Client) submitUpload(ctx context.Context, u uploadParts, nonce, maxLedger uint64, chunk int, progress func(sent, total int)) (*Receipt, error) {
	sigc := make(chan []byte, 1)
	go func() { sigc <- signStreamed(c.priv, u.container()...) }()
	total := u.size()
	uncork := c.cork()
	defer uncork()
	w, err := c.conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		<-sigc
		return nil, c.writeErr(ctx, err)
	}
	write := func(b []byte) error {
		if _, err := w.Write(b); err != nil {
			w.Close()
			return c.writeErr(ctx, err)
		}
		return nil
	}
	sent := 0
	for _, p := range [][]byte{append(append([]byte{}, u.head...), u.contHead...), u.zip} {
		for off := 0; off < len(p); off += chunk {
			end := min(off+chunk, len(p))
			if err := write(p[off:end]); err != nil {
				<-sigc
				return nil, err
			}
			sent += end - off
			progress(sent, total)
		}
	}
	sig := <-sigc
	hash := hpwire.Hash(sig)
	// Registering before the last bytes go out is early enough: the node answers only a
	// complete message.
	ch, done := c.expectStatus(hash)
	defer done()
	if err := write(append(append([]byte{}, u.contTail...), bsonInputTail(sig)...)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, c.writeErr(ctx, err)
	}
	if err := uncork(); err != nil {
		return nil, c.writeErr(ctx, err)
	}
	progress(total, total)
	return c.waitStatus(ctx, ch, &Receipt{Hash: hash, Nonce: nonce, MaxLedgerSeqNo: maxLedger, Node: c.nodeKey})
}

// cork collects the connection's writes until uncork (see corkConn); a no-op for a client
// dialled with an HTTPClient whose transport is not an *http.Transport.
func (c *Client) cork() (uncork func() error) {
	if c.raw == nil {
		return func() error { return nil }
	}
	return c.raw.cork()
}

// Read sends a read request (a read-only contract execution outside consensus) and returns
// the first output the contract writes for it. A node whose contract does not execute or
// that has read requests disabled never answers: bound ctx.
func (c *Client) Read(ctx context.Context, request []byte) ([]byte, error) {
	if len(request) == 0 {
		return nil, errors.New("contract: empty read request")
	}
	c.mu.Lock()
	c.readSeq++
	id := "go-" + strconv.FormatUint(c.readSeq, 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if c.readID != nil {
		id = c.readID()
	}
	ch := make(chan []byte, 1)
	c.reads[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.reads, id)
		c.mu.Unlock()
	}()
	msg, err := encodeReadRequest(c.proto, id, request)
	if err != nil {
		return nil, err
	}
	if err := c.send(ctx, msg); err != nil {
		return nil, err
	}
	select {
	case b := <-ch:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, c.closedErr()
	}
}

// LCL returns the node's last closed ledger.
func (c *Client) LCL(ctx context.Context) (seq uint64, hash []byte, err error) {
	ch := make(chan serverMsg, 1)
	c.mu.Lock()
	c.lclWait = append(c.lclWait, ch) // kept even if ctx ends: replies come in order
	c.mu.Unlock()
	if err := c.send(ctx, encodeSimple(c.proto, hpwire.MsgLCL)); err != nil {
		return 0, nil, err
	}
	select {
	case m := <-ch:
		return m.LedgerSeqNo, m.LedgerHash, nil
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	case <-c.done:
		return 0, nil, c.closedErr()
	}
}

// Stat returns the node's status.
func (c *Client) Stat(ctx context.Context) (*Stat, error) {
	ch := make(chan Stat, 1)
	c.mu.Lock()
	c.statWait = append(c.statWait, ch)
	c.mu.Unlock()
	if err := c.send(ctx, encodeSimple(c.proto, hpwire.MsgStat)); err != nil {
		return nil, err
	}
	select {
	case s := <-ch:
		return &s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, c.closedErr()
	}
}

// Subscribe turns a notification channel (ChannelLedgerEvent, ChannelUNLChange) on or off.
// Notifications arrive through NextEvent and Events. The node does not acknowledge it.
func (c *Client) Subscribe(ctx context.Context, channel string, enabled bool) error {
	if channel != ChannelLedgerEvent && channel != ChannelUNLChange {
		return fmt.Errorf("contract: unknown subscription channel %q", channel)
	}
	return c.send(ctx, encodeSubscription(c.proto, channel, enabled))
}

// NextOutput returns the next contract output. An output that failed verification is
// returned as an *OutputError (and not delivered); the caller may keep reading after it.
// After the connection ends, the queued outputs are returned, then the close error.
func (c *Client) NextOutput(ctx context.Context) (Output, error) {
	it, err := c.outputs.pop(ctx, c.done, c.closedErr)
	if err != nil {
		return Output{}, err
	}
	return it.out, it.err
}

// Outputs iterates over contract outputs as NextOutput returns them. It stops after ctx ends
// or the connection ends (yielding that error once), or when the loop breaks.
func (c *Client) Outputs(ctx context.Context) iter.Seq2[Output, error] {
	return func(yield func(Output, error) bool) {
		for {
			o, err := c.NextOutput(ctx)
			if !yield(o, err) {
				return
			}
			if err != nil && !errors.Is(err, ErrOutputUnverified) {
				return
			}
		}
	}
}

// NextEvent returns the next subscribed notification (see Subscribe).
func (c *Client) NextEvent(ctx context.Context) (Event, error) {
	return c.events.pop(ctx, c.done, c.closedErr)
}

// Events iterates over subscribed notifications until ctx or the connection ends.
func (c *Client) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			e, err := c.NextEvent(ctx)
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}
