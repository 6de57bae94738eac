package codec

import "slices"

// prefixTxMultiSign is rippled's HashPrefix::txMultiSign, "SMT\0".
var prefixTxMultiSign = []byte{0x53, 0x4D, 0x54, 0x00}

// EncodeForMultisigning returns the bytes the signer with account ID
// signer signs when it takes part in multi-signing tx: the "SMT\0" prefix,
// the transaction's signing fields (as EncodeForSigning) and the signer's
// 20-byte account ID, as rippled's startMultiSigningData and
// finishMultiSigningData build them. tx must carry an empty SigningPubKey.
func (d *Definitions) EncodeForMultisigning(tx map[string]any, signer []byte) ([]byte, error) {
	e := encoder{d: d, buf: slices.Clone(prefixTxMultiSign)}
	if err := e.object(tx, "", true, 0); err != nil {
		return nil, err
	}
	return append(e.buf, signer...), nil
}
