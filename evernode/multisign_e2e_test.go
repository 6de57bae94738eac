package evernode_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
)

// TestPrepareMultisignedFee: the fee of a transaction for three signers is
// the single-signed fee plus three reference fees.
func TestPrepareMultisignedFee(t *testing.T) {
	n, c, ctx := startNet(t)
	w, err := n.NewFundedWallet(ctx, 50_000_000)
	require.NoError(t, err)
	require.NoError(t, c.WaitLedger(ctx, c.ValidatedLedger()+1))
	tx := evernode.Payment{Common: evernode.Common{Account: w.Address()}, Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}
	single, err := c.Prepare(ctx, tx)
	require.NoError(t, err)
	multi, err := c.PrepareMultisigned(ctx, tx, 3)
	require.NoError(t, err)
	ref, err := c.Fee(ctx, nil)
	require.NoError(t, err)
	s, _ := strconv.ParseUint(single["Fee"].(string), 10, 64)
	m, _ := strconv.ParseUint(multi["Fee"].(string), 10, 64)
	assert.Equal(t, evernode.MultisignFee(s, ref.BaseFee, 3), m)
	assert.Equal(t, "", multi["SigningPubKey"])
	_, err = c.PrepareMultisigned(ctx, tx, 0)
	assert.ErrorIs(t, err, evernode.ErrMultisign)
}
