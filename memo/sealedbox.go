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
// uses. Only decoding is checked here (exactly as edwards25519's
// Point.SetBytes decodes); the low-order case is caught by X25519 itself,
// which is all safety needs and keeps Seal fast.
//
// Decoding and the inversion share one exponentiation. The key decodes when
// x² = N/D has a root, N = y²−1 and D = dy²+1 (never zero). With W = 1−y and
// I = 1/√(N·D·W²), which exists exactly when N/D is a square,
// 1/W = W·I²·N·D. N = 0 (y = ±1, both of small order) decodes, to u = 0.
func sboxRecipient(k PublicKey) (*[32]byte, error) {
	// The curve constant d = −121665/121666, little endian.
	edwardsD := [32]byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
		0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
		0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
	}
	var y, n, dd, w, t, one field.Element
	if _, err := y.SetBytes(k[1:]); err != nil {
		return nil, errors.New("memo: public key is not an ed25519 point")
	}
	if _, err := dd.SetBytes(edwardsD[:]); err != nil {
		return nil, fmt.Errorf("memo: internal error: %w", err)
	}
	one.One()
	n.Square(&y)
	dd.Multiply(&dd, &n)
	dd.Add(&dd, &one)
	n.Subtract(&n, &one)
	var u [32]byte
	if n.Equal(new(field.Element).Zero()) == 1 {
		return &u, nil
	}
	w.Subtract(&one, &y)
	t.Square(&w)
	t.Multiply(&t, &n)
	t.Multiply(&t, &dd)
	inv, isSquare := new(field.Element).SqrtRatio(&one, &t)
	if isSquare == 0 {
		return nil, errors.New("memo: public key is not an ed25519 point")
	}
	inv.Square(inv)
	inv.Multiply(inv, &n)
	inv.Multiply(inv, &dd)
	inv.Multiply(inv, &w) // 1/W
	t.Add(&one, &y)
	copy(u[:], t.Multiply(&t, inv).Bytes())
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
// libsodium) rather than a box anyone could open, and that it costs one
// X25519 plus a fixed-base multiplication instead of two X25519s (or three,
// through x/crypto's curve25519, which recomputes the public key of the
// scalar on every call): see sboxEphemeral.
func sboxSeal(rand io.Reader, to PublicKey, plaintext []byte) ([]byte, error) {
	rpk, err := sboxRecipient(to)
	if err != nil {
		return nil, err
	}
	var e [32]byte
	defer clear(e[:])
	if _, err := io.ReadFull(rand, e[:]); err != nil {
		return nil, fmt.Errorf("memo: reading randomness: %w", err)
	}
	epk, shared := sboxEphemeral(&e, rpk)
	defer clear(shared[:])
	var zero [32]byte
	if subtle.ConstantTimeCompare(shared[:], zero[:]) == 1 {
		return nil, errors.New("memo: ed25519 public key has small order")
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

// sboxEphemeral returns the X25519 public key of the secret e and the X25519
// of e with the recipient key rpk, byte for byte what crypto/ecdh computes.
//
// The public key is a fixed-base edwards25519 multiplication (precomputed
// tables, a quarter of a ladder) mapped to the Montgomery u = (Z+Y)/(Z−Y):
// the clamped scalar is a multiple of 8 below 2^255 and the base point has
// prime order ℓ, so [e mod ℓ]B is the same point the ladder computes. The
// shared secret is an RFC 7748 Montgomery ladder that stops before its final
// inversion, so that one inversion serves both outputs. Everything that
// touches e runs in constant time. For a low-order recipient both results
// are all zero: the caller must reject a zero shared secret.
func sboxEphemeral(e, rpk *[32]byte) (epk, shared [32]byte) {
	s, err := edwards25519.NewScalar().SetBytesWithClamping(e[:])
	if err != nil {
		panic("memo: 32-byte scalar rejected") // SetBytesWithClamping fails only on length
	}
	p := new(edwards25519.Point).ScalarBaseMult(s)
	_, y, z, _ := p.ExtendedCoordinates()
	var num, den field.Element
	num.Add(z, y)
	den.Subtract(z, y)

	x2, z2 := x25519Ladder(e, rpk)

	// One inversion for two quotients: with I = 1/(den·z2),
	// num/den = num·z2·I and x2/z2 = x2·den·I. den is never zero (the
	// point is not the identity); a zero z2 makes both outputs zero, and
	// the caller refuses to seal then.
	var inv, t field.Element
	inv.Invert(t.Multiply(&den, z2))
	t.Multiply(&num, z2)
	copy(epk[:], t.Multiply(&t, &inv).Bytes())
	t.Multiply(x2, &den)
	copy(shared[:], t.Multiply(&t, &inv).Bytes())
	return epk, shared
}

// x25519Ladder is RFC 7748's Montgomery ladder for the clamped scalar k and
// the u-coordinate u, returning the projective result X2:Z2 (Z2 is zero for
// a low-order u). It runs in constant time.
func x25519Ladder(k, u *[32]byte) (x2, z2 *field.Element) {
	var x1, x3, z3, a, aa, b, bb, c, d, da, cb, ee field.Element
	if _, err := x1.SetBytes(u[:]); err != nil {
		panic("memo: 32-byte field element rejected") // SetBytes fails only on length
	}
	x2, z2 = new(field.Element).One(), new(field.Element).Zero()
	x3.Set(&x1)
	z3.One()
	var sc [32]byte
	copy(sc[:], k[:])
	sc[0] &= 248
	sc[31] &= 127
	sc[31] |= 64
	defer clear(sc[:])
	swap := 0
	for i := 254; i >= 0; i-- {
		bit := int(sc[i/8]>>(i%8)) & 1
		swap ^= bit
		x2.Swap(&x3, swap)
		z2.Swap(&z3, swap)
		swap = bit

		a.Add(x2, z2)
		aa.Square(&a)
		b.Subtract(x2, z2)
		bb.Square(&b)
		ee.Subtract(&aa, &bb)
		c.Add(&x3, &z3)
		d.Subtract(&x3, &z3)
		da.Multiply(&d, &a)
		cb.Multiply(&c, &b)
		x3.Add(&da, &cb)
		x3.Square(&x3)
		z3.Subtract(&da, &cb)
		z3.Square(&z3)
		z3.Multiply(&z3, &x1)
		x2.Multiply(&aa, &bb)
		z2.Mult32(&ee, 121665)
		z2.Add(z2, &aa)
		z2.Multiply(z2, &ee)
	}
	x2.Swap(&x3, swap)
	z2.Swap(&z3, swap)
	return x2, z2
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
