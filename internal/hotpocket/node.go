package hotpocket

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Options configures a Node; a nil *Options uses the defaults.
type Options struct {
	// Logger receives the node's logs; nil keeps the node silent.
	Logger *slog.Logger
	// ListenHost is the address the user port binds to; default "0.0.0.0". Tests use "127.0.0.1".
	ListenHost string
	// PaceRounds paces rounds by the node's state instead of the clock alone, for tests on
	// loaded machines. A round whose time has come (1) waits while a verified user's
	// message is being received (up to a minute), so an input cannot expire in transit
	// however slow the machine, and (2) is skipped when it has no work (submitted inputs,
	// outputs to deliver, a changed patch.cfg) and no user subscribes to ledger events, so
	// the last closed ledger stays where a client read it before signing; the first ledger
	// always closes. Default false: a ledger closes every roundtime, as hpcore's do.
	PaceRounds bool
	// Owner is the "ed"-prefixed hex key of the instance owner, who may always connect: it
	// is admitted beyond the 64-user cap and user.max_connections, so other users cannot
	// lock it out. Default: the bootstrap contract's owner (contract.bin_args) when the node
	// opens with bin_path "bootstrap_contract"; none otherwise.
	Owner string
}

const (
	maxUserCount          = 64              // hpcore MAX_USER_COUNT
	handshakeTimeout      = 5 * time.Second // hpcore UNVERIFIED_INACTIVE_TIMEOUT
	maxReadQueue          = 1024
	historyKeep           = 256 // ledgers answerable by ledger_query (memory only)
	rawKeep               = 16  // of which these keep raw inputs and outputs
	sessionQueue          = 1024
	writeTimeout          = 30 * time.Second
	voteUnknown, voteSync = "unknown", "synced"
)

// Node is a single-node HotPocket-compatible runtime: the user protocol on the user port, a
// ledger closed every consensus.roundtime, and the contract (the built-in bootstrap contract
// or an uploaded binary) executed once per ledger. There is no peer network and no
// multi-node consensus: the node closes every round on its own (a one-node UNL), whatever
// contract.unl says. All methods are safe for concurrent use. The caller must Close it.
type Node struct {
	dir    string
	log    *slog.Logger
	host   string
	priv   ed25519.PrivateKey
	pub33  []byte
	pubHex string

	mu         sync.Mutex
	cfg        Config
	lcl        ledgerRecord
	history    []ledgerRecord
	voteStatus string
	sessions   map[*session]struct{}
	users      map[string]*session // 33-byte pubkey → verified session
	hostConns  map[string]uint64
	submitted  []submittedInput
	nonces     map[string]nonceEntry
	pending    *roundOutputs
	stateHash  []byte
	patchHash  []byte
	readQueued int
	readBytes  int           // content bytes of queued read requests
	pendingIn  uint64        // container bytes in submitted
	roundDone  chan struct{} // closed when a round closes, then replaced
	owner      string        // 33-byte key admitted beyond the user caps; "" none
	pace       bool
	receiving  atomic.Int32 // verified users' messages whose first frame has arrived
	gate       *gate
	started    bool
	closed     bool
	ctx        context.Context
	cancel     context.CancelFunc
	srv        *http.Server
	addr       net.Addr
	readSem    chan struct{}

	execMu sync.RWMutex // a round's execution (write) vs read requests (read)
	hasher stateHasher  // used by the round goroutine and Open only
	wg     sync.WaitGroup
}

type submittedInput struct {
	pub       []byte
	container []byte
	sig       []byte
	proto     protocol
	// sigOK verifies sig once. The session that submitted the input calls it as soon as the
	// input is in, outside the node lock, so that the round close finds it done.
	sigOK func() bool
}

type nonceEntry struct {
	nonce  uint64
	sig    []byte
	maxSeq uint64
}

// roundOutputs are the outputs of one execution, delivered when the next ledger closes.
type roundOutputs struct {
	users map[string]userOutputs // 33-byte pubkey
	tree  *mnode
	root  []byte
	sig   []byte
}

type userOutputs struct {
	hash    []byte
	outputs [][]byte
}

// Open reads <dir>/cfg/hp.cfg, applies a newer patch.cfg (as hpcore does at start) and
// restores the last closed ledger. It does not listen; call Start.
func Open(dir string, opts *Options) (*Node, error) {
	if opts == nil {
		opts = &Options{}
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	priv, _ := parsePrivateKey(cfg.Node.PrivateKey)
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	host := opts.ListenHost
	if host == "" {
		host = "0.0.0.0"
	}
	n := &Node{
		dir: dir, log: lg, host: host, priv: priv, pub33: prefixed(priv.Public().(ed25519.PublicKey)),
		cfg: cfg, voteStatus: voteUnknown, sessions: map[*session]struct{}{}, users: map[string]*session{},
		hostConns: map[string]uint64{}, nonces: map[string]nonceEntry{}, roundDone: make(chan struct{}),
		gate: newGate(maxUnverified, handshakeTimeout), pace: opts.PaceRounds,
	}
	owner := opts.Owner
	if owner == "" && cfg.Contract.BinPath == bootstrapBin {
		owner = cfg.Contract.BinArgs
	}
	if pk, err := hpwire.ParsePublicKey(strings.TrimSpace(owner)); err == nil {
		n.owner = string(prefixed(pk))
	} else if opts.Owner != "" {
		return nil, cfgErr("owner", err.Error())
	}
	n.pubHex = lowerHex(n.pub33)
	if err := os.MkdirAll(stateDir(dir), 0o775); err != nil {
		return nil, err
	}
	if _, err := os.Stat(patchPath(dir)); os.IsNotExist(err) {
		if err := n.writePatch(cfg.Contract.patch()); err != nil {
			return nil, err
		}
	}
	if _, err := n.applyPatch(); err != nil {
		n.log.Error("patch.cfg not applied", "err", err)
	}
	if n.lcl, err = loadLCL(dir); err != nil {
		return nil, err
	}
	n.stateHash = n.hasher.hash(stateDir(dir))
	return n, nil
}

// PublicKey returns the node's "ed"-prefixed hex public key.
func (n *Node) PublicKey() string { return n.pubHex }

// Config returns a copy of the node's current configuration (it changes when an uploaded
// contract patches it).
func (n *Node) Config() Config {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cfg.clone()
}

// Addr returns the user port's listening address, or nil before Start.
func (n *Node) Addr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addr
}

// LCL returns the last closed ledger's sequence number and hash.
func (n *Node) LCL() (uint64, []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lcl.SeqNo, append([]byte{}, n.lcl.Hash...)
}

// Start listens on user.port (0 picks a free port) over TLS with cfg/tlscert.pem and
// tlskey.pem and starts closing rounds. It returns once the port accepts connections; ctx
// bounds only the start. Rounds and connections run until Close.
func (n *Node) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if n.started {
		return ErrStarted
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(n.dir, "cfg", "tlscert.pem"), filepath.Join(n.dir, "cfg", "tlskey.pem"))
	if err != nil {
		return fmt.Errorf("hotpocket: tls: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(n.host, strconv.Itoa(n.cfg.User.Port)))
	if err != nil {
		return fmt.Errorf("hotpocket: listen user port: %w", err)
	}
	n.started = true
	n.addr = ln.Addr()
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.ctx, n.cancel = lctx, cancel
	crr := min(n.cfg.User.ConcurrentReadRequests, maxConcurrentReadReqs)
	n.readSem = make(chan struct{}, max(crr, 1))
	n.srv = &http.Server{
		Handler:           http.HandlerFunc(n.serveHTTP),
		ReadHeaderTimeout: handshakeTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return lctx },
		ConnContext:       withGateConn,
	}
	tlsLn := tls.NewListener(gateListener{Listener: ln, g: n.gate}, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		if err := n.srv.Serve(tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("user server stopped", "err", err)
		}
	}()
	go func() {
		defer n.wg.Done()
		n.roundLoop(lctx)
	}()
	n.log.Info("hotpocket node started", "addr", n.addr.String(), "pubkey", n.pubHex, "contract_id", n.cfg.Contract.ID)
	return nil
}

// Close stops rounds (killing a running contract), closes every connection and waits for
// all goroutines. It is idempotent.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	cancel, srv := n.cancel, n.srv
	sessions := make([]*session, 0, len(n.sessions))
	for s := range n.sessions {
		sessions = append(sessions, s)
	}
	n.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	var err error
	if srv != nil {
		err = srv.Close()
	}
	for _, s := range sessions {
		s.conn.CloseNow()
	}
	n.wg.Wait()
	return err
}

// ---- rounds ----

func (n *Node) roundtime() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	return time.Duration(n.cfg.Contract.Consensus.Roundtime) * time.Millisecond
}

// roundLoop closes a ledger at every roundtime boundary of the clock, as hpcore's rounds are
// windows of roundtime aligned on the epoch (consensus.cpp wait_and_proceed_stage): a round
// whose work runs past the next boundary closes at the one after, and work does not push
// later rounds back.
func (n *Node) roundLoop(ctx context.Context) {
	t := time.NewTimer(untilBoundary(time.Now(), n.roundtime()))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n.pace {
			if !n.hasWork() {
				t.Reset(untilBoundary(time.Now(), n.roundtime()))
				continue
			}
			n.waitReceiving(ctx)
		}
		n.closeRound(ctx)
		t.Reset(untilBoundary(time.Now(), n.roundtime()))
	}
}

// untilBoundary is the time from now to the next multiple of rt since the Unix epoch.
func untilBoundary(now time.Time, rt time.Duration) time.Duration {
	if rt <= 0 {
		rt = time.Millisecond
	}
	return rt - time.Duration(now.UnixNano()%int64(rt))
}

// hasWork reports whether a round would do more than close an empty ledger nobody watches.
func (n *Node) hasWork() bool {
	n.mu.Lock()
	work := len(n.submitted) > 0 || n.pending != nil || n.lcl.SeqNo == 0 // the first ledger always closes
	for _, s := range n.users {
		work = work || s.subs[chanLedger]
	}
	patch := n.patchHash
	n.mu.Unlock()
	if work {
		return true
	}
	data, err := os.ReadFile(patchPath(n.dir))
	return err == nil && !bytes.Equal(hpwire.Hash(data), patch)
}

// waitReceiving holds the round while a verified user's message is arriving (PaceRounds).
func (n *Node) waitReceiving(ctx context.Context) {
	deadline := time.Now().Add(time.Minute)
	for n.receiving.Load() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
}

type candidate struct {
	pub   []byte
	proto protocol
	key   []byte // nonce (8 bytes BE) ‖ BLAKE3(sig): hpcore's ordered hash
	hash  []byte
	sig   []byte
	ic    inputContainer
}

func (n *Node) rejectLocked(pub []byte, reason string, sig []byte) {
	if reason == hpwire.ReasonAlreadySubmitted {
		return // hpcore sends no status for duplicates found during consensus
	}
	if s := n.users[string(pub)]; s != nil {
		s.send(buildInputStatus(s.proto, statusRejected, reason, hpwire.Hash(sig), 0, nil))
	}
}

// closeRound closes one ledger: validates the round's inputs, sends statuses and the outputs
// of the previous execution, applies a changed patch.cfg and executes the contract.
func (n *Node) closeRound(ctx context.Context) {
	n.mu.Lock()
	sub := n.submitted
	n.submitted, n.pendingIn = nil, 0
	for _, s := range n.users {
		s.inputBytes = 0
	}
	close(n.roundDone) // sessions waiting for input room read again
	n.roundDone = make(chan struct{})
	cfg := n.cfg
	lclSeq := n.lcl.SeqNo

	var cands []candidate
	for _, in := range sub {
		if !in.sigOK() { // usually checked already, by the session that submitted it
			n.rejectLocked(in.pub, hpwire.ReasonBadSig, in.sig)
			continue
		}
		ic, err := decodeInputContainer(in.proto, in.container)
		if err != nil {
			n.rejectLocked(in.pub, hpwire.ReasonBadMsgFormat, in.sig)
			continue
		}
		h := hpwire.Hash(in.sig)
		key := binary.BigEndian.AppendUint64(nil, ic.Nonce)
		cands = append(cands, candidate{pub: in.pub, proto: in.proto, key: append(key, h...), hash: h, sig: in.sig, ic: ic})
	}
	sort.SliceStable(cands, func(i, j int) bool { return bytes.Compare(cands[i].key, cands[j].key) < 0 })
	accepted := cands[:0]
	totals := map[string]uint64{}
	for _, c := range cands {
		off := cfg.Contract.MaxInputLedgerOffset
		switch {
		case off != 0 && c.ic.MaxLedgerSeq > lclSeq+off:
			n.rejectLocked(c.pub, hpwire.ReasonMaxLedgerOffsetExceeded, c.sig)
			continue
		case c.ic.MaxLedgerSeq <= lclSeq:
			n.rejectLocked(c.pub, hpwire.ReasonMaxLedgerExpired, c.sig)
			continue
		}
		if lim := cfg.Contract.RoundLimits.UserInputBytes; lim > 0 && totals[string(c.pub)]+uint64(len(c.ic.Input)) > lim {
			n.rejectLocked(c.pub, hpwire.ReasonRoundInputsOverflow, c.sig)
			continue
		}
		if r := n.checkNonceLocked(c.pub, c.ic.Nonce, c.sig, c.ic.MaxLedgerSeq, true); r != "" {
			n.rejectLocked(c.pub, r, c.sig)
			continue
		}
		totals[string(c.pub)] += uint64(len(c.ic.Input))
		accepted = append(accepted, c)
	}

	userSet := map[string]bool{}
	for k := range n.users {
		userSet[k] = true
	}
	for _, c := range accepted {
		userSet[string(c.pub)] = true
	}
	userKeys := make([]string, 0, len(userSet))
	for k := range userSet {
		userKeys = append(userKeys, k)
	}
	sort.Strings(userKeys)
	var uparts, iparts [][]byte
	for _, k := range userKeys {
		uparts = append(uparts, []byte(k))
	}
	for _, c := range accepted {
		iparts = append(iparts, c.hash)
	}
	pending := n.pending
	n.pending = nil
	outRoot := zeroHash
	if pending != nil {
		outRoot = pending.root
	}
	ts := uint64(time.Now().UnixMilli())
	if ts <= n.lcl.Timestamp {
		ts = n.lcl.Timestamp + 1
	}
	led := nextLedger(n.lcl, ts, n.stateHash, n.patchHash, groupNonce(), hpwire.ListHash(uparts...), hpwire.ListHash(iparts...), outRoot)
	for _, c := range accepted {
		led.Inputs = append(led.Inputs, ledgerInput{PubKey: c.pub, Hash: c.hash, Nonce: c.ic.Nonce, Blob: c.ic.Input})
	}
	if pending != nil {
		for k, u := range pending.users {
			led.Outputs = append(led.Outputs, ledgerOutput{PubKey: []byte(k), Hash: u.hash, Blobs: u.outputs})
		}
		sort.Slice(led.Outputs, func(i, j int) bool { return bytes.Compare(led.Outputs[i].Hash, led.Outputs[j].Hash) < 0 })
	}
	hdr := led
	hdr.Inputs, hdr.Outputs = nil, nil
	n.lcl = hdr // the raw data is on disk (saveRaw below), not held until the next round
	n.history = append(n.history, hdr)
	if len(n.history) > historyKeep {
		n.history = append([]ledgerRecord{}, n.history[len(n.history)-historyKeep:]...)
	}
	if err := saveLCL(n.dir, led); err != nil {
		n.log.Error("persist lcl", "err", err)
	}
	n.log.Debug("ledger created", "seq", led.SeqNo, "hash", lowerHex(led.Hash), "inputs", len(accepted))

	for _, c := range accepted {
		if s := n.users[string(c.pub)]; s != nil {
			s.send(buildInputStatus(s.proto, statusAccepted, "", c.hash, led.SeqNo, led.Hash))
		}
	}
	if pending != nil {
		sigs := [][2][]byte{{n.pub33, pending.sig}}
		for k, u := range pending.users {
			if s := n.users[k]; s != nil {
				s.send(buildContractOutput(s.proto, led.SeqNo, led.Hash, u.outputs, u.hash, pending.tree.collapse(u.hash), sigs))
			}
		}
	}
	firstSync := n.voteStatus != voteSync
	n.voteStatus = voteSync
	for _, s := range n.users {
		if s.subs[chanLedger] {
			if firstSync {
				s.send(buildVoteStatus(s.proto, voteSync))
			}
			s.send(buildLedgerCreated(s.proto, &led))
		}
	}
	// Raw inputs and outputs go to disk for ledger_query; memory keeps the headers only.
	// Writing them (megabytes for an upload) comes after the messages above are queued, so
	// that nobody waits on it for their status, and before the lock is released, so that no
	// ledger_query sees the ledger without them.
	if err := saveRaw(n.dir, &led, rawKeep); err != nil {
		n.log.Error("persist raw ledger data", "err", err)
	}
	n.mu.Unlock()

	if changed, err := n.applyPatch(); err != nil {
		n.log.Error("patch.cfg not applied", "err", err)
	} else if changed {
		n.log.Info("contract config updated from patch file")
	}
	n.mu.Lock()
	cfg = n.cfg.clone()
	n.mu.Unlock()
	if !cfg.Contract.Execute || ctx.Err() != nil {
		return
	}

	req := execRequest{cfg: cfg, timestamp: ts, lclSeq: led.SeqNo, lclHash: led.Hash}
	byUser := map[string]*execUser{}
	for _, k := range userKeys {
		u := &execUser{pub: []byte(k), hex: lowerHex([]byte(k))}
		byUser[k] = u
	}
	for _, c := range accepted {
		byUser[string(c.pub)].inputs = append(byUser[string(c.pub)].inputs, c.ic.Input)
	}
	for _, k := range userKeys {
		req.users = append(req.users, *byUser[k])
	}

	n.execMu.Lock()
	res := n.execute(ctx, req)
	state := n.hasher.hash(stateDir(n.dir))
	n.execMu.Unlock()

	out := &roundOutputs{users: map[string]userOutputs{}}
	var leaves [][]byte
	for k, outs := range res.outputs {
		if len(outs) == 0 {
			continue
		}
		parts := append([][]byte{[]byte(k)}, outs...)
		h := hpwire.Hash(parts...)
		out.users[k] = userOutputs{hash: h, outputs: outs}
		leaves = append(leaves, h)
	}
	sort.Slice(leaves, func(i, j int) bool { return bytes.Compare(leaves[i], leaves[j]) < 0 })
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stateHash = state
	if len(leaves) > 0 {
		out.tree = buildMerkle(append(leaves, state))
		out.root = out.tree.hash
		out.sig = ed25519.Sign(n.priv, out.root)
		n.pending = out
	}
}

// checkNonceLocked is hpcore's input_nonce_map::check; it returns a reject reason or "".
func (n *Node) checkNonceLocked(pub []byte, nonce uint64, sig []byte, maxSeq uint64, add bool) string {
	e, ok := n.nonces[string(pub)]
	if !ok || e.maxSeq <= n.lcl.SeqNo || e.nonce < nonce {
		if add {
			n.nonces[string(pub)] = nonceEntry{nonce: nonce, sig: sig, maxSeq: maxSeq}
			if len(n.nonces) > 256 {
				for k, v := range n.nonces {
					if v.maxSeq <= n.lcl.SeqNo {
						delete(n.nonces, k)
					}
				}
			}
		}
		return ""
	}
	if e.nonce == nonce && bytes.Equal(e.sig, sig) {
		return hpwire.ReasonAlreadySubmitted
	}
	return hpwire.ReasonNonceExpired
}

// writePatch writes patch.cfg in hpcore's layout.
func (n *Node) writePatch(p PatchConfig) error {
	data, err := marshalIndent(p)
	if err != nil {
		return err
	}
	return writeFileAtomic(patchPath(n.dir), data, 0o664)
}

// applyPatch applies a changed patch.cfg to the contract section and hp.cfg (hpcore
// apply_patch_config) and tells unl_change subscribers about a new UNL.
func (n *Node) applyPatch() (bool, error) {
	data, err := os.ReadFile(patchPath(n.dir))
	if err != nil {
		if os.IsNotExist(err) {
			return false, nil
		}
		return false, err
	}
	h := hpwire.Hash(data)
	n.mu.Lock()
	same := bytes.Equal(h, n.patchHash)
	n.mu.Unlock()
	if same {
		return false, nil
	}
	p, err := parsePatch(data)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.patchHash = h
	if err != nil {
		return false, err
	}
	old := n.cfg.Contract.UNL
	cfg := n.cfg.clone()
	cfg.Contract.applyPatch(p)
	cfg.Contract.UNL = sortedStrings(cfg.Contract.UNL)
	if err := SaveConfig(n.dir, cfg); err != nil {
		return false, err
	}
	if !bytes.Equal(encodeJSON(cfg.Contract), encodeJSON(n.cfg.Contract)) {
		n.cfg = cfg
		if !bytes.Equal(encodeJSON(sortedStrings(old)), encodeJSON(cfg.Contract.UNL)) {
			unl := n.unlBytesLocked()
			for _, s := range n.users {
				if s.subs[chanUNL] {
					s.send(buildUNLChange(s.proto, unl))
				}
			}
		}
		return true, nil
	}
	return false, nil
}

func (n *Node) unlBytesLocked() [][]byte {
	var out [][]byte
	for _, k := range sortedStrings(n.cfg.Contract.UNL) {
		if pk, err := hpwire.ParsePublicKey(k); err == nil {
			out = append(out, prefixed(pk))
		}
	}
	return out
}

func (n *Node) unlHexLocked() []string {
	var out []string
	for _, k := range n.unlBytesLocked() {
		out = append(out, lowerHex(k))
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// ---- users ----

const (
	chanUNL = iota
	chanLedger
)

type session struct {
	n      *Node
	conn   *websocket.Conn
	gc     *gateConn // nil when not accepted through the gate
	host   string
	out    chan []byte
	done   chan struct{}
	queued atomic.Int64 // bytes in out
	active atomic.Int64 // unix nanos of the last message in or out (hpcore last_activity)
	idle   atomic.Pointer[time.Timer]

	// guarded by n.mu
	challenge  string
	verified   bool
	pub        string // 33-byte key
	proto      protocol
	subs       [2]bool
	inputBytes uint64
	bytesMin   threshold // user.max_bytes_per_min
	badMin     threshold // user.max_bad_msgs_per_min
}

func (s *session) touch() { s.active.Store(time.Now().UnixNano()) }

// send queues a message without blocking; a client that does not keep up (sessionQueue
// messages, or sendQueueBytes with something already queued) is dropped.
func (s *session) send(m []byte) {
	if m == nil {
		return
	}
	if q := s.queued.Add(int64(len(m))); q > sendQueueBytes && q > int64(len(m)) {
		s.queued.Add(-int64(len(m)))
		s.n.log.Warn("user send queue full, dropping connection", "remote", s.host)
		s.conn.CloseNow()
		return
	}
	select {
	case <-s.done:
		s.queued.Add(-int64(len(m)))
	case s.out <- m:
		s.touch()
	default:
		s.queued.Add(-int64(len(m)))
		s.n.log.Warn("user send queue full, dropping connection", "remote", s.host)
		s.conn.CloseNow()
	}
}

// armIdle enforces user.idle_timeout: the connection closes once nothing went in or out for
// that long (hpcore check_last_activity_rules).
func (s *session) armIdle(d, first time.Duration) {
	s.idle.Store(time.AfterFunc(first, func() { s.checkIdle(d) }))
}

func (s *session) checkIdle(d time.Duration) {
	select {
	case <-s.done:
		return
	default:
	}
	since := time.Since(time.Unix(0, s.active.Load()))
	if since >= d {
		s.n.log.Debug("closing idle user connection", "remote", s.host, "idle_timeout", d)
		s.conn.CloseNow()
		return
	}
	s.armIdle(d, d-since)
}

func (s *session) writeLoop(ctx context.Context) {
	for {
		select {
		case <-s.done:
			return
		case m := <-s.out:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := s.conn.Write(wctx, websocket.MessageBinary, m)
			cancel()
			s.queued.Add(-int64(len(m)))
			if err != nil {
				s.conn.CloseNow()
				return
			}
		}
	}
}

func (n *Node) maxMsgBytes() int64 {
	if m := n.cfg.User.MaxBytesPerMsg; m > 0 {
		return int64(m)
	}
	return defaultMaxMsgBytes
}

// otherUsersLocked counts the verified users other than the owner.
func (n *Node) otherUsersLocked() uint64 {
	c := len(n.users)
	if n.owner != "" && n.users[n.owner] != nil {
		c--
	}
	return uint64(c)
}

func (n *Node) serveHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		http.Error(w, "closing", http.StatusServiceUnavailable)
		return
	}
	// hpcore refuses a connection when user.max_connections users are verified. While the
	// owner is away the connection may still be the owner's: it is refused at verification.
	if mc := n.cfg.User.MaxConnections; mc > 0 && n.otherUsersLocked() >= mc && (n.owner == "" || n.users[n.owner] != nil) {
		n.mu.Unlock()
		http.Error(w, "maximum user connections reached", http.StatusServiceUnavailable)
		return
	}
	if mh := n.cfg.User.MaxInConnectionsPerHost; mh > 0 && n.hostConns[host] >= mh {
		n.mu.Unlock()
		http.Error(w, "maximum connections per host reached", http.StatusServiceUnavailable)
		return
	}
	n.hostConns[host]++
	limit := n.maxMsgBytes()
	ctx := n.ctx
	n.wg.Add(1)
	n.mu.Unlock()
	defer n.wg.Done()
	defer func() {
		n.mu.Lock()
		if n.hostConns[host]--; n.hostConns[host] == 0 {
			delete(n.hostConns, host)
		}
		n.mu.Unlock()
	}()

	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	c.SetReadLimit(preHandshakeReadLimit) // raised to max_bytes_per_msg once verified
	var ch [challengeBytes]byte
	if _, err := rand.Read(ch[:]); err != nil {
		c.CloseNow()
		return
	}
	s := &session{n: n, conn: c, gc: gateConnFrom(r.Context()), host: host, out: make(chan []byte, sessionQueue), done: make(chan struct{}), challenge: lowerHex(ch[:])}
	s.touch()
	n.mu.Lock()
	s.bytesMin.limit, s.badMin.limit = n.cfg.User.MaxBytesPerMin, n.cfg.User.MaxBadMsgsPerMin
	n.sessions[s] = struct{}{}
	n.wg.Add(1)
	cid, ver := n.cfg.Contract.ID, n.cfg.Contract.Version
	n.mu.Unlock()
	go func() {
		defer n.wg.Done()
		s.writeLoop(ctx)
	}()
	defer func() {
		n.mu.Lock()
		delete(n.sessions, s)
		if s.verified && n.users[s.pub] == s {
			delete(n.users, s.pub)
		}
		n.mu.Unlock()
		close(s.done)
		if t := s.idle.Load(); t != nil {
			t.Stop()
		}
		c.CloseNow()
	}()
	s.send(buildUserChallenge(cid, ver, s.challenge))
	if s.gc == nil { // the gate closes unverified connections; without it, do it here
		hs := time.AfterFunc(handshakeTimeout, func() {
			n.mu.Lock()
			v := s.verified
			n.mu.Unlock()
			if !v {
				c.CloseNow()
			}
		})
		defer hs.Stop()
	}

	raised := false
	for {
		if raised && !n.waitInputRoom(ctx, s) { // only verified users submit inputs
			return
		}
		data, err := n.readMessage(ctx, c, raised)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				n.log.Info("user message too large; connection closed", "remote", host, "verified", raised)
			}
			return
		}
		s.touch()
		ok, check := n.handleMessage(s, data)
		if check != nil {
			check() // an input's signature, checked now rather than while the round closes
		}
		if raised {
			n.receiving.Add(-1) // counted by readMessage until the message is in
		}
		if !ok {
			_ = c.Close(websocket.StatusPolicyViolation, "hotpocket: connection dropped")
			return
		}
		if !raised {
			n.mu.Lock()
			raised = s.verified
			n.mu.Unlock()
			if raised {
				c.SetReadLimit(limit)
			}
		}
	}
}

// readMessage reads one message. When the session is verified it counts the message in
// n.receiving from its first frame; a message read without error stays counted until the
// caller has handled it (a round paced by PaceRounds then holds until the input is in).
func (n *Node) readMessage(ctx context.Context, c *websocket.Conn, verified bool) ([]byte, error) {
	_, r, err := c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	if !verified {
		return io.ReadAll(r)
	}
	n.receiving.Add(1)
	data, err := io.ReadAll(r)
	if err != nil {
		n.receiving.Add(-1)
	}
	return data, err
}

// waitInputRoom holds a user's next read while the round's submitted inputs are at their
// bound (pendingInputBytes node-wide; max_bytes_per_msg for this user when
// round_limits.user_input_bytes is 0), until the round closes. False: the node stopped.
func (n *Node) waitInputRoom(ctx context.Context, s *session) bool {
	for {
		n.mu.Lock()
		full := n.pendingIn >= pendingInputBytes ||
			n.cfg.Contract.RoundLimits.UserInputBytes == 0 && s.inputBytes >= uint64(n.maxMsgBytes())
		done := n.roundDone
		n.mu.Unlock()
		if !full {
			return true
		}
		select {
		case <-done:
			s.touch() // waiting on the node is not the user's idleness
		case <-ctx.Done():
			return false
		}
	}
}

// handleMessage processes one message; false drops the connection. check, if not nil,
// verifies the signature of the input the message submitted: call it after handleMessage.
func (n *Node) handleMessage(s *session, data []byte) (ok bool, check func() bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	if s.bytesMin.add(now, uint64(len(data))) {
		n.log.Info("user exceeded max_bytes_per_min", "remote", s.host)
		return false, nil
	}
	if !s.verified {
		r, err := parseChallengeResponse(data, s.challenge)
		if err != nil {
			n.log.Debug("user challenge verification failed", "remote", s.host, "err", err)
			return false, nil
		}
		if r.ServerChallenge != "" {
			msg := r.ServerChallenge + n.cfg.Contract.ID + n.cfg.Contract.Version
			s.send(buildServerChallengeResponse(ed25519.Sign(n.priv, []byte(msg)), n.pubHex, n.unlHexLocked()))
		}
		owner := n.owner != "" && string(r.PubKey) == n.owner
		if mc := n.cfg.User.MaxConnections; !owner && mc > 0 && n.otherUsersLocked() >= mc {
			n.log.Debug("rejecting user: user.max_connections reached", "remote", s.host)
			return false, nil
		}
		// As hpcore: a duplicate key or a full node still gets the server response, but the
		// session stays unverified and its next message is read as a challenge response.
		// The owner is not counted and always has room.
		if !owner && n.otherUsersLocked() >= maxUserCount {
			n.log.Debug("rejecting user: maximum user count reached", "remote", s.host)
			return true, nil
		}
		if n.users[string(r.PubKey)] != nil {
			n.log.Debug("duplicate user public key", "pubkey", r.PubKeyHex)
			return true, nil
		}
		s.verified, s.pub, s.proto = true, string(r.PubKey), r.Protocol
		n.users[s.pub] = s
		if s.gc != nil {
			n.gate.verified(s.gc)
		}
		if d := time.Duration(n.cfg.User.IdleTimeout) * time.Millisecond; d > 0 {
			s.armIdle(d, d)
		}
		n.log.Debug("user authenticated", "pubkey", r.PubKeyHex, "protocol", r.Protocol)
		return true, nil
	}
	before := len(n.submitted)
	good := n.handleAuthedLocked(s, data)
	if len(n.submitted) > before { // the message submitted an input
		check = n.submitted[before].sigOK
	}
	if !good && s.badMin.add(now, 1) {
		n.log.Info("user exceeded max_bad_msgs_per_min", "remote", s.host)
		return false, check
	}
	return true, check
}

// handleAuthedLocked is hpcore's handle_authed_user_message; false counts a bad message.
func (n *Node) handleAuthedLocked(s *session, data []byte) bool {
	m, err := decodeUserMessage(s.proto, data)
	if err != nil {
		s.send(buildInputStatus(s.proto, statusRejected, hpwire.ReasonBadMsgFormat, nil, 0, nil))
		return false
	}
	switch m.Type {
	case hpwire.MsgContractReadRequest:
		if !n.cfg.Contract.Execute || n.cfg.User.ConcurrentReadRequests == 0 {
			return true
		}
		if !m.fieldsOK {
			s.send(buildInputStatus(s.proto, statusRejected, hpwire.ReasonBadMsgFormat, nil, 0, nil))
			return false
		}
		n.enqueueReadLocked(s, m.ID, m.Content)
		return true
	case hpwire.MsgContractInput:
		if !m.fieldsOK {
			s.send(buildInputStatus(s.proto, statusRejected, hpwire.ReasonBadMsgFormat, hpwire.Hash(nil), 0, nil))
			return false
		}
		reject := func(reason string) bool {
			s.send(buildInputStatus(s.proto, statusRejected, reason, hpwire.Hash(m.Sig), 0, nil))
			return false
		}
		ic, err := decodeInputContainer(s.proto, m.Container)
		if err != nil {
			return reject(hpwire.ReasonBadMsgFormat)
		}
		lcl := n.lcl.SeqNo
		if off := n.cfg.Contract.MaxInputLedgerOffset; off != 0 && ic.MaxLedgerSeq > lcl+off {
			return reject(hpwire.ReasonMaxLedgerOffsetExceeded)
		}
		if ic.MaxLedgerSeq <= lcl {
			return reject(hpwire.ReasonMaxLedgerExpired)
		}
		if lim := n.cfg.Contract.RoundLimits.UserInputBytes; lim > 0 && s.inputBytes+uint64(len(ic.Input)) > lim {
			return reject(hpwire.ReasonRoundInputsOverflow)
		}
		if r := n.checkNonceLocked([]byte(s.pub), ic.Nonce, m.Sig, ic.MaxLedgerSeq, false); r != "" {
			return reject(r)
		}
		pub, cont, sig := ed25519.PublicKey(s.pub[1:]), m.Container, m.Sig
		sigOK := sync.OnceValue(func() bool { return verifySig(pub, cont, sig) })
		n.submitted = append(n.submitted, submittedInput{pub: []byte(s.pub), container: cont, sig: sig, proto: s.proto, sigOK: sigOK})
		n.pendingIn += uint64(len(m.Container))
		s.inputBytes += uint64(len(ic.Input))
		return true
	case hpwire.MsgStat:
		s.send(buildStatResponse(s.proto, statInfo{
			seq: n.lcl.SeqNo, hash: n.lcl.Hash, voteStatus: n.voteStatus, roundtime: n.cfg.Contract.Consensus.Roundtime,
			execute: n.cfg.Contract.Execute, readRequests: n.cfg.User.ConcurrentReadRequests != 0,
			fullHistory: n.cfg.Node.History == "full", unl: n.unlBytesLocked(),
		}))
		return true
	case hpwire.MsgLCL:
		s.send(buildLCLResponse(s.proto, n.lcl.SeqNo, n.lcl.Hash))
		return true
	case hpwire.MsgSubscription:
		if !m.fieldsOK {
			return false
		}
		switch m.Channel {
		case hpwire.MsgUNLChange:
			s.subs[chanUNL] = m.Enabled
		case hpwire.MsgLedgerEvent:
			s.subs[chanLedger] = m.Enabled
		default: // health_event needs hpcore's debug-only health stats: rejected as hpcore does
			return false
		}
		return true
	case hpwire.MsgLedgerQuery:
		if !m.fieldsOK {
			return false
		}
		var res []*ledgerRecord
		for i := range n.history {
			if n.history[i].SeqNo == m.SeqNo {
				l := n.history[i]
				if m.IncludeInputs || m.IncludeOutputs {
					loadRaw(n.dir, &l)
				}
				res = append(res, &l)
			}
		}
		s.send(buildLedgerQueryResult(s.proto, m.ID, res, m.IncludeInputs, m.IncludeOutputs))
		return true
	default:
		s.send(buildInputStatus(s.proto, statusRejected, hpwire.ReasonInvalidMsgType, nil, 0, nil))
		return false
	}
}

// enqueueReadLocked runs a read request as a read-only contract execution with one user and
// one input; every output becomes one contract_read_response.
func (n *Node) enqueueReadLocked(s *session, id string, content []byte) {
	if n.readQueued >= maxReadQueue || n.readBytes+len(content) > readQueueBytes || n.ctx == nil {
		n.log.Warn("read request queue full; request dropped")
		return
	}
	n.readQueued++
	n.readBytes += len(content)
	ctx, sem := n.ctx, n.readSem
	pub := []byte(s.pub)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer func() {
			n.mu.Lock()
			n.readQueued--
			n.readBytes -= len(content)
			n.mu.Unlock()
		}()
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-sem }()
		n.execMu.RLock()
		n.mu.Lock()
		req := execRequest{cfg: n.cfg.clone(), readonly: true, lclSeq: n.lcl.SeqNo, lclHash: n.lcl.Hash,
			users: []execUser{{pub: pub, hex: lowerHex(pub), inputs: [][]byte{content}}}}
		n.mu.Unlock()
		res := n.execute(ctx, req)
		n.execMu.RUnlock()
		n.mu.Lock()
		defer n.mu.Unlock()
		for _, o := range res.outputs[string(pub)] {
			s.send(buildReadResponse(s.proto, id, o))
		}
	}()
}
