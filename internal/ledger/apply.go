package ledger

import (
	"encoding/hex"
	"strings"
)

// Transaction flags.
const (
	tfFullyCanonicalSig = 0x80000000
	tfNoRippleDirect    = 0x00010000
	tfPartialPayment    = 0x00020000
	tfLimitQuality      = 0x00040000
	tfSetfAuth          = 0x00010000
	tfSetNoRipple       = 0x00020000
	tfClearNoRipple     = 0x00040000
	tfSetFreeze         = 0x00100000
	tfClearFreeze       = 0x00200000
	tfBurnable          = 0x00000001
	tfOnlyXRP           = 0x00000002
	tfTrustLine         = 0x00000004
	tfTransferable      = 0x00000008
	tfSellNFToken       = 0x00000001
)

// allowedFlags lists the flags each transaction type accepts.
var allowedFlags = map[string]uint32{
	"Payment":                 tfNoRippleDirect | tfPartialPayment | tfLimitQuality,
	"TrustSet":                tfSetfAuth | tfSetNoRipple | tfClearNoRipple | tfSetFreeze | tfClearFreeze,
	"AccountSet":              0x00010000 | 0x00020000 | 0x00040000 | 0x00080000 | 0x00100000 | 0x00200000,
	"SetRegularKey":           0,
	"URITokenMint":            tfBurnable,
	"URITokenBurn":            0,
	"URITokenBuy":             0,
	"URITokenCreateSellOffer": 0,
	"URITokenCancelSellOffer": 0,
	"NFTokenMint":             tfBurnable | tfOnlyXRP | tfTrustLine | tfTransferable,
	"NFTokenCreateOffer":      tfSellNFToken,
	"NFTokenAcceptOffer":      0,
	"NFTokenBurn":             0,
	"NFTokenCancelOffer":      0,
	"Invoke":                  0,
	"SetHook":                 0,
	"SignerListSet":           0,
}

// rname returns the network's name for a result: Xahau calls the XRP
// results NATIVE (tecNO_DST_INSUF_NATIVE for tecNO_DST_INSUF_XRP).
func (e *Engine) rname(name string) string {
	if _, ok := e.defs.ResultCode(name); ok {
		return name
	}
	if alt := strings.Replace(name, "_XRP", "_NATIVE", 1); alt != name {
		if _, ok := e.defs.ResultCode(alt); ok {
			return alt
		}
	}
	return name
}

// xahauOnly and xrplOnly name the types one network lacks.
var xahauOnly = map[string]bool{"URITokenMint": true, "URITokenBurn": true, "URITokenBuy": true,
	"URITokenCreateSellOffer": true, "URITokenCancelSellOffer": true, "Invoke": true, "SetHook": true}
var xrplOnly = map[string]bool{"NFTokenMint": true, "NFTokenCreateOffer": true, "NFTokenAcceptOffer": true,
	"NFTokenBurn": true, "NFTokenCancelOffer": true}

// preflight runs the checks that need no ledger state.
func (e *Engine) preflight(tx map[string]any) string {
	tt := str(tx, "TransactionType")
	allowed, known := allowedFlags[tt]
	if !known || (e.cfg.Xahau && xrplOnly[tt]) || (!e.cfg.Xahau && xahauOnly[tt]) {
		return "temDISABLED"
	}
	if u32(tx, "Flags")&^(allowed|tfFullyCanonicalSig) != 0 {
		return "temINVALID_FLAG"
	}
	switch tt {
	case "Payment":
		return e.preflightPayment(tx)
	case "TrustSet":
		la, ok := parseAmount(tx["LimitAmount"])
		if _, present := tx["LimitAmount"]; !present {
			return "temBAD_LIMIT"
		}
		if !ok {
			return "temBAD_CURRENCY"
		}
		if la.native {
			return "temBAD_LIMIT"
		}
		if la.value.Sign() < 0 {
			return "temBAD_LIMIT"
		}
		if la.issuer == mustAccount(tx) {
			return "temDST_IS_SRC"
		}
	case "AccountSet":
		set, clr := u32(tx, "SetFlag"), u32(tx, "ClearFlag")
		if set != 0 && set == clr {
			return "temINVALID_FLAG"
		}
		if d := str(tx, "Domain"); len(d) > 512 {
			return "telBAD_DOMAIN"
		}
		if k := str(tx, "MessageKey"); k != "" {
			b, _ := hex.DecodeString(k)
			if len(b) != 33 || (b[0] != 0x02 && b[0] != 0x03 && b[0] != 0xED) {
				return "telBAD_PUBLIC_KEY"
			}
		}
	case "SetRegularKey":
		if rk, ok := ParseAccount(str(tx, "RegularKey")); ok && rk == mustAccount(tx) {
			return "temBAD_REGKEY"
		}
	case "URITokenMint", "URITokenBurn", "URITokenBuy", "URITokenCreateSellOffer", "URITokenCancelSellOffer":
		return e.preflightURIToken(tt, tx)
	case "NFTokenMint", "NFTokenCreateOffer", "NFTokenAcceptOffer", "NFTokenBurn", "NFTokenCancelOffer":
		return e.preflightNFToken(tt, tx)
	case "SetHook":
		return e.preflightSetHook(tx)
	case "SignerListSet":
		return e.preflightSignerListSet(tx)
	case "Invoke":
		if d, ok := tx["Destination"]; ok {
			if a, ok := ParseAccount(d.(string)); ok && a == mustAccount(tx) {
				return "temMALFORMED"
			}
		}
	}
	return ""
}

func mustAccount(tx map[string]any) AccountID {
	a, _ := ParseAccount(str(tx, "Account"))
	return a
}

// doApply applies the transaction body to c.v after the fee was taken.
func (c *applyCtx) doApply() string {
	switch str(c.tx, "TransactionType") {
	case "Payment":
		return c.payment()
	case "TrustSet":
		return c.trustSet()
	case "AccountSet":
		return c.accountSet()
	case "SetRegularKey":
		return c.setRegularKey()
	case "URITokenMint":
		return c.uriTokenMint()
	case "URITokenBurn":
		return c.uriTokenBurn()
	case "URITokenBuy":
		return c.uriTokenBuy()
	case "URITokenCreateSellOffer":
		return c.uriTokenSell()
	case "URITokenCancelSellOffer":
		return c.uriTokenCancel()
	case "NFTokenMint":
		return c.nftMint()
	case "NFTokenCreateOffer":
		return c.nftCreateOffer()
	case "NFTokenAcceptOffer":
		return c.nftAcceptOffer()
	case "NFTokenBurn":
		return c.nftBurn()
	case "NFTokenCancelOffer":
		return c.nftCancelOffer()
	case "SetHook":
		return c.setHook()
	case "SignerListSet":
		return c.signerListSet()
	case "Invoke":
		if d, ok := ParseAccount(str(c.tx, "Destination")); ok && c.v.get(AccountKey(d)) == nil {
			return "tecNO_TARGET"
		}
		return "tesSUCCESS"
	}
	return "temUNKNOWN"
}

// account returns a modifiable copy of a's root, or nil.
func (c *applyCtx) account(a AccountID) Entry { return c.v.edit(AccountKey(a)) }

func (c *applyCtx) putAccount(ar Entry) {
	a, _ := ParseAccount(str(ar, "Account"))
	c.v.put(AccountKey(a), ar)
}

// adjustOwnerCount adds d to a's OwnerCount.
func (c *applyCtx) adjustOwnerCount(a AccountID, d int) {
	ar := c.account(a)
	if ar == nil {
		return
	}
	n := int(u32(ar, "OwnerCount")) + d
	if n < 0 {
		n = 0
	}
	ar["OwnerCount"] = uint32(n)
	c.putAccount(ar)
}

// ownerInsert adds idx to a's owner directory and returns its page.
func (c *applyCtx) ownerInsert(a AccountID, idx Hash) uint64 {
	return dirInsert(c.v, OwnerDirKey(a), idx, map[string]any{"Owner": a.String()})
}

func (c *applyCtx) ownerRemove(a AccountID, page uint64, idx Hash) {
	dirRemove(c.v, OwnerDirKey(a), page, idx)
}

// ---- Payment ----

func (e *Engine) preflightPayment(tx map[string]any) string {
	dst, ok := ParseAccount(str(tx, "Destination"))
	if !ok {
		return "temDST_NEEDED"
	}
	amt, ok := parseAmount(tx["Amount"])
	if !ok || amt.sign() <= 0 {
		return "temBAD_AMOUNT"
	}
	flags := u32(tx, "Flags")
	var sendMax *amount
	if sm, present := tx["SendMax"]; present {
		s, ok := parseAmount(sm)
		if !ok || s.sign() <= 0 {
			return "temBAD_AMOUNT"
		}
		sendMax = &s
	}
	native := amt.native && (sendMax == nil || sendMax.native)
	if dst == mustAccount(tx) && native {
		return "temREDUNDANT"
	}
	if native {
		if sendMax != nil {
			return e.rname("temBAD_SEND_XRP_MAX")
		}
		if flags&tfPartialPayment != 0 {
			return e.rname("temBAD_SEND_XRP_PARTIAL")
		}
		if _, paths := tx["Paths"]; paths {
			return e.rname("temBAD_SEND_XRP_PATHS")
		}
	}
	if dm, present := tx["DeliverMin"]; present {
		d, ok := parseAmount(dm)
		if flags&tfPartialPayment == 0 {
			return "temBAD_AMOUNT"
		}
		if !ok || d.sign() <= 0 || !d.sameIssue(amt) {
			return "temBAD_AMOUNT"
		}
	}
	return ""
}

func (c *applyCtx) payment() string {
	e := c.e
	dst, _ := ParseAccount(str(c.tx, "Destination"))
	amt, _ := parseAmount(c.tx["Amount"])
	flags := u32(c.tx, "Flags")
	dstRoot := c.account(dst)
	if dstRoot == nil {
		if !amt.native {
			return "tecNO_DST"
		}
		if amt.drops < e.cfg.ReserveBase {
			return e.rname("tecNO_DST_INSUF_XRP")
		}
	} else if u32(dstRoot, "Flags")&lsfRequireDestTag != 0 {
		if _, ok := c.tx["DestinationTag"]; !ok {
			return "tecDST_TAG_NEEDED"
		}
	}
	if amt.native {
		src := c.account(c.acct)
		need := max(e.reserve(u32(src, "OwnerCount")), c.fee)
		if c.priorBalance < amt.drops+need {
			return "tecUNFUNDED_PAYMENT"
		}
		setDrops(src, "Balance", drops(src, "Balance")-amt.drops)
		c.putAccount(src)
		if dstRoot == nil {
			dstRoot = Entry{"LedgerEntryType": "AccountRoot", "Account": dst.String(), "Balance": "0",
				"Flags": uint32(0), "OwnerCount": uint32(0), "Sequence": e.openSeq}
		}
		setDrops(dstRoot, "Balance", drops(dstRoot, "Balance")+amt.drops)
		c.putAccount(dstRoot)
		c.delivered = &amt
		return "tesSUCCESS"
	}
	if sm, ok := parseAmount(c.tx["SendMax"]); ok && !sm.native && sm.code != amt.code {
		return "tecPATH_DRY" // no order books: no cross-currency payments
	} else if ok && sm.native {
		return "tecPATH_DRY"
	}
	// Issued currency along the direct lines, through the issuer if needed.
	var hops [][2]AccountID
	switch amt.issuer {
	case c.acct, dst:
		hops = [][2]AccountID{{c.acct, dst}}
	default:
		hops = [][2]AccountID{{c.acct, amt.issuer}, {amt.issuer, dst}}
	}
	var limit Value
	for i, h := range hops {
		line := c.v.get(TrustLineKey(h[0], h[1], amt.code))
		if line == nil {
			return "tecPATH_DRY"
		}
		cp := lineCapacity(line, h[0], h[1])
		if i == 0 || cp.Cmp(limit) < 0 {
			limit = cp
		}
	}
	if len(hops) == 2 {
		// Rippling through the issuer needs its side of both lines to allow it.
		l1 := c.v.get(TrustLineKey(hops[0][0], amt.issuer, amt.code))
		l2 := c.v.get(TrustLineKey(amt.issuer, hops[1][1], amt.code))
		if noRipple(l1, amt.issuer) && noRipple(l2, amt.issuer) {
			return "tecPATH_DRY"
		}
	}
	if limit.Sign() <= 0 {
		return "tecPATH_DRY"
	}
	deliver := amt.value
	if limit.Cmp(deliver) < 0 {
		if flags&tfPartialPayment == 0 {
			return "tecPATH_PARTIAL"
		}
		deliver = limit
		if dm, ok := parseAmount(c.tx["DeliverMin"]); ok && deliver.Cmp(dm.value) < 0 {
			return "tecPATH_PARTIAL"
		}
	}
	for _, h := range hops {
		c.lineTransfer(h[0], h[1], amt.code, deliver)
	}
	d := amt.withValue(deliver)
	c.delivered = &d
	return "tesSUCCESS"
}

// lineSides returns whether a is the low account of line.
func isLow(line Entry, a AccountID) bool {
	lo, _ := line["LowLimit"].(map[string]any)
	la, _ := ParseAccount(str(lo, "issuer"))
	return la == a
}

func lineValue(m any) Value {
	mm, _ := m.(map[string]any)
	v, _ := ParseValue(str(mm, "value"))
	return v
}

// holding is what a holds on line (negative: what a owes).
func holding(line Entry, a AccountID) Value {
	b := lineValue(line["Balance"])
	if isLow(line, a) {
		return b
	}
	return b.Neg()
}

func lineLimit(line Entry, a AccountID) Value {
	if isLow(line, a) {
		return lineValue(line["LowLimit"])
	}
	return lineValue(line["HighLimit"])
}

// lineCapacity is how much from can pay to over their line: until to's
// holding reaches to's limit.
func lineCapacity(line Entry, from, to AccountID) Value {
	return lineLimit(line, to).Sub(holding(line, to))
}

func noRipple(line Entry, a AccountID) bool {
	if isLow(line, a) {
		return u32(line, "Flags")&lsfLowNoRipple != 0
	}
	return u32(line, "Flags")&lsfHighNoRipple != 0
}

// lineTransfer moves x from from to to on their line.
func (c *applyCtx) lineTransfer(from, to AccountID, code [20]byte, x Value) {
	k := TrustLineKey(from, to, code)
	line := c.v.edit(k)
	bal, _ := line["Balance"].(map[string]any)
	b := lineValue(bal)
	if isLow(line, from) {
		b = b.Sub(x)
	} else {
		b = b.Add(x)
	}
	line["Balance"] = map[string]any{"currency": str(bal, "currency"), "issuer": accountOne, "value": b.String()}
	c.v.put(k, line)
}

// ---- TrustSet ----

func (c *applyCtx) trustSet() string {
	e := c.e
	la, _ := parseAmount(c.tx["LimitAmount"])
	peer := la.issuer
	peerRoot := c.v.get(AccountKey(peer))
	if peerRoot == nil {
		return "tecNO_DST"
	}
	flags := u32(c.tx, "Flags")
	k := TrustLineKey(c.acct, peer, la.code)
	line := c.v.edit(k)
	me := c.account(c.acct)
	if line == nil {
		if la.value.Sign() == 0 && flags&tfSetNoRipple == 0 {
			return "tecNO_LINE_REDUNDANT"
		}
		oc := u32(me, "OwnerCount")
		if oc >= 2 && c.priorBalance < e.reserve(oc+1) {
			return "tecNO_LINE_INSUF_RESERVE"
		}
		lo, hi := c.acct, peer
		if lessAccount(hi, lo) {
			lo, hi = hi, lo
		}
		zero := Value{}
		line = Entry{
			"LedgerEntryType": "RippleState", "Flags": uint32(0),
			"Balance":   map[string]any{"currency": la.currency, "issuer": accountOne, "value": "0"},
			"LowLimit":  iouJSON(la.currency, lo.String(), zero),
			"HighLimit": iouJSON(la.currency, hi.String(), zero),
		}
		meLow := lo == c.acct
		fl := uint32(0)
		if meLow {
			fl |= lsfLowReserve
			line["LowLimit"] = iouJSON(la.currency, lo.String(), la.value)
		} else {
			fl |= lsfHighReserve
			line["HighLimit"] = iouJSON(la.currency, hi.String(), la.value)
		}
		if flags&tfSetNoRipple != 0 {
			fl |= sideFlag(meLow, lsfLowNoRipple, lsfHighNoRipple)
		}
		if u32(peerRoot, "Flags")&lsfDefaultRipple == 0 {
			fl |= sideFlag(!meLow, lsfLowNoRipple, lsfHighNoRipple)
		}
		line["Flags"] = fl
		line["LowNode"] = fmtHexU64(c.ownerInsert(lo, k))
		line["HighNode"] = fmtHexU64(c.ownerInsert(hi, k))
		c.v.put(k, line)
		c.adjustOwnerCount(c.acct, 1)
		return "tesSUCCESS"
	}
	meLow := isLow(line, c.acct)
	lim := "HighLimit"
	if meLow {
		lim = "LowLimit"
	}
	line[lim] = iouJSON(la.currency, c.acct.String(), la.value)
	fl := u32(line, "Flags")
	if flags&tfSetNoRipple != 0 {
		fl |= sideFlag(meLow, lsfLowNoRipple, lsfHighNoRipple)
	}
	if flags&tfClearNoRipple != 0 {
		fl &^= sideFlag(meLow, lsfLowNoRipple, lsfHighNoRipple)
	}
	myReserve := sideFlag(meLow, lsfLowReserve, lsfHighReserve)
	needReserve := la.value.Sign() != 0 || holding(line, c.acct).Sign() > 0
	switch {
	case needReserve && fl&myReserve == 0:
		oc := u32(me, "OwnerCount")
		if c.priorBalance < e.reserve(oc+1) {
			return "tecINSUF_RESERVE_LINE"
		}
		fl |= myReserve
		c.adjustOwnerCount(c.acct, 1)
	case !needReserve && fl&myReserve != 0:
		fl &^= myReserve
		c.adjustOwnerCount(c.acct, -1)
	}
	line["Flags"] = fl
	peerReserve := sideFlag(!meLow, lsfLowReserve, lsfHighReserve)
	if fl&(myReserve|peerReserve) == 0 && lineValue(line["Balance"]).Sign() == 0 {
		// Both sides are back to default: the line goes away.
		lo, hi := c.acct, peer
		if !meLow {
			lo, hi = peer, c.acct
		}
		c.ownerRemove(lo, hexU64(line, "LowNode"), k)
		c.ownerRemove(hi, hexU64(line, "HighNode"), k)
		c.v.erase(k)
		return "tesSUCCESS"
	}
	c.v.put(k, line)
	return "tesSUCCESS"
}

func sideFlag(low bool, lowFlag, highFlag uint32) uint32 {
	if low {
		return lowFlag
	}
	return highFlag
}

// ---- AccountSet / SetRegularKey ----

var asfToLsf = map[uint32]uint32{
	1: lsfRequireDestTag, 2: lsfRequireAuth, 3: lsfDisallowXRP, 4: lsfDisableMaster,
	6: lsfNoFreeze, 7: lsfGlobalFreeze, 8: lsfDefaultRipple, 9: lsfDepositAuth,
	11: lsfTshCollect, // Xahau's asfTshCollect (wasmhook.go)
}

func (c *applyCtx) accountSet() string {
	ar := c.account(c.acct)
	fl := u32(ar, "Flags")
	set, clr := u32(c.tx, "SetFlag"), u32(c.tx, "ClearFlag")
	if f, ok := asfToLsf[set]; ok {
		if set == 4 && fl&lsfDisableMaster == 0 {
			if r := c.disableMasterCheck(ar); r != "" {
				return r
			}
		}
		fl |= f
	}
	if f, ok := asfToLsf[clr]; ok && clr != 6 {
		fl &^= f
	}
	// Legacy transaction flags.
	tf := u32(c.tx, "Flags")
	for bit, f := range map[uint32]uint32{0x00010000: lsfRequireDestTag, 0x00040000: lsfRequireAuth, 0x00100000: lsfDisallowXRP} {
		if tf&bit != 0 {
			fl |= f
		}
		if tf&(bit<<1) != 0 {
			fl &^= f
		}
	}
	ar["Flags"] = fl
	for _, f := range []string{"Domain", "MessageKey", "WalletLocator", "EmailHash"} {
		if v, ok := c.tx[f]; ok {
			if s, _ := v.(string); s == "" || strings.Trim(s, "0") == "" {
				delete(ar, f)
			} else {
				ar[f] = s
			}
		}
	}
	for _, f := range []string{"TransferRate", "TickSize"} {
		if v, ok := c.tx[f].(uint32); ok {
			if v == 0 || (f == "TransferRate" && v == 1_000_000_000) {
				delete(ar, f)
			} else {
				ar[f] = v
			}
		}
	}
	c.putAccount(ar)
	return "tesSUCCESS"
}

func (c *applyCtx) setRegularKey() string {
	ar := c.account(c.acct)
	rk := str(c.tx, "RegularKey")
	if rk == "" {
		if u32(ar, "Flags")&lsfDisableMaster != 0 && !hasSignerList(c.v, c.acct) {
			return "tecNO_ALTERNATIVE_KEY"
		}
		delete(ar, "RegularKey")
	} else {
		ar["RegularKey"] = rk
	}
	c.putAccount(ar)
	return "tesSUCCESS"
}
