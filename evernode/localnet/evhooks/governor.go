package evhooks

import (
	"log/slog"
	"sync"

	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// governorHook initialises the governor state on evnInitialize from the
// initializer and applies SetState writes sent by the admin account. Every
// other transaction is accepted without action.
type governorHook struct {
	initializer, admin string
	momentSize         uint16
	acquireWindow      uint16
	regFee             uint64
	log                *slog.Logger

	mu      sync.Mutex
	pending []StateEntry
}

func (g *governorHook) queue(es []StateEntry) {
	g.mu.Lock()
	g.pending = es
	g.mu.Unlock()
}

func (g *governorHook) Execute(h *localnet.HookContext) error {
	if h.Outgoing() {
		return h.Accept("Transaction is not handled.")
	}
	sender, _ := h.Tx()["Account"].(string)
	ev, hasEv := param(h, memo.ParamEventType)
	if sender == g.admin && !hasEv {
		g.mu.Lock()
		pending := g.pending
		g.mu.Unlock()
		for _, e := range pending {
			if err := h.SetState(ns, e.Key, e.Value); err != nil {
				return h.Reject("evhooks: " + err.Error())
			}
		}
		return h.Accept("evhooks: state written")
	}
	if txFlags(h.Tx())&partialPayment != 0 && h.TxType() == "Payment" {
		return h.Reject(msgPartialPayment)
	}
	if hasEv && h.TxType() == "Payment" {
		if handled, err := g.governance(h, memo.EventType(ev)); handled {
			return err
		}
	}
	if !hasEv || memo.EventType(ev) != memo.EventInitialize {
		return h.Accept("Transaction is not handled.")
	}
	if sender != g.initializer {
		return h.Reject("Evernode: Only initializer is allowed to initialize states.")
	}
	data, _ := param(h, memo.ParamEventData)
	if len(data) != 100 {
		return h.Reject("Evernode: Invalid initialize data.")
	}
	s := gstate{h: h, gov: h.Account()}
	if err := g.initialize(h, s, data); err != nil {
		return h.Reject("Evernode: Could not initialize states: " + err.Error())
	}
	g.log.Debug("evhooks: governor initialized")
	return h.Accept("Assign/ Change configurations successfully.")
}

// initialize writes every configuration key and singleton with the
// governor's defaults (governor.c OP_INITIALIZE), moments based at the
// last ledger close.
func (g *governorHook) initialize(h *localnet.HookContext, s gstate, data []byte) error {
	if _, done := s.get(hook.SingletonKey(hook.SingletonGovernanceInfo)); done {
		return nil
	}
	now := unixNow(h)
	mbi := hook.MomentBaseInfo{BaseIndex: now, MomentType: hook.MomentTimestamp}
	rc := hook.RewardConfiguration{EpochCount: 10, FirstEpochRewardQuota: 5120, EpochRewardAmount: 5160960,
		AccumulatedRewardFrequency: 24, HostReputationThreshold: 200, HostMinInstanceCount: 3}
	ri := hook.RewardInfo{Epoch: 1, SavedMoment: 0, EpochPool: ratXFL(ratInt(5160960))}
	transit := hook.MomentTransitInfo{MomentSize: g.momentSize, MomentType: hook.MomentTimestamp}
	gc := hook.GovernanceConfiguration{EligibilityPeriod: 7884000, CandidateLifePeriod: 7884000,
		CandidateElectionPeriod: 432000, CandidateSupportAverage: 66}
	nc := hook.NetworkConfiguration{BusynessDetectPeriod: 604800, BusynessDetectAverage: 50}
	gi := hook.GovernanceInfo{Mode: hook.GovernancePiloted}
	fee := hook.TrxFeeBaseInfo{FeeBaseAvg: 10}
	entries := []StateEntry{
		{hook.ConfigKey(hook.ConfEVRIssuerAddr), data[0:20]},
		{hook.ConfigKey(hook.ConfFoundationAddr), data[20:40]},
		{hook.ConfigKey(hook.ConfRegistryAddr), data[40:60]},
		{hook.ConfigKey(hook.ConfHeartbeatAddr), data[60:80]},
		{hook.ConfigKey(hook.ConfReputationAddr), data[80:100]},
		{hook.ConfigKey(hook.ConfMomentSize), u16(g.momentSize)},
		{hook.ConfigKey(hook.ConfMintLimit), u64(72253440)},
		{hook.ConfigKey(hook.ConfFixedRegFee), u64(5)},
		{hook.ConfigKey(hook.ConfHostHeartbeatFreq), u16(1)},
		{hook.ConfigKey(hook.ConfLeaseAcquireWindow), u16(g.acquireWindow)},
		{hook.ConfigKey(hook.ConfRewardConfiguration), rc.Encode()},
		{hook.ConfigKey(hook.ConfMaxTolerableDowntime), u16(240)},
		{hook.ConfigKey(hook.ConfMomentTransitInfo), transit.Encode()},
		{hook.ConfigKey(hook.ConfMaxTrxEmissionFee), u64(1000)},
		{hook.ConfigKey(hook.ConfGovernanceConfiguration), gc.Encode()},
		{hook.ConfigKey(hook.ConfNetworkConfiguration), nc.Encode()},
		{hook.SingletonKey(hook.SingletonHostCount), u32(0)},
		{hook.SingletonKey(hook.SingletonMomentBaseInfo), mbi.Encode()},
		{hook.SingletonKey(hook.SingletonHostRegFee), u64(g.regFee)},
		{hook.SingletonKey(hook.SingletonTrxFeeBaseInfo), fee.Encode()},
		{hook.SingletonKey(hook.SingletonGovernanceInfo), gi.Encode()},
	}
	m := hook.Moments{Base: mbi, Size: g.momentSize}
	ri.SavedMoment = uint32(m.Moment(now))
	entries = append(entries, StateEntry{hook.SingletonKey(hook.SingletonRewardInfo), ri.Encode()})
	for _, e := range entries {
		if err := s.set(e.Key, e.Value); err != nil {
			return err
		}
	}
	return nil
}
