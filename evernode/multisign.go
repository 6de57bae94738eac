package evernode

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"

	"github.com/evernode-go/sdk/internal/codec"
)

// ErrMultisign is wrapped by the errors of the multi-signing functions.
var ErrMultisign = errors.New("evernode: multisign")

// SignerEntry is one signer's signature of a multi-signed transaction: the
// account of the signer list it signs as, and the key that signed (the
// account's master key or its regular key).
type SignerEntry struct {
	Account       string
	SigningPubKey []byte
	TxnSignature  []byte
}

// accountID decodes a classic address.
func accountID(address string) ([]byte, error) {
	_, id, err := addresscodec.DecodeClassicAddressToAccountID(address)
	if err != nil || len(id) != 20 {
		return nil, fmt.Errorf("%w: %q is not a classic address", ErrMultisign, address)
	}
	return id, nil
}

// multisignForm returns tx's JSON with SigningPubKey empty and without
// signatures, and the bytes signer signs: "SMT\0" ‖ the signing fields ‖
// the signer's account ID.
func multisignForm(n Network, tx Transaction, signer string) (map[string]any, []byte, error) {
	id, err := accountID(signer)
	if err != nil {
		return nil, nil, err
	}
	m, err := JSON(n, tx)
	if err != nil {
		return nil, nil, err
	}
	m["SigningPubKey"] = ""
	delete(m, "TxnSignature")
	delete(m, "Signers")
	msg, err := n.defs().EncodeForMultisigning(m, id)
	if err != nil {
		return nil, nil, err
	}
	return m, msg, nil
}

// EncodeForMultisigning returns the bytes the signer account signs when
// it takes part in multi-signing tx.
func EncodeForMultisigning(n Network, tx Transaction, signer string) ([]byte, error) {
	_, msg, err := multisignForm(n, tx, signer)
	return msg, err
}

// SignFor signs tx with s as one signer of a multi-signed transaction, on
// behalf of account (the signer-list entry; s holds its master or regular
// key). The signature is checked before it is returned. Every signer must
// sign the same transaction: Fee, Sequence and LastLedgerSequence set
// (MultisignFee), SigningPubKey left empty.
func SignFor(ctx context.Context, n Network, s Signer, account string, tx Transaction) (SignerEntry, error) {
	_, msg, err := multisignForm(n, tx, account)
	if err != nil {
		return SignerEntry{}, err
	}
	pub := s.PublicKey()
	sig, err := s.Sign(ctx, msg)
	if err != nil {
		return SignerEntry{}, fmt.Errorf("evernode: sign %s for %s: %w", tx.TxType(), account, err)
	}
	if !VerifySignature(pub, msg, sig) {
		return SignerEntry{}, fmt.Errorf("%w: %s for %s", ErrSignature, tx.TxType(), account)
	}
	return SignerEntry{Account: account, SigningPubKey: pub, TxnSignature: sig}, nil
}

// Multisign combines the signers' entries into the submittable
// transaction: SigningPubKey empty and a Signers array sorted by account
// ID, as rippled requires. Each signature is verified against tx; an
// entry twice for one account, or none at all, is an error. The fee is the
// caller's: MultisignFee gives what the network asks.
func Multisign(n Network, tx Transaction, entries []SignerEntry) (Signed, error) {
	if len(entries) == 0 {
		return Signed{}, fmt.Errorf("%w: no signers", ErrMultisign)
	}
	type signer struct {
		id []byte
		e  SignerEntry
	}
	list := make([]signer, 0, len(entries))
	var m map[string]any
	for _, e := range entries {
		form, msg, err := multisignForm(n, tx, e.Account)
		if err != nil {
			return Signed{}, err
		}
		if !VerifySignature(e.SigningPubKey, msg, e.TxnSignature) {
			return Signed{}, fmt.Errorf("%w: the signature of %s does not verify", ErrSignature, e.Account)
		}
		id, _ := accountID(e.Account)
		list = append(list, signer{id, e})
		m = form
	}
	slices.SortFunc(list, func(a, b signer) int { return bytes.Compare(a.id, b.id) })
	signers := make([]any, len(list))
	for i, s := range list {
		if i > 0 && bytes.Equal(list[i-1].id, s.id) {
			return Signed{}, fmt.Errorf("%w: %s signs twice", ErrMultisign, s.e.Account)
		}
		signers[i] = map[string]any{"Signer": map[string]any{
			"Account": s.e.Account, "SigningPubKey": upper(s.e.SigningPubKey), "TxnSignature": upper(s.e.TxnSignature)}}
	}
	m["Signers"] = signers
	blob, err := n.defs().Encode(m)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Blob: blob, Hash: codec.TransactionHash(blob), JSON: m}, nil
}

// CombineMultisigned merges transactions each signed by some of the
// signers (the blobs xrpl.js's sign(tx, true) returns) into one, as
// xrpl.js's multisign does. All must be the same transaction apart from
// their Signers.
func CombineMultisigned(n Network, blobs [][]byte) (Signed, error) {
	if len(blobs) == 0 {
		return Signed{}, fmt.Errorf("%w: no transactions", ErrMultisign)
	}
	var base Raw
	var entries []SignerEntry
	for i, b := range blobs {
		m, err := Decode(n, b)
		if err != nil {
			return Signed{}, fmt.Errorf("%w: transaction %d: %w", ErrMultisign, i, err)
		}
		signers, _ := m["Signers"].([]any)
		if len(signers) == 0 {
			return Signed{}, fmt.Errorf("%w: transaction %d is not multi-signed", ErrMultisign, i)
		}
		for _, s := range signers {
			inner, _ := s.(map[string]any)["Signer"].(map[string]any)
			acct, _ := inner["Account"].(string)
			pub, err1 := hex.DecodeString(fmt.Sprint(inner["SigningPubKey"]))
			sig, err2 := hex.DecodeString(fmt.Sprint(inner["TxnSignature"]))
			if acct == "" || err1 != nil || err2 != nil {
				return Signed{}, fmt.Errorf("%w: transaction %d: malformed Signer", ErrMultisign, i)
			}
			entries = append(entries, SignerEntry{Account: acct, SigningPubKey: pub, TxnSignature: sig})
		}
		delete(m, "Signers")
		if base == nil {
			base = Raw(m)
			continue
		}
		if !sameTx(n, base, m) {
			return Signed{}, fmt.Errorf("%w: transaction %d differs from the first", ErrMultisign, i)
		}
	}
	return Multisign(n, base, entries)
}

// sameTx reports whether two transactions have the same signing fields.
func sameTx(n Network, a, b map[string]any) bool {
	ea, err1 := n.defs().EncodeForSigning(a)
	eb, err2 := n.defs().EncodeForSigning(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// MultisignFee is the fee of a transaction multi-signed by signers: the fee
// it would pay single-signed (what Prepare sets, hook fees included) plus
// the reference base fee for each signer, as rippled charges
// base × (1 + signers).
func MultisignFee(singleFee, baseFee uint64, signers int) uint64 {
	return singleFee + baseFee*uint64(max(signers, 0))
}

// PrepareMultisigned is Prepare for a transaction that signers accounts
// will multi-sign: LastLedgerSequence and NetworkID as Prepare sets them,
// and the Fee raised by MultisignFee with the node's reference fee. Sign it
// with SignFor, combine with Multisign, submit the blob.
//
// Unless set, Sequence is the account's sequence in the current ledger,
// not past those of this client's SubmitAndWait calls in flight (as
// Prepare's is): the client never learns whether a transaction others sign
// is submitted, or when. Nothing is reserved. Set Sequence to prepare
// several at once.
func (c *Client) PrepareMultisigned(ctx context.Context, tx Transaction, signers int) (Raw, error) {
	if signers < 1 {
		return nil, fmt.Errorf("%w: %d signers", ErrMultisign, signers)
	}
	m, err := JSON(c.net, tx)
	if err != nil {
		return nil, err
	}
	_, ticket := m["TicketSequence"]
	if seq, _ := toUint64(m["Sequence"]); seq == 0 && !ticket {
		account, _ := m["Account"].(string)
		info, err := c.AccountInfo(ctx, account, Current)
		if err != nil {
			return nil, err
		}
		m["Sequence"] = info.AccountData.Sequence
	}
	r, err := c.Prepare(ctx, Raw(m))
	if err != nil {
		return nil, err
	}
	single, err := strconv.ParseUint(fmt.Sprint(r["Fee"]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: fee %v", ErrMultisign, r["Fee"])
	}
	ref, err := c.Fee(ctx, nil)
	if err != nil {
		return nil, err
	}
	fee := MultisignFee(single, ref.BaseFee, signers)
	if fee > c.opts.MaxFee {
		return nil, fmt.Errorf("%w: %d drops > %d", ErrFeeTooHigh, fee, c.opts.MaxFee)
	}
	out := Raw(maps.Clone(map[string]any(r)))
	out["Fee"] = strconv.FormatUint(fee, 10)
	out["SigningPubKey"] = ""
	return out, nil
}
