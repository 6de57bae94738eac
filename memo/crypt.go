package memo

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	cryptorand "crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// ErrDecrypt is the only error Open returns for a ciphertext it cannot
// decrypt. Wrong key, tampering, truncation and garbage all look the same so
// that a caller relaying the error cannot become a decryption oracle.
var ErrDecrypt = errors.New("memo: cannot decrypt")

// KeyType is the curve of an account key. It picks the encryption scheme, as
// in evernode-js-client's EncryptionHelper.
type KeyType int

const (
	// KeyEd25519 keys (prefix 0xED) are encrypted to with a libsodium sealed
	// box after conversion to X25519.
	KeyEd25519 KeyType = iota + 1
	// KeySecp256k1 keys (prefix 0x02 or 0x03, and anything that is not
	// ed25519) are encrypted to with eccrypto's ECIES.
	KeySecp256k1
)

// String returns "ed25519" or "secp256k1", the names ripple-keypairs uses.
func (t KeyType) String() string {
	switch t {
	case KeyEd25519:
		return "ed25519"
	case KeySecp256k1:
		return "secp256k1"
	}
	return fmt.Sprintf("KeyType(%d)", int(t))
}

// keyPrefixEd25519 is the byte ripple-keypairs puts before the 32 bytes of an
// ed25519 key, public or private, so the two curves share one 33-byte format.
const keyPrefixEd25519 = 0xED

// PublicKey is an XRPL account public key as it appears in the MessageKey
// account field: 0xED followed by an ed25519 point, or a compressed
// secp256k1 point. The array form keeps keys comparable and copyable; a value
// not made by ParsePublicKey is checked again by Seal.
type PublicKey [33]byte

// ParsePublicKey parses the 66 hex characters (either case) of an account
// public key. It rejects points that do not decode, and ed25519 points that
// libsodium would refuse to convert to X25519 (small order or outside the
// prime-order subgroup), so that a key it accepts can always be encrypted to.
func ParsePublicKey(s string) (PublicKey, error) {
	var k PublicKey
	if len(s) != 2*len(k) {
		return PublicKey{}, fmt.Errorf("memo: public key has %d hex characters, want %d", len(s), 2*len(k))
	}
	if _, err := hex.Decode(k[:], []byte(s)); err != nil {
		return PublicKey{}, errors.New("memo: public key is not hex")
	}
	if k[0] == keyPrefixEd25519 {
		if err := sboxCheckEd25519(k); err != nil {
			return PublicKey{}, err
		}
		return k, nil
	}
	if k[0] != 0x02 && k[0] != 0x03 {
		return PublicKey{}, errors.New("memo: public key must start with ED, 02 or 03")
	}
	if _, err := secp256k1.ParsePubKey(k[:]); err != nil {
		return PublicKey{}, errors.New("memo: public key is not a secp256k1 point")
	}
	return k, nil
}

// Type reports the scheme used for k. Like EncryptionHelper, anything that
// does not start with 0xED counts as secp256k1.
func (k PublicKey) Type() KeyType {
	if k[0] == keyPrefixEd25519 {
		return KeyEd25519
	}
	return KeySecp256k1
}

// String returns k in upper-case hex, the way the ledger shows MessageKey.
func (k PublicKey) String() string {
	return strings.ToUpper(hex.EncodeToString(k[:]))
}

// KeyHolder holds a message private key: the account key whose public half
// is the account's MessageKey. Open needs only one Diffie-Hellman step with
// it, so a hardware wallet or a remote signer can implement KeyHolder
// without exporting the key; Open does the hashing, key derivation and
// decryption itself. Implementations must be safe for concurrent use if
// Open is called concurrently with them.
//
// What SharedSecret must compute, exactly:
//
//   - ed25519 (PublicKey starts with 0xED): peer is the sender's ephemeral
//     X25519 public key, the sealed box's first 32 bytes. Return
//     X25519(a, peer), the raw 32-byte little-endian u-coordinate, not
//     hashed, where a is the account's ed25519 secret converted as
//     libsodium's crypto_sign_ed25519_sk_to_curve25519 does: the first 32
//     bytes of SHA-512 of the 32-byte ed25519 secret (seed), clamped as
//     RFC 7748 says (the scalar ed25519 signing uses). Refuse a peer of small
//     order (an all-zero result) with an error wrapping ErrDecrypt.
//   - secp256k1 (02 or 03): peer is the sender's ephemeral key as a 65-byte
//     uncompressed point 0x04 ‖ X ‖ Y, already checked to be on the curve.
//     Return the X coordinate of d·peer (d the account's private scalar) as
//     32 big-endian bytes, leading zero bytes included: Open strips them
//     before hashing, as eccrypto does.
//
// The key is the one whose public half is PublicKey (the MessageKey), not a
// regular key that only signs. ExampleKeyHolder shows a holder computing
// both from raw key material.
type KeyHolder interface {
	// PublicKey returns the account public key the holder decrypts for; its
	// type picks the scheme Open uses.
	PublicKey() PublicKey

	// SharedSecret performs the Diffie-Hellman step above with the holder's
	// key.
	//
	// An error that means the peer key is unusable should wrap ErrDecrypt,
	// and Open then reports plain ErrDecrypt. Other errors (a device that is
	// unplugged, a user who refused) reach Open's caller wrapped.
	SharedSecret(ctx context.Context, peer []byte) ([]byte, error)
}

// PrivateKey is a message private key held in memory: the software
// KeyHolder. Its zero value holds no key. It is safe for concurrent use.
type PrivateKey struct {
	pub PublicKey
	// For ed25519, the X25519 key converted once at parse time, with its
	// public half: deriving them on every Open would double its cost.
	x    *ecdh.PrivateKey
	xPub [32]byte
	// For secp256k1, the scalar.
	sec *secp256k1.PrivateKey
}

// ParsePrivateKey parses the 66 hex characters of a ripple-keypairs private
// key: ED followed by an ed25519 seed, or 00 followed by a secp256k1 scalar.
// Errors never contain key material.
func ParsePrivateKey(s string) (*PrivateKey, error) {
	var b [33]byte
	defer clear(b[:])
	if len(s) != 2*len(b) {
		return nil, fmt.Errorf("memo: private key has %d hex characters, want %d", len(s), 2*len(b))
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return nil, errors.New("memo: private key is not hex")
	}
	k := new(PrivateKey)
	switch b[0] {
	case keyPrefixEd25519:
		edPriv := ed25519.NewKeyFromSeed(b[1:])
		k.pub[0] = keyPrefixEd25519
		copy(k.pub[1:], edPriv[ed25519.SeedSize:])
		clear(edPriv)
		// libsodium's crypto_sign_ed25519_sk_to_curve25519.
		h := sha512.Sum512(b[1:])
		h[0] &= 248
		h[31] &= 127
		h[31] |= 64
		x, err := ecdh.X25519().NewPrivateKey(h[:32])
		clear(h[:])
		if err != nil {
			return nil, errors.New("memo: invalid ed25519 private key")
		}
		k.x = x
		copy(k.xPub[:], x.PublicKey().Bytes())
	case 0x00:
		var sc secp256k1.ModNScalar
		if overflow := sc.SetByteSlice(b[1:]); overflow || sc.IsZero() {
			sc.Zero()
			return nil, errors.New("memo: secp256k1 private key is out of range")
		}
		k.sec = secp256k1.NewPrivateKey(&sc)
		sc.Zero()
		copy(k.pub[:], k.sec.PubKey().SerializeCompressed())
	default:
		return nil, errors.New("memo: private key must start with ED or 00")
	}
	return k, nil
}

// PublicKey returns the account public key that matches k.
func (k *PrivateKey) PublicKey() PublicKey {
	if k == nil {
		return PublicKey{}
	}
	return k.pub
}

// SharedSecret implements KeyHolder. A software key never waits, so ctx is
// only checked once.
func (k *PrivateKey) SharedSecret(ctx context.Context, peer []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case k == nil || k.x == nil && k.sec == nil:
		return nil, errors.New("memo: PrivateKey holds no key")
	case k.sec != nil:
		return eciesSharedX(k.sec, peer)
	default:
		return sboxSharedSecret(k.x, peer)
	}
}

// SealOptions makes secp256k1 output deterministic, for known-answer tests
// and for callers that must reproduce evernode-js-client output (TenantClient
// passes options.iv and options.ephemPrivateKey through). A nil
// *SealOptions, or a nil field, means random values read from Seal's rand.
// Both fields are ignored for ed25519 recipients, as EncryptionHelper ignores
// them: a sealed box has no IV and its ephemeral key is always random.
type SealOptions struct {
	// IV is the 16-byte AES-CBC initialisation vector. Default: random.
	IV []byte
	// EphemeralKey is the 32-byte big-endian secp256k1 ephemeral scalar.
	// Default: random.
	EphemeralKey []byte
}

// Seal encrypts plaintext to the account key to, choosing the scheme by the
// key type: a libsodium sealed box for ed25519, eccrypto ECIES for secp256k1.
// The output is the raw ciphertext EncryptionHelper base64-encodes. rand
// supplies the ephemeral key and IV; nil means crypto/rand.Reader.
func Seal(rand io.Reader, to PublicKey, plaintext []byte, opts *SealOptions) ([]byte, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	if to.Type() == KeyEd25519 {
		return sboxSeal(rand, to, plaintext)
	}
	return eciesSeal(rand, to, plaintext, opts)
}

// Open decrypts a ciphertext made by Seal or by evernode-js-client for the
// key kh holds. Bad input of any kind gives ErrDecrypt. A done ctx gives
// ctx.Err(); other KeyHolder failures are returned wrapped.
func Open(ctx context.Context, kh KeyHolder, ciphertext []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if kh == nil {
		return nil, errors.New("memo: Open with a nil KeyHolder")
	}
	pub := kh.PublicKey()
	if pub.Type() == KeyEd25519 {
		return sboxOpen(ctx, kh, pub, ciphertext)
	}
	return eciesOpen(ctx, kh, ciphertext)
}

// cryptHolderErr maps an error from KeyHolder.SharedSecret to what Open
// returns: the context's error when it is done, ErrDecrypt when the holder
// blamed the input, and the holder's own failure otherwise.
func cryptHolderErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if errors.Is(err, ErrDecrypt) {
		return ErrDecrypt
	}
	return fmt.Errorf("memo: key holder: %w", err)
}

// EncryptJSON is EncryptionHelper.encrypt: it serialises v as JSON.stringify
// would and returns the base64 of Seal over those bytes. Object fields come
// out in struct order, or in the caller's order for a json.RawMessage; Go
// maps are sorted by key, which JavaScript would not do.
func EncryptJSON(rand io.Reader, to PublicKey, v any, opts *SealOptions) (string, error) {
	b, err := stringify(v)
	if err != nil {
		return "", err
	}
	ct, err := Seal(rand, to, b, opts)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// DecryptJSON is EncryptionHelper.decrypt: it base64-decodes b64 (padding
// optional, as Node's Buffer accepts), opens it with kh and unmarshals the
// plaintext into v. Undecodable base64 gives ErrDecrypt like any other bad
// ciphertext; a plaintext that authenticates but is not JSON gives a JSON
// error, since the sender, not an attacker, is then at fault.
func DecryptJSON(ctx context.Context, kh KeyHolder, b64 string, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ct, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "="))
	if err != nil {
		return ErrDecrypt
	}
	pt, err := Open(ctx, kh, ct)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return fmt.Errorf("memo: decrypted message is not JSON: %w", err)
	}
	return nil
}

// stringify marshals v byte for byte as JavaScript's JSON.stringify
// would for the same fields in the same order: no HTML escaping, no trailing
// newline, and U+2028/U+2029 left raw (encoding/json always escapes those).
func stringify(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("memo: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b, nil
	}
	// Backslashes occur only inside strings and always as escape pairs, so
	// walking pairs never mistakes an escaped backslash for an escape.
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			switch string(b[i+2 : i+6]) {
			case "2028":
				out = utf8.AppendRune(out, '\u2028')
				i += 5
				continue
			case "2029":
				out = utf8.AppendRune(out, '\u2029')
				i += 5
				continue
			}
		}
		out = append(out, c, b[i+1])
		i++
	}
	return out, nil
}
