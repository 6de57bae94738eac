package evhooks

import (
	"math/big"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// Governor messages (governor.c ASSERT_FAILURE_MSG and PERMIT texts).
const (
	msgNoEventData        = "Error getting the event data param."
	msgImmature           = "Evernode: Host is not eligible for proposing due to immaturity."
	msgInactive           = "Evernode: Host is not eligible for proposing due to inactiveness."
	msgNoCandidate        = "Error getting a candidate for the given id."
	msgProposalNotEVR     = "Currency should be EVR for candidate proposal."
	msgProposalFeeLow     = "Proposal fee amount is less than the minimum fee."
	msgNoData2            = "Error getting the event data 2 param."
	msgHooksInvalid       = "Provided hooks are not valid."
	msgOwnerHasProposal   = "This owner has already created a proposal."
	msgCandidateMismatch  = "Generated candidate hash is not matched with provided."
	msgAlreadyProposed    = "This candidate is already proposed"
	msgProposed           = "Successfully accepted Hook candidate proposal."
	msgNotOwner           = "Candidate proposal is not owned by this account."
	msgAlreadyClosed      = "Trying to withdraw an already closed proposal."
	msgPilotedNoWithdraw  = "Piloted mode candidate cannot be withdrawn."
	msgBadWithdrawType    = "Withdrawing an an invalid candidate type."
	msgOnlyFoundationMode = "Only foundation is allowed to change governance mode."
	msgDowngrade          = "Downgrading the governance mode is not allowed."
	msgModeChanged        = "Successfully accepted governance mode change."
	msgDudReported        = "Successfully reported the dud host."
	msgStatusSender       = "Status change is only allowed from heartbeat account or the registry account (for orphan candidates)."
	msgBadCandidateType   = "Invalid candidate type."
	msgBadStatus          = "Invalid status sent with the hook_params."
	msgNewHookStatus      = "Evernode: New hook candidate status changed."
	msgDudHostStatus      = "Evernode: Dud host candidate status changed."
	msgPilotedStatus      = "Evernode: Piloted mode candidate status changed."
	msgOnlyFoundationVote = "Only foundation is allowed to vote in governance hook."
	msgFoundationVoted    = "Successfully accepted foundation candidate vote."
)

// Event types of the governor's answers (constants.h).
const (
	evCandidatePurgedRes memo.EventType = "evnCandidatePurgedRes"
	evCandidateAcceptRes memo.EventType = "evnCandidateAcceptRes"
	evCandidateRemoveRes memo.EventType = "evnCandidateRemoveRes"
	evHookUpdate         memo.EventType = "evnHookUpdate"
)

// Short names the governor gives the candidates it creates.
const (
	pilotedModeShortName = "piloted_mode"
	dudHostShortName     = "dud_host"
)

// votingCompleted is VOTING_COMPLETED: elected, purged or withdrawn.
func votingCompleted(s hook.CandidateStatus) bool { return s > hook.CandidateSupported }

// governance runs the governor's governance operations (governor.c):
// proposals, dud-host reports, withdrawals, mode changes and the status
// changes the heartbeat hook sends. handled is false for other events.
func (g *governorHook) governance(h *localnet.HookContext, ev memo.EventType) (handled bool, err error) {
	amt, ok := parseAmount(h.Tx()["Amount"])
	if !ok {
		return false, nil
	}
	switch {
	case amt.native && (ev == memo.EventCandidateWithdraw || ev == memo.EventGovernanceModeChange || ev == memo.EventCandidateStatusChange ||
		ev == evRemoveLinkedCandidate || ev == evRemoveOrphanCandidate):
	case !amt.native && (ev == memo.EventCandidatePropose || ev == memo.EventDudHostReport):
	default:
		return false, nil
	}
	data, _ := param(h, memo.ParamEventData)
	if len(data) == 0 {
		return true, h.Reject(msgNoEventData)
	}
	sender, ok := txAccount(h)
	if !ok {
		return true, h.Reject("sfAccount field is missing.")
	}
	op := govOp{g: g, h: h, s: gstate{h: h, gov: h.Account()}, sender: sender, data: data, amt: amt, now: unixNow(h)}
	op.load()
	switch ev {
	case memo.EventCandidatePropose:
		return true, op.propose()
	case memo.EventDudHostReport:
		return true, op.reportDudHost()
	case memo.EventCandidateWithdraw:
		return true, op.withdraw()
	case memo.EventGovernanceModeChange:
		return true, op.changeMode()
	case evRemoveLinkedCandidate:
		return true, op.removeLinked()
	case evRemoveOrphanCandidate:
		return true, op.removeOrphan()
	default:
		return true, op.statusChange(originHeartbeat)
	}
}

// govOp is one governance operation's view of the governor state.
type govOp struct {
	g      *governorHook
	h      *localnet.HookContext
	s      gstate
	sender hook.AccountID
	data   []byte
	amt    amount
	now    uint64

	foundation, heartbeat, registry, reputation, issuer string
	gi                                                  hook.GovernanceInfo
	gc                                                  hook.GovernanceConfiguration
	rc                                                  hook.RewardConfiguration
	ri                                                  hook.RewardInfo
	m                                                   hook.Moments
}

func (o *govOp) load() {
	o.foundation, _ = o.s.address(hook.ConfFoundationAddr)
	o.heartbeat, _ = o.s.address(hook.ConfHeartbeatAddr)
	o.registry, _ = o.s.address(hook.ConfRegistryAddr)
	o.reputation, _ = o.s.address(hook.ConfReputationAddr)
	o.issuer, _ = o.s.address(hook.ConfEVRIssuerAddr)
	v, _ := o.s.get(hook.SingletonKey(hook.SingletonGovernanceInfo))
	o.gi, _ = hook.DecodeGovernanceInfo(v)
	v, _ = o.s.get(hook.ConfigKey(hook.ConfGovernanceConfiguration))
	o.gc, _ = hook.DecodeGovernanceConfiguration(v)
	o.rc = o.s.rewardConfig()
	o.ri = o.s.rewardInfo()
	o.m = o.s.moments()
}

func (o *govOp) fromFoundation() bool { return o.sender.String() == o.foundation }

// quota is GET_EPOCH_REWARD_QUOTA (integer division, as the hook does).
func (o *govOp) quota() uint32 {
	q := o.rc.FirstEpochRewardQuota
	if o.ri.Epoch > 1 {
		q >>= min(uint32(o.ri.Epoch-1), 31)
	}
	return q
}

// eligible is the proposer checks for accounts other than the foundation:
// a registered host past the eligibility period and not prunable.
func (o *govOp) eligible() error {
	if o.fromFoundation() {
		return nil
	}
	ha, ok := o.s.hostAddr(o.sender)
	if !ok {
		return o.h.Reject(msgNotRegistered)
	}
	if o.now-ha.RegistrationTimestamp < uint64(o.gc.EligibilityPeriod) {
		return o.h.Reject(msgImmature)
	}
	last := ha.LastHeartbeatIndex
	if last == 0 {
		last = ha.RegistrationTimestamp
	}
	cur := curIdx(o.h, o.m)
	downtime := uint64(o.s.conf(hook.ConfMaxTolerableDowntime))
	if o.m.Size > 0 && int64(cur-last)/int64(o.m.Size) >= int64(downtime) {
		return o.h.Reject(msgInactive)
	}
	return nil
}

// fee checks a proposal or report fee: EVR of at least the epoch quota
// (a quarter of it for a dud-host report). It returns the fee paid.
func (o *govOp) fee(fraction *big.Rat) (hook.XFL, error) {
	if !o.amt.isEVR(o.issuer) {
		return 0, o.h.Reject(msgProposalNotEVR)
	}
	min := new(big.Rat).Mul(ratInt(uint64(o.quota())), fraction)
	if o.amt.value.Cmp(min) < 0 {
		return 0, o.h.Reject(msgProposalFeeLow)
	}
	return ratXFL(o.amt.value), nil
}

// newCandidate is the CANDIDATE_ID value of a fresh proposal or report.
func (o *govOp) newCandidate(name string, fee hook.XFL) hook.Candidate {
	return hook.Candidate{Owner: o.sender, Index: o.gi.LastCandidateIdx + 1, ShortName: name,
		CreatedTimestamp: o.now, ProposalFee: fee, Status: hook.CandidateRejected,
		StatusChangeTimestamp: o.now, FoundationVoteStatus: hook.CandidateRejected}
}

func (o *govOp) propose() error {
	if err := o.eligible(); err != nil {
		return err
	}
	fee, err := o.fee(big.NewRat(1, 1))
	if err != nil {
		return err
	}
	data2, ok := param(o.h, memo.ParamEventData2)
	all := append(append([]byte(nil), o.data...), data2...)
	if !ok || len(all) < hook.ProposeParamSize {
		return o.h.Reject(msgNoData2)
	}
	for i := range 4 {
		k := all[128+34*i : 128+34*i+34]
		if k[0] != 0 || k[1] != 'D' || o.h.Entry(hexID([32]byte(k[2:]))) == nil {
			return o.h.Reject(msgHooksInvalid)
		}
	}
	if _, exists := o.s.get(hook.CandidateOwnerKey(o.sender)); exists {
		return o.h.Reject(msgOwnerHasProposal)
	}
	id := hook.NewHookCandidateID([128]byte(all[:128]))
	if [32]byte(all[264:296]) != id {
		return o.h.Reject(msgCandidateMismatch)
	}
	if _, exists := o.s.get(hook.CandidateIDKey(id)); exists {
		return o.h.Reject(msgAlreadyProposed)
	}
	name := string(trimZero(all[296:316]))
	c := o.newCandidate(name, fee)
	owner := hook.CandidateOwner{}
	copy(owner.GovernorHookHash[:], all[0:32])
	copy(owner.RegistryHookHash[:], all[32:64])
	copy(owner.HeartbeatHookHash[:], all[64:96])
	copy(owner.ReputationHookHash[:], all[96:128])
	o.gi.LastCandidateIdx = c.Index
	if err := o.setAll(
		StateEntry{hook.CandidateOwnerKey(o.sender), owner.Encode()},
		StateEntry{hook.CandidateIDKey(id), c.Encode()},
		StateEntry{hook.SingletonKey(hook.SingletonGovernanceInfo), o.gi.Encode()}); err != nil {
		return err
	}
	return o.h.Accept(msgProposed)
}

func trimZero(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func (o *govOp) setAll(es ...StateEntry) error {
	for _, e := range es {
		if err := o.s.set(e.Key, e.Value); err != nil {
			return o.h.Reject("Could not set state for candidate.")
		}
	}
	return nil
}

func (o *govOp) reportDudHost() error {
	if err := o.eligible(); err != nil {
		return err
	}
	fee, err := o.fee(big.NewRat(1, 4))
	if err != nil {
		return err
	}
	if len(o.data) < 32 {
		return o.h.Reject(msgCandidateMismatch)
	}
	host := hook.AccountID(o.data[12:32])
	ha, ok := o.s.hostAddr(host)
	if !ok {
		return o.h.Reject(msgNotRegistered)
	}
	if _, ok := o.s.hostToken(ha.RegistrationTokenID); !ok {
		return o.h.Reject(msgNotRegistered)
	}
	id := hook.DudHostCandidateID(host)
	if [32]byte(o.data[:32]) != id {
		return o.h.Reject(msgCandidateMismatch)
	}
	if _, exists := o.s.get(hook.CandidateIDKey(id)); exists {
		return o.h.Reject(msgAlreadyProposed)
	}
	c := o.newCandidate(dudHostShortName, fee)
	// The hook writes only the low byte of the new index here
	// (governance_info[LAST_CANDIDATE_IDX_OFFSET] = candidate_idx).
	gi := o.gi.Encode()
	gi[1] = byte(c.Index)
	if err := o.setAll(
		StateEntry{hook.CandidateIDKey(id), c.Encode()},
		StateEntry{hook.SingletonKey(hook.SingletonGovernanceInfo), gi}); err != nil {
		return err
	}
	return o.h.Accept(msgDudReported)
}

// candidate reads the CANDIDATE_ID entry the event data names.
func (o *govOp) candidate() (hook.Candidate, [32]byte, bool) {
	var id [32]byte
	if len(o.data) < 32 {
		return hook.Candidate{}, id, false
	}
	id = [32]byte(o.data[:32])
	v, ok := o.s.get(hook.CandidateIDKey(id))
	if !ok {
		return hook.Candidate{}, id, false
	}
	c, err := hook.DecodeCandidate(v)
	return c, id, err == nil
}

func (o *govOp) withdraw() error {
	c, id, ok := o.candidate()
	if !ok {
		return o.h.Reject(msgNoCandidate)
	}
	if c.Owner != o.sender {
		return o.h.Reject(msgNotOwner)
	}
	if votingCompleted(c.Status) {
		return o.h.Reject(msgAlreadyClosed)
	}
	switch hook.CandidateTypeOf(id) {
	case hook.CandidatePilotedMode:
		return o.h.Reject(msgPilotedNoWithdraw)
	case hook.CandidateDudHost, hook.CandidateNewHook:
	default:
		return o.h.Reject(msgBadWithdrawType)
	}
	status := hook.CandidateWithdrawn
	if o.gi.ProposalElectedTimestamp > c.CreatedTimestamp || o.now-c.CreatedTimestamp > uint64(o.gc.CandidateLifePeriod) {
		status = hook.CandidatePurged
	}
	o.data = append(id[:], byte(status))
	return o.statusChange(originWithdraw)
}

func (o *govOp) changeMode() error {
	if !o.fromFoundation() {
		return o.h.Reject(msgOnlyFoundationMode)
	}
	mode := hook.GovernanceMode(o.data[0])
	if mode <= o.gi.Mode {
		return o.h.Reject(msgDowngrade)
	}
	var es []StateEntry
	switch mode {
	case hook.GovernancePiloted:
		o.gi.Mode = mode
	case hook.GovernanceCoPiloted, hook.GovernanceAutoPiloted:
		o.gi.Mode = mode
		f, _ := hook.ParseAccountID(o.foundation)
		c := hook.Candidate{Owner: f, ShortName: pilotedModeShortName, CreatedTimestamp: o.now,
			Status: hook.CandidateRejected, StatusChangeTimestamp: o.now, FoundationVoteStatus: hook.CandidateRejected}
		es = append(es, StateEntry{hook.CandidateIDKey(hook.PilotedModeCandidateID()), c.Encode()})
	}
	es = append(es, StateEntry{hook.SingletonKey(hook.SingletonGovernanceInfo), o.gi.Encode()})
	if err := o.setAll(es...); err != nil {
		return err
	}
	return o.h.Accept(msgModeChanged)
}

// statusOrigin is what led to a status change.
type statusOrigin int

const (
	originHeartbeat statusOrigin = iota // evnCandidateStatusChange from the heartbeat hook
	originWithdraw                      // the owner's evnCandidateWithdraw
	originLinked                        // the registry's evnRemoveLinkedCandidate
	originOrphan                        // the registry's evnRemoveOrphanCandidate
)

// statusChange applies a candidate's new status (data: id ‖ status), sent
// by the heartbeat hook, the registry or, withdrawing, the owner.
func (o *govOp) statusChange(origin statusOrigin) error {
	c, id, ok := o.candidate()
	if !ok {
		return o.h.Reject(msgNoCandidate)
	}
	switch origin {
	case originHeartbeat:
		if o.sender.String() != o.heartbeat {
			return o.h.Reject(msgStatusSender)
		}
	case originLinked, originOrphan:
		if o.sender.String() != o.registry {
			return o.h.Reject(msgStatusSender)
		}
	}
	typ := hook.CandidateTypeOf(id)
	if typ == 0 {
		return o.h.Reject(msgBadCandidateType)
	}
	if len(o.data) < 33 {
		return o.h.Reject(msgBadStatus)
	}
	status := hook.CandidateStatus(o.data[32])
	retry := c.CompleteAcknowledged != 0
	key := hook.CandidateIDKey(id)
	if !retry {
		c.CompleteAcknowledged = 1
		if err := o.s.set(key, c.Encode()); err != nil {
			return o.h.Reject("Could not set the candidate id state.")
		}
	}
	switch origin {
	case originOrphan:
		if typ != hook.CandidateNewHook || status != hook.CandidatePurged {
			return o.h.Reject(msgInvalidOrphan)
		}
		if votingCompleted(c.Status) {
			status = c.Status
		}
	case originHeartbeat:
		if c.Status != status {
			return o.h.Reject(msgBadStatus)
		}
	}
	switch {
	case typ == hook.CandidateNewHook || typ == hook.CandidateDudHost:
		return o.closeCandidate(c, id, typ, status, retry, origin)
	case typ == hook.CandidatePilotedMode && status == hook.CandidateElected:
		o.gi.Mode = hook.GovernancePiloted
		if err := o.setAll(StateEntry{hook.SingletonKey(hook.SingletonGovernanceInfo), o.gi.Encode()}); err != nil {
			return err
		}
		if err := o.s.del(key); err != nil {
			return o.h.Reject("Could not set state for piloted mode candidate.")
		}
		return o.h.Accept(msgPilotedStatus)
	}
	return o.h.Accept(msgNotHandled)
}

// closeCandidate settles a new-hook or dud-host candidate: purged or
// withdrawn ones are deleted, their fee (half of it when withdrawn) goes to
// the reward pool and the rest back to the owner; an elected dud host is
// sent to the registry for removal; an elected new hook triggers the hook
// updates.
func (o *govOp) closeCandidate(c hook.Candidate, id [32]byte, typ hook.CandidateType, status hook.CandidateStatus, retry bool, origin statusOrigin) error {
	fee := xflRat(c.ProposalFee)
	reward := new(big.Rat)
	switch status {
	case hook.CandidatePurged, hook.CandidateWithdrawn:
		if !retry {
			reward.Set(fee)
			if status == hook.CandidateWithdrawn {
				reward.Mul(fee, big.NewRat(1, 2))
			}
		}
		if err := o.s.del(hook.CandidateIDKey(id)); err != nil {
			return o.h.Reject("Could not delete the candidate id state.")
		}
		if typ == hook.CandidateNewHook {
			if err := o.s.del(hook.CandidateOwnerKey(c.Owner)); err != nil {
				return o.h.Reject("Could not delete the candidate owner state.")
			}
		}
	case hook.CandidateElected:
		if typ == hook.CandidateNewHook {
			for _, to := range []string{o.heartbeat, o.registry, o.reputation} {
				if err := emitPay(o.h, to, evernode.Drops(1), evHookUpdate, id[:]); err != nil {
					return o.h.Reject("Emitting hook update trigger failed.")
				}
			}
			o.gi.ElectedProposalUniqueID = id
			o.gi.ProposalElectedTimestamp = o.m.StartIndex(curIdx(o.h, o.m))
			if err := o.setAll(StateEntry{hook.SingletonKey(hook.SingletonGovernanceInfo), o.gi.Encode()}); err != nil {
				return err
			}
		} else if origin == originLinked {
			// The host is already gone: the candidate just goes.
			if err := o.s.del(hook.CandidateIDKey(id)); err != nil {
				return o.h.Reject("Could not delete the candidate id state.")
			}
		} else if err := emitPay(o.h, o.registry, evernode.Drops(1), memo.EventDudHostRemove, id[12:32]); err != nil {
			return o.h.Reject("Emitting registry dud host removal trigger failed.")
		}
	}
	if !retry {
		if reward.Sign() > 0 {
			o.ri.EpochPool = ratXFL(new(big.Rat).Add(xflRat(o.ri.EpochPool), reward))
			if err := o.s.set(hook.SingletonKey(hook.SingletonRewardInfo), o.ri.Encode()); err != nil {
				return o.h.Reject("Evernode: Could not set state for reward info.")
			}
			ref := txHash(o.h)
			if err := emitPay(o.h, o.heartbeat, evernode.EVR(o.issuer, xflText(reward)), memo.EventRewardPoolUpdate, ref[:]); err != nil {
				return o.h.Reject("EVR funding to heartbeat hook account failed.")
			}
		}
		if votingCompleted(status) {
			res := evCandidateRemoveRes
			switch status {
			case hook.CandidatePurged:
				res = evCandidatePurgedRes
			case hook.CandidateElected:
				res = evCandidateAcceptRes
			}
			rebate := new(big.Rat).Sub(fee, reward)
			amt := evernode.Drops(1)
			if rebate.Sign() > 0 {
				amt = evernode.EVR(o.issuer, xflText(rebate))
			}
			if err := emitPay(o.h, c.Owner.String(), amt, res, id[:]); err != nil {
				return o.h.Reject("EVR funding to candidate account failed.")
			}
		}
	}
	if typ == hook.CandidateNewHook {
		return o.h.Accept(msgNewHookStatus)
	}
	return o.h.Accept(msgDudHostStatus)
}

// xflText is a value as the hooks' XFL float would carry it.
func xflText(r *big.Rat) string { return ratXFL(r).String() }

// foundationVote is the heartbeat hook's evnCandidateVote from the
// foundation (heartbeat.c OP_VOTE).
func (b *heartbeatHook) foundationVote(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte) error {
	if len(data) == 0 {
		return h.Reject(msgNoEventData)
	}
	if f, _ := s.address(hook.ConfFoundationAddr); sender.String() != f {
		return h.Reject(msgOnlyFoundationVote)
	}
	if len(data) != hook.VoteParamSize {
		return h.Reject(msgBadVoteData)
	}
	return b.vote(h, s, sender, data, nil)
}

// Host vote messages (heartbeat.c).
const (
	msgVotedAlready   = "Voting for already voted candidate is not allowed."
	msgOneSupportVote = "Only one support vote is allowed per moment."
)

// vote is heartbeat.c's OP_VOTE, for the foundation (host nil) or for a
// reputed, eligible host voting in its heartbeat (host is its HOST_ADDR,
// already updated by the heartbeat). In piloted mode the foundation's vote
// decides (support elects, reject purges); otherwise votes are tallied
// once a moment against the previous moment's voter base. A decided
// candidate is sent to the governor as an evnCandidateStatusChange. A host
// may vote once per candidate a moment, in candidate order, and support
// one new-hook candidate a moment.
func (b *heartbeatHook) vote(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, host *hook.HostAddr) error {
	o := govOp{h: h, s: s, sender: sender, data: data, now: unixNow(h)}
	o.load()
	m, now := o.m, o.now
	curMoment := m.Moment(curIdx(h, m))
	id := [32]byte(data[:32])
	typ := hook.CandidateTypeOf(id)
	saveHost := func() error {
		if host == nil {
			return nil
		}
		if err := s.set(hook.HostAddrKey(sender), host.Encode()); err != nil {
			return h.Reject("Could not set state for heartbeat.")
		}
		return nil
	}
	v, ok := s.get(hook.CandidateIDKey(id))
	c, err := hook.DecodeCandidate(v)
	if !ok || err != nil || typ == 0 ||
		(m.Moment(c.ElectPurgeLastTryTimestamp) == m.Moment(now) && votingCompleted(c.Status)) {
		if err := saveHost(); err != nil {
			return err
		}
		return h.Accept(msgVoteSkipped)
	}
	vote := hook.CandidateStatus(data[32])
	gi, gc := o.gi, o.gc
	status := hook.CandidateRejected
	supported := c.PositiveVoteCount
	if !votingCompleted(c.Status) {
		curStatus, sct := c.Status, c.StatusChangeTimestamp
		if typ != hook.CandidatePilotedMode && (gi.ProposalElectedTimestamp > c.CreatedTimestamp || now-c.CreatedTimestamp > uint64(gc.CandidateLifePeriod)) {
			status = hook.CandidatePurged
		} else if lastVote := m.Moment(c.LastVoteTimestamp); curMoment > lastVote {
			election := m.StartIndex(now)
			if curMoment-1 > lastVote {
				supported = 0
				election = m.StartIndex(c.LastVoteTimestamp+2*uint64(m.Size)) + uint64(m.Size)
			}
			if gi.Mode == hook.GovernancePiloted {
				status = c.FoundationVoteStatus
			} else {
				base := gi.PrevMomentVoteBaseCount
				if gi.Mode == hook.GovernanceAutoPiloted {
					base++
					if c.FoundationVoteStatus == hook.CandidateSupported {
						supported++
					}
				}
				if base > 0 && uint64(supported)*100 > uint64(base)*uint64(gc.CandidateSupportAverage) {
					status = hook.CandidateSupported
				}
				if gi.Mode == hook.GovernanceCoPiloted && c.FoundationVoteStatus != hook.CandidateSupported {
					status = c.FoundationVoteStatus
				}
			}
			if status != curStatus {
				c.Status, curStatus = status, status
				c.StatusChangeTimestamp, sct = election, election
			}
			supported = 0
		}
		if status != hook.CandidatePurged && now-sct > uint64(gc.CandidateElectionPeriod) && curStatus == hook.CandidateSupported {
			status = hook.CandidateElected
		}
		if host == nil && gi.Mode == hook.GovernancePiloted {
			status = hook.CandidatePurged
			if vote == hook.CandidateSupported && c.CreatedTimestamp >= gi.ProposalElectedTimestamp {
				status = hook.CandidateElected
			}
		}
	} else {
		status = c.Status
	}
	decided := votingCompleted(status)
	if typ == hook.CandidatePilotedMode {
		decided = status == hook.CandidateElected
	}
	if decided {
		// As the hook: the candidate is settled and, for a host, its
		// HOST_ADDR changes of this heartbeat are not written.
		c.Status = status
		c.ElectPurgeLastTryTimestamp = now
		if err := emitPay(h, b.governor, evernode.Drops(1), memo.EventCandidateStatusChange, append(id[:], byte(status))); err != nil {
			return h.Reject("Emitting status change failed.")
		}
	} else if host == nil {
		gi.FoundationLastVotedCandidateIdx = c.Index
		gi.FoundationLastVotedTimestamp = now
		c.FoundationVoteStatus = vote
		c.PositiveVoteCount = supported
		c.LastVoteTimestamp = now
		if err := s.set(hook.SingletonKey(hook.SingletonGovernanceInfo), gi.Encode()); err != nil {
			return h.Reject("Could not set state for governance info.")
		}
	} else {
		votedMoment := m.Moment(host.LastVoteTimestamp)
		if curMoment != votedMoment {
			host.SupportVoteSent = 0
		}
		if curMoment == votedMoment && c.Index <= host.LastVoteCandidateIdx {
			return h.Reject(msgVotedAlready)
		}
		if typ == hook.CandidateNewHook {
			if curMoment == votedMoment && vote == hook.CandidateSupported && host.SupportVoteSent == 1 {
				return h.Reject(msgOneSupportVote)
			}
			host.SupportVoteSent = 0
			if vote == hook.CandidateSupported {
				host.SupportVoteSent = 1
			}
		}
		if vote == hook.CandidateSupported {
			supported++
		}
		c.PositiveVoteCount = supported
		c.LastVoteTimestamp = now
		host.LastVoteTimestamp = now
		host.LastVoteCandidateIdx = c.Index
		if err := saveHost(); err != nil {
			return err
		}
	}
	if err := s.set(hook.CandidateIDKey(id), c.Encode()); err != nil {
		return h.Reject("Could not set state for candidate.")
	}
	if host == nil {
		return h.Accept(msgFoundationVoted)
	}
	return h.Accept(msgVoteAccepted)
}

// countVoter is the heartbeat hook's voter base bookkeeping: the first
// heartbeat of a moment from a reputed, eligible host counts it, and a new
// moment moves the count to PrevMomentVoteBaseCount.
func countVoter(h *localnet.HookContext, s gstate, curMoment uint64) error {
	v, _ := s.get(hook.SingletonKey(hook.SingletonGovernanceInfo))
	gi, err := hook.DecodeGovernanceInfo(v)
	if err != nil {
		return nil
	}
	m := s.moments()
	if curMoment > m.Moment(gi.VoteBaseCountChangedTimestamp) {
		gi.PrevMomentVoteBaseCount = gi.VoteBaseCount
		gi.VoteBaseCount = 0
	}
	gi.VoteBaseCount++
	gi.VoteBaseCountChangedTimestamp = unixNow(h)
	if err := s.set(hook.SingletonKey(hook.SingletonGovernanceInfo), gi.Encode()); err != nil {
		return h.Reject("Could not set state governance_game info.")
	}
	return nil
}
