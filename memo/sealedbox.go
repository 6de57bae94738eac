package memo

import (
	"context"
	"crypto/ecdh"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/cloudflare/circl/dh/x25519"
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
		return errSmallOrder
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
// uses. Only decoding is checked here (exactly as edwards25519's
// Point.SetBytes decodes), plus y = ±1, which maps to u = 0; the other
// low-order points are caught by X25519 itself, which is all safety needs
// and keeps Seal fast.
func sboxRecipient(k PublicKey) (*[32]byte, error) {
	var one field.Element
	u, _, err := sboxConvert(k, one.One())
	return u, err
}

// sboxConvert is sboxRecipient that also inverts den, a nonzero field
// element, within the same exponentiation: the one field inversion Seal
// needs for its ephemeral public key (see sboxSeal). den may be secret; the
// exponentiation runs in constant time and whether it succeeds depends on k
// alone.
//
// The key decodes when x² = N/D has a root, N = y²−1 and D = dy²+1 (never
// zero). With W = 1−y and I = 1/√(N·D·(W·den)²), which exists exactly when
// N/D is a square, 1/(W·den) = I²·N·D·W·den. N = 0 (y = ±1) decodes to
// u = 0, a point of small order, which is an error here: no X25519 to it
// can succeed.
func sboxConvert(k PublicKey, den *field.Element) (u *[32]byte, denInv *field.Element, err error) {
	// The curve constant d = −121665/121666, little endian.
	edwardsD := [32]byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
		0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
		0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
	}
	var y, n, dd, w, wd, t, one field.Element
	if _, err := y.SetBytes(k[1:]); err != nil {
		return nil, nil, errors.New("memo: public key is not an ed25519 point")
	}
	if _, err := dd.SetBytes(edwardsD[:]); err != nil {
		return nil, nil, fmt.Errorf("memo: internal error: %w", err)
	}
	one.One()
	n.Square(&y)
	dd.Multiply(&dd, &n)
	dd.Add(&dd, &one)
	n.Subtract(&n, &one)
	if n.Equal(new(field.Element).Zero()) == 1 {
		return nil, nil, errSmallOrder
	}
	w.Subtract(&one, &y)
	wd.Multiply(&w, den)
	t.Square(&wd)
	t.Multiply(&t, &n)
	t.Multiply(&t, &dd)
	inv, isSquare := new(field.Element).SqrtRatio(&one, &t)
	if isSquare == 0 {
		return nil, nil, errors.New("memo: public key is not an ed25519 point")
	}
	inv.Square(inv)
	inv.Multiply(inv, &n)
	inv.Multiply(inv, &dd)
	inv.Multiply(inv, &wd) // 1/(W·den)
	t.Add(&one, &y)
	t.Multiply(&t, den)
	u = new([32]byte)
	copy(u[:], t.Multiply(&t, inv).Bytes()) // (1+y)·den/(W·den)
	return u, new(field.Element).Multiply(&w, inv), nil
}

// errSmallOrder is Seal's refusal of a key no X25519 can be made with.
var errSmallOrder = errors.New("memo: ed25519 public key has small order")

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
// libsodium) rather than a box anyone could open, and that it costs one
// X25519, a fixed-base multiplication and one exponentiation instead of two
// X25519s (or three, through x/crypto's curve25519, which recomputes the
// public key of the scalar on every call).
//
// The ephemeral public key X25519(e, 9) is a fixed-base edwards25519
// multiplication (precomputed tables, a quarter of a ladder) mapped to the
// Montgomery u = (Z+Y)/(Z−Y): the clamped scalar is a multiple of 8 below
// 2^255 and the base point has prime order ℓ, so [e mod ℓ]B is the point
// the ladder computes. Its inversion shares the exponentiation that decodes
// and converts the recipient key (sboxConvert). The X25519 with the
// recipient is CIRCL's, whose field arithmetic uses the BMI2/ADX
// instructions of amd64 processors and is about 1.6× as fast as
// crypto/ecdh's here. Everything that touches e runs in constant time.
func sboxSeal(rand io.Reader, to PublicKey, plaintext []byte) ([]byte, error) {
	var e x25519.Key
	defer clear(e[:])
	if _, err := io.ReadFull(rand, e[:]); err != nil {
		return nil, fmt.Errorf("memo: reading randomness: %w", err)
	}
	s, err := edwards25519.NewScalar().SetBytesWithClamping(e[:])
	if err != nil {
		return nil, fmt.Errorf("memo: internal error: %w", err) // it fails only on length
	}
	defer s.Set(edwards25519.NewScalar())
	p := new(edwards25519.Point).ScalarBaseMult(s)
	_, y, z, _ := p.ExtendedCoordinates()
	var num, den field.Element
	num.Add(z, y)
	den.Subtract(z, y) // nonzero: p is not the identity
	rpk, denInv, err := sboxConvert(to, &den)
	if err != nil {
		return nil, err
	}
	var epk [32]byte
	copy(epk[:], num.Multiply(&num, denInv).Bytes())

	var shared x25519.Key
	defer clear(shared[:])
	// Shared refuses the low-order points by a list; the zero test is what
	// crypto/ecdh and libsodium do, and costs nothing next to the ladder.
	ok := x25519.Shared(&shared, &e, (*x25519.Key)(rpk))
	var zero [32]byte
	if !ok || subtle.ConstantTimeCompare(shared[:], zero[:]) == 1 {
		return nil, errSmallOrder
	}
	key := sboxKey(shared[:])
	defer clear(key[:])
	nonce, err := sboxNonce(epk[:], rpk[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(epk), box.AnonymousOverhead+len(plaintext))
	copy(out, epk[:])
	return box.SealAfterPrecomputation(out, plaintext, nonce, key), nil
}

// sboxSharedSecret is the software KeyHolder's X25519: CIRCL's ladder, as
// in Seal, with crypto/ecdh's answers (an error for a peer that is not 32
// bytes or whose result is all zero).
func sboxSharedSecret(priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	if len(peer) != x25519.Size {
		return nil, fmt.Errorf("memo: X25519 peer key has %d bytes: %w", len(peer), ErrDecrypt)
	}
	sk := priv.Bytes()
	defer clear(sk)
	var shared x25519.Key
	ok := x25519.Shared(&shared, (*x25519.Key)(sk), (*x25519.Key)(peer))
	var zero [32]byte
	if !ok || subtle.ConstantTimeCompare(shared[:], zero[:]) == 1 {
		return nil, fmt.Errorf("memo: X25519 peer key has small order: %w", ErrDecrypt)
	}
	return shared[:], nil
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
