package hostd

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// Ledger connections dropped again and again while tenants acquire and
// extend: every request still gets exactly one answer.
func TestDroppedConnections(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 3, "2")
	s := h.serve(t)
	type tenant struct {
		w   *evernode.Wallet
		ref string
	}
	var ts []tenant
	for range 3 {
		w, _ := n.tenant(t, h.c, true)
		ts = append(ts, tenant{w: w})
	}

	ctx, cancel := context.WithCancel(n.ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			n.net.DropConnections()
			select {
			case <-ctx.Done():
			case <-time.After(150 * time.Millisecond):
			}
		}
	})
	offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
	for err != nil {
		offers, err = lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
	}
	key, err := memo.ParsePublicKey(h.w.PublicKeyHex())
	require.NoError(t, err)
	for i := range ts {
		payload, err := memo.SealPayload(nil, &key, testReq, nil)
		require.NoError(t, err)
		tx, err := lease.AcquireTx(ts[i].w.Address(), offers[i], payload)
		require.NoError(t, err)
		ts[i].ref = h.submitBlob(ts[i].w, tx).Hash
	}
	var exts []string
	for i := range ts {
		var ans []lease.Event
		s.until(t, "acquire answered", func() bool { ans = h.answers(ts[i].w.Address(), ts[i].ref); return len(ans) > 0 })
		require.Equal(t, memo.EventAcquireSuccess, ans[0].Type)
		ext, err := lease.ExtendTx(ts[i].w.Address(), h.w.Address(), offers[i].ID, evernode.EVR(n.issuer.Address(), "2"))
		require.NoError(t, err)
		exts = append(exts, h.submitBlob(ts[i].w, ext).Hash)
	}
	for i := range ts {
		var ans []lease.Event
		s.until(t, "extend answered", func() bool { ans = h.answers(ts[i].w.Address(), exts[i]); return len(ans) > 0 })
		require.Equal(t, memo.EventExtendSuccess, ans[0].Type)
	}
	cancel()
	wg.Wait()
	s.until(t, "idle", func() bool { ok, err := s.r.d.Idle(); return err == nil && ok })
	for range 3 {
		require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
	}
	for i := range ts {
		require.Len(t, h.answers(ts[i].w.Address(), ts[i].ref), 1)
		require.Len(t, h.answers(ts[i].w.Address(), exts[i]), 1)
		require.Equal(t, "96", n.evr(t, ts[i].w.Address()))
	}
	require.Len(t, h.prov.names(), 3)
}

// A provisioner that fails, then one that hangs past the acquire window:
// both acquires are refunded, and the next tenant is served.
func TestProvisionerFailsOrHangs(t *testing.T) {
	n := newTestNet(t, time.Minute)
	h := n.host(t, 1, "2")
	h.cfg.AcquireWindow = 2 * time.Second
	s := h.serve(t)

	h.prov.mu.Lock()
	h.prov.failNext = 1
	h.prov.mu.Unlock()
	tw, _ := n.tenant(t, h.c, true)
	acq := h.rawAcquire(tw, testReq)
	require.Equal(t, memo.EventAcquireError, h.oneAnswer(s, tw.Address(), acq.Hash).Type)
	require.Equal(t, "100", n.evr(t, tw.Address()))
	s.until(t, "re-offered", func() bool { return h.offers() == 1 })

	h.prov.mu.Lock()
	h.prov.hang = true
	h.prov.mu.Unlock()
	acq = h.rawAcquire(tw, testReq)
	ans := h.oneAnswer(s, tw.Address(), acq.Hash)
	require.Equal(t, memo.EventAcquireError, ans.Type)
	require.Equal(t, lease.ReasonTimeout, ans.Reason)
	require.Equal(t, "100", n.evr(t, tw.Address()))
	require.Empty(t, h.prov.names())
	s.until(t, "re-offered", func() bool { return h.offers() == 1 })

	h.prov.mu.Lock()
	h.prov.hang = false
	h.prov.mu.Unlock()
	acq = h.rawAcquire(tw, testReq)
	require.Equal(t, memo.EventAcquireSuccess, h.oneAnswer(s, tw.Address(), acq.Hash).Type)
	require.Equal(t, "98", n.evr(t, tw.Address()))
}
