package localnet

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// FuzzSubmit feeds random blobs (and mutations of a valid one) to submit:
// it must answer, never panic.
func FuzzSubmit(f *testing.F) {
	n, err := Start(context.Background(), &Config{CloseInterval: NoAutoClose})
	if err != nil {
		f.Fatal(err)
	}
	defer n.Close()
	s, err := evernode.Sign(context.Background(), n.Network(), n.Genesis(), evernode.Payment{
		Common: evernode.Common{Account: n.Genesis().Address(), Fee: 10, Sequence: 1}, Destination: n.Genesis().Address(), Amount: evernode.Drops(5)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s.Blob)
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, blob []byte) {
		res, rerr := n.submitCmd(map[string]any{"tx_blob": hex.EncodeToString(blob)})
		if res == nil && rerr == nil {
			t.Fatal("no answer")
		}
	})
}
