package codec

import "crypto/sha512"

// SHA512Half is the XRPL's hash: the first 32 bytes of SHA-512 over the concatenated parts.
func SHA512Half(parts ...[]byte) [32]byte {
	h := sha512.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// TransactionHash returns a transaction's id, SHA512Half("TXN\0" ‖ blob). Unlike xrpl-go's
// hash.SignTxBlob it does not insist on a signature, so hook-emitted (unsigned) transactions
// hash too.
func TransactionHash(blob []byte) [32]byte {
	return SHA512Half(prefixTxID, blob)
}
