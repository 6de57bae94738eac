package main

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"io"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// device stands in for a hardware wallet: it holds an ed25519 account key
// and offers only two operations, sign a message and do a Diffie-Hellman
// with a peer key. The private key never leaves it.
type device struct {
	key ed25519.PrivateKey
	x   *ecdh.PrivateKey // the same key on Curve25519, for decryption
}

// newDevice makes a device with a key from rand; a nil device means rand
// failed.
func newDevice(rand io.Reader) *device {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil
	}
	key := ed25519.NewKeyFromSeed(seed)
	// An ed25519 key's X25519 twin, as libsodium converts it: the clamped
	// first half of SHA-512(seed).
	h := sha512.Sum512(seed)
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	x, err := ecdh.X25519().NewPrivateKey(h[:32])
	clear(h[:])
	clear(seed)
	if err != nil {
		return nil
	}
	return &device{key: key, x: x}
}

// publicKey is the 33-byte account public key: 0xED and the ed25519 key.
func (d *device) publicKey() []byte {
	return append([]byte{0xED}, d.key.Public().(ed25519.PublicKey)...)
}

// Signer returns the device as an evernode.Signer.
func (d *device) Signer() evernode.Signer { return deviceSigner{d} }

// KeyHolder returns the device as a memo.KeyHolder.
func (d *device) KeyHolder() memo.KeyHolder { return deviceKeys{d} }

type deviceSigner struct{ d *device }

func (s deviceSigner) PublicKey() []byte { return s.d.publicKey() }

// Sign is where a real device would show the transaction and wait for the
// user's button; ctx lets the wallet give up.
func (s deviceSigner) Sign(ctx context.Context, message []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ed25519.Sign(s.d.key, message), nil
}

type deviceKeys struct{ d *device }

func (k deviceKeys) PublicKey() memo.PublicKey { return memo.PublicKey(k.d.publicKey()) }

// SharedSecret is X25519 with the device's key; a peer key that is not a
// usable X25519 point is a decryption failure, as memo.KeyHolder asks.
func (k deviceKeys) SharedSecret(ctx context.Context, peer []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, errors.Join(memo.ErrDecrypt, err)
	}
	s, err := k.d.x.ECDH(p)
	if err != nil {
		return nil, errors.Join(memo.ErrDecrypt, err)
	}
	return s, nil
}
