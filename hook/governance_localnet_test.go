package hook_test

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

type govEnv struct {
	t   *testing.T
	ctx context.Context
	n   *localnet.Net
	d   *evhooks.Deployment
	c   *evernode.Client
}

func newGovEnv(t *testing.T) *govEnv { return newGovEnvWith(t, 20*time.Millisecond, 60) }

// newGovEnvWith closes ledgers every interval (the JS client, which
// submits with LastLedgerSequence 30 ledgers ahead, needs them slower) and
// has moments of momentSize seconds.
func newGovEnvWith(t *testing.T, interval time.Duration, momentSize uint16) *govEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: interval})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	d, err := evhooks.Setup(ctx, n, &evhooks.Config{MomentSize: momentSize})
	require.NoError(t, err)
	c, err := evernode.Dial(ctx, d.Network(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &govEnv{t: t, ctx: ctx, n: n, d: d, c: c}
}

func (e *govEnv) config() *hook.Config {
	e.t.Helper()
	cfg, err := hook.LoadConfig(e.ctx, e.c, e.d.GovernorAddress())
	require.NoError(e.t, err)
	return cfg
}

// waitLedgers closes n more ledgers, the first holding everything
// submitted so far, and waits until the client has seen them validated
// (emitted transactions apply in a later ledger on Xahau). Counting from
// the client's own validated index would race its view of the stream.
func (e *govEnv) waitLedgers(n uint32) {
	e.t.Helper()
	seq := e.n.Commit()
	for range n - 1 {
		seq = e.n.Commit()
	}
	require.NoError(e.t, e.c.WaitLedger(e.ctx, seq))
}

// register registers w with the registry and buys its registration
// token once the registry's emitted mint and offer are on the ledger.
func (e *govEnv) register(w *evernode.Wallet) {
	e.t.Helper()
	require.NoError(e.t, e.d.FundEVR(e.ctx, w, "1000"))
	cfg := e.config()
	reg := hook.Registration{CountryCode: "SG", CPUMicrosec: 800000, RAMMB: 4096, DiskMB: 40000,
		TotalInstances: 3, CPUModel: "cpu", CPUCount: 4, CPUMHz: 2400, Email: "dud@example.org", LeaseAmount: "0.5"}
	tx, err := hook.Register(cfg, w.Address(), reg, nil)
	require.NoError(e.t, err)
	res, err := e.c.SubmitAndWait(e.ctx, w, tx)
	require.NoError(e.t, err)
	registry, _ := hook.ParseAccountID(cfg.RegistryAddress)
	id := hook.RegistrationTokenID(registry, [32]byte(mustHexBytes(e.t, res.Hash)))
	idHex := strings.ToUpper(hex.EncodeToString(id[:]))
	for i := 0; ; i++ {
		if _, err := e.c.LedgerEntry(e.ctx, idHex, evernode.Validated); err == nil {
			break
		}
		require.Less(e.t, i, 20, "registration token never minted")
		e.waitLedgers(1)
	}
	_, err = e.c.SubmitAndWait(e.ctx, w, evernode.URITokenBuy{Common: evernode.Common{Account: w.Address()}, URITokenID: idHex, Amount: evernode.Drops(1)})
	require.NoError(e.t, err)
}

func mustHexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func answered(ans []hook.HookAnswer, msg string) bool {
	for _, a := range ans {
		if a.Accepted && a.Message == msg {
			return true
		}
	}
	return false
}

// TestGovernanceOnLocalnet runs the foundation's governance calls against
// the emulated hooks and reads the candidates back, while one event
// subscription sees every event they cause.
func TestGovernanceOnLocalnet(t *testing.T) {
	e := newGovEnv(t)
	d := e.d
	require.NoError(t, d.FundEVR(e.ctx, d.Foundation, "10000"))
	e.waitLedgers(1)
	dud, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(t, err)
	e.register(dud)
	cfg := e.config()
	sub, err := hook.SubscribeEvents(e.ctx, e.c, []string{d.GovernorAddress(), d.Heartbeat.Address(), d.Registry.Address()}, nil)
	require.NoError(t, err)
	defer sub.Close()

	f := d.Foundation.Address()
	g := &hook.Governance{Client: e.c, Config: cfg, Signer: d.Foundation, Account: f}
	before, err := hook.EVRBalance(e.ctx, e.c, cfg, f)
	require.NoError(t, err)
	assert.Equal(t, "10000", before)

	ans, err := g.ReportDudHost(e.ctx, dud.Address())
	require.NoError(t, err)
	assert.True(t, answered(ans, "Successfully reported the dud host."), "%+v", ans)
	ci, ok, err := hook.DudHostVoteInfo(e.ctx, e.c, cfg, dud.Address())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, dud.Address(), ci.DudHost)
	all, err := hook.Candidates(e.ctx, e.c, cfg)
	require.NoError(t, err)
	require.Len(t, all, 1)
	mine, err := hook.DudHostCandidatesByOwner(e.ctx, e.c, cfg, f)
	require.NoError(t, err)
	assert.Len(t, mine, 1)

	_, err = g.Withdraw(e.ctx, ci.ID)
	require.NoError(t, err)
	_, err = g.ReportDudHost(e.ctx, dud.Address())
	require.NoError(t, err)
	_, err = g.UpdateHostReputation(e.ctx, dud.Address(), 200)
	require.NoError(t, err)
	h, err := hook.Host(e.ctx, e.c, cfg, dud.Address())
	require.NoError(t, err)
	assert.Equal(t, uint8(200), h.Reputation)

	// The foundation's support elects the candidate (piloted mode); the
	// governor then has the registry remove the host.
	ans, err = g.VoteDudHost(e.ctx, dud.Address(), hook.VoteSupport)
	require.NoError(t, err)
	assert.True(t, answered(ans, "Successfully accepted foundation candidate vote."), "%+v", ans)
	for i := 0; ; i++ {
		_, err = hook.Host(e.ctx, e.c, cfg, dud.Address())
		if errors.Is(err, hook.ErrNotRegistered) || i == 20 {
			break
		}
		e.waitLedgers(1)
	}
	assert.ErrorIs(t, err, hook.ErrNotRegistered, "dud host removed")
	_, ok, err = hook.DudHostVoteInfo(e.ctx, e.c, cfg, dud.Address())
	require.NoError(t, err)
	assert.False(t, ok, "candidate settled")

	_, err = g.ChangeGovernanceMode(e.ctx, hook.GovernanceCoPiloted)
	require.NoError(t, err)
	_, ok, err = hook.PilotedModeVoteInfo(e.ctx, e.c, cfg)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = g.ChangeGovernanceMode(e.ctx, hook.GovernancePiloted)
	var rej *hook.RejectedError
	require.True(t, errors.As(err, &rej), "%v", err)
	assert.Equal(t, "Downgrading the governance mode is not allowed.", rej.Message)
	assert.Equal(t, d.GovernorAddress(), rej.Account)

	_, err = g.Vote(e.ctx, [32]byte{4: 1, 7: 7}, hook.VoteSupport)
	var ve *hook.VoteError
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Contains(t, ve.Message, hook.VoteValidationErr)

	_, _, err = g.Propose(e.ctx, [128]byte{1}, "v4")
	assert.ErrorIs(t, err, evernode.ErrNotFound, "no HookDefinition on localnet")

	youngW, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(t, err)
	e.register(youngW)
	young := &hook.Governance{Client: e.c, Config: cfg, Signer: youngW, Account: youngW.Address()}
	_, err = young.ReportDudHost(e.ctx, youngW.Address())
	require.True(t, errors.As(err, &rej), "%v", err)
	assert.Equal(t, "Evernode: Host is not eligible for proposing due to immaturity.", rej.Message)
	nobody, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(t, err)
	e.waitLedgers(1)
	stranger := &hook.Governance{Client: e.c, Config: cfg, Signer: nobody, Account: nobody.Address()}
	_, err = stranger.ReportDudHost(e.ctx, dud.Address())
	assert.ErrorIs(t, err, hook.ErrNotEligible)

	after, err := hook.EVRBalance(e.ctx, e.c, cfg, f)
	require.NoError(t, err)
	// Withdrawn: 640 of 1280 lost to the pool; elected: all 1280 back.
	assert.Equal(t, "9360", after)

	want := map[hook.EventName]bool{hook.EventDudHostReported: true, hook.EventCandidateWithdrawn: true,
		hook.EventFoundationVoted: true, hook.EventDudHostRemoved: true, hook.EventGovernanceModeChanged: true,
		hook.EventHostReputationUpdated: true}
	for len(want) > 0 {
		ev, err := sub.Next(e.ctx)
		require.NoError(t, err, "still waiting for %v", want)
		delete(want, ev.Name())
		switch ev := ev.(type) {
		case *hook.DudHostRemovedEvent:
			assert.Equal(t, dud.Address(), ev.Host)
			assert.Equal(t, d.Heartbeat.Address(), ev.Account)
		case *hook.HostReputationUpdatedEvent:
			assert.Equal(t, uint8(200), ev.Reputation)
		case *hook.GovernanceModeChangedEvent:
			assert.Equal(t, hook.GovernanceCoPiloted, ev.Mode)
		}
	}
}
