package memo

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// The layout Evernode gives eccrypto's fields: ephemPub ‖ iv ‖ mac ‖ ct.
const (
	eciesPubLen    = 65
	eciesIVLen     = aes.BlockSize
	eciesMACLen    = sha256.Size
	eciesHeaderLen = eciesPubLen + eciesIVLen + eciesMACLen
)

// eciesScalar accepts what eccrypto's isValidPrivateKey accepts: 32 bytes,
// 0 < k < n.
func eciesScalar(b []byte) (*secp256k1.PrivateKey, bool) {
	if len(b) != 32 {
		return nil, false
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(b); overflow || s.IsZero() {
		s.Zero()
		return nil, false
	}
	k := secp256k1.NewPrivateKey(&s)
	s.Zero()
	return k, true
}

// eciesKeys derives the AES and HMAC keys from the shared X coordinate. The
// browser build of eccrypto hashes BN.toArray() of X, which drops leading
// zero bytes, so about one message in 256 hashes fewer than 32 bytes; hashing
// the padded form would break compatibility for those.
func eciesKeys(x []byte) (encKey, macKey []byte) {
	h := sha512.Sum512(bytes.TrimLeft(x, "\x00"))
	return h[:32], h[32:]
}

// eciesMAC is HMAC-SHA256(macKey, iv ‖ ephemPub ‖ ct), eccrypto's order,
// which differs from the wire order.
func eciesMAC(macKey, iv, ephemPub, ct []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	m.Write(iv)
	m.Write(ephemPub)
	m.Write(ct)
	return m.Sum(nil)
}

// eciesSeal is eccrypto.encrypt in Evernode's framing.
func eciesSeal(rand io.Reader, to PublicKey, plaintext []byte, opts *SealOptions) ([]byte, error) {
	rpub, err := secp256k1.ParsePubKey(to[:])
	if err != nil {
		return nil, errors.New("memo: public key is not a secp256k1 point")
	}
	var eph *secp256k1.PrivateKey
	if opts != nil && opts.EphemeralKey != nil {
		var ok bool
		if eph, ok = eciesScalar(opts.EphemeralKey); !ok {
			return nil, errors.New("memo: SealOptions.EphemeralKey is not a 32-byte secp256k1 private key")
		}
	} else {
		// eccrypto draws until the bytes are a valid scalar; a reader that
		// never gives one is broken, so give up rather than spin.
		var b [32]byte
		for tries := 0; eph == nil; tries++ {
			if tries == 16 {
				return nil, errors.New("memo: randomness gave no valid secp256k1 key")
			}
			if _, err := io.ReadFull(rand, b[:]); err != nil {
				return nil, fmt.Errorf("memo: reading randomness: %w", err)
			}
			eph, _ = eciesScalar(b[:])
		}
		clear(b[:])
	}
	defer eph.Zero()

	padLen := aes.BlockSize - len(plaintext)%aes.BlockSize
	out := make([]byte, eciesHeaderLen+len(plaintext)+padLen)
	ephemPub, iv, mac, ct := out[:eciesPubLen], out[eciesPubLen:eciesPubLen+eciesIVLen],
		out[eciesPubLen+eciesIVLen:eciesHeaderLen], out[eciesHeaderLen:]
	if opts != nil && opts.IV != nil {
		if len(opts.IV) != eciesIVLen {
			return nil, fmt.Errorf("memo: SealOptions.IV has %d bytes, want %d", len(opts.IV), eciesIVLen)
		}
		copy(iv, opts.IV)
	} else if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, fmt.Errorf("memo: reading randomness: %w", err)
	}
	copy(ephemPub, eph.PubKey().SerializeUncompressed())

	x := secp256k1.GenerateSharedSecret(eph, rpub)
	encKey, macKey := eciesKeys(x)
	clear(x)
	defer clear(encKey)
	defer clear(macKey)

	copy(ct, plaintext)
	for i := len(plaintext); i < len(ct); i++ {
		ct[i] = byte(padLen)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("memo: %w", err)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	copy(mac, eciesMAC(macKey, iv, ephemPub, ct))
	return out, nil
}

// eciesSharedX is the software KeyHolder's secp256k1 Diffie-Hellman.
func eciesSharedX(priv *secp256k1.PrivateKey, peer []byte) ([]byte, error) {
	if len(peer) != eciesPubLen || peer[0] != 0x04 {
		return nil, fmt.Errorf("memo: secp256k1 peer key is not a 65-byte uncompressed point: %w", ErrDecrypt)
	}
	p, err := secp256k1.ParsePubKey(peer)
	if err != nil {
		return nil, fmt.Errorf("memo: secp256k1 peer key is not on the curve: %w", ErrDecrypt)
	}
	return secp256k1.GenerateSharedSecret(priv, p), nil
}

// eciesOpen is eccrypto.decrypt in Evernode's framing, with the
// Diffie-Hellman step delegated to kh. The MAC is checked, in constant time,
// before any decryption, so padding is never an oracle.
func eciesOpen(ctx context.Context, kh KeyHolder, in []byte) ([]byte, error) {
	n := len(in) - eciesHeaderLen
	if n < aes.BlockSize || n%aes.BlockSize != 0 {
		return nil, ErrDecrypt
	}
	// Parsed here, not just in the holder, so that no holder (a hardware
	// wallet, say) is ever handed a point off the curve. Like elliptic in
	// eccrypto, this also accepts the hybrid prefixes 06 and 07; the holder
	// always sees the plain 04 form, while the MAC covers the bytes as sent.
	ephem, err := secp256k1.ParsePubKey(in[:eciesPubLen])
	if err != nil {
		return nil, ErrDecrypt
	}
	ephemPub := in[:eciesPubLen]
	iv := in[eciesPubLen : eciesPubLen+eciesIVLen]
	mac := in[eciesPubLen+eciesIVLen : eciesHeaderLen]
	ct := in[eciesHeaderLen:]

	x, err := kh.SharedSecret(ctx, ephem.SerializeUncompressed())
	if err != nil {
		return nil, cryptHolderErr(ctx, err)
	}
	if len(x) != 32 {
		return nil, ErrDecrypt
	}
	encKey, macKey := eciesKeys(x)
	defer clear(encKey)
	defer clear(macKey)
	if subtle.ConstantTimeCompare(eciesMAC(macKey, iv, ephemPub, ct), mac) != 1 {
		return nil, ErrDecrypt
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, ErrDecrypt
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrDecrypt
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, ErrDecrypt
		}
	}
	return pt[:len(pt)-pad], nil
}
