package localnet_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// signAs signs tx for account with signer, sequence seq and fee; mutate may
// change the JSON before signing.
func signAs(t testing.TB, n *localnet.Net, signer evernode.Signer, account string, tx evernode.Transaction, seq uint32, fee uint64, mutate func(map[string]any)) evernode.Signed {
	t.Helper()
	m, err := evernode.JSON(n.Network(), tx)
	if err != nil {
		t.Fatal(err)
	}
	m["Account"] = account
	m["Sequence"] = seq
	m["Fee"] = strconv.FormatUint(fee, 10)
	if mutate != nil {
		mutate(m)
	}
	s, err := evernode.Sign(context.Background(), n.Network(), signer, evernode.Raw(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seqOf(t testing.TB, c *client, addr string) uint32 {
	t.Helper()
	info := c.call("account_info", map[string]any{"account": addr})
	return uint32(info["account_data"].(map[string]any)["Sequence"].(float64))
}

func balanceOf(t testing.TB, c *client, addr string) int64 {
	t.Helper()
	info := c.call("account_info", map[string]any{"account": addr})
	b, _ := strconv.ParseInt(info["account_data"].(map[string]any)["Balance"].(string), 10, 64)
	return b
}

func mustWallet(t testing.TB, n *localnet.Net, drops uint64) *evernode.Wallet {
	t.Helper()
	w, err := n.NewFundedWallet(context.Background(), drops)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newKey(t testing.TB, alg evernode.KeyAlgorithm) *evernode.Wallet {
	t.Helper()
	w, err := evernode.NewWallet(rand.Reader, alg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestResults checks each rule's result code over the websocket submit.
func TestResults(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	issuer, err := n.SetupIssuer(ctx, "EVR")
	if err != nil {
		t.Fatal(err)
	}
	holder := mustWallet(t, n, 100_000_000)
	if err := n.TrustAndFund(ctx, holder, issuer, "EVR", "100"); err != nil {
		t.Fatal(err)
	}
	evr := func(v string) evernode.Amount { return evernode.EVR(issuer.Address(), v) }
	uri := []byte("ipfs://token-1")
	owner := mustWallet(t, n, 100_000_000)
	if _, err := n.Submit(ctx, owner, owner.Address(), evernode.URITokenMint{URI: uri}); err != nil {
		t.Fatal(err)
	}
	tokenID, _ := localnet.URITokenID(owner.Address(), uri)
	poor := mustWallet(t, n, 1_100_000) // reserve (1 XAH) plus a little
	n.Commit()

	type tc struct {
		name   string
		w      *evernode.Wallet
		tx     evernode.Transaction
		seq    int // added to the account's sequence
		fee    uint64
		mutate func(map[string]any)
		want   string
	}
	fresh := func() string { return newKey(t, evernode.Ed25519).Address() }
	cases := []tc{
		{name: "payment", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1000)}, want: "tesSUCCESS"},
		{name: "unfunded", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(200_000_000)}, want: "tecUNFUNDED_PAYMENT"},
		{name: "no dst iou", w: holder, tx: evernode.Payment{Destination: fresh(), Amount: evr("1")}, want: "tecNO_DST"},
		{name: "no dst insufficient", w: holder, tx: evernode.Payment{Destination: fresh(), Amount: evernode.Drops(100)}, want: "tecNO_DST_INSUF_NATIVE"},
		{name: "path dry", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evr("1")}, want: "tecPATH_DRY"},
		{name: "path partial", w: issuer, tx: evernode.Payment{Destination: holder.Address(), Amount: evr("2000000000")}, want: "tecPATH_PARTIAL"},
		{name: "duplicate", w: owner, tx: evernode.URITokenMint{URI: uri}, want: "tecDUPLICATE"},
		{name: "no permission", w: holder, tx: evernode.URITokenBurn{URITokenID: tokenID}, want: "tecNO_PERMISSION"},
		{name: "no entry", w: holder, tx: evernode.URITokenBuy{URITokenID: otherID(tokenID), Amount: evernode.Drops(1)}, want: "tecNO_ENTRY"},
		{name: "insufficient reserve", w: poor, tx: evernode.URITokenMint{URI: []byte("x")}, want: "tecINSUFFICIENT_RESERVE"},
		{name: "past seq", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, seq: -1, want: "tefPAST_SEQ"},
		{name: "pre seq", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, seq: 1, want: "terPRE_SEQ"},
		{name: "fee", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, fee: 1, want: "telINSUF_FEE_P"},
		{name: "max ledger", w: holder, tx: evernode.Payment{Common: evernode.Common{LastLedgerSequence: 1}, Destination: owner.Address(), Amount: evernode.Drops(1)}, want: "tefMAX_LEDGER"},
		{name: "wrong network", w: holder, tx: evernode.Payment{Common: evernode.Common{NetworkID: 21338}, Destination: owner.Address(), Amount: evernode.Drops(1)}, want: "telWRONG_NETWORK"},
		{name: "malformed", w: holder, tx: evernode.Raw{"TransactionType": "URITokenMint", "URI": ""}, want: "temMALFORMED"},
		{name: "bad amount", w: holder, tx: evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(0)}, want: "temBAD_AMOUNT"},
		{name: "redundant", w: holder, tx: evernode.Payment{Destination: holder.Address(), Amount: evernode.Drops(5)}, want: "temREDUNDANT"},
		{name: "trust self", w: holder, tx: evernode.TrustSet{LimitAmount: evernode.EVR(holder.Address(), "1")}, want: "temDST_IS_SRC"},
		{name: "bad flag", w: holder, tx: evernode.Payment{Common: evernode.Common{Flags: 0x1}, Destination: owner.Address(), Amount: evernode.Drops(1)}, want: "temINVALID_FLAG"},
		{name: "nft on xahau", w: holder, tx: evernode.NFTokenMint{}, want: "temDISABLED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := int(seqOf(t, c, tc.w.Address())) + tc.seq
			fee := tc.fee
			if fee == 0 {
				fee = 10
			}
			before := balanceOf(t, c, tc.w.Address())
			s := signAs(t, n, tc.w, tc.w.Address(), tc.tx, uint32(seq), fee, tc.mutate)
			res := c.submit(s)
			if res["engine_result"] != tc.want {
				t.Fatalf("got %v (%v), want %s", res["engine_result"], res["engine_result_message"], tc.want)
			}
			code, _ := n.Network().ResultCode(tc.want)
			if int(res["engine_result_code"].(float64)) != code {
				t.Fatalf("code %v, want %d", res["engine_result_code"], code)
			}
			after := balanceOf(t, c, tc.w.Address())
			applied := tc.want[:3] == "tes" || tc.want[:3] == "tec"
			if res["applied"] != applied {
				t.Fatalf("applied %v", res["applied"])
			}
			if tc.want[:3] == "tec" {
				// A tec result takes the fee and the sequence.
				if before-after != int64(fee) {
					t.Fatalf("balance %d → %d, want fee %d taken", before, after, fee)
				}
				if got := seqOf(t, c, tc.w.Address()); int(got) != seq+1 {
					t.Fatalf("sequence %d, want %d", got, seq+1)
				}
			}
			if !applied && before != after {
				t.Fatalf("balance changed by a %s", tc.want)
			}
		})
	}

	t.Run("requires network id", func(t *testing.T) {
		nw := n.Network()
		nw.NetworkID = 0 // sign as for a network without ids
		m, _ := evernode.JSON(nw, evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)})
		m["Account"], m["Sequence"], m["Fee"] = holder.Address(), seqOf(t, c, holder.Address()), "10"
		s, err := evernode.Sign(ctx, nw, holder, evernode.Raw(m))
		if err != nil {
			t.Fatal(err)
		}
		if r := c.submit(s)["engine_result"]; r != "telREQUIRES_NETWORK_ID" {
			t.Fatalf("got %v", r)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		s := signAs(t, n, holder, holder.Address(), evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, seqOf(t, c, holder.Address()), 10, nil)
		b := s.Blob
		b[len(b)-40] ^= 1 // inside the signature or the destination: either breaks the signature
		m := c.raw(map[string]any{"command": "submit", "tx_blob": evernode.Signed{Blob: b}.BlobHex()})
		if m["status"] != "error" || m["error"] != "invalidTransaction" {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other := newKey(t, evernode.Secp256k1)
		s := signAs(t, n, other, holder.Address(), evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, seqOf(t, c, holder.Address()), 10, nil)
		if r := c.submit(s)["engine_result"]; r != "tefBAD_AUTH" {
			t.Fatalf("got %v", r)
		}
	})
	t.Run("regular key", func(t *testing.T) {
		rk := newKey(t, evernode.Secp256k1)
		if _, err := n.Submit(ctx, holder, holder.Address(), evernode.SetRegularKey{RegularKey: rk.Address()}); err != nil {
			t.Fatal(err)
		}
		s := signAs(t, n, rk, holder.Address(), evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(7)}, seqOf(t, c, holder.Address()), 10, nil)
		if r := c.submit(s)["engine_result"]; r != "tesSUCCESS" {
			t.Fatalf("got %v", r)
		}
	})
	t.Run("fee with hooks", func(t *testing.T) {
		if err := n.SetHook(owner.Address(), localnet.HookFunc(func(h *localnet.HookContext) error { return nil })); err != nil {
			t.Fatal(err)
		}
		defer n.SetHook(owner.Address(), nil)
		s := signAs(t, n, holder, holder.Address(), evernode.Payment{Destination: owner.Address(), Amount: evernode.Drops(1)}, seqOf(t, c, holder.Address()), 10, nil)
		fee := c.call("fee", map[string]any{"tx_blob": s.BlobHex()})
		if got := fee["drops"].(map[string]any)["base_fee"]; got != "20" {
			t.Fatalf("base_fee %v, want 20 (10 + one hook)", got)
		}
		if r := c.submit(s)["engine_result"]; r != "telINSUF_FEE_P" {
			t.Fatalf("got %v", r)
		}
	})
}

func TestNetworkIDRules(t *testing.T) {
	n := start(t, &localnet.Config{Chain: evernode.XRPL})
	c := dial(t, n)
	w := mustWallet(t, n, 100_000_000)
	s := signAs(t, n, w, w.Address(), evernode.Payment{Destination: n.Genesis().Address(), Amount: evernode.Drops(1)}, seqOf(t, c, w.Address()), 10,
		func(m map[string]any) { m["NetworkID"] = uint32(5) })
	if r := c.submit(s)["engine_result"]; r != "telNETWORK_ID_MAKES_TX_NON_CANONICAL" {
		t.Fatalf("got %v", r)
	}
	s = signAs(t, n, w, w.Address(), evernode.Payment{Destination: newKey(t, evernode.Ed25519).Address(), Amount: evernode.Drops(1)}, seqOf(t, c, w.Address()), 10, nil)
	if r := c.submit(s)["engine_result"]; r != "tecNO_DST_INSUF_XRP" {
		t.Fatalf("got %v", r)
	}
}

func TestIssuedCurrency(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	issuer, _ := n.SetupIssuer(ctx, "EVR")
	a := mustWallet(t, n, 100_000_000)
	b := mustWallet(t, n, 100_000_000)
	if err := n.TrustAndFund(ctx, a, issuer, "EVR", "100"); err != nil {
		t.Fatal(err)
	}
	if err := n.TrustAndFund(ctx, b, issuer, "EVR", "1"); err != nil {
		t.Fatal(err)
	}
	// Holder to holder through the issuer.
	if _, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.EVR(issuer.Address(), "12.5")}); err != nil {
		t.Fatal(err)
	}
	line := func(w *evernode.Wallet) map[string]any {
		res := c.call("account_lines", map[string]any{"account": w.Address()})
		ls := res["lines"].([]any)
		if len(ls) != 1 {
			t.Fatalf("lines %v", ls)
		}
		return ls[0].(map[string]any)
	}
	if got := line(a)["balance"]; got != "87.5" {
		t.Fatalf("a balance %v", got)
	}
	if got := line(b)["balance"]; got != "13.5" {
		t.Fatalf("b balance %v", got)
	}
	if got := line(b)["limit"]; got != localnet.TrustLimit {
		t.Fatalf("limit %v", got)
	}
	// Partial payment: a holds 87.5 and asks to send 100.
	res, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Common: evernode.Common{Flags: evernode.TfPartialPayment},
		Destination: b.Address(), Amount: evernode.EVR(issuer.Address(), "100")})
	if err != nil {
		t.Fatal(err)
	}
	n.Commit()
	tx := c.call("tx", map[string]any{"transaction": res})
	meta := tx["meta"].(map[string]any)
	if d := meta["delivered_amount"].(map[string]any)["value"]; d != "87.5" {
		t.Fatalf("delivered %v", d)
	}
	if _, ok := meta["DeliveredAmount"]; !ok {
		t.Fatal("no DeliveredAmount")
	}
	// Holder back to issuer with no balance left: dry.
	_, err = n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: issuer.Address(), Amount: evernode.EVR(issuer.Address(), "1")})
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecPATH_DRY" {
		t.Fatalf("got %v", err)
	}
	// RippleState layout.
	objs := c.call("account_objects", map[string]any{"account": b.Address(), "type": "ripple_state"})
	rs := objs["account_objects"].([]any)[0].(map[string]any)
	if rs["LedgerEntryType"] != "RippleState" || rs["Balance"].(map[string]any)["issuer"] != "rrrrrrrrrrrrrrrrrrrrBZbvji" {
		t.Fatalf("ripple state %v", rs)
	}
	// Removing the trust line needs a zero balance; clearing the limit alone keeps it.
	info := c.call("account_info", map[string]any{"account": a.Address()})
	if oc := info["account_data"].(map[string]any)["OwnerCount"].(float64); oc != 1 {
		t.Fatalf("owner count %v", oc)
	}
	if _, err := n.Submit(ctx, a, a.Address(), evernode.TrustSet{LimitAmount: evernode.EVR(issuer.Address(), "0")}); err != nil {
		t.Fatal(err)
	}
	if ls := c.call("account_lines", map[string]any{"account": a.Address()})["lines"].([]any); len(ls) != 0 {
		t.Fatalf("line not removed: %v", ls)
	}
}

func TestAccountSet(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	w := mustWallet(t, n, 100_000_000)
	domain := "host.example"
	loc := make([]byte, 32)
	loc[31] = 7
	if _, err := n.Submit(ctx, w, w.Address(), evernode.AccountSet{Domain: &domain, MessageKey: w.PublicKey(), WalletLocator: loc,
		SetFlag: evernode.AsfRequireDest}); err != nil {
		t.Fatal(err)
	}
	ad := c.call("account_info", map[string]any{"account": w.Address()})["account_data"].(map[string]any)
	if ad["Domain"] != "686F73742E6578616D706C65" || ad["MessageKey"] != w.PublicKeyHex() || ad["WalletLocator"] == nil {
		t.Fatalf("account %v", ad)
	}
	if uint32(ad["Flags"].(float64))&0x00020000 == 0 {
		t.Fatalf("flags %v", ad["Flags"])
	}
	_, err := n.Submit(ctx, n.Genesis(), n.Genesis().Address(), evernode.Payment{Destination: w.Address(), Amount: evernode.Drops(1)})
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecDST_TAG_NEEDED" {
		t.Fatalf("got %v", err)
	}
	empty := ""
	if _, err := n.Submit(ctx, w, w.Address(), evernode.AccountSet{Domain: &empty}); err != nil {
		t.Fatal(err)
	}
	ad = c.call("account_info", map[string]any{"account": w.Address()})["account_data"].(map[string]any)
	if _, ok := ad["Domain"]; ok {
		t.Fatal("domain not cleared")
	}
}

func TestURITokens(t *testing.T) {
	ctx := context.Background()
	n := start(t, nil)
	c := dial(t, n)
	issuer, _ := n.SetupIssuer(ctx, "EVR")
	host := mustWallet(t, n, 100_000_000)
	tenant := mustWallet(t, n, 100_000_000)
	if err := n.TrustAndFund(ctx, tenant, issuer, "EVR", "50"); err != nil {
		t.Fatal(err)
	}
	uri := []byte("evrlease-test")
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenMint{Common: evernode.Common{Flags: evernode.TfBurnable}, URI: uri}); err != nil {
		t.Fatal(err)
	}
	id, _ := localnet.URITokenID(host.Address(), uri)
	price := evernode.EVR(issuer.Address(), "2.5")
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenCreateSellOffer{URITokenID: id, Amount: price}); err != nil {
		t.Fatal(err)
	}
	node := c.call("ledger_entry", map[string]any{"index": id})["node"].(map[string]any)
	if node["LedgerEntryType"] != "URIToken" || node["Owner"] != host.Address() || node["Amount"] == nil || node["Flags"].(float64) != 1 {
		t.Fatalf("token %v", node)
	}
	// Paying less than the price fails.
	_, err := n.Submit(ctx, tenant, tenant.Address(), evernode.URITokenBuy{URITokenID: id, Amount: evernode.EVR(issuer.Address(), "1")})
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecINSUFFICIENT_PAYMENT" {
		t.Fatalf("got %v", err)
	}
	hash, err := n.Submit(ctx, tenant, tenant.Address(), evernode.URITokenBuy{URITokenID: id, Amount: price})
	if err != nil {
		t.Fatal(err)
	}
	node = c.call("ledger_entry", map[string]any{"index": id})["node"].(map[string]any)
	if node["Owner"] != tenant.Address() || node["Amount"] != nil {
		t.Fatalf("after buy %v", node)
	}
	// The host got the EVR on a line created for it.
	ls := c.call("account_lines", map[string]any{"account": host.Address()})["lines"].([]any)
	if len(ls) != 1 || ls[0].(map[string]any)["balance"] != "2.5" {
		t.Fatalf("host lines %v", ls)
	}
	objs := c.call("account_objects", map[string]any{"account": tenant.Address(), "type": "uri_token"})["account_objects"].([]any)
	if len(objs) != 1 {
		t.Fatalf("tenant tokens %v", objs)
	}
	n.Commit()
	meta := c.call("tx", map[string]any{"transaction": hash})["meta"].(map[string]any)
	var sawToken bool
	for _, x := range meta["AffectedNodes"].([]any) {
		if mn, ok := x.(map[string]any)["ModifiedNode"].(map[string]any); ok && mn["LedgerEntryType"] == "URIToken" {
			sawToken = mn["FinalFields"].(map[string]any)["Owner"] == tenant.Address() &&
				mn["PreviousFields"].(map[string]any)["Owner"] == host.Address()
		}
	}
	if !sawToken {
		b, _ := json.Marshal(meta)
		t.Fatalf("meta lacks the URIToken change: %s", b)
	}
	// The issuer (host) burns the burnable token the tenant holds.
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenBurn{URITokenID: id}); err != nil {
		t.Fatal(err)
	}
	m := c.raw(map[string]any{"command": "ledger_entry", "index": id})
	if m["error"] != "entryNotFound" {
		t.Fatalf("got %v", m)
	}
	// Minting the same URI again works once the token is gone.
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenMint{URI: uri}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenCreateSellOffer{URITokenID: id, Amount: evernode.Drops(5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenCancelSellOffer{URITokenID: id}); err != nil {
		t.Fatal(err)
	}
	if node = c.call("ledger_entry", map[string]any{"index": id})["node"].(map[string]any); node["Amount"] != nil {
		t.Fatalf("offer not cancelled %v", node)
	}
}

// otherID is a token id that differs from id (its first byte flipped), so
// it names no token whatever id's own bytes are.
func otherID(id string) string {
	if id[:2] == "00" {
		return "FF" + id[2:]
	}
	return "00" + id[2:]
}
