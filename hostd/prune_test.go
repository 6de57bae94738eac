package hostd

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// vanish removes an instance behind the daemon's back (a reboot that lost
// it, an operator's docker rm).
func (p *fakeProv) vanish(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.insts[name]
	delete(p.insts, name)
	return ok
}

// pruneSoon asks for a prune and repair round on the next tick.
func (d *Daemon) pruneSoon() {
	d.mu.Lock()
	d.maintOK = false
	d.mu.Unlock()
	d.wake()
}

// pruneSoon asks the running daemon for a prune round and reports whether
// its lease left Active. A round the daemon was finishing as it was asked
// (its start-up one) may have listed the instance still there: tests call
// it on every ledger until it reports true.
func (s *supervisor) pruneSoon() bool {
	s.r.d.pruneSoon()
	ls, err := s.r.d.Leases()
	return err == nil && (len(ls) == 0 || ls[0].State != Active)
}

// crashOnce makes a fault function that kills the daemon the first time it
// reaches each of points.
func crashOnce(points ...string) func(string) bool {
	var mu sync.Mutex
	left := map[string]bool{}
	for _, p := range points {
		left[p] = true
	}
	return func(p string) bool {
		mu.Lock()
		defer mu.Unlock()
		if left[p] {
			delete(left, p)
			return true
		}
		return false
	}
}

// A lease whose instance is gone (§7 F 33), with the daemon killed in the
// middle: an acquire not yet answered is refunded exactly once, an active
// lease is ended with exactly one refund of its unused moments, and in
// every case the token is burned and its slot offered again.
func TestLeaseWithoutInstance(t *testing.T) {
	n := newTestNet(t, 2*time.Minute)

	t.Run("acquiring", func(t *testing.T) {
		h := n.host(t, 1, "2")
		fault := crashOnce("provision:created", "refuse:queued")
		r := h.start(fault)
		tw, _ := n.tenant(t, h.c, true)
		n.waitFor(t, "offered", func() bool { return h.offers() == 1 })
		acq := h.rawAcquire(tw, testReq)
		require.ErrorIs(t, <-r.done, errCrash, "killed once the instance was made")
		require.NoError(t, r.d.Close())
		token := acq.Tx["URITokenID"].(string)
		require.True(t, h.prov.vanish(token), "the instance was made")
		h.clock.Advance(time.Hour) // the acquire window is over
		s := h.supervise(t, fault)

		ans := h.oneAnswer(s, tw.Address(), acq.Hash)
		require.Equal(t, memo.EventAcquireError, ans.Type)
		require.Equal(t, 1, s.restarts, "killed again while refusing")
		s.until(t, "slot back", func() bool {
			ls, err := s.r.d.Leases()
			return err == nil && len(ls) == 0 && h.offers() == 1
		})
		require.Equal(t, "100", n.evr(t, tw.Address()), "refunded once")
		require.Empty(t, h.prov.names())
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.NotEqual(t, token, offers[0].ID, "the token was burned and the slot minted again")
	})

	t.Run("active", func(t *testing.T) {
		h := n.host(t, 1, "2")
		fault := crashOnce("prune:missing-found", "prune:missing-marked", "expire:recycle-queued")
		s := h.supervise(t, fault)
		tw, tn := n.tenant(t, h.c, true)
		s.until(t, "offered", func() bool { return h.offers() == 1 })
		res, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
		require.NoError(t, err)
		s.until(t, "active", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
		ls, err := s.r.d.Leases()
		require.NoError(t, err)
		require.Len(t, ls, 1)
		token := ls[0].TokenID
		h.extendBy(t, s, tw, token, 2) // 3 moments bought, 2 whole ones and the one under way left
		require.Equal(t, "94", n.evr(t, tw.Address()))
		require.True(t, h.prov.vanish(token))
		s.until(t, "missing instance noticed", s.pruneSoon)
		s.drained(t, 1)
		require.Equal(t, 3, s.restarts)
		require.Len(t, h.answers(tw.Address(), res.Ref), 2, "the success answer and the refund")
		refunds := h.refunds(tw.Address(), res.Ref)
		require.Len(t, refunds, 1, "one refund")
		require.Equal(t, "6", refunds[0].Amount.Value, "the 3 unserved moments at the lease's price")
		require.Equal(t, "100", n.evr(t, tw.Address()))
		owed, err := s.r.d.Owed()
		require.NoError(t, err)
		require.Empty(t, owed)
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.NotEqual(t, token, offers[0].ID, "the token was burned and the slot minted again")
		leases, err := lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.Len(t, leases, 1, "inventory")
	})

	// The instance is gone by the time the success answer applies (a
	// backend that lost it while the answer was in the queue): the lease
	// is ended as soon as it is active, not at the next prune round
	// hours later. The moment under way is refunded: the tenant never had
	// an instance.
	t.Run("answering", func(t *testing.T) {
		h := n.host(t, 1, "2")
		var vanished sync.Once
		fault := func(p string) bool {
			if p == "provision:answer-queued" {
				vanished.Do(func() {
					for _, name := range h.prov.names() {
						h.prov.vanish(name)
					}
				})
			}
			return false
		}
		s := h.supervise(t, fault)
		tw, _ := n.tenant(t, h.c, true)
		s.until(t, "offered", func() bool { return h.offers() == 1 })
		acq := h.rawAcquire(tw, testReq)
		token := acq.Tx["URITokenID"].(string)
		s.until(t, "lease ended and slot back", func() bool {
			ls, err := s.r.d.Leases()
			idle, err2 := s.r.d.Idle()
			return errors.Join(err, err2) == nil && idle && len(ls) == 0 && h.offers() == 1 && len(h.answers(tw.Address(), acq.Hash)) > 0
		})
		ans := h.answers(tw.Address(), acq.Hash)
		require.Len(t, ans, 2, "the success answer and the refund")
		require.Equal(t, memo.EventAcquireSuccess, ans[0].Type)
		refunds := h.refunds(tw.Address(), acq.Hash)
		require.Len(t, refunds, 1, "one refund")
		require.Equal(t, "2", refunds[0].Amount.Value, "the moment paid")
		require.Equal(t, "100", n.evr(t, tw.Address()))
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.NotEqual(t, token, offers[0].ID, "the token was burned and the slot minted again")
	})

	// instance/memory keeps nothing across a restart, and a Docker engine
	// can lose its containers: the daemon starts with no instance for its
	// active leases. Each tenant is refunded its unused moments once and
	// the slots are offered again.
	t.Run("restart with an empty provisioner", func(t *testing.T) {
		h := n.host(t, 2, "2")
		s := &supervisor{h: h, r: h.start(nil)}
		s.until(t, "offered", func() bool { return h.offers() == 2 })
		type tenancy struct {
			w          *evernode.Wallet
			ref, token string
		}
		var ts []tenancy
		for i := range 2 {
			tw, _ := n.tenant(t, h.c, true)
			acq := h.rawAcquire(tw, testReq)
			s.until(t, "acquire answered", func() bool { return len(h.answers(tw.Address(), acq.Hash)) > 0 })
			token := acq.Tx["URITokenID"].(string)
			s.until(t, "active", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
			h.extendBy(t, s, tw, token, uint64(i+1))
			ts = append(ts, tenancy{tw, acq.Hash, token})
		}
		s.until(t, "idle", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
		require.NoError(t, ignoreStop(s.r.stop(t)))

		h.prov = newFakeProv() // everything the daemon made is gone
		fault := crashOnce("prune:missing-marked", "outbox:submitted")
		s = h.supervise(t, fault)
		s.drained(t, 2)
		require.Equal(t, 2, s.restarts)
		for i, tn := range ts {
			refunds := h.refunds(tn.w.Address(), tn.ref)
			require.Len(t, refunds, 1, "tenant %d: one refund", i)
			require.Equal(t, strconv.Itoa(2*(i+2)), refunds[0].Amount.Value, "tenant %d: its unserved moments", i)
			require.Equal(t, "100", n.evr(t, tn.w.Address()), "tenant %d", i)
		}
		require.Empty(t, h.prov.names())
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		for _, o := range offers {
			require.NotEqual(t, ts[0].token, o.ID)
			require.NotEqual(t, ts[1].token, o.ID)
		}
		leases, err := lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		require.Len(t, leases, 2, "inventory")
	})
}

// drained waits until the daemon is idle with no lease left and offers
// slots on offer, then a few ledgers more in which nothing else may
// arrive.
func (s *supervisor) drained(t *testing.T, offers int) {
	t.Helper()
	s.until(t, "slots back", func() bool {
		ls, err := s.r.d.Leases()
		idle, err2 := s.r.d.Idle()
		return errors.Join(err, err2) == nil && idle && len(ls) == 0 && s.h.offers() == offers
	})
	for range 3 {
		require.NoError(t, s.h.c.WaitLedger(s.h.n.ctx, s.h.c.ValidatedLedger()+1))
	}
}

// extendBy extends the lease on token by moments at price "2" as tw and
// waits for the confirmation.
func (h *host) extendBy(t *testing.T, s *supervisor, tw *evernode.Wallet, token string, moments uint64) {
	t.Helper()
	amt, err := evernode.EVR(h.n.issuer.Address(), "2").Times(moments)
	require.NoError(t, err)
	tx, err := lease.ExtendTx(tw.Address(), h.w.Address(), token, amt)
	require.NoError(t, err)
	er := h.submit(tw, tx)
	var ans []lease.Event
	s.until(t, "extend answered", func() bool { ans = h.answers(tw.Address(), er.Hash); return len(ans) > 0 })
	require.Equal(t, memo.EventExtendSuccess, ans[0].Type, ans[0].Reason)
}

// On a registered host, ending a lease whose instance is gone brings the
// registry's active instance count back down (§7 F 33: updateRegInfo).
func TestLeaseWithoutInstanceUpdatesRegistry(t *testing.T) {
	bw := newBeatWorld(t, false)
	bw.cfg.NoHeartbeat = true
	r := bw.start(nil)
	tw, err := bw.net.NewFundedWallet(bw.ctx, 100_000_000)
	require.NoError(t, err)
	fundEVR(bw.ctx, t, bw.dep, bw.c, bw.hook, tw, "100")
	tn, err := lease.NewTenant(bw.c, tw, &lease.TenantConfig{Hook: bw.hook, Hosts: okRegistry{}, Timeout: 20 * time.Second})
	require.NoError(t, err)
	_, err = tn.PrepareAccount(bw.ctx)
	require.NoError(t, err)
	bw.waitFor("offered", func() bool {
		o, err := lease.Offers(bw.ctx, bw.c, bw.w.Address(), lease.URIToken)
		return err == nil && len(o) == 1
	})
	res, err := tn.Acquire(bw.ctx, bw.w.Address(), testReq, nil)
	require.NoError(t, err)
	active := func(n uint32) func() bool {
		return func() bool {
			info, err := hook.Host(bw.ctx, bw.c, bw.hook, bw.w.Address())
			return err == nil && info.ActiveInstances == n
		}
	}
	bw.waitFor("one active instance in the registry", active(1))

	require.True(t, bw.prov.vanish(res.Token.ID))
	bw.waitFor("the lease ended", func() bool {
		r.d.pruneSoon()
		ls, err := r.d.Leases()
		return err == nil && len(ls) == 0
	})
	bw.waitFor("no active instance in the registry", active(0))
	bw.waitFor("re-offered", func() bool {
		o, err := lease.Offers(bw.ctx, bw.c, bw.w.Address(), lease.URIToken)
		return err == nil && len(o) == 1 && o[0].ID != res.Token.ID
	})
	evr, err := hook.EVRBalance(bw.ctx, bw.c, bw.hook, tw.Address())
	require.NoError(t, err)
	require.Equal(t, "100", evr, "the moment under way refunded")
}
