package hostd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// Requests made while the daemon was down are handled at its restart from
// account_tx (§7 C): an acquire still inside the acquire window is served,
// an older one refunded; an extension is credited; a termination ends the
// lease.
func TestCatchUp(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 3, "2")
	s := h.serve(t)
	tw, tn := n.tenant(t, h.c, true)
	res, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	s.until(t, "idle", func() bool { ok, _ := s.r.d.Idle(); return ok })
	require.NoError(t, s.r.stop(t))

	// While it is down: an extension and a termination of the lease, and
	// two acquires, one of which will be too old.
	ext, err := lease.ExtendTx(tw.Address(), h.w.Address(), res.Token.ID, evernode.EVR(n.issuer.Address(), "2"))
	require.NoError(t, err)
	extRes := h.submit(tw, ext)
	term, err := lease.TerminateTx(tw.Address(), h.w.Address(), res.Token.ID)
	require.NoError(t, err)
	h.submit(tw, term)
	old, _ := n.tenant(t, h.c, true)
	oldAcq := h.rawAcquire(old, testReq)
	// Half an hour later: far past 40 % of the 160 s window for the old
	// acquire, even on a test network whose close times run ahead of the
	// clock (a second per ledger).
	h.clock.Advance(30 * time.Minute)
	n.net.AdvanceTime(30 * time.Minute)
	fresh, _ := n.tenant(t, h.c, true)
	freshAcq := h.rawAcquire(fresh, testReq)

	s.r = h.start(nil)
	require.Equal(t, memo.EventExtendSuccess, h.oneAnswer(s, tw.Address(), extRes.Hash).Type)
	oldAns := h.oneAnswer(s, old.Address(), oldAcq.Hash)
	require.Equal(t, memo.EventAcquireError, oldAns.Type)
	require.Equal(t, lease.ReasonTimeout, oldAns.Reason)
	require.Equal(t, "100", n.evr(t, old.Address()))
	require.Equal(t, memo.EventAcquireSuccess, h.oneAnswer(s, fresh.Address(), freshAcq.Hash).Type)
	s.until(t, "terminated lease gone", func() bool {
		names := h.prov.names()
		return len(names) == 1 && names[0] == freshAcq.Tx["URITokenID"]
	})
	s.until(t, "slots back", func() bool { ok, _ := s.r.d.Idle(); return ok && h.offers() == 2 })
}
