package evhooks

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"math/big"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

const partialPayment = evernode.TfPartialPayment

// Hook messages (the hooks' ASSERT_FAILURE_MSG and PERMIT_MSG texts).
const (
	msgPartialPayment   = "Rejected partial payment"
	msgNotHandled       = "Transaction is not handled."
	msgNotRegistered    = "This host is not registered."
	msgTokenMissing     = "Registration URIToken does not exist."
	msgNotEVR           = "Currency should be EVR for host registration."
	msgFeeTooLow        = "Amount sent is less than the minimum fee for host registration."
	msgAlreadyReg       = "Host already registered."
	msgBadRegData       = "Evernode: Invalid registration data."
	msgBadUpdateData    = "Evernode: Invalid update data."
	msgBadDeregData     = "Evernode: Invalid deregistration data."
	msgBadTransferData  = "Evernode: Invalid transfer data."
	msgTokenMismatch    = "Token id sent doesn't match with the registered token."
	msgNoRebate         = "Rollback as there are no pending rebates for the host."
	msgTransferPending  = "Host has a pending transfer."
	msgTransfereeReg    = "New transferee also a registered host."
	msgTransferExists   = "There is a previously initiated transfer for this transferee."
	msgDeregAfterXfer   = "De registration is not allowed until heartbeat for transfers."
	msgRebateTooLarge   = "Rebate amount is greater than received."
	msgNotRepAccount    = "This account is not set as reputation account for this host."
	msgOnlyHeartbeat    = "Evernode: Only heartbeat is allowed to send foundation fund request."
	msgOnlyFoundation   = "Only foundation is allowed to send host reputation update."
	msgBadReputation    = "Evernode: Invalid reputation update data."
	msgRegistered       = "Host registration successful."
	msgReRegistered     = "Host re-registration successful."
	msgUpdated          = "Update host info successful."
	msgRebated          = "Host rebate successful."
	msgTransferred      = "Host transfer initiated successfully."
	msgDeregistered     = "Host de-registration successful."
	msgFoundationFunded = "Foundation fund successful."
	msgReputationSet    = "Update host reputation successful."
)

func ratInt(v uint64) *big.Rat { return new(big.Rat).SetUint64(v) }

// registryHook emulates registry.c.
type registryHook struct {
	governor string
	log      *slog.Logger
}

func (r *registryHook) Execute(h *localnet.HookContext) error {
	tx := h.Tx()
	tt := h.TxType()
	if tt == "Payment" && txFlags(tx)&partialPayment != 0 {
		return h.Reject(msgPartialPayment)
	}
	if (tt != "Payment" && tt != "URITokenCreateSellOffer") || h.Outgoing() {
		return h.Accept(msgNotHandled)
	}
	evb, ok := param(h, memo.ParamEventType)
	if !ok {
		return h.Accept(msgNotHandled)
	}
	ev := memo.EventType(evb)
	amt, ok := parseAmount(tx["Amount"])
	if !ok {
		return h.Accept(msgNotHandled)
	}
	sender, ok := txAccount(h)
	if !ok {
		return h.Reject("sfAccount field is missing.")
	}
	s := gstate{h: h, gov: r.governor}
	data, _ := param(h, memo.ParamEventData)
	var op func(*localnet.HookContext, gstate, hook.AccountID, []byte, amount) error
	switch {
	case tt == "Payment" && amt.native:
		switch ev {
		case memo.EventHostDereg:
			op = r.dereg
		case memo.EventHostUpdateReg:
			op = r.update
		case memo.EventHostRebate:
			op = r.rebate
		case memo.EventFoundationFundReq:
			op = r.foundationFund
		case memo.EventHostUpdateReputation:
			op = r.updateReputation
		case memo.EventDudHostRemove:
			op = r.dudHostRemove
		}
	case tt == "Payment":
		if ev == memo.EventHostReg {
			op = r.register
		}
	case ev == memo.EventTransfer:
		op = r.transfer
	}
	if op == nil {
		return h.Accept(msgNotHandled)
	}
	r.log.Debug("evhooks: registry", "event", ev, "account", sender.String())
	return op(h, s, sender, data, amt)
}

// registered is the registry's common check for operations by a host: a
// HOST_ADDR and TOKEN_ID entry and, when owner is set, the registration
// token owned by owner.
func registered(h *localnet.HookContext, s gstate, host hook.AccountID, checkOwner bool) (hook.HostAddr, hook.HostToken, error) {
	ha, ok := s.hostAddr(host)
	if !ok {
		return ha, hook.HostToken{}, h.Reject(msgNotRegistered)
	}
	tok, ok := s.hostToken(ha.RegistrationTokenID)
	if !ok {
		return ha, tok, h.Reject(msgNotRegistered)
	}
	if checkOwner && !tokenOwnedBy(h, ha.RegistrationTokenID, host) {
		return ha, tok, h.Reject(msgTokenMissing)
	}
	return ha, tok, nil
}

// reputationAtRegistration is the registry's rule: the threshold if the
// lease amount is in (0, max lease amount] and the host offers at least
// the minimum instance count, else 0.
func reputationAtRegistration(lease hook.XFL, instances uint32, rc hook.RewardConfiguration, ri hook.RewardInfo) uint8 {
	l := xflRat(lease)
	if l.Sign() == 0 || l.Cmp(xflRat(ri.HostMaxLeaseAmount)) > 0 || instances < rc.HostMinInstanceCount {
		return 0
	}
	return rc.HostReputationThreshold
}

func (r *registryHook) register(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, amt amount) error {
	issuer, _ := s.address(hook.ConfEVRIssuerAddr)
	if !amt.isEVR(issuer) {
		return h.Reject(msgNotEVR)
	}
	tfv, transfer := s.get(hook.TransfereeAddrKey(sender))
	var tf hook.Transferee
	if transfer {
		var err error
		if tf, err = hook.DecodeTransferee(tfv); err != nil {
			transfer = false
		}
	}
	same := transfer && tf.PrevHost == sender
	fee := s.single(hook.SingletonHostRegFee)
	// A transferee may pay any amount (NOW_IN_EVRS is 0 in the hook).
	if !transfer && amt.value.Cmp(ratInt(fee)) < 0 {
		return h.Reject(msgFeeTooLow)
	}
	if _, exists := s.get(hook.HostAddrKey(sender)); exists && (!transfer || !same) {
		return h.Reject(msgAlreadyReg)
	}
	if len(data) != hook.RegisterParamSize {
		return h.Reject(msgBadRegData)
	}
	rc, ri := s.rewardConfig(), s.rewardInfo()
	now := unixNow(h)
	lease := hook.XFL(le.Uint64(data[128:]))
	ha := hook.HostAddr{
		CountryCode:           string(bytes.TrimRight(data[0:2], "\x00")),
		Description:           string(bytes.TrimRight(data[62:88], "\x00")),
		RegistrationLedger:    uint64(h.LedgerSeq()),
		RegistrationFee:       fee,
		MaxInstances:          le.Uint32(data[14:]),
		RegistrationTimestamp: now,
		LeaseAmount:           lease,
	}
	ha.Reputation = reputationAtRegistration(lease, ha.MaxInstances, rc, ri)
	tok := hook.HostToken{
		Account:     sender,
		CPUModel:    string(bytes.TrimRight(data[18:58], "\x00")),
		CPUCount:    le.Uint16(data[58:]),
		CPUMHz:      le.Uint16(data[60:]),
		CPUMicrosec: le.Uint32(data[2:]),
		RAMMB:       le.Uint32(data[6:]),
		DiskMB:      le.Uint32(data[10:]),
		Email:       string(bytes.TrimRight(data[88:128], "\x00")),
	}
	if transfer {
		return r.reRegister(h, s, sender, tf, same, ha, tok, rc)
	}
	registry, _ := hook.ParseAccountID(h.Account())
	uri := hook.RegistrationTokenURI(txHash(h))
	id := hook.URITokenID(registry, uri)
	ha.RegistrationTokenID = id
	count := uint32(s.single(hook.SingletonHostCount)) + 1
	for _, e := range []StateEntry{
		{hook.HostAddrKey(sender), ha.Encode()},
		{hook.TokenIDKey(id), tok.Encode()},
		{hook.SingletonKey(hook.SingletonHostCount), u32(count)},
	} {
		if err := s.set(e.Key, e.Value); err != nil {
			return h.Reject("Could not set state for host_addr.")
		}
	}
	if _, err := h.Emit(evernode.URITokenMint{Common: evernode.Common{Flags: evernode.TfBurnable}, URI: uri}); err != nil {
		return h.Reject("Emitting URIToken mint txn failed")
	}
	if _, err := h.Emit(evernode.URITokenCreateSellOffer{URITokenID: hexID(id), Amount: evernode.Drops(1),
		Destination: sender.String()}); err != nil {
		return h.Reject("Emitting offer txn failed")
	}
	// Halve the fee when the deposits pass half the circulating supply.
	fixed := s.conf(hook.ConfFixedRegFee)
	mint := s.conf(hook.ConfMintLimit)
	remaining := new(big.Rat).Add(xflRat(ri.EpochPool),
		ratInt(uint64(rc.EpochRewardAmount)*uint64(max(int(rc.EpochCount)-int(ri.Epoch), 0))))
	circulating := new(big.Rat).Sub(ratInt(mint), remaining)
	deposit := ratInt(fee * uint64(count))
	if fee/2 > fixed && deposit.Cmp(new(big.Rat).Quo(circulating, big.NewRat(2, 1))) > 0 {
		if err := s.set(hook.SingletonKey(hook.SingletonHostRegFee), u64(fee/2)); err != nil {
			return h.Reject("Evernode: Could not update the state for host reg fee.")
		}
	}
	return h.Accept(msgRegistered)
}

// reRegister completes a transfer: the new HOST_ADDR keeps the token and
// the previous entry's ledger, heartbeat, timestamps, reputation and flags.
func (r *registryHook) reRegister(h *localnet.HookContext, s gstate, sender hook.AccountID, tf hook.Transferee,
	same bool, ha hook.HostAddr, tok hook.HostToken, rc hook.RewardConfiguration) error {
	prev, ok := s.hostAddr(tf.PrevHost)
	if !ok {
		return h.Reject("Previous host address state not found.")
	}
	prevTok, ok := s.hostToken(prev.RegistrationTokenID)
	if !ok {
		return h.Reject("Previous host token id state not found.")
	}
	ha.RegistrationTokenID = prev.RegistrationTokenID
	ha.RegistrationLedger = prev.RegistrationLedger
	ha.LastHeartbeatIndex = prev.LastHeartbeatIndex
	ha.RegistrationTimestamp = prev.RegistrationTimestamp
	ha.TransferTimestamp = prev.TransferTimestamp
	if prev.Reputation != 0 && ha.Reputation == rc.HostReputationThreshold {
		ha.Reputation = prev.Reputation
	}
	ha.Flags = prev.Flags
	if err := s.set(hook.HostAddrKey(sender), ha.Encode()); err != nil {
		return h.Reject("Could not set state for host_addr.")
	}
	prevTok.Account = sender
	prevTok.CPUModel, prevTok.CPUCount, prevTok.CPUMHz = tok.CPUModel, tok.CPUCount, tok.CPUMHz
	prevTok.CPUMicrosec, prevTok.RAMMB, prevTok.DiskMB, prevTok.Email = tok.CPUMicrosec, tok.RAMMB, tok.DiskMB, tok.Email
	if err := s.set(hook.TokenIDKey(prev.RegistrationTokenID), prevTok.Encode()); err != nil {
		return h.Reject("Could not set state for token_id.")
	}
	if _, err := h.Emit(evernode.URITokenCreateSellOffer{URITokenID: hexID(prev.RegistrationTokenID),
		Amount: evernode.Drops(1), Destination: sender.String()}); err != nil {
		return h.Reject("Emitting offer txn failed")
	}
	if !same {
		if err := s.del(hook.HostAddrKey(tf.PrevHost)); err != nil {
			return h.Reject("Could not delete the previous host state entry.")
		}
	}
	if err := s.del(hook.TransfereeAddrKey(sender)); err != nil {
		return h.Reject("Could not delete state related to transfer.")
	}
	return h.Accept(msgReRegistered)
}

func allZero(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }

func (r *registryHook) update(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, _ amount) error {
	ha, tok, err := registered(h, s, sender, true)
	if err != nil {
		return err
	}
	if len(data) != hook.UpdateRegParamSize {
		return h.Reject(msgBadUpdateData)
	}
	ha.ActiveInstances = le.Uint32(data[50:])
	if !allZero(data[34:38]) {
		tok.CPUMicrosec = le.Uint32(data[34:])
	}
	if !allZero(data[38:42]) {
		tok.RAMMB = le.Uint32(data[38:])
	}
	if !allZero(data[42:46]) {
		tok.DiskMB = le.Uint32(data[42:])
	}
	if !allZero(data[83:123]) {
		tok.Email = string(bytes.TrimRight(data[83:123], "\x00"))
	}
	if !allZero(data[46:50]) {
		ha.MaxInstances = le.Uint32(data[46:])
	}
	if !allZero(data[32:34]) {
		// The hook copies 4 bytes: the country code and the first two bytes
		// of the CPU time field, which land in the reserved bytes.
		ha.CountryCode = string(bytes.TrimRight(data[32:34], "\x00"))
		copy(ha.Reserved[0:2], data[34:36])
	}
	if !allZero(data[54:80]) {
		ha.Description = string(bytes.TrimRight(data[54:80], "\x00"))
	}
	if !allZero(data[80:83]) {
		copy(ha.Version[:], data[80:83])
	}
	if !allZero(data[123:131]) {
		ha.LeaseAmount = hook.XFL(le.Uint64(data[123:]))
	}
	if s.set(hook.HostAddrKey(sender), ha.Encode()) != nil || s.set(hook.TokenIDKey(ha.RegistrationTokenID), tok.Encode()) != nil {
		return h.Reject("Could not set state for info update.")
	}
	return h.Accept(msgUpdated)
}

func (r *registryHook) rebate(h *localnet.HookContext, s gstate, sender hook.AccountID, _ []byte, _ amount) error {
	ha, _, err := registered(h, s, sender, true)
	if err != nil {
		return err
	}
	fee := s.single(hook.SingletonHostRegFee)
	if ha.RegistrationFee <= fee {
		return h.Reject(msgNoRebate)
	}
	issuer, _ := s.address(hook.ConfEVRIssuerAddr)
	if err := emitPay(h, sender.String(), evernode.EVR(issuer, intText(ha.RegistrationFee-fee)), "", nil); err != nil {
		return h.Reject("Emitting EVR rebate txn failed")
	}
	ha.RegistrationFee = fee
	if err := s.set(hook.HostAddrKey(sender), ha.Encode()); err != nil {
		return h.Reject("Could not update host address state.")
	}
	return h.Accept(msgRebated)
}

func (r *registryHook) transfer(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, _ amount) error {
	ha, _, err := registered(h, s, sender, true)
	if err != nil {
		return err
	}
	if len(data) != hook.TransferParamSize {
		return h.Reject(msgBadTransferData)
	}
	to := hook.AccountID(data)
	if to != sender {
		if _, exists := s.get(hook.HostAddrKey(to)); exists {
			return h.Reject(msgTransfereeReg)
		}
	}
	if ha.TransferFlag == 1 {
		return h.Reject(msgTransferPending)
	}
	if _, exists := s.get(hook.TransfereeAddrKey(to)); exists {
		return h.Reject(msgTransferExists)
	}
	tf := hook.Transferee{PrevHost: sender, TransferLedger: uint64(h.LedgerSeq()), TokenID: ha.RegistrationTokenID}
	ha.TransferFlag = 1
	ha.TransferTimestamp = unixNow(h)
	if s.set(hook.TransfereeAddrKey(to), tf.Encode()) != nil || s.set(hook.HostAddrKey(sender), ha.Encode()) != nil {
		return h.Reject("Could not set state for transferee_addr.")
	}
	// The hook buys the offer on hook_again; the emitted buy applies right
	// after the offer here.
	if _, err := h.Emit(evernode.URITokenBuy{URITokenID: hexID(ha.RegistrationTokenID), Amount: evernode.Drops(1)}); err != nil {
		return h.Reject("Emitting buying offer to NFT failed.")
	}
	return h.Accept(msgTransferred)
}

func (r *registryHook) foundationFund(h *localnet.HookContext, s gstate, sender hook.AccountID, _ []byte, _ amount) error {
	hb, _ := s.address(hook.ConfHeartbeatAddr)
	if sender.String() != hb {
		return h.Reject(msgOnlyHeartbeat)
	}
	issuer, _ := s.address(hook.ConfEVRIssuerAddr)
	foundation, _ := s.address(hook.ConfFoundationAddr)
	fixed := s.conf(hook.ConfFixedRegFee)
	if err := emitPay(h, foundation, evernode.EVR(issuer, intText(fixed)), "", nil); err != nil {
		return h.Reject("Emitting EVR forward txn failed")
	}
	return h.Accept(msgFoundationFunded)
}

func (r *registryHook) updateReputation(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, _ amount) error {
	if len(data) != 21 {
		return h.Reject(msgBadReputation)
	}
	host := hook.AccountID(data[:20])
	ha, _, err := registered(h, s, host, true)
	if err != nil {
		return err
	}
	foundation, _ := s.address(hook.ConfFoundationAddr)
	if sender.String() != foundation {
		return h.Reject(msgOnlyFoundation)
	}
	ha.Reputation = data[20]
	if err := s.set(hook.HostAddrKey(host), ha.Encode()); err != nil {
		return h.Reject("Could not set state for reputation update.")
	}
	return h.Accept(msgReputationSet)
}

func (r *registryHook) dereg(h *localnet.HookContext, s gstate, sender hook.AccountID, data []byte, _ amount) error {
	host := sender
	var tokenID []byte
	switch len(data) {
	case hook.DeregisterParamSize:
		tokenID = data[:32]
	case hook.DeregisterFromRepSize:
		host = hook.AccountID(data[:20])
		tokenID = data[20:52]
	default:
		return h.Reject(msgBadDeregData)
	}
	ha, _, err := registered(h, s, host, true)
	if err != nil {
		return err
	}
	if host != sender {
		ar := h.AccountRoot(host.String())
		wl, _ := ar["WalletLocator"].(string)
		b, _ := hex.DecodeString(wl)
		if len(b) < 21 || !bytes.Equal(b[1:21], sender[:]) {
			return h.Reject(msgNotRepAccount)
		}
	}
	if !bytes.Equal(tokenID, ha.RegistrationTokenID[:]) {
		return h.Reject(msgTokenMismatch)
	}
	return r.remove(h, s, host, ha, removeDereg)
}

// remove is OP_HOST_REMOVE for a host deregistering itself or removed as
// an elected dud host: refund, reward pool top-up, token burn, the
// governor told about candidates the host leaves behind, and state
// removal.
func (r *registryHook) remove(h *localnet.HookContext, s gstate, host hook.AccountID, ha hook.HostAddr, op removeOp) error {
	fee := s.single(hook.SingletonHostRegFee)
	fixed := s.conf(hook.ConfFixedRegFee)
	rebate := uint64(0)
	if fee/2 > fixed {
		rebate = fee / 2
	}
	reward := uint64(0)
	if fee > fixed+rebate {
		reward = fee - fixed - rebate
	}
	switch {
	case op != removeDereg:
	case ha.TransferTimestamp > 0:
		if ha.LastHeartbeatIndex <= ha.TransferTimestamp {
			return h.Reject(msgDeregAfterXfer)
		}
	case ha.LastHeartbeatIndex < ha.RegistrationTimestamp:
		rebate, reward = fee, 0
	}
	pending := uint64(0)
	if ha.RegistrationFee > fee {
		pending = ha.RegistrationFee - fee
	}
	total := rebate + pending
	issuer, _ := s.address(hook.ConfEVRIssuerAddr)
	heartbeat, _ := s.address(hook.ConfHeartbeatAddr)
	txid := txHash(h)
	if reward > 0 {
		ri := s.rewardInfo()
		ri.EpochPool = ratXFL(new(big.Rat).Add(xflRat(ri.EpochPool), ratInt(reward)))
		if err := s.set(hook.SingletonKey(hook.SingletonRewardInfo), ri.Encode()); err != nil {
			return h.Reject("Could not set state for reward info.")
		}
		if err := emitPay(h, heartbeat, evernode.EVR(issuer, intText(reward)), memo.EventRewardPoolUpdate, txid[:]); err != nil {
			return h.Reject("EVR funding to heartbeat hook account failed.")
		}
	}
	if total > 0 {
		if total > ha.RegistrationFee {
			return h.Reject(msgRebateTooLarge)
		}
		if err := emitPay(h, host.String(), evernode.EVR(issuer, intText(total)), op.answer(), txid[:]); err != nil {
			return h.Reject("Rebating 1/2 reg fee and pending rebates to host account failed.")
		}
	} else if err := emitPay(h, host.String(), evernode.Drops(1), op.answer(), txid[:]); err != nil {
		return h.Reject("Minimum XRP to host account failed.")
	}
	if _, err := h.Emit(evernode.URITokenBurn{URITokenID: hexID(ha.RegistrationTokenID)}); err != nil {
		return h.Reject("Emitting URI token burn txn failed")
	}
	if err := r.cascade(h, s, host, op); err != nil {
		return err
	}
	count := uint32(s.single(hook.SingletonHostCount))
	if count > 0 {
		count--
	}
	if s.set(hook.SingletonKey(hook.SingletonHostCount), u32(count)) != nil ||
		s.del(hook.TokenIDKey(ha.RegistrationTokenID)) != nil || s.del(hook.HostAddrKey(host)) != nil {
		return h.Reject("Could not delete host registration entry.")
	}
	return h.Accept(op.message())
}
