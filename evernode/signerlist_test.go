package evernode

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignerListSetMatchesXRPLJS compares the encoding of a list with two
// entries (one with a WalletLocator, given out of order) and of a deletion
// with ripple-binary-codec's encode of the same JSON.
func TestSignerListSetMatchesXRPLJS(t *testing.T) {
	n := Network{Chain: XRPL}
	c := Common{Account: "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", Fee: 12, Sequence: 5}
	set := SignerListSet{Common: c, SignerQuorum: 3, SignerEntries: []SignerListEntry{
		{Account: "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe", SignerWeight: 2},
		{Account: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", SignerWeight: 1, WalletLocator: append(make([]byte, 31), 1)},
	}}
	b, err := Encode(n, set)
	require.NoError(t, err)
	assert.Equal(t, "12000C240000000520230000000368400000000000000C8114B5F762798A53D543A014CAF8B297CFF8F2F937E8F4EB1300028114F667B0CA50CC7709A220B0561B85E53A48461FA8E1EB13000157000000000000000000000000000000000000000000000000000000000000000181141B445629F61C5E2791B00120360C6731EF6FA3CFE1F1", upper(b))

	c.Sequence = 6
	b, err = Encode(n, SignerListSet{Common: c})
	require.NoError(t, err)
	assert.Equal(t, "12000C240000000620230000000068400000000000000C8114B5F762798A53D543A014CAF8B297CFF8F2F937E8", upper(b))

	// Round trip through Decode keeps the entries.
	m, err := Decode(n, mustEncode(t, n, set))
	require.NoError(t, err)
	assert.Len(t, m["SignerEntries"], 2)

	set.SignerEntries[0].WalletLocator = bytes.Repeat([]byte{1}, 31)
	_, err = Encode(n, set)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "WalletLocator"), err)
}

func mustEncode(t *testing.T, n Network, tx Transaction) []byte {
	t.Helper()
	b, err := Encode(n, tx)
	require.NoError(t, err)
	return b
}
