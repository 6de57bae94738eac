package hook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// TestWaitOfferInLaterLedger: an offer that shows ledgers after the wait
// starts (as emissions do on Xahau) is found, bought from the next ledger
// on, and a wait with a ledger bound gives up once it passes.
func TestWaitOfferInLaterLedger(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	defer n.Close()
	c, err := evernode.Dial(ctx, n.Network(), nil)
	require.NoError(t, err)
	defer c.Close()
	wallet := func() *evernode.Wallet {
		w, err := n.NewFundedWallet(ctx, 100_000_000)
		require.NoError(t, err)
		for {
			if _, err := c.AccountInfo(ctx, w.Address(), evernode.Validated); err == nil {
				return w
			}
			require.NoError(t, c.WaitLedger(ctx, c.ValidatedLedger()+1))
		}
	}
	registry, host := wallet(), wallet()
	regID, err := ParseAccountID(registry.Address())
	require.NoError(t, err)
	uri := RegistrationTokenURI([32]byte{7})
	want := offerWant{id: URITokenID(regID, uri), owner: registry.Address(), to: host.Address(), uri: uri}

	// Nothing comes: the bounded wait gives up after its ledger.
	_, _, err = waitOffer(ctx, c, want, c.ValidatedLedger()+2)
	require.ErrorIs(t, err, errNoOffer)

	start := c.ValidatedLedger()
	go func() {
		// "Emit" three ledgers later: mint with an offer to the host.
		if c.WaitLedger(ctx, start+3) != nil {
			return
		}
		amt := evernode.Drops(1)
		_, err := c.SubmitAndWait(ctx, registry, evernode.URITokenMint{Common: evernode.Common{Account: registry.Address(), Flags: evernode.TfBurnable},
			URI: uri, Amount: &amt, Destination: host.Address()})
		if err != nil {
			t.Errorf("mint: %v", err)
		}
	}()
	offer, seen, err := waitOffer(ctx, c, want, 0)
	require.NoError(t, err)
	require.Greater(t, seen, start+2)
	require.Equal(t, "1", offer.Value)
	buy, err := buyOffer(ctx, c, host, host.Address(), want.id, offer, seen)
	require.NoError(t, err)
	require.Greater(t, buy.LedgerIndex, seen)
	node, err := c.LedgerEntry(ctx, upperHex(want.id[:]), evernode.Validated)
	require.NoError(t, err)
	require.Equal(t, host.Address(), node["Owner"])

	// A wait that runs out of time is ErrEmissionTimeout.
	other := offerWant{id: [32]byte{1}, owner: registry.Address(), to: host.Address()}
	wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer wcancel()
	_, _, err = waitOffer(wctx, c, other, 0)
	err = emissionErr(ctx, err, "nothing")
	require.ErrorIs(t, err, ErrEmissionTimeout)
	require.False(t, errors.Is(emissionErr(wctx, context.DeadlineExceeded, "x"), ErrEmissionTimeout), "the caller's own deadline is not an emission timeout")
}
