package hostd

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// The data dir is lost while leases run: the daemon started on an empty
// database rebuilds them from the ledger (same leases, same expiries, the
// instances kept), answers nothing twice, serves exactly once the acquire
// and the extension made while it was down, and expires the leases later.
func TestRebuildLostDatabase(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 3, "2")
	// The daemon's clock is the ledger's: a test network closing ledgers
	// every few milliseconds moves its close times a second per ledger,
	// far ahead of the wall clock, and the rebuild reads the ledger's.
	// That clock moves a second per ledger: an acquire window of ledger
	// seconds must outlast a slow run.
	h.cfg.Now = func() time.Time { return n.net.LedgerTime().Add(time.Duration(h.clock.off.Load())) }
	h.cfg.AcquireWindow = 2 * time.Hour
	s := h.serve(t)
	w1, t1 := n.tenant(t, h.c, true)
	r1, err := t1.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	e1, err := t1.Extend(n.ctx, r1.Token.ID, 2, nil)
	require.NoError(t, err)
	w2, t2 := n.tenant(t, h.c, true)
	r2, err := t2.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	s.until(t, "idle", func() bool { ok, _ := s.r.d.Idle(); return ok })
	before := leasesByRef(t, s.r.d)
	require.Len(t, before, 2)
	require.NoError(t, s.r.stop(t))
	require.NoError(t, os.RemoveAll(h.dir))

	// While it is down: an acquire, and one more moment for lease 1.
	w3, _ := n.tenant(t, h.c, true)
	acq3 := h.rawAcquire(w3, testReq)
	ext, err := lease.ExtendTx(w1.Address(), h.w.Address(), r1.Token.ID, evernode.EVR(n.issuer.Address(), "2"))
	require.NoError(t, err)
	late := h.submit(w1, ext)

	// The rebuilt daemon is killed once its rebuild is committed, and once
	// more as it takes up the late acquire: the supervisor restarts it on
	// what it committed.
	var crashes []string
	s.fault = func(p string) bool {
		if (p == "rebuild:leases" || p == "ingest:acquire") && !slices.Contains(crashes, p) {
			crashes = append(crashes, p)
			return true
		}
		return false
	}
	s.r = h.start(s.fault)
	require.Equal(t, memo.EventAcquireSuccess, h.oneAnswer(s, w3.Address(), acq3.Hash).Type)
	require.Equal(t, memo.EventExtendSuccess, h.oneAnswer(s, w1.Address(), late.Hash).Type)
	s.until(t, "idle", func() bool { ok, _ := s.r.d.Idle(); return ok })
	after := leasesByRef(t, s.r.d)
	require.Len(t, after, 3)
	require.Equal(t, []string{"rebuild:leases", "ingest:acquire"}, crashes)
	require.Equal(t, 2, s.restarts)
	for ref, b := range before {
		a, ok := after[ref]
		require.True(t, ok, "lease %s forgotten", ref)
		require.Equal(t, Active, a.State)
		require.Equal(t, b.TokenID, a.TokenID)
		require.Equal(t, b.Tenant, a.Tenant)
		require.Equal(t, b.Index, a.Index)
		require.Equal(t, b.Price, a.Price)
		want := b.Expiry
		if ref == r1.Ref {
			want = want.Add(time.Hour) // the late extension
		}
		// The daemon started the lease when it saw the answer; the
		// rebuild takes the answer's ledger close time: a few ledgers
		// (seconds here) earlier.
		require.WithinDuration(t, want, a.Expiry, 10*time.Second, "lease %s expiry", ref)
		require.False(t, a.Expiry.After(want), "lease %s: the rebuilt expiry is later", ref)
		require.NotNil(t, a.Instance)
		require.Equal(t, b.Instance.UserPort, a.Instance.UserPort)
	}
	require.Equal(t, e1.ExpiryMoment, s.r.d.expiryMoment(before[r1.Ref].Expiry))

	// One instance each, never made twice; one answer per request.
	require.ElementsMatch(t, []string{r1.Token.ID, r2.Token.ID, acq3.Tx["URITokenID"].(string)}, h.prov.names())
	h.prov.mu.Lock()
	for name, c := range h.prov.created {
		require.Equal(t, 1, c, "instance %s created %d times", name, c)
	}
	h.prov.mu.Unlock()
	for _, q := range []struct{ tenant, ref string }{{w1.Address(), r1.Ref}, {w1.Address(), e1.Ref}, {w2.Address(), r2.Ref}} {
		require.Len(t, h.answers(q.tenant, q.ref), 1, "answers to %s", q.ref)
	}
	require.Equal(t, "92", n.evr(t, w1.Address()))
	require.Equal(t, "98", n.evr(t, w2.Address()))
	require.Equal(t, "98", n.evr(t, w3.Address()))
	owed, err := s.r.d.Owed()
	require.NoError(t, err)
	require.Empty(t, owed)

	// The leases still end.
	h.clock.Advance(5 * time.Hour)
	s.until(t, "leases expired", func() bool { return len(h.prov.names()) == 0 })
	s.until(t, "slots back", func() bool { ok, _ := s.r.d.Idle(); return ok && h.offers() == 3 })
	ls, err := s.r.d.Leases()
	require.NoError(t, err)
	require.Empty(t, ls)
}

func leasesByRef(t *testing.T, d *Daemon) map[string]Lease {
	t.Helper()
	ls, err := d.Leases()
	require.NoError(t, err)
	out := map[string]Lease{}
	for _, l := range ls {
		out[l.Ref] = l
	}
	return out
}

// On a node whose history no longer reaches a live lease's acquire, the
// rebuild does not guess: Run refuses to start with a *RebuildError naming
// the token, and nothing is sent or destroyed. A lease whose acquire the
// node still holds is rebuilt although the host account's creation is
// gone.
func TestRebuildShortHistory(t *testing.T) {
	t.Parallel()
	const history = 1000
	n := newTestNetHistory(t, 2*time.Minute, 20*time.Millisecond, history)
	old, fresh := n.host(t, 1, "2"), n.host(t, 1, "2")
	forget := func() {
		for range history + 100 {
			n.net.Commit()
		}
	}

	r := old.start(nil)
	n.waitFor(t, "offered", func() bool { return old.offers() == 1 })
	_, to := n.tenant(t, old.c, true)
	ro, err := to.Acquire(n.ctx, old.w.Address(), testReq, nil)
	require.NoError(t, err)
	n.waitFor(t, "idle", func() bool { ok, _ := r.d.Idle(); return ok })
	require.NoError(t, ignoreStop(r.stop(t)))
	forget()

	s := fresh.serve(t)
	wf, tf := n.tenant(t, fresh.c, true)
	rf, err := tf.Acquire(n.ctx, fresh.w.Address(), testReq, nil)
	require.NoError(t, err)
	s.until(t, "idle", func() bool { ok, _ := s.r.d.Idle(); return ok })
	require.NoError(t, s.r.stop(t))

	require.NoError(t, os.RemoveAll(old.dir))
	seq := func() uint32 {
		var info evernode.AccountInfo
		retry(t, func() (err error) {
			info, err = old.c.AccountInfo(n.ctx, old.w.Address(), evernode.Validated)
			return err
		})
		return info.AccountData.Sequence
	}
	before := seq()
	r = old.start(nil)
	err = <-r.done
	require.NoError(t, r.d.Close())
	var rerr *RebuildError
	require.ErrorAs(t, err, &rerr)
	require.ErrorIs(t, err, evernode.ErrHistoryMissing)
	require.Equal(t, []string{ro.Token.ID}, rerr.Tokens)
	require.Equal(t, []string{ro.Token.ID}, old.prov.names(), "the instance is kept")
	n.net.Commit()
	require.Equal(t, before, seq(), "the host sent a transaction")

	require.NoError(t, os.RemoveAll(fresh.dir))
	s.r = fresh.start(nil)
	s.until(t, "rebuilt", func() bool { ls, _ := s.r.d.Leases(); return len(ls) == 1 })
	ls, err := s.r.d.Leases()
	require.NoError(t, err)
	require.Equal(t, rf.Ref, ls[0].Ref)
	require.Equal(t, wf.Address(), ls[0].Tenant)
	require.Equal(t, Active, ls[0].State)
	require.Equal(t, []string{rf.Token.ID}, fresh.prov.names())
	require.Len(t, fresh.answers(wf.Address(), rf.Ref), 1)
}

// What happened while the database was lost is taken up from the ledger: a
// lease terminated meanwhile ends, and an acquire already refused (by a
// daemon that died before taking the slot back) gets no second refund,
// only its slot back.
func TestRebuildEndsTerminatedAndRefused(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 2, "2")
	s := h.serve(t)
	wa, ta := n.tenant(t, h.c, true)
	ra, err := ta.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	s.until(t, "idle", func() bool { ok, _ := s.r.d.Idle(); return ok })
	require.NoError(t, s.r.stop(t))
	require.NoError(t, os.RemoveAll(h.dir))

	term, err := lease.TerminateTx(wa.Address(), h.w.Address(), ra.Token.ID)
	require.NoError(t, err)
	h.submit(wa, term)
	wb, _ := n.tenant(t, h.c, true)
	acq := h.rawAcquire(wb, testReq)
	lh, err := lease.NewHost(h.c, h.w, &lease.HostConfig{Hook: n.cfg})
	require.NoError(t, err)
	_, err = lh.AcquireError(n.ctx, acq.Hash, wb.Address(), evernode.EVR(n.issuer.Address(), "2"), lease.ReasonInvalidAcquire)
	require.NoError(t, err)

	s.r = h.start(nil)
	s.until(t, "the lease ended and both slots back", func() bool {
		ok, _ := s.r.d.Idle()
		return ok && len(h.prov.names()) == 0 && h.offers() == 2
	})
	ls, err := s.r.d.Leases()
	require.NoError(t, err)
	require.Empty(t, ls)
	require.Len(t, h.answers(wb.Address(), acq.Hash), 1, "one refusal")
	require.Equal(t, "100", n.evr(t, wb.Address()))
	require.Equal(t, "98", n.evr(t, wa.Address()))
	var held []lease.Token
	retry(t, func() (err error) { held, err = lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken); return err })
	require.Len(t, held, 2, "inventory")
}
