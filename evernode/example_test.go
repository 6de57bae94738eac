package evernode_test

import (
	"context"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// A host's heartbeat: one drop to the heartbeat hook account with the
// evnHeartbeat hook parameter, signed offline for Xahau mainnet.
func ExampleSign() {
	w, err := evernode.WalletFromSeed("sEdTESqRx7GS78hweVuiyfzzxxCxEwE")
	if err != nil {
		panic(err)
	}
	tx := evernode.Payment{
		Common:      evernode.Common{Account: w.Address(), Fee: 12, Sequence: 7, LastLedgerSequence: 1010},
		Destination: "rHFqnKBYeky5tuRySHP4EzKoK5Xn2xZyYU",
		Amount:      evernode.Drops(1),
	}
	if err := tx.SetParams(memo.Params{Event: memo.EventHeartbeat}); err != nil {
		panic(err)
	}
	signed, err := evernode.Sign(context.Background(), evernode.Mainnet(), w, tx)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Address(), signed.JSON["NetworkID"], len(signed.HashHex()))
	// Output: rRMWMo5iacRWuyNF8QhPhWUoPDQpwsrF5 21337 64
}

// Extending a lease by three moments at a per-moment price of 0.1 EVR costs
// exactly 0.3 EVR.
func ExampleAmount_Times() {
	price := evernode.EVR("rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", "0.1")
	total, err := price.Times(3)
	fmt.Println(total.Value, err)
	// Output: 0.3 <nil>
}
