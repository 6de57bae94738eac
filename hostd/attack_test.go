package hostd

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// A malicious tenant's tries against a serving daemon: overpaying an
// acquire (Xahau lets URITokenBuy pay more than the sale amount; the host
// would keep the excess), and a stranger terminating or extending someone
// else's lease. Each gets its one answer and loses nothing; the lease is
// untouched.
func TestMaliciousTenant(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	s := h.serve(t)

	// Overpay: 5 EVR for the 2 EVR offer.
	tw, _ := n.tenant(t, h.c, true)
	offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Len(t, offers, 1)
	key, err := memo.ParsePublicKey(h.w.PublicKeyHex())
	require.NoError(t, err)
	payload, err := memo.SealPayload(rand.Reader, &key, testReq, nil)
	require.NoError(t, err)
	buy, err := lease.AcquireTx(tw.Address(), offers[0], payload)
	require.NoError(t, err)
	buy.Amount = evernode.EVR(n.issuer.Address(), "5")
	acq := h.submit(tw, buy)
	require.Equal(t, "95", n.evr(t, tw.Address()), "the ledger took the 5")
	ans := h.oneAnswer(s, tw.Address(), acq.Hash)
	require.Equal(t, memo.EventAcquireError, ans.Type)
	require.Equal(t, "5", ans.Amount.Value)
	require.Equal(t, "100", n.evr(t, tw.Address()))
	require.Empty(t, h.prov.names())
	s.until(t, "re-offered", func() bool { return h.offers() == 1 })

	// A lease, then a stranger's terminate and extend of it.
	owner, tn := n.tenant(t, h.c, true)
	res, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	id := res.Token.ID
	stranger, _ := n.tenant(t, h.c, true)
	term, err := lease.TerminateTx(stranger.Address(), h.w.Address(), id)
	require.NoError(t, err)
	h.submit(stranger, term)
	ext, err := lease.ExtendTx(stranger.Address(), h.w.Address(), id, evernode.EVR(n.issuer.Address(), "2"))
	require.NoError(t, err)
	r := h.submit(stranger, ext)
	ans = h.oneAnswer(s, stranger.Address(), r.Hash)
	require.Equal(t, memo.EventExtendError, ans.Type)
	require.Equal(t, "100", n.evr(t, stranger.Address()))
	ls, err := s.r.d.Leases()
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.Equal(t, Active, ls[0].State, "a stranger ended the lease")
	require.Equal(t, owner.Address(), ls[0].Tenant)
	require.Len(t, h.prov.names(), 1)
}
