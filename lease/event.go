package lease

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// Standard is the token standard that carries leases.
type Standard int

const (
	// URIToken leases (Xahau, protocol v0.6): what live Evernode uses.
	URIToken Standard = iota + 1
	// NFToken leases (XLS-20 with a DEX sell offer): the original design.
	// Payloads are always encrypted and carry no 0x00/0x01 frame byte, as in
	// evernode-js-client 0.5.
	NFToken
)

// String returns "uritoken" or "nftoken".
func (s Standard) String() string {
	switch s {
	case URIToken:
		return "uritoken"
	case NFToken:
		return "nftoken"
	}
	return fmt.Sprintf("Standard(%d)", int(s))
}

// standardFor picks the standard of a network: NFTokens on the XRPL,
// URITokens on Xahau.
func standardFor(s Standard, n evernode.Network) Standard {
	if s != 0 {
		return s
	}
	if n.Chain == evernode.XRPL {
		return NFToken
	}
	return URIToken
}

// Event is a lease event read from a validated transaction. Which fields are
// set depends on Type:
//
//   - evnAcquireLease (to the host): TokenID, Amount (what the tenant paid),
//     OfferAmount, URI when the metadata shows it, OfferID for NFTokens,
//     Requirement (or PayloadErr), Encrypted.
//   - evnExtendLease (to the host): TokenID, Amount (delivered EVR).
//   - evnTerminateLease (to the host): TokenID.
//   - evnAcquireSuccess (to the tenant): Ref, Instance (or PayloadErr, also
//     when the answer names no instance).
//   - evnAcquireError, evnExtendError (to the tenant): Ref, Reason,
//     RawReason, Amount (the refund).
//   - evnExtendSuccess (to the tenant): Ref, ExpiryMoment.
//   - evnRefund (to the tenant): Ref, Amount.
type Event struct {
	Type memo.EventType
	// Hash and LedgerIndex identify the transaction; Hash is the reference
	// an answer quotes.
	Hash        string
	LedgerIndex uint32
	// From sent the transaction; To is the account it is addressed to.
	From, To string

	TokenID     string
	OfferID     string
	Amount      evernode.Amount
	OfferAmount evernode.Amount
	URI         *URI

	Requirement *memo.Requirement
	Encrypted   bool
	// Payload is the acquire or answer payload as it was on the ledger.
	Payload []byte
	// PayloadErr is set when the payload could not be opened (no key, wrong
	// key, bad JSON). The event is still real: money moved and it needs an
	// answer.
	PayloadErr error

	Ref      string
	Instance *memo.Instance
	// Reason is an error answer's reason as text, RawReason as it was sent
	// (memo.ParseErrorReason): a JSON string, a JSON object such as
	// sashimono's {"instance_name":…,"error":…}, or plain text.
	Reason       string
	RawReason    []byte
	ExpiryMoment uint32
}

// ExtractOptions tunes ExtractEvent. A nil *ExtractOptions means the defaults.
type ExtractOptions struct {
	// Keys opens encrypted payloads addressed to self. Nil leaves them in
	// Event.Payload with PayloadErr set.
	Keys memo.KeyHolder
	// EVRIssuer, when set, makes acquires and extensions paid in anything
	// but EVR from this issuer not count (ok false): a look-alike currency
	// or issuer never buys a lease. Hosts must set it.
	EVRIssuer string
	// Standard selects the payload framing: zero or URIToken for v0.6
	// (0x00/0x01 frame), NFToken for unframed, always-encrypted payloads.
	Standard Standard
}

// ExtractEvent reads the lease event in tx addressed to self. As the JS
// client (§3.6), it ignores (ok false, nil error) transactions that are not
// validated with tesSUCCESS, not lease events, or not addressed to self: a
// payment's Destination, or for an acquire the token's seller, which must
// also be its issuer. Extensions count only the delivered amount, so a
// partial payment is worth what it delivered.
//
// An error with ok true means the event is real but its payload could not
// be read; the error is also in Event.PayloadErr. An error with ok false is
// a malformed lease event. ExtractEvent never panics on any input.
func ExtractEvent(ctx context.Context, tx evernode.TxResult, self string, opts *ExtractOptions) (ev Event, ok bool, err error) {
	var o ExtractOptions
	if opts != nil {
		o = *opts
	}
	if !tx.Succeeded() || self == "" {
		return Event{}, false, nil
	}
	p, isEv, err := tx.EvernodeParams()
	if err != nil || !isEv {
		return Event{}, false, nil
	}
	ev = Event{Type: p.Event, Hash: tx.Hash, LedgerIndex: tx.LedgerIndex, From: tx.String("Account")}
	memos := tx.Memos()
	var first memo.Memo
	if len(memos) > 0 {
		first = memos[0]
	}
	switch p.Event {
	case memo.EventAcquireLease:
		return extractAcquire(ctx, tx, self, ev, first, &o)
	case memo.EventExtendLease, memo.EventTerminateLease:
		if !isPaymentTo(tx, self) || len(p.Data) != 32 {
			return Event{}, false, nil
		}
		ev.To = self
		ev.TokenID = hexUpper(p.Data)
		if p.Event == memo.EventTerminateLease {
			return ev, true, nil
		}
		amt, err := paidAmount(tx)
		if err != nil {
			return Event{}, false, nil
		}
		if o.EVRIssuer != "" && !amt.IsEVR(o.EVRIssuer) {
			return Event{}, false, nil
		}
		ev.Amount = amt
		return ev, true, nil
	case memo.EventAcquireSuccess, memo.EventAcquireError, memo.EventExtendSuccess, memo.EventExtendError, memo.EventRefund:
		if !isPaymentTo(tx, self) || len(p.Data) != 32 {
			return Event{}, false, nil
		}
		ev.To = self
		ev.Ref = hexUpper(p.Data)
		if amt, err := paidAmount(tx); err == nil {
			ev.Amount = amt
		}
		if p.Event == memo.EventRefund {
			return ev, true, nil
		}
		if first.Type != string(p.Event) {
			return Event{}, false, nil
		}
		switch p.Event {
		case memo.EventAcquireSuccess:
			if first.Format != memo.FormatBase64 || len(first.Data) == 0 {
				return Event{}, false, nil
			}
			ev.Payload = first.Data
			var resp memo.AcquireResponse
			enc, err := openPayload(ctx, o.Keys, first.Data, &resp, o.Standard)
			ev.Encrypted = enc
			if err != nil {
				ev.PayloadErr = err
				return ev, true, err
			}
			if err := resp.Content.Validate(); err != nil {
				ev.PayloadErr = fmt.Errorf("%w: %v", ErrMalformed, err)
				return ev, true, ev.PayloadErr
			}
			ev.Instance = &resp.Content
		case memo.EventExtendSuccess:
			if first.Format != memo.FormatHex {
				return Event{}, false, nil
			}
			m, err := memo.DecodeExpiryMoment(first.Data)
			if err != nil {
				return Event{}, false, fmt.Errorf("%w: expiry moment: %v", ErrMalformed, err)
			}
			ev.ExpiryMoment = m
		default: // errors: whatever the reason's shape, it reaches the caller
			r := memo.ParseErrorReason(first)
			ev.Reason, ev.RawReason = r.Text, r.Raw
		}
		return ev, true, nil
	}
	return Event{}, false, nil
}

func extractAcquire(ctx context.Context, tx evernode.TxResult, self string, ev Event, first memo.Memo, o *ExtractOptions) (Event, bool, error) {
	if first.Type != string(memo.EventAcquireLease) || first.Format != memo.FormatBase64 || len(first.Data) == 0 {
		return Event{}, false, nil
	}
	std := URIToken
	switch tx.Type() {
	case "URITokenBuy":
		id := strings.ToUpper(tx.String("URITokenID"))
		final, prev, ok := modifiedNode(tx.Meta, "URIToken", id)
		if !ok {
			return Event{}, false, nil
		}
		seller, _ := prev["Owner"].(string)
		issuer, _ := final["Issuer"].(string)
		if seller != self || issuer != self {
			return Event{}, false, nil
		}
		offer, err := evernode.AmountFromJSON(prev["Amount"])
		if err != nil {
			return Event{}, false, nil
		}
		paid, err := tx.Amount("Amount")
		if err != nil {
			return Event{}, false, nil
		}
		uriHex, _ := final["URI"].(string)
		u, err := ParseURIHex(uriHex)
		if err != nil {
			return Event{}, false, nil
		}
		ev.TokenID, ev.OfferAmount, ev.Amount, ev.URI = id, offer, paid, &u
	case "NFTokenAcceptOffer":
		std = NFToken
		offerID := strings.ToUpper(tx.String("NFTokenSellOffer"))
		fields, ok := deletedNode(tx.Meta, "NFTokenOffer", offerID)
		if !ok {
			return Event{}, false, nil
		}
		seller, _ := fields["Owner"].(string)
		nftID, _ := fields["NFTokenID"].(string)
		if seller != self || !nftIssuedBy(nftID, self) {
			return Event{}, false, nil
		}
		offer, err := evernode.AmountFromJSON(fields["Amount"])
		if err != nil {
			return Event{}, false, nil
		}
		ev.TokenID, ev.OfferID, ev.OfferAmount, ev.Amount = strings.ToUpper(nftID), offerID, offer, offer
		if uriHex, ok := nftURIFromMeta(tx.Meta, ev.TokenID); ok {
			if u, err := ParseURIHex(uriHex); err == nil {
				ev.URI = &u
			}
		}
	default:
		return Event{}, false, nil
	}
	if o.EVRIssuer != "" && !ev.Amount.IsEVR(o.EVRIssuer) {
		return Event{}, false, nil
	}
	ev.To = self
	ev.Payload = first.Data
	if o.Standard == NFToken {
		std = NFToken
	}
	var req memo.Requirement
	enc, err := openPayload(ctx, o.Keys, first.Data, &req, std)
	ev.Encrypted = enc
	if err != nil {
		ev.PayloadErr = err
		return ev, true, err
	}
	ev.Requirement = &req
	return ev, true, nil
}

// openPayload opens an acquire or answer payload: framed (v0.6) or, for
// NFTokens, the unframed base64 ciphertext of the 0.5 protocol.
func openPayload(ctx context.Context, kh memo.KeyHolder, data []byte, v any, std Standard) (bool, error) {
	if std == NFToken {
		if kh == nil {
			return true, fmt.Errorf("%w: encrypted payload and no key", memo.ErrDecrypt)
		}
		return true, memo.DecryptJSON(ctx, kh, string(data), v)
	}
	if kh == nil {
		// A nil holder is fine for a plain frame; never call it for an
		// encrypted one.
		if raw, err := decodeBase64(data); err == nil && len(raw) > 0 && raw[0] == memo.FrameEncrypted {
			return true, fmt.Errorf("%w: encrypted payload and no key", memo.ErrDecrypt)
		}
	}
	return memo.OpenPayload(ctx, kh, data, v)
}

func isPaymentTo(tx evernode.TxResult, self string) bool {
	return tx.Type() == "Payment" && tx.String("Destination") == self
}

// paidAmount is what a payment delivered: delivered_amount when the
// metadata has it (always for partial payments), else Amount for a payment
// that cannot be partial.
func paidAmount(tx evernode.TxResult) (evernode.Amount, error) {
	if a, err := tx.DeliveredAmount(); err == nil {
		return a, nil
	}
	flags, _ := tx.Uint("Flags")
	if uint32(flags)&evernode.TfPartialPayment != 0 {
		return evernode.Amount{}, errors.New("partial payment without delivered amount")
	}
	return tx.Amount("Amount")
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func affected(meta map[string]any) []map[string]any {
	list, _ := meta["AffectedNodes"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func modifiedNode(meta map[string]any, typ, index string) (final, prev map[string]any, ok bool) {
	for _, n := range affected(meta) {
		m, _ := n["ModifiedNode"].(map[string]any)
		if m == nil || m["LedgerEntryType"] != typ {
			continue
		}
		if idx, _ := m["LedgerIndex"].(string); !strings.EqualFold(idx, index) {
			continue
		}
		final, _ = m["FinalFields"].(map[string]any)
		prev, _ = m["PreviousFields"].(map[string]any)
		return final, prev, final != nil && prev != nil
	}
	return nil, nil, false
}

func deletedNode(meta map[string]any, typ, index string) (map[string]any, bool) {
	for _, n := range affected(meta) {
		m, _ := n["DeletedNode"].(map[string]any)
		if m == nil || m["LedgerEntryType"] != typ {
			continue
		}
		if idx, _ := m["LedgerIndex"].(string); !strings.EqualFold(idx, index) {
			continue
		}
		f, _ := m["FinalFields"].(map[string]any)
		return f, f != nil
	}
	return nil, false
}

// nftURIFromMeta finds an NFToken's URI in the NFTokenPage entries the
// transaction touched.
func nftURIFromMeta(meta map[string]any, id string) (string, bool) {
	for _, n := range affected(meta) {
		for _, kind := range []string{"ModifiedNode", "CreatedNode", "DeletedNode"} {
			m, _ := n[kind].(map[string]any)
			if m == nil || m["LedgerEntryType"] != "NFTokenPage" {
				continue
			}
			for _, f := range []string{"FinalFields", "NewFields", "PreviousFields"} {
				fields, _ := m[f].(map[string]any)
				list, _ := fields["NFTokens"].([]any)
				for _, it := range list {
					w, _ := it.(map[string]any)
					tok, _ := w["NFToken"].(map[string]any)
					if tid, _ := tok["NFTokenID"].(string); strings.EqualFold(tid, id) {
						if u, ok := tok["URI"].(string); ok {
							return u, true
						}
					}
				}
			}
		}
	}
	return "", false
}

// nftIssuedBy reports whether an NFTokenID (flags 2, fee 2, issuer 20,
// taxon 4, sequence 4) names issuer.
func nftIssuedBy(id, issuer string) bool {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 32 {
		return false
	}
	a, err := hook.ParseAccountID(issuer)
	return err == nil && [20]byte(b[4:24]) == [20]byte(a)
}
