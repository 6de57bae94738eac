package hook

import (
	"encoding/binary"
	"fmt"
)

var le = binary.LittleEndian

// need reports an error unless b holds at least n bytes.
func need(what string, b []byte, n int) error {
	if len(b) < n {
		return malformed("%s value of %d bytes, want at least %d", what, len(b), n)
	}
	return nil
}

// tail reports whether an optional field at off of size n is present, and
// an error when it is cut short (the JS client throws a RangeError there).
func tail(what string, b []byte, off, n int) (bool, error) {
	if len(b) <= off {
		return false, nil
	}
	if len(b) < off+n {
		return false, malformed("%s value of %d bytes ends inside a field at %d", what, len(b), off)
	}
	return true, nil
}

// size is the length to re-encode a value at: the decoded length if it was
// shorter than the full layout, else the full layout.
func size(n, full int) int {
	if n <= 0 || n > full {
		return full
	}
	return n
}

func readXFL(what string, b []byte, off int) (XFL, error) {
	v := int64(le.Uint64(b[off:]))
	if v < 0 {
		return 0, malformed("%s: amount at %d is not XFL", what, off)
	}
	return XFL(v), nil
}

func putText(dst []byte, s string) { copy(dst, s) }

// MomentType says what a moment counts: ledgers or seconds.
type MomentType uint8

// Moment types.
const (
	MomentLedger    MomentType = 0
	MomentTimestamp MomentType = 1
)

// String returns "ledger" or "timestamp", as the JS client names them (any
// non-zero type counts as timestamp there).
func (t MomentType) String() string {
	if t == MomentLedger {
		return "ledger"
	}
	return "timestamp"
}

// Full value sizes.
const (
	HostAddrSize                = 143
	HostTokenSize               = 124
	TransfereeSize              = 60
	CandidateOwnerSize          = 128
	CandidateSize               = 91
	MomentBaseInfoSize          = 13
	MomentTransitInfoSize       = 11
	RewardConfigurationSize     = 20
	RewardInfoSize              = 29
	GovernanceConfigurationSize = 14
	GovernanceInfoSize          = 74
	NetworkConfigurationSize    = 6
	TrxFeeBaseInfoSize          = 18
	ReputationInfoSize          = 56
	ReputationContractInfoSize  = 43
)

// HostAddr is a host's registration entry (HOST_ADDR), keyed by its
// account.
type HostAddr struct {
	// RegistrationTokenID is the id of the registration URIToken the
	// registry minted (JS uriTokenId).
	RegistrationTokenID [32]byte
	// CountryCode is two ASCII letters.
	CountryCode string
	// Reserved is kept for round trips: the registry's update path writes
	// the first two bytes of the CPU time field here.
	Reserved           [8]byte
	Description        string
	RegistrationLedger uint64
	// RegistrationFee is the EVR paid, a whole number.
	RegistrationFee uint64
	MaxInstances    uint32
	ActiveInstances uint32
	// LastHeartbeatIndex is the unix time (timestamp moments) or ledger of
	// the last heartbeat.
	LastHeartbeatIndex    uint64
	Version               [3]byte
	RegistrationTimestamp uint64
	// TransferFlag is 1 while a transfer is pending.
	TransferFlag         uint8
	LastVoteCandidateIdx uint32
	LastVoteTimestamp    uint64
	SupportVoteSent      uint8
	// Reputation is 0–255; hosts at or above the reward threshold (200)
	// earn rewards.
	Reputation uint8
	// Flags: bit 0 is REPUTED_ON_HEARTBEAT.
	Flags             uint8
	TransferTimestamp uint64
	// LeaseAmount is the per-moment lease price in EVR.
	LeaseAmount XFL
	// Size is the encoded length: older entries lack the tail fields.
	// Decode sets it; zero means the full 143 bytes.
	Size int
}

// VersionString returns "major.minor.patch".
func (h *HostAddr) VersionString() string {
	return fmt.Sprintf("%d.%d.%d", h.Version[0], h.Version[1], h.Version[2])
}

// ReputedOnHeartbeat reports flag bit 0.
func (h *HostAddr) ReputedOnHeartbeat() bool { return h.Flags&1 != 0 }

// DecodeHostAddr reads a HOST_ADDR value. Entries of at least 125 bytes
// decode; shorter tails leave fields zero, as the JS client leaves them out.
func DecodeHostAddr(b []byte) (HostAddr, error) {
	var h HostAddr
	err := decodeHostAddr(&h, b, nil)
	return h, err
}

func decodeHostAddr(h *HostAddr, b []byte, ar *textArena) error {
	*h = HostAddr{}
	const what = "HOST_ADDR"
	if err := need(what, b, 125); err != nil {
		return err
	}
	copy(h.RegistrationTokenID[:], b[0:32])
	h.CountryCode = ar.trim(b[32:34])
	copy(h.Reserved[:], b[34:42])
	h.Description = ar.trim(b[42:68])
	h.RegistrationLedger = le.Uint64(b[68:])
	h.RegistrationFee = le.Uint64(b[76:])
	h.MaxInstances = le.Uint32(b[84:])
	h.ActiveInstances = le.Uint32(b[88:])
	h.LastHeartbeatIndex = le.Uint64(b[92:])
	copy(h.Version[:], b[100:103])
	h.RegistrationTimestamp = le.Uint64(b[103:])
	h.TransferFlag = b[111]
	h.LastVoteCandidateIdx = le.Uint32(b[112:])
	h.LastVoteTimestamp = le.Uint64(b[116:])
	h.SupportVoteSent = b[124]
	if len(b) > 125 {
		h.Reputation = b[125]
	}
	if len(b) > 126 {
		h.Flags = b[126]
	}
	if ok, err := tail(what, b, 127, 8); err != nil {
		return err
	} else if ok {
		h.TransferTimestamp = le.Uint64(b[127:])
	}
	if ok, err := tail(what, b, 135, 8); err != nil {
		return err
	} else if ok {
		x, err := readXFL(what, b, 135)
		if err != nil {
			return err
		}
		h.LeaseAmount = x
	}
	h.Size = size(len(b), HostAddrSize)
	return nil
}

// Encode writes the value at its Size.
func (h *HostAddr) Encode() []byte {
	b := make([]byte, HostAddrSize)
	copy(b[0:32], h.RegistrationTokenID[:])
	putText(b[32:34], h.CountryCode)
	copy(b[34:42], h.Reserved[:])
	putText(b[42:68], h.Description)
	le.PutUint64(b[68:], h.RegistrationLedger)
	le.PutUint64(b[76:], h.RegistrationFee)
	le.PutUint32(b[84:], h.MaxInstances)
	le.PutUint32(b[88:], h.ActiveInstances)
	le.PutUint64(b[92:], h.LastHeartbeatIndex)
	copy(b[100:103], h.Version[:])
	le.PutUint64(b[103:], h.RegistrationTimestamp)
	b[111] = h.TransferFlag
	le.PutUint32(b[112:], h.LastVoteCandidateIdx)
	le.PutUint64(b[116:], h.LastVoteTimestamp)
	b[124] = h.SupportVoteSent
	b[125] = h.Reputation
	b[126] = h.Flags
	le.PutUint64(b[127:], h.TransferTimestamp)
	le.PutUint64(b[135:], uint64(h.LeaseAmount))
	return b[:size(h.Size, HostAddrSize)]
}

// jsFields adds the fields of StateHelpers.decodeHostAddressState (after
// the address).
func (h *HostAddr) jsFields(o *jsonObj) {
	n := size(h.Size, HostAddrSize)
	o.add("uriTokenId", upperHex(h.RegistrationTokenID[:]))
	cc := []byte(h.CountryCode + "\x00\x00")[:2]
	o.add("countryCode", jsText(cc))
	o.add("description", jsNoNUL(h.Description))
	o.add("registrationLedger", h.RegistrationLedger)
	o.add("registrationFee", h.RegistrationFee)
	o.add("maxInstances", h.MaxInstances)
	o.add("activeInstances", h.ActiveInstances)
	o.add("lastHeartbeatIndex", h.LastHeartbeatIndex)
	o.add("version", h.VersionString())
	transferer := 0
	if h.TransferFlag == 1 {
		transferer = 1
	}
	o.add("isATransferer", transferer)
	o.add("lastVoteCandidateIdx", h.LastVoteCandidateIdx)
	o.add("lastVoteTimestamp", h.LastVoteTimestamp)
	o.add("supportVoteSent", h.SupportVoteSent)
	o.add("registrationTimestamp", h.RegistrationTimestamp)
	if n > 125 {
		o.add("hostReputation", h.Reputation)
	}
	if n > 126 {
		o.add("reputedOnHeartbeat", h.ReputedOnHeartbeat())
	}
	if n > 127 {
		o.add("transferTimestamp", h.TransferTimestamp)
	}
	if n > 135 {
		o.add("leaseAmount", h.LeaseAmount)
	}
}

// HostToken is a host's entry keyed by its registration token id
// (TOKEN_ID): the machine it offers and its accumulated reward.
type HostToken struct {
	Account     AccountID
	CPUModel    string
	CPUCount    uint16
	CPUMHz      uint16
	CPUMicrosec uint32
	RAMMB       uint32
	DiskMB      uint32
	Email       string
	// AccumulatedReward is EVR owed to the host, paid every 24 moments.
	AccumulatedReward XFL
}

// DecodeHostToken reads a TOKEN_ID value (124 bytes).
func DecodeHostToken(b []byte) (HostToken, error) {
	var t HostToken
	err := decodeHostToken(&t, b, nil)
	return t, err
}

func decodeHostToken(t *HostToken, b []byte, ar *textArena) error {
	const what = "TOKEN_ID"
	if err := need(what, b, HostTokenSize); err != nil {
		return err
	}
	copy(t.Account[:], b[0:20])
	t.CPUModel = ar.trim(b[20:60])
	t.CPUCount = le.Uint16(b[60:])
	t.CPUMHz = le.Uint16(b[62:])
	t.CPUMicrosec = le.Uint32(b[64:])
	t.RAMMB = le.Uint32(b[68:])
	t.DiskMB = le.Uint32(b[72:])
	t.Email = ar.trim(b[76:116])
	x, err := readXFL(what, b, 116)
	if err != nil {
		return err
	}
	t.AccumulatedReward = x
	return nil
}

// Encode writes the 124-byte value.
func (t *HostToken) Encode() []byte {
	b := make([]byte, HostTokenSize)
	copy(b[0:20], t.Account[:])
	putText(b[20:60], t.CPUModel)
	le.PutUint16(b[60:], t.CPUCount)
	le.PutUint16(b[62:], t.CPUMHz)
	le.PutUint32(b[64:], t.CPUMicrosec)
	le.PutUint32(b[68:], t.RAMMB)
	le.PutUint32(b[72:], t.DiskMB)
	putText(b[76:116], t.Email)
	le.PutUint64(b[116:], uint64(t.AccumulatedReward))
	return b
}

func (t *HostToken) jsFields(o *jsonObj) {
	o.add("address", t.Account)
	o.add("cpuModelName", jsText([]byte(t.CPUModel)))
	o.add("cpuCount", t.CPUCount)
	o.add("cpuMHz", t.CPUMHz)
	o.add("cpuMicrosec", t.CPUMicrosec)
	o.add("ramMb", t.RAMMB)
	o.add("diskMb", t.DiskMB)
	o.add("email", jsNoNUL(t.Email))
	o.add("accumulatedRewardAmount", t.AccumulatedReward)
}

// Transferee is a pending registration transfer (TRANSFEREE_ADDR), keyed by
// the account the registration goes to.
type Transferee struct {
	// PrevHost is the transferring host.
	PrevHost       AccountID
	TransferLedger uint64
	// TokenID is the registration token being transferred.
	TokenID [32]byte
}

// DecodeTransferee reads a TRANSFEREE_ADDR value (60 bytes).
func DecodeTransferee(b []byte) (Transferee, error) {
	var t Transferee
	if err := need("TRANSFEREE_ADDR", b, TransfereeSize); err != nil {
		return t, err
	}
	copy(t.PrevHost[:], b[0:20])
	t.TransferLedger = le.Uint64(b[20:])
	copy(t.TokenID[:], b[28:60])
	return t, nil
}

// Encode writes the 60-byte value.
func (t *Transferee) Encode() []byte {
	b := make([]byte, TransfereeSize)
	copy(b[0:20], t.PrevHost[:])
	le.PutUint64(b[20:], t.TransferLedger)
	copy(b[28:60], t.TokenID[:])
	return b
}

// CandidateOwner is a hook-update proposal by its owner (CANDIDATE_OWNER):
// the four proposed hook hashes.
type CandidateOwner struct {
	GovernorHookHash, RegistryHookHash, HeartbeatHookHash, ReputationHookHash [32]byte
}

// DecodeCandidateOwner reads a CANDIDATE_OWNER value (128 bytes).
func DecodeCandidateOwner(b []byte) (CandidateOwner, error) {
	var c CandidateOwner
	if err := need("CANDIDATE_OWNER", b, CandidateOwnerSize); err != nil {
		return c, err
	}
	copy(c.GovernorHookHash[:], b[0:32])
	copy(c.RegistryHookHash[:], b[32:64])
	copy(c.HeartbeatHookHash[:], b[64:96])
	copy(c.ReputationHookHash[:], b[96:128])
	return c, nil
}

// Encode writes the 128-byte value.
func (c *CandidateOwner) Encode() []byte {
	b := make([]byte, 0, CandidateOwnerSize)
	b = append(b, c.GovernorHookHash[:]...)
	b = append(b, c.RegistryHookHash[:]...)
	b = append(b, c.HeartbeatHookHash[:]...)
	return append(b, c.ReputationHookHash[:]...)
}

// CandidateID returns the new-hook candidate id of the four hashes.
func (c *CandidateOwner) CandidateID() [32]byte { return newHookCandidateID(c.Encode()) }

// CandidateStatus is a governance candidate's state.
type CandidateStatus uint8

// Candidate statuses.
const (
	CandidateRejected  CandidateStatus = 0
	CandidateSupported CandidateStatus = 1
	CandidateElected   CandidateStatus = 2
	CandidatePurged    CandidateStatus = 3
	CandidateWithdrawn CandidateStatus = 4
)

// String returns the JS client's name; unknown values read as "rejected"
// there too.
func (s CandidateStatus) String() string {
	switch s {
	case CandidateSupported:
		return "supported"
	case CandidateElected:
		return "elected"
	case CandidatePurged:
		return "purged"
	case CandidateWithdrawn:
		return "withdrawn"
	}
	return "rejected"
}

// Candidate is a governance candidate by id (CANDIDATE_ID).
type Candidate struct {
	Owner                      AccountID
	Index                      uint32
	ShortName                  string
	CreatedTimestamp           uint64
	ProposalFee                XFL
	PositiveVoteCount          uint32
	LastVoteTimestamp          uint64
	Status                     CandidateStatus
	StatusChangeTimestamp      uint64
	FoundationVoteStatus       CandidateStatus
	ElectPurgeLastTryTimestamp uint64
	CompleteAcknowledged       uint8
	// Size is the encoded length (82, 90 or 91); zero means 91.
	Size int
}

// DecodeCandidate reads a CANDIDATE_ID value.
func DecodeCandidate(b []byte) (Candidate, error) {
	var c Candidate
	const what = "CANDIDATE_ID"
	if err := need(what, b, 82); err != nil {
		return c, err
	}
	copy(c.Owner[:], b[0:20])
	c.Index = le.Uint32(b[20:])
	c.ShortName = trimNUL(b[24:44])
	c.CreatedTimestamp = le.Uint64(b[44:])
	x, err := readXFL(what, b, 52)
	if err != nil {
		return c, err
	}
	c.ProposalFee = x
	c.PositiveVoteCount = le.Uint32(b[60:])
	c.LastVoteTimestamp = le.Uint64(b[64:])
	c.Status = CandidateStatus(b[72])
	c.StatusChangeTimestamp = le.Uint64(b[73:])
	c.FoundationVoteStatus = CandidateStatus(b[81])
	if ok, err := tail(what, b, 82, 8); err != nil {
		return c, err
	} else if ok {
		c.ElectPurgeLastTryTimestamp = le.Uint64(b[82:])
	}
	if len(b) > 90 {
		c.CompleteAcknowledged = b[90]
	}
	c.Size = size(len(b), CandidateSize)
	return c, nil
}

// Encode writes the value at its Size.
func (c *Candidate) Encode() []byte {
	b := make([]byte, CandidateSize)
	copy(b[0:20], c.Owner[:])
	le.PutUint32(b[20:], c.Index)
	putText(b[24:44], c.ShortName)
	le.PutUint64(b[44:], c.CreatedTimestamp)
	le.PutUint64(b[52:], uint64(c.ProposalFee))
	le.PutUint32(b[60:], c.PositiveVoteCount)
	le.PutUint64(b[64:], c.LastVoteTimestamp)
	b[72] = byte(c.Status)
	le.PutUint64(b[73:], c.StatusChangeTimestamp)
	b[81] = byte(c.FoundationVoteStatus)
	le.PutUint64(b[82:], c.ElectPurgeLastTryTimestamp)
	b[90] = c.CompleteAcknowledged
	return b[:size(c.Size, CandidateSize)]
}

func (c *Candidate) jsFields(o *jsonObj) {
	n := size(c.Size, CandidateSize)
	o.add("ownerAddress", c.Owner)
	o.add("index", c.Index)
	o.add("shortName", jsText([]byte(c.ShortName)))
	o.add("createdTimestamp", c.CreatedTimestamp)
	o.add("proposalFee", c.ProposalFee)
	o.add("positiveVoteCount", c.PositiveVoteCount)
	o.add("lastVoteTimestamp", c.LastVoteTimestamp)
	o.add("status", c.Status.String())
	o.add("statusChangeTimestamp", c.StatusChangeTimestamp)
	fv := "rejected"
	if c.FoundationVoteStatus == CandidateSupported {
		fv = "supported"
	}
	o.add("foundationVoteStatus", fv)
	if n > 82 {
		o.add("electPurgeLastTryTimestamp", c.ElectPurgeLastTryTimestamp)
	}
	if n > 90 {
		o.add("completeAcknowledged", c.CompleteAcknowledged != 0)
	}
}

// MomentBaseInfo anchors the moment count (MOMENT_BASE_INFO): moment
// BaseTransitionMoment began at BaseIndex.
type MomentBaseInfo struct {
	// BaseIndex is a ledger sequence or unix time, per MomentType.
	BaseIndex            uint64
	BaseTransitionMoment uint32
	MomentType           MomentType
	// Size is the encoded length (8, 12 or 13); zero means 13. Entries of
	// 12 bytes or less count ledgers.
	Size int
}

// DecodeMomentBaseInfo reads a MOMENT_BASE_INFO value.
func DecodeMomentBaseInfo(b []byte) (MomentBaseInfo, error) {
	var m MomentBaseInfo
	const what = "MOMENT_BASE_INFO"
	if err := need(what, b, 8); err != nil {
		return m, err
	}
	m.BaseIndex = le.Uint64(b)
	if ok, err := tail(what, b, 8, 4); err != nil {
		return m, err
	} else if ok {
		m.BaseTransitionMoment = le.Uint32(b[8:])
	}
	if len(b) > 12 {
		m.MomentType = MomentType(b[12])
	}
	m.Size = size(len(b), MomentBaseInfoSize)
	return m, nil
}

// Encode writes the value at its Size.
func (m *MomentBaseInfo) Encode() []byte {
	b := make([]byte, MomentBaseInfoSize)
	le.PutUint64(b, m.BaseIndex)
	le.PutUint32(b[8:], m.BaseTransitionMoment)
	b[12] = byte(m.MomentType)
	return b[:size(m.Size, MomentBaseInfoSize)]
}

// MarshalJSON writes the JS client's shape.
func (m MomentBaseInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("baseIdx", m.BaseIndex)
	o.add("baseTransitionMoment", m.BaseTransitionMoment)
	o.add("momentType", m.MomentType.String())
	return o.MarshalJSON()
}

// MomentTransitInfo is a scheduled change of moment size or type
// (MOMENT_TRANSIT_INFO); a zero TransitionIndex means none.
type MomentTransitInfo struct {
	TransitionIndex uint64
	MomentSize      uint16
	MomentType      MomentType
}

// DecodeMomentTransitInfo reads a MOMENT_TRANSIT_INFO value (11 bytes).
func DecodeMomentTransitInfo(b []byte) (MomentTransitInfo, error) {
	var m MomentTransitInfo
	if err := need("MOMENT_TRANSIT_INFO", b, MomentTransitInfoSize); err != nil {
		return m, err
	}
	m.TransitionIndex = le.Uint64(b)
	m.MomentSize = le.Uint16(b[8:])
	m.MomentType = MomentType(b[10])
	return m, nil
}

// Encode writes the 11-byte value.
func (m *MomentTransitInfo) Encode() []byte {
	b := make([]byte, MomentTransitInfoSize)
	le.PutUint64(b, m.TransitionIndex)
	le.PutUint16(b[8:], m.MomentSize)
	b[10] = byte(m.MomentType)
	return b
}

// MarshalJSON writes the JS client's shape (it reads the index signed).
func (m MomentTransitInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("transitionIndex", int64(m.TransitionIndex))
	o.add("momentSize", m.MomentSize)
	o.add("momentType", m.MomentType.String())
	return o.MarshalJSON()
}

// RewardConfiguration is the reward schedule (REWARD_CONFIGURATION).
type RewardConfiguration struct {
	EpochCount                 uint8
	FirstEpochRewardQuota      uint32
	EpochRewardAmount          uint32
	RewardStartMoment          uint32
	AccumulatedRewardFrequency uint16
	HostReputationThreshold    uint8
	HostMinInstanceCount       uint32
	// Size is the encoded length (15, 16 or 20); zero means 20.
	Size int
}

// DecodeRewardConfiguration reads a REWARD_CONFIGURATION value.
func DecodeRewardConfiguration(b []byte) (RewardConfiguration, error) {
	var r RewardConfiguration
	const what = "REWARD_CONFIGURATION"
	if err := need(what, b, 15); err != nil {
		return r, err
	}
	r.EpochCount = b[0]
	r.FirstEpochRewardQuota = le.Uint32(b[1:])
	r.EpochRewardAmount = le.Uint32(b[5:])
	r.RewardStartMoment = le.Uint32(b[9:])
	r.AccumulatedRewardFrequency = le.Uint16(b[13:])
	if len(b) > 15 {
		r.HostReputationThreshold = b[15]
	}
	if ok, err := tail(what, b, 16, 4); err != nil {
		return r, err
	} else if ok {
		r.HostMinInstanceCount = le.Uint32(b[16:])
	}
	r.Size = size(len(b), RewardConfigurationSize)
	return r, nil
}

// Encode writes the value at its Size.
func (r *RewardConfiguration) Encode() []byte {
	b := make([]byte, RewardConfigurationSize)
	b[0] = r.EpochCount
	le.PutUint32(b[1:], r.FirstEpochRewardQuota)
	le.PutUint32(b[5:], r.EpochRewardAmount)
	le.PutUint32(b[9:], r.RewardStartMoment)
	le.PutUint16(b[13:], r.AccumulatedRewardFrequency)
	b[15] = r.HostReputationThreshold
	le.PutUint32(b[16:], r.HostMinInstanceCount)
	return b[:size(r.Size, RewardConfigurationSize)]
}

// MarshalJSON writes the JS client's shape.
func (r RewardConfiguration) MarshalJSON() ([]byte, error) {
	n := size(r.Size, RewardConfigurationSize)
	var o jsonObj
	o.add("epochCount", r.EpochCount)
	o.add("firstEpochRewardQuota", r.FirstEpochRewardQuota)
	o.add("epochRewardAmount", r.EpochRewardAmount)
	o.add("rewardStartMoment", r.RewardStartMoment)
	o.add("accumulatedRewardFrequency", r.AccumulatedRewardFrequency)
	if n > 15 {
		o.add("hostReputationThreshold", r.HostReputationThreshold)
	}
	if n > 16 {
		o.add("hostMinInstanceCount", r.HostMinInstanceCount)
	}
	return o.MarshalJSON()
}

// RewardInfo is the reward state of the current epoch (REWARD_INFO).
type RewardInfo struct {
	Epoch                     uint8
	SavedMoment               uint32
	PrevMomentActiveHostCount uint32
	CurMomentActiveHostCount  uint32
	EpochPool                 XFL
	// HostMaxLeaseAmount is the highest lease price that keeps a host
	// reputed (1.1 × quota / host count).
	HostMaxLeaseAmount XFL
	// Size is the encoded length (21 or 29); zero means 29.
	Size int
}

// DecodeRewardInfo reads a REWARD_INFO value.
func DecodeRewardInfo(b []byte) (RewardInfo, error) {
	var r RewardInfo
	const what = "REWARD_INFO"
	if err := need(what, b, 21); err != nil {
		return r, err
	}
	r.Epoch = b[0]
	r.SavedMoment = le.Uint32(b[1:])
	r.PrevMomentActiveHostCount = le.Uint32(b[5:])
	r.CurMomentActiveHostCount = le.Uint32(b[9:])
	x, err := readXFL(what, b, 13)
	if err != nil {
		return r, err
	}
	r.EpochPool = x
	if ok, err := tail(what, b, 21, 8); err != nil {
		return r, err
	} else if ok {
		if r.HostMaxLeaseAmount, err = readXFL(what, b, 21); err != nil {
			return r, err
		}
	}
	r.Size = size(len(b), RewardInfoSize)
	return r, nil
}

// Encode writes the value at its Size.
func (r *RewardInfo) Encode() []byte {
	b := make([]byte, RewardInfoSize)
	b[0] = r.Epoch
	le.PutUint32(b[1:], r.SavedMoment)
	le.PutUint32(b[5:], r.PrevMomentActiveHostCount)
	le.PutUint32(b[9:], r.CurMomentActiveHostCount)
	le.PutUint64(b[13:], uint64(r.EpochPool))
	le.PutUint64(b[21:], uint64(r.HostMaxLeaseAmount))
	return b[:size(r.Size, RewardInfoSize)]
}

// MarshalJSON writes the JS client's shape.
func (r RewardInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("epoch", r.Epoch)
	o.add("savedMoment", r.SavedMoment)
	o.add("prevMomentActiveHostCount", r.PrevMomentActiveHostCount)
	o.add("curMomentActiveHostCount", r.CurMomentActiveHostCount)
	o.add("epochPool", r.EpochPool)
	if size(r.Size, RewardInfoSize) > 21 {
		o.add("hostMaxLeaseAmount", r.HostMaxLeaseAmount)
	}
	return o.MarshalJSON()
}

// GovernanceConfiguration holds the governance periods
// (GOVERNANCE_CONFIGURATION), in seconds, and the support percentage.
type GovernanceConfiguration struct {
	EligibilityPeriod       uint32
	CandidateLifePeriod     uint32
	CandidateElectionPeriod uint32
	CandidateSupportAverage uint16
}

// DecodeGovernanceConfiguration reads a GOVERNANCE_CONFIGURATION value.
func DecodeGovernanceConfiguration(b []byte) (GovernanceConfiguration, error) {
	var g GovernanceConfiguration
	if err := need("GOVERNANCE_CONFIGURATION", b, GovernanceConfigurationSize); err != nil {
		return g, err
	}
	g.EligibilityPeriod = le.Uint32(b)
	g.CandidateLifePeriod = le.Uint32(b[4:])
	g.CandidateElectionPeriod = le.Uint32(b[8:])
	g.CandidateSupportAverage = le.Uint16(b[12:])
	return g, nil
}

// Encode writes the 14-byte value.
func (g *GovernanceConfiguration) Encode() []byte {
	b := make([]byte, GovernanceConfigurationSize)
	le.PutUint32(b, g.EligibilityPeriod)
	le.PutUint32(b[4:], g.CandidateLifePeriod)
	le.PutUint32(b[8:], g.CandidateElectionPeriod)
	le.PutUint16(b[12:], g.CandidateSupportAverage)
	return b
}

// MarshalJSON writes the JS client's shape.
func (g GovernanceConfiguration) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("eligibilityPeriod", g.EligibilityPeriod)
	o.add("candidateLifePeriod", g.CandidateLifePeriod)
	o.add("candidateElectionPeriod", g.CandidateElectionPeriod)
	o.add("candidateSupportAverage", g.CandidateSupportAverage)
	return o.MarshalJSON()
}

// GovernanceMode is how hook updates are decided.
type GovernanceMode uint8

// Governance modes.
const (
	GovernancePiloted     GovernanceMode = 1
	GovernanceCoPiloted   GovernanceMode = 2
	GovernanceAutoPiloted GovernanceMode = 3
)

// String returns the JS client's name ("piloted", …, "undefined").
func (m GovernanceMode) String() string {
	switch m {
	case GovernancePiloted:
		return "piloted"
	case GovernanceCoPiloted:
		return "co-piloted"
	case GovernanceAutoPiloted:
		return "auto-piloted"
	}
	return "undefined"
}

// GovernanceInfo is the governance game's state (GOVERNANCE_INFO).
type GovernanceInfo struct {
	Mode                            GovernanceMode
	LastCandidateIdx                uint32
	VoteBaseCount                   uint32
	VoteBaseCountChangedTimestamp   uint64
	FoundationLastVotedCandidateIdx uint32
	FoundationLastVotedTimestamp    uint64
	ElectedProposalUniqueID         [32]byte
	ProposalElectedTimestamp        uint64
	UpdatedHookCount                uint8
	PrevMomentVoteBaseCount         uint32
	// Size is the encoded length (70 or 74); zero means 74.
	Size int
}

// DecodeGovernanceInfo reads a GOVERNANCE_INFO value.
func DecodeGovernanceInfo(b []byte) (GovernanceInfo, error) {
	var g GovernanceInfo
	const what = "GOVERNANCE_INFO"
	if err := need(what, b, 70); err != nil {
		return g, err
	}
	g.Mode = GovernanceMode(b[0])
	g.LastCandidateIdx = le.Uint32(b[1:])
	g.VoteBaseCount = le.Uint32(b[5:])
	g.VoteBaseCountChangedTimestamp = le.Uint64(b[9:])
	g.FoundationLastVotedCandidateIdx = le.Uint32(b[17:])
	g.FoundationLastVotedTimestamp = le.Uint64(b[21:])
	copy(g.ElectedProposalUniqueID[:], b[29:61])
	g.ProposalElectedTimestamp = le.Uint64(b[61:])
	g.UpdatedHookCount = b[69]
	if ok, err := tail(what, b, 70, 4); err != nil {
		return g, err
	} else if ok {
		g.PrevMomentVoteBaseCount = le.Uint32(b[70:])
	}
	g.Size = size(len(b), GovernanceInfoSize)
	return g, nil
}

// Encode writes the value at its Size.
func (g *GovernanceInfo) Encode() []byte {
	b := make([]byte, GovernanceInfoSize)
	b[0] = byte(g.Mode)
	le.PutUint32(b[1:], g.LastCandidateIdx)
	le.PutUint32(b[5:], g.VoteBaseCount)
	le.PutUint64(b[9:], g.VoteBaseCountChangedTimestamp)
	le.PutUint32(b[17:], g.FoundationLastVotedCandidateIdx)
	le.PutUint64(b[21:], g.FoundationLastVotedTimestamp)
	copy(b[29:61], g.ElectedProposalUniqueID[:])
	le.PutUint64(b[61:], g.ProposalElectedTimestamp)
	b[69] = g.UpdatedHookCount
	le.PutUint32(b[70:], g.PrevMomentVoteBaseCount)
	return b[:size(g.Size, GovernanceInfoSize)]
}

// MarshalJSON writes the JS client's shape.
func (g GovernanceInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("governanceMode", g.Mode.String())
	o.add("lastCandidateIdx", g.LastCandidateIdx)
	o.add("voteBaseCount", g.VoteBaseCount)
	o.add("voteBaseCountChangedTimestamp", g.VoteBaseCountChangedTimestamp)
	o.add("foundationLastVotedCandidateIdx", g.FoundationLastVotedCandidateIdx)
	o.add("foundationLastVotedTimestamp", g.FoundationLastVotedTimestamp)
	o.add("electedProposalUniqueId", upperHex(g.ElectedProposalUniqueID[:]))
	o.add("proposalElectedTimestamp", g.ProposalElectedTimestamp)
	o.add("updatedHookCount", g.UpdatedHookCount)
	if size(g.Size, GovernanceInfoSize) > 70 {
		o.add("prevMomentVoteBaseCount", g.PrevMomentVoteBaseCount)
	}
	return o.MarshalJSON()
}

// NetworkConfiguration tunes how the heartbeat hook detects a busy network
// (NETWORK_CONFIGURATION).
type NetworkConfiguration struct {
	BusynessDetectPeriod  uint32
	BusynessDetectAverage uint16
}

// DecodeNetworkConfiguration reads a NETWORK_CONFIGURATION value.
func DecodeNetworkConfiguration(b []byte) (NetworkConfiguration, error) {
	var n NetworkConfiguration
	if err := need("NETWORK_CONFIGURATION", b, NetworkConfigurationSize); err != nil {
		return n, err
	}
	n.BusynessDetectPeriod = le.Uint32(b)
	n.BusynessDetectAverage = le.Uint16(b[4:])
	return n, nil
}

// Encode writes the 6-byte value.
func (n *NetworkConfiguration) Encode() []byte {
	b := make([]byte, NetworkConfigurationSize)
	le.PutUint32(b, n.BusynessDetectPeriod)
	le.PutUint16(b[4:], n.BusynessDetectAverage)
	return b
}

// MarshalJSON writes the JS client's shape.
func (n NetworkConfiguration) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("busynessDetectPeriod", n.BusynessDetectPeriod)
	o.add("busynessDetectAverage", n.BusynessDetectAverage)
	return o.MarshalJSON()
}

// TrxFeeBaseInfo tracks the network's fee base (TRX_FEE_BASE_INFO).
type TrxFeeBaseInfo struct {
	// FeeBaseAvg is in drops (plain integer, not XFL).
	FeeBaseAvg     uint32
	AvgChangedIdx  uint64
	AvgAccumulator uint32
	Counter        uint16
}

// DecodeTrxFeeBaseInfo reads a TRX_FEE_BASE_INFO value.
func DecodeTrxFeeBaseInfo(b []byte) (TrxFeeBaseInfo, error) {
	var t TrxFeeBaseInfo
	if err := need("TRX_FEE_BASE_INFO", b, TrxFeeBaseInfoSize); err != nil {
		return t, err
	}
	t.FeeBaseAvg = le.Uint32(b)
	t.AvgChangedIdx = le.Uint64(b[4:])
	t.AvgAccumulator = le.Uint32(b[12:])
	t.Counter = le.Uint16(b[16:])
	return t, nil
}

// Encode writes the 18-byte value.
func (t *TrxFeeBaseInfo) Encode() []byte {
	b := make([]byte, TrxFeeBaseInfoSize)
	le.PutUint32(b, t.FeeBaseAvg)
	le.PutUint64(b[4:], t.AvgChangedIdx)
	le.PutUint32(b[12:], t.AvgAccumulator)
	le.PutUint16(b[16:], t.Counter)
	return b
}

// MarshalJSON writes the JS client's shape.
func (t TrxFeeBaseInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("feeBaseAvg", t.FeeBaseAvg)
	o.add("avgChangedIdx", t.AvgChangedIdx)
	o.add("avgAccumulator", t.AvgAccumulator)
	o.add("counter", t.Counter)
	return o.MarshalJSON()
}

// ReputationInfo is a host's score on the reputation account (key
// ReputationHostAddrKey).
type ReputationInfo struct {
	LastRegisteredMoment uint64
	ScoreNumerator       uint64
	ScoreDenominator     uint64
	// Score is 0–100.
	Score            uint64
	LastResetMoment  uint64
	LastScoredMoment uint64
	LastUniverseSize uint64
	// Size is the encoded length (24 to 56 in steps of 8); zero means 56.
	Size int
}

// DecodeReputationInfo reads a reputation host entry.
func DecodeReputationInfo(b []byte) (ReputationInfo, error) {
	var r ReputationInfo
	const what = "reputation host"
	if err := need(what, b, 24); err != nil {
		return r, err
	}
	fields := []*uint64{&r.LastRegisteredMoment, &r.ScoreNumerator, &r.ScoreDenominator,
		&r.Score, &r.LastResetMoment, &r.LastScoredMoment, &r.LastUniverseSize}
	for i, f := range fields {
		ok, err := tail(what, b, 8*i, 8)
		if err != nil {
			return r, err
		}
		if ok {
			*f = le.Uint64(b[8*i:])
		}
	}
	r.Size = size(len(b), ReputationInfoSize)
	return r, nil
}

// Encode writes the value at its Size.
func (r *ReputationInfo) Encode() []byte {
	b := make([]byte, ReputationInfoSize)
	for i, v := range []uint64{r.LastRegisteredMoment, r.ScoreNumerator, r.ScoreDenominator,
		r.Score, r.LastResetMoment, r.LastScoredMoment, r.LastUniverseSize} {
		le.PutUint64(b[8*i:], v)
	}
	return b[:size(r.Size, ReputationInfoSize)]
}

func (r *ReputationInfo) jsFields(o *jsonObj) {
	n := size(r.Size, ReputationInfoSize)
	opt := func(off int, v uint64) any {
		if n > off {
			return v
		}
		return nil
	}
	o.add("lastRegisteredMoment", r.LastRegisteredMoment)
	o.add("scoreNumerator", r.ScoreNumerator)
	o.add("scoreDenominator", r.ScoreDenominator)
	o.add("score", opt(24, r.Score))
	o.add("lastResetMoment", opt(32, r.LastResetMoment))
	o.add("lastScoredMoment", opt(40, r.LastScoredMoment))
	o.add("lastUniverseSize", opt(48, r.LastUniverseSize))
}

// ReputationContractInfo locates a host's reputation contract instance for
// one moment: its HotPocket public key and peer port. Readers accept it only
// for the moment it names.
type ReputationContractInfo struct {
	PublicKey [33]byte
	PeerPort  uint16
	Moment    uint64
	// HasMoment is false for a value too short to carry the moment.
	HasMoment bool
}

// DecodeReputationContractInfo reads the 43-byte contract info (from the
// delegate hook's state or, hex-decoded, a one-to-one reputation account's
// Domain).
func DecodeReputationContractInfo(b []byte) (ReputationContractInfo, error) {
	var r ReputationContractInfo
	const what = "reputation contract info"
	if err := need(what, b, 35); err != nil {
		return r, err
	}
	copy(r.PublicKey[:], b[:33])
	r.PeerPort = le.Uint16(b[33:])
	ok, err := tail(what, b, 35, 8)
	if err != nil {
		return r, err
	}
	if ok {
		r.Moment, r.HasMoment = le.Uint64(b[35:]), true
	}
	return r, nil
}

// Encode writes the 43-byte value (35 without a moment).
func (r *ReputationContractInfo) Encode() []byte {
	b := make([]byte, ReputationContractInfoSize)
	copy(b, r.PublicKey[:])
	le.PutUint16(b[33:], r.PeerPort)
	le.PutUint64(b[35:], r.Moment)
	if !r.HasMoment {
		return b[:35]
	}
	return b
}
