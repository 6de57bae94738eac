package hook

import (
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/internal/xfl"
)

// XFL is an amount as the hooks store it: the 64-bit XFL encoding (lease
// amounts, reward pools, accumulated rewards). Keeping the raw value makes
// Encode exact for whatever the ledger holds.
type XFL int64

// ParseXFL encodes decimal text ("0.3", "500"). It fails rather than round:
// at most 16 significant digits, within XFL's exponent range. Unlike the JS
// client it encodes values below 1e-6 correctly.
func ParseXFL(s string) (XFL, error) {
	v, err := xfl.Encode(s)
	if err != nil {
		return 0, invalid("amount", "%v", err)
	}
	return XFL(v), nil
}

// String returns the decimal text the JS client's XflHelpers.toString gives:
// exact, no exponent, no trailing zeros ("0.3", "500"). For a mantissa the
// hooks would never write it still renders the digits rather than fail, as
// the JS client does. A negative raw value (not XFL at all) gives "NaN".
func (x XFL) String() string {
	v := int64(x)
	if v < 0 {
		return "NaN"
	}
	if v == 0 {
		return "0"
	}
	mant := v & (1<<54 - 1)
	exp := int(v>>54&0xFF) - 97
	ms := strconv.FormatInt(mant, 10)
	var s string
	switch {
	case exp > 0:
		s = ms + strings.Repeat("0", exp)
	default:
		point := exp + len(ms)
		cleaned := strings.TrimRight(ms, "0")
		switch {
		case point == 0:
			s = "0." + cleaned
		case point < 0:
			s = "0." + strings.Repeat("0", -point) + cleaned
		default:
			s = ms[:point] + "." + strings.TrimRight(ms[point:], "0")
		}
	}
	s = strings.TrimRight(s, ".")
	if v&(1<<62) == 0 {
		s = "-" + s
	}
	return s
}

// Rat returns the exact value, or false for an invalid encoding.
func (x XFL) Rat() (*big.Rat, bool) {
	if x < 0 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(x.String())
	return r, ok
}

// MarshalJSON writes the decimal text as a JSON string, as the JS client
// reports amounts.
func (x XFL) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(x.String())), nil }

// ErrInvalidXFL is returned by the XFL part accessors for a negative raw
// value, which is not XFL at all (the JS helpers throw "Invalid XFL").
var ErrInvalidXFL = errors.New("hook: invalid XFL")

// Exponent returns the decimal exponent (XflHelpers.getExponent): bits
// 54–61 less 97; 0 for zero.
func (x XFL) Exponent() (int, error) {
	if x < 0 {
		return 0, ErrInvalidXFL
	}
	if x == 0 {
		return 0, nil
	}
	return int(x>>54&0xFF) - 97, nil
}

// Mantissa returns bits 0–53 (XflHelpers.getMantissa); 0 for zero.
func (x XFL) Mantissa() (int64, error) {
	if x < 0 {
		return 0, ErrInvalidXFL
	}
	return int64(x) & (1<<54 - 1), nil
}

// IsNegative reports whether the sign bit (62) says negative
// (XflHelpers.isNegative); zero is not negative.
func (x XFL) IsNegative() (bool, error) {
	if x < 0 {
		return false, ErrInvalidXFL
	}
	return x != 0 && x>>62&1 == 0, nil
}
