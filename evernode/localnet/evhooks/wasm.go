package evhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/internal/codec"
	"github.com/evernode-go/sdk/memo"
)

// The real Evernode hooks: SetupWasm deploys the WebAssembly built from
// EvernodeXRPL/evernode-hook instead of the Go emulation, and initialises
// them the way upstream does (sethook.js per hook, setgrant.js, then the
// initializer's evnInitialize payment).

// HookNames are the four Evernode hooks, in the order Wasm holds them.
var HookNames = [4]string{"governor", "registry", "heartbeat", "reputation"}

// ErrNoWasm is returned when a hook's WebAssembly is missing.
var ErrNoWasm = errors.New("evhooks: Evernode hook wasm not found")

// Wasm is the code of the four Evernode hooks.
type Wasm struct {
	Governor, Registry, Heartbeat, Reputation []byte
}

// LoadWasm reads governor.wasm, registry.wasm, heartbeat.wasm and
// reputation.wasm from dir and cleans them (localnet.CleanHook) as
// upstream's build does before installing.
func LoadWasm(dir string) (*Wasm, error) {
	var w Wasm
	for i, p := range []*[]byte{&w.Governor, &w.Registry, &w.Heartbeat, &w.Reputation} {
		b, err := os.ReadFile(filepath.Join(dir, HookNames[i]+".wasm"))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoWasm, err)
		}
		*p = localnet.CleanHook(b)
	}
	return &w, nil
}

// FetchWasm reads the four hooks' code from a live network: the Hook
// objects of the governor and of the registry, heartbeat and reputation
// accounts its configuration names, then their HookDefinition's
// CreateCode.
func FetchWasm(ctx context.Context, c *evernode.Client, governor string) (*Wasm, error) {
	cfg, err := hook.LoadConfig(ctx, c, governor)
	if err != nil {
		return nil, fmt.Errorf("evhooks: fetch hooks: %w", err)
	}
	var w Wasm
	addrs := []string{governor, cfg.RegistryAddress, cfg.HeartbeatAddress, cfg.ReputationAddress}
	for i, p := range []*[]byte{&w.Governor, &w.Registry, &w.Heartbeat, &w.Reputation} {
		code, err := fetchHookCode(ctx, c, addrs[i])
		if err != nil {
			return nil, fmt.Errorf("evhooks: fetch %s hook of %s: %w", HookNames[i], addrs[i], err)
		}
		*p = code
	}
	return &w, nil
}

// initializerAddr is HOOK_INITIALIZER_ADDR compiled into governor.c: only
// this account may send evnInitialize.
const initializerAddr = "rfQhDoCjcVzp14MLhSryTTsyU2VESZ5nAt"

// patchInitializer replaces the initializer address compiled into the
// governor with addr (same length), so that a localnet account can
// initialise it. The hook hash changes accordingly.
func patchInitializer(gov []byte, addr string) ([]byte, error) {
	if len(addr) != len(initializerAddr) {
		return nil, fmt.Errorf("evhooks: initializer address %q is not %d characters", addr, len(initializerAddr))
	}
	i := bytes.Index(gov, []byte(initializerAddr))
	if i < 0 {
		return gov, nil // built with another initializer: leave it
	}
	out := bytes.Clone(gov)
	copy(out[i:], addr)
	return out, nil
}

// walletWithAddressLen makes ed25519 wallets until one's address has n
// characters (about half of them do for n = 34).
func walletWithAddressLen(n int) (*evernode.Wallet, error) {
	for range 1000 {
		w, err := evernode.NewWallet(rand.Reader, evernode.Ed25519)
		if err != nil {
			return nil, err
		}
		if len(w.Address()) == n {
			return w, nil
		}
	}
	return nil, errors.New("evhooks: no wallet with a 34-character address")
}

// SetupWasm is Setup with the real Evernode hooks: it creates the same
// accounts, installs code's four hooks with SetHook as upstream's
// sethook.js does (HookOn all, the Evernode namespace, the governor as the
// state hook parameter of the other three), grants the registry, heartbeat
// and reputation hooks the governor's namespace and the governor, registry
// and heartbeat hooks the reputation account's (setgrant.js), and sends
// evnInitialize from the initializer. The governor's compiled-in
// initializer address is replaced by a localnet account's. Config values
// other than the defaults (MomentSize, HostRegFee, LeaseAcquireWindow) are
// then written into the governor's state, as a governance change would.
// SetState and the Deployment helpers work as with Setup.
func SetupWasm(ctx context.Context, net *localnet.Net, cfg *Config, code *Wasm) (*Deployment, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.AccountFunding == 0 {
		c.AccountFunding = DefaultAccountFunding
	}
	if net.Network().Chain != evernode.Xahau {
		return nil, ErrNotXahau
	}
	if code == nil || code.Governor == nil || code.Registry == nil || code.Heartbeat == nil || code.Reputation == nil {
		return nil, ErrNoWasm
	}
	fail := func(step string, err error) (*Deployment, error) {
		return nil, fmt.Errorf("%w: %s: %w", ErrSetup, step, err)
	}
	d := &Deployment{net: net, EVRIssuer: c.EVRIssuer}
	admin, err := walletWithAddressLen(len(initializerAddr))
	if err != nil {
		return fail("initializer", err)
	}
	if err := net.Fund(ctx, admin.Address(), c.AccountFunding); err != nil {
		return fail("fund accounts", err)
	}
	d.admin = admin
	if step, err := d.openAccounts(ctx, net, c.AccountFunding); err != nil {
		return fail(step, err)
	}
	gov, err := patchInitializer(code.Governor, admin.Address())
	if err != nil {
		return fail("governor wasm", err)
	}
	govID, err := hook.ParseAccountID(d.Governor.Address())
	if err != nil {
		return fail("governor", err)
	}
	ns := hook.Namespace()
	stateHook := map[string][]byte{string(paramName(memo.ParamStateHook)): govID[:]}
	installs := []struct {
		w      *evernode.Wallet
		wasm   []byte
		params map[string][]byte
	}{
		{d.Governor, gov, nil},
		{d.Registry, code.Registry, stateHook},
		{d.Heartbeat, code.Heartbeat, stateHook},
		{d.Reputation, code.Reputation, stateHook},
	}
	var hashes [4][32]byte
	for i, in := range installs {
		if _, err := net.InstallHooks(ctx, in.w, localnet.WasmHook{Wasm: in.wasm, HookOn: localnet.HookOnAll,
			Namespace: ns, Params: in.params}); err != nil {
			return fail("SetHook "+HookNames[i], err)
		}
		hashes[i] = localnet.HookHash(in.wasm)
	}
	// setgrant.js: grants are an update of the installed position.
	grant := func(w *evernode.Wallet, who []int) error {
		var gs []localnet.HookGrant
		for _, i := range who {
			gs = append(gs, localnet.HookGrant{HookHash: hashes[i], Authorize: installs[i].w.Address()})
		}
		_, err := net.Submit(ctx, w, w.Address(), grantJSON(gs))
		return err
	}
	if err := grant(d.Governor, []int{1, 2, 3}); err != nil {
		return fail("governor grants", err)
	}
	if err := grant(d.Reputation, []int{0, 1, 2}); err != nil {
		return fail("reputation grants", err)
	}
	data := make([]byte, 0, 100)
	for _, w := range []*evernode.Wallet{d.EVRIssuer, d.Foundation, d.Registry, d.Heartbeat, d.Reputation} {
		id, err := hook.ParseAccountID(w.Address())
		if err != nil {
			return fail("initialize", err)
		}
		data = append(data, id[:]...)
	}
	ps, err := memo.Params{Event: memo.EventInitialize, Data: data}.Encode()
	if err != nil {
		return fail("initialize", err)
	}
	if _, err := net.Submit(ctx, admin, admin.Address(), evernode.Payment{
		Common:      evernode.Common{HookParameters: ps},
		Destination: d.Governor.Address(), Amount: evernode.Drops(1)}); err != nil {
		return fail("initialize", err)
	}
	// A Go hook after the wasm one on the governor applies SetState writes
	// from the admin; it never sees evnInitialize again.
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d.gov = &governorHook{initializer: "", admin: admin.Address(), log: log}
	if err := net.SetHook(d.Governor.Address(), stateWriter{d.gov}); err != nil {
		return fail("state writer", err)
	}
	var overrides []StateEntry
	if c.MomentSize != 0 && c.MomentSize != DefaultMomentSize {
		overrides = append(overrides, StateEntry{Key: hook.ConfigKey(hook.ConfMomentSize), Value: u16le(c.MomentSize)})
	}
	if c.LeaseAcquireWindow != 0 && c.LeaseAcquireWindow != DefaultLeaseAcquireWindow {
		overrides = append(overrides, StateEntry{Key: hook.ConfigKey(hook.ConfLeaseAcquireWindow), Value: u16le(c.LeaseAcquireWindow)})
	}
	if c.HostRegFee != 0 && c.HostRegFee != DefaultHostRegFee {
		overrides = append(overrides, StateEntry{Key: hook.SingletonKey(hook.SingletonHostRegFee), Value: u64(c.HostRegFee)})
	}
	if len(overrides) > 0 {
		if err := d.SetState(ctx, overrides...); err != nil {
			return fail("configuration", err)
		}
	}
	net.Commit()
	return d, nil
}

// fetchHookCode returns the CreateCode of the first hook of addr's Hook
// object, from its HookDefinition.
func fetchHookCode(ctx context.Context, c *evernode.Client, addr string) ([]byte, error) {
	objs, err := c.AccountObjects(ctx, addr, "hook")
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		hooks, _ := o["Hooks"].([]any)
		for _, h := range hooks {
			in, _ := h.(map[string]any)["Hook"].(map[string]any)
			hh, _ := in["HookHash"].(string)
			hash, err := hex.DecodeString(hh)
			if err != nil || len(hash) != 32 {
				continue
			}
			idx := codec.SHA512Half([]byte{0, 'D'}, hash)
			def, err := c.LedgerEntry(ctx, strings.ToUpper(hex.EncodeToString(idx[:])), evernode.Validated)
			if err != nil {
				return nil, err
			}
			code, err := hex.DecodeString(fmt.Sprint(def["CreateCode"]))
			if err != nil || len(code) == 0 {
				return nil, fmt.Errorf("HookDefinition %X without CreateCode", idx)
			}
			return code, nil
		}
	}
	return nil, ErrNoWasm
}

// stateWriter is the only Go hook beside the real governor: it applies
// SetState writes queued on g when the admin pays the governor without an
// event, and leaves every other transaction to the wasm.
type stateWriter struct{ g *governorHook }

func (w stateWriter) Execute(h *localnet.HookContext) error {
	sender, _ := h.Tx()["Account"].(string)
	if _, hasEv := param(h, memo.ParamEventType); h.Outgoing() || sender != w.g.admin || hasEv {
		return h.Accept("evhooks: not a state write")
	}
	w.g.mu.Lock()
	pending := w.g.pending
	w.g.mu.Unlock()
	for _, e := range pending {
		if err := h.SetState(ns, e.Key, e.Value); err != nil {
			return h.Reject("evhooks: " + err.Error())
		}
	}
	return h.Accept("evhooks: state written")
}

func paramName(i byte) []byte { n := memo.ParamName(i); return n[:] }

func u16le(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

// grantJSON is setgrant.js's SetHook: one position carrying HookGrants.
func grantJSON(gs []localnet.HookGrant) evernode.Raw {
	raw := localnet.SetHookJSON(localnet.WasmHook{Grants: gs})
	return raw
}

// WasmMessage translates the exit of a real Evernode hook into its
// message: the hooks roll back (and accept) with their C file name as the
// return string and the line as the return code, and document the message
// of each line in a comment upstream. Other return strings (the hooks'
// explicit messages, the Go emulation's) come back unchanged, without a
// trailing NUL.
func WasmMessage(returnString string, returnCode int64) string {
	s := strings.TrimRight(returnString, "\x00")
	if m, ok := wasmMessages[s][returnCode]; ok {
		return m
	}
	return s
}
