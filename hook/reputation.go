package hook

import "bytes"

// ReputationState is a decoded entry of the reputation hook's state (on the
// reputation account) or of a delegate hook's contract info. Its JSON is
// the shape of the JS client's decodeReputation* helpers.
type ReputationState struct {
	Key Key
	// Value is ReputationInfo (host score), uint64 (ordered id of a host in
	// a moment, or a moment's host count), AccountID (host holding an
	// ordered id) or ReputationContractInfo.
	Value any
	// Host is set for host score, order and contract info entries.
	Host AccountID
	// Moment and OrderedID are set for the moment-keyed entries.
	Moment, OrderedID uint64
}

// DecodeReputationState decodes a reputation hook entry, telling the kinds
// apart by their zero-padded keys (§6.5): 24 zero bytes and a moment (host
// count), 16 and moment ‖ ordered id (host address), 12 and an account
// (host score), 4 and moment ‖ account (ordered id), or EVR 02 (delegate
// contract info). A moment of zero or an account ID starting with zero
// bytes is ambiguous; the longest zero prefix wins.
func DecodeReputationState(key, value []byte) (ReputationState, error) {
	var s ReputationState
	if len(key) != 32 {
		return s, malformed("state key of %d bytes", len(key))
	}
	copy(s.Key[:], key)
	zeros := func(n int) bool { return bytes.Equal(key[:n], make([]byte, n)) }
	switch {
	case key[0] == 'E' && key[1] == 'V' && key[2] == 'R' && key[3] == keyRepContract:
		v, err := DecodeReputationContractInfo(value)
		if err != nil {
			return s, err
		}
		copy(s.Host[:], key[12:])
		s.Value = v
	case zeros(24):
		if err := need("reputation host count", value, 8); err != nil {
			return s, err
		}
		s.Moment, s.Value = le.Uint64(key[24:]), le.Uint64(value)
	case zeros(16):
		if len(value) != 20 {
			return s, malformed("reputation host address value of %d bytes, want 20", len(value))
		}
		s.Moment, s.OrderedID = le.Uint64(key[16:]), le.Uint64(key[24:])
		copy(s.Host[:], value)
		s.Value = s.Host
	case zeros(12):
		v, err := DecodeReputationInfo(value)
		if err != nil {
			return s, err
		}
		copy(s.Host[:], key[12:])
		s.Value = v
	case zeros(4):
		if err := need("reputation order", value, 8); err != nil {
			return s, err
		}
		s.Moment = le.Uint64(key[4:])
		copy(s.Host[:], key[12:])
		s.OrderedID = le.Uint64(value)
		s.Value = s.OrderedID
	default:
		return s, ErrUnknownKey
	}
	return s, nil
}

// MarshalJSON writes the JS decodeReputation* shapes.
func (s ReputationState) MarshalJSON() ([]byte, error) {
	var o jsonObj
	switch v := s.Value.(type) {
	case ReputationInfo:
		o.add("hostAddress", s.Host)
		v.jsFields(&o)
	case ReputationContractInfo:
		o.add("pubkey", hexLower(v.PublicKey[:]))
		o.add("peerPort", v.PeerPort)
		if v.HasMoment {
			o.add("moment", v.Moment)
		}
	case AccountID:
		o.add("moment", s.Moment)
		o.add("orderedId", s.OrderedID)
		o.add("hostAddress", v)
	case uint64:
		if s.Host.IsZero() {
			o.add("moment", s.Moment)
			o.add("count", v)
		} else {
			o.add("moment", s.Moment)
			o.add("hostAddress", s.Host)
			o.add("orderedId", v)
		}
	}
	return o.MarshalJSON()
}
