package lease

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// jsCredit is sashimono's rule written out independently of MomentsPaid:
// Math.floor(parseFloat(paid) / parseFloat(price)).
func jsCredit(paid, price string) float64 {
	p, _ := strconv.ParseFloat(paid, 64)
	q, _ := strconv.ParseFloat(price, 64)
	return math.Floor(p / q)
}

// sigDigits counts the significant digits of plain decimal text.
func sigDigits(s string) int {
	d := strings.Trim(strings.Replace(s, ".", "", 1), "0")
	return len(d)
}

// creditPrices spans 0.000001 to 10,000 EVR: every one- and two-digit
// mantissa in each decade, the prices the audit names, and seeded random
// prices of up to 16 significant digits.
func creditPrices() []string {
	var out []string
	mantissas := []string{"1", "2", "3", "5", "7", "9", "1.1", "1.5", "2.5", "3.3", "4.9", "6.1", "7.7", "9.9"}
	for e := -6; e <= 4; e++ {
		for _, m := range mantissas {
			r, _ := new(big.Rat).SetString(m + "e" + strconv.Itoa(e))
			out = append(out, ratText(r))
		}
	}
	out = append(out, "0.1", "0.07", "0.01", "0.001", "0.0005", "10000", "0.000001", "1.234567890123456", "9999.999999999999")
	rng := rand.New(rand.NewPCG(11, 12))
	for len(out) < 260 {
		digits := 1 + rng.IntN(16)
		m := rng.Int64N(int64(math.Pow10(digits))-1) + 1
		e := -6 - digits + 1 + rng.IntN(11+digits)
		r, _ := new(big.Rat).SetString(strconv.FormatInt(m, 10) + "e" + strconv.Itoa(e))
		if r.Cmp(big.NewRat(1, 1_000_000)) < 0 || r.Cmp(big.NewRat(10_000, 1)) > 0 {
			continue
		}
		out = append(out, ratText(r))
	}
	return out
}

func ratText(r *big.Rat) string {
	s := r.FloatString(40)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// TestExtendAmountFloatRule is the audit's finding 1: a sashimono host
// credits floor(float(paid) / float(price)) moments, so the exact
// moments × price loses a moment for many prices (3 × 0.1 is credited 2).
// ExtendAmount must pay what that rule credits as the moments asked for,
// never less than the exact price and with at most 16 significant digits.
func TestExtendAmountFloatRule(t *testing.T) {
	const issuer = "rEVRissuerEVRissuerEVRissuerEVR"
	prices := creditPrices()
	checked := 0
	for pi, price := range prices {
		u := URI{Price: price}
		exactPrice, _ := new(big.Rat).SetString(price)
		for m := uint64(1); m <= 1000; m++ {
			amt, err := ExtendAmount(u, issuer, m)
			if err != nil {
				t.Fatalf("ExtendAmount(%s, %d): %v", price, m, err)
			}
			if amt.Currency != evernode.EVRCurrency || amt.Issuer != issuer {
				t.Fatalf("amount %+v", amt)
			}
			if got := jsCredit(amt.Value, price); got != float64(m) {
				t.Fatalf("price %s, %d moments: pays %s, a sashimono host credits %v", price, m, amt.Value, got)
			}
			// MomentsPaid, the exact and the minimality checks: a sample.
			if (uint64(pi)+m)%11 != 0 {
				continue
			}
			if got := MomentsPaid(amt, price); got != m {
				t.Fatalf("MomentsPaid(%s, %s) = %d, want %d", amt.Value, price, got, m)
			}
			checked++
			if n := sigDigits(amt.Value); n > 16 {
				t.Fatalf("price %s, %d moments: %s has %d significant digits", price, m, amt.Value, n)
			}
			paid, ok := new(big.Rat).SetString(amt.Value)
			if !ok {
				t.Fatalf("amount %q", amt.Value)
			}
			exact := new(big.Rat).Mul(exactPrice, new(big.Rat).SetUint64(m))
			if paid.Cmp(exact) < 0 {
				t.Fatalf("price %s, %d moments: pays %s, less than %s", price, m, amt.Value, exact.FloatString(20))
			}
			// One step less at 16 significant digits is either below the
			// exact price or credited fewer moments.
			if less := stepDown(amt.Value); less != "" {
				r, _ := new(big.Rat).SetString(less)
				if r.Cmp(exact) >= 0 && jsCredit(less, price) == float64(m) {
					t.Fatalf("price %s, %d moments: pays %s although %s is enough", price, m, amt.Value, less)
				}
			}
		}
	}
	t.Logf("%d prices × 1000 moments; %d checked exactly", len(prices), checked)
}

// stepDown returns s minus one unit in its 16th significant digit, or ""
// for zero.
func stepDown(s string) string {
	r, _ := new(big.Rat).SetString(s)
	if r.Sign() <= 0 {
		return ""
	}
	// exponent of the leading digit
	f, _ := r.Float64()
	lead := int(math.Floor(math.Log10(f)))
	// guard against Log10 rounding at powers of ten
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(lead))), nil))
	if lead < 0 {
		p.Inv(p)
	}
	if r.Cmp(p) < 0 {
		lead--
	}
	step := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(lead-15))), nil))
	if lead-15 < 0 {
		step.Inv(step)
	}
	return ratText(new(big.Rat).Sub(r, step))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestExtendAmountAuditCases: the prices the audit names, and 3 × 0.1.
func TestExtendAmountAuditCases(t *testing.T) {
	for _, c := range []struct {
		price   string
		moments uint64
		want    string
	}{
		{"0.1", 3, "0.3000000000000001"},
		{"0.1", 1, "0.1"},
		{"1.5", 3, "4.5"},
		{"2", 1000, "2000"},
	} {
		amt, err := ExtendAmount(URI{Price: c.price}, "rI", c.moments)
		if err != nil || amt.Value != c.want {
			t.Errorf("ExtendAmount(%s, %d) = %q, %v; want %s", c.price, c.moments, amt.Value, err, c.want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "abc", "1/3", "NaN", "Inf", "0x10"} {
		if _, err := ExtendAmount(URI{Price: bad}, "rI", 1); err == nil {
			t.Errorf("price %q accepted", bad)
		}
	}
	if _, err := ExtendAmount(URI{Price: "1"}, "rI", 0); err == nil {
		t.Error("zero moments accepted")
	}
}

// TestMomentsPaid is sashimono's crediting rule on the cases that matter to
// a host: float division, floor, nothing for unreadable or non-EVR input.
func TestMomentsPaidFloatRule(t *testing.T) {
	evr := func(v string) evernode.Amount { return evernode.EVR("rI", v) }
	for _, c := range []struct {
		paid  evernode.Amount
		price string
		want  uint64
	}{
		{evr("0.3"), "0.1", 2}, // 0.3/0.1 = 2.9999999999999996 in float64
		{evr("0.3000000000000001"), "0.1", 3},
		{evr("4.5"), "1.5", 3},
		{evr("4.4"), "1.5", 2},
		{evr("1.4"), "1.5", 0},
		{evr("1000000000000000e-15"), "1", 1},
		{evr("1e-6"), "0.000001", 1},
		{evr("-3"), "1", 0},
		{evr("abc"), "1", 0},
		{evr("3"), "0", 0},
		{evr("3"), "-1", 0},
		{evr("3"), "x", 0},
		{evr("NaN"), "1", 0},
		{evr("Inf"), "1", 0},
		{evr("0x10"), "1", 0},
		{evernode.Drops(3_000_000), "1", 0},
	} {
		if got := MomentsPaid(c.paid, c.price); got != c.want {
			t.Errorf("MomentsPaid(%s, %s) = %d, want %d", c.paid, c.price, got, c.want)
		}
	}
}

func BenchmarkExtendAmount(b *testing.B) {
	u := URI{Price: "0.07"}
	for i := 0; b.Loop(); i++ {
		if _, err := ExtendAmount(u, "rI", uint64(i%1000)+1); err != nil {
			b.Fatal(err)
		}
	}
}

// runCreditHost answers acquires with success and credits
// extensions as sashimono does (MomentsPaid), until the test ends.
func (e *env) runCreditHost(t *testing.T) {
	ctx, cancel := context.WithCancel(e.ctx)
	evs, err := e.host.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	expiry := map[string]uint32{}
	go func() {
		defer close(done)
		defer evs.Close()
		for {
			ev, err := evs.Next(ctx)
			if err != nil {
				return
			}
			switch ev.Type {
			case memo.EventAcquireLease:
				expiry[ev.TokenID] = 100
				_, err = e.host.AcquireSuccess(ctx, ev.Hash, ev.From, memo.Instance{Name: ev.TokenID, Pubkey: "ed" + ev.TokenID,
					ContractID: ev.Requirement.ContractID, PeerPort: "22861", UserPort: "26201"}, nil)
			case memo.EventExtendLease:
				var tok Token
				if tok, err = e.host.Token(ctx, ev.TokenID, ev.From); err == nil {
					expiry[tok.ID] += uint32(MomentsPaid(ev.Amount, tok.URI.Price))
					_, err = e.host.ExtendSuccess(ctx, ev.Hash, ev.From, expiry[tok.ID])
				}
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("host: %v: %v", ev.Type, err)
			}
		}
	}()
}

// TestExtendCreditedOnLocalnet: a host crediting by sashimono's float rule
// credits what the tenant asked for, at prices where the exact amount loses
// a moment (3 × 0.1 is credited 2, 7 × 0.07 too).
func TestExtendCreditedOnLocalnet(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	e.runCreditHost(t)
	for _, c := range []struct {
		price   string
		moments []uint64
	}{{"0.1", []uint64{3, 6, 7}}, {"0.07", []uint64{3, 7}}} {
		toks, err := e.host.MintN(e.ctx, 1, c.price, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, &AcquireOptions{OfferID: toks[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		want := uint32(100)
		for _, m := range c.moments {
			ext, err := e.tenant.Extend(e.ctx, res.Instance.Name, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			want += uint32(m)
			if ext.ExpiryMoment != want {
				t.Fatalf("price %s: paid %s for %d moments, credited up to %d, want %d", c.price, ext.Amount.Value, m, ext.ExpiryMoment, want)
			}
		}
	}
}
