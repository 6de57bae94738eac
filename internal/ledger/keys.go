package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"strings"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"

	"github.com/evernode-go/sdk/internal/codec"
)

// AccountID is the 20-byte identifier behind a classic address.
type AccountID [20]byte

// Hash is a 256-bit ledger index or transaction hash.
type Hash [32]byte

// String returns the hash as uppercase hex, the form the APIs use.
func (h Hash) String() string { return upperHex(h[:]) }

// IsZero reports whether every byte is zero.
func (h Hash) IsZero() bool { return h == Hash{} }

// String returns the classic address.
func (a AccountID) String() string {
	s, err := addresscodec.EncodeAccountIDToClassicAddress(a[:])
	if err != nil {
		return ""
	}
	return s
}

// ParseAccount decodes a classic address.
func ParseAccount(s string) (AccountID, bool) {
	id, ok := codec.DecodeAddress(s)
	return AccountID(id), ok
}

// ParseHash decodes 64 hex digits.
func ParseHash(s string) (Hash, bool) {
	var h Hash
	if len(s) != 64 {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// Ledger name spaces (rippled's LedgerNameSpace, as 16-bit big-endian prefixes).
const (
	spaceAccount      = 'a'
	spaceDirNode      = 'd'
	spaceTrustLine    = 'r'
	spaceOwnerDir     = 'O'
	spaceHookStateDir = 'J'
	spaceHookState    = 'v'
	spaceHook         = 'H'
	spaceNFTOffer     = 'q'
	spaceNFTBuyDir    = 'h'
	spaceNFTSellDir   = 'i'
	spaceURIToken     = 'U'
	spaceFeeSettings  = 'e'
	spaceNFTPage      = 'P' // only the page minimum, rippled builds page keys from the account
)

func indexHash(space byte, parts ...[]byte) Hash {
	all := make([][]byte, 0, len(parts)+1)
	all = append(all, []byte{0, space})
	all = append(all, parts...)
	return Hash(codec.SHA512Half(all...))
}

// AccountKey is the AccountRoot index of a.
func AccountKey(a AccountID) Hash { return indexHash(spaceAccount, a[:]) }

// OwnerDirKey is the root of a's owner directory.
func OwnerDirKey(a AccountID) Hash { return indexHash(spaceOwnerDir, a[:]) }

// DirPageKey is page n of the directory rooted at root (page 0 is the root).
func DirPageKey(root Hash, n uint64) Hash {
	if n == 0 {
		return root
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return indexHash(spaceDirNode, root[:], b[:])
}

// TrustLineKey is the RippleState index of the line between a and b in
// currency (its 20-byte code).
func TrustLineKey(a, b AccountID, currency [20]byte) Hash {
	lo, hi := a, b
	if lessAccount(hi, lo) {
		lo, hi = hi, lo
	}
	return indexHash(spaceTrustLine, lo[:], hi[:], currency[:])
}

// HookStateKey is the HookState index: SHA-512Half(0x0076 ‖ account ‖ key ‖ namespace).
func HookStateKey(a AccountID, key, ns Hash) Hash {
	return indexHash(spaceHookState, a[:], key[:], ns[:])
}

// HookStateDirKey is the root of a's directory of state in namespace ns.
func HookStateDirKey(a AccountID, ns Hash) Hash { return indexHash(spaceHookStateDir, a[:], ns[:]) }

// HookKey is the Hook object index of a.
func HookKey(a AccountID) Hash { return indexHash(spaceHook, a[:]) }

// URITokenKey is the URIToken index: SHA-512Half(0x0055 ‖ issuer ‖ URI).
func URITokenKey(issuer AccountID, uri []byte) Hash { return indexHash(spaceURIToken, issuer[:], uri) }

// NFTOfferKey is the NFTokenOffer index created by owner's transaction seq.
func NFTOfferKey(owner AccountID, seq uint32) Hash {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], seq)
	return indexHash(spaceNFTOffer, owner[:], b[:])
}

// NFTBuyDirKey and NFTSellDirKey are the offer directories of a token.
func NFTBuyDirKey(id Hash) Hash  { return indexHash(spaceNFTBuyDir, id[:]) }
func NFTSellDirKey(id Hash) Hash { return indexHash(spaceNFTSellDir, id[:]) }

// NFTPageKey is the index of owner's last (only) NFToken page: the account
// followed by 12 bytes of 0xFF, as rippled's keylet::nftpage_max.
func NFTPageKey(owner AccountID) Hash {
	var h Hash
	copy(h[:], owner[:])
	for i := 20; i < 32; i++ {
		h[i] = 0xFF
	}
	return h
}

// FeeSettingsKey is the FeeSettings singleton's index.
func FeeSettingsKey() Hash { return indexHash(spaceFeeSettings) }

func lessAccount(a, b AccountID) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// accountOne is rippled's noAccount-like placeholder issuer shown in RippleState balances.
const accountOne = "rrrrrrrrrrrrrrrrrrrrBZbvji"

// currencyCode returns the 20-byte currency code of a JSON currency: a
// three-letter ISO-like code or 40 hex digits.
func currencyCode(s string) ([20]byte, bool) {
	var c [20]byte
	if len(s) == 3 {
		if s == "XRP" {
			return c, false
		}
		for i := 0; i < 3; i++ {
			ch := s[i]
			if ch < 0x20 || ch > 0x7E {
				return c, false
			}
		}
		copy(c[12:], s)
		return c, true
	}
	if len(s) == 40 {
		if _, err := hex.Decode(c[:], []byte(s)); err != nil {
			return c, false
		}
		if c == [20]byte{} {
			return c, false
		}
		return c, true
	}
	return c, false
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
