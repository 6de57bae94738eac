package lease

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// The builders below return unsigned transactions with only Account set (the
// client's autofill adds Sequence, Fee and LastLedgerSequence). Their hook
// parameters and memos are byte-for-byte those of evernode-js-client 0.6.61.

// parseID reads a 64-hex-digit transaction hash or token id.
func parseID(what, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: %s %q is not 64 hex digits", ErrInvalid, what, s)
	}
	return b, nil
}

// checkPay refuses an amount no payment can carry: malformed (fractional
// drops, a look-alike without issuer, text that is not a number) or not
// more than zero. Builders check it, so a bad amount is never signed.
func checkPay(what string, a evernode.Amount) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, what, err)
	}
	if r, err := a.Rat(); err != nil || r.Sign() <= 0 {
		return fmt.Errorf("%w: %s %s is not more than zero", ErrInvalid, what, a)
	}
	return nil
}

func signal(from, to string, amt evernode.Amount, ev memo.EventType, data []byte, m *memo.Memo) (evernode.Payment, error) {
	if from == "" || to == "" {
		return evernode.Payment{}, fmt.Errorf("%w: missing account", ErrInvalid)
	}
	if err := checkPay("amount", amt); err != nil {
		return evernode.Payment{}, err
	}
	tx := evernode.Payment{Common: evernode.Common{Account: from}, Destination: to, Amount: amt}
	if err := tx.SetParams(memo.Params{Event: ev, Data: data}); err != nil {
		return evernode.Payment{}, err
	}
	if m != nil {
		tx.Memos = []memo.Memo{*m}
	}
	return tx, nil
}

// AcquireSuccessTx builds the host's evnAcquireSuccess: 1 drop to the tenant,
// data = the acquire's hash, memo = the payload (base64 text from
// SealPayload, or the unframed base64 ciphertext for NFToken leases).
func AcquireSuccessTx(host, tenant, ref string, payload []byte) (evernode.Payment, error) {
	r, err := parseID("ref", ref)
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(host, tenant, evernode.Drops(1), memo.EventAcquireSuccess, r,
		&memo.Memo{Type: string(memo.EventAcquireSuccess), Format: memo.FormatBase64, Data: payload})
}

func errorTx(host, tenant, ref string, refund evernode.Amount, ev memo.EventType, typ, reason string) (evernode.Payment, error) {
	r, err := parseID("ref", ref)
	if err != nil {
		return evernode.Payment{}, err
	}
	m, err := memo.NewJSON(ev, memo.ErrorPayload{Type: typ, Reason: reason})
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(host, tenant, refund, ev, r, &m)
}

// AcquireErrorTx builds the host's evnAcquireError: the refund (the lease
// amount, in EVR) to the tenant with a JSON reason.
func AcquireErrorTx(host, tenant, ref string, refund evernode.Amount, reason string) (evernode.Payment, error) {
	return errorTx(host, tenant, ref, refund, memo.EventAcquireError, memo.AcquireErr, reason)
}

// ExtendErrorTx builds the host's evnExtendError: the refund of the amount
// paid, with a JSON reason.
func ExtendErrorTx(host, tenant, ref string, refund evernode.Amount, reason string) (evernode.Payment, error) {
	return errorTx(host, tenant, ref, refund, memo.EventExtendError, memo.ExtendErr, reason)
}

// ExtendSuccessTx builds the host's evnExtendSuccess: 1 drop with the new
// expiry moment as a 4-byte big-endian hex memo.
func ExtendSuccessTx(host, tenant, ref string, expiryMoment uint32) (evernode.Payment, error) {
	r, err := parseID("ref", ref)
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(host, tenant, evernode.Drops(1), memo.EventExtendSuccess, r,
		&memo.Memo{Type: string(memo.EventExtendSuccess), Format: memo.FormatHex, Data: memo.EncodeExpiryMoment(expiryMoment)})
}

// RefundTx builds an evnRefund of amount referencing the transaction ref.
func RefundTx(host, tenant, ref string, amount evernode.Amount) (evernode.Payment, error) {
	r, err := parseID("ref", ref)
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(host, tenant, amount, memo.EventRefund, r, &memo.Memo{Type: string(memo.EventRefund)})
}

// AcquireTx builds the tenant's URITokenBuy of a lease offer with the
// evnAcquireLease parameter and the payload memo (from SealPayload).
func AcquireTx(tenant string, offer Token, payload []byte) (evernode.URITokenBuy, error) {
	if tenant == "" {
		return evernode.URITokenBuy{}, fmt.Errorf("%w: missing tenant", ErrInvalid)
	}
	if err := checkPay("offer amount", offer.Amount); err != nil {
		return evernode.URITokenBuy{}, err
	}
	if _, err := parseID("token id", offer.ID); err != nil {
		return evernode.URITokenBuy{}, err
	}
	tx := evernode.URITokenBuy{Common: evernode.Common{Account: tenant}, URITokenID: strings.ToUpper(offer.ID), Amount: offer.Amount}
	if err := tx.SetParams(memo.Params{Event: memo.EventAcquireLease}); err != nil {
		return evernode.URITokenBuy{}, err
	}
	tx.Memos = []memo.Memo{{Type: string(memo.EventAcquireLease), Format: memo.FormatBase64, Data: payload}}
	return tx, nil
}

// AcquireNFTTx builds the tenant's NFTokenAcceptOffer of a lease's sell
// offer, with the same parameter and memo as AcquireTx.
func AcquireNFTTx(tenant string, offer Token, payload []byte) (evernode.NFTokenAcceptOffer, error) {
	if tenant == "" {
		return evernode.NFTokenAcceptOffer{}, fmt.Errorf("%w: missing tenant", ErrInvalid)
	}
	if _, err := parseID("offer id", offer.OfferID); err != nil {
		return evernode.NFTokenAcceptOffer{}, err
	}
	tx := evernode.NFTokenAcceptOffer{Common: evernode.Common{Account: tenant}, NFTokenSellOffer: strings.ToUpper(offer.OfferID)}
	if err := tx.SetParams(memo.Params{Event: memo.EventAcquireLease}); err != nil {
		return evernode.NFTokenAcceptOffer{}, err
	}
	tx.Memos = []memo.Memo{{Type: string(memo.EventAcquireLease), Format: memo.FormatBase64, Data: payload}}
	return tx, nil
}

// ExtendTx builds the tenant's evnExtendLease: amount (from ExtendAmount)
// to the host, data = the token id.
func ExtendTx(tenant, host, tokenID string, amount evernode.Amount) (evernode.Payment, error) {
	id, err := parseID("token id", tokenID)
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(tenant, host, amount, memo.EventExtendLease, id, nil)
}

// TerminateTx builds the tenant's evnTerminateLease: 1 drop to the host
// (the token's issuer), data = the token id.
func TerminateTx(tenant, host, tokenID string) (evernode.Payment, error) {
	id, err := parseID("token id", tokenID)
	if err != nil {
		return evernode.Payment{}, err
	}
	return signal(tenant, host, evernode.Drops(1), memo.EventTerminateLease, id, nil)
}
