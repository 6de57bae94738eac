package hostd

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// supervisor runs a host's daemon and restarts it each time it dies, as
// systemd would.
type supervisor struct {
	h        *host
	fault    func(string) bool
	r        *running
	restarts int
}

// alive restarts the daemon if it died. It fails the test if the daemon
// stopped with anything but an injected crash.
func (s *supervisor) alive(t testing.TB) {
	select {
	case err := <-s.r.done:
		if !errors.Is(err, errCrash) {
			t.Errorf("daemon stopped: %v", err)
		}
		require.NoError(t, s.r.d.Close())
		s.restarts++
		s.r = s.h.start(s.fault)
	default:
	}
}

// until waits, ledger by ledger, for cond, keeping the daemon alive. Only
// the net's context bounds the wait: a loaded machine may need long.
func (s *supervisor) until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	n := s.h.n
	for {
		s.alive(t)
		if cond() {
			return
		}
		if err := s.h.c.WaitLedger(n.ctx, s.h.c.ValidatedLedger()+1); err != nil {
			t.Fatalf("%s: %v (restarts %d, instances %v)", what, err, s.restarts, s.h.prov.names())
		}
	}
}

// supervise runs the host's daemon, with fault (nil: none) across its
// restarts, until the test ends.
func (h *host) supervise(t *testing.T, fault func(string) bool) *supervisor {
	s := &supervisor{h: h, fault: fault, r: h.start(fault)}
	t.Cleanup(func() { require.NoError(t, ignoreStop(s.r.stop(t))) })
	return s
}

// serve is supervise, once every slot is on offer.
func (h *host) serve(t *testing.T) *supervisor {
	s := h.supervise(t, nil)
	s.until(t, "offered", func() bool { return h.offers() == h.cfg.Instances })
	return s
}

// crashAt makes a fault function that kills the daemon at the fault points
// in ks (counted across restarts), and counts the points.
func crashAt(ks []int64, count *atomic.Int64) func(string) bool {
	return func(string) bool {
		n := count.Add(1) - 1
		for _, k := range ks {
			if n == k {
				return true
			}
		}
		return false
	}
}

type scenario int

const (
	scExpire    scenario = iota // acquire, extend, run out
	scTerminate                 // acquire, extend, terminate
	scFail                      // provisioning fails once: refund
	scBadKey                    // no key to answer to: refund
	scVanish                    // acquire, extend, then the instance vanishes: refund
	scLost                      // the instance vanishes while the answer is queued
	nScenarios
)

func (s scenario) String() string {
	return [...]string{"expire", "terminate", "fail", "badkey", "vanish", "lost"}[s]
}

// runScenario drives one host through sc with the daemon killed at fault
// point k (k < 0: never), then checks the invariants. It returns the number
// of fault points a fault-free daemon passed.
func runScenario(t *testing.T, n *testNet, sc scenario, ks ...int64) int64 {
	h := n.host(t, 1, "2")
	var count atomic.Int64
	if sc == scFail {
		h.prov.failNext = 1
	}
	fault := crashAt(ks, &count)
	if sc == scLost {
		crash := fault
		var lost atomic.Bool
		fault = func(p string) bool {
			if p == "provision:answer-queued" && lost.CompareAndSwap(false, true) {
				for _, name := range h.prov.names() {
					h.prov.vanish(name)
				}
			}
			return crash(p)
		}
	}
	s := &supervisor{h: h, fault: fault, r: h.start(fault)}
	defer func() { _ = s.r.stop(t) }()
	tw, _ := n.tenant(t, h.c, sc != scBadKey)
	s.until(t, "offered", func() bool { return h.offers() == 1 })

	acq := h.rawAcquire(tw, testReq)
	var ans []lease.Event
	s.until(t, "acquire answered", func() bool { ans = h.answers(tw.Address(), acq.Hash); return len(ans) > 0 })
	ok := ans[0].Type == memo.EventAcquireSuccess
	switch sc {
	case scExpire, scTerminate, scVanish, scLost:
		require.True(t, ok, "acquire answer %s %s", ans[0].Type, ans[0].Reason)
	case scBadKey:
		require.False(t, ok, "acquire answered with success without a key")
	case scFail:
		// A crash after the failed create but before the refusal was
		// recorded leaves the acquire to be provisioned again after the
		// restart, which then succeeds: service, not a refund. Both are
		// one answer.
	}
	want := "100"
	if ok && sc == scVanish {
		// The lease ends with a refund of its 3 moments (2 whole ones and
		// the one under way, which the lost instance may not have
		// served), its token burned and re-minted.
		id := acq.Tx["URITokenID"].(string)
		s.until(t, "lease active", func() bool {
			ls, err := s.r.d.Leases()
			return err == nil && len(ls) == 1 && ls[0].State == Active
		})
		h.extendBy(t, s, tw, id, 2)
		require.True(t, h.prov.vanish(id))
		s.until(t, "missing instance noticed", s.pruneSoon)
		defer func() {
			refunds := h.refunds(tw.Address(), acq.Hash)
			require.Len(t, refunds, 1, "exactly one refund")
			require.Equal(t, "6", refunds[0].Amount.Value)
		}()
	} else if ok && sc == scLost {
		// Ended as soon as it is active, with a refund of the one moment
		// paid: the tenant never had an instance.
		defer func() {
			refunds := h.refunds(tw.Address(), acq.Hash)
			require.Len(t, refunds, 1, "exactly one refund")
			require.Equal(t, "2", refunds[0].Amount.Value)
		}()
	} else if ok {
		id := acq.Tx["URITokenID"].(string)
		require.Equal(t, []string{id}, h.prov.names(), "one instance for the lease")
		ext, err := lease.ExtendTx(tw.Address(), h.w.Address(), id, evernode.EVR(n.issuer.Address(), "4"))
		require.NoError(t, err)
		extRes := h.submit(tw, ext)
		var eans []lease.Event
		s.until(t, "extend answered", func() bool { eans = h.answers(tw.Address(), extRes.Hash); return len(eans) > 0 })
		require.Equal(t, memo.EventExtendSuccess, eans[0].Type, "extend answer: %s", eans[0].Reason)
		want = "94"
		if sc == scTerminate {
			term, err := lease.TerminateTx(tw.Address(), h.w.Address(), id)
			require.NoError(t, err)
			h.submit(tw, term)
		} else {
			s.until(t, "lease active", func() bool {
				ls, err := s.r.d.Leases()
				return err == nil && len(ls) == 1 && ls[0].State == Active
			})
			h.clock.Advance(4 * time.Hour)
		}
		defer func() {
			require.Len(t, h.answers(tw.Address(), extRes.Hash), 1, "exactly one extend answer")
		}()
	}
	s.until(t, "slot back and idle", func() bool {
		idle, err := s.r.d.Idle()
		return err == nil && idle && len(h.prov.names()) == 0 && h.offers() == 1
	})
	// A few more ledgers: nothing else may arrive.
	for range 3 {
		require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
	}
	answers := h.answers(tw.Address(), acq.Hash)
	require.Len(t, answers, 1+len(h.refunds(tw.Address(), acq.Hash)), "exactly one acquire answer")
	require.Equal(t, want, n.evr(t, tw.Address()), "tenant EVR")
	h.prov.mu.Lock()
	for name, c := range h.prov.created {
		require.LessOrEqual(t, c, 1, "instance %s created %d times", name, c)
	}
	h.prov.mu.Unlock()
	ls, err := s.r.d.Leases()
	require.NoError(t, err)
	require.Empty(t, ls)
	owed, err := s.r.d.Owed()
	require.NoError(t, err)
	require.Empty(t, owed)
	var leases []lease.Token
	retry(t, func() (err error) { leases, err = lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken); return err })
	require.Len(t, leases, 1, "inventory")
	return count.Load()
}

// TestCrashAnywhere kills the daemon at every fault point of every
// scenario (acquire, extend, expiry, termination, refusals, instances
// lost), then twice per
// run, over 200 runs (HOSTD_CRASH_RUNS overrides; 40 with -short, 8
// with -race), and
// checks that each request got exactly one answer, no EVR was kept without
// service, each lease had one instance and none outlived it, and the slot
// came back.
func TestCrashAnywhere(t *testing.T) {
	t.Parallel()
	runs := 200
	switch {
	case raceEnabled:
		runs = 8
	case testing.Short():
		runs = 40
	}
	if v, err := strconv.Atoi(os.Getenv("HOSTD_CRASH_RUNS")); err == nil {
		runs = v
	}
	n := newTestNet(t, 10*time.Minute)
	// Count the fault points of each scenario.
	points := make([]int64, nScenarios)
	type pair struct {
		sc scenario
		k  int64
	}
	t.Run("count", func(t *testing.T) {
		for sc := range nScenarios {
			t.Run(sc.String(), func(t *testing.T) {
				t.Parallel()
				points[sc] = runScenario(t, n, sc)
			})
		}
	})
	var all []pair
	for sc := range nScenarios {
		t.Logf("scenario %v: %d fault points", sc, points[sc])
		for k := range points[sc] {
			all = append(all, pair{sc, k})
		}
	}
	// Fewer runs than fault points (-race) spread over all of them.
	stride := max(1, len(all)/max(runs, 1))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for seed := range runs {
		i := seed * stride
		p := all[i%len(all)]
		ks := []int64{p.k}
		if round := i / len(all); round > 0 {
			// Later rounds crash again, during the recovery.
			ks = append(ks, p.k+1+int64(round*7)%points[p.sc])
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			t.Run(fmt.Sprintf("%v/crash%v", p.sc, ks), func(t *testing.T) { runScenario(t, n, p.sc, ks...) })
		})
	}
	wg.Wait()
}
