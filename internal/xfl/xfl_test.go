package xfl

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
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
			want, err := strconv.ParseInt(c.XflInt64, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			var be [8]byte
			binary.BigEndian.PutUint64(be[:], uint64(want))
			if got := strings.ToUpper(hex.EncodeToString(be[:])); got != strings.ToUpper(c.XflHexBE) {
				t.Fatalf("vector inconsistent: %s vs %s", got, c.XflHexBE)
			}
			// Decode reads what the JS client wrote, whatever it was.
			s, err := Decode(want)
			if err != nil {
				t.Fatal(err)
			}
			if !sameNumber(s, c.ToString) {
				t.Errorf("Decode(%d) = %s, want %s", want, s, c.ToString)
			}
			got, err := Encode(c.Input)
			if err != nil {
				t.Fatal(err)
			}
			if jsExponentForm(c.Input) {
				// The JS client mis-encodes these; we encode the real value.
				back, err := Decode(got)
				if err != nil {
					t.Fatal(err)
				}
				if !sameNumber(back, c.Input) {
					t.Errorf("Encode(%s) decodes to %s", c.Input, back)
				}
				return
			}
			if got != want {
				t.Errorf("Encode(%s) = %d, want %d", c.Input, got, want)
			}
		})
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
