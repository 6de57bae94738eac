package evernode

import (
	"errors"
	"fmt"
)

// Transaction flags.
const (
	// TfPartialPayment lets a Payment deliver less than Amount; only the
	// delivered_amount in the metadata counts.
	TfPartialPayment uint32 = 0x00020000
	// TfSetNoRipple and TfClearNoRipple set or clear NoRipple on a trust line.
	TfSetNoRipple   uint32 = 0x00020000
	TfClearNoRipple uint32 = 0x00040000
	// TfBurnable lets the issuer burn a URIToken or NFToken it minted:
	// hosts burn expired lease tokens held by tenants.
	TfBurnable uint32 = 0x00000001
	// TfTransferable lets an NFToken be transferred between non-issuers.
	TfTransferable uint32 = 0x00000008
	// TfSellNFToken makes an NFTokenCreateOffer a sell offer.
	TfSellNFToken uint32 = 0x00000001
)

// AccountSet flags (SetFlag / ClearFlag values).
const (
	AsfRequireDest   uint32 = 1
	AsfRequireAuth   uint32 = 2
	AsfDisallowXRP   uint32 = 3
	AsfDisableMaster uint32 = 4
	AsfDefaultRipple uint32 = 8
)

// Payment sends native currency or an issued currency (EVR).
type Payment struct {
	Common
	Destination    string
	Amount         Amount
	DestinationTag *uint32
	SendMax        *Amount
	DeliverMin     *Amount
	InvoiceID      string // 64 hex digits
}

// TxType returns "Payment".
func (Payment) TxType() string { return "Payment" }

func (t Payment) txJSON(c Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), c == Xahau, c == Xahau)
	m["Destination"] = t.Destination
	m["Amount"] = t.Amount.json()
	if t.DestinationTag != nil {
		m["DestinationTag"] = *t.DestinationTag
	}
	if t.SendMax != nil {
		m["SendMax"] = t.SendMax.json()
	}
	if t.DeliverMin != nil {
		m["DeliverMin"] = t.DeliverMin.json()
	}
	putStr(m, "InvoiceID", t.InvoiceID)
	return m, nil
}

// TrustSet creates or changes a trust line (hosts and tenants need one to
// hold EVR).
type TrustSet struct {
	Common
	// LimitAmount is the currency, issuer and limit of the line.
	LimitAmount Amount
	QualityIn   uint32
	QualityOut  uint32
}

// TxType returns "TrustSet".
func (TrustSet) TxType() string { return "TrustSet" }

func (t TrustSet) txJSON(c Chain) (map[string]any, error) {
	if t.LimitAmount.IsNative() {
		return nil, errors.New("evernode: TrustSet needs an issued currency")
	}
	m := t.Common.json(t.TxType(), c == Xahau, c == Xahau)
	m["LimitAmount"] = t.LimitAmount.json()
	putUint(m, "QualityIn", t.QualityIn)
	putUint(m, "QualityOut", t.QualityOut)
	return m, nil
}

// AccountSet changes account settings. Nil fields are left untouched; an
// empty, non-nil MessageKey or Domain clears the field.
type AccountSet struct {
	Common
	SetFlag   uint32
	ClearFlag uint32
	// Domain is the account's domain as text (hosts: their lowercase domain).
	Domain *string
	// MessageKey is the 33-byte public key others encrypt to.
	MessageKey []byte
	// WalletLocator is 32 arbitrary bytes (Evernode: reputation account link).
	WalletLocator []byte
}

// TxType returns "AccountSet".
func (AccountSet) TxType() string { return "AccountSet" }

func (t AccountSet) txJSON(c Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, c == Xahau)
	putUint(m, "SetFlag", t.SetFlag)
	putUint(m, "ClearFlag", t.ClearFlag)
	if t.Domain != nil {
		m["Domain"] = upper([]byte(*t.Domain))
	}
	if t.MessageKey != nil {
		if len(t.MessageKey) != 0 && len(t.MessageKey) != 33 {
			return nil, fmt.Errorf("evernode: MessageKey of %d bytes, want 33", len(t.MessageKey))
		}
		m["MessageKey"] = upper(t.MessageKey)
	}
	if t.WalletLocator != nil {
		if len(t.WalletLocator) != 32 {
			return nil, fmt.Errorf("evernode: WalletLocator of %d bytes, want 32", len(t.WalletLocator))
		}
		m["WalletLocator"] = upper(t.WalletLocator)
	}
	return m, nil
}

// SetRegularKey sets, or with an empty RegularKey removes, the account's
// regular key.
type SetRegularKey struct {
	Common
	RegularKey string
}

// TxType returns "SetRegularKey".
func (SetRegularKey) TxType() string { return "SetRegularKey" }

func (t SetRegularKey) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	putStr(m, "RegularKey", t.RegularKey)
	return m, nil
}

// URITokenMint mints a URIToken (Xahau). Hosts mint lease tokens with
// TfBurnable so that they can burn them at expiry.
type URITokenMint struct {
	Common
	URI         []byte
	Digest      string // optional, 64 hex digits
	Amount      *Amount
	Destination string
}

// TxType returns "URITokenMint".
func (URITokenMint) TxType() string { return "URITokenMint" }

func (t URITokenMint) txJSON(Chain) (map[string]any, error) {
	if len(t.URI) == 0 || len(t.URI) > 256 {
		return nil, fmt.Errorf("evernode: URITokenMint URI of %d bytes, want 1 to 256", len(t.URI))
	}
	m := t.Common.json(t.TxType(), false, false)
	m["URI"] = upper(t.URI)
	putStr(m, "Digest", t.Digest)
	putAmount(m, "Amount", t.Amount)
	putStr(m, "Destination", t.Destination)
	return m, nil
}

// URITokenBurn burns a URIToken (by its owner, or by its issuer if burnable).
type URITokenBurn struct {
	Common
	URITokenID string
}

// TxType returns "URITokenBurn".
func (URITokenBurn) TxType() string { return "URITokenBurn" }

func (t URITokenBurn) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["URITokenID"] = t.URITokenID
	return m, nil
}

// URITokenBuy buys a URIToken on offer; tenants acquire leases with it.
type URITokenBuy struct {
	Common
	URITokenID string
	Amount     Amount
}

// TxType returns "URITokenBuy".
func (URITokenBuy) TxType() string { return "URITokenBuy" }

func (t URITokenBuy) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["URITokenID"] = t.URITokenID
	m["Amount"] = t.Amount.json()
	return m, nil
}

// URITokenCreateSellOffer offers a URIToken for sale, to anyone or to
// Destination.
type URITokenCreateSellOffer struct {
	Common
	URITokenID  string
	Amount      Amount
	Destination string
}

// TxType returns "URITokenCreateSellOffer".
func (URITokenCreateSellOffer) TxType() string { return "URITokenCreateSellOffer" }

func (t URITokenCreateSellOffer) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["URITokenID"] = t.URITokenID
	m["Amount"] = t.Amount.json()
	putStr(m, "Destination", t.Destination)
	return m, nil
}

// URITokenCancelSellOffer withdraws a URIToken's sell offer.
type URITokenCancelSellOffer struct {
	Common
	URITokenID string
}

// TxType returns "URITokenCancelSellOffer".
func (URITokenCancelSellOffer) TxType() string { return "URITokenCancelSellOffer" }

func (t URITokenCancelSellOffer) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["URITokenID"] = t.URITokenID
	return m, nil
}

// NFTokenMint mints an XLS-20 NFToken (lease tokens of the original design).
type NFTokenMint struct {
	Common
	NFTokenTaxon uint32
	URI          []byte
	TransferFee  uint16
	Issuer       string
}

// TxType returns "NFTokenMint".
func (NFTokenMint) TxType() string { return "NFTokenMint" }

func (t NFTokenMint) txJSON(Chain) (map[string]any, error) {
	if len(t.URI) > 256 {
		return nil, fmt.Errorf("evernode: NFTokenMint URI of %d bytes, want at most 256", len(t.URI))
	}
	m := t.Common.json(t.TxType(), false, false)
	m["NFTokenTaxon"] = t.NFTokenTaxon
	if len(t.URI) > 0 {
		m["URI"] = upper(t.URI)
	}
	if t.TransferFee != 0 {
		m["TransferFee"] = t.TransferFee
	}
	putStr(m, "Issuer", t.Issuer)
	return m, nil
}

// NFTokenCreateOffer creates a buy offer, or with TfSellNFToken a sell offer.
type NFTokenCreateOffer struct {
	Common
	NFTokenID   string
	Amount      Amount
	Owner       string
	Destination string
	Expiration  uint32
}

// TxType returns "NFTokenCreateOffer".
func (NFTokenCreateOffer) TxType() string { return "NFTokenCreateOffer" }

func (t NFTokenCreateOffer) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["NFTokenID"] = t.NFTokenID
	m["Amount"] = t.Amount.json()
	putStr(m, "Owner", t.Owner)
	putStr(m, "Destination", t.Destination)
	putUint(m, "Expiration", t.Expiration)
	return m, nil
}

// NFTokenAcceptOffer accepts a sell or buy offer (or brokers both).
type NFTokenAcceptOffer struct {
	Common
	NFTokenSellOffer string
	NFTokenBuyOffer  string
	NFTokenBrokerFee *Amount
}

// TxType returns "NFTokenAcceptOffer".
func (NFTokenAcceptOffer) TxType() string { return "NFTokenAcceptOffer" }

func (t NFTokenAcceptOffer) txJSON(Chain) (map[string]any, error) {
	if t.NFTokenSellOffer == "" && t.NFTokenBuyOffer == "" {
		return nil, errors.New("evernode: NFTokenAcceptOffer needs an offer")
	}
	m := t.Common.json(t.TxType(), false, false)
	putStr(m, "NFTokenSellOffer", t.NFTokenSellOffer)
	putStr(m, "NFTokenBuyOffer", t.NFTokenBuyOffer)
	putAmount(m, "NFTokenBrokerFee", t.NFTokenBrokerFee)
	return m, nil
}

// NFTokenBurn burns an NFToken; Owner names the holder when the issuer burns.
type NFTokenBurn struct {
	Common
	NFTokenID string
	Owner     string
}

// TxType returns "NFTokenBurn".
func (NFTokenBurn) TxType() string { return "NFTokenBurn" }

func (t NFTokenBurn) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	m["NFTokenID"] = t.NFTokenID
	putStr(m, "Owner", t.Owner)
	return m, nil
}

// NFTokenCancelOffer cancels NFToken offers by their ledger index.
type NFTokenCancelOffer struct {
	Common
	NFTokenOffers []string
}

// TxType returns "NFTokenCancelOffer".
func (NFTokenCancelOffer) TxType() string { return "NFTokenCancelOffer" }

func (t NFTokenCancelOffer) txJSON(Chain) (map[string]any, error) {
	if len(t.NFTokenOffers) == 0 {
		return nil, errors.New("evernode: NFTokenCancelOffer needs offers")
	}
	m := t.Common.json(t.TxType(), false, false)
	offers := make([]any, len(t.NFTokenOffers))
	for i, o := range t.NFTokenOffers {
		offers[i] = o
	}
	m["NFTokenOffers"] = offers
	return m, nil
}

// Invoke runs hooks without moving value (Xahau); the reputation account
// sends scores with it.
type Invoke struct {
	Common
	Destination string
	Blob        []byte
}

// TxType returns "Invoke".
func (Invoke) TxType() string { return "Invoke" }

func (t Invoke) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	putStr(m, "Destination", t.Destination)
	if len(t.Blob) > 0 {
		m["Blob"] = upper(t.Blob)
	}
	return m, nil
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putAmount(m map[string]any, k string, a *Amount) {
	if a != nil {
		m[k] = a.json()
	}
}
