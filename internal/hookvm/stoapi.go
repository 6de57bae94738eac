package hookvm

import (
	"math"

	"github.com/evernode-go/sdk/evernode"
)

// stoLength is xahaud's get_stobject_length, quirks included (a PathSet is
// read as VL, an amount whose top bits are not 01 is 48 bytes): the length
// of the field at b[0] with header, payload and any end marker, its type
// and field codes and its payload's start and length; a negative length is
// a parse error.
func stoLength(b []byte, depth int) (length, typ, field, pstart, plen int) {
	if depth > 10 {
		return -4, 0, 0, 0, 0
	}
	end := len(b)
	if end == 0 {
		return -1, 0, 0, 0, 0
	}
	hi, lo := int(b[0]>>4), int(b[0]&0xF)
	u := 1
	if u >= end {
		return -1, 0, 0, 0, 0
	}
	switch {
	case hi > 0 && lo > 0:
		typ, field = hi, lo
	case hi > 0:
		typ, field = hi, int(b[u])
		u++
	case lo > 0:
		field, typ = lo, int(b[u])
		u++
	default:
		typ = int(b[u])
		u++
		if u >= end {
			return -1, 0, 0, 0, 0
		}
		field = int(b[u])
		u++
	}
	if u >= end {
		return -1, typ, field, 0, 0
	}
	if typ < 1 || typ > 19 || (typ >= 9 && typ <= 13) {
		return -2, typ, field, 0, 0
	}
	n := -1
	switch {
	case typ == 8 || typ == 7 || typ == 18 || typ == 19:
		n = int(b[u])
		u++
		if u >= end {
			return -1, typ, field, 0, 0
		}
		switch {
		case n < 193:
		case n < 241:
			n = (n-193)*256 + int(b[u]) + 193
			u++
			if u > end {
				return -1, typ, field, 0, 0
			}
		default:
			b2 := int(b[u])
			u++
			if u >= end {
				return -1, typ, field, 0, 0
			}
			n = (n-241)*65536 + 12481 + b2*256 + int(b[u])
			u++
			if u >= end {
				return -1, typ, field, 0, 0
			}
		}
	case (typ >= 1 && typ <= 5) || typ == 16 || typ == 17:
		n = map[int]int{1: 2, 2: 4, 3: 8, 4: 16, 5: 32, 16: 1, 17: 20}[typ]
	case typ == 6:
		n = 48
		if b[u]>>6 == 1 {
			n = 8
		}
	}
	if n > -1 {
		return n + u, typ, field, u, n
	}
	if typ == 14 || typ == 15 {
		pstart = u
		for i := 0; i < 1024; i++ {
			sub, _, _, _, _ := stoLength(b[u:], depth+1)
			if sub < 0 {
				return -1, typ, field, 0, 0
			}
			u += sub
			if u >= end {
				return -1, typ, field, 0, 0
			}
			if (b[u] == 0xE1 && typ == 14) || (b[u] == 0xF1 && typ == 15) {
				plen = u - pstart
				u++
				return u, typ, field, pstart, plen
			}
		}
		return -5, typ, field, 0, 0
	}
	return -3, typ, field, 0, 0
}

func (x *exec) stoValidate(a []uint64) int64 {
	rp, rl := u(a, 0), u(a, 1)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if rl < 2 {
		return TooSmall
	}
	b := x.read(rp, rl)
	up := 0
	for i := 0; i < 1024 && up < len(b); i++ {
		n, _, _, _, _ := stoLength(b[up:], 0)
		if n < 0 {
			return 0
		}
		up += n
	}
	if up == len(b) {
		return 1
	}
	return 0
}

func (x *exec) stoSubfield(a []uint64) int64 {
	rp, rl, fid := u(a, 0), u(a, 1), u(a, 2)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if rl < 2 {
		return TooSmall
	}
	b := x.read(rp, rl)
	up := 0
	for i := 0; i < 1024 && up < len(b); i++ {
		n, typ, field, ps, pl := stoLength(b[up:], 0)
		if n < 0 {
			return ParseError
		}
		if uint32(typ<<16+field) == fid {
			if typ == 15 {
				return int64(up)<<32 + int64(uint32(n))
			}
			return int64(up+ps)<<32 + int64(uint32(pl))
		}
		up += n
	}
	if up != len(b) {
		return ParseError
	}
	return DoesntExist
}

func (x *exec) stoSubarray(a []uint64) int64 {
	rp, rl, idx := u(a, 0), u(a, 1), u(a, 2)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if rl < 2 {
		return TooSmall
	}
	b := x.read(rp, rl)
	start, end := 0, len(b)
	if b[0]&0xF0 == 0xF0 {
		start++
		end--
	}
	if start >= end {
		return ParseError
	}
	up := start
	for i := 0; i < 1024 && up < end; i++ {
		n, _, _, _, _ := stoLength(b[up:end], 0)
		if n < 0 {
			return ParseError
		}
		if uint32(i) == idx {
			return int64(up)<<32 + int64(n)
		}
		up += n
	}
	if up != end {
		return ParseError
	}
	return DoesntExist
}

func (x *exec) utilVerify(a []uint64) int64 {
	dp, dl, sp, sl, kp, kl := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5)
	if x.notInBounds(dp, dl) || x.notInBounds(sp, sl) || x.notInBounds(kp, kl) {
		return OutOfBounds
	}
	if kl != 33 {
		return InvalidKey
	}
	if dl == 0 {
		return TooSmall
	}
	if sl < 30 {
		return TooSmall
	}
	key := x.read(kp, kl)
	if key[0] != 0xED && key[0] != 0x02 && key[0] != 0x03 {
		return InvalidKey
	}
	if evernode.VerifySignature(key, x.read(dp, dl), x.read(sp, sl)) {
		return 1
	}
	return 0
}

// doubleToXFL is xahaud's double_to_xfl.
func doubleToXFL(v float64) int64 {
	if v == 0 {
		return 0
	}
	neg := v < 0
	abs := math.Abs(v)
	exp := int32(log10Double(abs))
	abs *= math.Pow(10, float64(-exp+15))
	r := int64(abs)
	if r < minMantissa {
		if r == minMantissa-1 {
			r++
		} else {
			r *= 10
			exp--
		}
	}
	if r > maxMantissa {
		if r == maxMantissa+1 {
			r--
		} else {
			r /= 10
			exp++
		}
	}
	exp -= 15
	out := makeFloat(uint64(r), exp, neg)
	if out == ExponentUndersized {
		return 0
	}
	return out
}

// log10Double is log10 for positive doubles, exact at powers of ten as the
// C library is (Go's math.Log10 is not: it gives 2.9999999999999996 for
// 1000).
func log10Double(v float64) float64 {
	l := math.Log10(v)
	if r := math.Round(l); math.Abs(l-r) < 1e-9 && math.Pow(10, r) == v {
		return r
	}
	return l
}

// FloatLog is float_log (computed in doubles, as xahaud does).
func FloatLog(f int64) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	if f == 0 {
		return InvalidArgument
	}
	if isNegative(f) {
		return ComplexNotSupported
	}
	return doubleToXFL(log10Double(float64(getMantissa(f))) + float64(getExponent(f)))
}

// FloatRoot is float_root (computed in doubles, as xahaud does).
func FloatRoot(f int64, n uint32) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	if f == 0 {
		return 0
	}
	if n < 2 {
		return InvalidArgument
	}
	if isNegative(f) {
		return ComplexNotSupported
	}
	in := float64(getMantissa(f)) * math.Pow(10, float64(getExponent(f)))
	return doubleToXFL(math.Pow(in, 1/float64(n)))
}

// overlapping is xahaud's overlapping_memory over [start, end) pairs.
func overlapping(r ...uint64) bool {
	for i := 0; i+2 < len(r); i += 2 {
		for j := i + 2; j < len(r); j += 2 {
			if !(r[j+1] <= r[i] || r[i+1] <= r[j]) {
				return true
			}
		}
	}
	return false
}

// stoEmplace is sto_emplace: write the object at sread with the field at
// fread put at its canonical place (replacing a field with the same code);
// no field (fread 0, 0) deletes it.
func (x *exec) stoEmplace(a []uint64) int64 {
	wp, wl, sp, sl, fp, fl, fid := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5), u(a, 6)
	if x.notInBounds(wp, wl) || x.notInBounds(sp, sl) || x.notInBounds(fp, fl) {
		return OutOfBounds
	}
	if uint64(wl) < uint64(sl)+uint64(fl) {
		return TooSmall
	}
	if sl > 16*1024 {
		return TooBig
	}
	if sl < 2 {
		return TooSmall
	}
	W, S, F := uint64(wp), uint64(sp), uint64(fp)
	if fl == 0 && fp == 0 {
		if overlapping(W, W+uint64(wl), S, S+uint64(sl)) {
			return MemOverlap
		}
	} else {
		if fl > 4096 {
			return TooBig
		}
		if fl < 2 {
			return TooSmall
		}
		if overlapping(W, W+uint64(wl), S, S+uint64(sl), F, F+uint64(fl)) {
			return MemOverlap
		}
	}
	src := x.read(sp, sl)
	up, is, ie := 0, len(src), len(src)
	for i := 0; i < 1024 && up < len(src); i++ {
		n, typ, field, _, _ := stoLength(src[up:], 0)
		if n < 0 {
			return ParseError
		}
		code := uint32(typ<<16 + field)
		if code == fid {
			is, ie = up, up+n
			break
		}
		if code > fid {
			is, ie = up, up
			break
		}
		up += n
	}
	if up > len(src) {
		return ParseError
	}
	out := make([]byte, 0, int(sl)+int(fl))
	out = append(out, src[:is]...)
	if fl > 0 {
		out = append(out, x.read(fp, fl)...)
	}
	if ie < len(src) {
		out = append(out, src[ie:]...)
	}
	return x.write(wp, wl, out)
}

// stoErase is sto_erase: sto_emplace without a field, DOESNT_EXIST when
// nothing was removed.
func (x *exec) stoErase(a []uint64) int64 {
	r := x.stoEmplace([]uint64{a[0], a[1], a[2], a[3], 0, 0, a[4]})
	if r > 0 && r == int64(u(a, 3)) {
		return DoesntExist
	}
	return r
}

// Successor is optionally implemented by a Ledger that can find the first
// object after a key (what ledger_keylet needs).
type Successor interface {
	// Succ returns the smallest index greater than after and at most last.
	Succ(after, last [32]byte) ([32]byte, bool)
}

// ledgerKeylet is ledger_keylet: the first object between two keylets of
// the same type.
func (x *exec) ledgerKeylet(a []uint64) int64 {
	wp, wl, lp, ll, hp, hl := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5)
	if x.notInBounds(wp, wl) || x.notInBounds(lp, ll) || x.notInBounds(hp, hl) {
		return OutOfBounds
	}
	if ll < 34 || hl < 34 || wl < 34 {
		return TooSmall
	}
	if ll > 34 || hl > 34 || wl > 34 {
		return TooBig
	}
	lo, hi := x.read(lp, 34), x.read(hp, 34)
	if lo[0] != hi[0] || lo[1] != hi[1] {
		return DoesNotMatch
	}
	s, ok := x.call.Ledger.(Successor)
	if !ok {
		return NotImplemented
	}
	var after, last [32]byte
	copy(after[:], lo[2:])
	copy(last[:], hi[2:])
	k, found := s.Succ(after, last)
	if !found {
		return DoesntExist
	}
	out := append([]byte{lo[0], lo[1]}, k[:]...)
	return x.write(wp, wl, out)
}
