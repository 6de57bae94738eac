package hookvm

import (
	"math"
	"math/big"
	"math/bits"
)

// XFL arithmetic with xahaud's exact semantics (hook_float in
// src/ripple/app/hook/impl/applyHook.cpp, and ripple::Number for sums).
// Every function returns either a valid XFL (>= 0) or a negative return
// code, as the hook API does. The layout is the one internal/xfl documents.

const (
	minMantissa = 1_000_000_000_000_000
	maxMantissa = 9_999_999_999_999_999
	minExponent = -96
	maxExponent = 80
)

var powerOfTen = [19]uint64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}

// floatOne is the XFL of 1: mantissa 10^15, exponent −15, positive.
const floatOne int64 = 6089866696204910592

func getExponent(f int64) int32 {
	if f < 0 {
		return int32(InvalidFloat)
	}
	if f == 0 {
		return 0
	}
	return int32(uint64(f)>>54&0xFF) - 97
}

func getMantissa(f int64) int64 {
	if f < 0 {
		return InvalidFloat
	}
	if f == 0 {
		return 0
	}
	return f - int64(uint64(f)>>54<<54)
}

func isNegative(f int64) bool { return (f>>62)&1 == 0 }

func invertSign(f int64) int64 { return int64(uint64(f) ^ (1 << 62)) }

func makeFloat(man uint64, exp int32, neg bool) int64 {
	switch {
	case man == 0:
		return 0
	case man > maxMantissa:
		return MantissaOversized
	case man < minMantissa:
		return MantissaUndersized
	case exp > maxExponent:
		return ExponentOversized
	case exp < minExponent:
		return ExponentUndersized
	}
	out := int64(man) | int64(exp+97)<<54
	if !neg {
		out |= 1 << 62
	}
	return out
}

// validFloat is RETURN_IF_INVALID_FLOAT: 0 or a normalised XFL.
func validFloat(f int64) bool {
	if f < 0 {
		return false
	}
	if f == 0 {
		return true
	}
	m, e := getMantissa(f), getExponent(f)
	return m >= minMantissa && m <= maxMantissa && e >= minExponent && e <= maxExponent
}

// log10Trunc is (int32_t)log10((double)man) as xahaud computes it with the
// C library: the conversion to double rounds, and log10 of a value just
// below a power of ten rounds up to that power's exponent.
func log10Trunc(man uint64) int32 {
	d := float64(man)
	k := int32(0)
	p := 10.0
	for k < 22 && d >= p {
		k++
		p *= 10
	}
	// d is in [10^k, 10^(k+1)); log10(d) may still round up to k+1.
	if d >= p/2 {
		delta := math.Log1p((d-p)/p) / math.Ln10
		if float64(k+1)+delta == float64(k+1) {
			return k + 1
		}
	}
	return k
}

// normalizeXFL is hook_float::normalize_xfl on a magnitude and sign. It
// returns the XFL, 0 on underflow, or XFLOverflow.
func normalizeXFL(man uint64, exp int32, neg bool) int64 {
	if man == 0 {
		return 0
	}
	if man == 1<<63 {
		man++
	}
	mo := log10Trunc(man)
	adjust := 15 - mo
	if adjust > 0 {
		if adjust > 18 {
			return 0
		}
		man *= powerOfTen[adjust]
		exp -= adjust
	} else if adjust < 0 {
		if -adjust > 18 {
			return XFLOverflow
		}
		man /= powerOfTen[-adjust]
		exp -= adjust
	}
	if man == 0 {
		return 0
	}
	if man < minMantissa {
		if man == minMantissa-1 {
			man++
		} else {
			man *= 10
			exp--
		}
	}
	if man > maxMantissa {
		if man == maxMantissa+1 {
			man--
		} else {
			man /= 10
			exp++
		}
	}
	if exp < minExponent || man == 0 {
		return 0
	}
	if exp > maxExponent {
		return XFLOverflow
	}
	return makeFloat(man, exp, neg)
}

// normalizeSigned is normalize_xfl on an int64 mantissa.
func normalizeSigned(man int64, exp int32) int64 {
	if man == math.MinInt64 {
		man++
	}
	if man < 0 {
		return normalizeXFL(uint64(-man), exp, true)
	}
	return normalizeXFL(uint64(man), exp, false)
}

// FloatSet is float_set(exponent, mantissa).
func FloatSet(exp int32, mantissa int64) int64 {
	if mantissa == 0 {
		return 0
	}
	n := normalizeSigned(mantissa, exp)
	if n == 0 || n == XFLOverflow {
		return InvalidFloat
	}
	return n
}

// FloatMultiply is float_multiply.
func FloatMultiply(f1, f2 int64) int64 {
	if !validFloat(f1) || !validFloat(f2) {
		return InvalidFloat
	}
	if f1 == 0 || f2 == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(getMantissa(f1)), uint64(getMantissa(f2)))
	q, _ := bits.Div64(hi, lo, powerOfTen[15]) // hi < 10^15: no overflow
	exp := getExponent(f1) + getExponent(f2) + 15
	neg := isNegative(f1) != isNegative(f2)
	r := normalizeXFL(q, exp, neg)
	switch r {
	case ExponentUndersized:
		return 0
	case ExponentOversized:
		return XFLOverflow
	}
	return r
}

// FloatNegate is float_negate.
func FloatNegate(f int64) int64 {
	if f == 0 {
		return 0
	}
	if !validFloat(f) {
		return InvalidFloat
	}
	return invertSign(f)
}

// FloatMantissa is float_mantissa.
func FloatMantissa(f int64) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	return getMantissa(f)
}

// FloatSign is float_sign.
func FloatSign(f int64) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	if f == 0 {
		return 0
	}
	if isNegative(f) {
		return 1
	}
	return 0
}

// FloatOne is float_one.
func FloatOne() int64 { return floatOne }

// Compare modes of float_compare.
const (
	CompareEqual   = 1
	CompareLess    = 2
	CompareGreater = 4
)

// signedParts gives an XFL as a signed mantissa and exponent; zero is
// (0, 0).
func signedParts(f int64) (int64, int32) {
	if f == 0 {
		return 0, 0
	}
	m := getMantissa(f)
	if isNegative(f) {
		m = -m
	}
	return m, getExponent(f)
}

// cmpParts compares two normalised values (mantissa 0 means zero).
func cmpParts(m1 int64, e1 int32, m2 int64, e2 int32) int {
	s1, s2 := sign(m1), sign(m2)
	if s1 != s2 {
		if s1 < s2 {
			return -1
		}
		return 1
	}
	if s1 == 0 {
		return 0
	}
	c := 0
	switch {
	case e1 > e2:
		c = 1
	case e1 < e2:
		c = -1
	case m1 == m2:
		return 0
	case m1 < m2:
		return -1
	default:
		return 1
	}
	if s1 < 0 {
		c = -c
	}
	return c
}

func sign(m int64) int {
	switch {
	case m < 0:
		return -1
	case m > 0:
		return 1
	}
	return 0
}

// FloatCompare is float_compare.
func FloatCompare(f1, f2 int64, mode uint32) int64 {
	if !validFloat(f1) || !validFloat(f2) {
		return InvalidFloat
	}
	eq, lt, gt := mode&CompareEqual != 0, mode&CompareLess != 0, mode&CompareGreater != 0
	if (eq && lt && gt) || mode == 0 || mode&^7 != 0 {
		return InvalidArgument
	}
	m1, e1 := signedParts(f1)
	m2, e2 := signedParts(f2)
	c := cmpParts(m1, e1, m2, e2)
	switch {
	case lt && gt && c != 0, eq && c == 0, gt && c > 0, lt && c < 0:
		return 1
	}
	return 0
}

// guard is ripple::Number::Guard: 16 decimal guard digits, a sticky bit
// and a sign, for round-to-nearest-even.
type guard struct {
	digits uint64
	xbit   bool
	neg    bool
}

func (g *guard) push(d uint64) {
	g.xbit = g.xbit || g.digits&0xF != 0
	g.digits >>= 4
	g.digits |= (d & 0xF) << 60
}

func (g *guard) pop() uint64 {
	d := g.digits >> 60
	g.digits <<= 4
	return d
}

// round is Guard::round in to_nearest mode: 1 up, -1 down, 0 tie.
func (g *guard) round() int {
	switch {
	case g.digits > 0x5000_0000_0000_0000:
		return 1
	case g.digits < 0x5000_0000_0000_0000:
		return -1
	case g.xbit:
		return 1
	}
	return 0
}

// numberAdd is ripple::Number's operator+= on two normalised non-zero
// values; ok is false on overflow.
func numberAdd(xm int64, xe int32, ym int64, ye int32) (int64, int32, bool) {
	if xm == -ym && xe == ye {
		return 0, 0, true
	}
	xn, yn := int64(1), int64(1)
	ux, uy := uint64(xm), uint64(ym)
	if xm < 0 {
		ux, xn = uint64(-xm), -1
	}
	if ym < 0 {
		uy, yn = uint64(-ym), -1
	}
	var g guard
	if xe < ye {
		g.neg = xn == -1
		for xe < ye {
			g.push(ux % 10)
			ux /= 10
			xe++
		}
	} else if xe > ye {
		g.neg = yn == -1
		for xe > ye {
			g.push(uy % 10)
			uy /= 10
			ye++
		}
	}
	if xn == yn {
		ux += uy
		if ux > maxMantissa {
			g.push(ux % 10)
			ux /= 10
			xe++
		}
		if r := g.round(); r == 1 || (r == 0 && ux&1 == 1) {
			ux++
			if ux > maxMantissa {
				ux /= 10
				xe++
			}
		}
		if xe > 32768 {
			return 0, 0, false
		}
	} else {
		if ux > uy {
			ux -= uy
		} else {
			ux = uy - ux
			xe = ye
			xn = yn
		}
		for ux < minMantissa {
			ux *= 10
			ux -= g.pop()
			xe--
		}
		if r := g.round(); r == 1 || (r == 0 && ux&1 == 1) {
			ux--
			if ux < minMantissa {
				ux *= 10
				xe--
			}
		}
		if xe < -32768 {
			return 0, 0, true
		}
	}
	return int64(ux) * xn, xe, true
}

// FloatSum is float_sum (IOUAmount addition under ripple::Number).
func FloatSum(f1, f2 int64) int64 {
	if !validFloat(f1) || !validFloat(f2) {
		return InvalidFloat
	}
	if f1 == 0 {
		return f2
	}
	if f2 == 0 {
		return f1
	}
	m1, e1 := signedParts(f1)
	m2, e2 := signedParts(f2)
	m, e, ok := numberAdd(m1, e1, m2, e2)
	if !ok || (m != 0 && e > maxExponent) {
		return XFLOverflow
	}
	if m == 0 || e < minExponent {
		return 0
	}
	if m < 0 {
		return makeFloat(uint64(-m), e, true)
	}
	return makeFloat(uint64(m), e, false)
}

// FloatDivide is float_divide, including xahaud's digit-by-digit long
// division and its rounding.
func FloatDivide(f1, f2 int64) int64 {
	if !validFloat(f1) || !validFloat(f2) {
		return InvalidFloat
	}
	if f2 == 0 {
		return DivisionByZero
	}
	if f1 == 0 {
		return 0
	}
	if f2 == floatOne {
		return f1
	}
	man1, exp1, neg1 := uint64(getMantissa(f1)), getExponent(f1), isNegative(f1)
	man2, exp2, neg2 := uint64(getMantissa(f2)), getExponent(f2), isNegative(f2)
	for man2 > man1 {
		man2 /= 10
		exp2++
	}
	if man2 == 0 {
		return DivisionByZero
	}
	for man2 < man1 {
		if man2*10 > man1 {
			break
		}
		man2 *= 10
		exp2--
	}
	var man3 uint64
	exp3 := exp1 - exp2
	for man2 > 0 {
		i := uint64(0)
		for ; man1 > man2; man1 -= man2 {
			i++
		}
		man3 = man3*10 + i
		man2 /= 10
		if man2 == 0 {
			break
		}
		exp3--
	}
	return normalizeXFL(man3, exp3, neg1 != neg2)
}

// FloatInvert is float_invert.
func FloatInvert(f int64) int64 {
	if f == 0 {
		return DivisionByZero
	}
	if f == floatOne {
		return floatOne
	}
	return FloatDivide(floatOne, f)
}

// FloatInt is float_int.
func FloatInt(f int64, decimals uint32, absolute uint32) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	if f == 0 {
		return 0
	}
	man, exp := uint64(getMantissa(f)), getExponent(f)
	if decimals > 15 {
		return InvalidArgument
	}
	if isNegative(f) && absolute == 0 {
		return CantReturnNegative
	}
	shift := -(int64(exp) + int64(decimals))
	if shift > 15 {
		return 0
	}
	if shift < 0 {
		return TooBig
	}
	return int64(man / powerOfTen[shift])
}

// FloatMulratio is float_mulratio (ripple::mulRatio on the IOUAmount).
func FloatMulratio(f int64, roundUp uint32, num, den uint32) int64 {
	if !validFloat(f) {
		return InvalidFloat
	}
	if f == 0 {
		return 0
	}
	if den == 0 {
		return DivisionByZero
	}
	man, exp, ok := mulRatio(getMantissa(f), getExponent(f), num, den, roundUp != 0)
	if !ok {
		return XFLOverflow
	}
	if man < 0 {
		man = -man
	}
	return makeFloat(uint64(man), exp, isNegative(f))
}

// mulRatio is ripple::mulRatio for a positive normalised mantissa; the
// result is normalised as an IOUAmount (Number rules).
func mulRatio(man int64, exp int32, num, den uint32, roundUp bool) (int64, int32, bool) {
	const fl64 = 18 // floor(log10(MaxInt64))
	mul := new(big.Int).Mul(big.NewInt(man), big.NewInt(int64(num)))
	d := big.NewInt(int64(den))
	low, rem := new(big.Int).QuoRem(mul, d, new(big.Int))
	ten := big.NewInt(10)
	pow := func(n int) *big.Int { return new(big.Int).Exp(ten, big.NewInt(int64(n)), nil) }
	log10Ceil := func(v *big.Int) int {
		for i := 0; i < 30; i++ {
			if pow(i).Cmp(v) >= 0 {
				return i
			}
		}
		return 30
	}
	if rem.Sign() != 0 {
		if room := fl64 - log10Ceil(low); room > 0 {
			exp -= int32(room)
			low.Mul(low, pow(room))
			rem.Mul(rem, pow(room))
		}
		add := new(big.Int).Quo(rem, d)
		low.Add(low, add)
		rem.Sub(rem, new(big.Int).Mul(add, d))
	}
	hasRem := rem.Sign() != 0
	if shrink := log10Ceil(low) - fl64; shrink > 0 {
		sav := new(big.Int).Set(low)
		exp += int32(shrink)
		low.Quo(low, pow(shrink))
		if !hasRem {
			hasRem = new(big.Int).Sub(sav, new(big.Int).Mul(low, pow(shrink))).Sign() != 0
		}
	}
	m, e, ok := numberNormalize(low.Uint64(), exp)
	if !ok {
		return 0, 0, false
	}
	if hasRem && roundUp {
		if m == 0 {
			return minMantissa, minExponent, true
		}
		return numberNormalize(uint64(m)+1, e)
	}
	return m, e, true
}

// numberNormalize is IOUAmount's normalisation of a positive mantissa under
// ripple::Number (round half to even), with IOUAmount's exponent range.
func numberNormalize(m uint64, exp int32) (int64, int32, bool) {
	if m == 0 {
		return 0, 0, true
	}
	for m < minMantissa && exp > -32768 {
		m *= 10
		exp--
	}
	var g guard
	for m > maxMantissa {
		g.push(m % 10)
		m /= 10
		exp++
	}
	if r := g.round(); r == 1 || (r == 0 && m&1 == 1) {
		m++
		if m > maxMantissa {
			m /= 10
			exp++
		}
	}
	if exp > maxExponent {
		return 0, 0, false
	}
	if exp < minExponent {
		return 0, 0, true
	}
	return int64(m), exp, true
}

// FloatSTOSet is float_sto_set: read a serialised amount (optionally with
// a field header) into an XFL.
func FloatSTOSet(b []byte) int64 {
	if len(b) < 8 {
		return NotAnObject
	}
	if len(b) > 8 {
		hi, lo := b[0]>>4, b[0]&0xF
		switch {
		case hi == 0 && lo == 0:
			if len(b) < 11 {
				return NotAnObject
			}
			b = b[3:]
		case hi == 0 || lo == 0:
			if len(b) < 10 {
				return NotAnObject
			}
			b = b[2:]
		default:
			b = b[1:]
		}
	}
	if len(b) < 8 {
		return NotAnObject
	}
	isXRP := b[0]&0x80 == 0
	neg := b[0]&0x40 == 0
	var exp int32
	if !isXRP {
		exp = int32(b[0]&0x3F)<<2 + int32(b[1]>>6) - 97
	}
	man := uint64(b[1]&0x3F)<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	if man == 0 {
		return 0
	}
	return normalizeXFL(man, exp, neg)
}

// FloatSTO is float_sto's serialisation, without the memory handling: it
// returns the bytes or a negative code. currency and issuer are nil, or 20
// bytes each (a 3-byte currency is expanded by the caller).
func FloatSTO(currency, issuer []byte, f int64, fieldCode uint32) ([]byte, int64) {
	if !validFloat(f) {
		return nil, InvalidFloat
	}
	field, typ := fieldCode&0xFFFF, fieldCode>>16
	isXRP := fieldCode == 0
	isShort := fieldCode == 0xFFFFFFFF
	if (issuer != nil) != (currency != nil) {
		return nil, InvalidArgument
	}
	if issuer != nil && (isXRP || isShort) {
		return nil, InvalidArgument
	}
	if issuer == nil && !isXRP && !isShort {
		return nil, InvalidArgument
	}
	var out []byte
	switch {
	case isXRP || isShort:
	case field < 16 && typ < 16:
		out = append(out, byte(typ)<<4|byte(field))
	case field >= 16 && typ < 16:
		out = append(out, byte(typ)<<4, byte(field))
	case field < 16 && typ >= 16:
		out = append(out, byte(field)<<4, byte(typ))
	default:
		out = append(out, 0, byte(typ), byte(field))
	}
	man, exp, neg := uint64(getMantissa(f)), getExponent(f), isNegative(f)
	var v [8]byte
	switch {
	case isXRP:
		shift := -exp
		if shift > 15 {
			return nil, 0
		}
		if shift < 0 {
			return nil, XFLOverflow
		}
		man /= powerOfTen[shift]
		if !neg {
			v[0] = 0x40
		}
		v[0] += byte(man>>56) & 0x3F
		for i := 1; i < 8; i++ {
			v[i] = byte(man >> (56 - 8*i))
		}
	case man == 0:
		v[0] = 0x80
	default:
		e := uint32(exp + 97)
		v[0] = 0xC0
		if neg {
			v[0] = 0x80
		}
		v[0] += byte(e >> 2)
		v[1] = byte(e&3)<<6 + byte(man>>48)&0x3F
		for i := 2; i < 8; i++ {
			v[i] = byte(man >> (56 - 8*i))
		}
	}
	out = append(out, v[:]...)
	if !isXRP && !isShort {
		out = append(out, currency...)
		out = append(out, issuer...)
	}
	return out, 0
}
