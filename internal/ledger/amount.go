package ledger

import (
	"math/big"
	"strconv"
	"strings"
)

// Value is an issued-currency value as the ledger keeps it: a signed
// mantissa of 16 significant digits and a decimal exponent.
type Value struct {
	neg  bool
	mant uint64 // 0 or in [1e15, 1e16)
	exp  int
}

const (
	minMant = 1_000_000_000_000_000
	maxMant = 9_999_999_999_999_999
	minExp  = -96
	maxExp  = 80
)

var bigTen = big.NewInt(10)

// ParseValue reads a decimal value ("1.5", "-2", "1e-3"). It reports false
// for text that is not a number or is out of the ledger's range.
func ParseValue(s string) (Value, bool) {
	if s == "" || len(s) > 64 {
		return Value{}, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/xXpP_") {
		return Value{}, false
	}
	return fromRat(r)
}

// fromRat rounds r to 16 significant digits.
func fromRat(r *big.Rat) (Value, bool) {
	if r.Sign() == 0 {
		return Value{}, true
	}
	v := Value{neg: r.Sign() < 0}
	a := new(big.Rat).Abs(r)
	// Estimate the exponent from the digit counts, then adjust.
	e := len(a.Num().String()) - len(a.Denom().String()) - 15
	scaled := func(e int) *big.Rat {
		x := new(big.Rat).Set(a)
		p := new(big.Int).Exp(bigTen, big.NewInt(int64(abs(e))), nil)
		if e > 0 {
			x.Quo(x, new(big.Rat).SetInt(p))
		} else {
			x.Mul(x, new(big.Rat).SetInt(p))
		}
		return x
	}
	lo, hi := new(big.Rat).SetInt64(minMant), new(big.Rat).SetInt64(maxMant+1)
	x := scaled(e)
	for i := 0; i < 4 && x.Cmp(lo) < 0; i++ {
		e--
		x = scaled(e)
	}
	for i := 0; i < 4 && x.Cmp(hi) >= 0; i++ {
		e++
		x = scaled(e)
	}
	// Round half up to an integer mantissa.
	q, rem := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	m := q.Uint64()
	if m > maxMant {
		m /= 10
		e++
	}
	if e < minExp {
		return Value{}, true
	}
	if e > maxExp {
		return Value{}, false
	}
	v.mant, v.exp = m, e
	return v, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Rat returns the exact value.
func (v Value) Rat() *big.Rat {
	if v.mant == 0 {
		return new(big.Rat)
	}
	r := new(big.Rat).SetInt(new(big.Int).SetUint64(v.mant))
	p := new(big.Rat).SetInt(new(big.Int).Exp(bigTen, big.NewInt(int64(abs(v.exp))), nil))
	if v.exp >= 0 {
		r.Mul(r, p)
	} else {
		r.Quo(r, p)
	}
	if v.neg {
		r.Neg(r)
	}
	return r
}

// Sign returns -1, 0 or 1.
func (v Value) Sign() int {
	switch {
	case v.mant == 0:
		return 0
	case v.neg:
		return -1
	}
	return 1
}

// Neg returns -v.
func (v Value) Neg() Value {
	if v.mant != 0 {
		v.neg = !v.neg
	}
	return v
}

// Add returns v + w rounded to the ledger's precision.
func (v Value) Add(w Value) Value {
	r, _ := fromRat(new(big.Rat).Add(v.Rat(), w.Rat()))
	return r
}

// Sub returns v - w.
func (v Value) Sub(w Value) Value { return v.Add(w.Neg()) }

// Cmp compares v and w.
func (v Value) Cmp(w Value) int { return v.Rat().Cmp(w.Rat()) }

// Min returns the smaller of v and w.
func (v Value) Min(w Value) Value {
	if v.Cmp(w) <= 0 {
		return v
	}
	return w
}

// String formats v as rippled's STAmount::getText does: plain decimal for
// exponents in [-25, -5], scientific mantissa‖"e"‖exponent otherwise.
func (v Value) String() string {
	if v.mant == 0 {
		return "0"
	}
	var b strings.Builder
	if v.neg {
		b.WriteByte('-')
	}
	raw := strconv.FormatUint(v.mant, 10)
	if v.exp != 0 && (v.exp < -25 || v.exp > -5) {
		b.WriteString(raw)
		b.WriteByte('e')
		b.WriteString(strconv.Itoa(v.exp))
		return b.String()
	}
	if v.exp == 0 {
		b.WriteString(raw)
		return b.String()
	}
	// exp in [-25, -5]: the point falls inside or before the 16 digits.
	pad := strings.Repeat("0", 32) + raw + strings.Repeat("0", 32)
	point := 32 + len(raw) + v.exp
	intPart := strings.TrimLeft(pad[:point], "0")
	frac := strings.TrimRight(pad[point:], "0")
	if intPart == "" {
		intPart = "0"
	}
	b.WriteString(intPart)
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// amount is a parsed JSON amount.
type amount struct {
	native   bool
	drops    int64
	currency string // as written in JSON
	code     [20]byte
	issuer   AccountID
	value    Value
}

// parseAmount reads a drops string or a {currency, issuer, value} object.
func parseAmount(v any) (amount, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return amount{}, false
		}
		return amount{native: true, drops: n}, true
	case map[string]any:
		c, _ := x["currency"].(string)
		i, _ := x["issuer"].(string)
		s, _ := x["value"].(string)
		code, ok := currencyCode(c)
		if !ok {
			return amount{}, false
		}
		iss, ok := ParseAccount(i)
		if !ok {
			return amount{}, false
		}
		val, ok := ParseValue(s)
		if !ok {
			return amount{}, false
		}
		return amount{currency: c, code: code, issuer: iss, value: val}, true
	}
	return amount{}, false
}

// sign returns the amount's sign.
func (a amount) sign() int {
	if a.native {
		switch {
		case a.drops > 0:
			return 1
		case a.drops < 0:
			return -1
		}
		return 0
	}
	return a.value.Sign()
}

// sameIssue reports whether a and b are the same currency.
func (a amount) sameIssue(b amount) bool {
	if a.native || b.native {
		return a.native == b.native
	}
	return a.code == b.code && a.issuer == b.issuer
}

// json returns the JSON form.
func (a amount) json() any {
	if a.native {
		return strconv.FormatInt(a.drops, 10)
	}
	return iouJSON(a.currency, a.issuer.String(), a.value)
}

func iouJSON(currency, issuer string, v Value) map[string]any {
	return map[string]any{"currency": currency, "issuer": issuer, "value": v.String()}
}

// withValue returns an IOU amount of the same issue with value v.
func (a amount) withValue(v Value) amount { a.value = v; return a }
