package xfl

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/internal/vectors"
)

type xflVectors struct {
	Values []struct {
		Input    string `json:"input"`
		XflInt64 string `json:"xflInt64"`
		XflHexBE string `json:"xflHexBE"`
		ToString string `json:"toString"`
	} `json:"values"`
}

// jsExponentForm reports whether JavaScript's Number.toString prints s in
// exponent notation, which is where evernode-js-client's getXfl goes wrong.
func jsExponentForm(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f == 0 {
		return false
	}
	if f < 0 {
		f = -f
	}
	return f < 1e-6 || f >= 1e21
}

func TestVectors(t *testing.T) {
	var v xflVectors
	vectors.Load(t, "xfl.json", &v)
	if len(v.Values) == 0 {
		t.Fatal("no XFL vectors")
	}
	for _, c := range v.Values {
		t.Run(c.Input, func(t *testing.T) {
			if err := checkVector(c.Input, c.XflInt64, c.XflHexBE, c.ToString); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkVector checks one XFL vector of evernode-js-client: Decode reads
// what JS wrote, and Encode gives JS's value, except where JS goes wrong
// (exponent notation, or more digits than float64 keeps): there the vector
// test accepts our encoding when it is the input's exact value.
func checkVector(input, xflInt64, xflHexBE, toString string) error {
	want, err := strconv.ParseInt(xflInt64, 10, 64)
	if err != nil {
		return err
	}
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], uint64(want))
	if got := strings.ToUpper(hex.EncodeToString(be[:])); xflHexBE != "" && got != strings.ToUpper(xflHexBE) {
		return fmt.Errorf("vector inconsistent: %s vs %s", got, xflHexBE)
	}
	// Decode reads what the JS client wrote, whatever it was.
	s, err := Decode(want)
	if err != nil {
		return err
	}
	if !sameNumber(s, toString) {
		return fmt.Errorf("Decode(%d) = %s, want %s", want, s, toString)
	}
	got, err := Encode(input)
	if err != nil {
		return err
	}
	if got == want {
		return nil
	}
	if jsExponentForm(input) || jsRoundsThroughFloat(input) {
		// The JS client mis-encodes these; we encode the real value.
		back, err := Decode(got)
		if err != nil {
			return err
		}
		if !sameNumber(back, input) {
			return fmt.Errorf("Encode(%s) decodes to %s", input, back)
		}
		return nil
	}
	return fmt.Errorf("Encode(%s) = %d, want %d", input, got, want)
}

// jsRoundsThroughFloat reports whether getXfl's parseFloat(s).toString()
// changes s's value: more significant digits than float64 keeps (about
// 15 to 17), e.g. 9999999999999999 becomes 10000000000000000.
func jsRoundsThroughFloat(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	return !sameNumber(strconv.FormatFloat(f, 'g', -1, 64), s)
}

// TestVectorFloatRounding: where evernode-js-client rounds the input
// through float64 (here 9999999999999999, which it encodes as 10^16), the
// vector check accepts our exact encoding, as it does for exponent forms;
// a wrong encoding of an ordinary value is still caught.
func TestVectorFloatRounding(t *testing.T) {
	// Values from evernode-js-client 0.6.61's XflHelpers.getXfl/toString.
	if err := checkVector("9999999999999999", "6378097072356622336", "", "10000000000000000"); err != nil {
		t.Fatal(err)
	}
	if err := checkVector("1.000000000000001", "6089866696204910593", "", "1.000000000000001"); err != nil {
		t.Fatal(err)
	}
	// 0.1234567890123456 with the JS value of 1.000000000000001: caught.
	if err := checkVector("0.1234567890123456", "6089866696204910593", "", "1.000000000000001"); err == nil {
		t.Fatal("a wrong encoding passed")
	}
}

func sameNumber(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func TestRoundTrip(t *testing.T) {
	for _, s := range []string{"1", "0.3", "1e-8", "0.00000001", "-1.5", "123.456", "9999999999999999", "1e80", "1e-81",
		"0.000001", "72253440", "5160960", "1.000000000000001", "-0.0000000000001"} {
		v, err := Encode(s)
		if err != nil {
			t.Fatalf("Encode(%s): %v", s, err)
		}
		back, err := Decode(v)
		if err != nil {
			t.Fatal(err)
		}
		if !sameNumber(back, s) {
			t.Errorf("%s → %d → %s", s, v, back)
		}
		if strings.ContainsAny(back, "eE") {
			t.Errorf("Decode gave exponent notation %s", back)
		}
	}
}

func TestEncodeZero(t *testing.T) {
	for _, s := range []string{"0", "0.0", "-0", "000", "0e5"} {
		v, err := Encode(s)
		if err != nil || v != 0 {
			t.Errorf("Encode(%q) = %d, %v; want 0", s, v, err)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax}, {"abc", ErrSyntax}, {"1.2.3", ErrSyntax}, {" 1", ErrSyntax}, {"0x10", ErrSyntax},
		{"1e", ErrSyntax}, {".", ErrSyntax}, {"-", ErrSyntax}, {"Infinity", ErrSyntax}, {"NaN", ErrSyntax}, {"1e99999", ErrSyntax},
		{"12345678901234567", ErrPrecision}, {"0.12345678901234567", ErrPrecision},
		{"1e96", ErrRange}, {"1e-82", ErrRange},
	}
	for _, c := range cases {
		if _, err := Encode(c.in); !errors.Is(err, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, v := range []int64{-1, 1, 1 << 62, 1<<62 | 999} {
		if _, err := Decode(v); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%#x) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestRat(t *testing.T) {
	v, _ := Encode("0.3")
	r, err := Rat(v)
	if err != nil || r.Cmp(big.NewRat(3, 10)) != 0 {
		t.Fatalf("Rat = %v, %v", r, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range []int64{0, 6089866696204910592, 1478680677777522688, -1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		s, err := Decode(v)
		if err != nil {
			return
		}
		back, err := Encode(s)
		if err != nil {
			t.Fatalf("Decode(%d) = %s does not encode: %v", v, s, err)
		}
		if back != v {
			t.Fatalf("Decode(%d) = %s encodes to %d", v, s, back)
		}
	})
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"1", "0.3", "-1.5", "1e-8", "x", "1e1000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Encode(s)
		if err != nil {
			return
		}
		back, err := Decode(v)
		if err != nil {
			t.Fatalf("Encode(%q) = %d does not decode: %v", s, v, err)
		}
		if !sameNumber(back, s) && !(v == 0) {
			t.Fatalf("Encode(%q) → %s", s, back)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	for b.Loop() {
		if _, err := Encode("123.456"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, err := Decode(6126130053223874560); err != nil {
			b.Fatal(err)
		}
	}
}
