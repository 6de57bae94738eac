package lease

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/evernode"
)

// How sashimono's message board credits an extension, and what a tenant pays
// so that it credits what was asked.
//
// mb-xrpl's handleExtendLease computes Math.floor(payment / leaseAmount),
// where payment is parseFloat of the delivered EVR value and leaseAmount
// parseFloat of the URI price: float64 division, then floor. The exact
// decimal moments × price often falls a hair short in float64 (0.3 / 0.1 is
// 2.9999999999999996), and the host refunds nothing for the lost moment. So
// ExtendAmount pays the smallest amount, not below the exact price and exact
// on the ledger (at most 16 significant digits, an issued amount's
// precision), that this rule credits as the moments asked for. Hosts that
// count exactly (older versions of this package) credit it the same.

// maxCreditSteps bounds the search above the exact price. float64 carries
// about 16 significant digits, so a handful of steps in the 16th digit
// always reach the next moment; more means the input is out of float range.
const maxCreditSteps = 64

// MomentsPaid is how many moments a Sashimono host credits for an extension
// that delivered paid at a per-moment price (decimal text, the lease URI's
// price): floor(float64(paid) / float64(price)), as mb-xrpl computes it. It
// returns 0 for a native amount, a value that is not decimal text, a price
// that is not positive, and a quotient below 1 or beyond uint64. A host
// crediting extensions with MomentsPaid gives exactly what sashimono gives,
// and ExtendAmount pays what it credits as the moments asked for. It does
// not check the currency or issuer: hosts must accept only EVR from the
// configured issuer (ExtractOptions.EVRIssuer).
func MomentsPaid(paid evernode.Amount, price string) uint64 {
	if paid.IsNative() {
		return 0
	}
	p, ok := parseFloatDecimal(paid.Value)
	if !ok || p <= 0 {
		return 0
	}
	q, ok := parseFloatDecimal(price)
	if !ok || q <= 0 {
		return 0
	}
	n := math.Floor(p / q)
	if !(n >= 1) || n >= 1<<64 {
		return 0
	}
	return uint64(n)
}

// parseFloatDecimal is parseFloat for the decimal text the ledger and the
// lease URI use (digits, one '.', an optional exponent); strconv alone would
// also take "Inf", "NaN", hex floats and underscores.
func parseFloatDecimal(s string) (float64, bool) {
	if _, _, ok := parseDecimal(s); !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// ExtendAmount returns what a tenant pays, in EVR from issuer, for moments
// more of a lease whose URI is u: the smallest amount that is at least
// moments × u.Price exactly, has at most 16 significant digits (so the
// ledger keeps it exact) and that MomentsPaid, sashimono's float rule,
// credits as exactly moments. For 3 moments at 0.1 that is
// "0.3000000000000001": a host would credit "0.3" as 2 moments.
func ExtendAmount(u URI, issuer string, moments uint64) (evernode.Amount, error) {
	if moments == 0 {
		return evernode.Amount{}, fmt.Errorf("%w: zero moments", ErrInvalid)
	}
	v, err := extendValue(u.Price, moments)
	if err != nil {
		return evernode.Amount{}, err
	}
	return evernode.EVR(issuer, v), nil
}

const (
	minCoef = 1_000_000_000_000_000  // 10^15: 16 digits
	maxCoef = 10_000_000_000_000_000 // 10^16: one past 16 digits
)

func extendValue(price string, moments uint64) (string, error) {
	pc, pe, ok := parseDecimal(price)
	if !ok || pc == 0 {
		return "", fmt.Errorf("%w: lease price %q is not a positive decimal", ErrInvalid, price)
	}
	pf, ok := parseFloatDecimal(price)
	if !ok || pf <= 0 {
		return "", fmt.Errorf("%w: lease price %q is out of range", ErrInvalid, price)
	}
	// The exact product, 128 bits wide, rounded up to 16 digits.
	hi, lo := bits.Mul64(pc, moments)
	exp := pe
	sticky := false
	for hi != 0 || lo >= maxCoef {
		var r uint64
		q := hi / 10
		lo, r = bits.Div64(hi%10, lo, 10)
		hi = q
		sticky = sticky || r != 0
		exp++
	}
	coef := lo
	if sticky {
		coef, exp = stepUp(coef, exp)
	}
	// Sixteen digits, so that a step is one unit in the 16th.
	for coef < minCoef {
		coef *= 10
		exp--
	}
	for range maxCreditSteps {
		x, ok := decimalFloat(coef, exp)
		if !ok {
			break
		}
		switch n := math.Floor(x / pf); {
		case n == float64(moments):
			return formatDecimal(coef, exp), nil
		case n > float64(moments):
			return "", fmt.Errorf("%w: %d moments at %s cannot be paid exactly", ErrInvalid, moments, price)
		}
		coef, exp = stepUp(coef, exp)
	}
	return "", fmt.Errorf("%w: %d moments at %s cannot be paid exactly", ErrInvalid, moments, price)
}

// exactPow10 holds the powers of ten float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimalFloat is coef × 10^exp rounded to the nearest float64, as
// parseFloat gives it. When coef (without its trailing zeros) and 10^|exp|
// are both exact in float64, one IEEE multiplication or division rounds
// correctly; otherwise strconv does the work.
func decimalFloat(coef uint64, exp int) (float64, bool) {
	for coef != 0 && coef%10 == 0 {
		coef /= 10
		exp++
	}
	if coef < 1<<53 && exp >= -22 && exp <= 22 {
		if exp >= 0 {
			return float64(coef) * exactPow10[exp], true
		}
		return float64(coef) / exactPow10[-exp], true
	}
	x, err := strconv.ParseFloat(strconv.FormatUint(coef, 10)+"e"+strconv.Itoa(exp), 64)
	return x, err == nil
}

// stepUp adds one unit in the last digit of a coefficient of at most 16
// digits, carrying into the exponent at 10^16.
func stepUp(coef uint64, exp int) (uint64, int) {
	coef++
	if coef == maxCoef {
		return minCoef, exp + 1
	}
	return coef, exp
}

// parseDecimal reads non-negative decimal text ("12", "0.07", "1e-6",
// "1000000000000000e-15") as coef × 10^exp, trailing zeros folded into exp.
// It refuses signs other than '+', fractions, and more than 19 significant
// digits.
func parseDecimal(s string) (coef uint64, exp int, ok bool) {
	s = strings.TrimPrefix(s, "+")
	mant, e, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, e, hasExp = strings.Cut(s, "E")
	}
	if hasExp {
		n, err := strconv.Atoi(e)
		if err != nil || n < -400 || n > 400 {
			return 0, 0, false
		}
		exp = n
	}
	ip, fp, _ := strings.Cut(mant, ".")
	if ip+fp == "" || !allDigits(ip) || !allDigits(fp) {
		return 0, 0, false
	}
	digits := strings.TrimLeft(ip+fp, "0")
	exp -= len(fp)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	if trimmed == "" {
		return 0, 0, true
	}
	if len(trimmed) > 19 {
		return 0, 0, false
	}
	c, err := strconv.ParseUint(trimmed, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return c, exp, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatDecimal prints coef × 10^exp as plain decimal text without trailing
// zeros ("0.3000000000000001", "2000"); an exponent form when the plain
// text would be longer than an amount's 64 characters.
func formatDecimal(coef uint64, exp int) string {
	for coef != 0 && coef%10 == 0 {
		coef /= 10
		exp++
	}
	d := strconv.FormatUint(coef, 10)
	switch {
	case coef == 0:
		return "0"
	case exp >= 0 && len(d)+exp <= 40:
		return d + strings.Repeat("0", exp)
	case exp < 0 && -exp < len(d):
		return d[:len(d)+exp] + "." + d[len(d)+exp:]
	case exp < 0 && -exp-len(d) <= 40:
		return "0." + strings.Repeat("0", -exp-len(d)) + d
	}
	return d + "e" + strconv.Itoa(exp)
}
