package lease

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/vectors"
	"github.com/evernode-go/sdk/memo"
)

type uriVectors struct {
	Cases []struct {
		Input struct {
			LeaseIndex   uint16      `json:"leaseIndex"`
			LeaseAmount  json.Number `json:"leaseAmount"`
			TOSHash      string      `json:"tosHash"`
			OutboundIPv6 *string     `json:"outboundIPv6"`
			HostSequence uint32      `json:"hostSequence"`
			HostAddress  string      `json:"hostAddress"`
		} `json:"input"`
		URIAsciiBase64 string `json:"uriAsciiBase64"`
		URIFieldHex    string `json:"uriFieldHex"`
		RawBytesHex    string `json:"rawBytesHex"`
		RawLength      int    `json:"rawLength"`
		URITokenID     string `json:"uriTokenId"`
		Decoded        struct {
			Version     *string     `json:"version"`
			LeaseIndex  uint16      `json:"leaseIndex"`
			HalfTOS     string      `json:"halfTos"`
			LeaseAmount json.Number `json:"leaseAmount"`
			Identifier  *uint32     `json:"identifier"`
			OutboundIP  *struct {
				Family  int    `json:"family"`
				Address string `json:"address"`
			} `json:"outboundIP"`
		} `json:"decoded"`
		IsValid bool `json:"isValidLeaseURI"`
	} `json:"cases"`
	Legacy *struct {
		LeaseIndex  uint16 `json:"leaseIndex"`
		LeaseAmount string `json:"leaseAmount"`
		URIHex      string `json:"uriHex"`
	} `json:"legacyV05NftUriExample"`
	TOSHashUsed string `json:"tosHashUsed"`
}

func ratEq(t *testing.T, a, b string) bool {
	t.Helper()
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func TestURIVectors(t *testing.T) {
	var v uriVectors
	vectors.Load(t, "lease-uri.json", &v)
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range v.Cases {
		// Build.
		half, err := HalfTOS(c.Input.TOSHash)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		u := URI{Index: c.Input.LeaseIndex, HalfTOS: half, Price: c.Input.LeaseAmount.String(), Identifier: c.Input.HostSequence}
		if c.Input.OutboundIPv6 != nil {
			if u.OutboundIP, err = netip.ParseAddr(*c.Input.OutboundIPv6); err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
		}
		raw, err := u.Bytes()
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := strings.ToUpper(hex.EncodeToString(raw)); got != c.RawBytesHex || len(raw) != c.RawLength {
			t.Errorf("case %d raw:\n got %s\nwant %s", i, got, c.RawBytesHex)
		}
		field, _ := u.Field()
		if string(field) != c.URIAsciiBase64 || strings.ToUpper(hex.EncodeToString(field)) != c.URIFieldHex {
			t.Errorf("case %d field %s", i, field)
		}
		id, err := TokenID(c.Input.HostAddress, field)
		if err != nil || id != c.URITokenID {
			t.Errorf("case %d id %s %v", i, id, err)
		}
		// Parse.
		p, err := ParseURIHex(c.URIFieldHex)
		if err != nil {
			if c.IsValid {
				t.Errorf("case %d: %v", i, err)
			}
			continue
		}
		if !c.IsValid {
			t.Errorf("case %d parsed an invalid URI", i)
		}
		d := c.Decoded
		ver := ""
		if p.Layout == LayoutLTV1 {
			ver = "LTV" + string(rune('0'+p.Version))
		}
		if (d.Version == nil) != (ver == "") || (d.Version != nil && *d.Version != ver) {
			t.Errorf("case %d version %q", i, ver)
		}
		if p.Index != d.LeaseIndex || strings.ToUpper(hex.EncodeToString(p.HalfTOS[:])) != d.HalfTOS || !ratEq(t, p.Price, d.LeaseAmount.String()) {
			t.Errorf("case %d decoded %+v", i, p)
		}
		if d.Identifier != nil && p.Identifier != *d.Identifier {
			t.Errorf("case %d identifier %d", i, p.Identifier)
		}
		if d.OutboundIP == nil {
			if p.OutboundIP.IsValid() {
				t.Errorf("case %d unexpected IP", i)
			}
		} else if d.OutboundIP.Family != 6 || p.OutboundIPString() != d.OutboundIP.Address {
			t.Errorf("case %d IP %s", i, p.OutboundIPString())
		}
		if !IsLeaseURI(field) {
			t.Errorf("case %d not a lease URI", i)
		}
		// Round trip.
		back, _ := p.Field()
		if !bytes.Equal(back, field) {
			t.Errorf("case %d round trip", i)
		}
	}
	if l := v.Legacy; l != nil {
		p, err := ParseURIHex(l.URIHex)
		if err != nil || p.Layout != LayoutNFT || p.Index != l.LeaseIndex || !ratEq(t, p.Price, l.LeaseAmount) {
			t.Fatalf("legacy %+v %v", p, err)
		}
		half, _ := HalfTOS(v.TOSHashUsed)
		if v.TOSHashUsed != "" && p.HalfTOS != half {
			t.Errorf("legacy half TOS")
		}
		b, _ := p.Field()
		if !strings.EqualFold(hex.EncodeToString(b), l.URIHex) {
			t.Errorf("legacy rebuild %X", b)
		}
	}
}

func TestURIUnversionedAndErrors(t *testing.T) {
	half, _ := HalfTOS(DefaultTOSHash)
	u := URI{Layout: LayoutUnversioned, Index: 9, HalfTOS: half, Price: "0.3", Identifier: 77, OutboundIP: netip.MustParseAddr("2001:db8::1")}
	f, err := u.Field()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseURI(f)
	if err != nil || p != u {
		t.Fatalf("%+v %v", p, err)
	}
	raw, _ := u.Bytes()
	if len(raw) != lenUnversioned {
		t.Fatalf("len %d", len(raw))
	}
	if p.OutboundIPString() != "2001:0DB8:0000:0000:0000:0000:0000:0001" {
		t.Fatal(p.OutboundIPString())
	}
	for _, bad := range []URI{
		{Price: "-1", HalfTOS: half},
		{Price: "abc"},
		{Price: "1", OutboundIP: netip.MustParseAddr("10.0.0.1")},
		{Layout: LayoutNFT, Price: "1", Identifier: 3},
		{Layout: 9, Price: "1"},
	} {
		if _, err := bad.Bytes(); err == nil {
			t.Errorf("%+v built", bad)
		}
	}
	for _, bad := range []string{"", "ZZ", "evrleas", "ZXZybGVhc2U=", "aGVsbG8gd29ybGQ="} {
		if _, err := ParseURI([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// --- host and tenant transactions ---

type account struct {
	Seed, PublicKey, PrivateKey, Address string
}

type wireTx struct {
	HookParameters []struct{ HookParameter memo.ParamWire }
	Memos          []struct{ Memo memo.Wire }
}

type hostVector struct {
	Args       []json.RawMessage `json:"args"`
	Wire       wireTx            `json:"wire"`
	Decrypted  json.RawMessage   `json:"memoDataDecrypted"`
	InstanceIn json.RawMessage   `json:"instanceInfo"`
}

func argStr(t *testing.T, raw json.RawMessage) string {
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func refOf(t *testing.T, v hostVector) string {
	var opts struct {
		HookParams []struct{ Name, Value string } `json:"hookParams"`
	}
	json.Unmarshal(v.Args[len(v.Args)-1], &opts)
	for _, p := range opts.HookParams {
		if strings.HasSuffix(p.Name, "03") {
			return p.Value
		}
	}
	t.Fatal("no ref")
	return ""
}

func checkWire(t *testing.T, name string, tx evernode.Payment, w wireTx, memoData bool) {
	t.Helper()
	if len(tx.HookParameters) != len(w.HookParameters) {
		t.Fatalf("%s: %d params", name, len(tx.HookParameters))
	}
	for i, p := range tx.HookParameters {
		if p.Wire() != w.HookParameters[i].HookParameter {
			t.Errorf("%s param %d: %+v", name, i, p.Wire())
		}
	}
	if len(tx.Memos) != len(w.Memos) {
		t.Fatalf("%s: %d memos", name, len(tx.Memos))
	}
	for i, m := range tx.Memos {
		got, want := m.Wire(), w.Memos[i].Memo
		if !memoData {
			got.MemoData, want.MemoData = "", ""
		}
		if got != want {
			t.Errorf("%s memo %d:\n got %+v\nwant %+v", name, i, got, want)
		}
	}
}

func TestHostTransactionVectors(t *testing.T) {
	var v map[string]json.RawMessage
	vectors.Load(t, "host-transactions.json", &v)
	var accts map[string]json.RawMessage
	json.Unmarshal(v["accounts"], &accts)
	var host, tenant account
	json.Unmarshal(accts["host"], &host)
	json.Unmarshal(accts["tenant"], &tenant)
	var cfg struct {
		EVRIssuer string `json:"evrIssuerAddress"`
	}
	json.Unmarshal(v["config"], &cfg)
	load := func(name string) (hostVector, bool) {
		raw, ok := v[name]
		if !ok {
			return hostVector{}, false
		}
		var hv hostVector
		if err := json.Unmarshal(raw, &hv); err != nil {
			t.Fatal(err)
		}
		return hv, true
	}
	amountArg := func(hv hostVector) evernode.Amount {
		val, cur, iss := argStr(t, hv.Args[1]), argStr(t, hv.Args[2]), argStr(t, hv.Args[3])
		if cur == "" {
			return evernode.Amount{Value: val}
		}
		return evernode.Amount{Currency: cur, Issuer: iss, Value: val}
	}
	checkAmount := func(name string, tx evernode.Payment, hv hostVector) {
		want := amountArg(hv)
		if want.Currency == "" {
			if !tx.Amount.IsNative() || tx.Amount.Value != want.Value {
				t.Errorf("%s amount %v", name, tx.Amount)
			}
		} else if tx.Amount != want {
			t.Errorf("%s amount %v want %v", name, tx.Amount, want)
		}
		if tx.Destination != argStr(t, hv.Args[0]) {
			t.Errorf("%s destination %s", name, tx.Destination)
		}
	}
	n := 0
	for name := range v {
		if !strings.HasPrefix(name, "acquireSuccess") {
			continue
		}
		n++
		hv, _ := load(name)
		ref := refOf(t, hv)
		var memos []memo.Memo
		var memoArgs []struct{ Type, Format, Data string }
		json.Unmarshal(hv.Args[4], &memoArgs)
		for _, m := range memoArgs {
			memos = append(memos, memo.Memo{Type: m.Type, Format: m.Format, Data: []byte(m.Data)})
		}
		// The payload the JS client sent opens to the instance info.
		var resp memo.AcquireResponse
		var kh memo.KeyHolder
		if k, err := memo.ParsePrivateKey(tenant.PrivateKey); err == nil {
			kh = k
		}
		enc, err := memo.OpenPayload(context.Background(), kh, memos[0].Data, &resp)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tx, err := AcquireSuccessTx(host.Address, argStr(t, hv.Args[0]), ref, memos[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		checkAmount(name, tx, hv)
		checkWire(t, name, tx, hv.Wire, true)
		// Our own sealing gives the same plaintext.
		var info memo.AcquireResponse
		want := hv.InstanceIn
		if want == nil {
			want = hv.Decrypted
		}
		if want == nil {
			json.Unmarshal(mustJSON(resp), &info)
		} else if err := json.Unmarshal(want, &info); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(info, resp) {
			t.Errorf("%s: payload %+v", name, resp)
		}
		var to *memo.PublicKey
		if enc {
			k, _ := memo.ParsePublicKey(tenant.PublicKey)
			to = &k
		}
		ours, err := memo.SealPayload(nil, to, memo.AcquireResponse{Type: info.Type, Content: info.Content}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !enc && !bytes.Equal(ours, memos[0].Data) {
			t.Errorf("%s: plain payload differs:\n%s\n%s", name, ours, memos[0].Data)
		}
	}
	if n == 0 {
		t.Error("no acquireSuccess vectors")
	}
	if hv, ok := load("acquireError"); ok {
		var m []struct{ Data memo.ErrorPayload }
		json.Unmarshal(hv.Args[4], &m)
		tx, err := AcquireErrorTx(host.Address, argStr(t, hv.Args[0]), refOf(t, hv), amountArg(hv), m[0].Data.Reason)
		if err != nil {
			t.Fatal(err)
		}
		checkAmount("acquireError", tx, hv)
		checkWire(t, "acquireError", tx, hv.Wire, true)
	}
	if hv, ok := load("extendError"); ok {
		var m []struct{ Data memo.ErrorPayload }
		json.Unmarshal(hv.Args[4], &m)
		tx2, err := ExtendErrorTx(host.Address, argStr(t, hv.Args[0]), refOf(t, hv), amountArg(hv), m[0].Data.Reason)
		if err != nil {
			t.Fatal(err)
		}
		checkAmount("extendError", tx2, hv)
		checkWire(t, "extendError", tx2, hv.Wire, true)
	}
	if hv, ok := load("extendSuccess"); ok {
		var m []struct{ Data string }
		json.Unmarshal(hv.Args[4], &m)
		b, _ := hex.DecodeString(m[0].Data)
		exp, err := memo.DecodeExpiryMoment(b)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := ExtendSuccessTx(host.Address, argStr(t, hv.Args[0]), refOf(t, hv), exp)
		if err != nil {
			t.Fatal(err)
		}
		checkAmount("extendSuccess", tx, hv)
		checkWire(t, "extendSuccess", tx, hv.Wire, true)
	}
	if hv, ok := load("refundTenant"); ok {
		tx, err := RefundTx(host.Address, argStr(t, hv.Args[0]), refOf(t, hv), amountArg(hv))
		if err != nil {
			t.Fatal(err)
		}
		checkAmount("refundTenant", tx, hv)
		checkWire(t, "refundTenant", tx, hv.Wire, true)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func TestTenantTransactionVectors(t *testing.T) {
	var v struct {
		Accounts    map[string]json.RawMessage `json:"accounts"`
		LeaseOffer  map[string]any             `json:"leaseOffer"`
		Requirement json.RawMessage            `json:"requirement"`
		Encrypted   map[string]any             `json:"acquireLeaseEncrypted"`
		Plain       map[string]any             `json:"acquireLeaseUnencrypted"`
		Extend      map[string]any             `json:"extendLease3Moments"`
	}
	vectors.Load(t, "tenant-transactions.json", &v)
	var req memo.Requirement
	if err := json.Unmarshal(v.Requirement, &req); err != nil {
		t.Fatal(err)
	}
	var host, tenant account
	json.Unmarshal(v.Accounts["host"], &host)
	json.Unmarshal(v.Accounts["tenant"], &tenant)
	offer, ok := uriTokenFrom(v.LeaseOffer)
	if !ok {
		t.Fatal("offer not a lease")
	}
	net := evernode.Mainnet()
	toMap := func(tx evernode.Transaction, want map[string]any) map[string]any {
		m, err := evernode.JSON(net, tx)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.Unmarshal(mustJSON(m), &out)
		for _, k := range []string{"Sequence", "Fee", "LastLedgerSequence", "NetworkID"} {
			out[k] = want[k]
		}
		return out
	}
	// Plain: byte-exact.
	plain, err := memo.SealPayload(nil, nil, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := AcquireTx(tenant.Address, offer, plain)
	if err != nil {
		t.Fatal(err)
	}
	tx.Sequence, tx.Fee = 4242, 12
	if got := toMap(tx, v.Plain); !reflect.DeepEqual(got, v.Plain) {
		t.Errorf("plain acquire:\n got %v\nwant %v", got, v.Plain)
	}
	// Encrypted: the host key opens it to the same requirement; the rest of
	// the transaction is identical.
	var memos []memo.Memo
	for _, it := range v.Encrypted["Memos"].([]any) {
		w := it.(map[string]any)["Memo"].(map[string]any)
		m, err := memo.ParseWire(memo.Wire{MemoType: w["MemoType"].(string), MemoFormat: w["MemoFormat"].(string), MemoData: w["MemoData"].(string)})
		if err != nil {
			t.Fatal(err)
		}
		memos = append(memos, m)
	}
	hk, err := memo.ParsePrivateKey(host.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	var got memo.Requirement
	if enc, err := memo.OpenPayload(context.Background(), hk, memos[0].Data, &got); err != nil || !enc {
		t.Fatalf("open: %v %v", enc, err)
	}
	if !reflect.DeepEqual(mustJSON(got), mustJSON(req)) {
		t.Errorf("requirement %s", mustJSON(got))
	}
	tx, _ = AcquireTx(tenant.Address, offer, memos[0].Data)
	tx.Sequence, tx.Fee = 4242, 12
	if got := toMap(tx, v.Encrypted); !reflect.DeepEqual(got, v.Encrypted) {
		t.Errorf("encrypted acquire:\n got %v\nwant %v", got, v.Encrypted)
	}
	// And our own sealing to the host key opens the same way.
	hpub, _ := memo.ParsePublicKey(host.PublicKey)
	ours, err := memo.SealPayload(nil, &hpub, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := memo.OpenPayload(context.Background(), hk, ours, &got); err != nil {
		t.Fatal(err)
	}
	// Extend by 3 moments at the offer URI's price.
	amt, err := ExtendAmount(offer.URI, offer.Amount.Issuer, 3)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ExtendTx(tenant.Address, host.Address, offer.ID, amt)
	if err != nil {
		t.Fatal(err)
	}
	ext.Sequence, ext.Fee = 4242, 12
	if got := toMap(ext, v.Extend); !reflect.DeepEqual(got, v.Extend) {
		t.Errorf("extend:\n got %v\nwant %v", got, v.Extend)
	}
}
