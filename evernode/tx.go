package evernode

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/internal/codec"
	"github.com/evernode-go/sdk/memo"
)

// ErrSignature is returned when a Signer produces a signature that does not
// verify against its own public key.
var ErrSignature = errors.New("evernode: signature does not verify")

// Transaction is a transaction this package can encode: one of the typed
// transactions (Payment, URITokenBuy, …) or Raw.
type Transaction interface {
	// TxType returns the TransactionType name, e.g. "Payment".
	TxType() string
	txJSON(c Chain) (map[string]any, error)
}

// Common holds the fields every transaction has. Zero fields are left out,
// except Fee and Sequence, which are always written.
type Common struct {
	// Account is the sending account's classic address.
	Account string
	// Fee in drops. The ledger client's autofill sets it from the node's
	// fee for this very transaction, which covers hook fees on Xahau.
	Fee uint64
	// Sequence is the account sequence; zero with TicketSequence.
	Sequence uint32
	// LastLedgerSequence bounds when the transaction may validate.
	LastLedgerSequence uint32
	// NetworkID; when zero, the Network's id is used if it is above 1024.
	NetworkID uint32
	// Flags are the transaction's flags (tf… constants).
	Flags          uint32
	SourceTag      *uint32
	TicketSequence uint32
	// Memos travel with the transaction; the hooks do not read them.
	Memos []memo.Memo
	// HookParameters are what Evernode hooks read (Xahau only).
	HookParameters []memo.Param
}

// json writes the common fields. With arrays set, Memos and HookParameters
// are written even when empty, the way evernode-js-client builds Payment,
// TrustSet and (HookParameters only) AccountSet on Xahau.
func (c *Common) json(txType string, memosAlways, paramsAlways bool) map[string]any {
	m := map[string]any{
		"TransactionType": txType,
		"Account":         c.Account,
		"Fee":             strconv.FormatUint(c.Fee, 10),
		"Sequence":        c.Sequence,
	}
	putUint(m, "LastLedgerSequence", c.LastLedgerSequence)
	putUint(m, "NetworkID", c.NetworkID)
	putUint(m, "Flags", c.Flags)
	putUint(m, "TicketSequence", c.TicketSequence)
	if c.SourceTag != nil {
		m["SourceTag"] = *c.SourceTag
	}
	if len(c.Memos) > 0 || memosAlways {
		memos := make([]any, 0, len(c.Memos))
		for _, x := range c.Memos {
			w := x.Wire()
			memos = append(memos, map[string]any{"Memo": map[string]any{
				"MemoType": w.MemoType, "MemoFormat": w.MemoFormat, "MemoData": w.MemoData}})
		}
		m["Memos"] = memos
	}
	if len(c.HookParameters) > 0 || paramsAlways {
		ps := make([]any, 0, len(c.HookParameters))
		for _, p := range c.HookParameters {
			w := p.Wire()
			ps = append(ps, map[string]any{"HookParameter": map[string]any{
				"HookParameterName": w.HookParameterName, "HookParameterValue": w.HookParameterValue}})
		}
		m["HookParameters"] = ps
	}
	return m
}

// SetParams replaces the hook parameters with the Evernode parameters p.
func (c *Common) SetParams(p memo.Params) error {
	ps, err := p.Encode()
	if err != nil {
		return err
	}
	c.HookParameters = ps
	return nil
}

func putUint(m map[string]any, k string, v uint32) {
	if v != 0 {
		m[k] = v
	}
}

func upper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// Raw is a transaction in its JSON form, for types and fields the typed
// transactions do not model (SetHook, EscrowCreate, …). It must include
// TransactionType.
type Raw map[string]any

// TxType returns the TransactionType field.
func (r Raw) TxType() string { s, _ := r["TransactionType"].(string); return s }

func (r Raw) txJSON(Chain) (map[string]any, error) {
	if r.TxType() == "" {
		return nil, errors.New("evernode: raw transaction without TransactionType")
	}
	return maps.Clone(map[string]any(r)), nil
}

// JSON returns the transaction in the JSON form of the XRPL APIs (tx_json),
// with NetworkID filled in from n when the transaction has none and the
// network needs one.
func JSON(n Network, tx Transaction) (map[string]any, error) {
	if tx == nil {
		return nil, errors.New("evernode: nil transaction")
	}
	m, err := tx.txJSON(n.chain())
	if err != nil {
		return nil, err
	}
	if _, ok := m["NetworkID"]; !ok && n.NetworkID > 1024 {
		m["NetworkID"] = n.NetworkID
	}
	return m, nil
}

// Encode returns the binary form of an unsigned transaction.
func Encode(n Network, tx Transaction) ([]byte, error) {
	m, err := JSON(n, tx)
	if err != nil {
		return nil, err
	}
	return n.defs().Encode(m)
}

// EncodeForSigning returns the bytes an external signer signs: the signing
// prefix and the transaction with SigningPubKey set to pub.
func EncodeForSigning(n Network, tx Transaction, pub []byte) ([]byte, error) {
	_, msg, err := signingForm(n, tx, pub)
	return msg, err
}

// signingForm returns the transaction's JSON with SigningPubKey set, and the
// bytes to sign.
func signingForm(n Network, tx Transaction, pub []byte) (map[string]any, []byte, error) {
	m, err := JSON(n, tx)
	if err != nil {
		return nil, nil, err
	}
	m["SigningPubKey"] = upper(pub)
	msg, err := n.defs().EncodeForSigning(m)
	if err != nil {
		return nil, nil, err
	}
	return m, msg, nil
}

// Signed is a signed transaction ready to submit.
type Signed struct {
	// Blob is the binary transaction (tx_blob).
	Blob []byte
	// Hash is the transaction's identifying hash.
	Hash [32]byte
	// JSON is the transaction in its JSON form, signature included.
	JSON map[string]any
}

// BlobHex returns the blob as uppercase hex, the form submit takes.
func (s Signed) BlobHex() string { return upper(s.Blob) }

// HashHex returns the hash as uppercase hex, the form the ledger shows.
func (s Signed) HashHex() string { return upper(s.Hash[:]) }

// Sign signs tx with s for network n. It checks the signature against the
// signer's public key before returning, so a faulty external signer cannot
// produce a transaction the network would reject as temBAD_SIGNATURE.
func Sign(ctx context.Context, n Network, s Signer, tx Transaction) (Signed, error) {
	pub := s.PublicKey()
	m, msg, err := signingForm(n, tx, pub)
	if err != nil {
		return Signed{}, err
	}
	sig, err := s.Sign(ctx, msg)
	if err != nil {
		return Signed{}, fmt.Errorf("evernode: sign %s: %w", tx.TxType(), err)
	}
	return attach(n, tx.TxType(), m, msg, pub, sig)
}

// Attach builds the signed transaction from a signature made elsewhere over
// EncodeForSigning(n, tx, pub). It fails with ErrSignature if the signature
// does not verify.
func Attach(n Network, tx Transaction, pub, sig []byte) (Signed, error) {
	m, msg, err := signingForm(n, tx, pub)
	if err != nil {
		return Signed{}, err
	}
	return attach(n, tx.TxType(), m, msg, pub, sig)
}

// attach verifies sig over msg and encodes m with it.
func attach(n Network, txType string, m map[string]any, msg, pub, sig []byte) (Signed, error) {
	if !VerifySignature(pub, msg, sig) {
		return Signed{}, fmt.Errorf("%w: %s", ErrSignature, txType)
	}
	m["TxnSignature"] = upper(sig)
	blob, err := n.defs().Encode(m)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Blob: blob, Hash: codec.TransactionHash(blob), JSON: m}, nil
}

// Decode reads a binary transaction into its JSON form.
func Decode(n Network, blob []byte) (map[string]any, error) {
	return n.defs().Decode(blob)
}

// TransactionHash returns the hash of a binary transaction, signed or not
// (hook-emitted transactions carry no signature).
func TransactionHash(blob []byte) [32]byte { return codec.TransactionHash(blob) }
