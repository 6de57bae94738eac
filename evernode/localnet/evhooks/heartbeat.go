package evhooks

import (
	"log/slog"
	"math/big"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// Heartbeat hook messages.
const (
	msgHeartbeat        = "Host heartbeat successful."
	msgHBTokenMissing   = "Registration token does not exist."
	msgBadVoteData      = "Evernode: Invalid vote data."
	msgVoteSkipped      = "VOTE_VALIDATION_ERR - Vote skipped, Invalid or vote closed candidate."
	msgVoteAccepted     = "Successfully accepted host heartbeat candidate vote.."
	msgRewardPoolUpdate = "Updated the reward pool."
)

// heartbeatHook emulates the parts of heartbeat.c hosts rely on.
type heartbeatHook struct {
	governor string
	log      *slog.Logger
}

func (b *heartbeatHook) Execute(h *localnet.HookContext) error {
	tx := h.Tx()
	if h.TxType() != "Payment" {
		return h.Accept(msgNotHandled)
	}
	if txFlags(tx)&partialPayment != 0 {
		return h.Reject(msgPartialPayment)
	}
	if h.Outgoing() {
		return h.Accept(msgNotHandled)
	}
	s := gstate{h: h, gov: b.governor}
	if err := applyTransition(h, s); err != nil {
		return h.Reject("Could not set state for moment base info.")
	}
	evb, ok := param(h, memo.ParamEventType)
	if !ok {
		return h.Accept(msgNotHandled)
	}
	amt, ok := parseAmount(tx["Amount"])
	if !ok {
		return h.Accept(msgNotHandled)
	}
	ev := memo.EventType(evb)
	if !amt.native {
		// EVR from the registry tops up the reward pool; the registry has
		// already added it to REWARD_INFO.
		if ev == memo.EventRewardPoolUpdate {
			return h.Accept(msgRewardPoolUpdate)
		}
		return h.Accept(msgNotHandled)
	}
	if ev != memo.EventHeartbeat && ev != memo.EventCandidateVote {
		return h.Accept(msgNotHandled)
	}
	sender, ok := txAccount(h)
	if !ok {
		return h.Reject("sfAccount field is missing.")
	}
	data, _ := param(h, memo.ParamEventData)
	if ev == memo.EventCandidateVote {
		return b.foundationVote(h, s, sender, data)
	}
	return b.heartbeat(h, s, sender, data)
}

// applyTransition applies a due MOMENT_TRANSIT_INFO, as the heartbeat hook
// does lazily on every transaction.
func applyTransition(h *localnet.HookContext, s gstate) error {
	m := s.moments()
	if m.Transit.TransitionIndex == 0 {
		return nil
	}
	n := m.At(unixNow(h), uint64(h.LedgerSeq()))
	if n.Base == m.Base {
		return nil
	}
	cleared := hook.MomentTransitInfo{}
	for _, e := range []StateEntry{
		{hook.SingletonKey(hook.SingletonMomentBaseInfo), n.Base.Encode()},
		{hook.ConfigKey(hook.ConfMomentSize), u16(n.Size)},
		{hook.ConfigKey(hook.ConfMomentTransitInfo), cleared.Encode()},
	} {
		if err := s.set(e.Key, e.Value); err != nil {
			return err
		}
	}
	return nil
}

func (b *heartbeatHook) heartbeat(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte) error {
	ha, ok := s.hostAddr(sender)
	if !ok {
		return h.Reject(msgNotRegistered)
	}
	if _, ok := s.hostToken(ha.RegistrationTokenID); !ok {
		return h.Reject(msgNotRegistered)
	}
	if !tokenOwnedBy(h, ha.RegistrationTokenID, sender) {
		return h.Reject(msgHBTokenMissing)
	}
	if len(data) != 0 && len(data) != hook.VoteParamSize {
		return h.Reject(msgBadVoteData)
	}
	m := s.moments()
	cur := curIdx(h, m)
	curMoment := m.Moment(cur)
	last := ha.LastHeartbeatIndex
	ha.LastHeartbeatIndex = cur
	accept, fund := false, false
	if last == 0 {
		accept, fund = true, true
	} else if curMoment > m.Moment(last) {
		accept = true
	}
	flags := ha.Flags // the flags before this heartbeat decide votes
	if accept {
		if err := b.momentBookkeeping(h, s, &ha, sender, curMoment); err != nil {
			return err
		}
	}
	if fund {
		registry, _ := s.address(hook.ConfRegistryAddr)
		if err := emitPay(h, registry, evernode.Drops(1), memo.EventFoundationFundReq, nil); err != nil {
			return h.Reject("Emitting txn failed")
		}
	}
	eligible := b.eligible(s, ha, unixNow(h))
	if accept && flags&1 != 0 && eligible {
		if err := countVoter(h, s, curMoment); err != nil {
			return err
		}
	}
	if len(data) == hook.VoteParamSize && flags&1 != 0 && eligible {
		// The vote writes HOST_ADDR itself (or, settling a candidate, not).
		return b.vote(h, s, sender, data, &ha)
	}
	msg := msgHeartbeat
	if err := s.set(hook.HostAddrKey(sender), ha.Encode()); err != nil {
		return h.Reject("Could not set state for heartbeat.")
	}
	b.log.Debug("evhooks: heartbeat", "host", sender.String(), "moment", curMoment, "message", msg)
	return h.Accept(msg)
}

// eligible is VALIDATE_GOVERNANCE_ELIGIBILITY's maturity check.
func (b *heartbeatHook) eligible(s gstate, ha hook.HostAddr, now uint64) bool {
	v, _ := s.get(hook.ConfigKey(hook.ConfGovernanceConfiguration))
	gc, _ := hook.DecodeGovernanceConfiguration(v)
	return now >= ha.RegistrationTimestamp && now-ha.RegistrationTimestamp >= uint64(gc.EligibilityPeriod)
}

// momentBookkeeping is the first-heartbeat-of-a-moment work: the reputed
// flag, REWARD_INFO moment counters and epoch, the max lease amount, and
// the host's reputation from the reputation hook's state. Rewards are not
// accrued.
func (b *heartbeatHook) momentBookkeeping(h *localnet.HookContext, s gstate, ha *hook.HostAddr, sender hook.AccountID, curMoment uint64) error {
	rc := s.rewardConfig()
	reputed := ha.Reputation >= rc.HostReputationThreshold
	if reputed {
		ha.Flags |= 1
	} else {
		ha.Flags &^= 1
	}
	ri := s.rewardInfo()
	ri.Size = 0
	quota := rc.FirstEpochRewardQuota
	if ri.Epoch > 1 {
		quota >>= min(uint32(ri.Epoch-1), 31)
	}
	if uint64(ri.SavedMoment) != curMoment {
		prev := uint32(0)
		if uint64(ri.SavedMoment) == curMoment-1 {
			prev = ri.CurMomentActiveHostCount
		}
		ri.SavedMoment = uint32(curMoment)
		ri.PrevMomentActiveHostCount = prev
		ri.CurMomentActiveHostCount = 0
		if reputed {
			ri.CurMomentActiveHostCount = 1
		}
	} else if reputed {
		ri.CurMomentActiveHostCount++
	}
	if xflRat(ri.EpochPool).Cmp(ratInt(uint64(quota))) < 0 {
		if ri.Epoch < rc.EpochCount {
			ri.EpochPool = ratXFL(new(big.Rat).Add(xflRat(ri.EpochPool), ratInt(uint64(rc.EpochRewardAmount))))
			ri.Epoch++
			quota /= 2
		} else {
			quota = 0
		}
	}
	hostCount := s.single(hook.SingletonHostCount)
	maxLease := hook.XFL(0)
	if hostCount > 0 {
		est := new(big.Rat).Quo(ratInt(uint64(quota)), ratInt(hostCount))
		maxLease = ratXFL(est.Mul(est, big.NewRat(11, 10)))
	}
	ri.HostMaxLeaseAmount = maxLease
	lease := xflRat(ha.LeaseAmount)
	if lease.Sign() == 0 || lease.Cmp(xflRat(maxLease)) > 0 || ha.MaxInstances < rc.HostMinInstanceCount {
		ha.Reputation = 0
	} else {
		ha.Reputation = 0
		if rep, ok := s.address(hook.ConfReputationAddr); ok {
			v, found, _ := h.ForeignState(rep, ns, hook.ReputationHostAddrKey(sender))
			if found && len(v) >= 40 {
				score, lastReset := le.Uint64(v[24:]), le.Uint64(v[32:])
				if curMoment-lastReset <= 2 {
					ha.Reputation = uint8(score * 255 / 100)
				}
			}
		}
	}
	if err := s.set(hook.SingletonKey(hook.SingletonRewardInfo), ri.Encode()); err != nil {
		return h.Reject("Could not set state for reward info.")
	}
	return nil
}
