package lease

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func FuzzParseURI(f *testing.F) {
	f.Add([]byte("ZXZybGVhc2VMVFYAAQAACAFnfryy9275fVMVSdiyfVSDjX6kxoAAAAAwOQAAAAAAAAAAAAAAAAAAAAAA"))
	f.Add([]byte("ZXZybGVhc2VMVFYAAQAHCAFnfryy9275fVMVSdiyfVSI4byb8EAAAAAwQAYgAQ24haMAAAAAii4DcHM0"))
	f.Add([]byte("evrlease\x00\x05\x08\x01g~\xbc\xb2\xf7n\xf9}S\x15I\xd8\xb2}T\x85T=\xf7)\xc0\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseURI(b)
		if err != nil {
			return
		}
		_ = u.OutboundIPString()
		if raw, err := u.Bytes(); err == nil {
			if _, err := ParseURI(raw); err != nil && u.Layout == LayoutNFT {
				t.Fatalf("NFT re-parse: %v", err)
			}
		}
		_ = IsLeaseURI(b)
	})
}

func FuzzExtractEvent(f *testing.F) {
	f.Add([]byte(`{"Account":"rA","TransactionType":"Payment","Destination":"rSelf","Amount":"1","HookParameters":[{"HookParameter":{"HookParameterName":"4556520100000000000000000000000000000000000000000000000000000002","HookParameterValue":"65766E457874656E644C65617365"}},{"HookParameter":{"HookParameterName":"4556520100000000000000000000000000000000000000000000000000000003","HookParameterValue":"7B72D7FB72D45DA97B881D29E8A1A2A9FED2138A2E09C7DDABB9A5F8FC425518"}}]}`),
		[]byte(`{"TransactionResult":"tesSUCCESS","delivered_amount":"1"}`))
	f.Add([]byte(`{"Account":"rA","TransactionType":"URITokenBuy","URITokenID":"AB","HookParameters":[{"HookParameter":{"HookParameterName":"4556520100000000000000000000000000000000000000000000000000000002","HookParameterValue":"65766E416371756972654C65617365"}}],"Memos":[{"Memo":{"MemoType":"65766E416371756972654C65617365","MemoFormat":"626173653634","MemoData":"41413D3D"}}]}`),
		[]byte(`{"TransactionResult":"tesSUCCESS","AffectedNodes":[{"ModifiedNode":{"LedgerEntryType":"URIToken","LedgerIndex":"AB","FinalFields":{"Issuer":"rSelf","URI":"00"},"PreviousFields":{"Owner":"rSelf","Amount":{"currency":"EVR","issuer":"rI","value":"1"}}}}]}`))
	f.Fuzz(func(t *testing.T, txb, metab []byte) {
		r := evernode.TxResult{Hash: "H", Validated: true, LedgerIndex: 3}
		d := json.NewDecoder(bytes.NewReader(txb))
		d.UseNumber()
		if d.Decode(&r.Tx) != nil {
			return
		}
		d = json.NewDecoder(bytes.NewReader(metab))
		d.UseNumber()
		if d.Decode(&r.Meta) != nil {
			return
		}
		for _, std := range []Standard{URIToken, NFToken} {
			ExtractEvent(context.Background(), r, "rSelf", &ExtractOptions{EVRIssuer: "rI", Standard: std})
		}
	})
}
