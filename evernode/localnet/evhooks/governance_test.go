package evhooks_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// candidate reads a candidate entry from the governor.
func (e *env) candidate(id [32]byte) (hook.CandidateInfo, bool) {
	e.t.Helper()
	ci, ok, err := hook.CandidateByID(e.ctx, e.c, e.config(), id)
	require.NoError(e.t, err)
	return ci, ok
}

// TestGovernanceDudHostLifecycle drives a dud-host report through
// withdrawal, a second report, the foundation's deciding vote in piloted
// mode and the governor's status change, checking each hook answer, the
// candidate state and the EVR that moves.
func TestGovernanceDudHostLifecycle(t *testing.T) {
	e := newEnv(t)
	d := e.d
	require.NoError(t, d.FundEVR(e.ctx, d.Foundation, "10000"))
	e.commit()
	dud := e.wallet("1000")
	e.register(dud, false)
	cfg := e.config()
	f := d.Foundation
	dudID, _ := hook.ParseAccountID(dud.Address())
	cand := hook.DudHostCandidateID(dudID)
	assert.Equal(t, "1280", cfg.DudHostReportFee())

	report, err := hook.ReportDudHost(cfg, f.Address(), dud.Address())
	require.NoError(t, err)
	low := report
	low.Amount = cfg.EVR("1279")
	e.reject(f, low, "Proposal fee amount is less than the minimum fee.")
	xah := report
	xah.Amount = evernode.Drops(1)
	hash := e.submit(f, xah) // a native payment is not a report: not handled
	assert.Equal(t, "Transaction is not handled.", e.hookMessage(hash))

	before := e.evrBalance(f.Address())
	hash = e.submit(f, report)
	assert.Equal(t, "Successfully reported the dud host.", e.hookMessage(hash))
	ci, ok := e.candidate(cand)
	require.True(t, ok)
	assert.Equal(t, f.Address(), ci.Owner.String())
	assert.Equal(t, "dud_host", ci.ShortName)
	assert.Equal(t, "1280", ci.ProposalFee.String())
	assert.Equal(t, dud.Address(), ci.DudHost)
	assert.Equal(t, uint32(1), e.config().GovernanceInfo.LastCandidateIdx)
	e.reject(f, report, "This candidate is already proposed")

	// A young host may not report; a stranger may not withdraw.
	young := e.wallet("2000")
	e.register(young, false)
	r2, _ := hook.ReportDudHost(e.config(), young.Address(), dud.Address())
	e.reject(young, r2, "Evernode: Host is not eligible for proposing due to immaturity.")
	w, _ := hook.Withdraw(cfg, young.Address(), cand)
	e.reject(young, w, "Candidate proposal is not owned by this account.")
	w, _ = hook.Withdraw(cfg, f.Address(), [32]byte{4: 3, 31: 1})
	e.reject(f, w, "Error getting a candidate for the given id.")

	// Withdrawal: half the fee back, half into the reward pool.
	poolBefore := e.config().RewardInfo.EpochPool.String()
	w, _ = hook.Withdraw(cfg, f.Address(), cand)
	hash = e.submit(f, w)
	e.commit()
	assert.Equal(t, "Evernode: Dud host candidate status changed.", e.hookMessage(hash))
	_, ok = e.candidate(cand)
	assert.False(t, ok, "withdrawn candidate deleted")
	assert.Equal(t, sub(before, "640"), e.evrBalance(f.Address()))
	assert.NotEqual(t, poolBefore, e.config().RewardInfo.EpochPool.String())

	// Report again and vote it through: piloted mode, the foundation decides.
	e.submit(f, report)
	before = e.evrBalance(f.Address())
	v, err := hook.VoteDudHost(cfg, f.Address(), dud.Address(), hook.VoteSupport)
	require.NoError(t, err)
	hv, _ := hook.VoteDudHost(cfg, f.Address(), dud.Address(), hook.VoteSupport)
	hv.Account = young.Address()
	e.reject(young, hv, "Only foundation is allowed to vote in governance hook.")
	dudBefore := e.evrBalance(dud.Address())
	hash = e.submit(f, v)
	e.commit()
	e.commit()
	assert.Equal(t, "Successfully accepted foundation candidate vote.", e.hookMessage(hash))
	// Elected: the governor rebates the whole fee and has the registry
	// remove the host (evnDudHostRemove), which deletes the candidate,
	// refunds the host like a deregistration and burns its token.
	_, ok = e.candidate(cand)
	assert.False(t, ok, "candidate settled")
	_, err = hook.Host(e.ctx, e.c, e.config(), dud.Address())
	assert.ErrorIs(t, err, hook.ErrNotRegistered)
	_, found, err := hook.RegistrationToken(e.ctx, e.c, cfg, dud.Address())
	require.NoError(t, err)
	assert.False(t, found, "registration token burned")
	assert.Equal(t, add(before, "1280"), e.evrBalance(f.Address()), "elected: the whole fee back")
	assert.NotEqual(t, dudBefore, e.evrBalance(dud.Address()), "removed host refunded")

	// A reported host that deregisters itself takes its candidate along:
	// the registry sends evnRemoveLinkedCandidate, the governor settles it.
	r3, err := hook.ReportDudHost(cfg, f.Address(), young.Address())
	require.NoError(t, err)
	e.submit(f, r3)
	before = e.evrBalance(f.Address())
	yh, err := hook.Host(e.ctx, e.c, e.config(), young.Address())
	require.NoError(t, err)
	dr, err := hook.Deregister(cfg, young.Address(), yh.RegistrationTokenID, false)
	require.NoError(t, err)
	e.submit(young, dr)
	e.commit()
	yid, _ := hook.ParseAccountID(young.Address())
	_, ok = e.candidate(hook.DudHostCandidateID(yid))
	assert.False(t, ok, "linked candidate removed")
	assert.Equal(t, add(before, "1280"), e.evrBalance(f.Address()), "the reporter gets the fee back")

	// A vote on an unknown candidate is skipped, not rejected.
	v, _ = hook.FoundationVote(cfg, f.Address(), [32]byte{4: 1, 9: 9}, hook.VoteSupport)
	hash = e.submit(f, v)
	assert.Contains(t, e.hookMessage(hash), "VOTE_VALIDATION_ERR")
}

func TestGovernanceModeAndProposals(t *testing.T) {
	e := newEnv(t)
	d := e.d
	require.NoError(t, d.FundEVR(e.ctx, d.Foundation, "10000"))
	e.commit()
	cfg := e.config()
	f := d.Foundation

	m, _ := hook.ChangeGovernanceMode(cfg, f.Address(), hook.GovernanceCoPiloted)
	other := e.wallet("10")
	om := m
	om.Account = other.Address()
	e.reject(other, om, "Only foundation is allowed to change governance mode.")
	hash := e.submit(f, m)
	assert.Equal(t, "Successfully accepted governance mode change.", e.hookMessage(hash))
	assert.Equal(t, hook.GovernanceCoPiloted, e.config().GovernanceInfo.Mode)
	ci, ok := e.candidate(hook.PilotedModeCandidateID())
	require.True(t, ok)
	assert.Equal(t, "piloted_mode", ci.ShortName)
	m, _ = hook.ChangeGovernanceMode(cfg, f.Address(), hook.GovernancePiloted)
	e.reject(f, m, "Downgrading the governance mode is not allowed.")
	w, _ := hook.Withdraw(cfg, f.Address(), hook.PilotedModeCandidateID())
	e.reject(f, w, "Piloted mode candidate cannot be withdrawn.")

	// localnet has no HookDefinition entries: every proposal names hooks
	// that do not exist, as on a ledger without those hooks.
	var hashes [128]byte
	hashes[0] = 1
	p, _, err := hook.Propose(cfg, f.Address(), hashes, "v4")
	require.NoError(t, err)
	e.reject(f, p, "Provided hooks are not valid.")
	p.Amount = cfg.EVR("1")
	e.reject(f, p, "Proposal fee amount is less than the minimum fee.")
	if withWasm {
		proposeInstalledHooks(t, e)
	}
}

func add(a, b string) string { return ratOp(a, b, 1) }
func sub(a, b string) string { return ratOp(a, b, -1) }

func ratOp(a, b string, sign int) string {
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	if sign < 0 {
		y.Neg(y)
	}
	return x.Add(x, y).RatString()
}

// TestHostVotesInHeartbeats: a reputed, eligible host votes in its
// heartbeats; the heartbeat hook enforces one vote per candidate a moment
// in candidate order and one new-hook support a moment, tallies support,
// and counts the host in the voter base.
func TestHostVotesInHeartbeats(t *testing.T) {
	e := newEnv(t)
	d := e.d
	cfg := e.config()
	gc := cfg.GovernanceConfiguration
	gc.EligibilityPeriod = 0 // a fresh host may vote
	require.NoError(t, d.SetState(e.ctx, evhooks.StateEntry{Key: hook.ConfigKey(hook.ConfGovernanceConfiguration), Value: gc.Encode()}))
	require.NoError(t, d.FundEVR(e.ctx, d.Foundation, "10000"))
	e.commit()
	a, b, voter := e.wallet("1000"), e.wallet("1000"), e.wallet("1000")
	for _, w := range []*evernode.Wallet{a, b, voter} {
		e.register(w, false)
	}
	cfg = e.config()
	for _, w := range []*evernode.Wallet{a, b} {
		tx, err := hook.ReportDudHost(cfg, d.Foundation.Address(), w.Address())
		require.NoError(t, err)
		e.submit(d.Foundation, tx)
	}
	idOf := func(w *evernode.Wallet) [32]byte {
		x, _ := hook.ParseAccountID(w.Address())
		return hook.DudHostCandidateID(x)
	}
	// Two new-hook candidates (localnet cannot hold their hooks, so they
	// are planted), indexes 3 and 4.
	now := uint64(e.n.LedgerTime().Unix())
	f, _ := hook.ParseAccountID(d.Foundation.Address())
	var newHooks [2][32]byte
	for i := range newHooks {
		newHooks[i] = hook.NewHookCandidateID([128]byte{byte(i + 1)})
		c := hook.Candidate{Owner: f, Index: uint32(3 + i), ShortName: "v4", CreatedTimestamp: now, StatusChangeTimestamp: now}
		require.NoError(t, d.SetState(e.ctx, evhooks.StateEntry{Key: hook.CandidateIDKey(newHooks[i]), Value: c.Encode()}))
	}
	// The voter's reputation round: score 100, so it stays reputed.
	vid, _ := hook.ParseAccountID(voter.Address())
	moment := cfg.Moments().MomentAt(now, uint64(e.n.ValidatedLedger()))
	info := hook.ReputationInfo{Score: 100, LastResetMoment: moment}
	require.NoError(t, e.n.SetHook(d.Reputation.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		return h.SetState(hook.Namespace(), hook.ReputationHostAddrKey(vid), info.Encode())
	})))
	e.submit(voter, evernode.Payment{Destination: d.Reputation.Address(), Amount: evernode.Drops(1)})

	beat := func(v *hook.Vote) string {
		tx, err := hook.Heartbeat(e.config(), voter.Address(), v)
		require.NoError(t, err)
		return e.hookMessage(e.submit(voter, tx))
	}
	beatRejected := func(v *hook.Vote, want string) {
		tx, err := hook.Heartbeat(e.config(), voter.Address(), v)
		require.NoError(t, err)
		e.reject(voter, tx, want)
	}
	nextMoment := func() {
		e.n.AdvanceTime(testMoment * time.Second)
		e.commit()
	}
	beat(nil) // first heartbeat: the reputation comes from the round
	nextMoment()
	beat(nil) // reputed from now on
	support := func(id [32]byte) *hook.Vote { return &hook.Vote{Candidate: id, Value: hook.VoteSupport} }

	assert.Equal(t, "Successfully accepted host heartbeat candidate vote..", beat(support(idOf(b))))
	beatRejected(support(idOf(a)), "Voting for already voted candidate is not allowed.")
	beatRejected(support(idOf(b)), "Voting for already voted candidate is not allowed.")
	assert.Equal(t, "Successfully accepted host heartbeat candidate vote..", beat(support(newHooks[0])))
	beatRejected(support(newHooks[1]), "Only one support vote is allowed per moment.")
	assert.Equal(t, "Successfully accepted host heartbeat candidate vote..", beat(&hook.Vote{Candidate: newHooks[1], Value: hook.VoteReject}))
	assert.Contains(t, beat(support([32]byte{4: 3, 20: 1})), "VOTE_VALIDATION_ERR")

	ci, ok := e.candidate(idOf(b))
	require.True(t, ok)
	assert.Equal(t, uint32(1), ci.PositiveVoteCount)
	h, err := hook.Host(e.ctx, e.c, e.config(), voter.Address())
	require.NoError(t, err)
	assert.Equal(t, uint32(4), h.LastVoteCandidateIdx)
	// As the hook does, the reject vote on a new-hook candidate cleared the
	// support flag the earlier support vote set.
	assert.Equal(t, uint8(0), h.SupportVoteSent)

	// A new moment: the order restarts and the voter base counts the host.
	nextMoment()
	assert.Equal(t, "Successfully accepted host heartbeat candidate vote..", beat(support(idOf(a))))
	gi := e.config().GovernanceInfo
	assert.Equal(t, uint32(1), gi.VoteBaseCount)
	h, _ = hook.Host(e.ctx, e.c, e.config(), voter.Address())
	assert.Equal(t, uint32(1), h.LastVoteCandidateIdx)
}

// TestDeregisteredProposerPurgesItsCandidate: the registry tells the
// governor about a new-hook candidate a deregistering host leaves
// (evnRemoveOrphanCandidate), and the governor purges it, its fee going to
// the reward pool.
func TestDeregisteredProposerPurgesItsCandidate(t *testing.T) {
	e := newEnv(t)
	d := e.d
	host := e.wallet("1000")
	e.register(host, false)
	owner := hook.CandidateOwner{GovernorHookHash: [32]byte{1}, RegistryHookHash: [32]byte{2}}
	id := owner.CandidateID()
	hid, _ := hook.ParseAccountID(host.Address())
	fee, _ := hook.ParseXFL("5120")
	now := uint64(e.n.LedgerTime().Unix())
	c := hook.Candidate{Owner: hid, Index: 1, ShortName: "v4", CreatedTimestamp: now, ProposalFee: fee, StatusChangeTimestamp: now}
	require.NoError(t, d.SetState(e.ctx,
		evhooks.StateEntry{Key: hook.CandidateOwnerKey(hid), Value: owner.Encode()},
		evhooks.StateEntry{Key: hook.CandidateIDKey(id), Value: c.Encode()}))
	e.commit()
	pool := e.config().RewardInfo.EpochPool.String()

	cfg := e.config()
	ha, err := hook.Host(e.ctx, e.c, cfg, host.Address())
	require.NoError(t, err)
	dr, err := hook.Deregister(cfg, host.Address(), ha.RegistrationTokenID, false)
	require.NoError(t, err)
	e.submit(host, dr)
	e.commit()
	_, ok := e.candidate(id)
	assert.False(t, ok, "orphan candidate purged")
	_, ok, err = hook.CandidateByOwner(e.ctx, e.c, e.config(), host.Address())
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, add(pool, "5120"), e.config().RewardInfo.EpochPool.String(), "purged fee into the pool")

	// Only the registry may send these.
	lc, _ := memo.Params{Event: memo.EventRemoveLinkedCandidate, Data: append(id[:], 2)}.Encode()
	e.reject(host, evernode.Payment{Common: evernode.Common{HookParameters: lc}, Destination: d.GovernorAddress(), Amount: evernode.Drops(1)},
		"Error getting a candidate for the given id.")
}
