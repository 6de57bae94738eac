package hook

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeStateKeyVectors checks DecodeStateKey against the JS client's
// decodeStateKey, except for keys the JS client wrongly classifies as
// configuration (audit A6): those are ErrUnknownKey here.
func TestDecodeStateKeyVectors(t *testing.T) {
	v := loadGovernance(t)
	require.NotEmpty(t, v.StateKeys)
	for _, c := range v.StateKeys {
		kind, err := DecodeStateKey(mustHex(t, c.Key))
		_, decodeErr := DecodeState(mustHex(t, c.Key), make([]byte, 200))
		if errors.Is(decodeErr, ErrUnknownKey) {
			assert.True(t, errors.Is(err, ErrUnknownKey), "%s: %v %v", c.Key, kind, err)
			continue
		}
		require.NoError(t, err, c.Key)
		require.NotNil(t, c.Decoded, c.Key)
		assert.Equal(t, Kind(c.Decoded.Type), kind, c.Key)
	}
	_, err := DecodeStateKey([]byte{1, 2})
	assert.True(t, errors.Is(err, ErrMalformed))
}

func TestXFLPartsVectors(t *testing.T) {
	v := loadGovernance(t)
	require.NotEmpty(t, v.XFL)
	for _, c := range v.XFL {
		raw, err := strconv.ParseInt(c.XFL, 10, 64)
		require.NoError(t, err)
		x := XFL(raw)
		e, err := x.Exponent()
		require.NoError(t, err)
		m, _ := x.Mantissa()
		n, _ := x.IsNegative()
		assert.Equal(t, c.Exponent, strconv.Itoa(e), c.Text)
		assert.Equal(t, c.Mantissa, strconv.FormatInt(m, 10), c.Text)
		assert.Equal(t, c.Negative, n, c.Text)
		// The JS getXfl misreads exponent notation (xfl.json documents it).
		if p, err := ParseXFL(c.Text); err == nil && !strings.ContainsRune(c.Text, 'e') {
			assert.Equal(t, x, p, c.Text)
		}
	}
	_, err := XFL(-1).Exponent()
	assert.ErrorIs(t, err, ErrInvalidXFL)
	_, err = XFL(-1).Mantissa()
	assert.ErrorIs(t, err, ErrInvalidXFL)
	_, err = XFL(-1).IsNegative()
	assert.ErrorIs(t, err, ErrInvalidXFL)
}

func TestParseWalletLocator(t *testing.T) {
	l, ok, err := ParseWalletLocator("02" + "11223344556677889900AABBCCDDEEFF0011223300000000000000000000")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, ReputationOneToMany, l.Mode)
	assert.Equal(t, byte(0x11), l.Account[0])
	_, ok, err = ParseWalletLocator("")
	assert.False(t, ok)
	assert.NoError(t, err)
	_, _, err = ParseWalletLocator("0102")
	assert.ErrorIs(t, err, ErrMalformed)
}

// FuzzDecodeStateKey: every key gets a kind or an error, never a panic,
// and a kind DecodeState agrees with.
func FuzzDecodeStateKey(f *testing.F) {
	f.Add(ConfigKey(ConfMomentSize).String())
	f.Add(SingletonKey(SingletonRewardInfo).String())
	f.Add(HostAddrKey(AccountID{1}).String())
	f.Fuzz(func(t *testing.T, s string) {
		key, err := hex.DecodeString(s)
		if err != nil {
			return
		}
		kind, err := DecodeStateKey(key)
		if err != nil {
			return
		}
		if st, err := DecodeState(key, make([]byte, 256)); err == nil && st.Kind != kind {
			t.Fatalf("%X: DecodeStateKey %s, DecodeState %s", key, kind, st.Kind)
		}
	})
}

// FuzzParseWalletLocator: never panics; what parses keeps the raw bytes.
func FuzzParseWalletLocator(f *testing.F) {
	f.Add("01" + strings.Repeat("AB", 31))
	f.Fuzz(func(t *testing.T, s string) {
		l, ok, err := ParseWalletLocator(s)
		if ok && (err != nil || len(l.Raw) < 21 || ReputationMode(l.Raw[0]) != l.Mode) {
			t.Fatalf("%q: %+v %v", s, l, err)
		}
	})
}
