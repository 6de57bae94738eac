// Package ledger is localnet's ledger engine: the state of one XRPL-family
// ledger (Xahau or the XRP Ledger), the application of signed transactions
// with their real checks and result codes, metadata, ledger closes and Go
// hooks. It knows nothing about websockets; evernode/localnet serves it.
//
// The engine follows rippled and xahaud where clients can observe it (result
// codes, object layouts and indexes, metadata shapes) and simplifies where
// they cannot: one node, no consensus, no order books or paths (issued
// currencies move along the direct trust lines, through the issuer), no
// transfer fees, no transaction queue (terPRE_SEQ transactions are not
// held), and ledger hashes that identify ledgers but are not rippled's
// SHAMap hashes.
package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/codec"
	"github.com/evernode-go/sdk/internal/hookvm"
)

// RippleEpoch is the Unix time of the XRPL epoch (2000-01-01T00:00:00Z).
const RippleEpoch = 946684800

// Config configures an Engine. Zero fields take the defaults named.
type Config struct {
	// Xahau selects Xahau rules (URITokens, hooks, XAH); false means the
	// XRP Ledger (NFTokens, XRP).
	Xahau bool
	// Defs are the binary definitions; nil means codec.Xahau() or codec.XRPL().
	Defs *codec.Definitions
	// NetworkID is the network's id; 0 means none (then transactions must not
	// carry one).
	NetworkID uint32
	// BaseFee in drops; 0 means 10.
	BaseFee int64
	// ReserveBase and ReserveInc in drops; 0 means 1,000,000 and 200,000.
	ReserveBase, ReserveInc int64
	// HookFee is the extra fee in drops for each hook a transaction fires;
	// 0 means 10.
	HookFee int64
	// Genesis is the genesis account; zero means the well-known
	// rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh.
	Genesis AccountID
	// GenesisDrops is the genesis balance; 0 means 100 billion (×10^6 drops).
	GenesisDrops int64
	// History is how many closed ledgers stay readable (state, headers,
	// transactions); older ones are forgotten. Zero means DefaultHistory
	// (256).
	History uint32
	// Start is the close time of the genesis ledger; zero means now.
	Start time.Time
	// Logger receives debug logs; nil means silent.
	Logger *slog.Logger
	// HookRuntime runs WebAssembly hooks for this and other engines (it
	// compiles each hook once); the caller closes it after the engines.
	// Nil means the engine creates its own (released by ReleaseHooks).
	HookRuntime *hookvm.Runtime
}

// GenesisAccount is the genesis account of rippled's standalone mode,
// derived from the seed "snoPBrXtMeMyMHUVTgbuqAfg1SUTb".
const GenesisAccount = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"

// Ledger is a closed ledger's header and transactions.
type Ledger struct {
	Seq         uint32
	Hash        Hash
	ParentHash  Hash
	CloseTime   uint32 // seconds since the ripple epoch
	ParentClose uint32
	TotalDrops  int64
	Txs         []*TxRecord
}

// TxRecord is a transaction the engine applied, with its metadata.
type TxRecord struct {
	Hash   Hash
	Blob   []byte
	JSON   map[string]any // tx_json, without "hash"
	Meta   map[string]any
	Result string
	Code   int
	// LedgerSeq is the ledger the transaction is (or will be) in.
	LedgerSeq uint32
	// Ledger is set once that ledger closed.
	Ledger *Ledger
	// Accounts are the accounts the transaction affected, for account_tx and
	// account streams.
	Accounts []AccountID
}

// Validated reports whether the transaction's ledger closed.
func (t *TxRecord) Validated() bool { return t.Ledger != nil }

// Engine is one ledger chain. It is safe for concurrent use; hooks run with
// the engine locked and must not call back into it.
type Engine struct {
	cfg  Config
	defs *codec.Definitions
	log  *slog.Logger

	mu       sync.Mutex
	open     stateMap // the open ledger's state
	closed   stateMap // the last closed ledger's state
	dirty    map[Hash]struct{}
	openSeq  uint32
	ledgers  []*Ledger // retained closed ledgers, oldest first, consecutive
	undo     []undoLog // undo[i]: what closing ledgers[i] overwrote
	pending  []*TxRecord
	txs      map[Hash]*TxRecord
	acctTxs  map[AccountID][]*TxRecord
	hooks    map[AccountID][]hookSlot
	wasm     *wasmHooks // SetHook's WebAssembly hooks (wasmhook.go)
	rejects  map[AccountID]string
	totalDr  int64
	lastTime uint32
}

// New creates the genesis ledger (closed, index 1) and opens ledger 2.
func New(cfg Config) *Engine {
	if cfg.Defs == nil {
		if cfg.Xahau {
			cfg.Defs = codec.Xahau()
		} else {
			cfg.Defs = codec.XRPL()
		}
	}
	if cfg.BaseFee == 0 {
		cfg.BaseFee = 10
	}
	if cfg.ReserveBase == 0 {
		cfg.ReserveBase = 1_000_000
	}
	if cfg.ReserveInc == 0 {
		cfg.ReserveInc = 200_000
	}
	if cfg.HookFee == 0 {
		cfg.HookFee = 10
	}
	if cfg.Genesis == (AccountID{}) {
		cfg.Genesis, _ = ParseAccount(GenesisAccount)
	}
	if cfg.GenesisDrops == 0 {
		cfg.GenesisDrops = 100_000_000_000 * 1_000_000
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	if cfg.History == 0 {
		cfg.History = DefaultHistory
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		cfg: cfg, defs: cfg.Defs, log: log,
		open: stateMap{}, closed: stateMap{}, dirty: map[Hash]struct{}{},
		txs: map[Hash]*TxRecord{}, acctTxs: map[AccountID][]*TxRecord{},
		hooks: map[AccountID][]hookSlot{}, rejects: map[AccountID]string{}, wasm: &wasmHooks{},
		totalDr: cfg.GenesisDrops,
	}
	g := Entry{
		"LedgerEntryType": "AccountRoot", "Account": cfg.Genesis.String(), "Balance": strconv.FormatInt(cfg.GenesisDrops, 10),
		"Flags": uint32(0), "OwnerCount": uint32(0), "Sequence": uint32(1),
		"PreviousTxnID": Hash{}.String(), "PreviousTxnLgrSeq": uint32(0),
	}
	e.open[AccountKey(cfg.Genesis)] = g
	fees := Entry{"LedgerEntryType": "FeeSettings", "Flags": uint32(0)}
	if cfg.Xahau {
		fees["BaseFee"] = strconv.FormatInt(cfg.BaseFee, 16)
		fees["ReferenceFeeUnits"] = uint32(10)
		fees["ReserveBase"] = uint32(cfg.ReserveBase)
		fees["ReserveIncrement"] = uint32(cfg.ReserveInc)
	} else {
		fees["BaseFeeDrops"] = strconv.FormatInt(cfg.BaseFee, 10)
		fees["ReserveBaseDrops"] = strconv.FormatInt(cfg.ReserveBase, 10)
		fees["ReserveIncrementDrops"] = strconv.FormatInt(cfg.ReserveInc, 10)
	}
	e.open[FeeSettingsKey()] = fees
	e.closed = maps.Clone(e.open)
	e.openSeq = 1
	e.lastTime = toRipple(cfg.Start) - 1
	e.closeLocked(cfg.Start)
	return e
}

func toRipple(t time.Time) uint32 {
	s := t.Unix() - RippleEpoch
	if s < 0 {
		return 0
	}
	return uint32(s)
}

// Defs returns the engine's binary definitions.
func (e *Engine) Defs() *codec.Definitions { return e.defs }

// Xahau reports whether the engine runs Xahau rules.
func (e *Engine) Xahau() bool { return e.cfg.Xahau }

// NetworkID returns the configured network id.
func (e *Engine) NetworkID() uint32 { return e.cfg.NetworkID }

// Fees returns the base fee and reserves in drops.
func (e *Engine) Fees() (base, reserveBase, reserveInc int64) {
	return e.cfg.BaseFee, e.cfg.ReserveBase, e.cfg.ReserveInc
}

// Genesis returns the genesis account.
func (e *Engine) Genesis() AccountID { return e.cfg.Genesis }

// Close closes the open ledger at time now (moved forward to one second past
// the previous close if needed) and opens the next. It returns the closed
// ledger.
func (e *Engine) Close(now time.Time) *Ledger {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closeLocked(now)
}

func (e *Engine) closeLocked(now time.Time) *Ledger {
	ct := toRipple(now)
	if ct <= e.lastTime {
		ct = e.lastTime + 1
	}
	l := &Ledger{Seq: e.openSeq, CloseTime: ct, ParentClose: e.lastTime, Txs: e.pending, TotalDrops: e.totalDr}
	if n := len(e.ledgers); n > 0 {
		l.ParentHash = e.ledgers[n-1].Hash
	}
	var buf []byte
	buf = binary.BigEndian.AppendUint32(buf, l.Seq)
	buf = append(buf, l.ParentHash[:]...)
	buf = binary.BigEndian.AppendUint32(buf, l.CloseTime)
	for _, t := range l.Txs {
		buf = append(buf, t.Hash[:]...)
	}
	l.Hash = Hash(codec.SHA512Half([]byte("LWR\x00"), buf))
	for _, t := range l.Txs {
		t.Ledger = l
	}
	undo := make(undoLog, len(e.dirty))
	for k := range e.dirty {
		undo[k] = e.closed[k]
		if v, ok := e.open[k]; ok {
			e.closed[k] = v
		} else {
			delete(e.closed, k)
		}
	}
	clear(e.dirty)
	e.ledgers = append(e.ledgers, l)
	e.undo = append(e.undo, undo)
	e.retainLocked()
	e.pending = nil
	e.openSeq++
	e.lastTime = ct
	e.log.Debug("ledger closed", "index", l.Seq, "txs", len(l.Txs))
	e.injectEmittedLocked()
	return l
}

// LastClose returns the last closed ledger's index and close time.
func (e *Engine) LastClose() (seq uint32, closeTime uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.openSeq - 1, e.lastTime
}

// OpenSeq returns the index of the open (current) ledger.
func (e *Engine) OpenSeq() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.openSeq
}

// Ledger returns closed ledger seq, or nil when it is not retained.
func (e *Engine) Ledger(seq uint32) *Ledger {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ledgerLocked(seq)
}

// LedgerByHash returns a retained closed ledger by hash, or nil.
func (e *Engine) LedgerByHash(h Hash) *Ledger {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.ledgers) - 1; i >= 0; i-- {
		if e.ledgers[i].Hash == h {
			return e.ledgers[i]
		}
	}
	return nil
}

// Tx returns a transaction by hash, applied or pending, or nil. It returns a
// snapshot: the engine sets a pending record's Ledger when its ledger
// closes, which must not race with callers reading the copy.
func (e *Engine) Tx(h Hash) *TxRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.txs[h]
	if r == nil {
		return nil
	}
	cp := *r
	return &cp
}

// AccountTxs returns the account's transactions in validated ledgers
// between min and max (inclusive), oldest first.
func (e *Engine) AccountTxs(a AccountID, min, max uint32) []*TxRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*TxRecord
	for _, t := range e.acctTxs[a] {
		if t.Ledger != nil && t.LedgerSeq >= min && t.LedgerSeq <= max {
			out = append(out, t)
		}
	}
	return out
}

// Which selects the state a read sees.
type Which int

const (
	// Current is the open ledger, with every applied transaction.
	Current Which = iota
	// Validated is the last closed ledger.
	Validated
)

// Reader is a read-only view of one ledger state, valid only inside Read.
type Reader struct {
	e *Engine
	r reader
	// Seq is the ledger index the state belongs to.
	Seq uint32
	// LedgerHash is the closed ledger's hash (zero for the open ledger).
	LedgerHash Hash
}

// Get returns the entry at k, or nil. Callers must not modify it.
func (r Reader) Get(k Hash) Entry { return r.r.get(k) }

// Read calls fn with the chosen state, the engine locked.
func (e *Engine) Read(w Which, fn func(r Reader)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w == Validated {
		fn(Reader{e: e, r: e.closed, Seq: e.openSeq - 1, LedgerHash: e.ledgers[len(e.ledgers)-1].Hash})
		return
	}
	fn(Reader{e: e, r: e.open, Seq: e.openSeq})
}

// Walk calls fn for each index in the directory rooted at root from the
// given page and entry (zero: the start) until fn returns false. It reports
// false if the start entry was not found.
func (r Reader) Walk(root Hash, page uint64, entry Hash, fn func(page uint64, idx Hash) bool) bool {
	return dirWalk(r.r, root, page, entry, fn)
}

// Each calls fn for every entry in the state, in no particular order.
func (r Reader) Each(fn func(k Hash, e Entry)) {
	switch m := r.r.(type) {
	case stateMap:
		for k, v := range m {
			fn(k, v)
		}
	case histReader:
		m.each(fn)
	}
}

// RejectNext makes the account's next submitted transaction get result
// (after the signature checks), whatever it would have got.
func (e *Engine) RejectNext(a AccountID, result string) error {
	if _, ok := e.defs.ResultCode(result); !ok {
		return fmt.Errorf("ledger: unknown result %q", result)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rejects[a] = result
	return nil
}

// ---- submission ----

// RPCError is a submission failure that rippled reports as an RPC error
// rather than an engine result.
type RPCError struct {
	Code      string // e.g. "invalidTransaction"
	Exception string // error_exception
}

func (e *RPCError) Error() string { return "ledger: " + e.Code + ": " + e.Exception }

// Submitted is the outcome of Submit.
type Submitted struct {
	Result  string
	Code    int
	Applied bool // the transaction is in the open ledger (tes or tec)
	Hash    Hash
	JSON    map[string]any
	// Record is the applied transaction, nil unless Applied.
	Record *TxRecord
	// AccountSeqNext is the account's next sequence after the submission.
	AccountSeqNext uint32
}

// Submit checks and applies a signed transaction blob to the open ledger.
func (e *Engine) Submit(blob []byte) (*Submitted, error) {
	if len(blob) == 0 || len(blob) > 1<<20 {
		return nil, &RPCError{Code: "invalidTransaction", Exception: "fails local checks: Empty or oversized transaction."}
	}
	tx, err := e.defs.Decode(blob)
	if err != nil {
		return nil, &RPCError{Code: "invalidTransaction", Exception: "fails local checks: " + err.Error()}
	}
	// The binary must be canonical: re-encoding gives the same bytes.
	if re, err := e.defs.Encode(tx); err != nil || string(re) != string(blob) {
		return nil, &RPCError{Code: "invalidTransaction", Exception: "fails local checks: Transaction is not canonical."}
	}
	h := Hash(codec.TransactionHash(blob))
	res := &Submitted{Hash: h, JSON: tx}
	if r := e.checkShape(tx); r != "" {
		return e.finish(res, r), nil
	}
	if _, emitted := tx["EmitDetails"]; emitted {
		return e.finish(res, "temMALFORMED"), nil
	}
	if ok, why := e.checkSignature(tx); !ok {
		return nil, &RPCError{Code: "invalidTransaction", Exception: "fails local checks: " + why}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.txs[h]; ok {
		_ = old
		return e.finish(res, "tefALREADY"), nil
	}
	acct, _ := ParseAccount(str(tx, "Account"))
	forced, hasForced := e.rejects[acct]
	if hasForced {
		delete(e.rejects, acct)
	}
	rec, result := e.applyLocked(tx, blob, h, forced, 0)
	res.Result = result
	if rec != nil {
		res.Applied = true
		res.Record = rec
	}
	if ar := e.open.get(AccountKey(acct)); ar != nil {
		res.AccountSeqNext = u32(ar, "Sequence")
	}
	return e.finish(res, result), nil
}

func (e *Engine) finish(res *Submitted, result string) *Submitted {
	res.Result = result
	res.Code, _ = e.defs.ResultCode(result)
	return res
}

// checkShape checks the fields every transaction needs.
func (e *Engine) checkShape(tx map[string]any) string {
	if _, ok := tx["TransactionType"].(string); !ok {
		return "temMALFORMED"
	}
	if _, ok := ParseAccount(str(tx, "Account")); !ok {
		return "temBAD_SRC_ACCOUNT"
	}
	fee, ok := parseAmount(tx["Fee"])
	if !ok || !fee.native || fee.drops < 0 {
		return "temBAD_FEE"
	}
	if _, ok := tx["Sequence"].(uint32); !ok {
		return "temMALFORMED"
	}
	return ""
}

// checkSignature verifies TxnSignature against SigningPubKey.
func (e *Engine) checkSignature(tx map[string]any) (bool, string) {
	if isMultiSigned(tx) {
		return e.checkMultiSignature(tx)
	}
	pub, err := hex.DecodeString(str(tx, "SigningPubKey"))
	if err != nil || len(pub) != 33 {
		return false, "Invalid signature."
	}
	sig, err := hex.DecodeString(str(tx, "TxnSignature"))
	if err != nil || len(sig) == 0 {
		return false, "Invalid signature."
	}
	m := maps.Clone(tx)
	delete(m, "TxnSignature")
	msg, err := e.defs.EncodeForSigning(m)
	if err != nil {
		return false, "Invalid signature."
	}
	if !evernode.VerifySignature(pub, msg, sig) {
		return false, "Invalid signature."
	}
	return true, ""
}

// accountOfKey returns the account a public key controls as master key.
func accountOfKey(pub []byte) AccountID {
	var a AccountID
	copy(a[:], addresscodec.Sha256RipeMD160(pub))
	return a
}

// Fee returns the fee in drops the open ledger requires of tx (the JSON of
// a decoded transaction): the base fee plus HookFee for every hook that
// would fire.
func (e *Engine) Fee(tx map[string]any) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requiredFee(tx)
}

func (e *Engine) requiredFee(tx map[string]any) int64 {
	fee := e.cfg.BaseFee * int64(1+signerCount(tx)) // each signer adds a base fee
	if e.cfg.Xahau {
		n := 0
		for _, a := range e.stakeholders(newView(e.open), tx) {
			n += len(e.hooks[a])
		}
		fee += int64(n) * e.cfg.HookFee
		v := newView(e.open)
		fee += e.wasmHookFee(v, tx)
		if str(tx, "TransactionType") == "SetHook" {
			fee += setHookFee(tx)
		}
	}
	return fee
}

// reserve is the reserve for an account owning n objects.
func (e *Engine) reserve(n uint32) int64 { return e.cfg.ReserveBase + int64(n)*e.cfg.ReserveInc }

// applyLocked runs a decoded transaction through preflight, preclaim and
// apply. forced overrides the result (RejectNext). It returns the record if
// the transaction was applied (tes or tec) and the result.
func (e *Engine) applyLocked(tx map[string]any, blob []byte, h Hash, forced string, gen int) (*TxRecord, string) {
	emitted := gen > 0
	acct, _ := ParseAccount(str(tx, "Account"))
	if !emitted {
		if r := e.preflight0(tx); r != "" {
			return nil, r
		}
	}
	if r := e.preflight(tx); r != "" && forced == "" {
		return nil, r
	}
	base := newView(e.open)
	ar := base.get(AccountKey(acct))
	if ar == nil {
		return nil, "terNO_ACCOUNT"
	}
	fee, _ := parseAmount(tx["Fee"])
	seq := u32(tx, "Sequence")
	if !emitted {
		aseq := u32(ar, "Sequence")
		if _, ticket := tx["TicketSequence"]; ticket {
			return nil, "temMALFORMED" // tickets are not supported
		}
		switch {
		case seq < aseq:
			return nil, "tefPAST_SEQ"
		case seq > aseq:
			return nil, "terPRE_SEQ"
		}
		if lls, ok := tx["LastLedgerSequence"].(uint32); ok && lls < e.openSeq {
			return nil, "tefMAX_LEDGER"
		}
		if fee.drops < e.requiredFee(tx) {
			return nil, "telINSUF_FEE_P"
		}
		if r := e.checkAuth(ar, tx); r != "" {
			return nil, r
		}
	}
	if drops(ar, "Balance") < fee.drops {
		return nil, "terINSUF_FEE_B"
	}
	if forced != "" && !strings.HasPrefix(forced, "tes") && !strings.HasPrefix(forced, "tec") {
		return nil, forced
	}

	// Charge the fee and consume the sequence on a view of their own, so a
	// tec result keeps exactly these changes.
	feeView := newView(base)
	ar = feeView.edit(AccountKey(acct))
	setDrops(ar, "Balance", drops(ar, "Balance")-fee.drops)
	if !emitted {
		ar["Sequence"] = seq + 1
	}
	feeView.put(AccountKey(acct), ar)
	if emitted {
		removeEmission(feeView, h)
	}

	ctx := &applyCtx{e: e, v: newView(feeView), tx: tx, hash: h, acct: acct, seq: seq, fee: fee.drops, gen: gen}
	ctx.priorBalance = drops(ar, "Balance") + fee.drops
	var result string
	switch {
	case forced != "":
		result = forced
	default:
		result = ctx.runHooks()
		if result == "" {
			result = ctx.doApply()
			if result == "tesSUCCESS" {
				ctx.runWeakWasmHooks()
			}
		}
	}
	if result == "" {
		result = "tefINTERNAL"
	}
	final := feeView
	switch {
	case result == "tesSUCCESS":
		ctx.v.commitTo(feeView)
	case strings.HasPrefix(result, "tec") && forced == "":
		// xahaud runs the post-apply hooks of every applied transaction:
		// on a tec, over the fee and sequence changes it keeps (an
		// emitted transaction's callback runs with 0, as on success).
		ctx.emits = nil
		ctx.v = newView(feeView)
		ctx.tecResult = result
		ctx.runWeakWasmHooks()
		ctx.v.commitTo(feeView)
	default:
		ctx.emits = nil
	}
	if !strings.HasPrefix(result, "tes") && !strings.HasPrefix(result, "tec") {
		return nil, result
	}
	e.totalDr -= fee.drops
	rec := &TxRecord{Hash: h, Blob: blob, JSON: tx, Result: result, LedgerSeq: e.openSeq}
	rec.Code, _ = e.defs.ResultCode(result)
	rec.Meta, rec.Accounts = e.buildMeta(final, ctx, result, uint32(len(e.pending)))
	e.commitLocked(final)
	e.pending = append(e.pending, rec)
	e.txs[h] = rec
	for _, a := range rec.Accounts {
		e.acctTxs[a] = append(e.acctTxs[a], rec)
	}
	return rec, result
}

// commitLocked writes a view's changes to the open state.
func (e *Engine) commitLocked(v *view) {
	for _, k := range v.order {
		if x := v.changes[k]; x != nil {
			e.open[k] = x
		} else {
			delete(e.open, k)
		}
		e.dirty[k] = struct{}{}
	}
}

// preflight0 checks NetworkID as rippled does.
func (e *Engine) preflight0(tx map[string]any) string {
	nid, has := tx["NetworkID"].(uint32)
	if e.cfg.NetworkID <= 1024 {
		if has {
			return "telNETWORK_ID_MAKES_TX_NON_CANONICAL"
		}
		return ""
	}
	if !has {
		return "telREQUIRES_NETWORK_ID"
	}
	if nid != e.cfg.NetworkID {
		return "telWRONG_NETWORK"
	}
	return ""
}

// checkAuth checks the signing key against the account's master and
// regular keys.
func (e *Engine) checkAuth(ar Entry, tx map[string]any) string {
	if isMultiSigned(tx) {
		return e.checkMultiSign(e.open, tx)
	}
	pub, _ := hex.DecodeString(str(tx, "SigningPubKey"))
	signer := accountOfKey(pub)
	acct, _ := ParseAccount(str(tx, "Account"))
	if rk, ok := ParseAccount(str(ar, "RegularKey")); ok && rk == signer {
		return ""
	}
	if signer == acct {
		if u32(ar, "Flags")&lsfDisableMaster != 0 {
			return "tefMASTER_DISABLED"
		}
		return ""
	}
	return "tefBAD_AUTH"
}

// Account root flags.
const (
	lsfPasswordSpent  = 0x00010000
	lsfRequireDestTag = 0x00020000
	lsfRequireAuth    = 0x00040000
	lsfDisallowXRP    = 0x00080000
	lsfDisableMaster  = 0x00100000
	lsfNoFreeze       = 0x00200000
	lsfGlobalFreeze   = 0x00400000
	lsfDefaultRipple  = 0x00800000
	lsfDepositAuth    = 0x01000000
)

// RippleState flags.
const (
	lsfLowReserve   = 0x00010000
	lsfHighReserve  = 0x00020000
	lsfLowNoRipple  = 0x00100000
	lsfHighNoRipple = 0x00200000
)

// applyCtx is one transaction being applied.
type applyCtx struct {
	e            *Engine
	v            *view
	tx           map[string]any
	hash         Hash
	acct         AccountID
	seq          uint32
	fee          int64
	priorBalance int64
	gen          int

	delivered *amount // Payment: what arrived
	hookExecs []any
	aaw       []hookExecution // strong wasm executions that asked hook_again
	hookEmits []any
	emits     []map[string]any
	// tecResult is the tec result of an applied transaction whose
	// post-apply hooks run (their provisional metadata shows it); ""
	// means tesSUCCESS.
	tecResult string
}

// sortedKeys returns the keys of m in order.
func sortedKeys[M ~map[Hash]V, V any](m M) []Hash {
	ks := make([]Hash, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b Hash) int { return strings.Compare(string(a[:]), string(b[:])) })
	return ks
}
