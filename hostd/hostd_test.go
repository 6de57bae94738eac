package hostd

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A tenant acquires, extends and terminates through the real tenant API;
// a second lease runs out; the slots come back each time.
func TestLifecycle(t *testing.T) {
	n := newTestNet(t, 60*time.Second)
	h := n.host(t, 2, "2")
	before := runtime.NumGoroutine()
	r := h.start(nil)
	n.waitFor(t, "2 offers", func() bool { return h.offers() == 2 })

	tw, tn := n.tenant(t, h.c, true)
	res, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	require.Equal(t, res.Token.ID, res.Instance.Name)
	require.Equal(t, []string{res.Token.ID}, h.prov.names())
	require.Equal(t, "98", n.evr(t, tw.Address()))

	ext, err := tn.Extend(n.ctx, res.Token.ID, 3, nil)
	require.NoError(t, err)
	require.Equal(t, "6", ext.Amount.Value)
	require.Equal(t, "92", n.evr(t, tw.Address()))
	ls, err := r.d.Leases()
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.Equal(t, Active, ls[0].State)
	require.Equal(t, ext.ExpiryMoment, r.d.expiryMoment(ls[0].Expiry))

	_, err = tn.Terminate(n.ctx, res.Token.ID)
	require.NoError(t, err)
	n.waitFor(t, "instance destroyed", func() bool { return len(h.prov.names()) == 0 })
	n.waitFor(t, "slot re-offered", func() bool { return h.offers() == 2 })

	// Expiry: a lease of one moment ends when its moment is over.
	res2, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	require.Equal(t, []string{res2.Token.ID}, h.prov.names())
	n.waitFor(t, "idle", func() bool { ok, _ := r.d.Idle(); return ok })
	h.clock.Advance(61 * time.Minute)
	n.waitFor(t, "instance expired", func() bool { return len(h.prov.names()) == 0 })
	n.waitFor(t, "slot re-offered", func() bool { return h.offers() == 2 })
	n.waitFor(t, "idle", func() bool { ok, _ := r.d.Idle(); return ok })
	require.NoError(t, ignoreStop(r.stop(t)))
	_, err = r.d.Leases()
	require.Error(t, err, "the database is closed")
	// No goroutine outlives Close.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left after Close")
}
