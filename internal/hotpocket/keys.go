package hotpocket

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// keyPrefix is HotPocket's key-type byte for ed25519 (crypto::KEYPFX_ed25519).
const keyPrefix = 0xED

// parsePrivateKey decodes an "ed"-prefixed hex private key (130 chars: seed ‖ public key).
func parsePrivateKey(s string) (ed25519.PrivateKey, error) {
	if len(s) != 130 {
		return nil, fmt.Errorf("%w: private key must be 130 hex chars", ErrKey)
	}
	b, err := hex.DecodeString(s)
	if err != nil || b[0] != keyPrefix {
		return nil, fmt.Errorf("%w: private key must be ed-prefixed hex", ErrKey)
	}
	priv := ed25519.NewKeyFromSeed(b[1:33])
	if string(priv[32:]) != string(b[33:]) {
		return nil, fmt.Errorf("%w: private key halves do not match", ErrKey)
	}
	return priv, nil
}

func privKeyHex(priv ed25519.PrivateKey) string { return "ed" + hex.EncodeToString(priv) }

// prefixed returns the 33-byte wire form of a public key.
func prefixed(pub ed25519.PublicKey) []byte { return append([]byte{keyPrefix}, pub...) }

func sortedStrings(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func lowerHex(b []byte) string { return strings.ToLower(hex.EncodeToString(b)) }

// verifySig never panics: ed25519.Verify does on a wrong-size key.
func verifySig(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
}
