package hook

import (
	"context"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// EventName is the name evernode-js-client gives an Evernode event
// (EvernodeEvents), e.g. "HostRegistered".
type EventName string

// Names of the registry, heartbeat and governor events. Lease events
// (AcquireLease, ExtendSuccess, …) are package lease's.
const (
	EventHostRegistered                EventName = "HostRegistered"
	EventHostDeregistered              EventName = "HostDeregistered"
	EventHostRegUpdated                EventName = "HostRegUpdated"
	EventDeadHostPrune                 EventName = "DeadHostPrune"
	EventHostRebate                    EventName = "HostRebate"
	EventHostTransfer                  EventName = "HostTransfer"
	EventHostReputationUpdated         EventName = "HostReputationUpdated"
	EventDudHostReported               EventName = "DudHostReported"
	EventDudHostRemoved                EventName = "DudHostRemoved"
	EventDudHostStatusChanged          EventName = "DudHostStatusChanged"
	EventLinkedDudHostCandidateRemoved EventName = "LinkedDudHostCandidateRemoved"
	EventHeartbeat                     EventName = "Heartbeat"
	EventFoundationVoted               EventName = "FoundationVoted"
	EventCandidateProposed             EventName = "CandidateProposed"
	EventCandidateWithdrawn            EventName = "CandidateWithdrawn"
	EventFallbackToPiloted             EventName = "FallbackToPiloted"
	EventNewHookStatusChanged          EventName = "NewHookStatusChanged"
	EventGovernanceModeChanged         EventName = "GovernanceModeChanged"
	EventChildHookUpdated              EventName = "ChildHookUpdated"
	EventInitialized                   EventName = "Initialized"
)

// Event is one decoded registry, heartbeat or governor event. The concrete
// types are *HostRegisteredEvent, *HeartbeatEvent and the other *…Event
// types of this file; switch on the type or on Name.
type Event interface {
	// Name is the JS client's event name.
	Name() EventName
	// Tx identifies the transaction that carried the event.
	Tx() EventTx
}

// EventTx identifies the transaction behind an event. Every event type
// embeds it.
type EventTx struct {
	// Hash and LedgerIndex identify the transaction.
	Hash        string
	LedgerIndex uint32
	// Account sent it; Destination is where it went (empty for an offer
	// without one).
	Account, Destination string
	// TransactionType is "Payment", "URITokenCreateSellOffer", …
	TransactionType string
}

// Tx returns t itself; it makes every embedding type an Event.
func (t EventTx) Tx() EventTx { return t }

// HostRegisteredEvent is an evnHostReg: Host paid to register.
type HostRegisteredEvent struct {
	EventTx
	Host string
}

// HostDeregisteredEvent is an evnHostDereg. Host is the host being deregistered:
// the sender, or the host named in the 53-byte data a reputation account
// sends. (evernode-js-client 0.6.61 always reports the sender: it compares
// the hex length of the data with the byte length 53.)
type HostDeregisteredEvent struct {
	EventTx
	Host string
}

// HostRegUpdatedEvent is an evnHostUpdateReg from Host.
type HostRegUpdatedEvent struct {
	EventTx
	Host string
}

// DeadHostPruneEvent is an evnDeadHostPrune naming Host (the registry hook
// ignores it).
type DeadHostPruneEvent struct {
	EventTx
	Host string
}

// HostRebateEvent is an evnHostRebate request from Host.
type HostRebateEvent struct {
	EventTx
	Host string
}

// HostTransferEvent is an evnTransfer: the sender offers its registration to
// Transferee.
type HostTransferEvent struct {
	EventTx
	Transferee string
}

// HostReputationUpdatedEvent is the foundation's evnHostUpdateReputation.
type HostReputationUpdatedEvent struct {
	EventTx
	Host       string
	Reputation uint8
}

// DudHostReportedEvent is an evnDudHostReport against Host.
type DudHostReportedEvent struct {
	EventTx
	CandidateID [32]byte
	Host        string
}

// DudHostRemovedEvent is an evnCandidateStatusChange electing a dud-host
// candidate: Host is to be removed.
type DudHostRemovedEvent struct {
	EventTx
	CandidateID [32]byte
	Host        string
}

// DudHostStatusChangedEvent is an evnCandidateStatusChange of a dud-host
// candidate to a status other than elected.
type DudHostStatusChangedEvent struct {
	EventTx
	CandidateID [32]byte
	Host        string
	Status      CandidateStatus
}

// LinkedDudHostCandidateRemovedEvent is an evnRemoveLinkedCandidate: the dud-host
// candidate against Host went with the host.
type LinkedDudHostCandidateRemovedEvent struct {
	EventTx
	CandidateID [32]byte
	Host        string
}

// HeartbeatEvent is an evnHeartbeat from Host, with its vote if it carried one.
type HeartbeatEvent struct {
	EventTx
	Host string
	Vote *Vote
}

// FoundationVotedEvent is the foundation's evnCandidateVote.
type FoundationVotedEvent struct {
	EventTx
	CandidateID [32]byte
	Vote        VoteValue
}

// CandidateProposedEvent is an evnCandidatePropose by Owner. CandidateID is the
// id the proposal carries (the JS client reports it empty: it reads past
// the first 256-byte data parameter).
type CandidateProposedEvent struct {
	EventTx
	Owner       string
	CandidateID [32]byte
}

// CandidateWithdrawnEvent is an evnCandidateWithdraw by Owner.
type CandidateWithdrawnEvent struct {
	EventTx
	Owner       string
	CandidateID [32]byte
}

// FallbackToPilotedEvent is an evnCandidateStatusChange of the piloted-mode
// candidate.
type FallbackToPilotedEvent struct {
	EventTx
	CandidateID [32]byte
	Status      CandidateStatus
}

// NewHookStatusChangedEvent is an evnCandidateStatusChange of a new-hook
// candidate.
type NewHookStatusChangedEvent struct {
	EventTx
	CandidateID [32]byte
	Status      CandidateStatus
}

// GovernanceModeChangedEvent is the foundation's evnGovernanceModeChange.
type GovernanceModeChangedEvent struct {
	EventTx
	Mode GovernanceMode
}

// ChildHookUpdatedEvent is an evnHookUpdateRes: Account (the registry, heartbeat
// or reputation hook account) applied the elected candidate.
type ChildHookUpdatedEvent struct {
	EventTx
	CandidateID [32]byte
}

// InitializedEvent is the governor's evnInitialize.
type InitializedEvent struct {
	EventTx
}

// Name implementations.
func (*HostRegisteredEvent) Name() EventName        { return EventHostRegistered }
func (*HostDeregisteredEvent) Name() EventName      { return EventHostDeregistered }
func (*HostRegUpdatedEvent) Name() EventName        { return EventHostRegUpdated }
func (*DeadHostPruneEvent) Name() EventName         { return EventDeadHostPrune }
func (*HostRebateEvent) Name() EventName            { return EventHostRebate }
func (*HostTransferEvent) Name() EventName          { return EventHostTransfer }
func (*HostReputationUpdatedEvent) Name() EventName { return EventHostReputationUpdated }
func (*DudHostReportedEvent) Name() EventName       { return EventDudHostReported }
func (*DudHostRemovedEvent) Name() EventName        { return EventDudHostRemoved }
func (*DudHostStatusChangedEvent) Name() EventName  { return EventDudHostStatusChanged }
func (*LinkedDudHostCandidateRemovedEvent) Name() EventName {
	return EventLinkedDudHostCandidateRemoved
}
func (*HeartbeatEvent) Name() EventName             { return EventHeartbeat }
func (*FoundationVotedEvent) Name() EventName       { return EventFoundationVoted }
func (*CandidateProposedEvent) Name() EventName     { return EventCandidateProposed }
func (*CandidateWithdrawnEvent) Name() EventName    { return EventCandidateWithdrawn }
func (*FallbackToPilotedEvent) Name() EventName     { return EventFallbackToPiloted }
func (*NewHookStatusChangedEvent) Name() EventName  { return EventNewHookStatusChanged }
func (*GovernanceModeChangedEvent) Name() EventName { return EventGovernanceModeChanged }
func (*ChildHookUpdatedEvent) Name() EventName      { return EventChildHookUpdated }
func (*InitializedEvent) Name() EventName           { return EventInitialized }

// Layout of the event data the decoders read.
const (
	proposeParamSize    = 316 // hashes 128 ‖ keylets 136 ‖ id 32 ‖ short name 20
	proposeIDOffset     = 264
	proposeNameOffset   = 296
	reputationParamSize = 21 // host 20 ‖ reputation 1
	statusParamSize     = 33 // candidate id 32 ‖ status 1
)

// ExtractEvent decodes the registry, heartbeat or governor event tx carries,
// under the JS client's extractEvernodeEvent rules: a Payment,
// URITokenBuy or URITokenCreateSellOffer whose event-type hook parameter
// names one of these events, with event data where the JS client requires
// it. Unlike the JS client it ignores (ok false, nil error) transactions
// that are not validated with tesSUCCESS: a rejected transaction changed
// nothing. Lease events are not decoded here (use lease.ExtractEvent); they
// and other transactions give ok false. An event whose data is too short
// for its layout gives ErrMalformed, where the JS client throws. It never
// panics.
func ExtractEvent(tx evernode.TxResult) (ev Event, ok bool, err error) {
	if !tx.Succeeded() {
		return nil, false, nil
	}
	switch tx.Type() {
	case "Payment", "URITokenBuy", "URITokenCreateSellOffer":
	default:
		return nil, false, nil
	}
	p, ok, err := memo.ParseParams(tx.HookParameters())
	if err != nil || !ok {
		return nil, false, err
	}
	base := EventTx{Hash: tx.Hash, LedgerIndex: tx.LedgerIndex, Account: tx.String("Account"),
		Destination: tx.String("Destination"), TransactionType: tx.Type()}
	ev, err = decodeEvent(base, p)
	if err != nil {
		return nil, false, fmt.Errorf("hook: %s event in %s: %w", p.Event, tx.Hash, err)
	}
	return ev, ev != nil, nil
}

// decodeEvent maps one event type and its data to a typed event; nil when
// the type is not one of these events or lacks data the JS client needs.
func decodeEvent(base EventTx, p memo.Params) (Event, error) {
	d := p.Data
	has := len(d) > 0
	switch p.Event {
	case memo.EventHostRebate:
		return &HostRebateEvent{base, base.Account}, nil
	case memo.EventHeartbeat:
		hb := &HeartbeatEvent{EventTx: base, Host: base.Account}
		if has {
			v, err := voteOf(d)
			if err != nil {
				return nil, err
			}
			hb.Vote = &v
		}
		return hb, nil
	}
	if !has {
		return nil, nil
	}
	switch p.Event {
	case memo.EventHostReg:
		return &HostRegisteredEvent{base, base.Account}, nil
	case memo.EventHostDereg:
		host := base.Account
		if len(d) == DeregisterFromRepSize {
			host = AccountID(d[:20]).String()
		}
		return &HostDeregisteredEvent{base, host}, nil
	case memo.EventHostUpdateReg:
		return &HostRegUpdatedEvent{base, base.Account}, nil
	case memo.EventInitialize:
		return &InitializedEvent{base}, nil
	case memo.EventDeadHostPrune:
		a, err := accountOf(d)
		if err != nil {
			return nil, err
		}
		return &DeadHostPruneEvent{base, a}, nil
	case memo.EventTransfer:
		a, err := accountOf(d)
		if err != nil {
			return nil, err
		}
		return &HostTransferEvent{base, a}, nil
	case memo.EventHostUpdateReputation:
		if len(d) < reputationParamSize {
			return nil, malformed("reputation data of %d bytes, want %d", len(d), reputationParamSize)
		}
		return &HostReputationUpdatedEvent{base, AccountID(d[:20]).String(), d[20]}, nil
	case memo.EventCandidatePropose:
		all := append(append([]byte(nil), d...), p.Data2...)
		if len(all) < proposeNameOffset {
			return nil, malformed("proposal data of %d bytes, want %d", len(all), proposeParamSize)
		}
		return &CandidateProposedEvent{base, base.Account, [32]byte(all[proposeIDOffset:proposeNameOffset])}, nil
	case memo.EventCandidateWithdraw:
		id, err := candidateOf(d)
		if err != nil {
			return nil, err
		}
		return &CandidateWithdrawnEvent{base, base.Account, id}, nil
	case memo.EventHookUpdateRes:
		id, err := candidateOf(d)
		if err != nil {
			return nil, err
		}
		return &ChildHookUpdatedEvent{base, id}, nil
	case memo.EventGovernanceModeChange:
		return &GovernanceModeChangedEvent{base, GovernanceMode(d[0])}, nil
	case memo.EventCandidateVote:
		v, err := voteOf(d)
		if err != nil {
			return nil, err
		}
		return &FoundationVotedEvent{base, v.Candidate, v.Value}, nil
	case memo.EventDudHostReport:
		id, err := candidateOf(d)
		if err != nil {
			return nil, err
		}
		return &DudHostReportedEvent{base, id, dudHost(id)}, nil
	case memo.EventRemoveLinkedCandidate:
		id, err := candidateOf(d)
		if err != nil {
			return nil, err
		}
		if CandidateTypeOf(id) != CandidateDudHost {
			return nil, nil
		}
		return &LinkedDudHostCandidateRemovedEvent{base, id, dudHost(id)}, nil
	case memo.EventCandidateStatusChange:
		if len(d) < statusParamSize {
			return nil, malformed("status change data of %d bytes, want %d", len(d), statusParamSize)
		}
		id, status := [32]byte(d[:32]), CandidateStatus(d[32])
		switch CandidateTypeOf(id) {
		case CandidateDudHost:
			if status == CandidateElected {
				return &DudHostRemovedEvent{base, id, dudHost(id)}, nil
			}
			return &DudHostStatusChangedEvent{base, id, dudHost(id), status}, nil
		case CandidatePilotedMode:
			return &FallbackToPilotedEvent{base, id, status}, nil
		case CandidateNewHook:
			return &NewHookStatusChangedEvent{base, id, status}, nil
		}
	}
	return nil, nil
}

func accountOf(d []byte) (string, error) {
	if len(d) != 20 {
		return "", malformed("account of %d bytes, want 20", len(d))
	}
	return AccountID(d).String(), nil
}

func candidateOf(d []byte) ([32]byte, error) {
	if len(d) < 32 {
		return [32]byte{}, malformed("candidate id of %d bytes, want 32", len(d))
	}
	return [32]byte(d[:32]), nil
}

func voteOf(d []byte) (Vote, error) {
	if len(d) < VoteParamSize {
		return Vote{}, malformed("vote data of %d bytes, want %d", len(d), VoteParamSize)
	}
	return Vote{Candidate: [32]byte(d[:32]), Value: VoteValue(d[32])}, nil
}

// dudHost is the host a dud-host candidate id names (bytes 12–31).
func dudHost(id [32]byte) string { return AccountID(id[12:]).String() }

// EventSubscription yields the Evernode events of a set of accounts, in
// ledger order, each once, across reconnections (evernode.TxSubscription
// underneath). Close it when done; it is safe for use by one goroutine.
type EventSubscription struct {
	sub *evernode.TxSubscription
}

// SubscribeEvents subscribes to the validated transactions of accounts (a
// host, the registry, the governor, …) and decodes their events. opts may
// be nil: events from the next validated ledger on.
func SubscribeEvents(ctx context.Context, c *evernode.Client, accounts []string, opts *evernode.SubscribeOptions) (*EventSubscription, error) {
	sub, err := c.SubscribeAccounts(ctx, accounts, opts)
	if err != nil {
		return nil, fmt.Errorf("hook: subscribe events: %w", err)
	}
	return &EventSubscription{sub: sub}, nil
}

// Next waits for the next registry, heartbeat or governor event. Other
// transactions, and events too malformed to decode, are skipped (the JS
// client drops them too). Errors are the subscription's: a
// *evernode.GapError, or evernode.ErrSubscriptionClosed once closed.
func (s *EventSubscription) Next(ctx context.Context) (Event, error) {
	for {
		_, ev, err := s.NextTx(ctx)
		if err != nil || ev != nil {
			return ev, err
		}
	}
}

// NextTx waits for the next transaction and returns it with its event, nil
// when it carries none. A caller that also handles lease events passes tx
// to lease.ExtractEvent: one subscription serves both.
func (s *EventSubscription) NextTx(ctx context.Context) (tx evernode.TxResult, ev Event, err error) {
	tx, err = s.sub.Next(ctx)
	if err != nil {
		return tx, nil, err
	}
	ev, _, _ = ExtractEvent(tx)
	return tx, ev, nil
}

// Close ends the subscription.
func (s *EventSubscription) Close() error { return s.sub.Close() }
