package hostd

import (
	"encoding/binary"
	"math/big"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

// The registry halves the registration fee when a registration brings
// the hosts' deposits above half the circulating EVR (§3.2). A registered
// daemon follows the registry and asks for the difference once, through
// its outbox, after the registration that halved it (§7 A 4, E 28); a
// registration that leaves the fee alone sends nothing, and neither does a
// restart. On the Go emulation, and on the real hooks when
// EVERNODE_HOOKS_WASM names their directory.
func TestRebateAfterFeeHalved(t *testing.T) {
	t.Run("emulation", func(t *testing.T) { testRebateAfterFeeHalved(t, nil) })
	t.Run("real hooks", func(t *testing.T) {
		dir := os.Getenv("EVERNODE_HOOKS_WASM")
		if dir == "" {
			t.Skip("set EVERNODE_HOOKS_WASM to the Evernode hooks' directory")
		}
		wasm, err := evhooks.LoadWasm(dir)
		require.NoError(t, err)
		testRebateAfterFeeHalved(t, wasm)
	})
}

func testRebateAfterFeeHalved(t *testing.T, wasm *evhooks.Wasm) {
	rw := newRegWorldWith(t, wasm)
	rw.halveOnSecond(t)

	checks := make(chan string, 100)
	fault := func(p string) bool {
		if strings.HasPrefix(p, "rebate:") {
			select {
			case checks <- p:
			default:
			}
		}
		return false
	}
	cfg := rw.rebateCfg()
	r := rw.startRegistered(t, cfg, fault)
	require.Equal(t, "rebate:none", <-checks, "the start-up check: the fee is what the host paid")
	require.Equal(t, 0, rebateIntents(t, r.d))

	// waitCheck waits for the daemon's next rebate check to end at want.
	waitCheck := func(want string) {
		t.Helper()
		select {
		case got := <-checks:
			require.Equal(t, want, got)
		case err := <-r.done:
			t.Fatalf("Run ended: %v", err)
		case <-rw.ctx.Done():
			t.Fatalf("no rebate check (%s)", want)
		}
	}
	evrBefore := rw.evr(t, rw.w.Address())
	rw.register(t, "second")
	require.EqualValues(t, 250, rw.regFee(t), "the second registration halved the fee")
	waitCheck("rebate:queued")
	rw.waitFor(t, "the rebate", func() bool {
		info, err := hook.Host(rw.ctx, rw.c, rw.hook, rw.w.Address())
		return err == nil && info.RegistrationFee == 250 && rw.evr(t, rw.w.Address()) == evrBefore+250
	})
	rw.waitFor(t, "an idle daemon", func() bool { ok, err := r.d.Idle(); return err == nil && ok })
	require.Equal(t, 1, rebateIntents(t, r.d))

	// A third registration leaves the fee (750 EVR deposited is not above
	// 800): the daemon looks, and sends nothing.
	rw.register(t, "third")
	require.EqualValues(t, 250, rw.regFee(t))
	waitCheck("rebate:unchanged")
	require.Equal(t, 1, rebateIntents(t, r.d))
	require.NoError(t, r.stop(t))

	// A restart finds nothing owed.
	r = rw.run(t, cfg, fault)
	waitCheck("rebate:none")
	rw.waitFor(t, "an idle daemon", func() bool { ok, err := r.d.Idle(); return err == nil && ok })
	require.NoError(t, r.stop(t))
	require.Equal(t, 1, rw.rebatesSent(t), "one rebate request on the ledger")
}

// rebateCfg is the world's Config for one lease slot, rebates asked for
// without delay.
func (rw *regWorld) rebateCfg() Config {
	cfg := rw.cfg
	cfg.Instances, cfg.LeasePrice, cfg.RebateDelay = 1, "1", -1
	return cfg
}

// startRegistered runs a daemon with cfg and waits until it registered the
// host and is idle.
func (rw *regWorld) startRegistered(t *testing.T, cfg Config, fault func(string) bool) *running {
	r := rw.run(t, cfg, fault)
	rw.waitFor(t, "an idle registered daemon", func() bool {
		ok, err := hook.IsRegistered(rw.ctx, rw.c, rw.hook, rw.w.Address())
		idle, ierr := r.d.Idle()
		return err == nil && ok && ierr == nil && idle
	})
	return r
}

// halveOnSecond sets the mint limit so that 1,600 EVR circulate: the
// first host's 500 EVR deposit stays below half of it, the second host's
// brings 1,000 above it and halves the fee to 250, and a third host's 750
// does not.
func (rw *regWorld) halveOnSecond(t *testing.T) {
	require.EqualValues(t, 500, rw.hook.HostRegFee)
	remaining, ok := rw.hook.RewardInfo.EpochPool.Rat()
	require.True(t, ok)
	rc := rw.hook.RewardConfiguration
	remaining.Add(remaining, big.NewRat(int64(rc.EpochRewardAmount)*int64(max(int(rc.EpochCount)-int(rw.hook.RewardInfo.Epoch), 0)), 1))
	mint := new(big.Int).Quo(remaining.Num(), remaining.Denom())
	require.NoError(t, rw.dep.SetState(rw.ctx, evhooks.StateEntry{Key: hook.ConfigKey(hook.ConfMintLimit),
		Value: binary.LittleEndian.AppendUint64(nil, mint.Uint64()+1600)}))
	rw.net.Commit()
}

// A daemon killed anywhere between deciding on a rebate and seeing it
// applied asks for it exactly once after a restart: the intent is saved
// before the request is signed, and the outbox looks up what it submitted.
func TestRebateCrashSafe(t *testing.T) {
	for _, p := range []string{"rebate:queued", "outbox:signed", "outbox:submitted", "outbox:finished"} {
		t.Run(p, func(t *testing.T) {
			rw := newRegWorld(t)
			rw.halveOnSecond(t)
			var armed atomic.Bool
			cfg := rw.rebateCfg()
			r := rw.startRegistered(t, cfg, func(q string) bool { return q == p && armed.CompareAndSwap(true, false) })
			evrBefore := rw.evr(t, rw.w.Address())
			armed.Store(true) // only the rebate is in flight from here
			rw.register(t, "second")
			select {
			case err := <-r.done:
				require.ErrorIs(t, err, errCrash)
			case <-rw.ctx.Done():
				t.Fatalf("no crash at %s", p)
			}
			require.NoError(t, r.d.Close())

			rw.restartRebated(t, cfg, evrBefore)
		})
	}
}

// register registers a new funded host directly (not through a daemon),
// paying the current fee.
func (rw *regWorld) register(t *testing.T, name string) {
	t.Helper()
	w, err := rw.net.NewFundedWallet(rw.ctx, 1_000_000_000)
	require.NoError(t, err)
	require.NoError(t, rw.dep.FundEVR(rw.ctx, w, "1000"))
	rw.net.Commit()
	cf := rw.config(t)
	reg := *rw.cfg.Register
	reg.Description = name + " host"
	// RegisterHost resumes a registration it already paid for.
	retry(t, func() error {
		_, err := hook.RegisterHost(rw.ctx, rw.c, w, cf, reg, &hook.FlowOptions{Account: w.Address()})
		return err
	})
}

// config reads the Evernode configuration now.
func (rw *regWorld) config(t *testing.T) *hook.Config {
	var cf *hook.Config
	retry(t, func() (err error) { cf, err = hook.LoadConfig(rw.ctx, rw.c, rw.dep.GovernorAddress()); return err })
	return cf
}

// regFee is the registry's current registration fee.
func (rw *regWorld) regFee(t *testing.T) uint64 { return rw.config(t).HostRegFee }

// evr is addr's EVR balance in whole EVR.
func (rw *regWorld) evr(t *testing.T, addr string) int64 {
	b := evrBalance(t, rw.ctx, rw.c, addr, rw.hook.EVRIssuerAddress)
	if b == "none" {
		return 0
	}
	v, ok := new(big.Rat).SetString(b)
	require.True(t, ok, b)
	require.True(t, v.IsInt(), b)
	return v.Num().Int64()
}

// rebatesSent counts the host's validated rebate requests.
func (rw *regWorld) rebatesSent(t *testing.T) int {
	var txs []evernode.TxResult
	retry(t, func() (err error) { txs, err = rw.c.AccountTx(rw.ctx, rw.w.Address(), nil); return err })
	n := 0
	for _, tx := range txs {
		ev, ok, _ := hook.ExtractEvent(tx)
		if _, reb := ev.(*hook.HostRebateEvent); ok && reb && tx.String("Account") == rw.w.Address() && tx.Result() == "tesSUCCESS" {
			n++
		}
	}
	return n
}

// rebateIntents counts the rebate requests a daemon queued.
func rebateIntents(t *testing.T, d *Daemon) int {
	return len(outboxIntents(t, d, func(it intent) bool { return it.Kind == kRebate }))
}

// The wait before a rebate request is below RebateDelay, 60 s by
// default, and none when negative.
func TestRebateDelay(t *testing.T) {
	d := &Daemon{}
	for range 100 {
		require.Less(t, d.rebateDelay(), DefaultRebateDelay)
	}
	d.cfg.RebateDelay = -1
	require.Zero(t, d.rebateDelay())
	d.cfg.RebateDelay = time.Millisecond
	for range 100 {
		v := d.rebateDelay()
		require.True(t, v >= 0 && v < time.Millisecond, v)
	}
}

// A fee halved while the daemon was stopped is rebated at start-up, with
// the fee read from the ledger, not from a stale Config.Hook.
func TestRebateAtStartup(t *testing.T) {
	rw := newRegWorld(t)
	rw.halveOnSecond(t)
	cfg := rw.rebateCfg()
	r := rw.startRegistered(t, cfg, nil)
	require.NoError(t, r.stop(t))
	evrBefore := rw.evr(t, rw.w.Address())
	rw.register(t, "second")
	require.EqualValues(t, 250, rw.regFee(t))
	require.EqualValues(t, 500, cfg.Hook.HostRegFee, "the daemon's configuration is stale")

	rw.restartRebated(t, cfg, evrBefore)
}

// restartRebated runs a daemon with cfg until the host, which held
// evrBefore EVR, has its 250 EVR rebate, then stops it and checks that
// exactly one rebate request is on the ledger.
func (rw *regWorld) restartRebated(t *testing.T, cfg Config, evrBefore int64) {
	t.Helper()
	r := rw.run(t, cfg, nil)
	rw.waitFor(t, "the rebate", func() bool {
		info, err := hook.Host(rw.ctx, rw.c, rw.hook, rw.w.Address())
		return err == nil && info.RegistrationFee == 250 && rw.evr(t, rw.w.Address()) == evrBefore+250
	})
	rw.waitFor(t, "an idle daemon", func() bool { ok, err := r.d.Idle(); return err == nil && ok })
	require.NoError(t, r.stop(t))
	require.Equal(t, 1, rw.rebatesSent(t), "one rebate request on the ledger")
	require.Equal(t, evrBefore+250, rw.evr(t, rw.w.Address()), "rebated once")
}

// A host deregistered while its daemon runs is owed nothing: a fee change
// after that is looked at once, and the daemon neither queues a request
// nor retries the check.
func TestRebateAfterDeregistration(t *testing.T) {
	rw := newRegWorld(t)
	checks := make(chan string, 100)
	r := rw.startRegistered(t, rw.rebateCfg(), func(p string) bool {
		if strings.HasPrefix(p, "rebate:") {
			checks <- p
		}
		return false
	})
	require.Equal(t, "rebate:none", <-checks)
	retry(t, func() error {
		_, err := hook.DeregisterHost(rw.ctx, rw.c, rw.w, rw.hook, false, &hook.FlowOptions{Account: rw.w.Address()})
		return err
	})
	require.NoError(t, rw.dep.SetHostRegFee(rw.ctx, 250))
	rw.net.Commit()
	rw.register(t, "second")
	select {
	case p := <-checks:
		require.Equal(t, "rebate:none", p)
	case err := <-r.done:
		t.Fatalf("Run ended: %v", err)
	}
	require.Equal(t, 0, rebateIntents(t, r.d))
	require.NoError(t, r.stop(t))
	require.Empty(t, checks, "one check, not retried")
}
