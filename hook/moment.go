package hook

// Moments is the moment arithmetic of the heartbeat hook (§7.2): moment m
// began at index Base.BaseIndex + (m − Base.BaseTransitionMoment) × Size,
// where an index is a ledger sequence or a unix time per Base.MomentType.
// A scheduled Transit is applied the way the hook applies it, at the first
// index at or past its TransitionIndex. The zero Size counts no moments.
type Moments struct {
	Base    MomentBaseInfo
	Size    uint16
	Transit MomentTransitInfo
}

// Type returns the moment type in force before any transition.
func (m Moments) Type() MomentType {
	if m.Base.MomentType == MomentLedger {
		return MomentLedger
	}
	return MomentTimestamp
}

// At returns the moments in force when the ledger with sequence seq closed
// at unix time ts: with a due transition applied (the hook compares the
// transition index with the index of the old type, then switches).
func (m Moments) At(ts, seq uint64) Moments {
	t := m.Transit
	if t.TransitionIndex == 0 || m.index(ts, seq) < t.TransitionIndex {
		return m
	}
	moment := m.Moment(t.TransitionIndex)
	return Moments{
		Base: MomentBaseInfo{BaseIndex: t.TransitionIndex, BaseTransitionMoment: uint32(moment),
			MomentType: t.MomentType},
		Size: t.MomentSize,
	}
}

func (m Moments) index(ts, seq uint64) uint64 {
	if m.Type() == MomentTimestamp {
		return ts
	}
	return seq
}

// Index picks the index that counts under these moments: ts for timestamp
// moments, seq for ledger moments.
func (m Moments) Index(ts, seq uint64) uint64 { return m.index(ts, seq) }

// Moment returns the moment of index idx (no transition applied; use At
// first). Indexes before the base belong to earlier moments, floored as the
// JS client does, and clamp at zero.
func (m Moments) Moment(idx uint64) uint64 {
	if m.Size == 0 {
		return uint64(m.Base.BaseTransitionMoment)
	}
	n := floorDiv(int64(idx)-int64(m.Base.BaseIndex), int64(m.Size))
	v := int64(m.Base.BaseTransitionMoment) + n
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// StartIndex returns the first index of the moment idx falls in.
func (m Moments) StartIndex(idx uint64) uint64 {
	if m.Size == 0 {
		return m.Base.BaseIndex
	}
	n := floorDiv(int64(idx)-int64(m.Base.BaseIndex), int64(m.Size))
	v := int64(m.Base.BaseIndex) + n*int64(m.Size)
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// MomentAt is At(ts, seq).Moment of the index that counts.
func (m Moments) MomentAt(ts, seq uint64) uint64 {
	e := m.At(ts, seq)
	return e.Moment(e.index(ts, seq))
}

// StartAt is At(ts, seq).StartIndex of the index that counts.
func (m Moments) StartAt(ts, seq uint64) uint64 {
	e := m.At(ts, seq)
	return e.StartIndex(e.index(ts, seq))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Active applies the activeness rule of the JS client (§7.4): with F =
// heartbeatFreq × momentSize, a host whose last heartbeat index is above F
// is active if it heartbeated at or after curMomentStart − F; otherwise it
// is active if it ever heartbeated.
func Active(lastHeartbeat, curMomentStart uint64, heartbeatFreq, momentSize uint16) bool {
	f := uint64(heartbeatFreq) * uint64(momentSize)
	if lastHeartbeat > f {
		return curMomentStart < f || lastHeartbeat >= curMomentStart-f
	}
	return lastHeartbeat > 0
}
