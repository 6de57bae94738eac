package localnet_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/internal/codec"
	w "github.com/evernode-go/sdk/internal/hookvm/wasmtest"
)

var (
	imAccept   = w.Func("accept", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})
	imRollback = w.Func("rollback", []byte{0x7f, 0x7f, 0x7e}, []byte{0x7e})
	imStateSet = w.Func("state_set", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imParam    = w.Func("hook_param", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
)

// acceptHook accepts with "ok" and code = hook_param("P") (written at 2048).
func acceptHook() []byte {
	return w.Build([]w.Import{imAccept, imParam}, w.Cat(w.I32(1024), w.I32(2), // "ok"
		w.I32(2048), w.I32(32), w.I32(1026), w.I32(1), w.Call(1), // hook_param(P)
		w.Call(0)), []byte("okP"))
}

// stateHook writes "v" under key "k" and accepts.
func stateHook() []byte {
	return w.Build([]w.Import{imAccept, imStateSet}, w.Cat(
		w.I32(1024), w.I32(1), w.I32(1025), w.I32(1), w.Call(1), w.Drop(),
		w.I32(0), w.I32(0), w.I64(0), w.Call(0)), []byte("vk"))
}

// rollbackHook rolls back with "nope", code 7.
func rollbackHook() []byte {
	return w.Build([]w.Import{imRollback}, w.Cat(w.I32(1024), w.I32(4), w.I64(7), w.Call(0)), []byte("nope"))
}

type hookEnv struct {
	t   *testing.T
	ctx context.Context
	n   *localnet.Net
}

func newHookEnv(t *testing.T) *hookEnv {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	return &hookEnv{t: t, ctx: ctx, n: n}
}

func (e *hookEnv) wallet() *evernode.Wallet {
	wl, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(e.t, err)
	return wl
}

// entry reads a ledger object of the open ledger through the websocket API.
func (e *hookEnv) entry(index [32]byte) map[string]any {
	c, err := evernode.Dial(e.ctx, e.n.Network(), nil)
	require.NoError(e.t, err)
	defer c.Close()
	m, err := c.LedgerEntry(e.ctx, strings.ToUpper(hex.EncodeToString(index[:])), evernode.Current)
	if err != nil {
		return nil
	}
	return m
}

func (e *hookEnv) objects(addr, typ string) []map[string]any {
	c, err := evernode.Dial(e.ctx, e.n.Network(), nil)
	require.NoError(e.t, err)
	defer c.Close()
	e.n.Commit()
	objs, err := c.AccountObjects(e.ctx, addr, typ)
	require.NoError(e.t, err)
	return objs
}

func (e *hookEnv) ownerCount(addr string) string {
	c, err := evernode.Dial(e.ctx, e.n.Network(), nil)
	require.NoError(e.t, err)
	defer c.Close()
	e.n.Commit()
	var r struct {
		AccountData map[string]any `json:"account_data"`
	}
	require.NoError(e.t, c.Request(e.ctx, "account_info", map[string]any{"account": addr, "ledger_index": "validated"}, &r))
	return fmt.Sprint(r.AccountData["OwnerCount"])
}

func stateKey(s string) [32]byte {
	var k [32]byte
	copy(k[32-len(s):], s)
	return k
}

func eleven() []any {
	out := make([]any, 11)
	for i := range out {
		out[i] = map[string]any{"Hook": map[string]any{"CreateCode": "", "Flags": uint32(1)}}
	}
	return out
}

func (e *hookEnv) entryHex(index string) map[string]any {
	var k [32]byte
	b, err := hex.DecodeString(index)
	require.NoError(e.t, err)
	copy(k[:], b)
	return e.entry(k)
}

func definitionIndex(wasm []byte) [32]byte {
	h := localnet.HookHash(wasm)
	return localnet.HookDefinitionIndex(h)
}

func TestSetHookInstallRunUpdateDelete(t *testing.T) {
	e := newHookEnv(t)
	a, b, payer := e.wallet(), e.wallet(), e.wallet()
	code := acceptHook()
	_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: code, Namespace: [32]byte{1},
		Params: map[string][]byte{"P": []byte("xyz")}})
	require.NoError(t, err)
	hooks := e.objects(a.Address(), "hook")
	require.Len(t, hooks, 1)
	// The parameters of a new definition are its defaults, not the hook's:
	// one reserve for the hook.
	assert.Equal(t, "1", e.ownerCount(a.Address()))
	def := e.entry(definitionIndex(code))
	require.NotNil(t, def)
	assert.Equal(t, "1", def["ReferenceCount"])
	assert.Equal(t, strings.ToUpper(hex.EncodeToString(code)), def["CreateCode"])

	// The same code installed by another account is one definition.
	_, err = e.n.InstallHooks(e.ctx, b, localnet.WasmHook{Wasm: code, Namespace: [32]byte{2}})
	require.NoError(t, err)
	assert.Equal(t, "2", e.entry(definitionIndex(code))["ReferenceCount"])

	// A payment to a fires the hook: accept with the parameter's length.
	hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, err := e.n.HookExecutions(hash)
	require.NoError(t, err)
	require.Len(t, ex, 1)
	assert.Equal(t, localnet.HookExecution{Account: a.Address(), Result: 3, Code: 3, Message: "ok"}, ex[0])

	// Updating the parameter (same position, no code) changes what it sees.
	_, err = e.n.Submit(e.ctx, a, a.Address(), evernode.Raw{"TransactionType": "SetHook", "Hooks": []any{
		map[string]any{"Hook": map[string]any{"HookParameters": []any{map[string]any{"HookParameter": map[string]any{
			"HookParameterName": "50", "HookParameterValue": "0102030405"}}}}}}})
	require.NoError(t, err)
	hash, err = e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, _ = e.n.HookExecutions(hash)
	require.Len(t, ex, 1)
	assert.Equal(t, int64(5), ex[0].Code)

	// Deleting needs hsfOVERRIDE; then the Hook object and a's reference go.
	del := evernode.Raw{"TransactionType": "SetHook", "Hooks": []any{
		map[string]any{"Hook": map[string]any{"CreateCode": "", "Flags": uint32(0)}}}}
	_, err = e.n.Submit(e.ctx, a, a.Address(), del)
	var te *localnet.TxError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "tecREQUIRES_FLAG", te.Result)
	del["Hooks"] = []any{map[string]any{"Hook": map[string]any{"CreateCode": "", "Flags": uint32(localnet.HookSetOverride)}}}
	_, err = e.n.Submit(e.ctx, a, a.Address(), del)
	require.NoError(t, err)
	assert.Empty(t, e.objects(a.Address(), "hook"))
	assert.Equal(t, "0", e.ownerCount(a.Address()))
	assert.Equal(t, "1", e.entry(definitionIndex(code))["ReferenceCount"])
	_, err = e.n.Submit(e.ctx, b, b.Address(), del)
	require.NoError(t, err)
	assert.Nil(t, e.entry(definitionIndex(code)), "the last reference deletes the definition")

	// No hook any more: the payment runs nothing.
	hash, err = e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, _ = e.n.HookExecutions(hash)
	assert.Empty(t, ex)
}

func TestSetHookRollbackStateAndChains(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	// A chain: the state hook, then the rollback hook.
	_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: stateHook(), Namespace: [32]byte{9}},
		localnet.WasmHook{Wasm: rollbackHook(), Namespace: [32]byte{9}})
	require.NoError(t, err)
	before := e.ownerCount(a.Address())
	hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	var te *localnet.TxError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "tecHOOK_REJECTED", te.Result)
	ex, _ := e.n.HookExecutions(hash)
	require.Len(t, ex, 2)
	assert.Equal(t, uint32(3), ex[0].Result)
	assert.Equal(t, localnet.HookExecution{Account: a.Address(), Result: 2, Code: 7, Message: "nope"}, ex[1])
	idx, err := localnet.StateIndex(a.Address(), [32]byte{9}, stateKey("k"))
	require.NoError(t, err)
	assert.Nil(t, e.entryHex(idx), "a rolled back chain writes no state")
	assert.Equal(t, before, e.ownerCount(a.Address()))

	// Replace the second position by nothing: the state hook's write lands.
	_, err = e.n.Submit(e.ctx, a, a.Address(), evernode.Raw{"TransactionType": "SetHook", "Hooks": []any{
		map[string]any{"Hook": map[string]any{}},
		map[string]any{"Hook": map[string]any{"CreateCode": "", "Flags": uint32(localnet.HookSetOverride)}}}})
	require.NoError(t, err)
	_, err = e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	st := e.entryHex(idx)
	require.NotNil(t, st)
	assert.Equal(t, "76", st["HookStateData"])
	assert.Equal(t, strings.Repeat("0", 62)+"6B", st["HookStateKey"])
}

func TestSetHookMalformedAndFees(t *testing.T) {
	e := newHookEnv(t)
	a := e.wallet()
	for name, tx := range map[string]evernode.Raw{
		"no hooks":  {"TransactionType": "SetHook", "Hooks": []any{}},
		"all blank": {"TransactionType": "SetHook", "Hooks": []any{map[string]any{"Hook": map[string]any{}}}},
		"not wasm":  localnet.SetHookJSON(localnet.WasmHook{Wasm: []byte("nope")}),
		"code+hash": {"TransactionType": "SetHook", "Hooks": []any{map[string]any{"Hook": map[string]any{"CreateCode": "0061736D", "HookHash": strings.Repeat("AB", 32)}}}},
		"bad flags": {"TransactionType": "SetHook", "Hooks": []any{map[string]any{"Hook": map[string]any{"CreateCode": "", "Flags": uint32(8)}}}},
		"eleven":    {"TransactionType": "SetHook", "Hooks": eleven()},
	} {
		_, err := e.n.Submit(e.ctx, a, a.Address(), tx)
		var te *localnet.TxError
		if assert.True(t, errors.As(err, &te), name) {
			assert.Equal(t, "temMALFORMED", te.Result, name)
		}
	}
	// Installing a hash that has no definition.
	_, err := e.n.Submit(e.ctx, a, a.Address(), localnet.SetHookJSON(localnet.WasmHook{HookHash: [32]byte{1}}))
	var te *localnet.TxError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "tecNO_ENTRY", te.Result)
	// The creation fee is 500 drops per byte of code: the base fee is refused.
	tx := localnet.SetHookJSON(localnet.WasmHook{Wasm: acceptHook()})
	tx["Fee"] = "10"
	_, err = e.n.Submit(e.ctx, a, a.Address(), tx)
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "telINSUF_FEE_P", te.Result)
}

func TestSetHookChainSkipAndParamOverrides(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	reader := acceptHook() // accepts with len(hook_param("P"))
	nope := rollbackHook()
	rh, nh := localnet.HookHash(reader), localnet.HookHash(nope)
	// hook_param_set("abcd" for "P" of the reader), hook_skip(rollback hook), accept.
	data := append(append([]byte("abcdP"), rh[:]...), nh[:]...)
	imSet := w.Func("hook_param_set", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imSkip := w.Func("hook_skip", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
	first := w.Build([]w.Import{imAccept, imSet, imSkip}, w.Cat(
		w.I32(1024), w.I32(4), w.I32(1028), w.I32(1), w.I32(1029), w.I32(32), w.Call(1), w.Drop(),
		w.I32(1061), w.I32(32), w.I32(0), w.Call(2), w.Drop(),
		w.I32(0), w.I32(0), w.I64(0), w.Call(0)), data)
	_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: first, Namespace: [32]byte{3}},
		localnet.WasmHook{Wasm: nope, Namespace: [32]byte{3}},
		localnet.WasmHook{Wasm: reader, Namespace: [32]byte{3}, Params: map[string][]byte{"P": []byte("x")}})
	require.NoError(t, err)
	hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, _ := e.n.HookExecutions(hash)
	require.Len(t, ex, 2, "the rollback hook was skipped")
	assert.Equal(t, int64(4), ex[1].Code, "the reader saw the overridden parameter")
}

// TestJSSetHook has xrpl.js install a wasm hook with SetHook
// (testdata/jssethook/check.js). It needs node and LOCALNET_JS_DIR naming a
// directory with node_modules/xrpl; it is skipped otherwise.
func TestJSSetHook(t *testing.T) {
	dir, node := jsEnv(t)
	n, err := localnet.Start(context.Background(), &localnet.Config{CloseInterval: 200 * time.Millisecond})
	require.NoError(t, err)
	defer n.Close()
	wasm := filepath.Join(t.TempDir(), "hook.wasm")
	require.NoError(t, os.WriteFile(wasm, acceptHook(), 0o600))
	script, err := filepath.Abs(filepath.Join("testdata", "jssethook", "check.js"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runNode(ctx, t, dir, node, "check.js", script, n.URL(), wasm)
}

func TestLedgerKeyletFindsTheNextObject(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	lo := append([]byte{0, 'a'}, make([]byte, 32)...)
	hi := append([]byte{0, 'a'}, bytes.Repeat([]byte{0xFF}, 32)...)
	other := append([]byte{0, 'd'}, bytes.Repeat([]byte{0xFF}, 32)...)
	imKeylet := w.Func("ledger_keylet", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	hookOf := func(hiAt int32) []byte {
		return w.Build([]w.Import{imAccept, imKeylet}, w.Cat(w.I32(0), w.I32(0),
			w.I32(2048), w.I32(34), w.I32(1024), w.I32(34), w.I32(hiAt), w.I32(34), w.Call(1), w.Call(0)),
			append(append(append([]byte{}, lo...), hi...), other...))
	}
	for _, c := range []struct {
		hiAt int32
		want int64
	}{{1058, 34}, {1092, -40}} {
		_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: hookOf(c.hiAt), Namespace: [32]byte{5}})
		require.NoError(t, err)
		hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
		require.NoError(t, err)
		ex, _ := e.n.HookExecutions(hash)
		require.Len(t, ex, 1)
		assert.Equal(t, c.want, ex[0].Code)
	}
}

// emitHook installs on a a hook that emits a payment of 1000 drops to dest
// with the given fee, valid from ledger open+2 to open+5, with a callback
// that writes its parameter under state key "c" (namespace 7).
func (e *hookEnv) emitHook(a *evernode.Wallet, dest, fee string, open uint32) {
	zero := strings.Repeat("00", 32)
	tmpl := map[string]any{"TransactionType": "Payment", "Account": a.Address(), "Destination": dest,
		"Amount": "1000", "Fee": fee, "Sequence": uint32(0), "SigningPubKey": "", "Flags": uint32(0),
		"NetworkID": e.n.Network().NetworkID, "FirstLedgerSequence": open + 2, "LastLedgerSequence": open + 5,
		"EmitDetails": map[string]any{"EmitGeneration": uint32(0), "EmitBurden": "0", "EmitParentTxnID": zero,
			"EmitNonce": zero, "EmitHookHash": zero, "EmitCallback": a.Address()}}
	blob, err := codec.Xahau().Encode(tmpl)
	require.NoError(e.t, err)
	// EmitDetails (an STObject) sorts last here: it is the final 138 bytes.
	off := len(blob) - 138
	require.Equal(e.t, byte(0xED), blob[off])
	data := append(append([]byte{}, blob...), "c?"...)
	at := int32(1024 + len(blob))
	imReserve := w.Func("etxn_reserve", []byte{0x7f}, []byte{0x7e})
	imDetails := w.Func("etxn_details", []byte{0x7f, 0x7f}, []byte{0x7e})
	imEmit := w.Func("emit", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imports := []w.Import{imAccept, imReserve, imDetails, imEmit, imStateSet}
	hookBody := w.Cat(w.I32(1), w.Call(1), w.Drop(), w.I32(int32(1024+off)), w.I32(138), w.Call(2), w.Drop(),
		w.I32(0), w.I32(0), w.I32(4096), w.I32(32), w.I32(1024), w.I32(int32(len(blob))), w.Call(3), w.Call(0))
	// cbak(p): memory[at+1] = p; state_set(&memory[at+1], 1, "c", 1); accept.
	cbakBody := w.Cat(w.I32(at+1), []byte{0x20, 0x00, 0x3a, 0x00, 0x00},
		w.I32(at+1), w.I32(1), w.I32(at), w.I32(1), w.Call(4), w.Drop(),
		w.I32(0), w.I32(0), w.I64(0), w.Call(0))
	code := w.BuildWithCallback(imports, hookBody, cbakBody, data)
	_, err = e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: code, Namespace: [32]byte{7}})
	require.NoError(e.t, err)
}

// callbackParam is what the emitting hook's callback wrote, or "" if it
// has not run.
func (e *hookEnv) callbackParam(a *evernode.Wallet) string {
	idx, err := localnet.StateIndex(a.Address(), [32]byte{7}, stateKey("c"))
	require.NoError(e.t, err)
	st := e.entryHex(idx)
	if st == nil {
		return ""
	}
	return fmt.Sprint(st["HookStateData"])
}

func TestEmitAndCallback(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	// The SetHook goes into ledger open, the payment into open+1: the
	// emitted payment must be valid from the ledger after it.
	open := e.n.Commit() + 1
	e.emitHook(a, payer.Address(), "1000000", open)
	require.Equal(t, open, e.n.Commit(), "the SetHook's ledger")
	hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5000)})
	require.NoError(t, err)
	ex, _ := e.n.HookExecutions(hash)
	require.Len(t, ex, 1)
	assert.Equal(t, int64(32), ex[0].Code, "emit wrote the emitted transaction's id")
	e.n.Commit()
	assert.Equal(t, "00", e.callbackParam(a), "the callback ran with 0 after the emitted payment applied")
}

// An emitted transaction that applies with a tec (its destination does not
// exist and 1000 drops cannot create it) is removed from the queue and the
// callback runs with 0, as xahaud runs it for every applied emission.
func TestEmittedTecRunsCallback(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	nobody, err := evernode.NewWallet(rand.Reader, evernode.Ed25519)
	require.NoError(t, err)
	open := e.n.Commit() + 1
	e.emitHook(a, nobody.Address(), "1000000", open)
	require.Equal(t, open, e.n.Commit())
	_, err = e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5000)})
	require.NoError(t, err)
	e.n.Commit()
	assert.Equal(t, "00", e.callbackParam(a), "the callback ran with 0 after the emitted payment's tec")
	assert.Nil(t, e.entry(codec.SHA512Half([]byte{0, 'F'})), "the emitted directory is empty")
}

// An emitted transaction that never applies (its fee exceeds the hook
// account's balance) stays queued until its LastLedgerSequence passes;
// then xahaud's EmitFailure pseudo-transaction removes it and runs the
// emitting hook's callback with parameter 1.
func TestEmitFailureRunsCallback(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	open := e.n.Commit() + 1
	e.emitHook(a, payer.Address(), "500000000", open) // 500 XRP; a holds 100
	require.Equal(t, open, e.n.Commit())
	_, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5000)})
	require.NoError(t, err)
	// Commit returns the ledger it closed; the next one is open and reads
	// see it. Up to ledger open+5 the payment is retried and fails.
	for seq := e.n.Commit(); seq < open+5; seq = e.n.Commit() {
		require.Equal(t, "", e.callbackParam(a), "no callback while the emission may still apply (ledger %d)", seq+1)
	}
	assert.Equal(t, "01", e.callbackParam(a), "EmitFailure ran the callback with 1")
	assert.Nil(t, e.entry(codec.SHA512Half([]byte{0, 'F'})), "the emitted directory is empty")

	// The pseudo-transaction is in the ledger, with the callback's
	// execution in its metadata.
	seq := e.n.Commit()
	c, err := evernode.Dial(e.ctx, e.n.Network(), nil)
	require.NoError(t, err)
	defer c.Close()
	var r struct {
		Ledger struct {
			Transactions []map[string]any `json:"transactions"`
		} `json:"ledger"`
	}
	require.NoError(t, c.Request(e.ctx, "ledger", map[string]any{"ledger_index": seq, "transactions": true, "expand": true}, &r))
	var ef map[string]any
	for _, tx := range r.Ledger.Transactions {
		if tx["TransactionType"] == "EmitFailure" {
			ef = tx
		}
	}
	require.NotNil(t, ef, "an EmitFailure in ledger %d", seq)
	assert.Equal(t, "0", ef["Fee"])
	assert.Equal(t, a.Address(), ef["EmitDetails"].(map[string]any)["EmitCallback"])
	meta, _ := ef["metaData"].(map[string]any)
	assert.Equal(t, "tesSUCCESS", meta["TransactionResult"])
	assert.Len(t, meta["HookExecutions"], 1)
}

func TestHookOnAndNamespaceDelete(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	// HookOn bit 0 set: the hook does not fire on Payment (type 0).
	var notPayments [32]byte
	notPayments[31] = 1
	_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: stateHook(), Namespace: [32]byte{8}, HookOn: notPayments})
	require.NoError(t, err)
	hash, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, _ := e.n.HookExecutions(hash)
	assert.Empty(t, ex)
	// Back to firing on everything: the state lands.
	_, err = e.n.Submit(e.ctx, a, a.Address(), evernode.Raw{"TransactionType": "SetHook", "Hooks": []any{
		map[string]any{"Hook": map[string]any{"HookOn": strings.Repeat("0", 64)}}}})
	require.NoError(t, err)
	_, err = e.n.Submit(e.ctx, payer, payer.Address(), evernode.Payment{Destination: a.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	idx, err := localnet.StateIndex(a.Address(), [32]byte{8}, stateKey("k"))
	require.NoError(t, err)
	require.NotNil(t, e.entryHex(idx))
	assert.Equal(t, "2", e.ownerCount(a.Address()), "the hook and one state entry")
	// hsfNSDELETE on the namespace removes its state.
	ns := [32]byte{8}
	_, err = e.n.Submit(e.ctx, a, a.Address(), evernode.Raw{"TransactionType": "SetHook", "Hooks": []any{
		map[string]any{"Hook": map[string]any{"HookNamespace": strings.ToUpper(hex.EncodeToString(ns[:])),
			"Flags": uint32(localnet.HookSetNSDelete)}}}})
	require.NoError(t, err)
	assert.Nil(t, e.entryHex(idx))
	assert.Equal(t, "1", e.ownerCount(a.Address()))
}

func TestWeakStakeholderCollectCall(t *testing.T) {
	e := newHookEnv(t)
	issuer, holder := e.wallet(), e.wallet()
	_, err := e.n.InstallHooks(e.ctx, issuer, localnet.WasmHook{Wasm: stateHook(), Namespace: [32]byte{6},
		Flags: localnet.HookSetCollect})
	require.NoError(t, err)
	idx, err := localnet.StateIndex(issuer.Address(), [32]byte{6}, stateKey("k"))
	require.NoError(t, err)
	trust := func(v string) string {
		h, err := e.n.Submit(e.ctx, holder, holder.Address(), evernode.TrustSet{
			LimitAmount: evernode.Amount{Currency: "USD", Issuer: issuer.Address(), Value: v}})
		require.NoError(t, err)
		return h
	}
	// The issuer is a weak stakeholder of a TrustSet: no collect call
	// without its consent.
	hash := trust("100")
	ex, _ := e.n.HookExecutions(hash)
	assert.Empty(t, ex)
	assert.Nil(t, e.entryHex(idx))
	_, err = e.n.Submit(e.ctx, issuer, issuer.Address(), evernode.Raw{"TransactionType": "AccountSet", "SetFlag": uint32(11)})
	require.NoError(t, err)
	hash = trust("200")
	ex, _ = e.n.HookExecutions(hash)
	require.Len(t, ex, 1)
	assert.Equal(t, uint32(3), ex[0].Result)
	assert.NotNil(t, e.entryHex(idx), "the collect call wrote its state")
}

func TestMetaSlotInWeakExecutions(t *testing.T) {
	e := newHookEnv(t)
	issuer, holder := e.wallet(), e.wallet()
	imMeta := w.Func("meta_slot", []byte{0x7f}, []byte{0x7e})
	code := w.Build([]w.Import{imAccept, imMeta}, w.Cat(w.I32(0), w.I32(0), w.I32(0), w.Call(1), w.Call(0)), nil)
	_, err := e.n.InstallHooks(e.ctx, issuer, localnet.WasmHook{Wasm: code, Namespace: [32]byte{4}, Flags: localnet.HookSetCollect})
	require.NoError(t, err)
	_, err = e.n.Submit(e.ctx, issuer, issuer.Address(), evernode.Raw{"TransactionType": "AccountSet", "SetFlag": uint32(11)})
	require.NoError(t, err)
	// Strong: a payment to the issuer has no provisional metadata.
	hash, err := e.n.Submit(e.ctx, holder, holder.Address(), evernode.Payment{Destination: issuer.Address(), Amount: evernode.Drops(5)})
	require.NoError(t, err)
	ex, _ := e.n.HookExecutions(hash)
	require.Len(t, ex, 1)
	assert.Equal(t, int64(-9), ex[0].Code, "PREREQUISITE_NOT_MET")
	// Weak: a trust line to the issuer; the metadata lands in slot 1.
	hash, err = e.n.Submit(e.ctx, holder, holder.Address(), evernode.TrustSet{
		LimitAmount: evernode.Amount{Currency: "USD", Issuer: issuer.Address(), Value: "1"}})
	require.NoError(t, err)
	ex, _ = e.n.HookExecutions(hash)
	require.Len(t, ex, 1)
	assert.Equal(t, int64(1), ex[0].Code)
}

// SetHook runs xahaud's guard analysis: unguarded loops, memory.grow and
// calls to the module's own functions are temMALFORMED; the definition's
// Fee and HookCallbackFee are the worst-case instruction counts of hook and
// cbak, and a transaction the hook fires on must pay them.
func TestSetHookGuardsAndExecutionFees(t *testing.T) {
	e := newHookEnv(t)
	a, payer := e.wallet(), e.wallet()
	accept := w.Cat(w.I32(0), w.I32(0), w.I64(0), w.Call(0))
	guard := 1 // wasmtest adds _g after accept
	for name, body := range map[string][]byte{
		"unguarded loop": w.Cat([]byte{0x03, 0x40, 0x01, 0x0b}, accept),
		"memory.grow":    w.Cat(w.I32(1), []byte{0x40, 0x00, 0x1a}, accept),
		"own function":   w.Cat(w.I32(0), w.Call(2), w.Drop(), accept),
		"over 65535":     w.Cat(w.Loop(guard, 1, 40000, []byte{0x01}), accept),
		"does not load":  w.Cat(w.I32(5), accept), // an i32 left on the stack
	} {
		_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: w.Build([]w.Import{imAccept}, body, nil)})
		var te *localnet.TxError
		if assert.True(t, errors.As(err, &te), name) {
			assert.Equal(t, "temMALFORMED", te.Result, name)
		}
	}
	// hook: loop + (drop nop end)*100 + 4 + end; cbak: 4 + end.
	code := w.BuildWithCallback([]w.Import{imAccept}, w.Cat(w.Loop(guard, 1, 100, []byte{0x01}), accept), accept, nil)
	_, err := e.n.InstallHooks(e.ctx, a, localnet.WasmHook{Wasm: code})
	require.NoError(t, err)
	def := e.entry(definitionIndex(code))
	require.NotNil(t, def)
	assert.Equal(t, "306", def["Fee"])
	assert.Equal(t, "5", def["HookCallbackFee"])

	pay := func(fee string) error {
		_, err := e.n.Submit(e.ctx, payer, payer.Address(), evernode.Raw{"TransactionType": "Payment",
			"Destination": a.Address(), "Amount": "5", "Fee": fee})
		return err
	}
	var te *localnet.TxError
	require.True(t, errors.As(pay("315"), &te), "base 10 + 306 is due")
	assert.Equal(t, "telINSUF_FEE_P", te.Result)
	require.NoError(t, pay("316"))

	// The fee command, which Xahau tools ask with the transaction's blob,
	// says the same.
	blob, err := codec.Xahau().Encode(map[string]any{"TransactionType": "Payment", "Account": payer.Address(),
		"Destination": a.Address(), "Amount": "5", "Fee": "0", "Sequence": uint32(1), "SigningPubKey": "",
		"NetworkID": e.n.Network().NetworkID})
	require.NoError(t, err)
	c, err := evernode.Dial(e.ctx, e.n.Network(), nil)
	require.NoError(t, err)
	defer c.Close()
	var fee struct {
		Drops struct {
			BaseFee string `json:"base_fee"`
		} `json:"drops"`
	}
	require.NoError(t, c.Request(e.ctx, "fee", map[string]any{"tx_blob": hex.EncodeToString(blob)}, &fee))
	assert.Equal(t, "316", fee.Drops.BaseFee)
}
