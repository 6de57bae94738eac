package memo

// EventType is an Evernode event type name. It is the value of the event-type
// hook parameter and, for lease messages, the memo type. The hooks compare it
// byte for byte, length included.
type EventType string

// MaxEventTypeLen is the longest event type the hooks accept.
const MaxEventTypeLen = 40

// Lease events between tenants and hosts (no hook reads them).
const (
	EventAcquireLease   EventType = "evnAcquireLease"
	EventAcquireSuccess EventType = "evnAcquireSuccess"
	EventAcquireError   EventType = "evnAcquireError"
	EventExtendLease    EventType = "evnExtendLease"
	EventExtendSuccess  EventType = "evnExtendSuccess"
	EventExtendError    EventType = "evnExtendError"
	EventTerminateLease EventType = "evnTerminateLease"
	EventRefund         EventType = "evnRefund"

	// Second-memo references of the 0.5 protocol; defined but unused in 0.6.
	EventAcquireRef EventType = "evnAcquireRef"
	EventExtendRef  EventType = "evnExtendRef"
	EventRefundRef  EventType = "evnRefundRef"
)

// Registry hook events.
const (
	EventHostReg              EventType = "evnHostReg"
	EventHostUpdateReg        EventType = "evnHostUpdateReg"
	EventHostDereg            EventType = "evnHostDereg"
	EventTransfer             EventType = "evnTransfer"
	EventHostRebate           EventType = "evnHostRebate"
	EventDeadHostPrune        EventType = "evnDeadHostPrune"
	EventHostUpdateReputation EventType = "evnHostUpdateReputation"
	EventHookUpdate           EventType = "evnHookUpdate"
	EventDudHostRemove        EventType = "evnDudHostRemove"
	EventFoundationFundReq    EventType = "evnFoundationFundReq"
	EventHostRegistryRef      EventType = "evnHostRegistryRef" // 0.5 only
	EventHostPostDereg        EventType = "evnHostPostDereg"   // 0.5 only
)

// Heartbeat hook events.
const (
	EventHeartbeat     EventType = "evnHeartbeat"
	EventCandidateVote EventType = "evnCandidateVote"
)

// Governor hook events.
const (
	EventInitialize            EventType = "evnInitialize"
	EventCandidatePropose      EventType = "evnCandidatePropose"
	EventCandidateWithdraw     EventType = "evnCandidateWithdraw"
	EventDudHostReport         EventType = "evnDudHostReport"
	EventGovernanceModeChange  EventType = "evnGovernanceModeChange"
	EventCandidateStatusChange EventType = "evnCandidateStatusChange"
	EventRemoveLinkedCandidate EventType = "evnRemoveLinkedCandidate"
	EventRemoveOrphanCandidate EventType = "evnRemoveOrphanCandidate"
	EventHookUpdateRes         EventType = "evnHookUpdateRes"
	EventSetHook               EventType = "evnSetHook"
	EventRewardPoolUpdate      EventType = "evnRewardPoolUpdate"
	EventPendingRewardReq      EventType = "evnPendingRewardReq"
	EventHostRegFailRefund     EventType = "evnHostRegFailRefund"
	EventHostReward            EventType = "evnHostReward"
	EventHostDeregSelfRes      EventType = "evnHostDeregSelfRes"
	EventDeadHostPruneRes      EventType = "evnDeadHostPruneRes"
	EventDudHostRemoveRes      EventType = "evnDudHostRemoveRes"
)

// Reputation events.
const (
	EventHostSendReputation EventType = "evnHostSendReputation"
	EventRepConInfoUpdate   EventType = "evnRepConInfoUpdate"
)
