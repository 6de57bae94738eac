package hostd

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
)

// A lease the host ended early and refunded (DeleteInstance, a close, a
// lost instance), whose token burn had not applied when the database was
// lost: the rebuild finds the success answer and the refund, and ends the
// lease without refunding it a second time.
func TestRebuildLeaseAlreadyRefunded(t *testing.T) {
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	tw, ref, token := h.leased(t, 2) // 3 moments bought: 6 EVR
	require.Equal(t, "94", n.evr(t, tw.Address()))

	// What endLease sent before the crash: the refund of the 3 moments
	// left; the instance is gone, the token not yet burned.
	refund, err := lease.RefundTx(h.w.Address(), tw.Address(), ref, evernode.EVR(n.issuer.Address(), "6"))
	require.NoError(t, err)
	h.submit(h.w, refund)
	require.True(t, h.prov.vanish(token))
	require.Equal(t, "100", n.evr(t, tw.Address()))
	require.NoError(t, os.RemoveAll(h.dir))

	s := &supervisor{h: h, r: h.start(nil)}
	defer func() { require.NoError(t, ignoreStop(s.r.stop(t))) }()
	s.until(t, "the lease ended and its slot offered again", func() bool {
		ls, err := s.r.d.Leases()
		idle, err2 := s.r.d.Idle()
		offers, err3 := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		return err == nil && err2 == nil && err3 == nil && idle && len(ls) == 0 && len(offers) == 1 && offers[0].ID != token
	})
	for range 3 { // nothing else may arrive
		require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
	}
	require.Len(t, h.refunds(tw.Address(), ref), 1, "one refund")
	require.Equal(t, "100", n.evr(t, tw.Address()))
	owed, err := s.r.d.Owed()
	require.NoError(t, err)
	require.Empty(t, owed, "no second refund attempted (this host has no EVR left to pay it)")
}
