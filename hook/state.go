package hook

import (
	"bytes"
	"fmt"
)

// Kind is the type of a decoded state entry, named as the JS client's
// StateHelpers.StateTypes.
type Kind string

// State kinds.
const (
	KindHostAddr       Kind = "hostAddr"
	KindTokenID        Kind = "tokenId"
	KindSingleton      Kind = "singleton"
	KindConfiguration  Kind = "configuration"
	KindTransfereeAddr Kind = "transfereeAddr"
	KindCandidateOwner Kind = "candidateOwner"
	KindCandidateID    Kind = "candidateId"
)

// State is one decoded governor state entry.
//
// Value holds the typed value: HostAddr, HostToken, Transferee,
// CandidateOwner or Candidate for the keyed kinds; for configuration and
// singletons an AccountID (addresses), uint16 (MOMENT_SIZE,
// HOST_HEARTBEAT_FREQ, LEASE_ACQUIRE_WINDOW, MAX_TOLERABLE_DOWNTIME), uint32
// (HOST_COUNT), uint64 (MINT_LIMIT, FIXED_REG_FEE, MAX_TRX_EMISSION_FEE,
// HOST_REG_FEE, MAX_REG) or one of the composite types (MomentBaseInfo,
// RewardInfo, …).
//
// State marshals to JSON exactly as the JS client's decodeStateData result:
// {type, key, value} for configuration and singletons, the fields flattened
// beside type and key for the others.
type State struct {
	Kind  Kind
	Key   Key
	Value any

	// uniqueID of a candidate owner entry: the JS client hashes the whole
	// value, which may be longer than the four hashes.
	uniqueID [32]byte
}

// Account returns the account a host, transferee or candidate-owner entry
// belongs to (from the key, or from the value for TOKEN_ID), and false for
// other kinds.
func (s State) Account() (AccountID, bool) {
	var a AccountID
	switch s.Kind {
	case KindHostAddr, KindTransfereeAddr, KindCandidateOwner:
		copy(a[:], s.Key[12:])
		return a, true
	case KindTokenID:
		if t, ok := s.Value.(HostToken); ok {
			return t.Account, true
		}
	}
	return a, false
}

// DecodeState decodes a governor state entry, choosing the layout by the
// key as StateHelpers.decodeStateData does. Keys it does not know (among
// them the reputation hook's, which live on another account) give
// ErrUnknownKey; values too short for their layout give ErrMalformed. It
// never panics.
func DecodeState(key, value []byte) (State, error) {
	if len(key) != 32 {
		return State{}, malformed("state key of %d bytes", len(key))
	}
	var s State
	copy(s.Key[:], key)
	if key[0] != 'E' || key[1] != 'V' || key[2] != 'R' {
		return State{}, fmt.Errorf("%w: %s", ErrUnknownKey, s.Key)
	}
	var err error
	switch key[3] {
	case keyHostAddr:
		s.Kind = KindHostAddr
		s.Value, err = DecodeHostAddr(value)
	case keyTokenID:
		s.Kind = KindTokenID
		s.Value, err = DecodeHostToken(value)
	case keyTransfereeAddr:
		s.Kind = KindTransfereeAddr
		s.Value, err = DecodeTransferee(value)
	case keyCandidateOwner:
		s.Kind = KindCandidateOwner
		s.Value, err = DecodeCandidateOwner(value)
		s.uniqueID = newHookCandidateID(value)
	case keyCandidateID:
		s.Kind = KindCandidateID
		s.Value, err = DecodeCandidate(value)
	default:
		return decodeFixed(s, value)
	}
	if err != nil {
		return State{}, err
	}
	return s, nil
}

// decodeFixed decodes the configuration and singleton keys, which must
// match exactly.
func decodeFixed(s State, value []byte) (State, error) {
	k := s.Key
	var err error
	if bytes.Equal(k[4:], make([]byte, 28)) {
		s.Kind = KindSingleton
		switch Singleton(k[3]) {
		case SingletonHostCount:
			if err = need("HOST_COUNT", value, 4); err == nil {
				s.Value = le.Uint32(value)
			}
		case SingletonMomentBaseInfo:
			s.Value, err = DecodeMomentBaseInfo(value)
		case SingletonHostRegFee, SingletonMaxReg:
			if err = need(SingletonName(Singleton(k[3])), value, 8); err == nil {
				s.Value = le.Uint64(value)
			}
		case SingletonRewardInfo:
			s.Value, err = DecodeRewardInfo(value)
		case SingletonGovernanceInfo:
			s.Value, err = DecodeGovernanceInfo(value)
		case SingletonTrxFeeBaseInfo:
			s.Value, err = DecodeTrxFeeBaseInfo(value)
		default:
			return State{}, fmt.Errorf("%w: %s", ErrUnknownKey, k)
		}
	} else if k[3] == keyConfig && bytes.Equal(k[4:31], make([]byte, 27)) {
		s.Kind = KindConfiguration
		idx := ConfigIndex(k[31])
		name := ConfigName(idx)
		switch idx {
		case ConfEVRIssuerAddr, ConfFoundationAddr, ConfHeartbeatAddr, ConfRegistryAddr, ConfReputationAddr:
			if len(value) != 20 {
				err = malformed("%s value of %d bytes, want 20", name, len(value))
			} else {
				s.Value = AccountID(value)
			}
		case ConfMomentSize, ConfHostHeartbeatFreq, ConfLeaseAcquireWindow, ConfMaxTolerableDowntime:
			if err = need(name, value, 2); err == nil {
				s.Value = le.Uint16(value)
			}
		case ConfMintLimit, ConfFixedRegFee, ConfMaxTrxEmissionFee:
			if err = need(name, value, 8); err == nil {
				s.Value = le.Uint64(value)
			}
		case ConfRewardConfiguration:
			s.Value, err = DecodeRewardConfiguration(value)
		case ConfMomentTransitInfo:
			s.Value, err = DecodeMomentTransitInfo(value)
		case ConfGovernanceConfiguration:
			s.Value, err = DecodeGovernanceConfiguration(value)
		case ConfNetworkConfiguration:
			s.Value, err = DecodeNetworkConfiguration(value)
		default:
			return State{}, fmt.Errorf("%w: %s", ErrUnknownKey, k)
		}
	} else {
		return State{}, fmt.Errorf("%w: %s", ErrUnknownKey, k)
	}
	if err != nil {
		return State{}, err
	}
	return s, nil
}

// EncodeValue encodes a typed state value (any type State.Value holds).
func EncodeValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case HostAddr:
		return x.Encode(), nil
	case HostToken:
		return x.Encode(), nil
	case Transferee:
		return x.Encode(), nil
	case CandidateOwner:
		return x.Encode(), nil
	case Candidate:
		return x.Encode(), nil
	case MomentBaseInfo:
		return x.Encode(), nil
	case MomentTransitInfo:
		return x.Encode(), nil
	case RewardConfiguration:
		return x.Encode(), nil
	case RewardInfo:
		return x.Encode(), nil
	case GovernanceConfiguration:
		return x.Encode(), nil
	case GovernanceInfo:
		return x.Encode(), nil
	case NetworkConfiguration:
		return x.Encode(), nil
	case TrxFeeBaseInfo:
		return x.Encode(), nil
	case ReputationInfo:
		return x.Encode(), nil
	case ReputationContractInfo:
		return x.Encode(), nil
	case AccountID:
		return x[:], nil
	case uint16:
		return le.AppendUint16(nil, x), nil
	case uint32:
		return le.AppendUint32(nil, x), nil
	case uint64:
		return le.AppendUint64(nil, x), nil
	}
	return nil, fmt.Errorf("hook: cannot encode a %T", v)
}

// MarshalJSON writes the JS client's decodeStateData shape.
func (s State) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("type", string(s.Kind))
	o.add("key", s.Key.String())
	switch v := s.Value.(type) {
	case HostAddr:
		a, _ := s.Account()
		o.add("address", a)
		v.jsFields(&o)
	case HostToken:
		addrKey := HostAddrKey(v.Account)
		o.add("addressKey", addrKey.String())
		v.jsFields(&o)
	case Transferee:
		a, _ := s.Account()
		o.add("futureOwnerAddress", a)
		o.add("prevHostAddressKey", HostAddrKey(v.PrevHost).String())
		o.add("prevHostAddress", v.PrevHost)
		o.add("transferLedgerIdx", v.TransferLedger)
		o.add("transferredNfTokenId", upperHex(v.TokenID[:]))
	case CandidateOwner:
		idKey := CandidateIDKey(s.uniqueID)
		o.add("idKey", idKey.String())
		a, _ := s.Account()
		o.add("ownerAddress", a)
		o.add("uniqueId", upperHex(s.uniqueID[:]))
		o.add("governorHookHash", upperHex(v.GovernorHookHash[:]))
		o.add("registryHookHash", upperHex(v.RegistryHookHash[:]))
		o.add("heartbeatHookHash", upperHex(v.HeartbeatHookHash[:]))
		o.add("reputationHookHash", upperHex(v.ReputationHookHash[:]))
	case Candidate:
		var id [32]byte
		copy(id[4:], s.Key[4:])
		o.add("uniqueId", upperHex(id[:]))
		if CandidateTypeOf(id) == CandidateDudHost {
			var a AccountID
			copy(a[:], s.Key[12:])
			o.add("dudHostAddress", a)
		}
		v.jsFields(&o)
	default:
		o.add("value", v)
	}
	return o.MarshalJSON()
}
