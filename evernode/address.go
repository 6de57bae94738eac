package evernode

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/Peersyst/xrpl-go/keypairs"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// ErrPublicKey is returned for bytes that are not an account public key.
var ErrPublicKey = errors.New("evernode: invalid public key")

// AddressFromPublicKey returns the classic address ("r…") of the account
// whose master key is pub: 33 bytes, 0xED ‖ an ed25519 key or a compressed
// secp256k1 point (02/03 ‖ X), the form of SigningPubKey and MessageKey.
// The address is base58check of RIPEMD-160(SHA-256(pub)). A hardware
// wallet or remote signer gives its public key; this names its account
// (the Account of an evernode.Signer that has no Address()).
func AddressFromPublicKey(pub []byte) (string, error) {
	switch {
	case len(pub) != 33:
		return "", fmt.Errorf("%w: %d bytes, want 33", ErrPublicKey, len(pub))
	case pub[0] == 0xED:
	case pub[0] == 0x02 || pub[0] == 0x03:
		if _, err := secp256k1.ParsePubKey(pub); err != nil {
			return "", fmt.Errorf("%w: not a secp256k1 point", ErrPublicKey)
		}
	default:
		return "", fmt.Errorf("%w: prefix %#02x, want ED, 02 or 03", ErrPublicKey, pub[0])
	}
	addr, err := keypairs.DeriveClassicAddress(hex.EncodeToString(pub))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrPublicKey, err)
	}
	return addr, nil
}
