package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/evernode-go/sdk/internal/codec"
)

// Emitted transactions, as xahaud handles them: a hook's emit stores the
// transaction as an EmittedTxn ledger object in the emitted directory (so a
// rolled-back transaction emits nothing); every new open ledger applies the
// queued transactions whose FirstLedgerSequence it has reached, each with
// its own hash and metadata, and removes their objects; an emitted
// transaction whose LastLedgerSequence passed unapplied is dropped. A hook
// stamps FirstLedgerSequence = current + 1, so emissions land in a later
// ledger than their origin, never in the same one.

const (
	spaceEmittedTxn = 'E'
	spaceEmittedDir = 'F'

	lsfEmittedDir = 0x00000004

	// maxEmitGeneration is the first generation xahaud refuses.
	maxEmitGeneration = 10
	// emitLedgerWindow bounds LastLedgerSequence: at most current + 5.
	emitLedgerWindow = 5
)

// EmittedDirKey is the emitted-transaction directory's root.
func EmittedDirKey() Hash { return indexHash(spaceEmittedDir) }

// EmittedTxnKey is the EmittedTxn object of the emitted transaction id.
func EmittedTxnKey(id Hash) Hash { return indexHash(spaceEmittedTxn, id[:]) }

// ErrEmission is wrapped by the errors of HookCall.Emit (xahaud's
// EMISSION_FAILURE).
var ErrEmission = errors.New("ledger: emission failure")

// Reserve declares how many transactions the hook will emit (etxn_reserve);
// it sets the burden of each. Go hooks that never call it reserve one.
func (h *HookCall) Reserve(n int) error {
	if n < 1 || n > 255 {
		return fmt.Errorf("%w: reserve %d", ErrEmission, n)
	}
	h.reserved = n
	return nil
}

// Generation is what EmitGeneration of an emission from this hook must be:
// the originating transaction's generation plus one (etxn_generation).
func (h *HookCall) Generation() uint32 { return uint32(h.c.gen) + 1 }

// Burden is what EmitBurden of an emission from this hook must be: the
// originating transaction's burden (1 unless it was emitted) times the
// reserved emission count (etxn_burden).
func (h *HookCall) Burden() uint64 {
	parent := uint64(1)
	if d, ok := h.c.tx["EmitDetails"].(map[string]any); ok {
		if b, err := strconv.ParseUint(str(d, "EmitBurden"), 16, 64); err == nil && b > 0 {
			parent = b &^ (1 << 63)
		}
	}
	return parent * uint64(max(h.reserved, 1))
}

// Nonce returns a fresh emission nonce (etxn_nonce): SHA-512Half of "ETX\0",
// the originating transaction id, a per-hook counter, the hook account, the
// hook hash and the execution flags. Only nonces handed out here are
// accepted in EmitDetails.
func (h *HookCall) Nonce() Hash {
	var ctr, flags [4]byte
	binary.BigEndian.PutUint32(ctr[:], uint32(h.nonces))
	h.nonces++
	binary.BigEndian.PutUint32(flags[:], 0b10) // a strong, non-callback execution at chain position 0
	n := Hash(codec.SHA512Half([]byte("ETX\x00"), h.c.hash[:], ctr[:], h.account[:], h.slot.hash[:], flags[:]))
	if h.nonceUsed == nil {
		h.nonceUsed = map[Hash]bool{}
	}
	h.nonceUsed[n] = true
	return n
}

// EmitDetails returns the EmitDetails an emission from this hook carries
// (etxn_details): generation, burden, parent transaction, a fresh nonce and
// the hook hash.
func (h *HookCall) EmitDetails() map[string]any {
	return map[string]any{
		"EmitGeneration":  h.Generation(),
		"EmitBurden":      strconv.FormatUint(h.Burden(), 16),
		"EmitParentTxnID": h.c.hash.String(),
		"EmitNonce":       h.Nonce().String(),
		"EmitHookHash":    h.slot.hash.String(),
	}
}

// Emit queues a transaction from the hook account for a later ledger. tx is
// the transaction's JSON. Fields a Go hook leaves out are filled in as
// xahaud's hook API would: Account, Sequence 0, an empty SigningPubKey,
// Fee (the base fee), FirstLedgerSequence (the next ledger),
// LastLedgerSequence (current + 5), NetworkID and EmitDetails. Whatever is
// given is checked by xahaud's emission rules (a WebAssembly hook builds
// the whole transaction itself). It returns the emitted transaction's hash;
// errors wrap ErrEmission.
func (h *HookCall) Emit(tx map[string]any) (Hash, error) {
	c := h.c
	if len(c.emits) >= 255 {
		return Hash{}, fmt.Errorf("%w: too many emitted transactions", ErrEmission)
	}
	seq := c.e.openSeq
	m := maps.Clone(tx)
	fill := func(k string, v any) {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	fill("Account", h.account.String())
	fill("Sequence", uint32(0))
	fill("SigningPubKey", "")
	fill("Fee", strconv.FormatInt(c.e.cfg.BaseFee, 10))
	fill("FirstLedgerSequence", seq+1)
	fill("LastLedgerSequence", seq+emitLedgerWindow)
	if c.e.cfg.NetworkID > 1024 {
		fill("NetworkID", c.e.cfg.NetworkID)
	}
	fill("EmitDetails", h.EmitDetails())
	if err := h.checkEmission(m); err != nil {
		return Hash{}, err
	}
	id, err := c.queueEmitted(m)
	if err != nil {
		return Hash{}, err
	}
	c.hookEmits = append(c.hookEmits, map[string]any{"HookEmission": map[string]any{
		"HookHash": h.slot.hash.String(), "HookAccount": h.account.String(), "EmittedTxnID": id.String()}})
	h.emitCount++
	return id, nil
}

// queueEmitted puts an emitted transaction (already checked by the emission
// rules) in the emitted directory of the transaction's view: it applies in
// a later ledger if the transaction succeeds. Every emission, from a Go or
// a WebAssembly hook, goes through here.
func (c *applyCtx) queueEmitted(m map[string]any) (Hash, error) {
	blob, err := c.e.defs.Encode(m)
	if err != nil {
		return Hash{}, fmt.Errorf("%w: %v", ErrEmission, err)
	}
	id := Hash(codec.TransactionHash(blob))
	k := EmittedTxnKey(id)
	if c.v.get(k) == nil {
		page := dirInsert(c.v, EmittedDirKey(), k, map[string]any{"Flags": uint32(lsfEmittedDir)})
		c.v.put(k, Entry{"LedgerEntryType": "EmittedTxn", "Flags": uint32(0), "EmittedTxn": m, "OwnerNode": fmtHexU64(page)})
	}
	c.emits = append(c.emits, m)
	return id, nil
}

// checkEmission applies xahaud's emission rules (applyHook.cpp, emit).
func (h *HookCall) checkEmission(m map[string]any) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrEmission, why) }
	seq := h.c.e.openSeq
	switch {
	case str(m, "Account") != h.account.String():
		return bad("Account is not the hook account")
	case u32(m, "Sequence") != 0:
		return bad("Sequence must be 0")
	case str(m, "SigningPubKey") != "" && str(m, "SigningPubKey") != zeroPubKey:
		return bad("SigningPubKey must be empty")
	case m["TxnSignature"] != nil, m["Signers"] != nil, m["TicketSequence"] != nil, m["AccountTxnID"] != nil:
		return bad("signatures, tickets and AccountTxnID are not allowed")
	}
	d, ok := m["EmitDetails"].(map[string]any)
	if !ok {
		return bad("EmitDetails missing")
	}
	for _, f := range []string{"EmitGeneration", "EmitBurden", "EmitParentTxnID", "EmitNonce", "EmitHookHash"} {
		if d[f] == nil {
			return bad("EmitDetails lacks " + f)
		}
	}
	gen := u32(d, "EmitGeneration")
	nonce, _ := ParseHash(str(d, "EmitNonce"))
	burden, _ := strconv.ParseUint(str(d, "EmitBurden"), 16, 64)
	switch {
	case gen >= maxEmitGeneration:
		return bad("EmitGeneration 10 or more")
	case gen != h.Generation():
		return bad("EmitGeneration is not the origin's plus one")
	case burden != h.Burden():
		return bad("EmitBurden is not the origin's burden times the reserve")
	case str(d, "EmitParentTxnID") != h.c.hash.String():
		return bad("EmitParentTxnID is not the originating transaction")
	case !h.nonceUsed[nonce]:
		return bad("EmitNonce was not made by the nonce API")
	case str(d, "EmitHookHash") != h.slot.hash.String():
		return bad("EmitHookHash is not the emitting hook's")
	case d["EmitCallback"] != nil && str(d, "EmitCallback") != h.account.String():
		return bad("EmitCallback is not the hook account")
	}
	fls, hasFLS := m["FirstLedgerSequence"].(uint32)
	lls, hasLLS := m["LastLedgerSequence"].(uint32)
	switch {
	case !hasLLS || lls < seq+1 || lls > seq+emitLedgerWindow:
		return bad("LastLedgerSequence must be within the next 5 ledgers")
	case !hasFLS || fls <= seq || fls > lls:
		return bad("FirstLedgerSequence must be a later ledger")
	}
	return nil
}

// zeroPubKey is the all-zero 33-byte SigningPubKey xahaud also accepts.
const zeroPubKey = "000000000000000000000000000000000000000000000000000000000000000000"

// removeEmission deletes an emitted transaction's EmittedTxn object, which
// its application does whatever its result.
func removeEmission(v *view, id Hash) {
	k := EmittedTxnKey(id)
	if e := v.get(k); e != nil {
		dirRemove(v, EmittedDirKey(), hexU64(e, "OwnerNode"), k)
		v.erase(k)
	}
}

// injectEmittedLocked applies the queued emitted transactions that are due
// in the open ledger, in directory order, and drops those whose
// LastLedgerSequence passed. It runs when a ledger opens.
func (e *Engine) injectEmittedLocked() {
	var due []Hash
	dirWalk(e.open, EmittedDirKey(), 0, Hash{}, func(_ uint64, k Hash) bool {
		due = append(due, k)
		return true
	})
	for _, k := range due {
		ent := e.open.get(k)
		tx, _ := ent["EmittedTxn"].(map[string]any)
		if tx == nil {
			continue
		}
		blob, err := e.defs.Encode(tx)
		if err != nil {
			e.log.Debug("emitted transaction does not encode", "err", err)
			continue
		}
		id := Hash(codec.TransactionHash(blob))
		if u32(tx, "LastLedgerSequence") < e.openSeq {
			e.emitFailureLocked(id, tx)
			continue
		}
		if u32(tx, "FirstLedgerSequence") > e.openSeq {
			continue // held for a later ledger
		}
		d, _ := tx["EmitDetails"].(map[string]any)
		_, result := e.applyLocked(tx, blob, id, "", int(u32(d, "EmitGeneration")))
		e.log.Debug("emitted transaction applied", "hash", id, "result", result)
	}
}

// emitFailureLocked applies xahaud's EmitFailure pseudo-transaction for an
// emitted transaction whose LastLedgerSequence passed before it applied
// (one that kept failing, or was never due in time): it removes the
// EmittedTxn from the queue and, when the emission named a callback
// account, runs the emitting hook's cbak with parameter 1. The
// pseudo-transaction is recorded in the ledger with its metadata, from the
// zero account, with no fee and no sequence.
func (e *Engine) emitFailureLocked(id Hash, emitted map[string]any) {
	tx := map[string]any{"TransactionType": "EmitFailure", "Account": AccountID{}.String(),
		"Sequence": uint32(0), "Fee": "0", "SigningPubKey": "",
		"LedgerSequence": e.openSeq, "TransactionHash": id.String()}
	if d, ok := emitted["EmitDetails"].(map[string]any); ok {
		tx["EmitDetails"] = d
	}
	blob, err := e.defs.Encode(tx)
	if err != nil {
		// Never expected: drop the emission as before rather than keep it.
		e.log.Debug("EmitFailure does not encode", "hash", id, "err", err)
		v := newView(e.open)
		removeEmission(v, id)
		e.commitLocked(v)
		return
	}
	h := Hash(codec.TransactionHash(blob))
	base := newView(e.open)
	removeEmission(base, id)
	ctx := &applyCtx{e: e, v: newView(base), tx: tx, hash: h}
	ctx.runWeakWasmHooks()
	ctx.v.commitTo(base)
	rec := &TxRecord{Hash: h, Blob: blob, JSON: tx, Result: "tesSUCCESS", LedgerSeq: e.openSeq}
	rec.Code, _ = e.defs.ResultCode(rec.Result)
	rec.Meta, rec.Accounts = e.buildMeta(base, ctx, rec.Result, uint32(len(e.pending)))
	rec.Accounts = slices.DeleteFunc(rec.Accounts, func(a AccountID) bool { return a == AccountID{} })
	e.commitLocked(base)
	e.pending = append(e.pending, rec)
	e.txs[h] = rec
	for _, a := range rec.Accounts {
		e.acctTxs[a] = append(e.acctTxs[a], rec)
	}
	e.log.Debug("emitted transaction expired", "hash", id, "emitfailure", h)
}

// EmissionsPending reports whether emitted transactions are still on their
// way: queued in the emitted directory or applied in the open ledger.
func (e *Engine) EmissionsPending() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.open.get(EmittedDirKey()) != nil {
		return true
	}
	for _, t := range e.pending {
		if _, ok := t.JSON["EmitDetails"]; ok {
			return true
		}
	}
	return false
}
