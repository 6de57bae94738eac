package ledger

import (
	"testing"
)

func TestValueString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"1", "1"}, {"100", "100"}, {"0.5", "0.5"}, {"-2.25", "-2.25"},
		{"1000000000", "1000000000"}, {"1e11", "1000000000000000e-4"}, {"1e20", "1000000000000000e5"},
		{"0.1234567890123456789", "0.1234567890123457"}, {"1e-30", "1000000000000000e-45"},
	} {
		v, ok := ParseValue(tc.in)
		if !ok {
			t.Fatalf("%s: not parsed", tc.in)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "1/3", "0x10", "1e200"} {
		if _, ok := ParseValue(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	a, _ := ParseValue("0.1")
	b, _ := ParseValue("0.2")
	if got := a.Add(b).String(); got != "0.3" {
		t.Errorf("0.1+0.2 = %s", got)
	}
}

func TestDirectory(t *testing.T) {
	v := newView(stateMap{})
	root := OwnerDirKey(AccountID{1})
	var idx []Hash
	pages := map[Hash]uint64{}
	for i := 0; i < 100; i++ {
		h := Hash{byte(i), 1}
		idx = append(idx, h)
		pages[h] = dirInsert(v, root, h, nil)
	}
	walk := func() []Hash {
		var out []Hash
		dirWalk(v, root, 0, Hash{}, func(_ uint64, h Hash) bool { out = append(out, h); return true })
		return out
	}
	if got := walk(); len(got) != 100 || got[99] != idx[99] {
		t.Fatalf("walk %d", len(got))
	}
	// Empty a middle page entirely, and remove the rest.
	for i := 32; i < 64; i++ {
		dirRemove(v, root, pages[idx[i]], idx[i])
	}
	if got := walk(); len(got) != 68 {
		t.Fatalf("after removing a page: %d", len(got))
	}
	for i, h := range idx {
		if i >= 32 && i < 64 {
			continue
		}
		dirRemove(v, root, pages[h], h)
	}
	if v.get(root) != nil {
		t.Fatal("empty directory kept")
	}
	// Insert again after removal.
	dirInsert(v, root, idx[0], nil)
	if got := walk(); len(got) != 1 {
		t.Fatalf("reinsert %d", len(got))
	}
}

func TestKeylets(t *testing.T) {
	// The genesis account's AccountRoot index is well known.
	g, _ := ParseAccount(GenesisAccount)
	if got := AccountKey(g).String(); got != "2B6AC232AA4C4BE41BF49D2459FA4A0347E1B543A4C92FCEE0821C0201E2E9A8" {
		t.Fatalf("genesis index %s", got)
	}
	id := nftID(9, 1000, g, 7, 3)
	info := ParseNFTID(id)
	if info.Taxon != 7 || info.Serial != 3 || info.Issuer != g || info.Flags != 9 || info.TransferFee != 1000 {
		t.Fatalf("nft id %+v", info)
	}
}
