package evhooks_test

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
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
	hash = e.submit(f, v)
	e.commit()
	assert.Equal(t, "Successfully accepted foundation candidate vote.", e.hookMessage(hash))
	ci, ok = e.candidate(cand)
	require.True(t, ok)
	assert.Equal(t, hook.CandidateElected, ci.Status)
	assert.Equal(t, uint8(1), ci.CompleteAcknowledged)
	assert.Equal(t, add(before, "1280"), e.evrBalance(f.Address()), "elected: the whole fee back")

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
