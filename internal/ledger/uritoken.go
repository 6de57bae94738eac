package ledger

import (
	"encoding/hex"
	"maps"
)

const lsfBurnable = 0x00000001

func (e *Engine) preflightURIToken(tt string, tx map[string]any) string {
	switch tt {
	case "URITokenMint":
		uri, err := hex.DecodeString(str(tx, "URI"))
		if err != nil || len(uri) == 0 || len(uri) > 256 {
			return "temMALFORMED"
		}
		if d, ok := tx["Digest"]; ok {
			if _, ok := ParseHash(d.(string)); !ok {
				return "temMALFORMED"
			}
		}
		if _, ok := tx["Destination"]; ok {
			if _, has := tx["Amount"]; !has {
				return "temMALFORMED"
			}
		}
		if a, ok := tx["Amount"]; ok {
			amt, ok := parseAmount(a)
			if !ok || amt.sign() < 0 {
				return "temBAD_AMOUNT"
			}
		}
	default:
		if _, ok := ParseHash(str(tx, "URITokenID")); !ok {
			return "temMALFORMED"
		}
		if tt == "URITokenBuy" || tt == "URITokenCreateSellOffer" {
			amt, ok := parseAmount(tx["Amount"])
			if !ok || amt.sign() < 0 {
				return "temBAD_AMOUNT"
			}
			if tt == "URITokenCreateSellOffer" {
				if d, ok := ParseAccount(str(tx, "Destination")); ok && d == mustAccount(tx) {
					return "temMALFORMED"
				}
			}
		}
	}
	return ""
}

func (c *applyCtx) uriToken() (Hash, Entry) {
	id, _ := ParseHash(str(c.tx, "URITokenID"))
	return id, c.v.edit(id)
}

func (c *applyCtx) uriTokenMint() string {
	uri, _ := hex.DecodeString(str(c.tx, "URI"))
	k := URITokenKey(c.acct, uri)
	if c.v.get(k) != nil {
		return "tecDUPLICATE"
	}
	ar := c.account(c.acct)
	if c.priorBalance < c.e.reserve(u32(ar, "OwnerCount")+1) {
		return "tecINSUFFICIENT_RESERVE"
	}
	t := Entry{
		"LedgerEntryType": "URIToken", "Flags": u32(c.tx, "Flags") & tfBurnable,
		"Owner": c.acct.String(), "Issuer": c.acct.String(), "URI": str(c.tx, "URI"),
	}
	if d := str(c.tx, "Digest"); d != "" {
		t["Digest"] = d
	}
	if a, ok := c.tx["Amount"]; ok {
		t["Amount"] = a
		if d := str(c.tx, "Destination"); d != "" {
			t["Destination"] = d
		}
	}
	t["OwnerNode"] = fmtHexU64(c.ownerInsert(c.acct, k))
	c.v.put(k, t)
	c.adjustOwnerCount(c.acct, 1)
	return "tesSUCCESS"
}

func (c *applyCtx) uriTokenBurn() string {
	k, t := c.uriToken()
	if t == nil {
		return "tecNO_ENTRY"
	}
	owner, _ := ParseAccount(str(t, "Owner"))
	issuer, _ := ParseAccount(str(t, "Issuer"))
	if !(owner == c.acct || (issuer == c.acct && u32(t, "Flags") == lsfBurnable)) {
		return "tecNO_PERMISSION"
	}
	c.ownerRemove(owner, hexU64(t, "OwnerNode"), k)
	c.v.erase(k)
	c.adjustOwnerCount(owner, -1)
	return "tesSUCCESS"
}

func (c *applyCtx) uriTokenSell() string {
	k, t := c.uriToken()
	if t == nil {
		return "tecNO_ENTRY"
	}
	if owner, _ := ParseAccount(str(t, "Owner")); owner != c.acct {
		return "tecNO_PERMISSION"
	}
	amt, _ := parseAmount(c.tx["Amount"])
	if !amt.native && c.v.get(AccountKey(amt.issuer)) == nil {
		return "tecNO_ISSUER"
	}
	t["Amount"] = c.tx["Amount"]
	if d := str(c.tx, "Destination"); d != "" {
		t["Destination"] = d
	} else {
		delete(t, "Destination")
	}
	c.v.put(k, t)
	return "tesSUCCESS"
}

func (c *applyCtx) uriTokenCancel() string {
	k, t := c.uriToken()
	if t == nil {
		return "tecNO_ENTRY"
	}
	if owner, _ := ParseAccount(str(t, "Owner")); owner != c.acct {
		return "tecNO_PERMISSION"
	}
	delete(t, "Amount")
	delete(t, "Destination")
	c.v.put(k, t)
	return "tesSUCCESS"
}

func (c *applyCtx) uriTokenBuy() string {
	k, t := c.uriToken()
	if t == nil {
		return "tecNO_ENTRY"
	}
	owner, _ := ParseAccount(str(t, "Owner"))
	if owner == c.acct {
		return "tecCANT_ACCEPT_OWN_NFTOKEN_OFFER"
	}
	sale, listed := parseAmount(t["Amount"])
	if !listed {
		return "tecNO_PERMISSION"
	}
	if d, ok := ParseAccount(str(t, "Destination")); ok && d != c.acct {
		return "tecNO_PERMISSION"
	}
	pay, _ := parseAmount(c.tx["Amount"])
	if !pay.sameIssue(sale) {
		return "temBAD_CURRENCY"
	}
	if r := c.checkFunds(pay, sale); r != "" {
		return r
	}
	if r := c.send(c.acct, owner, pay); r != "" {
		return r
	}
	c.ownerRemove(owner, hexU64(t, "OwnerNode"), k)
	c.adjustOwnerCount(owner, -1)
	t = maps.Clone(t)
	delete(t, "Amount")
	delete(t, "Destination")
	t["Owner"] = c.acct.String()
	t["OwnerNode"] = fmtHexU64(c.ownerInsert(c.acct, k))
	c.v.put(k, t)
	c.adjustOwnerCount(c.acct, 1)
	return "tesSUCCESS"
}

// checkFunds checks that the buyer can pay pay (at least the asked price)
// and still hold the reserve of one more object.
func (c *applyCtx) checkFunds(pay, ask amount) string {
	if pay.native {
		if pay.drops < ask.drops {
			return "tecINSUFFICIENT_PAYMENT"
		}
		ar := c.v.get(AccountKey(c.acct))
		if c.e.reserve(u32(ar, "OwnerCount")+1)+c.fee+pay.drops > c.priorBalance {
			return "tecINSUFFICIENT_FUNDS"
		}
		return ""
	}
	if pay.value.Cmp(ask.value) < 0 {
		return "tecINSUFFICIENT_PAYMENT"
	}
	if c.funds(c.acct, pay).Cmp(pay.value) < 0 {
		return "tecINSUFFICIENT_FUNDS"
	}
	return ""
}

// funds is what a can spend of an issued currency: unlimited for its issuer.
func (c *applyCtx) funds(a AccountID, amt amount) Value {
	if a == amt.issuer {
		v, _ := ParseValue("1e80")
		return v
	}
	line := c.v.get(TrustLineKey(a, amt.issuer, amt.code))
	if line == nil {
		return Value{}
	}
	return holding(line, a)
}

// send moves amt from one account to another without regard to trust line
// limits (rippled's accountSend), creating the receiver's line if needed.
func (c *applyCtx) send(from, to AccountID, amt amount) string {
	if amt.native {
		fr := c.account(from)
		setDrops(fr, "Balance", drops(fr, "Balance")-amt.drops)
		c.putAccount(fr)
		tr := c.account(to)
		if tr == nil {
			return "tecNO_DST"
		}
		setDrops(tr, "Balance", drops(tr, "Balance")+amt.drops)
		c.putAccount(tr)
		return ""
	}
	if amt.value.Sign() == 0 {
		return ""
	}
	if from != amt.issuer {
		c.lineTransfer(from, amt.issuer, amt.code, amt.value)
	}
	if to != amt.issuer {
		k := TrustLineKey(amt.issuer, to, amt.code)
		if c.v.get(k) == nil {
			if r := c.createLine(to, amt); r != "" {
				return r
			}
		}
		c.lineTransfer(amt.issuer, to, amt.code, amt.value)
	}
	return ""
}

// createLine creates a zero-limit line for holder on amt's issue, paid
// from holder's reserve.
func (c *applyCtx) createLine(holder AccountID, amt amount) string {
	ar := c.v.get(AccountKey(holder))
	if ar == nil {
		return "tecNO_DST"
	}
	oc := u32(ar, "OwnerCount")
	if drops(ar, "Balance") < c.e.reserve(oc+1) {
		return "tecNO_LINE_INSUF_RESERVE"
	}
	k := TrustLineKey(holder, amt.issuer, amt.code)
	lo, hi := holder, amt.issuer
	if lessAccount(hi, lo) {
		lo, hi = hi, lo
	}
	fl := sideFlag(lo == holder, lsfLowReserve, lsfHighReserve)
	if ir := c.v.get(AccountKey(amt.issuer)); ir != nil && u32(ir, "Flags")&lsfDefaultRipple == 0 {
		fl |= sideFlag(lo == amt.issuer, lsfLowNoRipple, lsfHighNoRipple)
	}
	line := Entry{
		"LedgerEntryType": "RippleState", "Flags": fl,
		"Balance":   map[string]any{"currency": amt.currency, "issuer": accountOne, "value": "0"},
		"LowLimit":  iouJSON(amt.currency, lo.String(), Value{}),
		"HighLimit": iouJSON(amt.currency, hi.String(), Value{}),
	}
	line["LowNode"] = fmtHexU64(c.ownerInsert(lo, k))
	line["HighNode"] = fmtHexU64(c.ownerInsert(hi, k))
	c.v.put(k, line)
	c.adjustOwnerCount(holder, 1)
	return ""
}
