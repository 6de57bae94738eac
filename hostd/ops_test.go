package hostd

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks/evhookstest"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// leased runs the host's daemon until a tenant holds an active lease on
// its first offer, extended by ext moments (price "2": 2 EVR a moment),
// then stops it. It returns the tenant, the acquire hash and the token.
func (h *host) leased(t *testing.T, ext uint64) (*evernode.Wallet, string, string) {
	t.Helper()
	s := &supervisor{h: h, r: h.start(nil)}
	tw, _ := h.n.tenant(t, h.c, true)
	s.until(t, "offered", func() bool { return h.offers() == h.cfg.Instances })
	acq := h.rawAcquire(tw, testReq)
	token := acq.Tx["URITokenID"].(string)
	var ans []lease.Event
	s.until(t, "acquire answered", func() bool { ans = h.answers(tw.Address(), acq.Hash); return len(ans) > 0 })
	require.Equal(t, memo.EventAcquireSuccess, ans[0].Type, ans[0].Reason)
	if ext > 0 {
		h.extendBy(t, s, tw, token, ext)
	}
	s.until(t, "idle with the lease active", func() bool {
		idle, err := s.r.d.Idle()
		ls, _ := s.r.d.Leases()
		return err == nil && idle && len(ls) == 1 && ls[0].State == Active
	})
	require.NoError(t, ignoreStop(s.r.stop(t)))
	return tw, acq.Hash, token
}

// opDaemon opens the host's stopped daemon for an operation.
func (h *host) opDaemon(t testing.TB, fault func(string) bool) *Daemon {
	d, err := New(h.c, h.w, h.prov, &h.cfg)
	require.NoError(t, err)
	d.fault = fault
	return d
}

// refunds lists the host's evnRefund payments to tenant quoting ref.
func (h *host) refunds(tenant, ref string) []lease.Event {
	var out []lease.Event
	for _, ev := range h.answers(tenant, ref) {
		if ev.Type == memo.EventRefund {
			out = append(out, ev)
		}
	}
	return out
}

// DeleteInstance destroys the instance, refunds the moments left at the
// lease's price, the one under way included, quoting the acquire, burns the
// token and offers the slot again; a second call pays nothing more. It
// refuses while the daemon runs.
func TestDeleteInstanceRefundsRemaining(t *testing.T) {
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")

	// While a daemon holds the database: refused, in-process and out.
	r := h.start(nil)
	n.waitFor(t, "offered", func() bool { return h.offers() == 1 })
	_, err := r.d.DeleteInstance(n.ctx, "00")
	require.ErrorIs(t, err, ErrRunning)
	_, err = New(h.c, h.w, h.prov, &h.cfg)
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, ignoreStop(r.stop(t)))

	tw, ref, token := h.leased(t, 2) // 3 moments bought: 6 EVR
	require.Equal(t, "94", n.evr(t, tw.Address()))
	// 1 h 30 min served: 1 whole moment left and the one under way (whole
	// moments alone would be 1, everything paid 3).
	h.clock.Advance(90 * time.Minute)

	d := h.opDaemon(t, nil)
	defer d.Close()
	rf, err := d.DeleteInstance(n.ctx, token)
	require.NoError(t, err)
	require.NotNil(t, rf)
	require.Equal(t, uint64(2), rf.Moments, "1 whole moment and the one under way")
	require.Equal(t, "4", rf.Amount.Value, "2 moments at 2 EVR")
	require.Equal(t, "tesSUCCESS", rf.Result)
	require.Equal(t, ref, rf.Lease)
	require.Equal(t, "98", n.evr(t, tw.Address()), "94 + 4: the unused moments refunded")
	got := h.refunds(tw.Address(), ref)
	require.Len(t, got, 1)
	require.Equal(t, "4", got[0].Amount.Value, "1 whole moment and the one under way at 2 EVR")
	require.Empty(t, h.prov.names(), "the instance is destroyed")
	ls, err := d.Leases()
	require.NoError(t, err)
	require.Empty(t, ls)
	offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Len(t, offers, 1, "the slot is offered again")
	require.NotEqual(t, token, offers[0].ID, "with a new token")
	require.True(t, samePrice("2", offers[0].URI.Price))
	_, err = h.c.LedgerEntry(n.ctx, token, evernode.Validated)
	require.ErrorIs(t, err, evernode.ErrNotFound, "the tenant's token is burned")

	again, err := d.DeleteInstance(n.ctx, ref)
	require.NoError(t, err)
	require.Equal(t, rf.Hash, again.Hash, "the same refund, not a second one")
	_, err = d.DeleteInstance(n.ctx, "no-such-lease")
	require.ErrorIs(t, err, ErrNoLease)
	require.Len(t, h.refunds(tw.Address(), ref), 1)
	require.Equal(t, "98", n.evr(t, tw.Address()))
}

// A lease deleted seconds after its success answer: the moment paid is
// refunded in full (upstream's whole-moments rule would refund nothing and
// keep the EVR for a few seconds of service).
func TestDeleteInstanceRightAfterAnswer(t *testing.T) {
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	tw, ref, token := h.leased(t, 0) // 1 moment bought: 2 EVR
	require.Equal(t, "98", n.evr(t, tw.Address()))
	d := h.opDaemon(t, nil)
	defer d.Close()
	rf, err := d.DeleteInstance(n.ctx, token)
	require.NoError(t, err)
	require.Equal(t, uint64(1), rf.Moments, "no whole moment left, the one under way refunded")
	require.Equal(t, "2", rf.Amount.Value, "the one moment at 2 EVR")
	require.Equal(t, "tesSUCCESS", rf.Result)
	require.Len(t, h.refunds(tw.Address(), ref), 1)
	require.Equal(t, "100", n.evr(t, tw.Address()), "everything paid comes back")
}

// remaining counts the moment under way, and nothing at or after expiry.
func TestRemainingCountsMomentUnderWay(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &Daemon{now: func() time.Time { return now }, hookCf: &hook.Config{EVRIssuerAddress: "rIssuer", MomentSize: 3600}}
	for _, c := range []struct {
		left  time.Duration
		n     uint64
		value string
	}{
		{3 * time.Hour, 3, "6"},                 // 3 whole moments, none under way
		{3*time.Hour - time.Nanosecond, 3, "6"}, // 2 whole ones and the one under way
		{2*time.Hour + time.Nanosecond, 3, "6"}, // 2 whole ones and a nanosecond of the third
		{2 * time.Hour, 2, "4"},                 // exactly 2 whole moments
		{time.Second, 1, "2"},                   // the last moment, a second of it left
		{0, 0, ""},                              // at expiry: nothing left
		{-time.Minute, 0, ""},                   // after expiry: nothing left
	} {
		n, amt, err := d.remaining(&Lease{Ref: "r", Price: "2", Expiry: now.Add(c.left)})
		require.NoError(t, err)
		require.Equal(t, c.n, n, c.left)
		require.Equal(t, c.value, amt.Value, c.left)
	}
	// The wall clock stepped back a second behind the activation of a
	// lease that bought 2 moments: 2 refunded, not 3.
	act := now.Add(time.Second)
	n, amt, err := d.remaining(&Lease{Ref: "r", Price: "2", Activated: act, Expiry: act.Add(2 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, uint64(2), n, "never more than the lease bought")
	require.Equal(t, "4", amt.Value)
}

// DeleteInstance killed at each of its steps, then run again: the lease
// ends with exactly one refund of the unused moments and the slot offered
// again.
func TestDeleteInstanceCrashAnywhere(t *testing.T) {
	n := newTestNet(t, 5*time.Minute)
	run := func(t *testing.T, k int64) int64 {
		h := n.host(t, 1, "2")
		tw, ref, token := h.leased(t, 2) // 3 moments at 2 EVR: 94 left
		// 1 h 30 min served: 1 whole moment left and the one under way.
		h.clock.Advance(90 * time.Minute)
		var count atomic.Int64
		d := h.opDaemon(t, crashAt([]int64{k}, &count))
		_, err := d.DeleteInstance(n.ctx, token)
		require.NoError(t, d.Close())
		if k >= 0 {
			require.ErrorIs(t, err, errCrash)
			d = h.opDaemon(t, nil)
			_, err = d.DeleteInstance(n.ctx, token)
			require.NoError(t, err)
			require.NoError(t, d.Close())
		}
		require.NoError(t, err)
		for range 3 {
			require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
		}
		require.Len(t, h.refunds(tw.Address(), ref), 1, "one refund")
		require.Equal(t, "98", n.evr(t, tw.Address()), "94 + 4: 1 whole moment and the one under way")
		require.Empty(t, h.prov.names())
		require.Equal(t, 1, h.offers())
		var held []lease.Token
		retry(t, func() (err error) { held, err = lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken); return err })
		require.Len(t, held, 1, "inventory")
		return count.Load()
	}
	crashRuns(t, 0, 4, 8, run)
}

// Reconfig re-prices the unsold tokens, mints up to the new count, never
// touches a sold token, refuses a count below the running leases, and the
// daemon's next start with the same Config keeps the new settings.
func TestReconfig(t *testing.T) {
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 3, "2")
	s := &supervisor{h: h, r: h.start(nil)}
	s.until(t, "offered", func() bool { return h.offers() == 3 })
	var sold []string
	for range 2 {
		tw, _ := n.tenant(t, h.c, true)
		acq := h.rawAcquire(tw, testReq)
		sold = append(sold, acq.Tx["URITokenID"].(string))
		s.until(t, "answered", func() bool { return len(h.answers(tw.Address(), acq.Hash)) > 0 })
	}
	s.until(t, "idle", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
	require.NoError(t, ignoreStop(s.r.stop(t)))

	d := h.opDaemon(t, nil)
	_, err := d.Reconfig(n.ctx, ReconfigOptions{Instances: 1})
	require.ErrorIs(t, err, ErrTooFewInstances)
	_, err = d.Reconfig(n.ctx, ReconfigOptions{Price: "-1"})
	require.Error(t, err)
	res, err := d.Reconfig(n.ctx, ReconfigOptions{Price: "3", Instances: 4})
	require.NoError(t, err)
	require.Equal(t, "3", res.Price)
	require.Equal(t, 4, res.Instances)
	require.Len(t, res.Repriced, 1)
	checkOffers := func(want int) {
		t.Helper()
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.Len(t, offers, want)
		for _, o := range offers {
			require.True(t, samePrice("3", o.URI.Price), "offer at %s", o.URI.Price)
			require.NotContains(t, sold, o.ID)
		}
	}
	checkOffers(2)
	for _, id := range sold {
		node, err := h.c.LedgerEntry(n.ctx, id, evernode.Validated)
		require.NoError(t, err, "a sold token is never burned")
		require.NotEqual(t, h.w.Address(), node["Owner"])
	}
	require.NoError(t, d.Close())

	// The same Config: the reconfiguration stands.
	s = &supervisor{h: h, r: h.start(nil)}
	s.until(t, "idle", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
	for range 3 {
		require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
	}
	require.Equal(t, "3", s.r.d.leasePrice())
	require.Equal(t, 4, s.r.d.cfg.Instances)
	checkOffers(2)
	require.NoError(t, ignoreStop(s.r.stop(t)))

	// Down to two slots: only unsold tokens go; a lease beyond keeps
	// its slot until it ends.
	d = h.opDaemon(t, nil)
	ls, err := d.Leases()
	require.NoError(t, err)
	free := 2
	for _, l := range ls {
		if l.Index < 2 {
			free--
		}
	}
	_, err = d.Reconfig(n.ctx, ReconfigOptions{Instances: 2})
	require.NoError(t, err)
	require.NoError(t, d.Close())
	checkOffers(free)

	// A Config edited after the reconfiguration wins.
	cfg := h.cfg
	cfg.LeasePrice, cfg.Instances = "5", 6
	d, err = New(h.c, h.w, h.prov, &cfg)
	require.NoError(t, err)
	require.Equal(t, "5", d.leasePrice())
	require.Equal(t, 6, d.cfg.Instances)
	require.NoError(t, d.Close())
	d = h.opDaemon(t, nil)
	require.Equal(t, "2", d.leasePrice(), "the override is gone for good")
	require.Equal(t, 3, d.cfg.Instances)
	require.NoError(t, d.Close())
}

func TestTruncate16(t *testing.T) {
	for in, want := range map[string]string{
		"4": "4", "0.1": "0.1", "12345678901234567": "12345678901234560",
		"1.23456789012345678": "1.234567890123456", "0.000012345678901234567": "0.00001234567890123456",
		"100.5000": "100.5",
	} {
		require.Equal(t, want, truncate16(in), in)
	}
}

// closingWorld is a registered host (2 slots at 1 EVR) whose stopped
// daemon left one tenant with an active lease extended by two moments
// (3 EVR paid; seconds later, 2 whole moments left and the one under way:
// a wind-down refunds all 3).
type closingWorld struct {
	*regWorld
	prov  *fakeProv
	cfg   Config
	tw    *evernode.Wallet
	ref   string
	token string
}

func newClosingWorld(t *testing.T) *closingWorld { return newClosingWorldOn(t, newRegWorld(t)) }

// realHooksWorld is newRegWorld with the real Evernode hooks (WebAssembly);
// it skips when they are absent, unless EVERNODE_REQUIRE_HOOKS=1.
func realHooksWorld(t *testing.T) *regWorld { return newRegWorldWith(t, evhookstest.Wasm(t)) }

func newClosingWorldOn(t *testing.T, rw *regWorld) *closingWorld {
	cw, r := startClosingWorld(t, rw, 2, "1")
	cw.tw = cw.tenant(t)
	acq := cw.acquire(t, cw.tw)
	cw.ref, cw.token = acq.Hash, acq.Tx["URITokenID"].(string)
	rw.waitFor(t, "acquire answered", func() bool { return len(cw.answers(t, cw.tw, cw.ref)) > 0 })
	amt, err := evernode.EVR(rw.hook.EVRIssuerAddress, "2").Times(1)
	require.NoError(t, err)
	tx, err := lease.ExtendTx(cw.tw.Address(), rw.w.Address(), cw.token, amt)
	require.NoError(t, err)
	ext, err := rw.c.SubmitAndWait(rw.ctx, cw.tw, tx)
	require.NoError(t, err)
	rw.waitFor(t, "extend answered", func() bool { return len(cw.answers(t, cw.tw, ext.Hash)) > 0 })
	rw.waitFor(t, "idle", func() bool {
		idle, err := r.d.Idle()
		ls, _ := r.d.Leases()
		return err == nil && idle && len(ls) == 1 && ls[0].State == Active
	})
	require.NoError(t, ignoreStop(r.stop(t)))
	require.Equal(t, "97", cw.evr(t, cw.tw.Address()))
	return cw
}

// startClosingWorld starts rw's host daemon with instances slots at price
// EVR a moment, and waits until it registered, offers every slot and is
// idle.
func startClosingWorld(t *testing.T, rw *regWorld, instances int, price string) (*closingWorld, *running) {
	cw := &closingWorld{regWorld: rw, prov: newFakeProv(), cfg: rw.cfg}
	cw.cfg.Instances, cw.cfg.LeasePrice = instances, price
	rw.waitFor(t, "the host's EVR", func() bool {
		lines, err := rw.c.AccountLines(rw.ctx, rw.w.Address(), rw.hook.EVRIssuerAddress)
		return err == nil && len(lines) == 1 && lines[0].Balance == "1000"
	})
	r := cw.start(t, nil)
	rw.waitFor(t, "registered and offered", func() bool {
		select {
		case err := <-r.done:
			t.Fatalf("the daemon stopped: %v", err)
		default:
		}
		o, err := lease.Offers(rw.ctx, rw.c, rw.w.Address(), lease.URIToken)
		idle, _ := r.d.Idle()
		return err == nil && len(o) == instances && idle
	})
	return cw, r
}

func (cw *closingWorld) start(t *testing.T, fault func(string) bool) *running {
	return cw.runs.start(cw.ctx, cw.daemon(t, fault))
}

func (cw *closingWorld) daemon(t *testing.T, fault func(string) bool) *Daemon {
	d, err := New(cw.c, cw.w, cw.prov, &cw.cfg)
	require.NoError(t, err)
	d.fault = fault
	return d
}

// tenant is a funded tenant with 100 EVR and a MessageKey.
func (cw *closingWorld) tenant(t *testing.T) *evernode.Wallet {
	tw, err := cw.net.NewFundedWallet(cw.ctx, 1_000_000_000)
	require.NoError(t, err)
	require.NoError(t, cw.dep.FundEVR(cw.ctx, tw, "100"))
	_, err = cw.c.SubmitAndWait(cw.ctx, tw, evernode.AccountSet{Common: evernode.Common{Account: tw.Address()}, MessageKey: tw.PublicKey()})
	require.NoError(t, err)
	return tw
}

// acquire buys the host's first offer as tw, without waiting for the
// answer.
func (cw *closingWorld) acquire(t *testing.T, tw *evernode.Wallet) evernode.TxResult {
	offers, err := lease.Offers(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	key, err := memo.ParsePublicKey(cw.w.PublicKeyHex())
	require.NoError(t, err)
	payload, err := memo.SealPayload(nil, &key, testReq, nil)
	require.NoError(t, err)
	tx, err := lease.AcquireTx(tw.Address(), offers[0], payload)
	require.NoError(t, err)
	res, err := cw.c.SubmitAndWait(cw.ctx, tw, tx)
	require.NoError(t, err)
	return res
}

func (cw *closingWorld) answers(t *testing.T, tw *evernode.Wallet, ref string) []lease.Event {
	txs, err := cw.c.AccountTx(cw.ctx, tw.Address(), nil)
	require.NoError(t, err)
	var out []lease.Event
	for _, tx := range txs {
		ev, ok, _ := lease.ExtractEvent(cw.ctx, tx, tw.Address(), nil)
		if ok && ev.From == cw.w.Address() && ev.Ref == ref {
			out = append(out, ev)
		}
	}
	return out
}

func (cw *closingWorld) evr(t *testing.T, addr string) string {
	return evrBalance(t, cw.ctx, cw.c, addr, cw.hook.EVRIssuerAddress)
}

// checkClosed checks what every wound-down host shows: the tenant refunded
// its three unused moments (2 whole ones and the one under way) once, its
// instance gone, no lease token left.
func (cw *closingWorld) checkClosed(t *testing.T) {
	for range 3 {
		require.NoError(t, cw.c.WaitLedger(cw.ctx, cw.c.ValidatedLedger()+1))
	}
	var refunds []lease.Event
	for _, ev := range cw.answers(t, cw.tw, cw.ref) {
		if ev.Type == memo.EventRefund {
			refunds = append(refunds, ev)
		}
	}
	require.Len(t, refunds, 1, "one refund")
	require.Equal(t, "3", refunds[0].Amount.Value, "2 whole moments and the one under way at 1 EVR")
	require.Equal(t, "100", cw.evr(t, cw.tw.Address()), "97 + 3: everything paid, seconds of service")
	require.Empty(t, cw.prov.names(), "no instance left")
	held, err := lease.Leases(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Empty(t, held, "no lease token left")
	_, err = cw.c.LedgerEntry(cw.ctx, cw.token, evernode.Validated)
	require.ErrorIs(t, err, evernode.ErrNotFound, "the sold token is burned")
}

// Transfer winds the host down (the running lease refunded its unused
// moments, an acquire that reached the stopped daemon refused with a full
// refund, every token burned) and hands the registration to the registry;
// the transferee then registers with it. The daemon no longer starts.
func TestTransfer(t *testing.T) {
	cw := newClosingWorld(t)
	late := cw.tenant(t)
	lateAcq := cw.acquire(t, late)
	require.Equal(t, "99", cw.evr(t, late.Address()))
	b, err := cw.net.NewFundedWallet(cw.ctx, 1_000_000_000)
	require.NoError(t, err)
	cw.waitFor(t, "the transferee's account", func() bool {
		_, err := cw.c.AccountInfo(cw.ctx, b.Address(), evernode.Validated)
		return err == nil
	})
	_, err = hook.PrepareHostAccount(cw.ctx, cw.c, b, cw.hook, "b.example", nil)
	require.NoError(t, err)
	require.NoError(t, cw.dep.FundEVR(cw.ctx, b, "10"))
	regTok, _, err := hook.RegistrationToken(cw.ctx, cw.c, cw.hook, cw.w.Address())
	require.NoError(t, err)

	d := cw.daemon(t, nil)
	_, err = d.Transfer(cw.ctx, "not-an-address")
	require.Error(t, err)
	res, err := d.Transfer(cw.ctx, b.Address())
	require.NoError(t, err)
	require.NotEmpty(t, res.Hash)
	require.Len(t, res.Refunds, 1)
	require.Equal(t, uint64(3), res.Refunds[0].Moments, "2 whole moments and the one under way")
	require.Equal(t, cw.ref, res.Refunds[0].Lease)
	cw.checkClosed(t)
	ans := cw.answers(t, late, lateAcq.Hash)
	require.Len(t, ans, 1)
	require.Equal(t, memo.EventAcquireError, ans[0].Type)
	require.Equal(t, ReasonHostClosing, ans[0].Reason)
	require.Equal(t, "100", cw.evr(t, late.Address()), "the late acquire refunded in full")
	node, err := cw.c.LedgerEntry(cw.ctx, fmt.Sprintf("%X", regTok), evernode.Validated)
	require.NoError(t, err)
	require.Equal(t, cw.hook.RegistryAddress, node["Owner"])
	again, err := d.Transfer(cw.ctx, b.Address())
	require.NoError(t, err, "done: the same result")
	require.Equal(t, res.Hash, again.Hash)
	_, err = d.Transfer(cw.ctx, "")
	require.ErrorIs(t, err, ErrNotRegistered)
	require.ErrorIs(t, err, hook.ErrNotRegistered)
	require.NoError(t, d.Close())

	cfg := cw.cfg
	cfg.Register = nil
	d, err = New(cw.c, cw.w, cw.prov, &cfg)
	require.NoError(t, err)
	require.ErrorIs(t, d.Run(cw.ctx), ErrNotRegistered)
	require.NoError(t, d.Close())

	rb, err := hook.RegisterHost(cw.ctx, cw.c, b, cw.hook, *cw.cfg.Register, nil)
	require.NoError(t, err)
	require.True(t, rb.Transferee)
	require.Equal(t, regTok, rb.TokenID)
}

// Transfer and Deregister killed at their steps, then run again, finish:
// one refund, every token burned, the registration with the registry or
// gone. Meanwhile the daemon refuses to start.
func TestCloseCrashAnywhere(t *testing.T) {
	t.Run("deregister", func(t *testing.T) { closeCrash(t, false) })
	t.Run("transfer", func(t *testing.T) { closeCrash(t, true) })
}

func closeCrash(t *testing.T, transfer bool) {
	run := func(t *testing.T, k int64) int64 {
		cw := newClosingWorld(t)
		regTok, _, err := hook.RegistrationToken(cw.ctx, cw.c, cw.hook, cw.w.Address())
		require.NoError(t, err)
		to := ""
		if transfer {
			b, err := cw.net.NewFundedWallet(cw.ctx, 1_000_000_000)
			require.NoError(t, err)
			cw.waitFor(t, "the transferee's account", func() bool {
				_, err := cw.c.AccountInfo(cw.ctx, b.Address(), evernode.Validated)
				return err == nil
			})
			to = b.Address()
		}
		op := func(d *Daemon) (*CloseResult, error) {
			if transfer {
				return d.Transfer(cw.ctx, to)
			}
			return d.Deregister(cw.ctx)
		}
		var count atomic.Int64
		d := cw.daemon(t, crashAt([]int64{k}, &count))
		res, err := op(d)
		require.NoError(t, d.Close())
		if k >= 0 {
			require.ErrorIs(t, err, errCrash)
			d = cw.daemon(t, nil)
			if p, err := d.pendingOp(); err == nil && p != nil {
				require.ErrorIs(t, d.Run(cw.ctx), ErrOperationPending)
				_, err = d.Reconfig(cw.ctx, ReconfigOptions{Price: "9"})
				require.ErrorIs(t, err, ErrOperationPending, "another operation")
			}
			res, err = op(d)
			require.NoError(t, d.Close())
		}
		require.NoError(t, err)
		require.Len(t, res.Refunds, 1)
		require.NotEmpty(t, res.Hash)
		cw.checkClosed(t)
		node, err := cw.c.LedgerEntry(cw.ctx, fmt.Sprintf("%X", regTok), evernode.Validated)
		if transfer {
			require.NoError(t, err)
			require.Equal(t, cw.hook.RegistryAddress, node["Owner"], "the registry holds the registration")
		} else {
			require.ErrorIs(t, err, evernode.ErrNotFound, "the registration token is burned")
		}
		ok, err := hook.IsRegistered(cw.ctx, cw.c, cw.hook, cw.w.Address())
		require.NoError(t, err)
		require.False(t, ok)
		return count.Load()
	}
	crashRuns(t, 6, 1, 3, run)
}

// crashRuns counts the fault points of a run without a crash (run(t, −1)
// returns how many it passed), then runs it with a crash at each point
// (shortN of them with -short when not 0, raceN with -race), parallel at a
// time. HOSTD_OPS_ONLY=k runs the crash at point k alone.
func crashRuns(t *testing.T, shortN, raceN int64, parallel int, run func(t *testing.T, k int64) int64) {
	points := run(t, -1)
	t.Logf("%d fault points", points)
	if v, err := strconv.Atoi(os.Getenv("HOSTD_OPS_ONLY")); err == nil {
		run(t, int64(v))
		return
	}
	n := points
	switch {
	case raceEnabled:
		n = raceN
	case testing.Short() && shortN > 0:
		n = shortN
	}
	crashEach(t, points, n, parallel, func(t *testing.T, k int64) { run(t, k) })
}

// crashEach runs run as a subtest for n fault points spread over
// 0…points−1 (every one when n ≥ points; the middle one when n is 1),
// parallel at a time.
func crashEach(t *testing.T, points, n int64, parallel int, run func(t *testing.T, k int64)) {
	n = min(n, points)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range n {
		k := (points - 1) / 2 // one point: the middle one
		if n > 1 {
			k = i * (points - 1) / (n - 1)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			t.Run(fmt.Sprintf("crash%d", k), func(t *testing.T) { run(t, k) })
		})
	}
	wg.Wait()
}

// Reconfig killed at each of its steps, then run again: the unsold tokens
// end at the new price and count, the sold one untouched.
func TestReconfigCrashAnywhere(t *testing.T) {
	n := newTestNet(t, 5*time.Minute)
	run := func(t *testing.T, k int64) int64 {
		h := n.host(t, 2, "2")
		_, _, token := h.leased(t, 0)
		var count atomic.Int64
		d := h.opDaemon(t, crashAt([]int64{k}, &count))
		_, err := d.Reconfig(n.ctx, ReconfigOptions{Price: "3", Instances: 3})
		require.NoError(t, d.Close())
		if k >= 0 {
			require.ErrorIs(t, err, errCrash)
			d = h.opDaemon(t, nil)
			_, err = d.Reconfig(n.ctx, ReconfigOptions{Price: "3", Instances: 3})
			require.NoError(t, d.Close())
		}
		require.NoError(t, err)
		var held []lease.Token
		retry(t, func() (err error) { held, err = lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken); return err })
		require.Len(t, held, 2, "two unsold slots")
		for _, tk := range held {
			require.True(t, tk.Offered())
			require.True(t, samePrice("3", tk.URI.Price))
		}
		node, err := h.c.LedgerEntry(n.ctx, token, evernode.Validated)
		require.NoError(t, err, "the sold token stays")
		require.NotEqual(t, h.w.Address(), node["Owner"])
		return count.Load()
	}
	crashRuns(t, 0, 4, 8, run)
}

// Transfer and Deregister against the real Evernode hooks (WebAssembly),
// where the registry's emitted transactions apply in later ledgers.
func TestCloseRealHooks(t *testing.T) {
	variants := []bool{false, true}
	if raceEnabled {
		variants = variants[:1] // the hooks run slowly under the race detector
	}
	for _, transfer := range variants {
		t.Run(fmt.Sprint("transfer=", transfer), func(t *testing.T) {
			cw := newClosingWorldOn(t, realHooksWorld(t))
			regTok, _, err := hook.RegistrationToken(cw.ctx, cw.c, cw.hook, cw.w.Address())
			require.NoError(t, err)
			d := cw.daemon(t, nil)
			defer d.Close()
			var res *CloseResult
			if transfer {
				res, err = d.Transfer(cw.ctx, "")
			} else {
				res, err = d.Deregister(cw.ctx)
			}
			require.NoError(t, err)
			require.Len(t, res.Refunds, 1)
			cw.checkClosed(t)
			node, err := cw.c.LedgerEntry(cw.ctx, fmt.Sprintf("%X", regTok), evernode.Validated)
			if transfer {
				require.NoError(t, err)
				require.Equal(t, cw.hook.RegistryAddress, node["Owner"])
			} else {
				require.ErrorIs(t, err, evernode.ErrNotFound)
			}
		})
	}
}

// CancelOperation after a deregistration was wound down but before its
// registry transaction was sent: nothing is sent, the host stays
// registered, and the daemon starts again and offers every slot.
func TestCancelOperation(t *testing.T) {
	cw := newClosingWorld(t)
	d := cw.daemon(t, func(p string) bool { return p == "close:registry-queued" })
	_, err := d.Deregister(cw.ctx)
	require.ErrorIs(t, err, errCrash)
	require.NoError(t, d.Close())
	d = cw.daemon(t, nil)
	ok, err := d.CancelOperation(cw.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.CancelOperation(cw.ctx)
	require.NoError(t, err)
	require.False(t, ok, "nothing left to cancel")
	require.NoError(t, d.Close())
	cw.checkClosed(t)
	reg, err := hook.IsRegistered(cw.ctx, cw.c, cw.hook, cw.w.Address())
	require.NoError(t, err)
	require.True(t, reg, "the deregistration was never sent")

	r := cw.start(t, nil)
	cw.waitFor(t, "every slot offered again", func() bool {
		o, err := lease.Offers(cw.ctx, cw.c, cw.w.Address(), lease.URIToken)
		return err == nil && len(o) == 2
	})
	require.NoError(t, ignoreStop(r.stop(t)))
}

// A refund the tenant can no longer receive (its EVR trust line is gone)
// is recorded as owed; the lease still ends and the slot comes back.
func TestDeleteInstanceOwed(t *testing.T) {
	n := newTestNet(t, time.Minute)
	h := n.host(t, 1, "2")
	tw, ref, token := h.leased(t, 2)
	issuer := n.issuer.Address()
	h.submit(tw, evernode.Payment{Common: evernode.Common{Account: tw.Address()}, Destination: issuer, Amount: evernode.EVR(issuer, "94")})
	h.submit(tw, evernode.TrustSet{Common: evernode.Common{Account: tw.Address()}, LimitAmount: evernode.EVR(issuer, "0")})
	require.Equal(t, "none", n.evr(t, tw.Address()))

	d := h.opDaemon(t, nil)
	defer d.Close()
	rf, err := d.DeleteInstance(n.ctx, token)
	require.NoError(t, err)
	require.True(t, rf.Owed)
	require.NotEqual(t, "tesSUCCESS", rf.Result)
	owed, err := d.Owed()
	require.NoError(t, err)
	require.Equal(t, "6", owed[ref].Value, "2 whole moments and the one under way at 2 EVR")
	require.Empty(t, h.prov.names())
	require.Equal(t, 1, h.offers())
}
