package evhooks

import (
	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// pendingTransfer is HOST_ADDR's transfer flag while a transfer is
// pending.
const pendingTransfer = 1

// removeOp is why the registry removes a host (registry.c OP_HOST_REMOVE).
type removeOp int

const (
	removeDereg   removeOp = iota // evnHostDereg, by the host or its reputation account
	removeDudHost                 // evnDudHostRemove, from the governor
)

// Registry messages of the governance paths.
const (
	msgOnlyGovernorDud = "Only governor is allowed to send dud host remove request."
	msgUnelectedDud    = "Trying to remove un-elected dud host."
	msgDudRemoved      = "Defected Host remove successful."
	msgNotDudCandidate = "Provided candidate is not a dud host candidate."
	msgHostNotRemoved  = "This host's state entry is not removed or it has not been transferred correctly."
	msgInvalidOrphan   = "Invalid orphan candidate."
)

// Governor events the registry sends about candidates a removed host
// leaves behind (constants.h).
const (
	evRemoveOrphanCandidate = memo.EventRemoveOrphanCandidate
	evRemoveLinkedCandidate = memo.EventRemoveLinkedCandidate
)

func (op removeOp) answer() memo.EventType {
	if op == removeDudHost {
		return memo.EventDudHostRemoveRes
	}
	return memo.EventHostDeregSelfRes
}

func (op removeOp) message() string {
	if op == removeDudHost {
		return msgDudRemoved
	}
	return msgDeregistered
}

// dudHostRemove is the governor's evnDudHostRemove after a dud-host
// candidate was elected: the candidate goes and the host is removed as in
// a deregistration, answered with evnDudHostRemoveRes.
func (r *registryHook) dudHostRemove(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, _ amount) error {
	if len(data) < 20 {
		return h.Reject(msgNoEventData)
	}
	host := hook.AccountID(data[:20])
	ha, ok := s.hostAddr(host)
	if !ok {
		return h.Reject(msgNotRegistered)
	}
	if _, ok := s.hostToken(ha.RegistrationTokenID); !ok {
		return h.Reject(msgNotRegistered)
	}
	// A host with a pending transfer owns no token; any other must.
	if ha.TransferFlag != pendingTransfer && !tokenOwnedBy(h, ha.RegistrationTokenID, host) {
		return h.Reject(msgTokenMissing)
	}
	if sender.String() != r.governor {
		return h.Reject(msgOnlyGovernorDud)
	}
	key := hook.CandidateIDKey(hook.DudHostCandidateID(host))
	v, ok := s.get(key)
	if !ok {
		return h.Reject(msgNoCandidate)
	}
	c, err := hook.DecodeCandidate(v)
	if err != nil || c.Status != hook.CandidateElected {
		return h.Reject(msgUnelectedDud)
	}
	if err := s.del(key); err != nil {
		return h.Reject("Could not remove dud host candidate.")
	}
	return r.remove(h, s, host, ha, removeDudHost)
}

// cascade tells the governor about candidates a removed host leaves
// behind: on deregistration, the dud-host candidate against it
// (evnRemoveLinkedCandidate, id ‖ elected); otherwise the new-hook
// candidate it proposed (evnRemoveOrphanCandidate, id ‖ purged).
func (r *registryHook) cascade(h *localnet.HookContext, s gstate, host hook.AccountID, op removeOp) error {
	var data []byte
	var ev memo.EventType
	if op == removeDereg {
		id := hook.DudHostCandidateID(host)
		if _, ok := s.get(hook.CandidateIDKey(id)); ok {
			data, ev = append(id[:], byte(hook.CandidateElected)), evRemoveLinkedCandidate
		}
	}
	if data == nil {
		if v, ok := s.get(hook.CandidateOwnerKey(host)); ok {
			id := hook.NewHookCandidateID([128]byte(padTo(v, 128)))
			data, ev = append(id[:], byte(hook.CandidatePurged)), evRemoveOrphanCandidate
		}
	}
	if data == nil {
		return nil
	}
	if err := emitPay(h, r.governor, evernode.Drops(1), ev, data); err != nil {
		return h.Reject("Minimum XRP to governor hook failed.")
	}
	return nil
}

func padTo(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

// removeLinked is the governor's evnRemoveLinkedCandidate from the
// registry: the dud-host candidate of a host that is gone is settled as
// elected.
func (o *govOp) removeLinked() error {
	_, id, ok := o.candidate()
	if !ok {
		return o.h.Reject(msgNoCandidate)
	}
	if hook.CandidateTypeOf(id) != hook.CandidateDudHost {
		return o.h.Reject(msgNotDudCandidate)
	}
	if ha, ok := o.s.hostAddr(hook.AccountID(id[12:])); ok && ha.TransferFlag != pendingTransfer {
		return o.h.Reject(msgHostNotRemoved)
	}
	o.data = append(id[:], byte(hook.CandidateElected))
	return o.statusChange(originLinked)
}

// removeOrphan is the governor's evnRemoveOrphanCandidate from the
// registry: the new-hook candidate of a removed host is purged (or settled
// as its vote already ended).
func (o *govOp) removeOrphan() error {
	return o.statusChange(originOrphan)
}
