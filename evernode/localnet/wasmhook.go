package localnet

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/hookvm"
	"github.com/evernode-go/sdk/internal/ledger"
)

// WebAssembly hooks: localnet runs Xahau hooks compiled to wasm, installed
// with SetHook transactions exactly as on Xahau (xrpl.js or any Xahau tool
// can send them to the websocket API), or with InstallHooks from Go.

// HookOnAll is the HookOn value that fires on every transaction type except
// SetHook (all bits active low, bit 22 active high).
var HookOnAll [32]byte

// WasmHook is one position of an account's hook chain for InstallHooks.
// The zero value of a position (nil Wasm and zero HookHash) leaves that
// position as it is.
type WasmHook struct {
	// Wasm is the module to install (CreateCode). Set it or HookHash.
	Wasm []byte
	// HookHash installs an already defined hook by its hash instead.
	HookHash [32]byte
	// HookOn selects the transaction types the hook fires on (active low;
	// see HookOnAll).
	HookOn [32]byte
	// Namespace is the hook's state namespace.
	Namespace [32]byte
	// Params are the hook parameters, name to value.
	Params map[string][]byte
	// Grants let other hooks write this account's namespace: each is a
	// hook hash and, optionally, the account it must run on.
	Grants []HookGrant
	// Flags are the HookSet flags; InstallHooks always adds hsfOVERRIDE.
	Flags uint32
}

// HookGrant is one HookGrant of a SetHook.
type HookGrant struct {
	HookHash  [32]byte
	Authorize string // classic address; "" means any account
}

// Hook set flags.
const (
	HookSetOverride = 1 // replace or delete an existing hook
	HookSetNSDelete = 2 // delete the namespace's state
	HookSetCollect  = 4 // weak executions may be collected
)

// SetHookJSON builds the SetHook transaction for hooks (one position each).
func SetHookJSON(hooks ...WasmHook) evernode.Raw {
	arr := make([]any, 0, len(hooks))
	for _, h := range hooks {
		in := map[string]any{}
		switch {
		case h.Wasm != nil:
			in["CreateCode"] = strings.ToUpper(hex.EncodeToString(h.Wasm))
			in["HookApiVersion"] = uint32(0)
			in["HookOn"] = upperHex(h.HookOn[:])
			in["HookNamespace"] = upperHex(h.Namespace[:])
			in["Flags"] = h.Flags | HookSetOverride
		case h.HookHash != [32]byte{}:
			in["HookHash"] = upperHex(h.HookHash[:])
			in["HookOn"] = upperHex(h.HookOn[:])
			in["HookNamespace"] = upperHex(h.Namespace[:])
			in["Flags"] = h.Flags | HookSetOverride
		}
		if len(h.Params) > 0 {
			names := make([]string, 0, len(h.Params))
			for n := range h.Params {
				names = append(names, n)
			}
			sort.Strings(names)
			ps := make([]any, 0, len(names))
			for _, n := range names {
				ps = append(ps, map[string]any{"HookParameter": map[string]any{
					"HookParameterName": upperHex([]byte(n)), "HookParameterValue": upperHex(h.Params[n])}})
			}
			in["HookParameters"] = ps
		}
		if len(h.Grants) > 0 {
			gs := make([]any, 0, len(h.Grants))
			for _, g := range h.Grants {
				m := map[string]any{"HookHash": upperHex(g.HookHash[:])}
				if g.Authorize != "" {
					m["Authorize"] = g.Authorize
				}
				gs = append(gs, map[string]any{"HookGrant": m})
			}
			in["HookGrants"] = gs
		}
		arr = append(arr, map[string]any{"Hook": in})
	}
	return evernode.Raw{"TransactionType": "SetHook", "Hooks": arr}
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// InstallHooks sends a SetHook from w installing hooks in positions 0, 1, …
// of its chain, and returns the transaction hash. The HookDefinition of new
// code is created (and charged 500 drops per wasm byte, as on Xahau).
func (n *Net) InstallHooks(ctx context.Context, w *evernode.Wallet, hooks ...WasmHook) (string, error) {
	if len(hooks) == 0 {
		return "", fmt.Errorf("localnet: InstallHooks without hooks")
	}
	return n.submit(ctx, w, w.Address(), SetHookJSON(hooks...))
}

// CleanHook removes what Xahau's SetHook refuses but compilers emit: the
// custom sections (a "producers" section, debug names), as Xahau's
// hook-cleaner does. Install the result; its hook hash differs from the
// input's.
func CleanHook(wasm []byte) []byte { return hookvm.StripCustomSections(wasm) }

// HookHash is the hook hash of a wasm module (SHA-512Half of its bytes),
// the key of its HookDefinition.
func HookHash(wasm []byte) [32]byte {
	return [32]byte(ledger.HookDefinitionHash(wasm))
}

// HookExecution is one hook execution recorded in a transaction's
// metadata.
type HookExecution struct {
	Account string
	// Result is 3 for accept, 2 for rollback, 1 for a wasm error.
	Result uint32
	Code   int64
	// Message is the accept or rollback message.
	Message string
}

// HookExecutions returns the hook executions in the metadata of the
// transaction with hash txHash (empty when no hook ran).
func (n *Net) HookExecutions(txHash string) ([]HookExecution, error) {
	h, ok := ledger.ParseHash(txHash)
	if !ok {
		return nil, fmt.Errorf("localnet: bad transaction hash %q", txHash)
	}
	rec := n.eng.Tx(h)
	if rec == nil {
		return nil, fmt.Errorf("localnet: no transaction %s", txHash)
	}
	outs, err := ledger.HookReturn(rec)
	if err != nil {
		return nil, nil
	}
	res := make([]HookExecution, len(outs))
	for i, o := range outs {
		res[i] = HookExecution{Account: o.Account.String(), Result: o.Result, Code: o.Code, Message: o.Message}
	}
	return res, nil
}

// HookCache holds compiled WebAssembly hooks that several networks share
// (Config.HookCache): a test binary starting many networks with the same
// hooks compiles them once. It is safe for concurrent use; Close it after
// the networks.
type HookCache struct {
	once sync.Once
	rt   *hookvm.Runtime
}

// NewHookCache returns an empty cache.
func NewHookCache() *HookCache { return &HookCache{} }

// Close releases the compiled code.
func (h *HookCache) Close() error {
	if rt := h.runtime(); rt != nil {
		return rt.Close(context.Background())
	}
	return nil
}

func (h *HookCache) runtime() *hookvm.Runtime {
	if h == nil {
		return nil
	}
	h.once.Do(func() {
		// A runtime on the built-in Xahau definitions cannot fail to start;
		// on error the networks fall back to runtimes of their own.
		h.rt, _ = hookvm.NewRuntime(context.Background(), nil, nil)
	})
	return h.rt
}

// HookDefinitionIndex is the ledger index of the HookDefinition of a hook
// hash.
func HookDefinitionIndex(hookHash [32]byte) [32]byte {
	return [32]byte(ledger.HookDefinitionKey(ledger.Hash(hookHash)))
}
