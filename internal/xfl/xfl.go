// Package xfl converts decimal numbers to and from XFL, the 64-bit floating
// point format that Xahau hooks use for amounts (lease prices in lease URIs,
// reward and fee amounts in hook state).
//
// Layout: bit 63 is always 0; bit 62 is 1 for a non-negative value; bits 54–61
// hold the decimal exponent + 97 (range −96…80); bits 0–53 hold the mantissa,
// normalised to [10^15, 10^16−1]. Zero is encoded as 0.
//
// Difference from evernode-js-client: its getXfl parses the text through
// parseFloat(x).toString(), which JavaScript prints in exponent notation below
// 1e-6 ("1e-8"), and then mis-reads that notation, so "0.00000001" becomes the
// XFL of 1. Encode here is exact for every value. Decode reads whatever the JS
// client wrote, so a lease URI minted with such a value decodes to the number
// that is really stored (1 in the example), exactly as the JS client reads it.
package xfl

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

const (
	minMantissa = 1_000_000_000_000_000 // 10^15
	maxMantissa = 9_999_999_999_999_999 // 10^16 − 1
	minExponent = -96
	maxExponent = 80
	expBias     = 97
	mantissaMax = 1<<54 - 1
)

// Errors returned by Encode and Decode.
var (
	ErrSyntax    = errors.New("xfl: not a decimal number")
	ErrPrecision = errors.New("xfl: more than 16 significant digits")
	ErrRange     = errors.New("xfl: exponent out of range")
	ErrInvalid   = errors.New("xfl: invalid encoding")
)

// Encode returns the XFL encoding of the decimal text s (for example "500",
// "0.3", "-1.5", "1e-8"). It fails rather than round: a value needs at most 16
// significant digits and a magnitude within XFL's exponent range.
func Encode(s string) (int64, error) {
	neg, digits, exp, err := parseDecimal(s)
	if err != nil {
		return 0, err
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	// Trailing zeros carry no precision: move them into the exponent.
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	if len(digits) > 16 {
		return 0, fmt.Errorf("%w: %q", ErrPrecision, s)
	}
	var m int64
	for _, c := range digits {
		m = m*10 + int64(c-'0')
	}
	for m < minMantissa {
		m *= 10
		exp--
	}
	if exp < minExponent || exp > maxExponent {
		return 0, fmt.Errorf("%w: %q", ErrRange, s)
	}
	v := int64(exp+expBias)<<54 | m
	if !neg {
		v |= 1 << 62
	}
	return v, nil
}

// Parts splits an XFL value into sign, mantissa and exponent so that the
// value is (−1)^neg × mantissa × 10^exponent. Zero gives (false, 0, 0).
func Parts(v int64) (neg bool, mantissa int64, exponent int, err error) {
	if v == 0 {
		return false, 0, 0, nil
	}
	if v < 0 {
		return false, 0, 0, ErrInvalid
	}
	mantissa = v & mantissaMax
	exponent = int(v>>54&0xFF) - expBias
	neg = v&(1<<62) == 0
	if mantissa < minMantissa || mantissa > maxMantissa {
		return false, 0, 0, ErrInvalid
	}
	return neg, mantissa, exponent, nil
}

// Decode returns the exact decimal text of an XFL value, without exponent
// notation or trailing zeros ("500", "0.3", "-1.5").
func Decode(v int64) (string, error) {
	neg, m, exp, err := Parts(v)
	if err != nil {
		return "", err
	}
	if m == 0 {
		return "0", nil
	}
	s := formatDecimal(fmt.Sprint(m), exp)
	if neg {
		s = "-" + s
	}
	return s, nil
}

// Rat returns the exact value of an XFL number.
func Rat(v int64) (*big.Rat, error) {
	s, err := Decode(v)
	if err != nil {
		return nil, err
	}
	r, _ := new(big.Rat).SetString(s)
	return r, nil
}

// formatDecimal renders digits × 10^exp in plain notation.
func formatDecimal(digits string, exp int) string {
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	switch {
	case exp >= 0:
		return digits + strings.Repeat("0", exp)
	case -exp < len(digits):
		return digits[:len(digits)+exp] + "." + digits[len(digits)+exp:]
	default:
		return "0." + strings.Repeat("0", -exp-len(digits)) + digits
	}
}

// parseDecimal splits decimal text into sign, all digits and the power of ten
// that applies to them. It accepts an optional sign, a fraction and an e/E
// exponent, and nothing else (no spaces, no hex, no "Infinity").
func parseDecimal(s string) (neg bool, digits string, exp int, err error) {
	orig := s
	bad := func() (bool, string, int, error) { return false, "", 0, fmt.Errorf("%w: %q", ErrSyntax, orig) }
	if s == "" {
		return bad()
	}
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart+frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return bad()
	}
	if hasExp {
		e, ok := parseExp(expPart)
		if !ok {
			return bad()
		}
		exp = e
	}
	return neg, intPart + frac, exp - len(frac), nil
}

func parseExp(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 4 || !allDigits(s) {
		return 0, false
	}
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
