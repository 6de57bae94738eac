package codec

import (
	"testing"

	xrpldefs "github.com/Peersyst/xrpl-go/binary-codec/definitions"
)

// The transcribed XRPL table must stay equal to the one xrpl-go ships.
func TestXRPLTableMatchesXRPLGo(t *testing.T) {
	g := xrpldefs.Get()
	src := xrplSource()
	if len(src.types) != len(g.Types) || len(src.transactionTypes) != len(g.TransactionTypes) ||
		len(src.ledgerEntryTypes) != len(g.LedgerEntryTypes) || len(src.transactionResults) != len(g.TransactionResults) {
		t.Fatalf("table sizes differ from xrpl-go's")
	}
	for _, n := range src.types {
		if c, ok := g.Types[n.name]; !ok || int(c) != n.code {
			t.Errorf("type %s", n.name)
		}
	}
	for _, n := range src.transactionTypes {
		if c, ok := g.TransactionTypes[n.name]; !ok || int(c) != n.code {
			t.Errorf("transaction type %s", n.name)
		}
	}
	for _, n := range src.ledgerEntryTypes {
		if c, ok := g.LedgerEntryTypes[n.name]; !ok || int(c) != n.code {
			t.Errorf("ledger entry type %s", n.name)
		}
	}
	for _, n := range src.transactionResults {
		if c, ok := g.TransactionResults[n.name]; !ok || int(c) != n.code {
			t.Errorf("result %s", n.name)
		}
	}
	fields := 0
	for name, fi := range g.Fields {
		if fi == nil || fi.FieldInfo == nil {
			continue
		}
		fields++
		found := false
		for _, f := range src.fields {
			if f.name == name {
				found = f.typ == fi.Type && f.nth == int(fi.Nth) && f.vl == fi.IsVLEncoded &&
					f.serialized == fi.IsSerialized && f.signing == fi.IsSigningField
				break
			}
		}
		if !found {
			t.Errorf("field %s differs or is missing", name)
		}
	}
	if fields != len(src.fields) {
		t.Errorf("%d fields in xrpl-go, %d transcribed", fields, len(src.fields))
	}
}
