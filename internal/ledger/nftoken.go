package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"slices"
	"strings"
)

// NFTokenID layout (XLS-20): flags(2) ‖ transfer fee(2) ‖ issuer(20) ‖
// scrambled taxon(4) ‖ serial(4), all big-endian.

func nftID(flags, fee uint16, issuer AccountID, taxon, serial uint32) Hash {
	var h Hash
	binary.BigEndian.PutUint16(h[0:], flags)
	binary.BigEndian.PutUint16(h[2:], fee)
	copy(h[4:], issuer[:])
	binary.BigEndian.PutUint32(h[24:], taxon^cipheredTaxonMask(serial))
	binary.BigEndian.PutUint32(h[28:], serial)
	return h
}

func cipheredTaxonMask(serial uint32) uint32 { return 384160001*serial + 2459 }

// NFTInfo is the decoded content of an NFTokenID.
type NFTInfo struct {
	Flags       uint16
	TransferFee uint16
	Issuer      AccountID
	Taxon       uint32
	Serial      uint32
}

// ParseNFTID splits an NFTokenID.
func ParseNFTID(h Hash) NFTInfo {
	var n NFTInfo
	n.Flags = binary.BigEndian.Uint16(h[0:])
	n.TransferFee = binary.BigEndian.Uint16(h[2:])
	copy(n.Issuer[:], h[4:24])
	n.Serial = binary.BigEndian.Uint32(h[28:])
	n.Taxon = binary.BigEndian.Uint32(h[24:]) ^ cipheredTaxonMask(n.Serial)
	return n
}

func (e *Engine) preflightNFToken(tt string, tx map[string]any) string {
	flags := u32(tx, "Flags")
	switch tt {
	case "NFTokenMint":
		fee := u32(tx, "TransferFee")
		if fee > 50000 {
			return "temBAD_NFTOKEN_TRANSFER_FEE"
		}
		if fee != 0 && flags&tfTransferable == 0 {
			return "temMALFORMED"
		}
		if u, ok := tx["URI"]; ok {
			b, err := hex.DecodeString(u.(string))
			if err != nil || len(b) == 0 || len(b) > 256 {
				return "temMALFORMED"
			}
		}
		if is, ok := ParseAccount(str(tx, "Issuer")); ok && is == mustAccount(tx) {
			return "temMALFORMED"
		}
	case "NFTokenCreateOffer":
		id, ok := ParseHash(str(tx, "NFTokenID"))
		if !ok {
			return "temMALFORMED"
		}
		amt, ok := parseAmount(tx["Amount"])
		if !ok || amt.sign() < 0 {
			return "temBAD_AMOUNT"
		}
		info := ParseNFTID(id)
		if !amt.native && info.Flags&tfOnlyXRP != 0 {
			return "temBAD_AMOUNT"
		}
		_, hasOwner := tx["Owner"]
		if flags&tfSellNFToken != 0 {
			if hasOwner {
				return "temMALFORMED"
			}
		} else {
			if amt.sign() == 0 {
				return "temBAD_AMOUNT"
			}
			o, ok := ParseAccount(str(tx, "Owner"))
			if !ok || o == mustAccount(tx) {
				return "temMALFORMED"
			}
		}
		if d, ok := ParseAccount(str(tx, "Destination")); ok && d == mustAccount(tx) {
			return "temMALFORMED"
		}
	case "NFTokenAcceptOffer":
		_, s := tx["NFTokenSellOffer"]
		_, b := tx["NFTokenBuyOffer"]
		if !s && !b {
			return "temMALFORMED"
		}
	case "NFTokenBurn":
		if _, ok := ParseHash(str(tx, "NFTokenID")); !ok {
			return "temMALFORMED"
		}
	case "NFTokenCancelOffer":
		offers, _ := tx["NFTokenOffers"].([]any)
		if len(offers) == 0 || len(offers) > 500 {
			return "temMALFORMED"
		}
	}
	return ""
}

// nftPage returns owner's page tokens (sorted by the low 96 bits of the id).
func (c *applyCtx) nftTokens(owner AccountID) []any {
	p := c.v.get(NFTPageKey(owner))
	if p == nil {
		return nil
	}
	ts, _ := p["NFTokens"].([]any)
	return ts
}

func nftOf(x any) (Hash, map[string]any) {
	m, _ := x.(map[string]any)
	in, _ := m["NFToken"].(map[string]any)
	id, _ := ParseHash(str(in, "NFTokenID"))
	return id, in
}

func (c *applyCtx) findNFT(owner AccountID, id Hash) map[string]any {
	for _, x := range c.nftTokens(owner) {
		if h, in := nftOf(x); h == id {
			return in
		}
	}
	return nil
}

// nftInsert adds a token to owner's page, creating the page (one more owned
// object) if needed.
func (c *applyCtx) nftInsert(owner AccountID, tok map[string]any) string {
	k := NFTPageKey(owner)
	p := c.v.edit(k)
	if p == nil {
		ar := c.v.get(AccountKey(owner))
		if drops(ar, "Balance") < c.e.reserve(u32(ar, "OwnerCount")+1) && owner != c.acct {
			return "tecINSUFFICIENT_RESERVE"
		}
		p = Entry{"LedgerEntryType": "NFTokenPage", "Flags": uint32(0), "NFTokens": []any{}}
		c.adjustOwnerCount(owner, 1)
	}
	ts, _ := p["NFTokens"].([]any)
	ts = append(slices.Clone(ts), map[string]any{"NFToken": tok})
	slices.SortFunc(ts, func(a, b any) int {
		x, _ := nftOf(a)
		y, _ := nftOf(b)
		return strings.Compare(string(x[20:]), string(y[20:]))
	})
	p["NFTokens"] = ts
	c.v.put(k, p)
	return ""
}

func (c *applyCtx) nftRemove(owner AccountID, id Hash) map[string]any {
	k := NFTPageKey(owner)
	p := c.v.edit(k)
	if p == nil {
		return nil
	}
	ts, _ := p["NFTokens"].([]any)
	var found map[string]any
	out := make([]any, 0, len(ts))
	for _, x := range ts {
		if h, in := nftOf(x); h == id {
			found = in
			continue
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		c.v.erase(k)
		c.adjustOwnerCount(owner, -1)
	} else {
		p["NFTokens"] = out
		c.v.put(k, p)
	}
	return found
}

func (c *applyCtx) nftMint() string {
	issuer := c.acct
	if is, ok := ParseAccount(str(c.tx, "Issuer")); ok {
		ir := c.v.get(AccountKey(is))
		if ir == nil {
			return "tecNO_ISSUER"
		}
		if str(ir, "NFTokenMinter") != c.acct.String() {
			return "tecNO_PERMISSION"
		}
		issuer = is
	}
	ir := c.account(issuer)
	if _, ok := ir["FirstNFTokenSequence"]; !ok {
		if issuer == c.acct {
			ir["FirstNFTokenSequence"] = c.seq
		} else {
			ir["FirstNFTokenSequence"] = u32(ir, "Sequence")
		}
	}
	minted := u32(ir, "MintedNFTokens")
	serial := u32(ir, "FirstNFTokenSequence") + minted
	ir["MintedNFTokens"] = minted + 1
	c.putAccount(ir)
	flags := uint16(u32(c.tx, "Flags") & (tfBurnable | tfOnlyXRP | tfTrustLine | tfTransferable))
	id := nftID(flags, uint16(u32(c.tx, "TransferFee")), issuer, u32(c.tx, "NFTokenTaxon"), serial)
	tok := map[string]any{"NFTokenID": id.String()}
	if u := str(c.tx, "URI"); u != "" {
		tok["URI"] = u
	}
	if c.v.get(NFTPageKey(c.acct)) == nil {
		ar := c.v.get(AccountKey(c.acct))
		if c.priorBalance < c.e.reserve(u32(ar, "OwnerCount")+1) {
			return "tecINSUFFICIENT_RESERVE"
		}
	}
	if r := c.nftInsert(c.acct, tok); r != "" {
		return r
	}
	return "tesSUCCESS"
}

func (c *applyCtx) nftCreateOffer() string {
	id, _ := ParseHash(str(c.tx, "NFTokenID"))
	info := ParseNFTID(id)
	sell := u32(c.tx, "Flags")&tfSellNFToken != 0
	holder := c.acct
	if !sell {
		holder, _ = ParseAccount(str(c.tx, "Owner"))
	}
	if c.findNFT(holder, id) == nil {
		return "tecNO_ENTRY"
	}
	amt, _ := parseAmount(c.tx["Amount"])
	if info.Flags&tfTransferable == 0 && info.Issuer != c.acct && info.Issuer != holder {
		if d, ok := ParseAccount(str(c.tx, "Destination")); !ok || d != info.Issuer {
			return "tefNFTOKEN_IS_NOT_TRANSFERABLE"
		}
	}
	if !amt.native && info.TransferFee != 0 && info.Flags&tfTrustLine == 0 {
		if c.v.get(AccountKey(info.Issuer)) == nil {
			return "tecNO_ISSUER"
		}
		if info.Issuer != amt.issuer && c.v.get(TrustLineKey(info.Issuer, amt.issuer, amt.code)) == nil {
			return "tecNO_LINE"
		}
	}
	if d, ok := ParseAccount(str(c.tx, "Destination")); ok && c.v.get(AccountKey(d)) == nil {
		return "tecNO_DST"
	}
	if !sell && !amt.native && c.funds(c.acct, amt).Cmp(amt.value) < 0 {
		return "tecUNFUNDED_OFFER"
	}
	ar := c.v.get(AccountKey(c.acct))
	if c.priorBalance < c.e.reserve(u32(ar, "OwnerCount")+1) {
		return "tecINSUFFICIENT_RESERVE"
	}
	k := NFTOfferKey(c.acct, c.seq)
	o := Entry{"LedgerEntryType": "NFTokenOffer", "Owner": c.acct.String(), "NFTokenID": id.String(),
		"Amount": c.tx["Amount"], "Flags": uint32(0)}
	dir := NFTBuyDirKey(id)
	if sell {
		o["Flags"] = uint32(1)
		dir = NFTSellDirKey(id)
	}
	for _, f := range []string{"Destination", "Expiration"} {
		if x, ok := c.tx[f]; ok {
			o[f] = x
		}
	}
	o["OwnerNode"] = fmtHexU64(c.ownerInsert(c.acct, k))
	o["NFTokenOfferNode"] = fmtHexU64(dirInsert(c.v, dir, k, map[string]any{"NFTokenID": id.String()}))
	c.v.put(k, o)
	c.adjustOwnerCount(c.acct, 1)
	return "tesSUCCESS"
}

// deleteOffer removes an offer and its directory entries.
func (c *applyCtx) deleteOffer(k Hash, o Entry) {
	owner, _ := ParseAccount(str(o, "Owner"))
	id, _ := ParseHash(str(o, "NFTokenID"))
	c.ownerRemove(owner, hexU64(o, "OwnerNode"), k)
	dir := NFTBuyDirKey(id)
	if u32(o, "Flags")&1 != 0 {
		dir = NFTSellDirKey(id)
	}
	dirRemove(c.v, dir, hexU64(o, "NFTokenOfferNode"), k)
	c.v.erase(k)
	c.adjustOwnerCount(owner, -1)
}

func (c *applyCtx) nftAcceptOffer() string {
	sk, hasSell := ParseHash(str(c.tx, "NFTokenSellOffer"))
	bk, hasBuy := ParseHash(str(c.tx, "NFTokenBuyOffer"))
	if hasSell && hasBuy {
		return "temMALFORMED" // brokered mode is not modelled
	}
	k := sk
	if hasBuy {
		k = bk
	}
	o := c.v.get(k)
	if o == nil || str(o, "LedgerEntryType") != "NFTokenOffer" {
		return "tecOBJECT_NOT_FOUND"
	}
	owner, _ := ParseAccount(str(o, "Owner"))
	if owner == c.acct {
		return "tecCANT_ACCEPT_OWN_NFTOKEN_OFFER"
	}
	if d, ok := ParseAccount(str(o, "Destination")); ok && d != c.acct {
		return "tecNO_PERMISSION"
	}
	if exp := u32(o, "Expiration"); exp != 0 && exp <= c.e.lastTime {
		return "tecEXPIRED"
	}
	isSell := u32(o, "Flags")&1 != 0
	if isSell != hasSell {
		return "tecNFTOKEN_OFFER_TYPE_MISMATCH"
	}
	id, _ := ParseHash(str(o, "NFTokenID"))
	seller, buyer := owner, c.acct
	if !isSell {
		seller, buyer = c.acct, owner
	}
	if c.findNFT(seller, id) == nil {
		return "tecNO_PERMISSION"
	}
	amt, _ := parseAmount(o["Amount"])
	// The buyer must afford the price (and, accepting a sell offer, keep
	// its reserve).
	if amt.native {
		br := c.v.get(AccountKey(buyer))
		need := amt.drops
		if buyer == c.acct && need > c.priorBalance-c.fee-c.e.reserve(u32(br, "OwnerCount")) {
			return "tecINSUFFICIENT_FUNDS"
		}
		if buyer != c.acct && need > drops(br, "Balance")-c.e.reserve(u32(br, "OwnerCount")) {
			return "tecINSUFFICIENT_FUNDS"
		}
	} else if c.funds(buyer, amt).Cmp(amt.value) < 0 {
		return "tecINSUFFICIENT_FUNDS"
	}
	info := ParseNFTID(id)
	if amt.sign() > 0 {
		pay := amt
		if info.TransferFee != 0 && seller != info.Issuer && buyer != info.Issuer {
			fee := transferCut(amt, info.TransferFee)
			if fee.sign() > 0 {
				if r := c.send(buyer, info.Issuer, fee); r != "" {
					return r
				}
				pay = subAmount(amt, fee)
			}
		}
		if r := c.send(buyer, seller, pay); r != "" {
			return r
		}
	}
	tok := c.nftRemove(seller, id)
	if r := c.nftInsert(buyer, tok); r != "" {
		return r
	}
	c.deleteOffer(k, o)
	return "tesSUCCESS"
}

// transferCut is fee/100000 of amt.
func transferCut(amt amount, fee uint16) amount {
	if amt.native {
		amt.drops = amt.drops * int64(fee) / 100000
		return amt
	}
	r := amt.value.Rat()
	r.Mul(r, big.NewRat(int64(fee), 100000))
	v, _ := fromRat(r)
	return amt.withValue(v)
}

func subAmount(a, b amount) amount {
	if a.native {
		a.drops -= b.drops
		return a
	}
	return a.withValue(a.value.Sub(b.value))
}

func (c *applyCtx) nftBurn() string {
	id, _ := ParseHash(str(c.tx, "NFTokenID"))
	owner := c.acct
	if o, ok := ParseAccount(str(c.tx, "Owner")); ok {
		owner = o
	}
	if c.findNFT(owner, id) == nil {
		return "tecNO_ENTRY"
	}
	info := ParseNFTID(id)
	if owner != c.acct {
		if !(info.Issuer == c.acct && info.Flags&tfBurnable != 0) {
			return "tecNO_PERMISSION"
		}
	}
	c.nftRemove(owner, id)
	ir := c.account(info.Issuer)
	if ir != nil {
		ir["BurnedNFTokens"] = u32(ir, "BurnedNFTokens") + 1
		c.putAccount(ir)
	}
	for _, dir := range []Hash{NFTSellDirKey(id), NFTBuyDirKey(id)} {
		var offers []Hash
		dirWalk(c.v, dir, 0, Hash{}, func(_ uint64, h Hash) bool { offers = append(offers, h); return true })
		for _, h := range offers {
			if o := c.v.get(h); o != nil {
				c.deleteOffer(h, o)
			}
		}
	}
	return "tesSUCCESS"
}

func (c *applyCtx) nftCancelOffer() string {
	offers, _ := c.tx["NFTokenOffers"].([]any)
	for _, x := range offers {
		s, _ := x.(string)
		k, _ := ParseHash(s)
		o := c.v.get(k)
		if o == nil {
			continue
		}
		owner, _ := ParseAccount(str(o, "Owner"))
		dst, _ := ParseAccount(str(o, "Destination"))
		exp := u32(o, "Expiration")
		if owner != c.acct && dst != c.acct && !(exp != 0 && exp <= c.e.lastTime) {
			return "tecNO_PERMISSION"
		}
		c.deleteOffer(k, o)
	}
	return "tesSUCCESS"
}
