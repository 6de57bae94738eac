package evernode

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The codec's golden cases were signed by the JS libraries (ripple-keypairs
// over ripple-binary-codec with each network's definitions); Sign with a
// seed wallet must give the same blob and hash.
func TestSignMatchesJSGolden(t *testing.T) {
	for file, net := range map[string]Network{
		"golden-xahau.json": {Chain: Xahau},
		"golden-xrpl.json":  {Chain: XRPL},
	} {
		b, err := os.ReadFile(filepath.Join("..", "internal", "codec", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var cases []struct {
			Name       string         `json:"name"`
			Tx         map[string]any `json:"tx"`
			Seed       string         `json:"seed"`
			SignedBlob string         `json:"signedBlob"`
			Hash       string         `json:"hash"`
		}
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range cases {
			if c.Seed == "" {
				continue
			}
			n++
			w, err := WalletFromSeed(c.Seed)
			if err != nil {
				t.Fatal(err)
			}
			tx := Raw(c.Tx)
			delete(tx, "SigningPubKey")
			delete(tx, "TxnSignature")
			s, err := Sign(context.Background(), net, w, tx)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if s.BlobHex() != strings.ToUpper(c.SignedBlob) || s.HashHex() != strings.ToUpper(c.Hash) {
				t.Errorf("%s %s: got %s / %s\nwant %s / %s", file, c.Name, s.BlobHex(), s.HashHex(), c.SignedBlob, c.Hash)
			}
		}
		if n == 0 {
			t.Fatalf("%s: no signed cases", file)
		}
	}
}
