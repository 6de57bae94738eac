package codec

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits of rippled's STAmount, as enforced by ripple-binary-codec.
const (
	maxDrops       = 100_000_000_000_000_000 // 10^17: 100 billion XRP/XAH
	minIOUExponent = -96
	maxIOUExponent = 80
	iouDigits      = 16 // mantissa 10^15 … 10^16-1
	minMantissa    = 1_000_000_000_000_000
	maxMantissa    = 9_999_999_999_999_999
)

// amountBytes encodes a native amount (drops, as a decimal string or an integer), an issued
// currency amount {"currency","issuer","value"} or an MPT amount {"mpt_issuance_id","value"}.
func amountBytes(v any, path string) ([]byte, error) {
	m, isObject := v.(map[string]any)
	if !isObject {
		var drops uint64
		if s, ok := v.(string); ok {
			if s == "" || strings.TrimLeft(s, "0123456789") != "" {
				return nil, invalid(path, "native amount must be a whole number of drops, got %q", clip(s))
			}
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, invalid(path, "native amount %q is out of range", clip(s))
			}
			drops = n
		} else {
			n, err := uintValue(v, math.MaxUint64, false)
			if err != nil {
				return nil, invalid(path, "native amount: %v", err)
			}
			drops = n
		}
		if drops > maxDrops {
			return nil, invalid(path, "native amount %d drops is more than %d", drops, uint64(maxDrops))
		}
		return be64(drops | 0x4000000000000000), nil
	}

	if id, ok := m["mpt_issuance_id"]; ok {
		return mptAmount(m, id, path)
	}
	if len(m) != 3 {
		return nil, invalid(path, "an issued amount has exactly currency, issuer and value")
	}
	cs, ok := m["currency"].(string)
	if !ok {
		return nil, invalid(path+".currency", "want a string, got %T", m["currency"])
	}
	cur, err := currencyBytes(cs, path+".currency", false)
	if err != nil {
		return nil, err
	}
	is, ok := m["issuer"].(string)
	if !ok {
		return nil, invalid(path+".issuer", "want an address string, got %T", m["issuer"])
	}
	issuer, err := accountID(is, path+".issuer")
	if err != nil {
		return nil, err
	}
	vs, err := valueString(m["value"], path)
	if err != nil {
		return nil, err
	}
	val, err := iouValueBytes(vs)
	if err != nil {
		return nil, invalid(path+".value", "%v", err)
	}
	out := make([]byte, 0, 48)
	out = append(out, val...)
	out = append(out, cur...)
	return append(out, issuer...), nil
}

func valueString(v any, path string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case interface{ String() string }: // json.Number
		return x.String(), nil
	}
	return "", invalid(path+".value", "want a decimal string, got %T", v)
}

func mptAmount(m map[string]any, id any, path string) ([]byte, error) {
	if len(m) != 2 {
		return nil, invalid(path, "an MPT amount has exactly mpt_issuance_id and value")
	}
	ids, _ := id.(string)
	idb, err := hexFixed(ids, 24, path+".mpt_issuance_id")
	if err != nil {
		return nil, err
	}
	vs, err := valueString(m["value"], path)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(vs, 10, 64)
	if err != nil || vs == "" || vs[0] == '+' || n > math.MaxInt64 {
		return nil, invalid(path+".value", "MPT amount must be a whole number up to 2^63-1, got %q", clip(vs))
	}
	out := append([]byte{0x60}, be64(n)...)
	return append(out, idb...), nil
}

// currencyBytes encodes a 3-character ISO-style code or 40 hex characters. "XRP" is the all-zero
// currency where allowXRP (Issue, PathSet, Currency fields) and forbidden in issued amounts.
func currencyBytes(s, path string, allowXRP bool) ([]byte, error) {
	b := make([]byte, 20)
	switch {
	case len(s) == 3 && isISOCode(s):
		if s == "XRP" {
			if !allowXRP {
				return nil, invalid(path, `"XRP" cannot be an issued currency`)
			}
			return b, nil
		}
		copy(b[12:], s)
		return b, nil
	case len(s) == 40:
		h, err := hex.DecodeString(s)
		if err != nil {
			return nil, invalid(path, "currency code is not hex: %q", clip(s))
		}
		if !allowXRP && isZero(h) {
			return nil, invalid(path, "the all-zero currency is XRP and cannot be issued")
		}
		return h, nil
	}
	return nil, invalid(path, "currency must be 3 characters or 40 hex digits, got %q", clip(s))
}

// isISOCode is ripple-binary-codec's ISO_REGEX: letters, digits and ?!@#$%^&*(){}[]|.
func isISOCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			strings.IndexByte("?!@#$%^&*(){}[]|", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// currencyJSON is the inverse of currencyBytes: "XRP" for zero, the ISO code when the bytes are
// in standard form, hex otherwise.
func currencyJSON(b []byte) string {
	if isZero(b) {
		return "XRP"
	}
	if isZero(b[:12]) && isZero(b[15:]) {
		code := string(b[12:15])
		if code != "XRP" && isISOCode(code) {
			return code
		}
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// iouValueBytes normalises a decimal string to the 8-byte issued-value form: a 16-digit mantissa
// and an exponent in [-96, 80]. Values that would need rounding are refused rather than changed.
func iouValueBytes(s string) ([]byte, error) {
	neg, digits, exp, err := parseDecimal(s)
	if err != nil {
		return nil, err
	}
	if digits == "" {
		return be64(0x8000000000000000), nil // canonical zero, sign dropped
	}
	if len(digits) > iouDigits {
		return nil, fmt.Errorf("%q has more than %d significant digits", clip(s), iouDigits)
	}
	exp -= iouDigits - len(digits)
	digits += strings.Repeat("0", iouDigits-len(digits))
	if exp < minIOUExponent || exp > maxIOUExponent {
		return nil, fmt.Errorf("%q is out of range", clip(s))
	}
	mant, _ := strconv.ParseUint(digits, 10, 64)
	u := uint64(0x8000000000000000) | uint64(exp+97)<<54 | mant
	if !neg {
		u |= 0x4000000000000000
	}
	return be64(u), nil
}

// parseDecimal splits [+-]digits[.digits][e[+-]digits] into sign, significant digits (no leading
// or trailing zeros; empty for zero) and the power of ten they are multiplied by.
func parseDecimal(s string) (neg bool, digits string, exp int, err error) {
	bad := fmt.Errorf("%q is not a decimal number", clip(s))
	rest := s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(rest), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return false, "", 0, bad
	}
	if hasExp {
		e := expPart
		if e != "" && (e[0] == '-' || e[0] == '+') {
			e = e[1:]
		}
		if e == "" || !allDigits(e) {
			return false, "", 0, bad
		}
		// Anything beyond a few thousand is out of range whatever the mantissa; clamp so the
		// arithmetic below cannot overflow.
		e = strings.TrimLeft(e, "0")
		n := 1_000_000
		if len(e) <= 6 {
			n, _ = strconv.Atoi(e + "0")
			n /= 10
		}
		if expPart[0] == '-' {
			n = -n
		}
		exp = n
	}
	digits = intPart + frac
	exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return neg, "", 0, nil
	}
	return neg, digits, exp, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// amountJSON decodes an Amount the way ripple-binary-codec prints it.
func amountJSON(b []byte, path string) (any, error) {
	want := 8
	if len(b) > 0 && b[0]&0x80 != 0 {
		want = 48
	} else if len(b) > 0 && b[0]&0x20 != 0 {
		want = 33
	}
	if len(b) != want {
		return nil, malformed(path, "amount of %d bytes", len(b))
	}
	switch {
	case b[0]&0x80 != 0: // issued currency, 48 bytes
		val, err := iouValueString(b[:8])
		if err != nil {
			return nil, malformed(path, "%v", err)
		}
		issuer, err := accountJSON(b[28:48])
		if err != nil {
			return nil, malformed(path, "%v", err)
		}
		return map[string]any{"value": val, "currency": currencyJSON(b[8:28]), "issuer": issuer}, nil
	case b[0]&0x20 != 0: // MPT, 33 bytes
		n := binary.BigEndian.Uint64(b[1:9])
		sign := "-"
		if b[0]&0x40 != 0 {
			sign = ""
		}
		return map[string]any{
			"value":           sign + strconv.FormatUint(n, 10),
			"mpt_issuance_id": strings.ToUpper(hex.EncodeToString(b[9:33])),
		}, nil
	default: // native drops, 8 bytes
		u := binary.BigEndian.Uint64(b[:8])
		sign := "-"
		if u&0x4000000000000000 != 0 {
			sign = ""
		}
		return sign + strconv.FormatUint(u&0x3FFFFFFFFFFFFFFF, 10), nil
	}
}

// iouValueString renders an issued value in plain decimal notation, as bignumber.js does with
// ripple-binary-codec's EXPONENTIAL_AT setting (which never switches to exponent form in range).
func iouValueString(b []byte) (string, error) {
	u := binary.BigEndian.Uint64(b)
	mant := u & (1<<54 - 1)
	if mant == 0 {
		return "0", nil
	}
	exp := int((u>>54)&0xFF) - 97
	digits := strconv.FormatUint(mant, 10)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	top := exp + len(digits) - 1 // power of ten of the leading digit
	if len(digits) > iouDigits || top-15 < minIOUExponent || top-15 > maxIOUExponent {
		return "", errors.New("issued value out of range")
	}
	var s string
	switch {
	case exp >= 0:
		s = digits + strings.Repeat("0", exp)
	case -exp < len(digits):
		s = digits[:len(digits)+exp] + "." + digits[len(digits)+exp:]
	default:
		s = "0." + strings.Repeat("0", -exp-len(digits)) + digits
	}
	if u&0x4000000000000000 == 0 {
		s = "-" + s
	}
	return s, nil
}
