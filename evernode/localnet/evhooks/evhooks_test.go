package evhooks_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

const testMoment = 60 // seconds

type env struct {
	t   testing.TB
	ctx context.Context
	n   *localnet.Net
	d   *evhooks.Deployment
	c   *evernode.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: localnet.NoAutoClose, HookCache: hookCache()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	d, err := setup(t, ctx, n, &evhooks.Config{MomentSize: testMoment})
	if err != nil {
		t.Fatal(err)
	}
	c, err := evernode.Dial(ctx, d.Network(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, ctx: ctx, n: n, d: d, c: c}
}

// commit closes ledgers until what the hooks emitted has applied (emitted
// transactions land in later ledgers, as on Xahau) and waits until the
// client has seen the last.
func (e *env) commit() {
	e.t.Helper()
	seq := e.n.Settle()
	if err := e.c.WaitLedger(e.ctx, seq); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) config() *hook.Config {
	e.t.Helper()
	cfg, err := hook.LoadConfig(e.ctx, e.c, e.d.GovernorAddress())
	if err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

func (e *env) wallet(evr string) *evernode.Wallet {
	e.t.Helper()
	w, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.d.FundEVR(e.ctx, w, evr); err != nil {
		e.t.Fatal(err)
	}
	e.commit()
	return w
}

func (e *env) submit(w *evernode.Wallet, tx evernode.Transaction) string {
	e.t.Helper()
	hash, err := e.n.Submit(e.ctx, w, w.Address(), tx)
	if err != nil {
		e.t.Fatalf("%s: %v (%s)", tx.TxType(), err, e.hookMessage(hash))
	}
	e.commit()
	return hash
}

// reject submits tx, expects tecHOOK_REJECTED with want as the hook's
// message and the governor's namespace untouched.
func (e *env) reject(w *evernode.Wallet, tx evernode.Transaction, want string) {
	e.t.Helper()
	if withWasm && emulationOnly[want] {
		e.t.Logf("not checked under the real hooks (they do not reject this): %q", want)
		return
	}
	before := e.namespace()
	hash, err := e.n.Submit(e.ctx, w, w.Address(), tx)
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecHOOK_REJECTED" {
		e.t.Fatalf("%s: got %v, want tecHOOK_REJECTED (%s)", tx.TxType(), err, want)
	}
	e.commit()
	if got := e.hookMessage(hash); got != want {
		e.t.Errorf("hook message %q, want %q", got, want)
	}
	if after := e.namespace(); !slices.Equal(before, after) {
		e.t.Errorf("%q: governor state changed by a rejected transaction", want)
	}
}

func (e *env) namespace() []string {
	e.t.Helper()
	states, err := e.c.AccountNamespace(e.ctx, e.d.GovernorAddress(), hook.NamespaceHex)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = s.Key + "=" + s.Data
	}
	slices.Sort(out)
	return out
}

// hookMessage returns the return string of the last hook execution of a
// validated transaction.
func (e *env) hookMessage(hash string) string {
	if hash == "" {
		return ""
	}
	res, err := e.c.Tx(e.ctx, hash)
	if err != nil || res.Meta == nil {
		return ""
	}
	execs, _ := res.Meta["HookExecutions"].([]any)
	msg := ""
	for _, x := range execs {
		ex, _ := x.(map[string]any)["HookExecution"].(map[string]any)
		b, _ := hex.DecodeString(ex["HookReturnString"].(string))
		code, _ := strconv.ParseUint(fmt.Sprint(ex["HookReturnCode"]), 16, 64)
		m := evhooks.WasmMessage(string(b), int64(code))
		if r, _ := ex["HookResult"].(float64); r == 2 {
			return m
		}
		if !strings.HasPrefix(m, "evhooks: not a state write") {
			msg = m // the real hooks' SetState helper is not the hook under test
		}
	}
	return msg
}

func (e *env) evrBalance(addr string) string {
	e.t.Helper()
	lines, err := e.c.AccountLines(e.ctx, addr, e.d.EVRIssuer.Address())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range lines {
		if l.Currency == "EVR" {
			r, _ := new(big.Rat).SetString(l.Balance)
			return r.RatString()
		}
	}
	return "none"
}

var sampleReg = hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000,
	TotalInstances: 3, CPUModel: "Intel Xeon", CPUCount: 4, CPUMHz: 2400, Description: "localnet host",
	Email: "host@example.org", LeaseAmount: "0.5"}

// register registers w (paying the fee, or as a transferee) and buys the
// offered registration token; it returns the token id.
func (e *env) register(w *evernode.Wallet, transferee bool) [32]byte {
	e.t.Helper()
	cfg := e.config()
	tx, err := hook.Register(cfg, w.Address(), sampleReg, &hook.RegisterOptions{Transferee: transferee})
	if err != nil {
		e.t.Fatal(err)
	}
	hash := e.submit(w, tx)
	_, found, err := hook.RegistrationToken(e.ctx, e.c, cfg, w.Address())
	if err != nil || found {
		e.t.Fatalf("token already owned before buying: %v %v", found, err)
	}
	var id [32]byte
	if transferee {
		ha, err := hook.Host(e.ctx, e.c, cfg, w.Address())
		if err != nil {
			e.t.Fatal(err)
		}
		id = ha.RegistrationTokenID
	} else {
		reg, _ := hook.ParseAccountID(e.d.Registry.Address())
		h, _ := hex.DecodeString(hash)
		id = hook.RegistrationTokenID(reg, [32]byte(h))
	}
	e.submit(w, evernode.URITokenBuy{URITokenID: strings.ToUpper(hex.EncodeToString(id[:])), Amount: evernode.Drops(1)})
	if tid, found, err := hook.RegistrationToken(e.ctx, e.c, cfg, w.Address()); err != nil || !found || tid != id {
		e.t.Fatalf("registration token %X found=%v err=%v, want %X", tid, found, err, id)
	}
	if ok, err := hook.IsRegistered(e.ctx, e.c, cfg, w.Address()); !ok || err != nil {
		e.t.Fatalf("IsRegistered = %v, %v", ok, err)
	}
	return id
}

func (e *env) heartbeat(w *evernode.Wallet) {
	e.t.Helper()
	tx, err := hook.Heartbeat(e.config(), w.Address(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.submit(w, tx)
}

func TestSetupState(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	d := e.d
	want := hook.Config{
		RegistryAddress: d.Registry.Address(), HeartbeatAddress: d.Heartbeat.Address(),
		ReputationAddress: d.Reputation.Address(), EVRIssuerAddress: d.EVRIssuer.Address(),
		FoundationAddress: d.Foundation.Address(), HostRegFee: 500, MomentSize: testMoment,
		HostHeartbeatFreq: 1, LeaseAcquireWindow: 160, RegistryMaxTrxEmitFee: 1000,
		MintLimit: 72253440, FixedRegFee: 5, MaxTolerableDowntime: 240,
	}
	got := *cfg
	if got.RegistryAddress != want.RegistryAddress || got.HeartbeatAddress != want.HeartbeatAddress ||
		got.ReputationAddress != want.ReputationAddress || got.EVRIssuerAddress != want.EVRIssuerAddress ||
		got.FoundationAddress != want.FoundationAddress || got.HostRegFee != want.HostRegFee ||
		got.MomentSize != want.MomentSize || got.HostHeartbeatFreq != 1 || got.LeaseAcquireWindow != 160 ||
		got.RegistryMaxTrxEmitFee != 1000 || got.MintLimit != want.MintLimit || got.FixedRegFee != 5 ||
		got.MaxTolerableDowntime != 240 || got.HostCount != 0 {
		t.Fatalf("config %+v", got)
	}
	lt := uint64(e.n.LedgerTime().Unix())
	if got.MomentBaseInfo.MomentType != hook.MomentTimestamp || got.MomentBaseInfo.BaseIndex > lt || got.MomentBaseInfo.BaseIndex+5 < lt {
		t.Errorf("moment base %+v (ledger time %d)", got.MomentBaseInfo, e.n.LedgerTime().Unix())
	}
	rc := got.RewardConfiguration
	if rc.EpochCount != 10 || rc.FirstEpochRewardQuota != 5120 || rc.EpochRewardAmount != 5160960 ||
		rc.AccumulatedRewardFrequency != 24 || rc.HostReputationThreshold != 200 || rc.HostMinInstanceCount != 3 {
		t.Errorf("reward configuration %+v", rc)
	}
	if got.RewardInfo.Epoch != 1 || got.RewardInfo.EpochPool.String() != "5160960" {
		t.Errorf("reward info %+v", got.RewardInfo)
	}
	gc := got.GovernanceConfiguration
	if gc.EligibilityPeriod != 7884000 || gc.CandidateLifePeriod != 7884000 || gc.CandidateElectionPeriod != 432000 || gc.CandidateSupportAverage != 66 {
		t.Errorf("governance configuration %+v", gc)
	}
	if got.GovernanceInfo.Mode != hook.GovernancePiloted || got.NetworkConfiguration.BusynessDetectPeriod != 604800 ||
		got.NetworkConfiguration.BusynessDetectAverage != 50 || got.TransactionFeeBaseInfo.FeeBaseAvg == 0 {
		t.Errorf("governance/network/fee info %+v %+v %+v", got.GovernanceInfo, got.NetworkConfiguration, got.TransactionFeeBaseInfo)
	}
	// Every key of §6.3 is there.
	ns := e.namespace()
	if len(ns) != 16+6 {
		t.Errorf("%d entries after setup, want 22", len(ns))
	}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("1000")
	id := e.register(host, false)
	cfg := e.config()
	if cfg.HostCount != 1 {
		t.Fatalf("host count %d", cfg.HostCount)
	}
	h, err := hook.Host(e.ctx, e.c, cfg, host.Address())
	if err != nil {
		t.Fatal(err)
	}
	if h.RegistrationTokenID != id || h.CountryCode != "SG" || h.Description != "localnet host" ||
		h.RegistrationFee != 500 || h.MaxInstances != 3 || h.CPUModel != "Intel Xeon" || h.RAMMB != 4096 ||
		h.Email != "host@example.org" || h.LeaseAmount.String() != "0.5" || h.Active || h.Size != 0 && h.Size != hook.HostAddrSize {
		t.Fatalf("host %+v", h)
	}
	// Registration reputation: the max lease amount starts at 0, so 0.
	if h.Reputation != 0 {
		t.Errorf("reputation %d", h.Reputation)
	}
	if e.evrBalance(host.Address()) != "500" {
		t.Errorf("host EVR %s after paying the fee", e.evrBalance(host.Address()))
	}

	hbTime := e.n.LedgerTime() // the hook sees the last closed ledger's time
	e.heartbeat(host)
	cfg = e.config()
	now := e.n.LedgerTime()
	hosts, err := hook.Hosts(e.ctx, e.c, cfg, &hook.HostsOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Address != host.Address() || !hosts[0].Active {
		t.Fatalf("hosts after heartbeat %+v", hosts)
	}
	if hosts[0].LastHeartbeatIndex != uint64(hbTime.Unix()) {
		t.Errorf("last heartbeat %d, ledger time %d", hosts[0].LastHeartbeatIndex, hbTime.Unix())
	}
	if active, err := hook.ActiveHosts(e.ctx, e.c, cfg, &hook.HostsOptions{Now: now}); err != nil || len(active) != 1 {
		t.Fatalf("active hosts %v %v", active, err)
	}
	// The first heartbeat forwards FIXED_REG_FEE to the foundation.
	if got := e.evrBalance(e.d.Foundation.Address()); got != "5" {
		t.Errorf("foundation EVR %s, want 5", got)
	}
	// Another heartbeat in the same moment is accepted but changes nothing
	// but the index.
	e.heartbeat(host)
	if got := e.evrBalance(e.d.Foundation.Address()); got != "5" {
		t.Errorf("foundation EVR %s after a second heartbeat", got)
	}

	// Beyond the heartbeat window: inactive.
	e.n.AdvanceTime(3 * testMoment * time.Second)
	e.commit()
	now = e.n.LedgerTime()
	hosts, err = hook.Hosts(e.ctx, e.c, cfg, &hook.HostsOptions{Now: now})
	if err != nil || len(hosts) != 1 || hosts[0].Active {
		t.Fatalf("hosts after %d s: %+v %v", 3*testMoment, hosts, err)
	}
	if active, _ := hook.ActiveHosts(e.ctx, e.c, cfg, &hook.HostsOptions{Now: now}); len(active) != 0 {
		t.Fatalf("still active: %+v", active)
	}

	// Deregistration: half the fee back (it heartbeated), 245 to the reward
	// pool, the token burned, the entries gone.
	tx, err := hook.Deregister(cfg, host.Address(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	hash := e.submit(host, tx)
	if msg := e.hookMessage(hash); msg != "Host de-registration successful." {
		t.Errorf("dereg message %q", msg)
	}
	if got := e.evrBalance(host.Address()); got != "750" {
		t.Errorf("host EVR %s after deregistration, want 750", got)
	}
	if got := e.evrBalance(e.d.Heartbeat.Address()); got != "245" {
		t.Errorf("heartbeat EVR %s, want 245", got)
	}
	if got := e.evrBalance(e.d.Registry.Address()); got != "0" {
		t.Errorf("registry EVR %s, want 0", got)
	}
	if _, err := e.c.LedgerEntry(e.ctx, hex.EncodeToString(id[:]), evernode.Validated); !errors.Is(err, evernode.ErrNotFound) {
		t.Errorf("registration token still there: %v", err)
	}
	cfg = e.config()
	if cfg.HostCount != 0 || cfg.RewardInfo.EpochPool.String() != "5161205" {
		t.Errorf("host count %d, pool %s", cfg.HostCount, cfg.RewardInfo.EpochPool)
	}
	if _, err := hook.Host(e.ctx, e.c, cfg, host.Address()); !errors.Is(err, hook.ErrNotRegistered) {
		t.Errorf("Host after dereg: %v", err)
	}
	// The refund carries evnHostDeregSelfRes with the dereg hash.
	txs, err := e.c.AccountTx(e.ctx, host.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range txs {
		if r.Tx["Account"] != e.d.Registry.Address() || r.Tx["TransactionType"] != "Payment" {
			continue
		}
		ps := r.Tx["HookParameters"].([]any)
		var params []memo.Param
		for _, p := range ps {
			w := p.(map[string]any)["HookParameter"].(map[string]any)
			q, _ := memo.ParseParamWire(memo.ParamWire{HookParameterName: w["HookParameterName"].(string), HookParameterValue: w["HookParameterValue"].(string)})
			params = append(params, q)
		}
		p, ok, _ := memo.ParseParams(params)
		if ok && p.Event == memo.EventHostDeregSelfRes && strings.EqualFold(hex.EncodeToString(p.Data), hash) {
			found = true
		}
	}
	if !found {
		t.Error("no evnHostDeregSelfRes payment referencing the deregistration")
	}
}

func TestDeregWithoutHeartbeatRefundsAll(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("500")
	id := e.register(host, false)
	tx, _ := hook.Deregister(e.config(), host.Address(), id, false)
	e.submit(host, tx)
	if got := e.evrBalance(host.Address()); got != "500" {
		t.Errorf("host EVR %s, want the full 500 back", got)
	}
	if e.config().HostCount != 0 {
		t.Error("host count not back to 0")
	}
}

func TestBadInputs(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("2000")
	stranger := e.wallet("1000")
	cfg := e.config()
	regTx := func(amt evernode.Amount) evernode.Payment {
		tx, err := hook.Register(cfg, host.Address(), sampleReg, nil)
		if err != nil {
			t.Fatal(err)
		}
		tx.Amount = amt
		return tx
	}
	other, err := e.n.SetupIssuer(e.ctx, "EVR")
	if err != nil {
		t.Fatal(err)
	}
	e.reject(host, regTx(evernode.Amount{Currency: "USD", Issuer: e.d.EVRIssuer.Address(), Value: "500"}),
		"Currency should be EVR for host registration.")
	e.reject(host, regTx(evernode.EVR(other.Address(), "500")), "Currency should be EVR for host registration.")
	// Non-standard currency bytes that spell EVR elsewhere.
	e.reject(host, regTx(evernode.Amount{Currency: strings.ToUpper(hex.EncodeToString([]byte("EVR"))) + strings.Repeat("0", 34),
		Issuer: e.d.EVRIssuer.Address(), Value: "500"}), "Currency should be EVR for host registration.")
	e.reject(host, regTx(e.d.EVR("499.9")), "Amount sent is less than the minimum fee for host registration.")
	partial := regTx(e.d.EVR("500"))
	partial.Flags = evernode.TfPartialPayment
	e.reject(host, partial, "Rejected partial payment")
	short := regTx(e.d.EVR("500"))
	short.HookParameters, _ = memo.Params{Event: memo.EventHostReg, Data: make([]byte, 100)}.Encode()
	if withWasm {
		// Upstream's registry does not check the registration data: the
		// emulation is stricter than the real hook here.
		other := e.wallet("600")
		short.HookParameters, _ = memo.Params{Event: memo.EventHostReg, Data: make([]byte, 100)}.Encode()
		e.submit(other, short)
	} else {
		e.reject(host, short, "Evernode: Invalid registration data.")
	}

	// Unregistered senders.
	hb, _ := hook.Heartbeat(cfg, stranger.Address(), nil)
	e.reject(stranger, hb, "This host is not registered.")
	up, _ := hook.UpdateRegInfo(cfg, stranger.Address(), hook.RegUpdate{ActiveInstances: 1})
	e.reject(stranger, up, "This host is not registered.")
	dr, _ := hook.Deregister(cfg, stranger.Address(), [32]byte{1}, false)
	e.reject(stranger, dr, "This host is not registered.")
	rb, _ := hook.RequestRebate(cfg, stranger.Address())
	e.reject(stranger, rb, "This host is not registered.")

	// A registered host's bad requests.
	id := e.register(host, false)
	e.reject(host, regTx(e.d.EVR("500")), "Host already registered.")
	dr, _ = hook.Deregister(cfg, host.Address(), [32]byte{1}, false)
	e.reject(host, dr, "Token id sent doesn't match with the registered token.")
	bad := dr
	bad.HookParameters, _ = memo.Params{Event: memo.EventHostDereg, Data: id[:]}.Encode()
	e.reject(host, bad, "Evernode: Invalid deregistration data.")
	up, _ = hook.UpdateRegInfo(cfg, host.Address(), hook.RegUpdate{ActiveInstances: 1})
	up.HookParameters, _ = memo.Params{Event: memo.EventHostUpdateReg, Data: make([]byte, 130)}.Encode()
	e.reject(host, up, "Evernode: Invalid update data.")
	hb, _ = hook.Heartbeat(cfg, host.Address(), nil)
	hb.HookParameters, _ = memo.Params{Event: memo.EventHeartbeat, Data: make([]byte, 32)}.Encode()
	e.reject(host, hb, "Evernode: Invalid vote data.")
	rb, _ = hook.RequestRebate(cfg, host.Address())
	e.reject(host, rb, "Rollback as there are no pending rebates for the host.")
	// The foundation fund request only comes from the heartbeat account.
	ff := evernode.Payment{Destination: e.d.Registry.Address(), Amount: evernode.Drops(1)}
	ff.HookParameters, _ = memo.Params{Event: memo.EventFoundationFundReq}.Encode()
	e.reject(host, ff, "Evernode: Only heartbeat is allowed to send foundation fund request.")

	// Ignored: no event type, an unknown event, a non-Payment.
	before := e.namespace()
	e.submit(host, evernode.Payment{Destination: e.d.Registry.Address(), Amount: evernode.Drops(1)})
	unknown := evernode.Payment{Destination: e.d.Heartbeat.Address(), Amount: evernode.Drops(1)}
	unknown.HookParameters, _ = memo.Params{Event: "evnSomethingElse"}.Encode()
	e.submit(host, unknown)
	if !slices.Equal(before, e.namespace()) {
		t.Error("state changed by ignored transactions")
	}
}

func TestUpdateRegInfo(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("500")
	id := e.register(host, false)
	cfg := e.config()
	tx, err := hook.UpdateRegInfo(cfg, host.Address(), hook.RegUpdate{TokenID: id, CountryCode: "US",
		CPUMicrosec: 0x00030201, ActiveInstances: 2, Description: "updated", Version: "1.2.3", LeaseAmount: "0.25"})
	if err != nil {
		t.Fatal(err)
	}
	e.submit(host, tx)
	h, err := hook.Host(e.ctx, e.c, cfg, host.Address())
	if err != nil {
		t.Fatal(err)
	}
	if h.CountryCode != "US" || h.Reserved[0] != 0x01 || h.Reserved[1] != 0x02 || h.CPUMicrosec != 0x00030201 ||
		h.ActiveInstances != 2 || h.Description != "updated" || h.VersionString() != "1.2.3" ||
		h.LeaseAmount.String() != "0.25" || h.RAMMB != 4096 || h.MaxInstances != 3 || h.Email != "host@example.org" {
		t.Fatalf("after update %+v", h)
	}
	// Zero fields keep their values, but active instances always apply.
	tx, _ = hook.UpdateRegInfo(cfg, host.Address(), hook.RegUpdate{})
	e.submit(host, tx)
	h, _ = hook.Host(e.ctx, e.c, cfg, host.Address())
	if h.ActiveInstances != 0 || h.Description != "updated" || h.CountryCode != "US" {
		t.Fatalf("after an empty update %+v", h)
	}
}

func TestRebateAfterFeeChange(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("500")
	e.register(host, false)
	if err := e.d.SetHostRegFee(e.ctx, 200); err != nil {
		t.Fatal(err)
	}
	e.commit()
	cfg := e.config()
	if cfg.HostRegFee != 200 {
		t.Fatalf("fee %d", cfg.HostRegFee)
	}
	tx, _ := hook.RequestRebate(cfg, host.Address())
	e.submit(host, tx)
	if got := e.evrBalance(host.Address()); got != "300" {
		t.Errorf("host EVR %s after rebate, want 300", got)
	}
	h, _ := hook.Host(e.ctx, e.c, cfg, host.Address())
	if h.RegistrationFee != 200 {
		t.Errorf("registration fee %d after rebate", h.RegistrationFee)
	}
	e.reject(host, tx, "Rollback as there are no pending rebates for the host.")
}

func TestTransfer(t *testing.T) {
	e := newEnv(t)
	oldHost := e.wallet("500")
	newHost := e.wallet("1")
	id := e.register(oldHost, false)
	e.heartbeat(oldHost)
	cfg := e.config()
	before, _ := hook.Host(e.ctx, e.c, cfg, oldHost.Address())

	tx, err := hook.Transfer(cfg, oldHost.Address(), id, newHost.Address())
	if err != nil {
		t.Fatal(err)
	}
	e.submit(oldHost, tx)
	tok, err := e.c.LedgerEntry(e.ctx, hex.EncodeToString(id[:]), evernode.Validated)
	if err != nil || tok["Owner"] != e.d.Registry.Address() {
		t.Fatalf("token after transfer %v %v", tok, err)
	}
	if ok, err := hook.IsTransferee(e.ctx, e.c, cfg, newHost.Address()); !ok || err != nil {
		t.Fatalf("IsTransferee = %v %v", ok, err)
	}
	h, _ := hook.Host(e.ctx, e.c, cfg, oldHost.Address())
	if h.TransferFlag != 1 || h.TransferTimestamp == 0 {
		t.Fatalf("old host after transfer %+v", h)
	}
	// A second transfer is refused.
	e.reject(oldHost, tx, "Registration URIToken does not exist.")

	id2 := e.register(newHost, true)
	if id2 != id {
		t.Fatalf("re-registration token %X, want %X", id2, id)
	}
	cfg = e.config()
	if cfg.HostCount != 1 {
		t.Errorf("host count %d", cfg.HostCount)
	}
	if ok, _ := hook.IsTransferee(e.ctx, e.c, cfg, newHost.Address()); ok {
		t.Error("transferee entry left")
	}
	if _, err := hook.Host(e.ctx, e.c, cfg, oldHost.Address()); !errors.Is(err, hook.ErrNotRegistered) {
		t.Errorf("old host still registered: %v", err)
	}
	n, err := hook.Host(e.ctx, e.c, cfg, newHost.Address())
	if err != nil {
		t.Fatal(err)
	}
	if n.LastHeartbeatIndex != before.LastHeartbeatIndex || n.RegistrationTimestamp != before.RegistrationTimestamp ||
		n.RegistrationLedger != before.RegistrationLedger || n.TransferTimestamp != h.TransferTimestamp ||
		n.Flags != before.Flags || n.TransferFlag != 0 || n.Account.String() != newHost.Address() {
		t.Fatalf("new host %+v, old %+v", n, before)
	}
	// Deregistration waits for a heartbeat after the transfer.
	dr, _ := hook.Deregister(cfg, newHost.Address(), id, false)
	e.reject(newHost, dr, "De registration is not allowed until heartbeat for transfers.")
	e.n.AdvanceTime(2 * time.Second)
	e.commit()
	e.heartbeat(newHost)
	e.submit(newHost, dr)
	if e.config().HostCount != 0 {
		t.Error("host count after dereg")
	}
}

func TestOutgoingAndNoEventIgnored(t *testing.T) {
	e := newEnv(t)
	// The registry paying someone (outgoing) is not handled.
	w := e.wallet("")
	before := e.namespace()
	p := evernode.Payment{Destination: w.Address(), Amount: evernode.Drops(1000)}
	p.HookParameters, _ = memo.Params{Event: memo.EventHostDereg, Data: make([]byte, 33)}.Encode()
	e.submit(e.d.Registry, p)
	e.submit(e.d.Heartbeat, p)
	if !slices.Equal(before, e.namespace()) {
		t.Error("outgoing transactions changed state")
	}
}

func TestHeartbeatWithVote(t *testing.T) {
	e := newEnv(t)
	host := e.wallet("500")
	e.register(host, false)
	vote := &hook.Vote{Candidate: hook.PilotedModeCandidateID(), Value: hook.VoteSupport}
	tx, err := hook.Heartbeat(e.config(), host.Address(), vote)
	if err != nil {
		t.Fatal(err)
	}
	// A new, unreputed host's vote is ignored; the heartbeat counts.
	hash := e.submit(host, tx)
	if msg := e.hookMessage(hash); msg != "Host heartbeat successful." {
		t.Errorf("message %q", msg)
	}
	h, err := hook.Host(e.ctx, e.c, e.config(), host.Address())
	if err != nil || h.LastHeartbeatIndex == 0 || h.LastVoteTimestamp != 0 {
		t.Fatalf("host %+v %v", h, err)
	}
}
