package hostd

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// oneAnswer waits for the host's answers to ref to settle and requires
// exactly one, returning it.
func (h *host) oneAnswer(s *supervisor, tenant, ref string) lease.Event {
	h.t.Helper()
	var ans []lease.Event
	s.until(h.t, "answer to "+ref, func() bool { ans = h.answers(tenant, ref); return len(ans) > 0 })
	for range 3 {
		require.NoError(h.t, h.c.WaitLedger(h.n.ctx, h.c.ValidatedLedger()+1))
	}
	ans = h.answers(tenant, ref)
	require.Len(h.t, ans, 1, "answers to %s", ref)
	return ans[0]
}

// Every kind of bad request is refused or refunded by the rule, and the
// daemon keeps serving the next tenant.
func TestBadInput(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, 2*time.Minute)
	h := n.host(t, 1, "2")
	s := h.serve(t)
	issuer := n.issuer.Address()

	t.Run("garbage memo", func(t *testing.T) {
		h.t = t
		tw, _ := n.tenant(t, h.c, true)
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		for _, payload := range [][]byte{[]byte("!!not base64!!"), []byte(base64.StdEncoding.EncodeToString([]byte{1, 2, 3, 4})),
			[]byte(base64.StdEncoding.EncodeToString(append([]byte{0}, "{not json"...)))} {
			tx, err := lease.AcquireTx(tw.Address(), offers[0], payload)
			require.NoError(t, err)
			acq := h.submit(tw, tx)
			ans := h.oneAnswer(s, tw.Address(), acq.Hash)
			require.Equal(t, memo.EventAcquireError, ans.Type)
			require.Equal(t, "2", ans.Amount.Value)
			s.until(t, "re-offered", func() bool { return h.offers() == 1 })
			offers, err = lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
			require.NoError(t, err)
		}
		require.Equal(t, "100", n.evr(t, tw.Address()))
		require.Empty(t, h.prov.names())
	})

	t.Run("no reply key", func(t *testing.T) {
		h.t = t
		tw, _ := n.tenant(t, h.c, false)
		acq := h.rawAcquire(tw, testReq)
		ans := h.oneAnswer(s, tw.Address(), acq.Hash)
		require.Equal(t, memo.EventAcquireError, ans.Type)
		require.Equal(t, "100", n.evr(t, tw.Address()))
		require.Empty(t, h.prov.names())
		s.until(t, "re-offered", func() bool { return h.offers() == 1 })
	})

	t.Run("invalid requirement", func(t *testing.T) {
		h.t = t
		tw, _ := n.tenant(t, h.c, true)
		req := testReq
		req.ContractID = "not-a-uuid"
		acq := h.rawAcquire(tw, req)
		require.Equal(t, memo.EventAcquireError, h.oneAnswer(s, tw.Address(), acq.Hash).Type)
		require.Equal(t, "100", n.evr(t, tw.Address()))
		s.until(t, "re-offered", func() bool { return h.offers() == 1 })
	})

	t.Run("wrong price", func(t *testing.T) {
		h.t = t
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		// The offer says 3 while the URI says 2 (a host mistake, or an
		// operator's): the tenant is refunded the 3 it paid.
		h.submit(h.w, evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: h.w.Address()},
			URITokenID: offers[0].ID, Amount: evernode.EVR(issuer, "3")})
		tw, _ := n.tenant(t, h.c, true)
		acq := h.rawAcquire(tw, testReq)
		ans := h.oneAnswer(s, tw.Address(), acq.Hash)
		require.Equal(t, memo.EventAcquireError, ans.Type)
		require.Equal(t, "3", ans.Amount.Value)
		require.Equal(t, "100", n.evr(t, tw.Address()))
		s.until(t, "re-offered at the price", func() bool {
			o, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
			return err == nil && len(o) == 1 && o[0].Amount.Value == "2"
		})
	})

	t.Run("token passed on before the answer", func(t *testing.T) {
		h.t = t
		tw, _ := n.tenant(t, h.c, true)
		accomplice := n.wallet(t)
		offers, err := lease.Offers(n.ctx, h.c, h.w.Address(), lease.URIToken)
		require.NoError(t, err)
		key, err := memo.ParsePublicKey(h.w.PublicKeyHex())
		require.NoError(t, err)
		payload, err := memo.SealPayload(nil, &key, testReq, nil)
		require.NoError(t, err)
		buy, err := lease.AcquireTx(tw.Address(), offers[0], payload)
		require.NoError(t, err)
		// All in one ledger: buy, offer to the accomplice, accomplice buys.
		n.net.PauseCloses()
		ref, err := n.net.Submit(n.ctx, tw, tw.Address(), buy)
		require.NoError(t, err)
		_, err = n.net.Submit(n.ctx, tw, tw.Address(), evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: tw.Address()},
			URITokenID: offers[0].ID, Amount: evernode.Drops(1), Destination: accomplice.Address()})
		require.NoError(t, err)
		_, err = n.net.Submit(n.ctx, accomplice, accomplice.Address(), evernode.URITokenBuy{Common: evernode.Common{Account: accomplice.Address()},
			URITokenID: offers[0].ID, Amount: evernode.Drops(1)})
		require.NoError(t, err)
		n.net.ResumeCloses()
		ans := h.oneAnswer(s, tw.Address(), ref)
		require.Equal(t, memo.EventAcquireError, ans.Type)
		require.Equal(t, "100", n.evr(t, tw.Address()))
		require.Empty(t, h.prov.names())
		s.until(t, "slot back", func() bool { return h.offers() == 1 })
		_, err = h.c.LedgerEntry(n.ctx, offers[0].ID, evernode.Validated)
		require.ErrorIs(t, err, evernode.ErrNotFound, "the accomplice kept the token")
	})

	// A lease for the extension tests.
	h.t = t
	tw, tn := n.tenant(t, h.c, true)
	res, err := tn.Acquire(n.ctx, h.w.Address(), testReq, nil)
	require.NoError(t, err)
	id := res.Token.ID
	require.Equal(t, "98", n.evr(t, tw.Address()))

	t.Run("look-alike EVR extend", func(t *testing.T) {
		h.t = t
		fake, err := n.net.SetupIssuer(n.ctx, "EVR")
		require.NoError(t, err)
		// The host trusts the look-alike, so the payment arrives.
		h.submit(h.w, evernode.TrustSet{Common: evernode.Common{Account: h.w.Address()}, LimitAmount: evernode.EVR(fake.Address(), "1000")})
		require.NoError(t, n.net.TrustAndFund(n.ctx, tw, fake, "EVR", "50"))
		ext, err := lease.ExtendTx(tw.Address(), h.w.Address(), id, evernode.EVR(fake.Address(), "10"))
		require.NoError(t, err)
		r := h.submit(tw, ext)
		for range 6 {
			require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
		}
		require.Empty(t, h.answers(tw.Address(), r.Hash), "a look-alike bought something")
		ls, err := s.r.d.Leases()
		require.NoError(t, err)
		require.Len(t, ls, 1)
	})

	t.Run("partial payment extend", func(t *testing.T) {
		h.t = t
		// A tenant with 1 EVR "pays" 4 as a partial payment for a lease
		// it does not hold: the refund is the 1 delivered, not the 4.
		poor := n.wallet(t)
		n.issuerMu.Lock()
		err := n.net.TrustAndFund(n.ctx, poor, n.issuer, "EVR", "1")
		n.issuerMu.Unlock()
		require.NoError(t, err)
		ext, err := lease.ExtendTx(poor.Address(), h.w.Address(), id, evernode.EVR(issuer, "4"))
		require.NoError(t, err)
		ext.Flags |= evernode.TfPartialPayment
		r := h.submit(poor, ext)
		ans := h.oneAnswer(s, poor.Address(), r.Hash)
		require.Equal(t, memo.EventExtendError, ans.Type)
		require.Equal(t, "1", ans.Amount.Value, "refund of what was delivered")
		require.Equal(t, "1", n.evr(t, poor.Address()))
	})

	t.Run("unknown token extend", func(t *testing.T) {
		h.t = t
		ext, err := lease.ExtendTx(tw.Address(), h.w.Address(), strings.Repeat("AB", 32), evernode.EVR(issuer, "2"))
		require.NoError(t, err)
		r := h.submit(tw, ext)
		require.Equal(t, memo.EventExtendError, h.oneAnswer(s, tw.Address(), r.Hash).Type)
		require.Equal(t, "98", n.evr(t, tw.Address()))
	})

	t.Run("XAH extend", func(t *testing.T) {
		h.t = t
		ext, err := lease.ExtendTx(tw.Address(), h.w.Address(), id, evernode.Drops(5000))
		require.NoError(t, err)
		r := h.submit(tw, ext)
		ans := h.oneAnswer(s, tw.Address(), r.Hash)
		require.Equal(t, memo.EventExtendError, ans.Type)
		require.Equal(t, "5000", ans.Amount.Value)
	})

	t.Run("extend that cannot be refunded", func(t *testing.T) {
		h.t = t
		poor, _ := n.tenant(t, h.c, true)
		// Pay everything for a token it does not lease, and drop the
		// trust line in the same ledger: the refund has nowhere to go.
		ext, err := lease.ExtendTx(poor.Address(), h.w.Address(), id, evernode.EVR(issuer, "100"))
		require.NoError(t, err)
		n.net.PauseCloses()
		ref, err := n.net.Submit(n.ctx, poor, poor.Address(), ext)
		require.NoError(t, err)
		_, err = n.net.Submit(n.ctx, poor, poor.Address(), evernode.TrustSet{Common: evernode.Common{Account: poor.Address()},
			LimitAmount: evernode.EVR(issuer, "0")})
		require.NoError(t, err)
		n.net.ResumeCloses()
		ans := h.oneAnswer(s, poor.Address(), ref)
		require.Equal(t, memo.EventExtendError, ans.Type)
		require.Equal(t, ReasonRefundFailed, ans.Reason)
		owed, err := s.r.d.Owed()
		require.NoError(t, err)
		require.Equal(t, "100", owed[ref].Value)
	})

	t.Run("acquire for another host", func(t *testing.T) {
		h.t = t
		other := n.host(t, 1, "2")
		o, err := lease.NewHost(other.c, other.w, &lease.HostConfig{Hook: n.cfg})
		require.NoError(t, err)
		_, err = o.Mint(n.ctx, 0, "2", nil)
		require.NoError(t, err)
		tw2, _ := n.tenant(t, h.c, true)
		acq := other.rawAcquire(tw2, testReq)
		for range 6 {
			require.NoError(t, h.c.WaitLedger(n.ctx, h.c.ValidatedLedger()+1))
		}
		require.Empty(t, h.answers(tw2.Address(), acq.Hash))
	})

	// Still serving: the lease extends.
	h.t = t
	ext, err := tn.Extend(n.ctx, id, 1, nil)
	require.NoError(t, err)
	require.Equal(t, "96", n.evr(t, tw.Address()))
	_ = ext
}
