package lease

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/evernode"
)

// Token is a lease token as the ledger holds it.
type Token struct {
	Standard Standard
	// ID is the URITokenID or NFTokenID (upper-case hex).
	ID string
	// OfferID is the NFToken sell offer's index; empty for URITokens.
	OfferID string
	Issuer  string
	Owner   string
	// Field is the URI field's bytes; URI their decoding.
	Field []byte
	URI   URI
	// Amount is the asking price while the token is on offer; its Value is
	// empty otherwise.
	Amount evernode.Amount
	// Destination, when set, is the only account the offer is open to.
	Destination string
}

// Offered reports whether the token is on offer.
func (t Token) Offered() bool { return t.Amount.Value != "" }

// Leases lists the lease tokens host issued and still owns, offered or
// not: as EvernodeHelpers.getLeases, Issuer == host, Flags == 1 (burnable)
// and a URI starting "evrlease". std zero means URIToken.
func Leases(ctx context.Context, c *evernode.Client, host string, std Standard) ([]Token, error) {
	if std == NFToken {
		return nftLeases(ctx, c, host)
	}
	objs, err := c.AccountObjects(ctx, host, "uri_token")
	if err != nil {
		return nil, fmt.Errorf("lease: listing %s's tokens: %w", host, err)
	}
	var out []Token
	for _, o := range objs {
		t, ok := uriTokenFrom(o)
		if ok && t.Issuer == host && t.Owner == host {
			out = append(out, t)
		}
	}
	return out, nil
}

// Offers lists host's lease tokens on offer, in ledger order.
func Offers(ctx context.Context, c *evernode.Client, host string, std Standard) ([]Token, error) {
	all, err := Leases(ctx, c, host, std)
	if err != nil {
		return nil, err
	}
	var out []Token
	for _, t := range all {
		if t.Offered() {
			out = append(out, t)
		}
	}
	return out, nil
}

// uriTokenFrom reads a URIToken ledger object; ok is false when it is not a
// lease token.
func uriTokenFrom(o map[string]any) (Token, bool) {
	if flags, _ := toUint(o["Flags"]); flags != 1 {
		return Token{}, false
	}
	field, err := hex.DecodeString(str(o["URI"]))
	if err != nil {
		return Token{}, false
	}
	u, err := ParseURI(field)
	if err != nil || u.Layout == LayoutNFT {
		return Token{}, false
	}
	t := Token{Standard: URIToken, ID: strings.ToUpper(firstStr(o["index"], o["LedgerIndex"])),
		Issuer: str(o["Issuer"]), Owner: str(o["Owner"]), Field: field, URI: u}
	if a, ok := o["Amount"]; ok && a != nil {
		amt, err := evernode.AmountFromJSON(a)
		if err != nil {
			return Token{}, false
		}
		t.Amount, t.Destination = amt, str(o["Destination"])
	}
	return t, true
}

func nftLeases(ctx context.Context, c *evernode.Client, host string) ([]Token, error) {
	nfts, err := c.AccountNFTs(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("lease: listing %s's NFTs: %w", host, err)
	}
	var out []Token
	for _, n := range nfts {
		t, ok := nftFrom(n, host)
		if !ok || t.Issuer != host {
			continue
		}
		offers, err := c.NFTSellOffers(ctx, t.ID)
		if err != nil && !errors.Is(err, evernode.ErrNotFound) {
			return nil, fmt.Errorf("lease: sell offers of %s: %w", t.ID, err)
		}
		for _, o := range offers {
			if o.Owner != host || o.Flags&evernode.TfSellNFToken == 0 {
				continue
			}
			amt, err := evernode.AmountFromJSON(o.Amount)
			if err != nil {
				continue
			}
			t.OfferID, t.Amount, t.Destination = strings.ToUpper(o.Index), amt, o.Destination
			break
		}
		out = append(out, t)
	}
	return out, nil
}

func nftFrom(n evernode.NFToken, owner string) (Token, bool) {
	if n.Flags&evernode.TfBurnable == 0 {
		return Token{}, false
	}
	field, err := hex.DecodeString(n.URI)
	if err != nil {
		return Token{}, false
	}
	u, err := ParseURI(field)
	if err != nil {
		return Token{}, false
	}
	return Token{Standard: NFToken, ID: strings.ToUpper(n.NFTokenID), Issuer: n.Issuer, Owner: owner, Field: field, URI: u}, true
}

// ownedToken finds the lease token id that owner holds.
func ownedToken(ctx context.Context, c *evernode.Client, std Standard, id, owner string) (Token, error) {
	if std == NFToken {
		nfts, err := c.AccountNFTs(ctx, owner)
		if err != nil {
			return Token{}, fmt.Errorf("lease: listing %s's NFTs: %w", owner, err)
		}
		for _, n := range nfts {
			if strings.EqualFold(n.NFTokenID, id) {
				t, ok := nftFrom(n, owner)
				if !ok {
					return Token{}, ErrNotLease
				}
				return t, nil
			}
		}
		return Token{}, fmt.Errorf("%w: %s not held by %s", ErrNoToken, id, owner)
	}
	e, err := c.LedgerEntry(ctx, id, evernode.Validated)
	if errors.Is(err, evernode.ErrNotFound) {
		return Token{}, fmt.Errorf("%w: %s", ErrNoToken, id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("lease: reading token %s: %w", id, err)
	}
	if str(e["LedgerEntryType"]) != "URIToken" {
		return Token{}, ErrNotLease
	}
	if e["index"] == nil && e["LedgerIndex"] == nil {
		e["index"] = id
	}
	t, ok := uriTokenFrom(e)
	if !ok {
		return Token{}, ErrNotLease
	}
	if t.Owner != owner {
		return Token{}, fmt.Errorf("%w: %s not held by %s", ErrNoToken, id, owner)
	}
	return t, nil
}

func str(v any) string { s, _ := v.(string); return s }

func firstStr(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func toUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case float64:
		if x < 0 {
			return 0, false
		}
		return uint64(x), true
	case interface{ String() string }:
		n, err := strconv.ParseUint(x.String(), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseUint(x, 10, 64)
		return n, err == nil
	case int:
		return uint64(x), x >= 0
	case uint32:
		return uint64(x), true
	}
	return 0, false
}
