package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/internal/codec"
	"github.com/evernode-go/sdk/internal/hookvm"
)

// SetHook: install, update and remove WebAssembly hooks the Xahau way
// (xahaud's SetHook transactor). An account's hooks live in its Hook object
// (a chain of up to ten positions); the code lives once per distinct wasm in
// an unowned, reference-counted HookDefinition keyed by the hook hash.

// Hook set flags (HookSetFlags) and limits (Enum.h).
const (
	hsfOverride = 1
	hsfNSDelete = 2
	hsfCollect  = 4

	maxHookChain      = 10
	maxHookWasmSize   = 0xFFFF
	maxHookParams     = 16
	maxParamNameSize  = 32
	maxParamValueSize = 256
	maxHookGrants     = 8
)

// HookDefinitionKey is the index of the HookDefinition of a hook hash.
func HookDefinitionKey(hash Hash) Hash { return indexHash('D', hash[:]) }

type hookSetOp int

const (
	hsoInvalid hookSetOp = iota
	hsoNoop
	hsoCreate
	hsoInstall
	hsoDelete
	hsoNSDeleteOp
	hsoUpdate
)

// inferHookOp is SetHook::inferOperation.
func inferHookOp(h map[string]any) hookSetOp {
	_, hasHash := h["HookHash"]
	code, hasCode := h["CreateCode"].(string)
	switch {
	case hasHash && hasCode:
		return hsoInvalid
	case hasHash:
		return hsoInstall
	case hasCode:
		if len(code) > 0 {
			return hsoCreate
		}
		return hsoDelete
	}
	present := func(k string) bool { _, ok := h[k]; return ok }
	if !present("HookGrants") && !present("HookNamespace") && !present("HookParameters") &&
		!present("HookOn") && !present("HookApiVersion") && !present("Flags") {
		return hsoNoop
	}
	if present("HookNamespace") && u32(h, "Flags")&hsfNSDelete != 0 {
		return hsoNSDeleteOp
	}
	return hsoUpdate
}

// hookSetObjs returns the inner Hook objects of a Hooks array.
func hookSetObjs(v any) ([]map[string]any, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		w, _ := x.(map[string]any)
		h, ok := w["Hook"].(map[string]any)
		if !ok || len(w) != 1 {
			return nil, false
		}
		out = append(out, h)
	}
	return out, true
}

// preflightSetHook is SetHook::preflight's context-free validation.
func (e *Engine) preflightSetHook(tx map[string]any) string {
	if !e.cfg.Xahau {
		return "temDISABLED"
	}
	hooks, ok := hookSetObjs(tx["Hooks"])
	if !ok || len(hooks) == 0 || len(hooks) > maxHookChain {
		return "temMALFORMED"
	}
	allBlank := true
	for _, h := range hooks {
		op := inferHookOp(h)
		if op != hsoNoop {
			allBlank = false
		}
		if !validHookSetEntry(h, op) {
			return "temMALFORMED"
		}
		if op == hsoCreate {
			code, _ := hex.DecodeString(str(h, "CreateCode"))
			if _, _, err := hookvm.ValidateGuards(code); err != nil {
				// xahaud writes this reason to its trace log only.
				e.log.Debug("SetHook: guard analysis rejected the hook", "err", err)
				return "temMALFORMED"
			}
			// xahaud's smoke test: the module must load in the wasm VM.
			if rt, err := e.hookRuntime(); err == nil {
				if _, err := rt.Compile(context.Background(), code); err != nil {
					e.log.Debug("SetHook: the hook does not compile", "err", err)
					return "temMALFORMED"
				}
			}
		}
	}
	if allBlank {
		return "temMALFORMED"
	}
	return ""
}

func validHookSetEntry(h map[string]any, op hookSetOp) bool {
	present := func(k string) bool { _, ok := h[k]; return ok }
	flags := u32(h, "Flags")
	if flags&^(hsfOverride|hsfNSDelete|hsfCollect) != 0 {
		return false
	}
	if present("HookGrants") {
		gs, ok := h["HookGrants"].([]any)
		if !ok || len(gs) == 0 || len(gs) > maxHookGrants {
			return false
		}
		for _, g := range gs {
			w, _ := g.(map[string]any)
			in, ok := w["HookGrant"].(map[string]any)
			if !ok {
				return false
			}
			if _, ok := in["HookHash"]; !ok {
				if _, ok := in["Authorize"]; !ok {
					return false
				}
			}
		}
	}
	if present("HookParameters") {
		ps, ok := h["HookParameters"].([]any)
		if !ok || len(ps) > maxHookParams {
			return false
		}
		seen := map[string]bool{}
		for _, p := range ps {
			w, _ := p.(map[string]any)
			in, ok := w["HookParameter"].(map[string]any)
			if !ok {
				return false
			}
			name, ok := in["HookParameterName"].(string)
			if !ok || len(name)/2 > maxParamNameSize || seen[name] {
				return false
			}
			seen[name] = true
			if len(str(in, "HookParameterValue"))/2 > maxParamValueSize {
				return false
			}
		}
	}
	switch op {
	case hsoNSDeleteOp:
		return !present("HookGrants") && !present("HookParameters") && !present("HookOn") &&
			!present("HookApiVersion") && flags == hsfNSDelete
	case hsoDelete:
		return !present("HookGrants") && !present("HookParameters") && !present("HookOn") &&
			!present("HookApiVersion") && !present("HookNamespace") && present("Flags")
	case hsoInstall:
		return !present("HookApiVersion")
	case hsoCreate:
		code, _ := hex.DecodeString(str(h, "CreateCode"))
		if len(code) == 0 || len(code) > maxHookWasmSize || !bytes.HasPrefix(code, []byte("\x00asm")) {
			return false
		}
		if !present("HookNamespace") || !present("HookOn") || !present("HookApiVersion") {
			return false
		}
		return u32(h, "HookApiVersion") == 0
	case hsoInvalid:
		return false
	}
	return true
}

// setHookFee is what SetHook adds to the base fee: 500 drops per byte of
// CreateCode and one drop per byte of parameters (computeCreationFee).
func setHookFee(tx map[string]any) int64 {
	hooks, _ := hookSetObjs(tx["Hooks"])
	var fee int64
	for _, h := range hooks {
		fee += hookvm.CreationFee(len(str(h, "CreateCode")) / 2)
		ps, _ := h["HookParameters"].([]any)
		for _, p := range ps {
			w, _ := p.(map[string]any)
			in, _ := w["HookParameter"].(map[string]any)
			fee += int64(len(str(in, "HookParameterName"))/2 + len(str(in, "HookParameterValue"))/2)
		}
	}
	return fee
}

// hookParams reads a HookParameters array into name (hex) → value (hex);
// a parameter without a value maps to nil.
func hookParams(v any) map[string]*string {
	out := map[string]*string{}
	ps, _ := v.([]any)
	for _, p := range ps {
		w, _ := p.(map[string]any)
		in, _ := w["HookParameter"].(map[string]any)
		n := strings.ToUpper(str(in, "HookParameterName"))
		if val, ok := in["HookParameterValue"].(string); ok {
			val = strings.ToUpper(val)
			out[n] = &val
		} else {
			out[n] = nil
		}
	}
	return out
}

func paramsArray(m map[string]string) []any {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"HookParameter": map[string]any{
			"HookParameterName": n, "HookParameterValue": m[n]}})
	}
	return out
}

// updateHookParameters is xahaud's three-way merge of a hook's parameters
// against its definition's defaults. It returns false when the result has
// too many parameters.
func updateHookParameters(set map[string]any, def Entry, old any, newHook map[string]any) bool {
	params := hookParams(old)
	for n, v := range hookParams(set["HookParameters"]) {
		params[n] = v
	}
	blanks := map[string]bool{}
	if len(params) > 0 && def != nil {
		for n, dv := range hookParams(def["HookParameters"]) {
			pv, ok := params[n]
			if !ok {
				continue
			}
			switch {
			case pv == nil || (dv != nil && *pv == *dv):
				delete(params, n)
			case *pv == "":
				blanks[n] = true
			}
		}
	}
	final := map[string]string{}
	for n, v := range params {
		if v == nil || (*v == "" && !blanks[n]) {
			continue
		}
		final[n] = *v
	}
	if len(final) > maxHookParams {
		return false
	}
	delete(newHook, "HookParameters")
	if len(final) > 0 {
		newHook["HookParameters"] = paramsArray(final)
	}
	return true
}

func hookReserve(h map[string]any) int {
	if _, ok := h["HookHash"]; !ok {
		return 0
	}
	n := 1
	ps, _ := h["HookParameters"].([]any)
	gs, _ := h["HookGrants"].([]any)
	return n + len(ps) + len(gs)
}

// setHook is SetHook::doApply.
func (c *applyCtx) setHook() string {
	sets, _ := hookSetObjs(c.tx["Hooks"])
	hookKey := HookKey(c.acct)
	oldHookObj := c.v.get(hookKey)
	var oldHooks []map[string]any
	if oldHookObj != nil {
		oldHooks, _ = hookSetObjs(oldHookObj["Hooks"])
	}
	defs := map[Hash]Entry{} // definitions touched, by key
	getDef := func(k Hash) Entry {
		if d, ok := defs[k]; ok {
			return d
		}
		d := c.v.edit(k)
		if d != nil {
			defs[k] = d
		}
		return d
	}
	refAdd := func(d Entry, n int64) {
		cur, _ := strconv.ParseUint(str(d, "ReferenceCount"), 16, 64)
		d["ReferenceCount"] = strconv.FormatUint(uint64(int64(cur)+n), 16)
	}
	var nsToDestroy []Hash
	var newHooks []map[string]any
	for i := 0; i < max(len(oldHooks), len(sets)); i++ {
		var old, set map[string]any
		if i < len(oldHooks) {
			old = oldHooks[i]
		}
		if i < len(sets) {
			set = sets[i]
		}
		op := hsoNoop
		var flags *uint32
		if set != nil {
			op = inferHookOp(set)
			if _, ok := set["Flags"]; ok {
				f := u32(set, "Flags")
				flags = &f
			}
		}
		newFlags := uint32(0)
		if flags != nil {
			newFlags = *flags &^ (hsfOverride | hsfNSDelete)
		}
		override := flags != nil && *flags&hsfOverride != 0
		var oldDef Entry
		var oldDefKey Hash
		var oldNS, defNS, defOn *Hash
		if old != nil {
			if hh, ok := ParseHash(str(old, "HookHash")); ok {
				oldDefKey = HookDefinitionKey(hh)
				oldDef = getDef(oldDefKey)
				if oldDef != nil {
					n, _ := ParseHash(str(oldDef, "HookNamespace"))
					defNS = &n
					on, _ := ParseHash(str(oldDef, "HookOn"))
					defOn = &on
				}
				if n, ok := ParseHash(str(old, "HookNamespace")); ok {
					oldNS = &n
				} else {
					oldNS = defNS
				}
			}
		}
		var newNS, newOn *Hash
		if set != nil {
			if n, ok := ParseHash(str(set, "HookNamespace")); ok {
				newNS = &n
			}
			if n, ok := ParseHash(str(set, "HookOn")); ok {
				newOn = &n
			}
		}
		if flags != nil && *flags&hsfNSDelete != 0 && op != hsoNoop && op != hsoInvalid {
			switch {
			case op == hsoNSDeleteOp && newNS != nil:
				nsToDestroy = append(nsToDestroy, *newNS)
			case oldNS != nil:
				nsToDestroy = append(nsToDestroy, *oldNS)
			}
		}
		releaseOld := func() {
			if oldDef != nil {
				refAdd(oldDef, -1)
			}
		}
		switch op {
		case hsoNSDeleteOp, hsoNoop:
			if old != nil {
				newHooks = append(newHooks, old)
			} else {
				newHooks = append(newHooks, map[string]any{})
			}
			continue
		case hsoDelete:
			if !override {
				return "tecREQUIRES_FLAG"
			}
			newHooks = append(newHooks, map[string]any{})
			if old != nil {
				releaseOld()
			}
			continue
		case hsoUpdate:
			if oldDef == nil || old == nil {
				return "tecNO_ENTRY"
			}
			nh := map[string]any{"HookHash": old["HookHash"]}
			for _, k := range []string{"HookOn", "HookNamespace"} {
				if v, ok := old[k]; ok {
					nh[k] = v
				}
			}
			if newNS != nil {
				if defNS != nil && *defNS == *newNS {
					delete(nh, "HookNamespace")
				} else {
					nh["HookNamespace"] = newNS.String()
				}
			}
			if newOn != nil {
				if defOn != nil && *defOn == *newOn {
					delete(nh, "HookOn")
				} else {
					nh["HookOn"] = newOn.String()
				}
			}
			if ps, ok := set["HookParameters"].([]any); ok && len(ps) == 0 {
				// an empty array deletes the parameters
			} else {
				if v, ok := old["HookParameters"]; ok {
					nh["HookParameters"] = v
				}
				if !updateHookParameters(set, oldDef, old["HookParameters"], nh) {
					return "tecINTERNAL"
				}
			}
			if gs, ok := set["HookGrants"].([]any); ok {
				if len(gs) > 0 {
					nh["HookGrants"] = gs
				}
			} else if gs, ok := old["HookGrants"]; ok {
				nh["HookGrants"] = gs
			}
			if flags != nil {
				nh["Flags"] = *flags
			}
			newHooks = append(newHooks, nh)
			continue
		case hsoCreate, hsoInstall:
			if old != nil && old["HookHash"] != nil && !override {
				return "tecREQUIRES_FLAG"
			}
			var hash Hash
			if op == hsoCreate {
				code, _ := hex.DecodeString(str(set, "CreateCode"))
				hash = Hash(codec.SHA512Half(code))
				if getDef(HookDefinitionKey(hash)) == nil {
					fee, cbFee, err := c.e.hookExecutionFees(code)
					if err != nil {
						c.e.log.Debug("SetHook: invalid wasm", "err", err)
						return "tecINTERNAL"
					}
					releaseOld()
					d := Entry{"LedgerEntryType": "HookDefinition", "Flags": newFlags,
						"HookHash": hash.String(), "HookOn": newOn.String(), "HookNamespace": newNS.String(),
						"HookApiVersion": u32(set, "HookApiVersion"), "CreateCode": strings.ToUpper(str(set, "CreateCode")),
						"HookSetTxnID": c.hash.String(), "ReferenceCount": "1",
						"Fee": strconv.FormatInt(fee, 10)}
					if ps, ok := set["HookParameters"].([]any); ok {
						d["HookParameters"] = ps
					} else {
						d["HookParameters"] = []any{}
					}
					if cbFee > 0 {
						d["HookCallbackFee"] = strconv.FormatInt(cbFee, 10)
					}
					defs[HookDefinitionKey(hash)] = d
					nh := map[string]any{"HookHash": hash.String()}
					if gs, ok := set["HookGrants"].([]any); ok && len(gs) > 0 {
						nh["HookGrants"] = gs
					}
					newHooks = append(newHooks, nh)
					continue
				}
			} else {
				hash, _ = ParseHash(str(set, "HookHash"))
			}
			def := getDef(HookDefinitionKey(hash))
			if def == nil {
				return "tecNO_ENTRY"
			}
			releaseOld()
			refAdd(def, 1)
			nh := map[string]any{"HookHash": hash.String()}
			if newNS != nil && str(def, "HookNamespace") != newNS.String() {
				nh["HookNamespace"] = newNS.String()
			}
			if newOn != nil && str(def, "HookOn") != newOn.String() {
				nh["HookOn"] = newOn.String()
			}
			if !updateHookParameters(set, def, nil, nh) {
				return "tecINTERNAL"
			}
			if gs, ok := set["HookGrants"].([]any); ok && len(gs) > 0 {
				nh["HookGrants"] = gs
			}
			if flags != nil {
				nh["Flags"] = newFlags
			}
			newHooks = append(newHooks, nh)
			continue
		default:
			return "tecCLAIM"
		}
	}
	oldReserve, newReserve := 0, 0
	for _, h := range oldHooks {
		oldReserve += hookReserve(h)
	}
	for _, h := range newHooks {
		newReserve += hookReserve(h)
	}
	delta := newReserve - oldReserve
	ar := c.account(c.acct)
	owners := int64(u32(ar, "OwnerCount")) + int64(delta)
	if owners < 0 {
		return "tefINTERNAL"
	}
	if c.priorBalance < c.e.reserve(uint32(owners)) {
		return "tecINSUFFICIENT_RESERVE"
	}
	for _, k := range sortedKeys(defs) {
		d := defs[k]
		if rc, _ := strconv.ParseUint(str(d, "ReferenceCount"), 16, 64); rc == 0 {
			c.v.erase(k)
		} else {
			c.v.put(k, d)
		}
	}
	for _, ns := range nsToDestroy {
		c.destroyNamespace(ns)
	}
	empty := true
	arr := make([]any, 0, len(newHooks))
	for _, h := range newHooks {
		if _, ok := h["HookHash"]; ok {
			empty = false
		}
		arr = append(arr, map[string]any{"Hook": h})
	}
	switch {
	case oldHookObj != nil && empty:
		c.ownerRemove(c.acct, hexU64(oldHookObj, "OwnerNode"), hookKey)
		c.v.erase(hookKey)
	case oldHookObj != nil:
		c.v.put(hookKey, Entry{"LedgerEntryType": "Hook", "Flags": uint32(0), "Account": c.acct.String(),
			"Hooks": arr, "OwnerNode": oldHookObj["OwnerNode"]})
	case !empty:
		page := c.ownerInsert(c.acct, hookKey)
		c.v.put(hookKey, Entry{"LedgerEntryType": "Hook", "Flags": uint32(0), "Account": c.acct.String(),
			"Hooks": arr, "OwnerNode": fmtHexU64(page)})
	}
	if delta != 0 {
		c.adjustOwnerCount(c.acct, delta)
	}
	return "tesSUCCESS"
}

// destroyNamespace deletes every state entry of the account's namespace ns
// (up to xahaud's limit of 256 entries).
func (c *applyCtx) destroyNamespace(ns Hash) {
	dir := HookStateDirKey(c.acct, ns)
	var keys []Hash
	dirWalk(c.v, dir, 0, Hash{}, func(_ uint64, idx Hash) bool {
		keys = append(keys, idx)
		return len(keys) < 256
	})
	for _, k := range keys {
		e := c.v.get(k)
		if e == nil || str(e, "LedgerEntryType") != "HookState" {
			continue
		}
		key, _ := ParseHash(str(e, "HookStateKey"))
		setHookState(c.v, c.acct, ns, key, nil)
	}
}

// HookDefinitionHash is the hook hash of wasm: SHA-512Half of its bytes.
func HookDefinitionHash(wasm []byte) Hash { return Hash(codec.SHA512Half(wasm)) }
