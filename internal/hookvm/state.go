package hookvm

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// StateMap is the hook state cache of one originating transaction, shared
// by every hook execution it triggers (xahaud's HookStateMap): reads are
// cached, writes are buffered and counted against the account's reserve,
// and Changes lists what to write to the ledger once the chain accepted.
// It is not safe for concurrent use.
type StateMap struct {
	accts    map[[20]byte]*stateAcct
	modified int
}

type stateAcct struct {
	avail   int64
	nsCount int64
	ns      map[[32]byte]map[[32]byte]*stateEntry
}

type stateEntry struct {
	modified bool
	data     []byte
}

// NewStateMap returns an empty cache.
func NewStateMap() *StateMap { return &StateMap{accts: map[[20]byte]*stateAcct{}} }

// StateChange is one modified state entry; empty Data deletes it.
type StateChange struct {
	Account   [20]byte
	Namespace [32]byte
	Key       [32]byte
	Data      []byte
}

// Changes lists the modified entries, ordered by account, namespace and key
// so that applying them is deterministic.
func (s *StateMap) Changes() []StateChange {
	var out []StateChange
	for a, acc := range s.accts {
		for ns, m := range acc.ns {
			for k, e := range m {
				if e.modified {
					out = append(out, StateChange{a, ns, k, e.data})
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y StateChange) int {
		if c := bytes.Compare(x.Account[:], y.Account[:]); c != 0 {
			return c
		}
		if c := bytes.Compare(x.Namespace[:], y.Namespace[:]); c != 0 {
			return c
		}
		return bytes.Compare(x.Key[:], y.Key[:])
	})
	return out
}

func (s *StateMap) lookup(a [20]byte, ns, key [32]byte) (*stateEntry, bool) {
	acc := s.accts[a]
	if acc == nil {
		return nil, false
	}
	e, ok := acc.ns[ns][key]
	return e, ok
}

// set is xahaud's set_state_cache. It returns 1 or a negative code;
// newChange reports a state change counted in HookStateChangeCount.
func (x *exec) setStateCache(a [20]byte, ns, key [32]byte, data []byte, modified bool) int64 {
	s := x.call.State
	if modified && s.modified >= maxStateModifications {
		return TooManyStateModifications
	}
	createNS := func() bool { return !x.has(HookStateDirKeylet(a, ns).Key) }
	acc := s.accts[a]
	if acc == nil {
		root := x.call.Ledger.Entry(AccountKeylet(a).Key)
		if root == nil {
			return DoesntExist
		}
		bal, owners, nss := accountInfo(root)
		avail := bal - (x.call.Fees.ReserveBase + int64(owners)*x.call.Fees.ReserveInc)
		inc := x.call.Fees.ReserveInc
		if inc <= 0 {
			inc = 1
		}
		avail /= inc
		if avail < 1 && modified {
			return ReserveInsufficient
		}
		nsCount := int64(nss)
		if createNS() {
			if nsCount++; nsCount > maxNamespaces {
				return TooManyNamespaces
			}
		}
		s.modified++
		s.accts[a] = &stateAcct{avail: avail - 1, nsCount: nsCount,
			ns: map[[32]byte]map[[32]byte]*stateEntry{ns: {key: {modified, data}}}}
		return 1
	}
	canReserve := acc.avail > 0
	m, ok := acc.ns[ns]
	if !ok {
		if modified {
			if !canReserve {
				return ReserveInsufficient
			}
			if createNS() {
				if acc.nsCount+1 > maxNamespaces {
					return TooManyNamespaces
				}
				acc.nsCount++
			}
			acc.avail--
			s.modified++
		}
		acc.ns[ns] = map[[32]byte]*stateEntry{key: {modified, data}}
		return 1
	}
	e, ok := m[key]
	if !ok {
		if modified {
			if !canReserve {
				return ReserveInsufficient
			}
			acc.avail--
			s.modified++
		}
		m[key] = &stateEntry{modified, data}
		x.result.StateChanges++
		return 1
	}
	if modified {
		if !e.modified {
			x.result.StateChanges++
		}
		s.modified++
		e.modified = true
	}
	e.data = data
	return 1
}

// accountInfo reads Balance (drops), OwnerCount and the number of
// HookNamespaces from a serialised AccountRoot.
func accountInfo(root []byte) (balance int64, owners uint32, namespaces int) {
	kids, err := rootNode(stiLedgerEntry, root).children()
	if err != nil {
		return 0, 0, 0
	}
	for _, k := range kids {
		switch {
		case k.typ == stiAmount && k.nth == 2 && len(k.val) == 8: // Balance
			v := binary.BigEndian.Uint64(k.val)
			balance = int64(v & 0x3FFFFFFFFFFFFFFF)
			if v&0x4000000000000000 == 0 {
				balance = -balance
			}
		case k.typ == stiUInt32 && k.nth == 13: // OwnerCount
			owners = binary.BigEndian.Uint32(k.val)
		case k.typ == stiVector256 && k.nth == 5: // HookNamespaces
			if l, p, err := vlLength(k.val); err == nil && p+l == len(k.val) {
				namespaces = l / 32
			}
		}
	}
	return
}

// stateData reads HookStateData from a serialised HookState entry.
func stateData(entry []byte) []byte {
	n, ok, err := rootNode(stiLedgerEntry, entry).subfield(stiVL<<16 | 22)
	if err != nil || !ok {
		return nil
	}
	l, p, err := vlLength(n.val)
	if err != nil || p+l != len(n.val) {
		return nil
	}
	return n.val[p:]
}
