package memo_test

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/evernode-go/sdk/memo"
)

// A tenant seals its requirement to the host's MessageKey; the host opens it
// with its key.
func ExampleSealPayload() {
	host, err := memo.ParsePrivateKey("ED028E61C72DAADB0727D23A4017AB57D2120FB2ACE626D5B9BCDA402E932545C6")
	if err != nil {
		panic(err)
	}
	to := host.PublicKey()
	req := memo.Requirement{
		OwnerPubkey: "ed5cb83404120ac759609819591ef839b7d222c84f1f08b3012f490586159d2b50",
		ContractID:  "dc411912-bcdd-4f73-af43-32ec45844b9a",
		Image:       "evernodedev/sashimono:hp.latest-ubt.20.04-njs.16",
	}
	data, err := memo.SealPayload(rand.Reader, &to, req, nil)
	if err != nil {
		panic(err)
	}
	m := memo.Memo{Type: string(memo.EventAcquireLease), Format: memo.FormatBase64, Data: data}

	var got memo.Requirement
	encrypted, err := memo.OpenPayload(context.Background(), host, m.Data, &got)
	fmt.Println(encrypted, err, got.ContractID, string(got.Config))
	// Output: true <nil> dc411912-bcdd-4f73-af43-32ec45844b9a {}
}

// Hook parameters carry what the Evernode hooks read.
func ExampleParams_Encode() {
	ps, err := memo.Params{Event: memo.EventHeartbeat}.Encode()
	if err != nil {
		panic(err)
	}
	w := ps[0].Wire()
	fmt.Println(w.HookParameterName)
	fmt.Println(w.HookParameterValue)
	// Output:
	// 4556520100000000000000000000000000000000000000000000000000000002
	// 65766E486561727462656174
}
