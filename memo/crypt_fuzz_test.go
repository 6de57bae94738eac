package memo_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/memo"
)

// cryptFuzzOpen fuzzes Open with one fixed key of the given type. Seeds are
// real ciphertexts and their mutilations, so the fuzzer starts past the
// length checks.
func cryptFuzzOpen(f *testing.F, typ memo.KeyType) {
	keys := cryptKeys(f, cryptRand(100))
	k := keys[typ]
	rnd := cryptRand(101)
	for _, n := range []int{0, 1, 16, 40, 365} {
		ct, err := memo.Seal(rnd, k.PublicKey(), bytes.Repeat([]byte{'a'}, n), nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ct)
		f.Add(ct[:len(ct)-1])
		f.Add(append(bytes.Clone(ct), 0))
	}
	f.Add([]byte{})
	f.Add(make([]byte, 48))
	f.Add(make([]byte, 129))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := memo.Open(ctx, k, ct)
		if err != nil {
			if !errors.Is(err, memo.ErrDecrypt) || err != memo.ErrDecrypt {
				t.Fatalf("Open: %v, want ErrDecrypt", err)
			}
			return
		}
		// Only a genuine ciphertext opens; its size follows the scheme.
		switch typ {
		case memo.KeyEd25519:
			if len(pt) != len(ct)-48 {
				t.Fatalf("opened %d bytes from %d", len(pt), len(ct))
			}
		case memo.KeySecp256k1:
			if len(pt) >= len(ct)-113 || len(pt) < len(ct)-113-16 {
				t.Fatalf("opened %d bytes from %d", len(pt), len(ct))
			}
		}
	})
}

func FuzzOpenSealedBox(f *testing.F) { cryptFuzzOpen(f, memo.KeyEd25519) }

func FuzzOpenECIES(f *testing.F) { cryptFuzzOpen(f, memo.KeySecp256k1) }

func FuzzParsePublicKey(f *testing.F) {
	for _, k := range cryptKeys(f, cryptRand(102)) {
		s := k.PublicKey().String()
		f.Add(s)
		f.Add(strings.ToLower(s))
		f.Add(s[:64])
		f.Add("04" + s[2:])
	}
	f.Add("")
	f.Add("ED01" + strings.Repeat("00", 31))
	f.Add("ED" + strings.Repeat("FF", 32))
	f.Add("02" + strings.Repeat("FF", 32))
	rnd := cryptRand(103)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := memo.ParsePublicKey(s)
		if err != nil {
			if k != (memo.PublicKey{}) {
				t.Fatalf("error %v with key %s", err, k)
			}
			return
		}
		if k.String() != strings.ToUpper(s) {
			t.Fatalf("String() = %s for %q", k, s)
		}
		if b, _ := hex.DecodeString(s); !bytes.Equal(b, k[:]) {
			t.Fatalf("key %s from %q", k, s)
		}
		if again, err := memo.ParsePublicKey(k.String()); err != nil || again != k {
			t.Fatalf("reparse of %s: %s, %v", k, again, err)
		}
		// A key ParsePublicKey accepts can always be encrypted to.
		if _, err := memo.Seal(rnd, k, []byte("x"), nil); err != nil {
			t.Fatalf("Seal to %s: %v", k, err)
		}
	})
}
