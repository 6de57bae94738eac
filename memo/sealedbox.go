package memo

import (
	"context"
	"crypto/ecdh"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/nacl/box"
	//lint:ignore SA1019 HSalsa20 turns a KeyHolder's X25519 output into the box key (crypto_box_beforenm); x/crypto exports it nowhere else.
	"golang.org/x/crypto/salsa20/salsa"
)

// sboxCheckEd25519 accepts exactly the ed25519 public keys that libsodium's
// crypto_sign_ed25519_pk_to_curve25519 converts: JavaScript cannot encrypt
// to the others, so neither should we.
func sboxCheckEd25519(k PublicKey) error {
	p, err := new(edwards25519.Point).SetBytes(k[1:])
	if err != nil {
		return errors.New("memo: public key is not an ed25519 point")
	}
	id := edwards25519.NewIdentityPoint()
	if new(edwards25519.Point).MultByCofactor(p).Equal(id) == 1 {
		return errors.New("memo: ed25519 public key has small order")
	}
	// [ℓ]P = O, computed as [ℓ−1]P + P because ℓ itself is not a canonical
	// scalar. Variable time is fine: the key is public.
	lMinus1 := [32]byte{
		0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(lMinus1[:])
	if err != nil {
		return fmt.Errorf("memo: internal error: %w", err)
	}
	q := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(s, p, edwards25519.NewScalar())
	if q.Add(q, p).Equal(id) != 1 {
		return errors.New("memo: ed25519 public key is outside the prime-order subgroup")
	}
	return nil
}

// sboxRecipient converts an ed25519 account key to the X25519 key sealed
// boxes are made for, with the birational map u = (1+y)/(1−y) that libsodium
// uses. Only decoding is checked here; the low-order case is caught by X25519
// itself, which is all safety needs and keeps Seal fast.
func sboxRecipient(k PublicKey) (*[32]byte, error) {
	p, err := new(edwards25519.Point).SetBytes(k[1:])
	if err != nil {
		return nil, errors.New("memo: public key is not an ed25519 point")
	}
	var u [32]byte
	copy(u[:], p.BytesMontgomery())
	return &u, nil
}

// sboxNonce is crypto_box_seal's nonce, BLAKE2b-192(epk ‖ rpk): both sides
// can compute it, so the box carries none.
func sboxNonce(epk, rpk []byte) (*[24]byte, error) {
	h, err := blake2b.New(24, nil)
	if err != nil {
		return nil, err
	}
	h.Write(epk)
	h.Write(rpk)
	var n [24]byte
	h.Sum(n[:0])
	return &n, nil
}

// sboxKey derives the XSalsa20-Poly1305 key from an X25519 output exactly as
// box.Precompute does, so that the Diffie-Hellman step can be done by a
// KeyHolder that never reveals its private key.
func sboxKey(shared []byte) *[32]byte {
	var k [32]byte
	var zeros [16]byte
	copy(k[:], shared)
	salsa.HSalsa20(&k, &zeros, &k, &salsa.Sigma)
	return &k
}

// sboxSeal is libsodium's crypto_box_seal to the X25519 form of to. It is
// box.SealAnonymous except that a low-order recipient is an error (as in
// libsodium) rather than a box anyone could open, and that it goes straight
// to crypto/ecdh: x/crypto's curve25519.X25519 recomputes the public key of
// the scalar on every call, which would double the cost.
func sboxSeal(rand io.Reader, to PublicKey, plaintext []byte) ([]byte, error) {
	rpk, err := sboxRecipient(to)
	if err != nil {
		return nil, err
	}
	rpub, err := ecdh.X25519().NewPublicKey(rpk[:])
	if err != nil {
		return nil, fmt.Errorf("memo: %w", err)
	}
	var e [32]byte
	defer clear(e[:])
	if _, err := io.ReadFull(rand, e[:]); err != nil {
		return nil, fmt.Errorf("memo: reading randomness: %w", err)
	}
	eph, err := ecdh.X25519().NewPrivateKey(e[:])
	if err != nil {
		return nil, fmt.Errorf("memo: ephemeral key: %w", err)
	}
	shared, err := eph.ECDH(rpub)
	if err != nil {
		return nil, errors.New("memo: ed25519 public key has small order")
	}
	key := sboxKey(shared)
	clear(shared)
	defer clear(key[:])
	epk := eph.PublicKey().Bytes()
	nonce, err := sboxNonce(epk, rpk[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(epk), box.AnonymousOverhead+len(plaintext))
	copy(out, epk)
	return box.SealAfterPrecomputation(out, plaintext, nonce, key), nil
}

// sboxSharedSecret is the software KeyHolder's X25519.
func sboxSharedSecret(priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("memo: X25519 peer key has %d bytes: %w", len(peer), ErrDecrypt)
	}
	s, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("memo: X25519 peer key has small order: %w", ErrDecrypt)
	}
	return s, nil
}

// sboxOpen is crypto_box_seal_open with the Diffie-Hellman step delegated to
// kh.
func sboxOpen(ctx context.Context, kh KeyHolder, pub PublicKey, ct []byte) ([]byte, error) {
	if len(ct) < box.AnonymousOverhead {
		return nil, ErrDecrypt
	}
	var rpk *[32]byte
	if pk, ok := kh.(*PrivateKey); ok && pk != nil && pk.pub == pub && pk.x != nil {
		rpk = &pk.xPub
	} else {
		var err error
		if rpk, err = sboxRecipient(pub); err != nil {
			return nil, ErrDecrypt
		}
	}
	// A copy, so that a holder cannot alter the caller's ciphertext.
	var epk [32]byte
	copy(epk[:], ct[:32])
	shared, err := kh.SharedSecret(ctx, epk[:])
	if err != nil {
		return nil, cryptHolderErr(ctx, err)
	}
	var zero [32]byte
	if len(shared) != len(zero) || subtle.ConstantTimeCompare(shared, zero[:]) == 1 {
		return nil, ErrDecrypt
	}
	key := sboxKey(shared)
	defer clear(key[:])
	nonce, err := sboxNonce(epk[:], rpk[:])
	if err != nil {
		return nil, ErrDecrypt
	}
	pt, ok := box.OpenAfterPrecomputation(make([]byte, 0, len(ct)-box.AnonymousOverhead), ct[32:], nonce, key)
	if !ok {
		return nil, ErrDecrypt
	}
	return pt, nil
}
