package hotpocket

import "crypto/ed25519"

// The helpers below are exported for package contract (the client side of the same wire
// format) so that both sides share one definition.

// ParsePublicKey decodes an "ed"-prefixed hex public key (66 chars) to the raw 32-byte key.
func ParsePublicKey(s string) (ed25519.PublicKey, error) { return parsePublicKey(s) }

// PublicKeyHex returns the "ed"-prefixed lowercase hex form of a public key.
func PublicKeyHex(pub ed25519.PublicKey) string { return pubKeyHex(pub) }

// Hash is HotPocket's list hash: BLAKE3-256 over the concatenation of parts.
func Hash(parts ...[]byte) []byte { return hash32(parts...) }

// IsJSONLiteral reports whether hpcore embeds an output unescaped in a JSON-protocol message
// (the inverse of its is_json_string); other outputs are escaped into a JSON string.
func IsJSONLiteral(b []byte) bool { return looksLikeJSON(b) }
