package lease

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// TestValidateBeforePaying: bad input to the tenant's calls is refused with
// ErrInvalid before anything is signed: the tenant's account sequence does
// not move and no EVR leaves it.
func TestValidateBeforePaying(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	seq := func() uint32 {
		info, err := e.c.AccountInfo(e.ctx, e.tenantW.Address(), evernode.Validated)
		require.NoError(t, err)
		return info.AccountData.Sequence
	}
	before, evrBefore := seq(), e.evr(e.tenantW.Address())
	host := e.hostW.Address()

	badReq := testReq
	badReq.Image = ""
	_, err = e.tenant.Acquire(e.ctx, host, badReq, nil)
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorIs(t, err, memo.ErrMalformed)
	badKey := testReq
	badKey.MessageKey = "ED00"
	_, err = e.tenant.Acquire(e.ctx, host, badKey, nil)
	require.ErrorIs(t, err, ErrInvalid)
	for _, id := range []string{"xyz", "00", toks[0].ID + "00"} {
		_, err = e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{OfferID: id})
		require.ErrorIs(t, err, ErrInvalid, id)
	}
	for _, p := range []string{"abc", "-1", "0", "1/2", "NaN"} {
		_, err = e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{MaxPrice: p})
		require.ErrorIs(t, err, ErrInvalid, p)
	}
	_, err = e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{MaxPrice: "1.99"})
	require.ErrorIs(t, err, ErrNoOffer, "the only offer costs 2")
	for _, id := range []string{"", "zz", toks[0].ID[:62]} {
		_, err = e.tenant.Extend(e.ctx, id, 1, nil)
		require.ErrorIs(t, err, ErrInvalid, id)
		_, err = e.tenant.Terminate(e.ctx, id)
		require.ErrorIs(t, err, ErrInvalid, id)
	}
	require.Equal(t, before, seq(), "nothing was signed")
	require.Equal(t, evrBefore, e.evr(e.tenantW.Address()))
}

// TestBuildersRefuseBadAmounts: a fractional, negative or unreadable
// amount never makes it into a transaction.
func TestBuildersRefuseBadAmounts(t *testing.T) {
	for _, a := range []evernode.Amount{
		{Value: "1.5"}, {Value: "-1"}, {Value: ""}, {Value: "1e3"}, {Value: "abc"},
		evernode.EVR("rI", "abc"), evernode.EVR("rI", "-2"), evernode.EVR("rI", "1/3"), evernode.EVR("", "1"),
		{Currency: "EVR", Value: "1"},
	} {
		_, err := RefundTx(ansHost, ansTenant, ansRef, a)
		require.ErrorIs(t, err, ErrInvalid, "%+v", a)
		_, err = AcquireErrorTx(ansHost, ansTenant, ansRef, a, "r")
		require.ErrorIs(t, err, ErrInvalid, "%+v", a)
		_, err = ExtendTx(ansTenant, ansHost, ansRef, a)
		require.ErrorIs(t, err, ErrInvalid, "%+v", a)
		_, err = AcquireTx(ansTenant, Token{ID: ansRef, Amount: a}, []byte("x"))
		require.ErrorIs(t, err, ErrInvalid, "%+v", a)
	}
	for _, a := range []evernode.Amount{evernode.Drops(1), evernode.EVR("rI", "0.3000000000000001"), evernode.EVR("rI", "1e-6")} {
		_, err := RefundTx(ansHost, ansTenant, ansRef, a)
		require.NoError(t, err, "%+v", a)
	}
}

// recordingChecker fails every host and counts the calls.
type recordingChecker struct{ calls atomic.Int32 }

func (r *recordingChecker) CheckHost(context.Context, hook.AccountID) error {
	r.calls.Add(1)
	return ErrHostInvalid
}

// TestBadHostRefusedBeforeAnyRead: a host address that does not parse is
// ErrInvalid where it enters the API, before anything is read (the client
// here is closed, so any read would fail with evernode.ErrClosed), checked
// or signed.
func TestBadHostRefusedBeforeAnyRead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := localnet.Start(ctx, nil)
	require.NoError(t, err)
	defer n.Close()
	c, err := evernode.Dial(ctx, n.Network(), nil)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	w, err := evernode.NewWallet(nil, evernode.Ed25519)
	require.NoError(t, err)
	checker := &recordingChecker{}
	tn, err := NewTenant(c, w, &TenantConfig{Hosts: checker})
	require.NoError(t, err)

	good := w.Address()
	for _, host := range []string{"", "xyz", "r\u00e4\u00e4\u00e4", good[:len(good)-1], good + "1", "x" + good[1:]} {
		_, err := tn.Acquire(ctx, host, testReq, nil)
		require.ErrorIs(t, err, ErrInvalid, "Acquire %q", host)
		require.NotErrorIs(t, err, evernode.ErrClosed, "Acquire %q read before refusing", host)
		_, err = tn.Offers(ctx, host)
		require.ErrorIs(t, err, ErrInvalid, "Offers %q", host)
		require.NotErrorIs(t, err, evernode.ErrClosed, "Offers %q read before refusing", host)
	}
	require.Zero(t, checker.calls.Load(), "no bad host reached the checker")
	// The control: a good address goes on to read, and meets the closed client.
	_, err = tn.Offers(ctx, good)
	require.ErrorIs(t, err, evernode.ErrClosed)
}
