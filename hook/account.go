package hook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/bits"
	"strings"

	"github.com/evernode-go/sdk/internal/codec"
)

// AccountID is the 20-byte identifier behind a classic address. Hook state
// stores accounts in this form.
type AccountID [20]byte

// ParseAccountID decodes a classic address ("r…").
func ParseAccountID(address string) (AccountID, error) {
	id, ok := codec.DecodeAddress(address)
	if !ok {
		return AccountID{}, invalid("address", "%q is not a classic address", address)
	}
	return id, nil
}

// String returns the classic address. It is hand-rolled rather than taken
// from the address codec because listing every host encodes thousands of
// addresses and the generic base58 is several times slower.
func (a AccountID) String() string { return encodeAddress(a, nil) }

// Hex returns the account ID as upper-case hex.
func (a AccountID) Hex() string { return upperHex(a[:]) }

// IsZero reports whether every byte is zero.
func (a AccountID) IsZero() bool { return a == AccountID{} }

// MarshalJSON writes the classic address.
func (a AccountID) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

const xrplAlphabet = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

// encodeAddress is base58check over 0x00 ‖ id ‖ checksum with the XRPL
// alphabet. The 25-byte number is held in four 64-bit limbs and divided by
// 58^10 at a time, which keeps it to a handful of hardware divisions.
func encodeAddress(id AccountID, ar *textArena) string {
	var payload [25]byte
	copy(payload[1:21], id[:])
	h1 := sha256.Sum256(payload[:21])
	h2 := sha256.Sum256(h1[:])
	copy(payload[21:], h2[:4])

	// Big-endian limbs: limb[0] holds the top 8 bits (of 200).
	var limb [4]uint64
	limb[0] = uint64(payload[0])
	for i := 0; i < 3; i++ {
		var v uint64
		for _, b := range payload[1+8*i : 9+8*i] {
			v = v<<8 | uint64(b)
		}
		limb[i+1] = v
	}
	const base10 = 430804206899405824 // 58^10
	var out [40]byte
	pos := len(out)
	for limb != [4]uint64{} {
		var rem uint64
		for i := range limb {
			limb[i], rem = bits.Div64(rem, limb[i], base10)
		}
		for range 10 {
			pos--
			out[pos] = xrplAlphabet[rem%58]
			rem /= 58
		}
	}
	// Drop the padding digits the fixed 10-digit groups produced, then add
	// one leading 'r' per leading zero byte (the 0x00 type prefix at least).
	for pos < len(out) && out[pos] == xrplAlphabet[0] {
		pos++
	}
	for _, b := range payload {
		if b != 0 {
			break
		}
		pos--
		out[pos] = xrplAlphabet[0]
	}
	return ar.str(out[pos:])
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// decodeHex32 reads exactly 32 bytes of hex.
func decodeHex32(s string) ([32]byte, bool) {
	var out [32]byte
	if len(s) != 64 {
		return out, false
	}
	_, err := hex.Decode(out[:], []byte(s))
	return out, err == nil
}

func hexLower(b []byte) string { return hex.EncodeToString(b) }
