package evernode

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
	"github.com/Peersyst/xrpl-go/address-codec/interfaces"
	"github.com/Peersyst/xrpl-go/keypairs"
	xcrypto "github.com/Peersyst/xrpl-go/pkg/crypto"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/evernode-go/sdk/internal/codec"
	"github.com/evernode-go/sdk/memo"
)

// Signer signs transactions for an account. A seed-backed Wallet is one
// implementation; a hardware wallet or a remote signing service can be
// another. Implementations must be safe for concurrent use.
type Signer interface {
	// PublicKey returns the 33-byte public key that goes in SigningPubKey:
	// 0xED ‖ 32 bytes for ed25519, 0x02/0x03 ‖ 32 bytes for secp256k1.
	PublicKey() []byte
	// Sign returns the signature of message, the bytes EncodeForSigning
	// returns: a 64-byte ed25519 signature, or a DER-encoded canonical
	// (low-S) secp256k1 signature of SHA-512Half(message).
	Sign(ctx context.Context, message []byte) ([]byte, error)
}

// KeyAlgorithm is the signature algorithm of an account key.
type KeyAlgorithm int

const (
	// Ed25519 keys: seeds start with "sEd".
	Ed25519 KeyAlgorithm = iota + 1
	// Secp256k1 keys: the XRPL's original key type.
	Secp256k1
)

// ErrSeed is returned for a seed that does not decode.
var ErrSeed = errors.New("evernode: invalid seed")

// Wallet is an account key pair derived from a family seed. It implements
// Signer and memo.KeyHolder and is safe for concurrent use.
type Wallet struct {
	seed    string
	address string
	pub     []byte
	privHex string // ripple-keypairs form: ED‖seed or 00‖scalar
	ed      ed25519.PrivateKey
	secp    *secp256k1.PrivateKey
	msg     *memo.PrivateKey
}

// WalletFromSeed derives the account key pair of a family seed ("s…").
func WalletFromSeed(seed string) (*Wallet, error) {
	privHex, pubHex, err := keypairs.DeriveKeypair(seed, false)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSeed, err)
	}
	address, err := keypairs.DeriveClassicAddress(pubHex)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSeed, err)
	}
	priv, err := hex.DecodeString(privHex)
	if err != nil || len(priv) != 33 {
		return nil, fmt.Errorf("%w: derived key", ErrSeed)
	}
	pub, err := hex.DecodeString(pubHex)
	if err != nil {
		return nil, fmt.Errorf("%w: derived key", ErrSeed)
	}
	w := &Wallet{seed: seed, address: address, pub: pub, privHex: strings.ToUpper(privHex)}
	if priv[0] == 0xED {
		w.ed = ed25519.NewKeyFromSeed(priv[1:])
	} else {
		w.secp = secp256k1.PrivKeyFromBytes(priv[1:])
	}
	if w.msg, err = memo.ParsePrivateKey(w.privHex); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSeed, err)
	}
	return w, nil
}

// NewWallet creates a wallet from 16 bytes of entropy read from random, or
// from crypto/rand when random is nil.
func NewWallet(random io.Reader, alg KeyAlgorithm) (*Wallet, error) {
	if random == nil {
		random = rand.Reader
	}
	entropy := make([]byte, 16)
	if _, err := io.ReadFull(random, entropy); err != nil {
		return nil, fmt.Errorf("evernode: new wallet: %w", err)
	}
	var impl interfaces.CryptoImplementation
	switch alg {
	case Ed25519:
		impl = xcrypto.ED25519()
	case Secp256k1:
		impl = xcrypto.SECP256K1()
	default:
		return nil, fmt.Errorf("evernode: unknown key algorithm %d", alg)
	}
	seed, err := addresscodec.EncodeSeed(entropy, impl)
	if err != nil {
		return nil, fmt.Errorf("evernode: new wallet: %w", err)
	}
	return WalletFromSeed(seed)
}

// Address returns the account's classic address (the master key's account).
func (w *Wallet) Address() string { return w.address }

// Seed returns the family seed. Treat it as the secret it is.
func (w *Wallet) Seed() string { return w.seed }

// Algorithm returns the key's signature algorithm.
func (w *Wallet) Algorithm() KeyAlgorithm {
	if w.ed != nil {
		return Ed25519
	}
	return Secp256k1
}

// PublicKey returns the 33-byte public key.
func (w *Wallet) PublicKey() []byte { return append([]byte(nil), w.pub...) }

// PublicKeyHex returns the public key as uppercase hex, the form of the
// ledger's SigningPubKey and MessageKey fields.
func (w *Wallet) PublicKeyHex() string { return strings.ToUpper(hex.EncodeToString(w.pub)) }

// PrivateKeyHex returns the private key in the ripple-keypairs hex form (ED‖32
// bytes or 00‖32 bytes). Treat it as the secret it is.
func (w *Wallet) PrivateKeyHex() string { return w.privHex }

// MessageKey returns the wallet's key as a memo key holder. Evernode clients
// set MessageKey to the account's own public key by default, so this key
// decrypts what tenants and hosts send to the account.
func (w *Wallet) MessageKey() *memo.PrivateKey { return w.msg }

// Sign signs message; ctx is only checked, a software key never waits.
func (w *Wallet) Sign(ctx context.Context, message []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.ed != nil {
		return ed25519.Sign(w.ed, message), nil
	}
	h := codec.SHA512Half(message)
	return ecdsa.Sign(w.secp, h[:]).Serialize(), nil
}

// VerifySignature reports whether sig is a valid signature of message by the
// 33-byte public key pub.
func VerifySignature(pub, message, sig []byte) bool {
	if len(pub) != 33 {
		return false
	}
	if pub[0] == 0xED {
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(pub[1:], message, sig)
	}
	pk, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		return false
	}
	s, err := ecdsa.ParseDERSignature(sig)
	if err != nil {
		return false
	}
	h := codec.SHA512Half(message)
	return s.Verify(h[:], pk)
}
