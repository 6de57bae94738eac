package localnet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

func TestNFTokens(t *testing.T) {
	ctx := context.Background()
	n := start(t, &localnet.Config{Chain: evernode.XRPL})
	c := dial(t, n)
	host := mustWallet(t, n, 100_000_000)
	tenant := mustWallet(t, n, 100_000_000)
	if _, err := n.Submit(ctx, host, host.Address(), evernode.NFTokenMint{Common: evernode.Common{Flags: evernode.TfBurnable | evernode.TfTransferable},
		NFTokenTaxon: 7, URI: []byte("lease-1")}); err != nil {
		t.Fatal(err)
	}
	nfts := c.call("account_nfts", map[string]any{"account": host.Address()})["account_nfts"].([]any)
	if len(nfts) != 1 {
		t.Fatalf("nfts %v", nfts)
	}
	nft := nfts[0].(map[string]any)
	id := nft["NFTokenID"].(string)
	if nft["NFTokenTaxon"] != float64(7) || nft["Issuer"] != host.Address() || nft["Flags"] != float64(9) || id[:4] != "0009" {
		t.Fatalf("nft %v", nft)
	}
	if _, err := n.Submit(ctx, host, host.Address(), evernode.NFTokenCreateOffer{Common: evernode.Common{Flags: evernode.TfSellNFToken},
		NFTokenID: id, Amount: evernode.Drops(1_000_000)}); err != nil {
		t.Fatal(err)
	}
	offers := c.call("nft_sell_offers", map[string]any{"nft_id": id})["offers"].([]any)
	if len(offers) != 1 {
		t.Fatalf("offers %v", offers)
	}
	offer := offers[0].(map[string]any)["nft_offer_index"].(string)
	if m := c.raw(map[string]any{"command": "nft_buy_offers", "nft_id": id}); m["error"] != "objectNotFound" {
		t.Fatalf("buy offers %v", m)
	}
	before := balanceOf(t, c, host.Address())
	if _, err := n.Submit(ctx, tenant, tenant.Address(), evernode.NFTokenAcceptOffer{NFTokenSellOffer: offer}); err != nil {
		t.Fatal(err)
	}
	if got := balanceOf(t, c, host.Address()) - before; got != 1_000_000 {
		t.Fatalf("host got %d", got)
	}
	if nfts := c.call("account_nfts", map[string]any{"account": tenant.Address()})["account_nfts"].([]any); len(nfts) != 1 {
		t.Fatalf("tenant nfts %v", nfts)
	}
	// The issuer burns the burnable token the tenant holds.
	if _, err := n.Submit(ctx, host, host.Address(), evernode.NFTokenBurn{NFTokenID: id, Owner: tenant.Address()}); err != nil {
		t.Fatal(err)
	}
	if nfts := c.call("account_nfts", map[string]any{"account": tenant.Address()})["account_nfts"].([]any); len(nfts) != 0 {
		t.Fatalf("tenant nfts %v", nfts)
	}
	// tecNO_LINE: an IOU offer on a token with a transfer fee whose issuer
	// has no line for that currency.
	issuer, _ := n.SetupIssuer(ctx, "EVR")
	if _, err := n.Submit(ctx, host, host.Address(), evernode.NFTokenMint{Common: evernode.Common{Flags: evernode.TfTransferable},
		TransferFee: 1000, URI: []byte("lease-2")}); err != nil {
		t.Fatal(err)
	}
	nfts = c.call("account_nfts", map[string]any{"account": host.Address()})["account_nfts"].([]any)
	id2 := nfts[0].(map[string]any)["NFTokenID"].(string)
	_, err := n.Submit(ctx, host, host.Address(), evernode.NFTokenCreateOffer{Common: evernode.Common{Flags: evernode.TfSellNFToken},
		NFTokenID: id2, Amount: evernode.EVR(issuer.Address(), "1")})
	var te *localnet.TxError
	if !errors.As(err, &te) || te.Result != "tecNO_LINE" {
		t.Fatalf("got %v", err)
	}
	// URITokens do not exist on the XRPL.
	if _, err := n.Submit(ctx, host, host.Address(), evernode.URITokenMint{URI: []byte("x")}); err == nil {
		t.Fatal("URITokenMint accepted on the XRPL")
	}
}
