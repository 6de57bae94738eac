package lease

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/internal/xfl"
)

// Prefix starts the binary form of every lease token URI.
const Prefix = "evrlease"

// versionTag follows Prefix in versioned (LTV) URIs.
const versionTag = "LTV"

// DefaultTOSHash is the SHA-256 of the Evernode hosting principles that
// hosts commit to (sashimono's TOS_HASH); a lease URI carries its first half.
const DefaultTOSHash = "0801677EBCB2F76EF97D531549D8B27DB2C7A4A8EE7F60032AE40184247F0810"

// Layout is the binary layout of a lease URI.
type Layout int

const (
	// LayoutLTV1 is the versioned v0.6 layout (60 bytes, stored as base64
	// text in the URIToken's URI): "evrlease" ‖ "LTV" ‖ version u16 ‖
	// index u16 ‖ half TOS hash 16 ‖ price XFL ‖ identifier u32 ‖ IP 17.
	LayoutLTV1 Layout = iota + 1
	// LayoutUnversioned is the layout of older v0.6 hosts (55 bytes, base64
	// text): "evrlease" ‖ index ‖ half TOS hash ‖ price ‖ identifier ‖ IP.
	LayoutUnversioned
	// LayoutNFT is the NFToken-era layout (34 raw bytes in the NFToken
	// URI): "evrlease" ‖ index ‖ half TOS hash ‖ price.
	LayoutNFT
)

// String returns "LTV1", "unversioned" or "nft".
func (l Layout) String() string {
	switch l {
	case LayoutLTV1:
		return "LTV1"
	case LayoutUnversioned:
		return "unversioned"
	case LayoutNFT:
		return "nft"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

const (
	lenLTV1        = 60
	lenUnversioned = 55
	lenNFT         = 34
)

// URI is a decoded lease token URI. The zero Layout means LayoutLTV1.
type URI struct {
	Layout Layout
	// Version is the LTV version; zero means 1 when building. Only
	// LayoutLTV1 carries it.
	Version uint16
	// Index is the host's lease (instance slot) number.
	Index uint16
	// HalfTOS is the first half of the hosting terms hash.
	HalfTOS [16]byte
	// Price is the per-moment lease price in EVR, as exact decimal text.
	Price string
	// Identifier makes re-minted URIs unique (the host's account Sequence
	// at mint time). Absent in LayoutNFT and in short unversioned URIs.
	Identifier uint32
	// OutboundIP is the instance's outbound IPv6 address; the zero Addr
	// means none.
	OutboundIP netip.Addr
}

// HalfTOS returns the first half of a 32-byte TOS hash given as 64 hex
// digits, what a lease URI carries.
func HalfTOS(tosHashHex string) ([16]byte, error) {
	var h [16]byte
	b, err := hex.DecodeString(tosHashHex)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("%w: TOS hash must be 64 hex digits", ErrInvalid)
	}
	copy(h[:], b)
	return h, nil
}

// Bytes returns the binary form of the URI, at the full length of its layout.
func (u URI) Bytes() ([]byte, error) {
	amt, err := xfl.Encode(u.Price)
	if err != nil {
		return nil, fmt.Errorf("%w: price %q: %v", ErrInvalid, u.Price, err)
	}
	if neg, _, _, _ := xfl.Parts(amt); neg {
		return nil, fmt.Errorf("%w: negative price %q", ErrInvalid, u.Price)
	}
	var ip [17]byte
	if u.OutboundIP.IsValid() {
		if !u.OutboundIP.Is6() || u.OutboundIP.Zone() != "" {
			return nil, fmt.Errorf("%w: outbound IP %v is not a plain IPv6 address", ErrInvalid, u.OutboundIP)
		}
		ip[0] = 6
		a := u.OutboundIP.As16()
		copy(ip[1:], a[:])
	}
	b := make([]byte, 0, lenLTV1)
	b = append(b, Prefix...)
	switch u.Layout {
	case 0, LayoutLTV1:
		v := u.Version
		if v == 0 {
			v = 1
		}
		b = append(b, versionTag...)
		b = binary.BigEndian.AppendUint16(b, v)
	case LayoutUnversioned, LayoutNFT:
	default:
		return nil, fmt.Errorf("%w: unknown layout %d", ErrInvalid, u.Layout)
	}
	b = binary.BigEndian.AppendUint16(b, u.Index)
	b = append(b, u.HalfTOS[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(amt))
	if u.Layout == LayoutNFT {
		if u.Identifier != 0 || u.OutboundIP.IsValid() {
			return nil, fmt.Errorf("%w: the NFT layout has no identifier or IP", ErrInvalid)
		}
		return b, nil
	}
	b = binary.BigEndian.AppendUint32(b, u.Identifier)
	return append(b, ip[:]...), nil
}

// Field returns what goes in the token's URI field: the base64 text of the
// binary form for URITokens (evernode-js-client mints with isHexUri false),
// the binary form itself for NFTokens.
func (u URI) Field() ([]byte, error) {
	b, err := u.Bytes()
	if err != nil || u.Layout == LayoutNFT {
		return b, err
	}
	return []byte(base64.StdEncoding.EncodeToString(b)), nil
}

// OutboundIPString renders the outbound IP the way the JS client does: 32
// upper-case hex digits in groups of four ("2001:0DB8:…"); "" when none.
func (u URI) OutboundIPString() string {
	if !u.OutboundIP.IsValid() {
		return ""
	}
	a := u.OutboundIP.As16()
	h := strings.ToUpper(hex.EncodeToString(a[:]))
	var sb strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+4])
	}
	return sb.String()
}

// ParseURI decodes a lease URI from the bytes of a token's URI field (not
// hex): base64 text of the v0.6 layouts, or the raw NFT-era layout. It
// accepts what evernode-js-client's decodeLeaseTokenUri reads: the
// identifier and IP of v0.6 URIs may be missing (they then decode as zero,
// and Bytes writes the full layout back). It fails with ErrNotLease for
// anything that is not a lease URI.
func ParseURI(field []byte) (URI, error) {
	if bytes.HasPrefix(field, []byte(Prefix)) {
		return parseBinary(field, LayoutNFT)
	}
	raw, err := decodeBase64(field)
	if err != nil || !bytes.HasPrefix(raw, []byte(Prefix)) {
		return URI{}, ErrNotLease
	}
	if bytes.HasPrefix(raw[len(Prefix):], []byte(versionTag)) {
		return parseBinary(raw, LayoutLTV1)
	}
	return parseBinary(raw, LayoutUnversioned)
}

// ParseURIHex is ParseURI for the hex form of the URI field the ledger APIs
// show.
func ParseURIHex(s string) (URI, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return URI{}, ErrNotLease
	}
	return ParseURI(b)
}

// IsLeaseURI reports whether a URI field holds a lease URI (its binary form
// starts with "evrlease"), the test of EvernodeHelpers.getLeases.
func IsLeaseURI(field []byte) bool {
	if bytes.HasPrefix(field, []byte(Prefix)) {
		return true
	}
	raw, err := decodeBase64(field)
	return err == nil && bytes.HasPrefix(raw, []byte(Prefix))
}

// decodeBase64 reads standard base64 with or without padding, as Node's
// Buffer does for well-formed input.
func decodeBase64(b []byte) ([]byte, error) {
	s := strings.TrimRight(string(b), "=")
	return base64.RawStdEncoding.DecodeString(s)
}

func parseBinary(b []byte, l Layout) (URI, error) {
	u := URI{Layout: l}
	off := len(Prefix)
	if l == LayoutLTV1 {
		if len(b) < off+5 {
			return URI{}, fmt.Errorf("%w: truncated", ErrNotLease)
		}
		u.Version = binary.BigEndian.Uint16(b[off+3:])
		off += 5
	}
	if len(b) < off+2+16+8 {
		return URI{}, fmt.Errorf("%w: truncated", ErrNotLease)
	}
	u.Index = binary.BigEndian.Uint16(b[off:])
	copy(u.HalfTOS[:], b[off+2:])
	off += 18
	amt := int64(binary.BigEndian.Uint64(b[off:]))
	price, err := xfl.Decode(amt)
	if err != nil {
		return URI{}, fmt.Errorf("%w: price: %v", ErrNotLease, err)
	}
	u.Price = price
	off += 8
	if l == LayoutNFT {
		if len(b) != lenNFT {
			return URI{}, fmt.Errorf("%w: NFT URI of %d bytes", ErrNotLease, len(b))
		}
		return u, nil
	}
	if len(b) >= off+4 {
		u.Identifier = binary.BigEndian.Uint32(b[off:])
		off += 4
	}
	if len(b) >= off+17 && b[off] == 6 {
		u.OutboundIP = netip.AddrFrom16([16]byte(b[off+1 : off+17]))
	}
	return u, nil
}

// TokenID returns the id of the URIToken issuer mints with the URI field
// bytes field: SHA-512Half(0x0055 ‖ issuer ‖ field), upper-case hex.
func TokenID(issuer string, field []byte) (string, error) {
	a, err := hook.ParseAccountID(issuer)
	if err != nil {
		return "", fmt.Errorf("%w: issuer %q", ErrInvalid, issuer)
	}
	id := hook.URITokenID(a, field)
	return strings.ToUpper(hex.EncodeToString(id[:])), nil
}
