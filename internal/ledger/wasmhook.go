package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"

	"github.com/evernode-go/sdk/internal/hookvm"
)

// WebAssembly hooks installed with SetHook run here, on hookvm, with the
// engine locked, as xahaud runs them: the sending account's chain and the
// chains of strong transactional stakeholders before the transaction
// applies (any rollback rejects it with tecHOOK_REJECTED), their state
// changes written once every chain accepted, their emitted transactions
// queued like those of Go hooks; after a successful apply, the callback of
// the hook that emitted the transaction, weak stakeholders' collect calls
// and the again-as-weak executions.

// wasmHooks is the engine's hook runtime, created on first use.
type wasmHooks struct {
	once    sync.Once
	rt      *hookvm.Runtime
	shared  bool // rt is Config.HookRuntime: not ours to close
	err     error
	modules map[Hash]*hookvm.Module
}

func (e *Engine) hookRuntime() (*hookvm.Runtime, error) {
	w := e.wasm
	w.once.Do(func() {
		w.modules = map[Hash]*hookvm.Module{}
		if e.cfg.HookRuntime != nil {
			w.rt, w.shared = e.cfg.HookRuntime, true
			return
		}
		w.rt, w.err = hookvm.NewRuntime(context.Background(), e.defs, nil)
	})
	return w.rt, w.err
}

// ReleaseHooks releases the engine's WebAssembly runtime (compiled hooks).
// The engine stays usable: a later hook execution creates a new runtime.
// Call it when done with an engine that ran wasm hooks.
func (e *Engine) ReleaseHooks() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	w := e.wasm
	var err error
	if w.rt != nil && !w.shared {
		err = w.rt.Close(context.Background())
	}
	e.wasm = &wasmHooks{}
	return err
}

// module returns the compiled hook of a HookDefinition.
func (e *Engine) module(hash Hash, def Entry) (*hookvm.Module, error) {
	rt, err := e.hookRuntime()
	if err != nil {
		return nil, err
	}
	if m := e.wasm.modules[hash]; m != nil {
		return m, nil
	}
	code, err := hex.DecodeString(str(def, "CreateCode"))
	if err != nil {
		return nil, err
	}
	m, err := rt.Compile(context.Background(), code)
	if err != nil {
		return nil, err
	}
	e.wasm.modules[hash] = m
	return m, nil
}

// hookExecutionFees validates wasm and returns the Fee and HookCallbackFee
// of its HookDefinition: xahaud's computeExecutionFee of the worst-case
// instruction counts of hook and cbak from the guard analysis (cbak 0: no
// HookCallbackFee). The module must also compile (xahaud's smoke test).
func (e *Engine) hookExecutionFees(wasm []byte) (fee, cbak int64, err error) {
	hookCount, cbakCount, err := hookvm.ValidateGuards(wasm)
	if err != nil {
		return 0, 0, err
	}
	rt, err := e.hookRuntime()
	if err != nil {
		return 0, 0, err
	}
	if _, err := rt.Compile(context.Background(), wasm); err != nil {
		return 0, 0, err
	}
	return hookvm.ExecutionFee(hookCount), hookvm.ExecutionFee(cbakCount), nil
}

// canHook is hook::canHook: every HookOn bit is active low except
// ttHOOK_SET's (22).
func canHook(tt uint16, hookOn Hash) bool {
	if tt > 255 {
		return false
	}
	bit := func(n uint16) (int, byte) { return 31 - int(n/8), 1 << (n % 8) }
	i, m := bit(22)
	hookOn[i] ^= m
	i, m = bit(tt)
	return hookOn[i]&m == 0
}

// tsh is a transactional stakeholder and whether it can roll back.
type tsh struct {
	acct   AccountID
	strong bool
}

// wasmStakeholders is hook::getTransactionalStakeHolders (with fixXahauV1
// and fixXahauV2) for the transaction types localnet applies.
func (c *applyCtx) wasmStakeholders() []tsh {
	var out []tsh
	add := func(a AccountID, strong bool) {
		if a == c.acct {
			return
		}
		for i := range out {
			if out[i].acct == a {
				out[i].strong = out[i].strong || strong
				return
			}
		}
		out = append(out, tsh{a, strong})
	}
	acctOf := func(m map[string]any, k string) (AccountID, bool) { return ParseAccount(str(m, k)) }
	token := func() Entry {
		if id, ok := ParseHash(str(c.tx, "URITokenID")); ok {
			if t := c.v.get(id); t != nil && str(t, "LedgerEntryType") == "URIToken" {
				return t
			}
		}
		return nil
	}
	switch str(c.tx, "TransactionType") {
	case "Payment", "EscrowCreate", "CheckCreate", "AccountDelete", "PaymentChannelCreate", "Invoke":
		if d, ok := acctOf(c.tx, "Destination"); ok {
			add(d, true)
		}
	case "TrustSet":
		if m, ok := c.tx["LimitAmount"].(map[string]any); ok {
			if a, ok := acctOf(m, "issuer"); ok {
				add(a, false)
			}
		}
	case "SetRegularKey":
		if a, ok := acctOf(c.tx, "RegularKey"); ok {
			add(a, true)
		}
	case "SignerListSet":
		// An account may refuse to be put on another's signer list.
		entries, _ := signerEntries(c.tx["SignerEntries"])
		for _, s := range entries {
			add(s.acct, true)
		}
	case "DepositPreauth":
		if a, ok := acctOf(c.tx, "Authorize"); ok {
			add(a, true)
		}
	case "URITokenMint":
		if d, ok := acctOf(c.tx, "Destination"); ok {
			add(d, true)
		}
	case "URITokenBuy":
		if t := token(); t != nil {
			owner, _ := acctOf(t, "Owner")
			issuer, _ := acctOf(t, "Issuer")
			add(owner, true)
			if issuer != owner {
				add(issuer, u32(t, "Flags")&tfBurnable != 0)
			}
		}
	case "URITokenCreateSellOffer":
		if t := token(); t != nil {
			owner, _ := acctOf(t, "Owner")
			issuer, _ := acctOf(t, "Issuer")
			if issuer != owner {
				add(issuer, u32(t, "Flags")&tfBurnable != 0)
			}
		}
		if d, ok := acctOf(c.tx, "Destination"); ok {
			add(d, true)
		}
	case "URITokenBurn":
		if t := token(); t != nil {
			owner, _ := acctOf(t, "Owner")
			issuer, _ := acctOf(t, "Issuer")
			switch {
			case issuer == owner:
			case c.acct == owner:
				add(issuer, false)
			default:
				add(owner, false)
			}
		}
	case "URITokenCancelSellOffer":
		if t := token(); t != nil {
			if d, ok := acctOf(t, "Destination"); ok {
				add(d, false)
			}
		}
	}
	return out
}

// vmLedger is hookvm's view of the transaction's ledger. Hooks buffer
// their writes, so the view does not change while a set of chains runs:
// entries are serialised once and cached for that time.
type vmLedger struct {
	c     *applyCtx
	cache map[Hash][]byte
}

func newVMLedger(c *applyCtx) *vmLedger { return &vmLedger{c: c, cache: map[Hash][]byte{}} }

func (l *vmLedger) Has(k [32]byte) bool { return l.c.v.get(Hash(k)) != nil }

func (l *vmLedger) Entry(k [32]byte) []byte {
	if b, ok := l.cache[Hash(k)]; ok {
		return b
	}
	var b []byte
	if ent := l.c.v.get(Hash(k)); ent != nil {
		var err error
		if b, err = l.c.e.defs.Encode(ent); err != nil {
			l.c.e.log.Debug("hook read of an entry that does not encode", "key", Hash(k), "err", err)
			b = nil
		}
	}
	l.cache[Hash(k)] = b
	return b
}

// Succ finds the next index of the transaction's view after after, up to
// last, by walking every key (localnet's states are small).
func (l *vmLedger) Succ(after, last [32]byte) ([32]byte, bool) {
	var best Hash
	found := false
	consider := func(k Hash) {
		if bytes.Compare(k[:], after[:]) > 0 && bytes.Compare(k[:], last[:]) <= 0 &&
			(!found || bytes.Compare(k[:], best[:]) < 0) && l.c.v.get(k) != nil {
			best, found = k, true
		}
	}
	var walk func(r reader)
	walk = func(r reader) {
		switch v := r.(type) {
		case *view:
			for k := range v.changes {
				consider(k)
			}
			walk(v.parent)
		case stateMap:
			for k := range v {
				consider(k)
			}
		}
	}
	walk(l.c.v)
	return [32]byte(best), found
}

func (l *vmLedger) BaseFee(blob []byte) (int64, error) {
	tx, err := l.c.e.defs.Decode(blob)
	if err != nil {
		return 0, err
	}
	return l.c.e.xahauBaseFee(l.c.v, tx), nil
}

func (l *vmLedger) Transaction(id [32]byte) []byte {
	if r := l.c.e.txs[Hash(id)]; r != nil {
		return r.Blob
	}
	return nil
}

// hookChainFee is Transactor::calculateHookChainFee: the Fee of every hook
// of a's chain that fires on tx (only collect hooks when collectOnly).
func (e *Engine) hookChainFee(r reader, a AccountID, tt uint16, collectOnly bool) int64 {
	ho := r.get(HookKey(a))
	if ho == nil {
		return 0
	}
	hooks, _ := hookSetObjs(ho["Hooks"])
	var fee int64
	for _, h := range hooks {
		hh, ok := ParseHash(str(h, "HookHash"))
		if !ok {
			continue
		}
		def := r.get(HookDefinitionKey(hh))
		if def == nil {
			continue
		}
		on, flags := hookOnAndFlags(h, def)
		if canHook(tt, on) && (!collectOnly || flags&hsfCollect != 0) {
			fee += drops(def, "Fee")
		}
	}
	return fee
}

func hookOnAndFlags(h map[string]any, def Entry) (Hash, uint32) {
	on, ok := ParseHash(str(h, "HookOn"))
	if !ok {
		on, _ = ParseHash(str(def, "HookOn"))
	}
	flags := u32(def, "Flags")
	if _, ok := h["Flags"]; ok {
		flags = u32(h, "Flags")
	}
	return on, flags
}

// wasmHookFee is the hook part of calculateBaseFee: the callback fee of an
// emitted transaction, or the sender's chain, plus strong stakeholders'
// chains.
func (e *Engine) wasmHookFee(r *view, tx map[string]any) int64 {
	tt, _ := e.defs.TransactionType(str(tx, "TransactionType"))
	acct := mustAccount(tx)
	var fee int64
	if ed, ok := tx["EmitDetails"].(map[string]any); ok {
		if hh, ok := ParseHash(str(ed, "EmitHookHash")); ok {
			if def := r.get(HookDefinitionKey(hh)); def != nil {
				fee += drops(def, "HookCallbackFee")
			}
		}
	} else {
		fee += e.hookChainFee(r, acct, tt, false)
	}
	c := &applyCtx{e: e, v: r, tx: tx, acct: acct}
	for _, s := range c.wasmStakeholders() {
		if s.strong {
			fee += e.hookChainFee(r, s.acct, tt, false)
		}
	}
	return fee
}

// xahauBaseFee is Transactor::calculateBaseFee: (base + memo bytes +
// parameter bytes) × burden + hook execution fees (+ SetHook's creation
// fee).
func (e *Engine) xahauBaseFee(r *view, tx map[string]any) int64 {
	acc := e.cfg.BaseFee
	if ps, ok := tx["HookParameters"].([]any); ok {
		for _, p := range ps {
			w, _ := p.(map[string]any)
			in, _ := w["HookParameter"].(map[string]any)
			acc += int64(len(str(in, "HookParameterName"))/2 + len(str(in, "HookParameterValue"))/2)
		}
	}
	if ms, ok := tx["Memos"].([]any); ok {
		for _, m := range ms {
			w, _ := m.(map[string]any)
			in, _ := w["Memo"].(map[string]any)
			for _, v := range in {
				if s, ok := v.(string); ok {
					acc += int64(len(s) / 2)
				}
			}
		}
	}
	burden := int64(1)
	if ed, ok := tx["EmitDetails"].(map[string]any); ok {
		if b, err := strconv.ParseUint(str(ed, "EmitBurden"), 16, 64); err == nil && b > 0 {
			burden = int64(b)
		}
	}
	acc *= burden
	if ss, ok := tx["Signers"].([]any); ok {
		acc += int64(len(ss)) * e.cfg.BaseFee
	}
	acc += e.wasmHookFee(r, tx)
	if str(tx, "TransactionType") == "SetHook" {
		acc += setHookFee(tx)
	}
	return acc
}

// hookExecution is one wasm hook execution's outcome, for metadata.
type hookExecution struct {
	acct     AccountID
	hash     Hash
	strong   bool
	callback bool
	res      *hookvm.Result
}

// runWasmHooks runs the strong hook chains of c's transaction. It returns
// "tecHOOK_REJECTED" if one did not accept, "" otherwise.
func (c *applyCtx) runWasmHooks() string {
	e := c.e
	if !e.cfg.Xahau {
		return ""
	}
	tt, _ := e.defs.TransactionType(str(c.tx, "TransactionType"))
	var chains []AccountID
	if c.gen == 0 && c.v.get(HookKey(c.acct)) != nil {
		chains = append(chains, c.acct)
	}
	for _, s := range c.wasmStakeholders() {
		if s.strong && c.v.get(HookKey(s.acct)) != nil {
			chains = append(chains, s.acct)
		}
	}
	if len(chains) == 0 {
		return ""
	}
	blob, err := e.defs.Encode(c.tx)
	if err != nil {
		return "tefINTERNAL"
	}
	state := hookvm.NewStateMap()
	var execs []hookExecution
	rejected := false
	l := newVMLedger(c)
	for _, a := range chains {
		if !c.execChain(l, a, tt, blob, state, true, &execs) {
			rejected = true
			break
		}
	}
	if !rejected {
		for _, ch := range state.Changes() {
			setHookState(c.v, AccountID(ch.Account), Hash(ch.Namespace), Hash(ch.Key), ch.Data)
		}
		for _, x := range execs {
			if x.res.Again {
				c.aaw = append(c.aaw, x)
			}
		}
	}
	c.recordWasmExecutions(execs, !rejected)
	if rejected {
		return "tecHOOK_REJECTED"
	}
	return ""
}

// execChain runs a's hook chain; false means a hook did not accept.
func (c *applyCtx) execChain(l *vmLedger, a AccountID, tt uint16, blob []byte, state *hookvm.StateMap, strong bool, execs *[]hookExecution) bool {
	return c.execHooks(l, a, tt, blob, state, execMode{strong: strong}, execs)
}

// execMode selects how execHooks runs a chain: strong or weak, as the
// again-as-weak re-execution of some hooks only (wasm param 2), or as the
// callback of one hook.
type execMode struct {
	strong   bool
	again    map[Hash]bool
	callback *Hash
	meta     []byte // provisional metadata for weak executions
}

func (c *applyCtx) execHooks(l *vmLedger, a AccountID, tt uint16, blob []byte, state *hookvm.StateMap, mode execMode, execs *[]hookExecution) bool {
	e := c.e
	strong := mode.strong
	ho := c.v.get(HookKey(a))
	hooks, _ := hookSetObjs(ho["Hooks"])
	skips := map[[32]byte]bool{}
	overrides := map[[32]byte]map[string][]byte{}
	for pos, h := range hooks {
		hh, ok := ParseHash(str(h, "HookHash"))
		if !ok || skips[hh] {
			continue
		}
		if mode.again != nil && !mode.again[hh] {
			continue
		}
		if mode.callback != nil && *mode.callback != hh {
			continue
		}
		def := c.v.get(HookDefinitionKey(hh))
		if def == nil {
			continue
		}
		on, flags := hookOnAndFlags(h, def)
		if mode.again == nil && mode.callback == nil && (!canHook(tt, on) || (!strong && flags&hsfCollect == 0)) {
			continue
		}
		ns, ok := ParseHash(str(h, "HookNamespace"))
		if !ok {
			ns, _ = ParseHash(str(def, "HookNamespace"))
		}
		params := map[string][]byte{}
		for _, src := range []any{def["HookParameters"], h["HookParameters"]} {
			for n, v := range hookParams(src) {
				name, _ := hex.DecodeString(n)
				var val []byte
				if v != nil {
					val, _ = hex.DecodeString(*v)
				}
				params[string(name)] = val
			}
		}
		m, err := e.module(hh, def)
		var res *hookvm.Result
		if err != nil {
			res = &hookvm.Result{Exit: hookvm.ExitWasmError, Code: -1, Err: err}
		} else {
			rt, _ := e.hookRuntime()
			var parent Hash
			if n := len(e.ledgers); n > 0 {
				parent = e.ledgers[n-1].Hash
			}
			call := &hookvm.Call{Ledger: l, State: state, Tx: blob, TxID: c.hash,
				Account: a, HookHash: hh, Namespace: ns, Params: params, ParamOverrides: overrides,
				LedgerSeq: e.openSeq, ParentCloseTime: e.lastTime, ParentHash: parent,
				Fees:   hookvm.Fees{Base: e.cfg.BaseFee, ReserveBase: e.cfg.ReserveBase, ReserveInc: e.cfg.ReserveInc},
				Strong: strong, HasCallback: m.HasCallback(), ChainPosition: uint8(pos), ProvisionalMeta: mode.meta,
				Trace: func(s string) { e.log.Debug("hook trace", "account", a, "msg", s) }}
			switch {
			case mode.callback != nil:
				call.Callback = true
				if str(c.tx, "TransactionType") == "EmitFailure" {
					call.WasmParam = 1 // the emission failed
				}
			case mode.again != nil:
				call.WasmParam = 2
			case !strong:
				call.WasmParam = 1
			}
			if mode.callback != nil && !m.HasCallback() {
				continue
			}
			res = rt.Run(context.Background(), m, call)
		}
		if res.Err != nil {
			e.log.Debug("hook failed", "account", a, "hash", hh, "err", res.Err)
		}
		*execs = append(*execs, hookExecution{acct: a, hash: hh, strong: strong, callback: mode.callback != nil, res: res})
		if res.Exit != hookvm.ExitAccept && strong {
			return false
		}
		for k := range res.Skips {
			skips[k] = true
		}
		for k, m := range res.Overrides {
			if overrides[k] == nil {
				overrides[k] = map[string][]byte{}
			}
			for n, v := range m {
				overrides[k][n] = v
			}
		}
	}
	return true
}

// lsfTshCollect lets weak stakeholder executions (collect calls) of an
// account's hooks happen, at the account's expense.
const lsfTshCollect = 0x02000000

// hook execution flags in metadata (HookEmissionFlags).
const (
	hefStrong   = 1
	hefCallback = 2
	hefDOAAW    = 4
)

// runWeakWasmHooks runs what xahaud runs after a transaction applied: the
// callback of the hook that emitted it, and the again-as-weak executions
// strong hooks asked for with hook_again. They cannot roll the transaction
// back; the state of each one that accepted is written, and what it
// emitted is queued. Weak stakeholders' collect calls are not run.
func (c *applyCtx) runWeakWasmHooks() {
	e := c.e
	if !e.cfg.Xahau {
		return
	}
	var cb *Hash
	var cbAcct AccountID
	if ed, ok := c.tx["EmitDetails"].(map[string]any); ok {
		if a, ok := ParseAccount(str(ed, "EmitCallback")); ok {
			if hh, ok := ParseHash(str(ed, "EmitHookHash")); ok {
				cb, cbAcct = &hh, a
			}
		}
	}
	var weak []AccountID
	for _, s := range c.wasmStakeholders() {
		if !s.strong && c.v.get(HookKey(s.acct)) != nil {
			weak = append(weak, s.acct)
		}
	}
	if cb == nil && len(c.aaw) == 0 && len(weak) == 0 {
		return
	}
	blob, err := e.defs.Encode(c.tx)
	if err != nil {
		return
	}
	meta := c.provisionalMeta()
	tt, _ := e.defs.TransactionType(str(c.tx, "TransactionType"))
	run := func(a AccountID, mode execMode) {
		var execs []hookExecution
		state := hookvm.NewStateMap()
		if c.v.get(HookKey(a)) == nil {
			return
		}
		mode.meta = meta
		c.execHooks(newVMLedger(c), a, tt, blob, state, mode, &execs)
		accepted := true
		for _, x := range execs {
			accepted = accepted && x.res.Exit == hookvm.ExitAccept
		}
		if accepted {
			for _, ch := range state.Changes() {
				setHookState(c.v, AccountID(ch.Account), Hash(ch.Namespace), Hash(ch.Key), ch.Data)
			}
		}
		c.recordWasmExecutions(execs, accepted)
	}
	if cb != nil {
		run(cbAcct, execMode{callback: cb})
	}
	// Weak stakeholders: collect calls of hooks with hsfCOLLECT, when the
	// account allows them (lsfTshCollect) and pays their fee above its
	// reserve.
	for _, a := range weak {
		ar := c.v.get(AccountKey(a))
		if ar == nil || u32(ar, "Flags")&lsfTshCollect == 0 {
			continue
		}
		fee := e.hookChainFee(c.v, a, tt, true)
		if fee == 0 || drops(ar, "Balance") < fee+e.reserve(u32(ar, "OwnerCount")) {
			continue
		}
		ar = c.v.edit(AccountKey(a))
		setDrops(ar, "Balance", drops(ar, "Balance")-fee)
		c.v.put(AccountKey(a), ar)
		e.totalDr -= fee
		run(a, execMode{strong: false})
	}
	again := map[AccountID]map[Hash]bool{}
	var order []AccountID
	for _, x := range c.aaw {
		if again[x.acct] == nil {
			again[x.acct] = map[Hash]bool{}
			order = append(order, x.acct)
		}
		again[x.acct][x.hash] = true
	}
	c.aaw = nil
	for _, a := range order {
		run(a, execMode{again: again[a]})
	}
}

// recordWasmExecutions adds HookExecutions metadata and, when the chain
// accepted, queues the emitted transactions (HookEmissions).
func (c *applyCtx) recordWasmExecutions(execs []hookExecution, accepted bool) {
	for _, x := range execs {
		emitted := 0
		if accepted {
			for _, em := range x.res.Emitted {
				tx, err := c.e.defs.Decode(em.Blob)
				if err != nil {
					continue
				}
				if _, err := c.queueEmitted(tx); err != nil {
					continue
				}
				c.hookEmits = append(c.hookEmits, map[string]any{"HookEmission": map[string]any{
					"HookHash": x.hash.String(), "HookAccount": x.acct.String(),
					"EmittedTxnID": Hash(em.ID).String(), "EmitNonce": Hash(em.Nonce).String()}})
				emitted++
			}
		}
		code := uint64(x.res.Code)
		if x.res.Code < 0 {
			code = 0x8000000000000000 + uint64(-x.res.Code)
		}
		flags := uint32(0)
		if x.strong {
			flags |= hefStrong
		}
		if x.callback {
			flags |= hefCallback
		}
		if x.res.Again {
			flags |= hefDOAAW
		}
		c.hookExecs = append(c.hookExecs, map[string]any{"HookExecution": map[string]any{
			"HookResult":           uint32(x.res.Exit),
			"HookAccount":          x.acct.String(),
			"HookReturnCode":       strconv.FormatUint(code, 16),
			"HookReturnString":     strings.ToUpper(hex.EncodeToString([]byte(x.res.Reason))),
			"HookInstructionCount": strconv.FormatUint(x.res.Instructions, 16),
			"HookEmitCount":        uint32(emitted),
			"HookExecutionIndex":   uint32(len(c.hookExecs)),
			"HookStateChangeCount": uint32(x.res.StateChanges),
			"HookHash":             x.hash.String(),
			"Flags":                flags,
		}})
	}
}

// ErrNoHookExecution is returned by HookReturn for a transaction no hook
// ran on.
var ErrNoHookExecution = errors.New("ledger: no hook execution")

// HookReturn decodes the HookExecutions metadata of a transaction record:
// each execution's account, result (2 rollback, 3 accept), return code and
// return string. It is a test and tooling helper.
func HookReturn(rec *TxRecord) ([]HookOutcome, error) {
	if rec == nil || rec.Meta == nil {
		return nil, ErrNoHookExecution
	}
	ex, _ := rec.Meta["HookExecutions"].([]any)
	var out []HookOutcome
	for _, x := range ex {
		w, _ := x.(map[string]any)
		in, _ := w["HookExecution"].(map[string]any)
		msg, _ := hex.DecodeString(str(in, "HookReturnString"))
		code, _ := strconv.ParseUint(str(in, "HookReturnCode"), 16, 64)
		rc := int64(code)
		if code&0x8000000000000000 != 0 {
			rc = -int64(code &^ 0x8000000000000000)
		}
		a, _ := ParseAccount(str(in, "HookAccount"))
		out = append(out, HookOutcome{Account: a, Result: u32(in, "HookResult"), Code: rc,
			Message: strings.TrimRight(string(msg), "\x00")})
	}
	if len(out) == 0 {
		return nil, ErrNoHookExecution
	}
	return out, nil
}

// HookOutcome is one hook execution as HookReturn decodes it.
type HookOutcome struct {
	Account AccountID
	Result  uint32
	Code    int64
	Message string
}

func (o HookOutcome) String() string {
	return fmt.Sprintf("%s result %d code %d %q", o.Account, o.Result, o.Code, o.Message)
}

// provisionalMeta serialises the metadata the transaction would have now
// (xahaud's generateProvisionalMeta), for meta_slot in weak executions; nil
// if it does not serialise.
func (c *applyCtx) provisionalMeta() []byte {
	tmp := newView(c.e.open)
	var layers []*view
	for r := reader(c.v); ; {
		v, ok := r.(*view)
		if !ok {
			break
		}
		layers = append(layers, v)
		r = v.parent
	}
	for i := len(layers) - 1; i >= 0; i-- {
		for _, k := range layers[i].order {
			if ent := layers[i].changes[k]; ent != nil {
				tmp.put(k, maps.Clone(ent))
			} else {
				tmp.put(k, nil)
			}
		}
	}
	result := "tesSUCCESS"
	if c.tecResult != "" {
		result = c.tecResult
	}
	meta, _ := c.e.buildMeta(tmp, c, result, uint32(len(c.e.pending)))
	b, err := c.e.defs.Encode(meta)
	if err != nil {
		c.e.log.Debug("provisional metadata does not serialise", "err", err)
		return nil
	}
	return b
}
