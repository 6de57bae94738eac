package memo_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/curve25519"

	"github.com/evernode-go/sdk/memo"
)

// deviceKey stands for a hardware wallet: it holds raw key material and
// computes SharedSecret exactly as KeyHolder documents, nothing more.
type deviceKey struct {
	pub  memo.PublicKey
	seed []byte                // ed25519 secret (32 bytes), or nil
	d    *secp256k1.PrivateKey // secp256k1 scalar, or nil
}

func (k deviceKey) PublicKey() memo.PublicKey { return k.pub }

func (k deviceKey) SharedSecret(_ context.Context, peer []byte) ([]byte, error) {
	if k.seed != nil {
		// crypto_sign_ed25519_sk_to_curve25519: SHA-512 of the seed, first
		// half, clamped; then X25519 with the ephemeral key.
		h := sha512.Sum512(k.seed)
		a := h[:32]
		a[0] &= 248
		a[31] &= 127
		a[31] |= 64
		out, err := curve25519.X25519(a, peer)
		if err != nil { // an all-zero result: a small-order peer
			return nil, fmt.Errorf("device: %v: %w", err, memo.ErrDecrypt)
		}
		return out, nil
	}
	p, err := secp256k1.ParsePubKey(peer)
	if err != nil {
		return nil, fmt.Errorf("device: %v: %w", err, memo.ErrDecrypt)
	}
	var pt, r secp256k1.JacobianPoint
	p.AsJacobian(&pt)
	secp256k1.ScalarMultNonConst(&k.d.Key, &pt, &r)
	r.ToAffine()
	x := r.X.Bytes() // 32 big-endian bytes, leading zeros kept
	return x[:], nil
}

// ExampleKeyHolder opens messages sealed to an ed25519 and a secp256k1
// account key with a holder that only does the Diffie-Hellman step, as a
// hardware wallet would.
func ExampleKeyHolder() {
	seed, _ := hex.DecodeString("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809")
	var edPub memo.PublicKey
	edPub[0] = 0xED
	copy(edPub[1:], ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))

	scalar, _ := hex.DecodeString("00a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f")
	d := secp256k1.PrivKeyFromBytes(scalar)
	var secPub memo.PublicKey
	copy(secPub[:], d.PubKey().SerializeCompressed())

	for _, k := range []deviceKey{{pub: edPub, seed: seed}, {pub: secPub, d: d}} {
		ct, err := memo.Seal(rand.Reader, k.pub, []byte("instance details"), nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		pt, err := memo.Open(context.Background(), k, ct)
		fmt.Printf("%v: %s %v\n", k.pub.Type(), pt, err)
	}
	// Output:
	// ed25519: instance details <nil>
	// secp256k1: instance details <nil>
}
