package hostd

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/lease"
)

// A refund that validates, inside its LastLedgerSequence, between the
// outbox's lookup of its hash (not found yet) and its reading of the
// validated ledger (now past LastLedgerSequence) is applied: the outbox must
// not take it for expired and pay the refund a second time.
func TestResolveRacingValidation(t *testing.T) {
	t.Parallel()
	n := newTestNet(t, time.Minute)
	h := n.host(t, 1, "2")
	tw, _ := n.tenant(t, h.c, true)
	// The host holds EVR to refund.
	n.issuerMu.Lock()
	require.NoError(t, n.net.TrustAndFund(n.ctx, h.w, n.issuer, "EVR", "10"))
	n.issuerMu.Unlock()
	d, err := New(h.c, h.w, h.prov, &h.cfg)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })

	ref := strings.Repeat("AB", 32)
	refund, err := lease.AcquireErrorTx(h.w.Address(), tw.Address(), ref, evernode.EVR(n.issuer.Address(), "2"), lease.ReasonInvalidAcquire)
	require.NoError(t, err)
	m, err := evernode.JSON(h.c.Network(), refund)
	require.NoError(t, err)
	// A margin no test machine takes to reach before resolve runs.
	lls := h.c.ValidatedLedger() + 100
	m["LastLedgerSequence"] = lls
	raw, err := h.c.Prepare(n.ctx, evernode.Raw(m))
	require.NoError(t, err)
	s, err := evernode.Sign(n.ctx, h.c.Network(), h.w, raw)
	require.NoError(t, err)
	it := &intent{ID: "acqerr/" + ref, Kind: kAcquireError, Ref: ref, Tenant: tw.Address(),
		Amount: toJSONAmount(evernode.EVR(n.issuer.Address(), "2")), Reason: lease.ReasonInvalidAcquire}
	require.NoError(t, d.db.Update(func(tx *bolt.Tx) error {
		if _, err := d.enqueue(tx, it); err != nil {
			return err
		}
		it.State, it.Blob, it.LastLedger, it.Hashes, it.Attempts = iSubmitted, hex.EncodeToString(s.Blob), lls, []string{s.HashHex()}, 1
		return putIntent(tx, it)
	}))

	// The blob reaches the ledger right after the lookup missed it, and
	// the validated ledger moves past its LastLedgerSequence.
	raced := false
	d.afterLookup = func(*intent) {
		if raced {
			return
		}
		raced = true
		_, err := h.c.Submit(n.ctx, s.Blob)
		require.NoError(t, err)
		require.NoError(t, h.c.WaitLedger(n.ctx, lls+1))
	}
	for range 3 {
		_, err := d.resolve(n.ctx, it)
		require.NoError(t, err)
		require.NotEqual(t, iPending, it.State, "an applied refund queued to be signed again")
		if it.State == iDone {
			break
		}
	}
	require.True(t, raced)
	require.Equal(t, iDone, it.State)
	require.Equal(t, "102", n.evr(t, tw.Address()), "refunded once")
	require.Len(t, h.answers(tw.Address(), ref), 1)
}
