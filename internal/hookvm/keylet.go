package hookvm

import (
	"bytes"
	"encoding/binary"

	"github.com/evernode-go/sdk/internal/codec"
)

// Ledger entry type codes (ripple::LedgerEntryType) that keylets carry.
const (
	ltAny            = 0
	ltChild          = 0x1CD2
	ltAccountRoot    = 'a'
	ltDirNode        = 'd'
	ltRippleState    = 'r'
	ltOffer          = 'o'
	ltLedgerHashes   = 'h'
	ltAmendments     = 'f'
	ltFeeSettings    = 's'
	ltSignerList     = 'S'
	ltEscrow         = 'u'
	ltPayChan        = 'x'
	ltCheck          = 'C'
	ltDepositPreauth = 'p'
	ltNegativeUNL    = 'N'
	ltNFTOffer       = '7'
	ltHook           = 'H'
	ltHookState      = 'v'
	ltHookDefinition = 'D'
	ltEmittedTxn     = 'E'
)

// Keylet is a ledger object's type and index, serialised for hooks as 34
// bytes: the 16-bit type, big-endian, then the 32-byte index.
type Keylet struct {
	Type uint16
	Key  [32]byte
}

// Bytes is the 34-byte form util_keylet writes.
func (k Keylet) Bytes() []byte {
	b := make([]byte, 34)
	binary.BigEndian.PutUint16(b, k.Type)
	copy(b[2:], k.Key[:])
	return b
}

func indexHash(space byte, parts ...[]byte) [32]byte {
	all := append([][]byte{{0, space}}, parts...)
	return codec.SHA512Half(all...)
}

func u32be(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func u64be(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// AccountKeylet is keylet::account.
func AccountKeylet(a [20]byte) Keylet { return Keylet{ltAccountRoot, indexHash('a', a[:])} }

// HookKeylet is keylet::hook, the account's Hook object.
func HookKeylet(a [20]byte) Keylet { return Keylet{ltHook, indexHash('H', a[:])} }

// HookDefinitionKeylet is keylet::hookDefinition of a hook hash.
func HookDefinitionKeylet(h [32]byte) Keylet {
	return Keylet{ltHookDefinition, indexHash('D', h[:])}
}

// HookStateKeylet is keylet::hookState.
func HookStateKeylet(a [20]byte, key, ns [32]byte) Keylet {
	return Keylet{ltHookState, indexHash('v', a[:], key[:], ns[:])}
}

// HookStateDirKeylet is keylet::hookStateDir.
func HookStateDirKeylet(a [20]byte, ns [32]byte) Keylet {
	return Keylet{ltDirNode, indexHash('J', a[:], ns[:])}
}

// OwnerDirKeylet is keylet::ownerDir.
func OwnerDirKeylet(a [20]byte) Keylet { return Keylet{ltDirNode, indexHash('O', a[:])} }

// EmittedTxnKeylet is keylet::emittedTxn.
func EmittedTxnKeylet(id [32]byte) Keylet { return Keylet{ltEmittedTxn, indexHash('E', id[:])} }

// LineKeylet is keylet::line (the accounts in either order).
func LineKeylet(a, b [20]byte, currency [20]byte) Keylet {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return Keylet{ltRippleState, indexHash('r', a[:], b[:], currency[:])}
}

// utilKeylet computes util_keylet's keylet from its arguments; mem reads
// hook memory (it returns nil when out of bounds). It returns the keylet or
// a negative return code.
func utilKeylet(kt uint32, a, b, c, d, e, f uint32, mem func(ptr, n uint32) []byte) (Keylet, int64) {
	read := func(ptr, n uint32) ([]byte, int64) {
		m := mem(ptr, n)
		if m == nil {
			return nil, OutOfBounds
		}
		return m, 0
	}
	var acc20 = func(p []byte) (out [20]byte) { copy(out[:], p); return }
	var h32 = func(p []byte) (out [32]byte) { copy(out[:], p); return }
	switch kt {
	case KeyletQuality:
		if a == 0 || b == 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		p, rc := read(a, b)
		if rc != 0 {
			return Keylet{}, rc
		}
		if b != 34 || p[0] != 0 || p[1] != 0x64 {
			return Keylet{}, InvalidArgument
		}
		k := h32(p[2:])
		binary.BigEndian.PutUint64(k[24:], uint64(c)<<32|uint64(d))
		return Keylet{ltDirNode, k}, 0
	case KeyletHookDefinition, KeyletChild, KeyletEmittedTxn, KeyletUnchecked:
		if a == 0 || b == 0 || c != 0 || d != 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		p, rc := read(a, b)
		if rc != 0 {
			return Keylet{}, rc
		}
		if b != 32 {
			return Keylet{}, InvalidArgument
		}
		id := h32(p)
		switch kt {
		case KeyletChild:
			return Keylet{ltChild, id}, 0
		case KeyletEmittedTxn:
			return EmittedTxnKeylet(id), 0
		case KeyletHookDefinition:
			return HookDefinitionKeylet(id), 0
		}
		return Keylet{ltAny, id}, 0
	case KeyletOwnerDir, KeyletSigners, KeyletAccount, KeyletHook:
		if a == 0 || b == 0 || c != 0 || d != 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		p, rc := read(a, b)
		if rc != 0 {
			return Keylet{}, rc
		}
		if b != 20 {
			return Keylet{}, InvalidArgument
		}
		id := acc20(p)
		switch kt {
		case KeyletHook:
			return HookKeylet(id), 0
		case KeyletSigners:
			return Keylet{ltSignerList, indexHash('S', id[:], u32be(0))}, 0
		case KeyletOwnerDir:
			return OwnerDirKeylet(id), 0
		}
		return AccountKeylet(id), 0
	case KeyletOffer, KeyletCheck, KeyletEscrow, KeyletNFTOffer:
		if a == 0 || b == 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		p, rc := read(a, b)
		if rc != 0 {
			return Keylet{}, rc
		}
		if b != 20 {
			return Keylet{}, InvalidArgument
		}
		id := acc20(p)
		var seq []byte
		switch {
		case d == 0:
			seq = u32be(c)
		case d != 32:
			return Keylet{}, InvalidArgument
		default:
			s, rc := read(c, 32)
			if rc != 0 {
				return Keylet{}, rc
			}
			seq = s
		}
		switch kt {
		case KeyletCheck:
			return Keylet{ltCheck, indexHash('C', id[:], seq)}, 0
		case KeyletEscrow:
			return Keylet{ltEscrow, indexHash('u', id[:], seq)}, 0
		case KeyletNFTOffer:
			return Keylet{ltNFTOffer, indexHash('q', id[:], seq)}, 0
		}
		return Keylet{ltOffer, indexHash('o', id[:], seq)}, 0
	case KeyletPage:
		if a == 0 || b == 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		p, rc := read(a, b)
		if rc != 0 {
			return Keylet{}, rc
		}
		if b != 32 {
			return Keylet{}, InvalidArgument
		}
		idx := uint64(c)<<32 | uint64(d)
		if idx == 0 {
			return Keylet{ltDirNode, h32(p)}, 0
		}
		return Keylet{ltDirNode, indexHash('d', p, u64be(idx))}, 0
	case KeyletHookState:
		if a == 0 || b == 0 || c == 0 || d == 0 || e == 0 || f == 0 {
			return Keylet{}, InvalidArgument
		}
		pa, rc1 := read(a, b)
		pk, rc2 := read(c, d)
		pn, rc3 := read(e, f)
		if rc1 != 0 || rc2 != 0 || rc3 != 0 {
			return Keylet{}, OutOfBounds
		}
		if b != 20 || d != 32 || f != 32 {
			return Keylet{}, InvalidArgument
		}
		return HookStateKeylet(acc20(pa), h32(pk), h32(pn)), 0
	case KeyletHookStateDir:
		if a == 0 || b == 0 || c == 0 || d == 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		pa, rc1 := read(a, b)
		pn, rc2 := read(c, d)
		if rc1 != 0 || rc2 != 0 {
			return Keylet{}, OutOfBounds
		}
		if b != 20 || d != 32 {
			return Keylet{}, InvalidArgument
		}
		return HookStateDirKeylet(acc20(pa), h32(pn)), 0
	case KeyletSkip:
		if c != 0 || d != 0 || e != 0 || f != 0 || b > 1 {
			return Keylet{}, InvalidArgument
		}
		if b == 0 {
			return Keylet{ltLedgerHashes, indexHash('s')}, 0
		}
		return Keylet{ltLedgerHashes, indexHash('s', u32be(a>>16))}, 0
	case KeyletAmendments, KeyletFees, KeyletNegativeUNL, KeyletEmittedDir:
		if a != 0 || b != 0 || c != 0 || d != 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		switch kt {
		case KeyletAmendments:
			return Keylet{ltAmendments, indexHash('f')}, 0
		case KeyletFees:
			return Keylet{ltFeeSettings, indexHash('e')}, 0
		case KeyletNegativeUNL:
			return Keylet{ltNegativeUNL, indexHash('N')}, 0
		}
		return Keylet{ltDirNode, indexHash('F')}, 0
	case KeyletLine:
		if a == 0 || b == 0 || c == 0 || d == 0 || e == 0 || f == 0 {
			return Keylet{}, InvalidArgument
		}
		hi, rc1 := read(a, b)
		lo, rc2 := read(c, d)
		cu, rc3 := read(e, f)
		if rc1 != 0 || rc2 != 0 || rc3 != 0 {
			return Keylet{}, OutOfBounds
		}
		if b != 20 || d != 20 {
			return Keylet{}, InvalidArgument
		}
		cur, ok := parseCurrency(cu)
		if !ok {
			return Keylet{}, InvalidArgument
		}
		return LineKeylet(acc20(hi), acc20(lo), cur), 0
	case KeyletDepositPreauth:
		if a == 0 || b == 0 || c == 0 || d == 0 || e != 0 || f != 0 {
			return Keylet{}, InvalidArgument
		}
		pa, rc1 := read(a, b)
		pb, rc2 := read(c, d)
		if rc1 != 0 || rc2 != 0 {
			return Keylet{}, OutOfBounds
		}
		if b != 20 || d != 20 {
			return Keylet{}, InvalidArgument
		}
		return Keylet{ltDepositPreauth, indexHash('p', pa, pb)}, 0
	case KeyletPaychan:
		if a == 0 || b == 0 || c == 0 || d == 0 || e == 0 {
			return Keylet{}, InvalidArgument
		}
		pa, rc1 := read(a, b)
		pb, rc2 := read(c, d)
		if rc1 != 0 || rc2 != 0 {
			return Keylet{}, OutOfBounds
		}
		if b != 20 || d != 20 {
			return Keylet{}, InvalidArgument
		}
		var seq []byte
		switch {
		case f == 0:
			seq = u32be(e)
		case f != 32:
			return Keylet{}, InvalidArgument
		default:
			s, rc := read(e, 32)
			if rc != 0 {
				return Keylet{}, rc
			}
			seq = s
		}
		return Keylet{ltPayChan, indexHash('x', pa, pb, seq)}, 0
	}
	return Keylet{}, NoSuchKeylet
}

// parseCurrency is xahaud's parseCurrency: 20 raw bytes, or a 3-character
// ISO-like code from its allowed alphabet.
func parseCurrency(b []byte) ([20]byte, bool) {
	var c [20]byte
	switch len(b) {
	case 20:
		copy(c[:], b)
		return c, true
	case 3:
		for _, ch := range b {
			ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
				bytes.IndexByte([]byte("?!@#$%^&*<>(){}[]|"), ch) >= 0
			if !ok {
				return c, false
			}
		}
		copy(c[12:], b)
		return c, true
	}
	return c, false
}
