package hostd

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
)

// At start-up the inventory is made whole (sold + unsold = Instances, every
// token offered, surplus burned) and instances no lease needs are
// destroyed.
func TestStartupRepairsInventoryAndPrunesOrphans(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, time.Minute)
	h := n.host(t, 3, "2")
	lh, err := lease.NewHost(h.c, h.w, &lease.HostConfig{Hook: n.cfg})
	require.NoError(t, err)
	// Slot 0 on offer, slot 1 minted but not offered, a surplus slot 7.
	_, err = lh.Mint(n.ctx, 0, "2", nil)
	require.NoError(t, err)
	t1, err := lh.Mint(n.ctx, 1, "2", nil)
	require.NoError(t, err)
	h.submit(h.w, evernode.URITokenCancelSellOffer{Common: evernode.Common{Account: h.w.Address()}, URITokenID: t1.ID})
	_, err = lh.Mint(n.ctx, 7, "2", nil)
	require.NoError(t, err)
	// An orphan instance named like a lease, and a foreign one.
	orphan := strings.Repeat("AB", 32)
	_, err = h.prov.Create(n.ctx, instanceReq(orphan))
	require.NoError(t, err)
	_, err = h.prov.Create(n.ctx, instanceReq("not-a-lease"))
	require.NoError(t, err)

	s := h.supervise(t, nil)
	s.until(t, "inventory whole", func() bool {
		ts, err := lease.Leases(n.ctx, h.c, h.w.Address(), lease.URIToken)
		if err != nil || len(ts) != 3 {
			return false
		}
		idx := map[uint16]bool{}
		for _, tk := range ts {
			if !tk.Offered() {
				return false
			}
			idx[tk.URI.Index] = true
		}
		return idx[0] && idx[1] && idx[2]
	})
	require.Equal(t, []string{"not-a-lease"}, h.prov.names())
}

// No expiry while the ledger is halted, and none during the grace after.
func TestHaltPausesExpiry(t *testing.T) {
	n := newTestNet(t, time.Minute)
	h := n.host(t, 1, "2")
	h.cfg.HaltAfter = 300 * time.Millisecond
	s := h.serve(t)
	_, tn := n.tenant(t, h.c, true)
	_, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	s.until(t, "active", func() bool { ok, _ := s.r.d.Idle(); return ok })

	n.net.PauseCloses()
	time.Sleep(1200 * time.Millisecond) // a halt of four times HaltAfter
	require.False(t, s.r.d.canExpire(), "expiries run during a halt")
	h.clock.Advance(2 * time.Hour)
	time.Sleep(100 * time.Millisecond)
	require.Len(t, h.prov.names(), 1, "expired during a halt")
	n.net.ResumeCloses()
	require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+2))
	require.False(t, s.r.d.canExpire(), "no grace after the halt")
	s.until(t, "expired after the grace", func() bool { return len(h.prov.names()) == 0 })
}

func TestHeartbeatOffset(t *testing.T) {
	m := time.Hour
	var tok [32]byte
	require.Equal(t, time.Minute, heartbeatOffset(tok, m), "start of the moment, plus a minute")
	tok[30], tok[31] = 0xFF, 0xFF
	require.Equal(t, 45*time.Minute, heartbeatOffset(tok, m), "75 % of the moment at most")
	tok[30], tok[31] = 0xAA, 0xAA // 2/3 of 45 min = 30 min: the second half
	require.InDelta(t, float64(30*time.Minute), float64(heartbeatOffset(tok, m)), float64(time.Second))
}
