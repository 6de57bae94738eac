package evernode

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// EVRCurrency is the currency code of EVR, Evernode's token.
const EVRCurrency = "EVR"

// ErrAmount is wrapped by every amount parsing and arithmetic error.
var ErrAmount = errors.New("evernode: bad amount")

// Amount is an XRPL amount: native drops when Currency is empty, otherwise an
// issued currency. Value is decimal text, never a float: drops for native
// amounts ("1000000" is 1 XAH), the token value for issued ones ("0.3").
type Amount struct {
	Currency string
	Issuer   string
	Value    string
}

// Drops returns a native amount of n drops (XAH on Xahau, XRP on the XRPL).
func Drops(n uint64) Amount {
	return Amount{Value: strconv.FormatUint(n, 10)}
}

// EVR returns an amount of EVR issued by issuer. Only the issuer named in the
// governor's configuration is real EVR: anything else is a look-alike.
func EVR(issuer, value string) Amount {
	return Amount{Currency: EVRCurrency, Issuer: issuer, Value: value}
}

// IsNative reports whether a is an amount of the native currency.
func (a Amount) IsNative() bool { return a.Currency == "" }

// IsEVR reports whether a is EVR issued by issuer.
func (a Amount) IsEVR(issuer string) bool {
	return a.Currency == EVRCurrency && a.Issuer == issuer
}

// String returns "12 drops" or "0.3 EVR/rIssuer".
func (a Amount) String() string {
	if a.IsNative() {
		return a.Value + " drops"
	}
	return a.Value + " " + a.Currency + "/" + a.Issuer
}

// Rat returns the exact value of the amount.
func (a Amount) Rat() (*big.Rat, error) {
	if !decimalText(a.Value) {
		return nil, fmt.Errorf("%w: %q", ErrAmount, a.Value)
	}
	r, ok := new(big.Rat).SetString(a.Value)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrAmount, a.Value)
	}
	return r, nil
}

// Times returns a × n in exact decimal arithmetic (an extension of n moments
// at a per-moment price). The JS client multiplies in floating point and can
// send "0.30000000000000004" for 3 × 0.1; this never does.
func (a Amount) Times(n uint64) (Amount, error) {
	r, err := a.Rat()
	if err != nil {
		return Amount{}, err
	}
	r.Mul(r, new(big.Rat).SetUint64(n))
	a.Value = formatRat(r)
	return a, nil
}

// maxDrops is the most native currency an amount can carry: 10^17 drops.
const maxDrops = 100_000_000_000_000_000

// Validate checks that a can go into a transaction: a whole, unsigned
// number of drops (at most 10^17) for the native currency; a currency, an
// issuer and non-negative decimal text for an issued one. It checks the
// form only: whether the amount suits its field (a payment needs more than
// zero) is the caller's rule.
func (a Amount) Validate() error {
	if a.IsNative() {
		if a.Issuer != "" {
			return fmt.Errorf("%w: native amount with an issuer", ErrAmount)
		}
		n, err := strconv.ParseUint(a.Value, 10, 64)
		if err != nil || !digits(a.Value) || n > maxDrops {
			return fmt.Errorf("%w: %q is not a whole number of drops", ErrAmount, a.Value)
		}
		return nil
	}
	if a.Issuer == "" {
		return fmt.Errorf("%w: %s amount without an issuer", ErrAmount, a.Currency)
	}
	r, err := a.Rat()
	if err != nil {
		return err
	}
	if r.Sign() < 0 {
		return fmt.Errorf("%w: negative amount %q", ErrAmount, a.Value)
	}
	return nil
}

// Cmp compares the values of a and b, which must be the same currency and
// issuer.
func (a Amount) Cmp(b Amount) (int, error) {
	if a.Currency != b.Currency || a.Issuer != b.Issuer {
		return 0, fmt.Errorf("%w: comparing %s with %s", ErrAmount, a, b)
	}
	x, err := a.Rat()
	if err != nil {
		return 0, err
	}
	y, err := b.Rat()
	if err != nil {
		return 0, err
	}
	return x.Cmp(y), nil
}

// json returns the amount in its XRPL JSON form.
func (a Amount) json() any {
	if a.IsNative() {
		return a.Value
	}
	return map[string]any{"currency": a.Currency, "issuer": a.Issuer, "value": a.Value}
}

// AmountFromJSON reads an amount in its XRPL JSON form: a drops string or a
// {currency, issuer, value} object.
func AmountFromJSON(v any) (Amount, error) {
	switch x := v.(type) {
	case string:
		if _, err := strconv.ParseUint(x, 10, 64); err != nil {
			return Amount{}, fmt.Errorf("%w: drops %q", ErrAmount, x)
		}
		return Amount{Value: x}, nil
	case map[string]any:
		c, _ := x["currency"].(string)
		i, _ := x["issuer"].(string)
		val, _ := x["value"].(string)
		if c == "" || i == "" || !decimalText(val) {
			return Amount{}, fmt.Errorf("%w: %v", ErrAmount, x)
		}
		return Amount{Currency: c, Issuer: i, Value: val}, nil
	}
	return Amount{}, fmt.Errorf("%w: %T", ErrAmount, v)
}

// decimalText reports whether s is plain or exponent decimal text, the forms
// the ledger uses; big.Rat alone would also take fractions like "1/3".
func decimalText(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	i, f, _ := strings.Cut(mant, ".")
	if i+f == "" || !digits(i) || !digits(f) {
		return false
	}
	if hasExp {
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "-"), "+")
		return exp != "" && len(exp) <= 3 && digits(exp)
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatRat prints a rational with a terminating decimal expansion exactly,
// without exponent or trailing zeros. Ledger amounts always terminate.
func formatRat(r *big.Rat) string {
	// A decimal's denominator is 2^a·5^b and needs max(a, b) places.
	d := new(big.Int).Set(r.Denom())
	places := 0
	var rem big.Int
	for _, p := range []int64{2, 5} {
		n, bp := 0, big.NewInt(p)
		for d.Cmp(big.NewInt(1)) > 0 {
			q, _ := new(big.Int).QuoRem(d, bp, &rem)
			if rem.Sign() != 0 {
				break
			}
			d, n = q, n+1
		}
		places = max(places, n)
	}
	s := r.FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
