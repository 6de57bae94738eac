package hook_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks/evhookstest"
	"github.com/evernode-go/sdk/hook"
)

type flowEnv struct {
	t   *testing.T
	ctx context.Context
	n   *localnet.Net
	d   *evhooks.Deployment
	c   *evernode.Client
	cfg *hook.Config
}

// bothHooks runs fn against evhooks' Go emulation and against the real
// Evernode hooks (WebAssembly).
func bothHooks(t *testing.T, fn func(t *testing.T, real bool)) {
	t.Run("emulation", func(t *testing.T) { fn(t, false) })
	t.Run("real hooks", func(t *testing.T) { fn(t, true) })
}

func newFlowEnv(t *testing.T, real bool) *flowEnv {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	var wasm *evhooks.Wasm
	if real {
		wasm = evhookstest.Wasm(t)
	}
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	var d *evhooks.Deployment
	if real {
		d, err = evhooks.SetupWasm(ctx, n, &evhooks.Config{MomentSize: 60}, wasm)
	} else {
		d, err = evhooks.Setup(ctx, n, &evhooks.Config{MomentSize: 60})
	}
	require.NoError(t, err)
	c, err := evernode.Dial(ctx, d.Network(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	cfg, err := hook.LoadConfig(ctx, c, d.GovernorAddress())
	require.NoError(t, err)
	return &flowEnv{t: t, ctx: ctx, n: n, d: d, c: c, cfg: cfg}
}

// host makes a funded account, prepared with PrepareHostAccount and given
// evr EVR.
func (e *flowEnv) host(evr string) *evernode.Wallet {
	w, err := e.n.NewFundedWallet(e.ctx, 1_000_000_000)
	require.NoError(e.t, err)
	for {
		if _, err := e.c.AccountInfo(e.ctx, w.Address(), evernode.Validated); err == nil {
			break
		}
		require.NoError(e.t, e.c.WaitLedger(e.ctx, e.c.ValidatedLedger()+1))
	}
	txs, err := hook.PrepareHostAccount(e.ctx, e.c, w, e.cfg, "Host.Example", nil)
	require.NoError(e.t, err)
	require.Len(e.t, txs, 2, "AccountSet and TrustSet")
	_, err = e.c.SubmitAndWait(e.ctx, e.d.EVRIssuer, evernode.Payment{Common: evernode.Common{Account: e.d.EVRIssuer.Address()},
		Destination: w.Address(), Amount: e.d.EVR(evr)})
	require.NoError(e.t, err)
	return w
}

func (e *flowEnv) evr(addr string) string {
	lines, err := e.c.AccountLines(e.ctx, addr, e.cfg.EVRIssuerAddress)
	require.NoError(e.t, err)
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			return l.Balance
		}
	}
	return "none"
}

// mintLease mints an unoffered lease token (a base64 "evrlease…" URI).
func (e *flowEnv) mintLease(w *evernode.Wallet, tag string) {
	uri := []byte(base64.StdEncoding.EncodeToString([]byte("evrleaseLTV" + tag)))
	_, err := e.c.SubmitAndWait(e.ctx, w, evernode.URITokenMint{Common: evernode.Common{Account: w.Address(), Flags: evernode.TfBurnable}, URI: uri})
	require.NoError(e.t, err)
}

var flowReg = hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000, TotalInstances: 3,
	CPUModel: "cpu", CPUCount: 2, CPUMHz: 2400, Description: "flow host", Email: "host@example.org", LeaseAmount: "0.5"}

// TestHostFlowsOnLocalnet runs every host flow against the registry and
// heartbeat hooks: prepare, register (burning a leftover lease token),
// heartbeat (refused while a lease token is unoffered), transfer to another
// account, the transferee's registration and its deregistration.
func TestHostFlowsOnLocalnet(t *testing.T) { bothHooks(t, testHostFlows) }

func testHostFlows(t *testing.T, real bool) {
	e := newFlowEnv(t, real)
	ctx := e.ctx
	a := e.host("1000")
	st, err := hook.ReadAccountState(ctx, e.c, e.cfg, a.Address())
	require.NoError(t, err)
	require.Equal(t, "host.example", st.Domain)
	require.Equal(t, a.PublicKeyHex(), st.MessageKey)
	require.True(t, st.HasEVRTrustLine)
	again, err := hook.PrepareHostAccount(ctx, e.c, a, e.cfg, "host.example", nil)
	require.NoError(t, err)
	require.Empty(t, again, "a prepared account needs nothing")

	e.mintLease(a, "old")
	res, err := hook.RegisterHost(ctx, e.c, a, e.cfg, flowReg, nil)
	require.NoError(t, err)
	require.Len(t, res.Burned, 1)
	require.NotEmpty(t, res.Payment.Hash)
	require.True(t, res.Buy.Succeeded())
	require.False(t, res.Transferee)
	// The registry's offer is emitted into the ledger after the payment,
	// and the token is bought from the ledger after the offer on.
	require.GreaterOrEqual(t, res.Buy.LedgerIndex, res.Payment.LedgerIndex+2, "payment in %d, buy in %d", res.Payment.LedgerIndex, res.Buy.LedgerIndex)
	id, owned, err := hook.RegistrationToken(ctx, e.c, e.cfg, a.Address())
	require.NoError(t, err)
	require.True(t, owned)
	require.Equal(t, res.TokenID, id)
	require.Equal(t, "500", e.evr(a.Address()), "the 500 EVR fee, once")
	_, err = hook.RegisterHost(ctx, e.c, a, e.cfg, flowReg, nil)
	require.ErrorIs(t, err, hook.ErrRegistered)

	// Heartbeat: refused while a lease token is minted and not offered.
	e.mintLease(a, "new")
	_, err = hook.SendHeartbeat(ctx, e.c, a, e.cfg, nil, nil)
	require.ErrorIs(t, err, hook.ErrUnofferedLeases)
	objs, err := e.c.AccountObjects(ctx, a.Address(), "uri_token")
	require.NoError(t, err)
	for _, o := range objs {
		if o["Issuer"] == a.Address() {
			_, err := e.c.SubmitAndWait(ctx, a, evernode.URITokenBurn{Common: evernode.Common{Account: a.Address()}, URITokenID: o["index"].(string)})
			require.NoError(t, err)
		}
	}
	hb, err := hook.SendHeartbeat(ctx, e.c, a, e.cfg, nil, nil)
	require.NoError(t, err)
	require.True(t, hb.Succeeded())
	info, err := hook.Host(ctx, e.c, e.cfg, a.Address())
	require.NoError(t, err)
	require.NotZero(t, info.LastHeartbeatIndex)
	require.True(t, info.Active)

	// Transfer to another account, which then registers for NowInEVRs.
	b := e.host("10")
	_, err = hook.TransferHost(ctx, e.c, a, e.cfg, b.Address(), nil)
	require.NoError(t, err)
	node, err := e.c.LedgerEntry(ctx, upper(res.TokenID), evernode.Validated)
	require.NoError(t, err)
	require.Equal(t, e.cfg.RegistryAddress, node["Owner"], "the registry holds the token when TransferHost returns")
	ok, err := hook.IsRegistered(ctx, e.c, e.cfg, a.Address())
	require.NoError(t, err)
	require.False(t, ok)

	rb, err := hook.RegisterHost(ctx, e.c, b, e.cfg, flowReg, nil)
	require.NoError(t, err)
	require.True(t, rb.Transferee)
	require.Equal(t, res.TokenID, rb.TokenID, "the transferred token")
	require.Equal(t, "9.99999999", e.evr(b.Address()), "NowInEVRs paid")
	ok, err = hook.IsRegistered(ctx, e.c, e.cfg, b.Address())
	require.NoError(t, err)
	require.True(t, ok)

	// After a transfer the registry refuses to deregister until a newer
	// heartbeat.
	e.n.AdvanceTime(61 * time.Second)
	_, err = hook.SendHeartbeat(ctx, e.c, b, e.cfg, nil, nil)
	require.NoError(t, err)
	// Deregistration burns the token before DeregisterHost returns.
	_, err = hook.DeregisterHost(ctx, e.c, b, e.cfg, false, nil)
	require.NoError(t, err)
	_, err = e.c.LedgerEntry(ctx, upper(res.TokenID), evernode.Validated)
	require.ErrorIs(t, err, evernode.ErrNotFound)
	ok, err = hook.IsRegistered(ctx, e.c, e.cfg, b.Address())
	require.NoError(t, err)
	require.False(t, ok)
	_, err = hook.DeregisterHost(ctx, e.c, b, e.cfg, false, nil)
	require.ErrorIs(t, err, hook.ErrNotRegistered)
	_, err = hook.TransferHost(ctx, e.c, b, e.cfg, "", nil)
	require.ErrorIs(t, err, hook.ErrNotRegistered)
}

// TestRegisterHostCompletesPaidRegistration: a host that paid and stopped
// before buying its token (a crash) finishes with RegisterHost without
// paying again.
func TestRegisterHostCompletesPaidRegistration(t *testing.T) {
	bothHooks(t, testRegisterHostCompletesPaidRegistration)
}

func testRegisterHostCompletesPaidRegistration(t *testing.T, real bool) {
	e := newFlowEnv(t, real)
	w := e.host("1000")
	pay, err := hook.Register(e.cfg, w.Address(), flowReg, nil)
	require.NoError(t, err)
	_, err = e.c.SubmitAndWait(e.ctx, w, pay)
	require.NoError(t, err)
	require.Equal(t, "500", e.evr(w.Address()))

	res, err := hook.RegisterHost(e.ctx, e.c, w, e.cfg, flowReg, nil)
	require.NoError(t, err)
	require.Empty(t, res.Payment.Hash, "no second payment")
	require.True(t, res.Buy.Succeeded())
	require.Equal(t, "500", e.evr(w.Address()), "paid once")
	ok, err := hook.IsRegistered(e.ctx, e.c, e.cfg, w.Address())
	require.NoError(t, err)
	require.True(t, ok)

	// Nothing left to complete.
	_, _, done, err := hook.AcceptRegistrationToken(e.ctx, e.c, w, e.cfg, nil)
	require.NoError(t, err)
	require.False(t, done)
}

// TestHostFlowsValidate: bad input is refused before anything is signed.
func TestHostFlowsValidate(t *testing.T) {
	e := newFlowEnv(t, false)
	w, err := e.n.NewFundedWallet(e.ctx, 1_000_000_000)
	require.NoError(t, err)
	bad := flowReg
	bad.CountryCode = "sg"
	_, err = hook.RegisterHost(e.ctx, e.c, w, e.cfg, bad, nil)
	require.ErrorIs(t, err, hook.ErrInvalid)
	_, err = hook.PrepareHostAccount(e.ctx, e.c, w, e.cfg, "", nil)
	require.ErrorIs(t, err, hook.ErrInvalid)
	_, err = hook.RegisterHost(e.ctx, e.c, nil, e.cfg, flowReg, nil)
	require.ErrorIs(t, err, hook.ErrInvalid)
	_, err = hook.TransferHost(e.ctx, e.c, w, e.cfg, "not-an-address", nil)
	require.ErrorIs(t, err, hook.ErrInvalid)
}

func upper(id [32]byte) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 64)
	for i, x := range id {
		b[2*i], b[2*i+1] = digits[x>>4], digits[x&15]
	}
	return string(b)
}

// TestSendHeartbeatVoteSkipped: a vote the heartbeat hook skips
// (VOTE_VALIDATION_ERR, an unknown candidate) comes back as a *VoteError
// while the heartbeat itself counts.
//
// Under the real hooks the host is made reputed and mature by writing its
// HOST_ADDR (the REPUTED_ON_HEARTBEAT flag, a registration three months
// old) into the governor's state: earning that honestly takes reputation
// rounds on the reputation hook and three months of ledger time. The
// heartbeat hook's vote validation itself runs unchanged.
func TestSendHeartbeatVoteSkipped(t *testing.T) { bothHooks(t, testSendHeartbeatVoteSkipped) }

func testSendHeartbeatVoteSkipped(t *testing.T, real bool) {
	e := newFlowEnv(t, real)
	ctx := e.ctx
	w := e.host("1000")
	_, err := hook.RegisterHost(ctx, e.c, w, e.cfg, flowReg, nil)
	require.NoError(t, err)
	_, err = hook.SendHeartbeat(ctx, e.c, w, e.cfg, nil, nil)
	require.NoError(t, err)

	// Make the host reputed and old enough to vote.
	info, err := hook.Host(ctx, e.c, e.cfg, w.Address())
	require.NoError(t, err)
	ha := info.HostAddr
	ha.Flags |= 1
	ha.RegistrationTimestamp = 1
	id, err := hook.ParseAccountID(w.Address())
	require.NoError(t, err)
	require.NoError(t, e.d.SetState(ctx, evhooks.StateEntry{Key: hook.HostAddrKey(id), Value: ha.Encode()}))
	require.NoError(t, e.c.WaitLedger(ctx, e.c.ValidatedLedger()+2))

	res, err := hook.SendHeartbeat(ctx, e.c, w, e.cfg, &hook.Vote{Candidate: [32]byte{9}, Value: hook.VoteSupport}, nil)
	var ve *hook.VoteError
	require.ErrorAs(t, err, &ve)
	require.Contains(t, ve.Message, hook.VoteValidationErr)
	require.Nil(t, ve.Tx, "the heartbeat itself counted")
	require.True(t, res.Succeeded())
	require.Equal(t, res.Hash, ve.Hash)
}
