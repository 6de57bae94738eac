package localnet

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/ledger"
)

// Hook is Go code attached to an account, localnet's stand-in for a Xahau
// hook. Execute runs for every transaction sent from or to the account
// (Destination, a URIToken's owner or issuer, a trust line's issuer),
// before the transaction applies. Returning nil accepts; returning
// HookContext.Reject's error (or any error, or panicking) rolls the
// transaction back: it fails with tecHOOK_REJECTED, keeps the fee and the
// sequence, and the message shows in the metadata's HookExecutions.
//
// Hooks run with the ledger locked: they must be quick and must not call
// the Net.
type Hook interface {
	Execute(h *HookContext) error
}

// HookFunc adapts a function to Hook.
type HookFunc func(h *HookContext) error

// Execute calls f(h).
func (f HookFunc) Execute(h *HookContext) error { return f(h) }

// SetHook attaches h to the account at addr (Xahau mode only), replacing
// any hook there; a nil h removes it. The fee of every transaction that
// fires it rises by Config.HookFee.
func (n *Net) SetHook(addr string, h Hook) error {
	if n.network.Chain != evernode.Xahau {
		return fmt.Errorf("localnet: hooks need Xahau mode")
	}
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	if h == nil {
		n.eng.SetHooks(a)
		return nil
	}
	n.eng.SetHooks(a, hookAdapter{h: h, net: n.network})
	return nil
}

type hookAdapter struct {
	h   Hook
	net evernode.Network
}

func (a hookAdapter) Run(c *ledger.HookCall) error {
	return a.h.Execute(&HookContext{c: c, net: a.net})
}

// HookContext is what a hook sees and can do during one execution. It is
// valid only until Execute returns. Namespaces and keys are 32 bytes;
// state values at most 256 bytes.
type HookContext struct {
	c   *ledger.HookCall
	net evernode.Network
}

// Account is the hook account's address.
func (h *HookContext) Account() string { return h.c.Account().String() }

// Outgoing reports whether the hook account sent the transaction.
func (h *HookContext) Outgoing() bool { return h.c.Outgoing() }

// Tx returns the transaction's JSON (tx_json).
func (h *HookContext) Tx() map[string]any { return h.c.Tx() }

// TxType returns the TransactionType.
func (h *HookContext) TxType() string { s, _ := h.c.Tx()["TransactionType"].(string); return s }

// TxHash returns the transaction's hash.
func (h *HookContext) TxHash() string { return h.c.TxHash().String() }

// LedgerSeq is the index of the ledger the transaction goes into.
func (h *HookContext) LedgerSeq() uint32 { return h.c.LedgerSeq() }

// LedgerTime is the last closed ledger's close time (what Xahau hooks see
// as ledger time).
func (h *HookContext) LedgerTime() time.Time { return h.c.LastCloseTime() }

// Param returns the value of the transaction's hook parameter name.
func (h *HookContext) Param(name []byte) ([]byte, bool) {
	v, ok := h.c.Params()[strings.ToUpper(hex.EncodeToString(name))]
	return v, ok
}

// State reads the hook account's state.
func (h *HookContext) State(ns, key [32]byte) ([]byte, bool) {
	return h.c.State(ledger.Hash(ns), ledger.Hash(key))
}

// SetState writes the hook account's state; empty data deletes the key.
// Changes are rolled back if the transaction fails.
func (h *HookContext) SetState(ns, key [32]byte, data []byte) error {
	return h.c.SetState(ledger.Hash(ns), ledger.Hash(key), data)
}

// ForeignState reads the state of another account (the Evernode hooks keep
// theirs on the governor account).
func (h *HookContext) ForeignState(addr string, ns, key [32]byte) ([]byte, bool, error) {
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return nil, false, fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	v, found := h.c.ForeignState(a, ledger.Hash(ns), ledger.Hash(key))
	return v, found, nil
}

// SetForeignState writes another account's state. Xahau needs a HookGrant
// on that account for this; localnet does not check grants.
func (h *HookContext) SetForeignState(addr string, ns, key [32]byte, data []byte) error {
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	return h.c.SetForeignState(a, ledger.Hash(ns), ledger.Hash(key), data)
}

// AccountRoot returns the JSON of an account's AccountRoot as the
// transaction sees it, or nil.
func (h *HookContext) AccountRoot(addr string) map[string]any {
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return nil
	}
	return h.c.Entry(ledger.AccountKey(a))
}

// Emit emits a transaction from the hook account, as a Xahau hook does:
// Account, Sequence (0), Fee, SigningPubKey, FirstLedgerSequence (the next
// ledger), LastLedgerSequence (current + 5), NetworkID and EmitDetails are
// filled in where tx leaves them zero. If the originating transaction
// succeeds, the emitted one waits in the ledger's emitted directory and
// applies in the next ledger, with its own hash and metadata; it never
// applies in the originating ledger. Emit returns its hash,
// SHA-512Half("TXN\0" ‖ blob).
func (h *HookContext) Emit(tx evernode.Transaction) (string, error) {
	m, err := evernode.JSON(h.net, tx)
	if err != nil {
		return "", err
	}
	for k, v := range m {
		switch v {
		case "", "0", uint32(0), nil:
			delete(m, k) // left for the ledger to fill in
		}
	}
	id, err := h.c.Emit(m)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// Accept accepts the transaction with a message for HookReturnString; it
// returns nil so that hooks can `return h.Accept("ok")`.
func (h *HookContext) Accept(msg string) error { return h.c.Accept(msg, 0) }

// Reject returns the error that rolls the transaction back with msg.
func (h *HookContext) Reject(msg string) error { return h.c.Reject(msg, -1) }

// StateIndex returns the HookState ledger index of (account, key,
// namespace): SHA-512Half(0x0076 ‖ account ‖ key ‖ namespace), the index
// ledger_entry takes.
func StateIndex(addr string, ns, key [32]byte) (string, error) {
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	return ledger.HookStateKey(a, ledger.Hash(key), ledger.Hash(ns)).String(), nil
}

// URITokenID returns SHA-512Half(0x0055 ‖ issuer ‖ uri), the id of the
// URIToken issuer mints with uri.
func URITokenID(issuer string, uri []byte) (string, error) {
	a, ok := ledger.ParseAccount(issuer)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrAddress, issuer)
	}
	return ledger.URITokenKey(a, uri).String(), nil
}
