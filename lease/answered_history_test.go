package lease

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
)

// On a node whose history no longer reaches the host's answer, Answered
// cannot prove a request unanswered: it returns a *HistoryError, and
// HandleAcquire answers nothing (no second refund or success), where it
// used to find "not answered" and answer again.
func TestAnsweredShortHistory(t *testing.T) {
	const history = 1000
	e := newEnvHistory(t, evernode.Xahau, history)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	acq := e.rawAcquire(e.tenantW, testReq)
	ev := e.hostEvent(acq.Hash)
	first, err := e.host.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	require.NoError(t, err)

	// While the answer is readable it is found.
	got, ok, err := e.host.Answered(e.ctx, acq.Hash, ev.LedgerIndex)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, first.Hash, got.Hash)
	// An unanswered request is reported so, when the history covers it.
	_, ok, err = e.host.Answered(e.ctx, e.tenantW.Address()+"-not-a-request", ev.LedgerIndex)
	require.NoError(t, err)
	require.False(t, ok)

	// The node forgets the ledgers of the request and of its answer.
	for range history + 10 {
		e.net.Commit()
	}
	for _, since := range []uint32{ev.LedgerIndex, 0} {
		_, ok, err = e.host.Answered(e.ctx, acq.Hash, since)
		var he *HistoryError
		require.ErrorAs(t, err, &he, "since %d", since)
		require.True(t, errors.Is(err, evernode.ErrHistoryMissing))
		require.False(t, ok)
		require.Equal(t, acq.Hash, he.Ref)
	}
	// The host asked to handle the acquire again sends nothing.
	before, err := e.c.AccountInfo(e.ctx, e.hostW.Address(), evernode.Validated)
	require.NoError(t, err)
	_, err = e.host.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	var he *HistoryError
	require.ErrorAs(t, err, &he)
	created, _ := p.counts()
	require.Equal(t, 1, created, "provisioned again")
	e.net.Commit()
	after, err := e.c.AccountInfo(e.ctx, e.hostW.Address(), evernode.Validated)
	require.NoError(t, err)
	require.Equal(t, before.AccountData.Sequence, after.AccountData.Sequence, "the host sent a transaction")
	require.Equal(t, "98", e.evr(e.tenantW.Address()))
}
