package lease

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// A restarted host (or one replaying its event stream) that sees an
// extension again answers it once: no second credit, no second refund.
func TestHostExtendNeverAnswersTwice(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	acq := e.rawAcquire(e.tenantW, testReq)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(0))
	require.NoError(t, err)
	tokenID := e.hostEvent(acq.Hash).TokenID
	require.Equal(t, "98", e.evr(e.tenantW.Address()))

	var credits atomic.Int32
	extend := func(ctx context.Context, ev Event, tok Token, moments uint64) (uint32, error) {
		credits.Add(1)
		return 100 + uint32(moments), nil
	}
	h2, err := NewHost(e.c, e.hostW, &HostConfig{Hook: e.cfg})
	require.NoError(t, err)
	send := func(value string) Event {
		tx, err := ExtendTx(e.tenantW.Address(), e.hostW.Address(), tokenID, evernode.EVR(e.issuer.Address(), value))
		require.NoError(t, err)
		res, err := e.c.SubmitAndWait(e.ctx, e.tenantW, tx)
		require.NoError(t, err)
		return e.hostEvent(res.Hash)
	}

	// Granted: credited and confirmed once.
	ev := send("2")
	first, err := e.host.HandleExtend(e.ctx, ev, extend)
	require.NoError(t, err)
	again, err := h2.HandleExtend(e.ctx, ev, extend)
	require.NoError(t, err)
	require.Equal(t, first.Hash, again.Hash, "the answer on the ledger")
	require.Equal(t, int32(1), credits.Load(), "credited twice")
	answers := e.answersTo(e.tenantW.Address(), ev.Hash)
	require.Len(t, answers, 1)
	require.Equal(t, memo.EventExtendSuccess, answers[0].Type)
	require.Equal(t, "96", e.evr(e.tenantW.Address()))

	// Refused (less than a moment): refunded once.
	ev = send("1")
	_, err = e.host.HandleExtend(e.ctx, ev, extend)
	require.NoError(t, err)
	_, err = h2.HandleExtend(e.ctx, ev, extend)
	require.NoError(t, err)
	require.Len(t, e.answersTo(e.tenantW.Address(), ev.Hash), 1)
	require.Equal(t, "96", e.evr(e.tenantW.Address()), "refunded twice")
	require.Equal(t, int32(1), credits.Load())
}

// A host that "refunds" a refused acquire in XAH drops (or a look-alike
// EVR) of the same value must not look like a refund: AcquireError.Refund
// counts real EVR only, RefundAmount shows what arrived.
func TestAcquireErrorRefundCountsRealEVROnly(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	e.answerWith(t, func(ev Event) evernode.Payment {
		tx, err := AcquireErrorTx(e.hostW.Address(), ev.From, ev.Hash, evernode.Drops(2), ReasonInvalidAcquire)
		require.NoError(t, err)
		return tx
	})
	_, err = e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	var ae *AcquireError
	require.ErrorAs(t, err, &ae)
	require.Empty(t, ae.Refund, "2 drops of XAH reported as a 2 EVR refund")
	require.Equal(t, evernode.Drops(2), ae.RefundAmount)
	require.Equal(t, "98", e.evr(e.tenantW.Address()))
}
