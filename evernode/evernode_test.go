package evernode

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/evernode-go/sdk/internal/vectors"
	"github.com/evernode-go/sdk/memo"
)

type vecAccount struct {
	Seed       string `json:"seed"`
	Algorithm  string `json:"algorithm"`
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
	Address    string `json:"address"`
}

func loadAccounts(t *testing.T, file string) map[string]vecAccount {
	t.Helper()
	var f struct {
		Accounts map[string]json.RawMessage `json:"accounts"`
	}
	vectors.Load(t, file, &f)
	out := map[string]vecAccount{}
	for name, raw := range f.Accounts {
		var a vecAccount
		if json.Unmarshal(raw, &a) == nil && a.Seed != "" {
			out[name] = a
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no accounts", file)
	}
	return out
}

func TestWalletFromSeedVectors(t *testing.T) {
	for _, file := range []string{"host-transactions.json", "tenant-transactions.json"} {
		for name, a := range loadAccounts(t, file) {
			w, err := WalletFromSeed(a.Seed)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if w.Address() != a.Address || w.PublicKeyHex() != strings.ToUpper(a.PublicKey) || w.PrivateKeyHex() != strings.ToUpper(a.PrivateKey) {
				t.Errorf("%s: got %s %s, want %s %s", name, w.Address(), w.PublicKeyHex(), a.Address, a.PublicKey)
			}
			wantAlg := Secp256k1
			if a.Algorithm == "ed25519" {
				wantAlg = Ed25519
			}
			if w.Algorithm() != wantAlg {
				t.Errorf("%s: algorithm %v, want %v", name, w.Algorithm(), wantAlg)
			}
			if w.MessageKey().PublicKey().String() != w.PublicKeyHex() {
				t.Errorf("%s: message key %s differs from account key", name, w.MessageKey().PublicKey())
			}
		}
	}
}

func TestWalletErrors(t *testing.T) {
	for _, s := range []string{"", "sx", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "spAaHjQXUPXEHAFndUcFg4MDXuv26"} {
		if _, err := WalletFromSeed(s); !errors.Is(err, ErrSeed) {
			t.Errorf("WalletFromSeed(%q) = %v", s, err)
		}
	}
	if _, err := NewWallet(bytes.NewReader(nil), Ed25519); err == nil {
		t.Error("NewWallet with an empty reader succeeded")
	}
	if _, err := NewWallet(bytes.NewReader(make([]byte, 16)), 0); err == nil {
		t.Error("NewWallet with no algorithm succeeded")
	}
}

func TestSignAndVerify(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []KeyAlgorithm{Ed25519, Secp256k1} {
		w, err := NewWallet(bytes.NewReader(bytes.Repeat([]byte{7}, 16)), alg)
		if err != nil {
			t.Fatal(err)
		}
		if w.Algorithm() != alg {
			t.Fatalf("algorithm %v, want %v", w.Algorithm(), alg)
		}
		msg := []byte("evernode")
		sig, err := w.Sign(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !VerifySignature(w.PublicKey(), msg, sig) {
			t.Fatalf("%v: signature does not verify", alg)
		}
		if VerifySignature(w.PublicKey(), []byte("evernodE"), sig) {
			t.Fatalf("%v: signature verifies another message", alg)
		}
		bad := bytes.Clone(sig)
		bad[len(bad)/2] ^= 1
		if VerifySignature(w.PublicKey(), msg, bad) {
			t.Fatalf("%v: tampered signature verifies", alg)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := w.Sign(cctx, msg); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sign with a cancelled ctx: %v", err)
		}
	}
	if VerifySignature([]byte{1, 2}, nil, nil) {
		t.Fatal("short key verifies")
	}
}

// normJSON makes two JSON forms comparable (numbers, key order).
func normJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type vecTx struct {
	Account            string
	TransactionType    string
	Amount             map[string]string
	URITokenID         string
	Destination        string
	LastLedgerSequence uint32
	Sequence           uint32
	Fee                string
	NetworkID          uint32
	Memos              []struct{ Memo memo.Wire }
	HookParameters     []struct{ HookParameter memo.ParamWire }
}

func (v vecTx) common(t *testing.T) Common {
	t.Helper()
	c := Common{Account: v.Account, LastLedgerSequence: v.LastLedgerSequence, Sequence: v.Sequence, NetworkID: v.NetworkID}
	if err := json.Unmarshal([]byte(v.Fee), &c.Fee); err != nil {
		t.Fatalf("Fee %q: %v", v.Fee, err)
	}
	for _, m := range v.Memos {
		mm, err := memo.ParseWire(m.Memo)
		if err != nil {
			t.Fatal(err)
		}
		c.Memos = append(c.Memos, mm)
	}
	for _, p := range v.HookParameters {
		pp, err := memo.ParseParamWire(p.HookParameter)
		if err != nil {
			t.Fatal(err)
		}
		c.HookParameters = append(c.HookParameters, pp)
	}
	return c
}

// The typed builders produce exactly the unsigned transactions
// TenantClient.prepare* builds, empty arrays included.
func TestTenantTransactionsJSON(t *testing.T) {
	var f map[string]json.RawMessage
	vectors.Load(t, "tenant-transactions.json", &f)
	n := 0
	for name, raw := range f {
		var v vecTx
		if json.Unmarshal(raw, &v) != nil || v.TransactionType == "" {
			continue
		}
		n++
		var want map[string]any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		var tx Transaction
		amt := EVR(v.Amount["issuer"], v.Amount["value"])
		switch v.TransactionType {
		case "URITokenBuy":
			tx = URITokenBuy{Common: v.common(t), URITokenID: v.URITokenID, Amount: amt}
		case "Payment":
			tx = Payment{Common: v.common(t), Destination: v.Destination, Amount: amt}
		default:
			t.Fatalf("%s: unexpected type %s", name, v.TransactionType)
		}
		got, err := JSON(Mainnet(), tx)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := normJSON(t, got), normJSON(t, want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %v\nwant %v", name, g, w)
		}
		b1, err := Encode(Mainnet(), tx)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := Mainnet().defs().Encode(normJSON(t, want).(map[string]any))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: encodings differ", name)
		}
	}
	if n == 0 {
		t.Fatal("no tenant transactions")
	}
}

func TestSignRoundTrip(t *testing.T) {
	ctx := context.Background()
	accts := loadAccounts(t, "host-transactions.json")
	for _, name := range []string{"host", "tenant"} {
		w, err := WalletFromSeed(accts[name].Seed)
		if err != nil {
			t.Fatal(err)
		}
		var c Common
		c.Account, c.Fee, c.Sequence, c.LastLedgerSequence = w.Address(), 12, 4242, 1010
		if err := c.SetParams(memo.Params{Event: memo.EventHeartbeat}); err != nil {
			t.Fatal(err)
		}
		tx := Payment{Common: c, Destination: accts["heartbeat"].Address, Amount: Drops(1)}
		s, err := Sign(ctx, Mainnet(), w, tx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Hash != TransactionHash(s.Blob) || len(s.HashHex()) != 64 || s.BlobHex() != strings.ToUpper(hex.EncodeToString(s.Blob)) {
			t.Fatal("hash or hex forms inconsistent")
		}
		back, err := Decode(Mainnet(), s.Blob)
		if err != nil {
			t.Fatal(err)
		}
		if back["NetworkID"] == nil || back["TxnSignature"] == nil || back["SigningPubKey"] != w.PublicKeyHex() {
			t.Fatalf("decoded %v", back)
		}
		// Attach refuses a signature that does not verify.
		msg, err := EncodeForSigning(Mainnet(), tx, w.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := w.Sign(ctx, msg)
		if _, err := Attach(Mainnet(), tx, w.PublicKey(), sig); err != nil {
			t.Fatal(err)
		}
		sig[5] ^= 0x40
		if _, err := Attach(Mainnet(), tx, w.PublicKey(), sig); !errors.Is(err, ErrSignature) {
			t.Fatalf("Attach with a bad signature: %v", err)
		}
	}
}

type failingSigner struct{ pub []byte }

func (f failingSigner) PublicKey() []byte { return f.pub }
func (f failingSigner) Sign(context.Context, []byte) ([]byte, error) {
	return make([]byte, 64), nil
}

func TestSignRejectsBadSigner(t *testing.T) {
	w, err := NewWallet(bytes.NewReader(bytes.Repeat([]byte{1}, 16)), Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	tx := Payment{Common: Common{Account: w.Address(), Fee: 10, Sequence: 1}, Destination: w.Address(), Amount: Drops(1)}
	if _, err := Sign(context.Background(), Mainnet(), failingSigner{w.PublicKey()}, tx); !errors.Is(err, ErrSignature) {
		t.Fatalf("Sign with a lying signer: %v", err)
	}
}

// Xahau and XRPL encodings live side by side in one process.
func TestNetworksSideBySide(t *testing.T) {
	ctx := context.Background()
	w, err := NewWallet(bytes.NewReader(bytes.Repeat([]byte{3}, 16)), Secp256k1)
	if err != nil {
		t.Fatal(err)
	}
	xrpl := Network{Name: "xrpl-test", Chain: XRPL, NetworkID: 1}
	c := Common{Account: w.Address(), Fee: 12, Sequence: 1}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 100 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := Sign(ctx, Mainnet(), w, URITokenMint{Common: Common{Account: c.Account, Fee: 12, Sequence: uint32(i + 1), Flags: TfBurnable}, URI: []byte("evrlease")})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := Sign(ctx, xrpl, w, NFTokenMint{Common: Common{Account: c.Account, Fee: 12, Sequence: uint32(i + 1), Flags: TfBurnable}, URI: []byte("evrlease")})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A Xahau-only type does not exist on the XRPL.
	if _, err := Encode(xrpl, URITokenBurn{Common: c, URITokenID: strings.Repeat("AB", 32)}); err == nil {
		t.Fatal("URITokenBurn encoded for the XRPL")
	}
	// The same code means different things.
	x, _ := Mainnet().ResultCode("tecHOOK_REJECTED")
	if _, ok := xrpl.ResultCode("tecHOOK_REJECTED"); ok || x == 0 {
		t.Fatalf("tecHOOK_REJECTED: xahau %d", x)
	}
	// The XRPL never gets Xahau's empty hook arrays.
	m, err := JSON(xrpl, Payment{Common: c, Destination: c.Account, Amount: Drops(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["HookParameters"]; ok {
		t.Fatal("XRPL payment carries HookParameters")
	}
	if _, ok := m["NetworkID"]; ok {
		t.Fatal("NetworkID written for a network id below 1025")
	}
}

func TestTypedTransactionsJSON(t *testing.T) {
	c := Common{Account: "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", Fee: 12, Sequence: 7}
	id := strings.Repeat("7B", 32)
	evr := EVR("rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", "1.5")
	domain := "host.example.com"
	cases := []struct {
		tx   Transaction
		net  Network
		want map[string]any
	}{
		{URITokenMint{Common: c, URI: []byte("evrlease")}, Mainnet(), map[string]any{"URI": "6576726C65617365"}},
		{URITokenCreateSellOffer{Common: c, URITokenID: id, Amount: evr}, Mainnet(), map[string]any{"URITokenID": id, "Amount": evr.json()}},
		{URITokenCancelSellOffer{Common: c, URITokenID: id}, Mainnet(), map[string]any{"URITokenID": id}},
		{URITokenBurn{Common: c, URITokenID: id}, Mainnet(), map[string]any{"URITokenID": id}},
		{AccountSet{Common: c, Domain: &domain, MessageKey: bytes.Repeat([]byte{0xED}, 33)}, Mainnet(), map[string]any{"Domain": "686F73742E6578616D706C652E636F6D", "HookParameters": []any{}}},
		{AccountSet{Common: c, ClearFlag: AsfDefaultRipple}, Mainnet(), map[string]any{"ClearFlag": float64(8)}},
		{TrustSet{Common: c, LimitAmount: EVR("rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", "99999999999999")}, Mainnet(), map[string]any{"Memos": []any{}}},
		{SetRegularKey{Common: c, RegularKey: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"}, Mainnet(), map[string]any{"RegularKey": "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"}},
		{Invoke{Common: c, Destination: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", Blob: []byte{3}}, Mainnet(), map[string]any{"Blob": "03"}},
		{NFTokenCreateOffer{Common: c, NFTokenID: id, Amount: evr, Expiration: 4294967295}, Network{Chain: XRPL}, map[string]any{"Expiration": float64(4294967295)}},
		{NFTokenAcceptOffer{Common: c, NFTokenSellOffer: id}, Network{Chain: XRPL}, map[string]any{"NFTokenSellOffer": id}},
		{NFTokenBurn{Common: c, NFTokenID: id, Owner: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"}, Network{Chain: XRPL}, map[string]any{"Owner": "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"}},
		{NFTokenCancelOffer{Common: c, NFTokenOffers: []string{id}}, Network{Chain: XRPL}, map[string]any{"NFTokenOffers": []any{id}}},
		{NFTokenMint{Common: c, NFTokenTaxon: 0, TransferFee: 0, URI: []byte{1}}, Network{Chain: XRPL}, map[string]any{"NFTokenTaxon": float64(0)}},
	}
	for _, tc := range cases {
		m, err := JSON(tc.net, tc.tx)
		if err != nil {
			t.Fatalf("%s: %v", tc.tx.TxType(), err)
		}
		got := normJSON(t, m).(map[string]any)
		if got["TransactionType"] != tc.tx.TxType() {
			t.Errorf("%s: TransactionType %v", tc.tx.TxType(), got["TransactionType"])
		}
		for k, v := range normJSON(t, tc.want).(map[string]any) {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %v, want %v", tc.tx.TxType(), k, got[k], v)
			}
		}
		if _, err := Encode(tc.net, tc.tx); err != nil {
			t.Errorf("%s: Encode: %v", tc.tx.TxType(), err)
		}
	}
}

func TestTransactionErrors(t *testing.T) {
	c := Common{Account: "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", Fee: 12, Sequence: 7}
	bad := []Transaction{
		nil,
		Raw{"Account": c.Account},
		TrustSet{Common: c, LimitAmount: Drops(5)},
		AccountSet{Common: c, MessageKey: []byte{1, 2}},
		AccountSet{Common: c, WalletLocator: []byte{1}},
		URITokenMint{Common: c},
		URITokenMint{Common: c, URI: make([]byte, 257)},
		NFTokenAcceptOffer{Common: c},
		NFTokenCancelOffer{Common: c},
		Payment{Common: c, Destination: "not-an-address", Amount: Drops(1)},
		Payment{Common: c, Destination: c.Account, Amount: EVR("rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", "1.2.3")},
	}
	for i, tx := range bad {
		if _, err := Encode(Mainnet(), tx); err == nil {
			t.Errorf("case %d: Encode succeeded", i)
		}
	}
}

func TestRawTransaction(t *testing.T) {
	raw := Raw{"TransactionType": "AccountSet", "Account": "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "Fee": "10", "Sequence": 1}
	m, err := JSON(Mainnet(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if m["NetworkID"] != uint32(21337) {
		t.Fatalf("NetworkID = %v", m["NetworkID"])
	}
	if _, ok := raw["NetworkID"]; ok {
		t.Fatal("JSON modified the Raw map")
	}
}

func TestAmounts(t *testing.T) {
	cases := []struct {
		v    string
		n    uint64
		want string
	}{
		{"0.1", 3, "0.3"}, {"1", 3, "3"}, {"0.00000001", 3, "0.00000003"}, {"1e-8", 2, "0.00000002"},
		{"123.456", 1000, "123456"}, {"2.5", 0, "0"}, {"9999999999999999", 10, "99999999999999990"},
	}
	for _, c := range cases {
		got, err := EVR("r", c.v).Times(c.n)
		if err != nil || got.Value != c.want {
			t.Errorf("%s × %d = %v, %v; want %s", c.v, c.n, got.Value, err, c.want)
		}
	}
	for _, v := range []string{"", "1/3", "abc", "1..2", "0x1", "1e", "Inf"} {
		if _, err := EVR("r", v).Times(2); !errors.Is(err, ErrAmount) {
			t.Errorf("Times(%q) = %v", v, err)
		}
	}
	if c, err := EVR("r", "1.50").Cmp(EVR("r", "1.5")); err != nil || c != 0 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := EVR("r1", "1").Cmp(EVR("r2", "1")); !errors.Is(err, ErrAmount) {
		t.Error("compared different issuers")
	}
	if !EVR("rX", "1").IsEVR("rX") || EVR("rY", "1").IsEVR("rX") || Drops(1).IsEVR("rX") || !Drops(1).IsNative() {
		t.Error("IsEVR / IsNative")
	}
	for _, v := range []any{"12", map[string]any{"currency": "EVR", "issuer": "rX", "value": "0.3"}} {
		if _, err := AmountFromJSON(v); err != nil {
			t.Errorf("AmountFromJSON(%v): %v", v, err)
		}
	}
	for _, v := range []any{"-1", "1.5", 12, map[string]any{"currency": "EVR"}, nil} {
		if _, err := AmountFromJSON(v); !errors.Is(err, ErrAmount) {
			t.Errorf("AmountFromJSON(%v) = %v", v, err)
		}
	}
}
