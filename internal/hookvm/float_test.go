package hookvm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/xfl"
)

// Known answers from xahaud's src/test/app/SetHook_test.cpp (exact ASSERTs).
func TestFloatSetKnownAnswers(t *testing.T) {
	cases := []struct {
		exp  int32
		man  int64
		want int64
	}{
		{-5, 0, 0}, {50, 0, 0}, {-97, 1, InvalidFloat}, {97, 1, InvalidFloat},
		{-5, 6541432897943971, 6275552114197674403},
		{-83, 7906202688397446, 4871793800248533126},
		{76, 4760131426754533, 7732937091994525669},
		{37, -8019384286534438, 2421948784557120294},
		{50, 5145342538007840, 7264947941859247392},
		{-70, 4387341302202416, 5102462119485603888},
		{-26, -1754544005819476, 1280776838179040340},
		{36, 8261761545780560, 7015862781734272336},
		{17, -4478222822793996, 2058119652903740172},
		{-54, -3477931844992923, 778097067752718235},
		{-72, -1847771838890268, 452207734575939868},
		{71, -9138413713437220, 3035557363306410532},
		{28, 4933894067102586, 6868419726179738490},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, FloatSet(c.exp, c.man), "float_set(%d, %d)", c.exp, c.man)
	}
}

func TestFloatArithmeticKnownAnswers(t *testing.T) {
	one := FloatOne()
	neg := FloatNegate(one)
	// float_one is the XFL of 1 in internal/xfl's encoding too.
	enc, err := xfl.Encode("1")
	require.NoError(t, err)
	assert.Equal(t, enc, one)

	assert.Equal(t, InvalidFloat, FloatMultiply(-1, one))
	assert.Equal(t, one, FloatMultiply(one, one))
	assert.Equal(t, neg, FloatMultiply(one, neg))
	assert.Equal(t, one, FloatMultiply(neg, neg))
	assert.Equal(t, XFLOverflow, FloatMultiply(7801234554605699072, 7801234554605699072))
	assert.Equal(t, XFLOverflow, FloatMultiply(7801234554605699072, 6107881094714392576))
	assert.Equal(t, XFLOverflow, FloatMultiply(3189548536178311168, 6107881094714392576))
	assert.Equal(t, int64(3189548536178311168), FloatMultiply(3189548536178311168, one))

	assert.Equal(t, InvalidFloat, FloatDivide(-1, one))
	assert.Equal(t, DivisionByZero, FloatDivide(one, 0))
	assert.Equal(t, int64(0), FloatDivide(0, one))
	assert.Equal(t, one, FloatDivide(one, one))
	assert.Equal(t, neg, FloatDivide(one, neg))
	assert.Equal(t, neg, FloatDivide(neg, one))
	// Long division gives 0.99…9 here; the log10 quirk of normalize_xfl
	// rounds it back to exactly 1, as in xahaud.
	assert.Equal(t, one, FloatDivide(neg, neg))
	assert.Equal(t, int64(4638834963451748340), FloatDivide(4638834963451748340, one))
	assert.Equal(t, int64(0), FloatDivide(4638834963451748340, 7441363081262569392))
	assert.Equal(t, XFLOverflow, FloatDivide(6846826132016365020, 4638834963451748340))

	// 1 + 1 = 2, 1 - 1 = 0, 45678 + 0.345678, -151864512641 + 1e17.
	assert.Equal(t, int64(6090866696204910592), FloatSum(one, one))
	assert.Equal(t, int64(0), FloatSum(one, neg))
	assert.Equal(t, int64(6165492124810638528), FloatSum(6165492090242838528, 6074309077695428608))
	assert.Equal(t, int64(6387097057170171072), FloatSum(1676857706508234512, 6396111470866104320))

	assert.Equal(t, int64(1), FloatCompare(one, one, CompareEqual))
	assert.Equal(t, int64(1), FloatCompare(neg, one, CompareLess))
	assert.Equal(t, int64(0), FloatCompare(neg, one, CompareGreater))
	assert.Equal(t, int64(1), FloatCompare(neg, one, CompareLess|CompareGreater))
	assert.Equal(t, InvalidArgument, FloatCompare(one, one, 7))
	assert.Equal(t, InvalidArgument, FloatCompare(one, one, 0))
	assert.Equal(t, InvalidArgument, FloatCompare(one, one, 8))
	assert.Equal(t, InvalidFloat, FloatCompare(-1, one, 1))
}

// xahaud's tests accept a result within 5,000,000 mantissa units (and one
// decade); these are its randomly generated cases.
// assertNear is the tolerance of xahaud's ASSERT_EQUAL for floats.
func assertNear(t *testing.T, want, got int64) {
	t.Helper()
	{
		mx, my := getMantissa(got), getMantissa(want)
		d := getExponent(got) - getExponent(want)
		if d == 1 {
			mx *= 10
		}
		if d == -1 {
			my *= 10
		}
		diff := mx - my
		if diff < 0 {
			diff = -diff
		}
		if d < 0 {
			d = -d
		}
		assert.False(t, d > 1 || diff > 5_000_000 || mx < 0 || my < 0, "got %d want %d", got, want)
	}
}

func TestFloatApproximateKnownAnswers(t *testing.T) {
	near := func(t *testing.T, want, got int64) { t.Helper(); assertNear(t, want, got) }
	sums := [][3]int64{
		{95785354843184473, 7607324992379065667, 7607324992379065667},
		{2440992231195047997, 4937813945440933271, 2440992231195047996},
		{3014788764095798870, 7425019819707800346, 3014788764095767995},
		{20028000442705357, 95248745393457140, 95248946753650462},
		{1738010758208819410, 2224610859005732191, 2224610859005732192},
	}
	for _, s := range sums {
		near(t, s[2], FloatSum(s[0], s[1]))
	}
	near(t, 6470304726017852129, FloatMultiply(7791757438262485039, 4759088999670263908))
	near(t, 2472307761756037979, FloatMultiply(7534790022873909775, 1017891960669847079))
	near(t, 1696567870013294731, FloatMultiply(2813999069907898454, 4962524721184225460))
	near(t, 6071852297695428608, FloatDivide(FloatOne(), 6107881094714392576))
	near(t, 6168530993200328528, FloatDivide(6234216452170766464, 6144532891733356544))
	near(t, 711756787386903390, FloatDivide(1478426356228633688, 6846826132016365020))
}

func TestFloatSTORoundTrip(t *testing.T) {
	v, err := xfl.Encode("123.456")
	require.NoError(t, err)
	cur := make([]byte, 20)
	copy(cur[12:], "EVR")
	iss := make([]byte, 20)
	iss[0] = 1
	// sfAmount (type 6, field 1) with header.
	b, rc := FloatSTO(cur, iss, v, 6<<16|1)
	require.Zero(t, rc)
	require.Len(t, b, 49)
	assert.Equal(t, byte(0x61), b[0])
	assert.Equal(t, v, FloatSTOSet(b[:9]))
	// Native: 1.5 XAH = 1500000 drops.
	x, _ := xfl.Encode("1500000")
	b, rc = FloatSTO(nil, nil, x, 0)
	require.Zero(t, rc)
	assert.Equal(t, []byte{0x40, 0, 0, 0, 0, 0x16, 0xE3, 0x60}, b)
	assert.Equal(t, x, FloatSTOSet(b))
	drops, _ := xfl.Encode("1.5")
	assert.Equal(t, drops, amountFloat(b), "slot_float of a native amount is in XAH")
	assert.Equal(t, int64(1500000), FloatInt(x, 0, 0))
	assert.Equal(t, CantReturnNegative, FloatInt(FloatNegate(x), 0, 0))
}

func TestLog10Trunc(t *testing.T) {
	assert.Equal(t, int32(3), log10Trunc(1000))
	assert.Equal(t, int32(2), log10Trunc(999))
	assert.Equal(t, int32(15), log10Trunc(999_999_999_999_999), "C's log10 rounds up to 15")
	assert.Equal(t, int32(14), log10Trunc(999_999_999_999_990))
	assert.Equal(t, int32(16), log10Trunc(9_999_999_999_999_999))
	assert.Equal(t, int32(18), log10Trunc(999_999_999_999_999_999))
}

func TestFloatLogRootKnownAnswers(t *testing.T) {
	near := func(want, got int64) { t.Helper(); assertNear(t, want, got) }
	assert.Equal(t, InvalidArgument, FloatLog(0))
	assert.Equal(t, ComplexNotSupported, FloatLog(1532223873305968640))
	near(6108373858112734914, FloatLog(6349533412187342878))
	near(6091866696204910592, FloatLog(6143909891733356544))
	near(1468659350345448364, FloatLog(6071976107695428608))
	near(1496890038311378526, FloatLog(5783744921543716864))
	near(6113081094714392576, FloatLog(7206759403792793600))
	assert.Equal(t, FloatOne(), FloatRoot(FloatOne(), 2))
	near(6091866696204910592, FloatRoot(6097866696204910592, 2))
	near(6107881094714392576, FloatRoot(6143909891733356544, 3))
	assert.Equal(t, ComplexNotSupported, FloatRoot(1478180677777522688, 2))
	assert.Equal(t, int64(0), FloatRoot(0, 10))
}

func TestSTOLength(t *testing.T) {
	// A Payment's fields: sto_subfield finds Amount's payload, an array is
	// returned whole, and a truncated buffer is a parse error.
	tx := payment()
	tx["Memos"] = []any{map[string]any{"Memo": map[string]any{"MemoData": "C0FFEE"}}}
	b, err := codecXahau().Encode(tx)
	require.NoError(t, err)
	up, found := 0, map[int]int{}
	for up < len(b) {
		n, typ, field, _, _ := stoLength(b[up:], 0)
		require.Positive(t, n)
		found[typ<<16|field] = up
		up += n
	}
	assert.Equal(t, len(b), up)
	assert.Contains(t, found, 6<<16|1)
	assert.Contains(t, found, 15<<16|9)
	n, _, _, _, _ := stoLength(b[:1], 0) // a header byte alone
	assert.Negative(t, n)
}
