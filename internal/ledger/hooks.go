package ledger

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/evernode-go/sdk/internal/codec"
)

// Hook is Go code attached to an account (localnet's stand-in for a WASM
// hook). Run is called for every transaction to or from the account, before
// the transaction applies, with the engine locked: it must not call back
// into the engine or block. Returning an error rolls the transaction back
// (tecHOOK_REJECTED) with the error's text as the hook's return string.
type Hook interface {
	Run(h *HookCall) error
}

// ErrRejected is wrapped by the error HookCall.Reject returns.
var ErrRejected = errors.New("ledger: hook rejected the transaction")

type hookSlot struct {
	hook Hook
	hash Hash
}

// SetHooks replaces the hooks on account a (none removes them). Each hook's
// HookHash in metadata is derived from the account and its position.
func (e *Engine) SetHooks(a AccountID, hooks ...Hook) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(hooks) == 0 {
		delete(e.hooks, a)
		return
	}
	slots := make([]hookSlot, len(hooks))
	for i, h := range hooks {
		slots[i] = hookSlot{hook: h, hash: Hash(codec.SHA512Half([]byte("localnet hook"), a[:], []byte{byte(i)}))}
	}
	e.hooks[a] = slots
}

// stakeholders lists the accounts whose hooks see tx: the sender first,
// then the destination or counterparty.
func (e *Engine) stakeholders(v *view, tx map[string]any) []AccountID {
	out := []AccountID{mustAccount(tx)}
	add := func(s string) {
		if a, ok := ParseAccount(s); ok && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	add(str(tx, "Destination"))
	switch str(tx, "TransactionType") {
	case "TrustSet":
		if m, ok := tx["LimitAmount"].(map[string]any); ok {
			add(str(m, "issuer"))
		}
	case "URITokenBuy", "URITokenBurn", "URITokenCreateSellOffer", "URITokenCancelSellOffer":
		if id, ok := ParseHash(str(tx, "URITokenID")); ok {
			if t := v.get(id); t != nil {
				add(str(t, "Owner"))
				add(str(t, "Issuer"))
			}
		}
	}
	return out
}

// runHooks runs the hooks of every stakeholder. It returns
// "tecHOOK_REJECTED" if one rolled back, "" otherwise.
func (c *applyCtx) runHooks() string {
	e := c.e
	if r := c.runWasmHooks(); r != "" {
		return r
	}
	if !e.cfg.Xahau || len(e.hooks) == 0 {
		return ""
	}
	for _, a := range e.stakeholders(c.v, c.tx) {
		for _, s := range e.hooks[a] {
			h := &HookCall{c: c, account: a, slot: s}
			err := runSafely(s.hook, h)
			exec := map[string]any{
				"HookAccount":          a.String(),
				"HookEmitCount":        uint32(h.emitCount),
				"HookExecutionIndex":   uint32(len(c.hookExecs)),
				"HookHash":             s.hash.String(),
				"HookInstructionCount": "1",
				"HookStateChangeCount": uint32(h.stateChanges),
			}
			rejected := err != nil || h.rejected
			msg, code := h.msg, h.code
			if err != nil && !errors.Is(err, ErrRejected) {
				msg = err.Error()
			}
			if rejected {
				exec["HookResult"] = uint32(2)
			} else {
				exec["HookResult"] = uint32(3)
			}
			exec["HookReturnString"] = upperHex([]byte(msg))
			uc := uint64(code)
			if code < 0 {
				uc = 0x8000000000000000 + uint64(-code)
			}
			exec["HookReturnCode"] = strconv.FormatUint(uc, 16)
			c.hookExecs = append(c.hookExecs, map[string]any{"HookExecution": exec})
			if rejected {
				c.hookEmits = nil
				c.emits = nil
				return "tecHOOK_REJECTED"
			}
		}
	}
	return ""
}

// runSafely turns a panicking hook into a rejection.
func runSafely(h Hook, call *HookCall) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hook panicked: %v", r)
		}
	}()
	return h.Run(call)
}

// HookCall is one hook execution: what the hook sees and can do. It is only
// valid during Run.
type HookCall struct {
	c            *applyCtx
	account      AccountID
	slot         hookSlot
	stateChanges int
	emitCount    int
	reserved     int           // etxn_reserve; 0 means 1
	nonces       int           // etxn_nonce calls so far
	nonceUsed    map[Hash]bool // nonces handed out, the only ones Emit accepts
	rejected     bool
	msg          string
	code         int64
}

// Account is the account the hook is installed on.
func (h *HookCall) Account() AccountID { return h.account }

// Outgoing reports whether the hook account sent the transaction.
func (h *HookCall) Outgoing() bool { return h.c.acct == h.account }

// Tx returns a copy of the transaction's JSON.
func (h *HookCall) Tx() map[string]any { return maps.Clone(h.c.tx) }

// TxHash is the originating transaction's hash.
func (h *HookCall) TxHash() Hash { return h.c.hash }

// LedgerSeq is the index of the ledger the transaction is applied in.
func (h *HookCall) LedgerSeq() uint32 { return h.c.e.openSeq }

// LastCloseTime is the close time of the last closed ledger, the ledger
// time hooks see.
func (h *HookCall) LastCloseTime() time.Time {
	return time.Unix(int64(h.c.e.lastTime)+RippleEpoch, 0).UTC()
}

// Entry returns a copy of the ledger object at k as the transaction sees it.
func (h *HookCall) Entry(k Hash) Entry {
	if e := h.c.v.get(k); e != nil {
		return maps.Clone(e)
	}
	return nil
}

// Accept ends the hook successfully with a message.
func (h *HookCall) Accept(msg string, code int64) error {
	h.msg, h.code = msg, code
	return nil
}

// Reject returns the error that rolls the transaction back with msg.
func (h *HookCall) Reject(msg string, code int64) error {
	h.rejected, h.msg, h.code = true, msg, code
	return fmt.Errorf("%w: %s", ErrRejected, msg)
}

// State reads the hook account's state.
func (h *HookCall) State(ns, key Hash) ([]byte, bool) { return h.ForeignState(h.account, ns, key) }

// ForeignState reads another account's state.
func (h *HookCall) ForeignState(a AccountID, ns, key Hash) ([]byte, bool) {
	e := h.c.v.get(HookStateKey(a, key, ns))
	if e == nil {
		return nil, false
	}
	b, _ := hexDecode(str(e, "HookStateData"))
	return b, true
}

// SetState writes the hook account's state; nil or empty data deletes the
// entry.
func (h *HookCall) SetState(ns, key Hash, data []byte) error {
	return h.SetForeignState(h.account, ns, key, data)
}

// MaxStateData is the largest hook state value (Xahau's default).
const MaxStateData = 256

// SetForeignState writes another account's state. Xahau requires a
// HookGrant for this; localnet allows it.
func (h *HookCall) SetForeignState(a AccountID, ns, key Hash, data []byte) error {
	if len(data) > MaxStateData {
		return fmt.Errorf("ledger: hook state of %d bytes, max %d", len(data), MaxStateData)
	}
	if h.c.v.get(AccountKey(a)) == nil {
		return fmt.Errorf("ledger: no account %s", a)
	}
	h.stateChanges++
	setHookState(h.c.v, a, ns, key, data)
	return nil
}

// setHookState writes or (with empty data) deletes a HookState entry,
// keeping the namespace directory and the account's counters.
func setHookState(v *view, a AccountID, ns, key Hash, data []byte) {
	k := HookStateKey(a, key, ns)
	dir := HookStateDirKey(a, ns)
	old := v.get(k)
	if len(data) == 0 {
		if old == nil {
			return
		}
		dirRemove(v, dir, hexU64(old, "OwnerNode"), k)
		v.erase(k)
		ar := v.edit(AccountKey(a))
		ar["HookStateCount"] = u32(ar, "HookStateCount") - 1
		ar["OwnerCount"] = u32(ar, "OwnerCount") - 1
		if v.get(dir) == nil {
			nss, _ := ar["HookNamespaces"].([]any)
			nss = slices.DeleteFunc(slices.Clone(nss), func(x any) bool { return x == ns.String() })
			if len(nss) == 0 {
				delete(ar, "HookNamespaces")
			} else {
				ar["HookNamespaces"] = nss
			}
		}
		if u32(ar, "HookStateCount") == 0 {
			delete(ar, "HookStateCount")
		}
		v.put(AccountKey(a), ar)
		return
	}
	if old != nil {
		n := maps.Clone(old)
		n["HookStateData"] = upperHex(data)
		v.put(k, n)
		return
	}
	page := dirInsert(v, dir, k, map[string]any{"Owner": a.String()})
	v.put(k, Entry{"LedgerEntryType": "HookState", "Flags": uint32(0), "HookStateKey": key.String(),
		"HookStateData": upperHex(data), "OwnerNode": fmtHexU64(page)})
	ar := v.edit(AccountKey(a))
	ar["HookStateCount"] = u32(ar, "HookStateCount") + 1
	ar["OwnerCount"] = u32(ar, "OwnerCount") + 1
	nss, _ := ar["HookNamespaces"].([]any)
	if !slices.Contains(nss, any(ns.String())) {
		ar["HookNamespaces"] = append(slices.Clone(nss), ns.String())
	}
	v.put(AccountKey(a), ar)
}

// Params returns the transaction's hook parameters, name (hex) to value.
func (h *HookCall) Params() map[string][]byte {
	out := map[string][]byte{}
	ps, _ := h.c.tx["HookParameters"].([]any)
	for _, p := range ps {
		m, _ := p.(map[string]any)
		in, _ := m["HookParameter"].(map[string]any)
		v, _ := hexDecode(str(in, "HookParameterValue"))
		out[str(in, "HookParameterName")] = v
	}
	return out
}
