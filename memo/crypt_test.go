package memo_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"filippo.io/edwards25519"
	"github.com/Peersyst/xrpl-go/keypairs"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/nacl/box"

	"github.com/evernode-go/sdk/internal/vectors"
	"github.com/evernode-go/sdk/memo"
)

// cryptVector is one case of encryption.json or encryption-cases.json.
type cryptVector struct {
	RecipientSeed         string          `json:"recipientSeed"`
	RecipientPublicKey    string          `json:"recipientPublicKey"`
	RecipientPrivateKey   string          `json:"recipientPrivateKey"`
	PlaintextObject       json.RawMessage `json:"plaintextObject"`
	PlaintextBytesUtf8    *string         `json:"plaintextBytesUtf8"`
	IV                    string          `json:"iv"`
	EphemPrivateKey       string          `json:"ephemPrivateKey"`
	SharedXHasLeadingZero *bool           `json:"sharedXHasLeadingZero"`
	CiphertextBase64      string          `json:"ciphertextBase64"`
	CiphertextLength      *int            `json:"ciphertextLength"`
	PlaintextLength       *int            `json:"plaintextLength"`
	Layout                *struct {
		EphemPublicKey65    string `json:"ephemPublicKey65"`
		IV16                string `json:"iv16"`
		Mac32               string `json:"mac32"`
		Aes256CbcCiphertext string `json:"aes256cbcCiphertext"`
	} `json:"layout"`
	DecryptedObject json.RawMessage `json:"decryptedObject"`
}

type cryptNamedVector struct {
	name string
	v    cryptVector
}

// cryptLoadVectors returns every case of file, whether the file holds them as
// single objects (encryption.json) or arrays (encryption-cases.json).
func cryptLoadVectors(t *testing.T, file string) []cryptNamedVector {
	t.Helper()
	var top map[string]json.RawMessage
	vectors.Load(t, file, &top)
	var out []cryptNamedVector
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range top {
			if !yield(k) {
				return
			}
		}
	}) {
		raw := bytes.TrimSpace(top[key])
		switch {
		case len(raw) > 0 && raw[0] == '{':
			var v cryptVector
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("%s %s: %v", file, key, err)
			}
			out = append(out, cryptNamedVector{file + "/" + key, v})
		case len(raw) > 0 && raw[0] == '[':
			var vs []cryptVector
			if err := json.Unmarshal(raw, &vs); err != nil {
				t.Fatalf("%s %s: %v", file, key, err)
			}
			for i, v := range vs {
				out = append(out, cryptNamedVector{fmt.Sprintf("%s/%s/%d", file, key, i), v})
			}
		}
	}
	return out
}

// cryptNoRand fails every read, to show that deterministic sealing reads no
// randomness.
type cryptNoRand struct{}

func (cryptNoRand) Read([]byte) (int, error) { return 0, errors.New("randomness not expected") }

func cryptHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func TestCryptVectors(t *testing.T) {
	leadingZero := 0
	for _, file := range []string{"encryption.json", "encryption-cases.json"} {
		cases := cryptLoadVectors(t, file)
		var nEd, nSecp int
		for _, c := range cases {
			if strings.HasPrefix(strings.ToUpper(c.v.RecipientPublicKey), "ED") {
				nEd++
			} else {
				nSecp++
			}
			t.Run(c.name, func(t *testing.T) {
				if cryptVectorCase(t, c.v) {
					leadingZero++
				}
			})
		}
		if nEd == 0 || nSecp == 0 {
			t.Errorf("%s: %d ed25519 and %d secp256k1 cases; want some of each", file, nEd, nSecp)
		}
	}
	// The padded-versus-trimmed X quirk is only exercised by a leading zero.
	// TestCryptSharedXLeadingZero covers it for any vector set; the project's
	// own copy must cover it too.
	if leadingZero == 0 {
		if os.Getenv(vectors.EnvVar) != "" {
			t.Logf("no vector case has a shared X with a leading zero")
		} else {
			t.Errorf("no vector case has a shared X with a leading zero")
		}
	}
}

// cryptVectorCase checks one case and reports whether its shared X
// coordinate starts with a zero byte.
func cryptVectorCase(t *testing.T, v cryptVector) (leadingZero bool) {
	ctx := context.Background()
	if v.PlaintextBytesUtf8 == nil {
		t.Fatal("case has no plaintextBytesUtf8")
	}
	plaintext := []byte(*v.PlaintextBytesUtf8)

	priv, pub, err := keypairs.DeriveKeypair(v.RecipientSeed, false)
	if err != nil {
		t.Fatalf("DeriveKeypair: %v", err)
	}
	if !strings.EqualFold(pub, v.RecipientPublicKey) || !strings.EqualFold(priv, v.RecipientPrivateKey) {
		t.Fatalf("seed derives %s / (private key), want %s", pub, v.RecipientPublicKey)
	}
	to, err := memo.ParsePublicKey(v.RecipientPublicKey)
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	if to.String() != strings.ToUpper(v.RecipientPublicKey) {
		t.Errorf("String() = %s", to)
	}
	key, err := memo.ParsePrivateKey(v.RecipientPrivateKey)
	if err != nil {
		t.Fatalf("ParsePrivateKey: %v", err)
	}
	if key.PublicKey() != to {
		t.Fatalf("private key's public key %s, want %s", key.PublicKey(), to)
	}

	ct, err := base64.StdEncoding.DecodeString(v.CiphertextBase64)
	if err != nil {
		t.Fatalf("ciphertextBase64: %v", err)
	}
	if v.CiphertextLength != nil && len(ct) != *v.CiphertextLength {
		t.Errorf("ciphertext has %d bytes, file says %d", len(ct), *v.CiphertextLength)
	}
	if v.PlaintextLength != nil && len(plaintext) != *v.PlaintextLength {
		t.Errorf("plaintext has %d bytes, file says %d", len(plaintext), *v.PlaintextLength)
	}

	got, err := memo.Open(ctx, key, ct)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Fatalf("Open = %q, want %q", got, plaintext)
	}
	var gotObj, wantObj any
	if err := memo.DecryptJSON(ctx, key, v.CiphertextBase64, &gotObj); err != nil {
		t.Fatalf("DecryptJSON: %v", err)
	}
	if err := json.Unmarshal(v.DecryptedObject, &wantObj); err != nil {
		t.Fatalf("decryptedObject: %v", err)
	}
	if !reflect.DeepEqual(gotObj, wantObj) {
		t.Errorf("DecryptJSON = %#v, want %#v", gotObj, wantObj)
	}

	// plaintextObject in caller order must serialise to JSON.stringify's
	// bytes; a randomised seal shows it through Open for either key type.
	ordered := cryptOrdered(t, v.PlaintextObject)
	b64, err := memo.EncryptJSON(cryptorand.Reader, to, ordered, nil)
	if err != nil {
		t.Fatalf("EncryptJSON(plaintextObject): %v", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(b64)
	if got, err := memo.Open(ctx, key, raw); err != nil || !bytes.Equal(got, plaintext) {
		t.Errorf("EncryptJSON(plaintextObject) opens to %q, %v; want %q", got, err, plaintext)
	}

	if to.Type() != memo.KeySecp256k1 {
		if to.Type() != memo.KeyEd25519 {
			t.Fatalf("Type() = %v", to.Type())
		}
		if len(ct) != len(plaintext)+box.AnonymousOverhead {
			t.Errorf("sealed box has %d bytes for %d of plaintext", len(ct), len(plaintext))
		}
		return false
	}

	ephem := cryptHex(t, v.EphemPrivateKey)
	opts := &memo.SealOptions{IV: cryptHex(t, v.IV), EphemeralKey: ephem}
	sealed, err := memo.Seal(cryptNoRand{}, to, plaintext, opts)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if !bytes.Equal(sealed, ct) {
		t.Fatalf("Seal =\n%x\nwant\n%x", sealed, ct)
	}
	if l := v.Layout; l != nil {
		parts := [][2]string{
			{"ephemPublicKey65", l.EphemPublicKey65}, {"iv16", l.IV16},
			{"mac32", l.Mac32}, {"aes256cbcCiphertext", l.Aes256CbcCiphertext},
		}
		off := 0
		for _, p := range parts {
			want := cryptHex(t, p[1])
			if off+len(want) > len(sealed) || !bytes.Equal(sealed[off:off+len(want)], want) {
				t.Errorf("layout %s at %d differs", p[0], off)
			}
			off += len(want)
		}
		if off != len(sealed) {
			t.Errorf("layout covers %d of %d bytes", off, len(sealed))
		}
	}
	for name, val := range map[string]any{
		"RawMessage(plaintextBytesUtf8)": json.RawMessage(plaintext),
		"plaintextObject":                ordered,
	} {
		got, err := memo.EncryptJSON(cryptNoRand{}, to, val, opts)
		if err != nil {
			t.Fatalf("EncryptJSON(%s): %v", name, err)
		}
		if got != v.CiphertextBase64 {
			t.Errorf("EncryptJSON(%s) = %s, want %s", name, got, v.CiphertextBase64)
		}
	}

	ephKey := secp256k1.PrivKeyFromBytes(ephem)
	recip, err := secp256k1.ParsePubKey(to[:])
	if err != nil {
		t.Fatal(err)
	}
	x := secp256k1.GenerateSharedSecret(ephKey, recip)
	leadingZero = x[0] == 0
	if f := v.SharedXHasLeadingZero; f != nil && *f != leadingZero {
		t.Errorf("sharedXHasLeadingZero = %v, but X = %x", *f, x)
	}
	return leadingZero
}

// cryptObject is a JSON object that keeps its members in file order, as a
// JavaScript object would.
type cryptObject []cryptMember

type cryptMember struct {
	key   string
	value any
}

func cryptMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (o cryptObject) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			out = append(out, ',')
		}
		k, err := cryptMarshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := cryptMarshal(m.value)
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}

// cryptOrdered decodes raw with numbers kept as written and objects in
// order.
func cryptOrdered(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := cryptDecodeOrdered(dec)
	if err != nil {
		t.Fatalf("plaintextObject: %v", err)
	}
	return v
}

func cryptDecodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		obj := cryptObject{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := cryptDecodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, cryptMember{kt.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := cryptDecodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// cryptRand is a deterministic randomness source, so that a failure can be
// reproduced.
func cryptRand(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return mathrand.NewChaCha8(s)
}

// cryptKeys returns a fresh key pair of each type, derived from rnd.
func cryptKeys(t testing.TB, rnd io.Reader) map[memo.KeyType]*memo.PrivateKey {
	t.Helper()
	out := map[memo.KeyType]*memo.PrivateKey{}
	for typ, prefix := range map[memo.KeyType]string{memo.KeyEd25519: "ED", memo.KeySecp256k1: "00"} {
		for {
			var b [32]byte
			if _, err := io.ReadFull(rnd, b[:]); err != nil {
				t.Fatal(err)
			}
			k, err := memo.ParsePrivateKey(prefix + hex.EncodeToString(b[:]))
			if err != nil {
				continue // a secp256k1 scalar out of range, about 2^-128
			}
			if k.PublicKey().Type() != typ {
				t.Fatalf("%s key has type %v", prefix, k.PublicKey().Type())
			}
			out[typ] = k
			break
		}
	}
	return out
}

// cryptSealed returns a ciphertext of each type for msg and the keys that
// open them.
func cryptSealed(t testing.TB, seed uint64, msg []byte) (map[memo.KeyType]*memo.PrivateKey, map[memo.KeyType][]byte) {
	t.Helper()
	rnd := cryptRand(seed)
	keys := cryptKeys(t, rnd)
	cts := map[memo.KeyType][]byte{}
	for typ, k := range keys {
		ct, err := memo.Seal(rnd, k.PublicKey(), msg, nil)
		if err != nil {
			t.Fatalf("Seal %v: %v", typ, err)
		}
		cts[typ] = ct
	}
	return keys, cts
}

func TestSealOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	for i, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 365, 1000} {
		msg := make([]byte, n)
		cryptorand.Read(msg)
		keys := cryptKeys(t, cryptorand.Reader)
		for typ, k := range keys {
			ct, err := memo.Seal(cryptorand.Reader, k.PublicKey(), msg, nil)
			if err != nil {
				t.Fatalf("%v len %d: Seal: %v", typ, n, err)
			}
			switch typ {
			case memo.KeyEd25519:
				if len(ct) != n+48 {
					t.Errorf("ed25519 len %d: ciphertext %d bytes, want %d", n, len(ct), n+48)
				}
			case memo.KeySecp256k1:
				if want := 113 + (n/16+1)*16; len(ct) != want || ct[0] != 4 {
					t.Errorf("secp256k1 len %d: ciphertext %d bytes starting %x, want %d starting 04", n, len(ct), ct[0], want)
				}
			}
			got, err := memo.Open(ctx, k, ct)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%v case %d len %d: Open = %x, %v", typ, i, n, got, err)
			}
			again, err := memo.Seal(cryptorand.Reader, k.PublicKey(), msg, nil)
			if err != nil || bytes.Equal(again, ct) {
				t.Errorf("%v: two seals of the same message are equal (err %v)", typ, err)
			}
		}
	}
}

func TestSealOpenConcurrent(t *testing.T) {
	ctx := context.Background()
	keys := cryptKeys(t, cryptRand(7))
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			var err error
			for i := 0; i < 20 && err == nil; i++ {
				for _, k := range keys {
					msg := []byte(fmt.Sprintf("message %d", i))
					var ct, pt []byte
					if ct, err = memo.Seal(nil, k.PublicKey(), msg, nil); err != nil {
						break
					}
					if pt, err = memo.Open(ctx, k, ct); err == nil && !bytes.Equal(pt, msg) {
						err = errors.New("wrong plaintext")
					}
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestOpenWrongKey(t *testing.T) {
	ctx := context.Background()
	keys, cts := cryptSealed(t, 1, []byte(`{"a":1}`))
	others := cryptKeys(t, cryptRand(2))
	for typ, ct := range cts {
		for otype, other := range others {
			if _, err := memo.Open(ctx, other, ct); err != memo.ErrDecrypt {
				t.Errorf("%v ciphertext, other %v key: err = %v, want ErrDecrypt", typ, otype, err)
			}
		}
		for htype, k := range keys {
			_, err := memo.Open(ctx, k, ct)
			if htype == typ && err != nil {
				t.Errorf("%v ciphertext, right key: %v", typ, err)
			}
			if htype != typ && err != memo.ErrDecrypt {
				t.Errorf("%v ciphertext, %v holder: err = %v, want ErrDecrypt", typ, htype, err)
			}
		}
	}
}

func TestOpenFlipEveryBit(t *testing.T) {
	ctx := context.Background()
	keys, cts := cryptSealed(t, 3, []byte(`{"owner_pubkey":"ed00","config":{}}`))
	for typ, ct := range cts {
		for i := range ct {
			for bit := 0; bit < 8; bit++ {
				bad := bytes.Clone(ct)
				bad[i] ^= 1 << bit
				if pt, err := memo.Open(ctx, keys[typ], bad); err != memo.ErrDecrypt {
					t.Fatalf("%v: flipping bit %d of byte %d: Open = %q, %v; want ErrDecrypt", typ, bit, i, pt, err)
				}
			}
		}
		if _, err := memo.Open(ctx, keys[typ], ct); err != nil {
			t.Fatalf("%v: the original no longer opens: %v", typ, err)
		}
	}
}

func TestOpenTruncatedAndExtended(t *testing.T) {
	ctx := context.Background()
	keys, cts := cryptSealed(t, 4, bytes.Repeat([]byte("p"), 40))
	for typ, ct := range cts {
		for n := 0; n < len(ct); n++ {
			if _, err := memo.Open(ctx, keys[typ], ct[:n]); err != memo.ErrDecrypt {
				t.Fatalf("%v truncated to %d of %d bytes: err = %v, want ErrDecrypt", typ, n, len(ct), err)
			}
			if _, err := memo.Open(ctx, keys[typ], ct[n:]); n > 0 && err != memo.ErrDecrypt {
				t.Fatalf("%v without its first %d bytes: err = %v, want ErrDecrypt", typ, n, err)
			}
		}
		for _, extra := range [][]byte{{0}, bytes.Repeat([]byte{16}, 16)} {
			if _, err := memo.Open(ctx, keys[typ], append(bytes.Clone(ct), extra...)); err != memo.ErrDecrypt {
				t.Errorf("%v with %d bytes appended: err = %v, want ErrDecrypt", typ, len(extra), err)
			}
		}
	}
}

func TestOpenGarbage(t *testing.T) {
	ctx := context.Background()
	keys := cryptKeys(t, cryptRand(5))
	rnd := cryptRand(6)
	inputs := [][]byte{nil, {}, {0}, {4}, make([]byte, 48), make([]byte, 129), make([]byte, 500)}
	// The Curve25519 base point as ephemeral key, and an uncompressed
	// secp256k1 generator, so the garbage gets past the first checks.
	g := append([]byte{4}, secp256k1.Params().Gx.FillBytes(make([]byte, 32))...)
	g = append(g, secp256k1.Params().Gy.FillBytes(make([]byte, 32))...)
	inputs = append(inputs, append([]byte{9}, make([]byte, 31+16+10)...), append(g, make([]byte, 64)...))
	for n := 0; n < 300; n += 7 {
		b := make([]byte, n)
		io.ReadFull(rnd, b)
		inputs = append(inputs, b)
		b2 := bytes.Clone(b)
		if len(b2) > 0 {
			b2[0] = 4
		}
		inputs = append(inputs, b2)
	}
	for typ, k := range keys {
		for _, in := range inputs {
			if pt, err := memo.Open(ctx, k, in); err != memo.ErrDecrypt {
				t.Errorf("%v: Open(%x) = %q, %v; want ErrDecrypt", typ, in, pt, err)
			}
		}
		for _, s := range []string{"", "!!!", "AAAA", "not base64 at all", base64.StdEncoding.EncodeToString(make([]byte, 200))} {
			var v any
			if err := memo.DecryptJSON(ctx, k, s, &v); err != memo.ErrDecrypt {
				t.Errorf("%v: DecryptJSON(%q) = %v; want ErrDecrypt", typ, s, err)
			}
		}
	}
}

func TestOpenContext(t *testing.T) {
	keys, cts := cryptSealed(t, 8, []byte(`"x"`))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for typ, ct := range cts {
		if _, err := memo.Open(cancelled, keys[typ], ct); !errors.Is(err, context.Canceled) {
			t.Errorf("%v: Open with a cancelled ctx: %v", typ, err)
		}
		var v any
		if err := memo.DecryptJSON(cancelled, keys[typ], base64.StdEncoding.EncodeToString(ct), &v); !errors.Is(err, context.Canceled) {
			t.Errorf("%v: DecryptJSON with a cancelled ctx: %v", typ, err)
		}
		// The context is checked before anything else: garbage gives the
		// context's error too, and a holder is not asked.
		dev := &cryptDevice{key: keys[typ]}
		if _, err := memo.Open(cancelled, dev, []byte("garbage")); err != context.Canceled || dev.calls.Load() != 0 {
			t.Errorf("%v: Open(garbage) with a cancelled ctx: %v after %d holder calls", typ, err, dev.calls.Load())
		}
		if _, err := keys[typ].SharedSecret(cancelled, make([]byte, 32)); !errors.Is(err, context.Canceled) {
			t.Errorf("%v: SharedSecret with a cancelled ctx: %v", typ, err)
		}
		// When the context ends while a holder waits, Open reports the
		// context's error whatever the holder says.
		for _, fail := range []error{nil, errors.New("device: request aborted"), memo.ErrDecrypt} {
			ctx, cancel := context.WithCancel(context.Background())
			h := &cryptDevice{key: keys[typ], before: cancel, fail: fail}
			if _, err := memo.Open(ctx, h, ct); err != context.Canceled {
				t.Errorf("%v: holder cancelled mid-call, saying %v: Open = %v", typ, fail, err)
			}
		}
	}
}

// cryptDevice stands in for a hardware wallet: it answers Diffie-Hellman
// requests for a key it never hands out.
type cryptDevice struct {
	key    *memo.PrivateKey
	calls  atomic.Int32
	fail   error  // returned instead of answering
	before func() // called before answering
}

func (d *cryptDevice) PublicKey() memo.PublicKey { return d.key.PublicKey() }

func (d *cryptDevice) SharedSecret(ctx context.Context, peer []byte) ([]byte, error) {
	d.calls.Add(1)
	if d.before != nil {
		d.before()
	}
	if d.fail != nil {
		return nil, d.fail
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.key.SharedSecret(ctx, peer)
}

func TestCustomKeyHolder(t *testing.T) {
	ctx := context.Background()
	msg := map[string]string{"contract_id": "dc411912-bcdd-4f73-af43-32ec45844b9a"}
	for typ, k := range cryptKeys(t, cryptRand(9)) {
		dev := &cryptDevice{key: k}
		var _ memo.KeyHolder = dev
		b64, err := memo.EncryptJSON(nil, dev.PublicKey(), msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := memo.DecryptJSON(ctx, dev, b64, &got); err != nil || !reflect.DeepEqual(got, msg) {
			t.Fatalf("%v: DecryptJSON through a device = %v, %v", typ, got, err)
		}
		if dev.calls.Load() != 1 {
			t.Errorf("%v: %d SharedSecret calls, want 1", typ, dev.calls.Load())
		}

		unplugged := errors.New("device unplugged")
		dev.fail = unplugged
		ct, _ := base64.StdEncoding.DecodeString(b64)
		if _, err := memo.Open(ctx, dev, ct); !errors.Is(err, unplugged) || errors.Is(err, memo.ErrDecrypt) {
			t.Errorf("%v: device failure: %v, want it passed on", typ, err)
		}
		dev.fail = fmt.Errorf("device rejects the point: %w", memo.ErrDecrypt)
		if _, err := memo.Open(ctx, dev, ct); err != memo.ErrDecrypt {
			t.Errorf("%v: device blames the input: %v, want plain ErrDecrypt", typ, err)
		}
	}
}

func TestKeyHolderSharedSecret(t *testing.T) {
	ctx := context.Background()
	keys := cryptKeys(t, cryptRand(10))
	// Wrong sizes and invalid points wrap ErrDecrypt.
	for typ, k := range keys {
		for _, peer := range [][]byte{nil, make([]byte, 31), make([]byte, 32), make([]byte, 33), make([]byte, 65)} {
			if _, err := k.SharedSecret(ctx, peer); !errors.Is(err, memo.ErrDecrypt) {
				t.Errorf("%v: SharedSecret(%d zero bytes) = %v, want ErrDecrypt", typ, len(peer), err)
			}
		}
	}
	var zero memo.PrivateKey
	if _, err := zero.SharedSecret(ctx, make([]byte, 32)); err == nil {
		t.Error("zero PrivateKey answered SharedSecret")
	}
	var nilKey *memo.PrivateKey
	if _, err := memo.Open(ctx, nilKey, make([]byte, 200)); err == nil {
		t.Error("Open with a nil *PrivateKey succeeded")
	}
	if _, err := memo.Open(ctx, nil, make([]byte, 200)); err == nil {
		t.Error("Open with a nil KeyHolder succeeded")
	}
}

// cryptX25519 converts an ed25519 seed and public key the way libsodium
// does, independently of the package.
func cryptX25519(t *testing.T, seed []byte) (pub, priv *[32]byte) {
	h := sha512.Sum512(seed)
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	priv = new([32]byte)
	copy(priv[:], h[:32])
	edPub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	p, err := new(edwards25519.Point).SetBytes(edPub)
	if err != nil {
		t.Fatal(err)
	}
	pub = new([32]byte)
	copy(pub[:], p.BytesMontgomery())
	return pub, priv
}

// TestSealedBoxMatchesNaCl checks the sealed box against x/crypto's own
// crypto_box_seal in both directions.
func TestSealedBoxMatchesNaCl(t *testing.T) {
	ctx := context.Background()
	rnd := cryptRand(11)
	for i := 0; i < 20; i++ {
		seed := make([]byte, 32)
		io.ReadFull(rnd, seed)
		k, err := memo.ParsePrivateKey("ED" + hex.EncodeToString(seed))
		if err != nil {
			t.Fatal(err)
		}
		xpub, xpriv := cryptX25519(t, seed)
		edPub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if pk := k.PublicKey(); !bytes.Equal(pk[1:], edPub) {
			t.Fatalf("public key %s, want ED%X", pk, edPub)
		}
		msg := make([]byte, i*13)
		io.ReadFull(rnd, msg)

		ours, err := memo.Seal(rnd, k.PublicKey(), msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := box.OpenAnonymous(nil, ours, xpub, xpriv); !ok || !bytes.Equal(got, msg) {
			t.Fatalf("box.OpenAnonymous of Seal: %x, %v", got, ok)
		}
		theirs, err := box.SealAnonymous(nil, msg, xpub, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := memo.Open(ctx, k, theirs); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Open of box.SealAnonymous: %x, %v", got, err)
		}
		// Through a holder that is not a *PrivateKey, the recipient key is
		// converted from the ed25519 key rather than taken from the cache.
		if got, err := memo.Open(ctx, &cryptDevice{key: k}, theirs); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Open through a device: %x, %v", got, err)
		}
	}
}

// TestCryptSharedXLeadingZero searches ephemeral keys deterministically until
// the shared X starts with a zero byte, then checks that the MAC and AES keys
// come from the hash of X without it, as eccrypto's browser build does.
func TestCryptSharedXLeadingZero(t *testing.T) {
	ctx := context.Background()
	k, err := memo.ParsePrivateKey("00" + strings.Repeat("11", 32))
	if err != nil {
		t.Fatal(err)
	}
	pub := k.PublicKey()
	recip, err := secp256k1.ParsePubKey(pub[:])
	if err != nil {
		t.Fatal(err)
	}
	var eph []byte
	var x []byte
	for i := uint32(1); i < 1<<16; i++ {
		e := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		x = secp256k1.GenerateSharedSecret(secp256k1.PrivKeyFromBytes(e[:]), recip)
		if x[0] == 0 {
			eph = e[:]
			break
		}
	}
	if eph == nil {
		t.Fatal("no ephemeral key gave a leading zero")
	}
	msg := []byte(`{"quirk":"BN.toArray"}`)
	iv := bytes.Repeat([]byte{0xa5}, 16)
	ct, err := memo.Seal(cryptNoRand{}, pub, msg, &memo.SealOptions{IV: iv, EphemeralKey: eph})
	if err != nil {
		t.Fatal(err)
	}
	mac := func(x []byte) []byte {
		h := sha512.Sum512(x)
		m := hmac.New(sha256.New, h[32:])
		m.Write(ct[65:81])
		m.Write(ct[:65])
		m.Write(ct[113:])
		return m.Sum(nil)
	}
	if got := ct[81:113]; !bytes.Equal(got, mac(bytes.TrimLeft(x, "\x00"))) {
		t.Errorf("MAC is not keyed from the trimmed X")
	}
	if bytes.Equal(ct[81:113], mac(x)) {
		t.Errorf("MAC is keyed from the padded X")
	}
	if got, err := memo.Open(ctx, k, ct); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("Open = %q, %v", got, err)
	}
}

func TestParsePublicKey(t *testing.T) {
	_, edPub, _ := keypairs.DeriveKeypair("sEdSm13uPwcsNdf4bpzivQQvuTXe5xg", false)
	_, secpPub, _ := keypairs.DeriveKeypair("ssQCzEyFi8mQNj1YYUCYGSQ1t9UnJ", false)
	for _, tc := range []struct {
		s    string
		want memo.KeyType
	}{
		{edPub, memo.KeyEd25519},
		{strings.ToLower(edPub), memo.KeyEd25519},
		{secpPub, memo.KeySecp256k1},
		{strings.ToLower(secpPub), memo.KeySecp256k1},
	} {
		k, err := memo.ParsePublicKey(tc.s)
		if err != nil {
			t.Errorf("ParsePublicKey(%s): %v", tc.s, err)
			continue
		}
		if k.Type() != tc.want || k.String() != strings.ToUpper(tc.s) {
			t.Errorf("ParsePublicKey(%s) = %v %s", tc.s, k.Type(), k)
		}
	}
	if memo.KeyEd25519.String() != "ed25519" || memo.KeySecp256k1.String() != "secp256k1" {
		t.Errorf("KeyType names: %v %v", memo.KeyEd25519, memo.KeySecp256k1)
	}

	// An ed25519 point of order 8, and the base point plus it (a valid point
	// outside the prime-order subgroup): libsodium refuses both.
	order8 := cryptHex(t, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	t8, err := new(edwards25519.Point).SetBytes(order8)
	if err != nil {
		t.Fatal(err)
	}
	mixed := new(edwards25519.Point).Add(edwards25519.NewGeneratorPoint(), t8).Bytes()
	notOnCurve := "02" + strings.Repeat("00", 31) + "05" // x = 5: x³+7 is not a square
	for _, s := range []string{
		"", "ED", edPub[:64], edPub + "00", "0x" + edPub[2:],
		"ZZ" + edPub[2:], "04" + secpPub[2:], "00" + secpPub[2:], "05" + secpPub[2:],
		notOnCurve,
		"02" + strings.Repeat("FF", 32), // x ≥ p
		"ED" + hex.EncodeToString(order8),
		"ED01" + strings.Repeat("00", 31), // the identity
		"ED" + hex.EncodeToString(mixed),
		"ED" + strings.Repeat("FF", 32),   // y ≥ p, outside the subgroup
		"ED02" + strings.Repeat("00", 31), // y = 2 is not on the curve
	} {
		if k, err := memo.ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) = %s, want an error", s, k)
		}
	}
	// The generator itself is fine, and passes the subgroup check.
	if _, err := memo.ParsePublicKey("ED" + hex.EncodeToString(edwards25519.NewGeneratorPoint().Bytes())); err != nil {
		t.Errorf("ParsePublicKey(base point): %v", err)
	}
}

func TestParsePrivateKey(t *testing.T) {
	edPriv, edPub, _ := keypairs.DeriveKeypair("sEdTDrgjjJBMrAWswu3E9fkhphoM29t", false)
	secpPriv, secpPub, _ := keypairs.DeriveKeypair("ssPiAMuSwRcTP4sgGz51W8mNNVTF9", false)
	for priv, pub := range map[string]string{edPriv: edPub, secpPriv: secpPub, strings.ToLower(edPriv): edPub} {
		k, err := memo.ParsePrivateKey(priv)
		if err != nil {
			t.Fatalf("ParsePrivateKey: %v", err)
		}
		if k.PublicKey().String() != strings.ToUpper(pub) {
			t.Errorf("PublicKey() = %s, want %s", k.PublicKey(), pub)
		}
	}
	n := secp256k1.Params().N
	secret := strings.Repeat("AB", 32)
	for _, s := range []string{
		"", secpPriv[:64], secpPriv + "00", "01" + secpPriv[2:], "02" + secpPriv[2:],
		"00" + strings.Repeat("00", 32),    // zero scalar
		"00" + strings.ToUpper(n.Text(16)), // n
		"00" + strings.Repeat("FF", 32),    // above n
		"ZZ" + secret, "0G" + secret, "ED" + secret[2:] + "Q",
	} {
		k, err := memo.ParsePrivateKey(s)
		if err == nil {
			t.Errorf("ParsePrivateKey(%q) = %s, want an error", s, k.PublicKey())
			continue
		}
		if strings.Contains(strings.ToUpper(err.Error()), secret[:16]) || (len(s) > 8 && strings.Contains(err.Error(), s[2:10])) {
			t.Errorf("error %q quotes the key", err)
		}
	}
}

func TestSealOptions(t *testing.T) {
	keys := cryptKeys(t, cryptRand(12))
	secp := keys[memo.KeySecp256k1].PublicKey()
	ed := keys[memo.KeyEd25519].PublicKey()
	iv := make([]byte, 16)
	eph := bytes.Repeat([]byte{0x42}, 32)
	n := secp256k1.Params().N.FillBytes(make([]byte, 32))
	for name, opts := range map[string]*memo.SealOptions{
		"short IV":           {IV: iv[:15], EphemeralKey: eph},
		"long IV":            {IV: make([]byte, 17)},
		"empty IV":           {IV: []byte{}},
		"short key":          {IV: iv, EphemeralKey: eph[:31]},
		"zero key":           {IV: iv, EphemeralKey: make([]byte, 32)},
		"key n":              {EphemeralKey: n},
		"33-byte ripple key": {EphemeralKey: append([]byte{0}, eph...)},
	} {
		if _, err := memo.Seal(cryptRand(1), secp, []byte("x"), opts); err == nil {
			t.Errorf("%s: Seal accepted it", name)
		}
	}
	opts := &memo.SealOptions{IV: iv, EphemeralKey: eph}
	a, err1 := memo.Seal(cryptNoRand{}, secp, []byte("x"), opts)
	b, err2 := memo.Seal(cryptNoRand{}, secp, []byte("x"), opts)
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Errorf("deterministic Seal: %v %v, equal %v", err1, err2, bytes.Equal(a, b))
	}
	// Only the IV given: the ephemeral key still comes from rand.
	if _, err := memo.Seal(cryptNoRand{}, secp, []byte("x"), &memo.SealOptions{IV: iv}); err == nil {
		t.Error("Seal with IV only read no randomness")
	}
	// ed25519 ignores the options, like EncryptionHelper.
	c, err := memo.Seal(cryptorand.Reader, ed, []byte("x"), opts)
	d, _ := memo.Seal(cryptorand.Reader, ed, []byte("x"), opts)
	if err != nil || bytes.Equal(c, d) {
		t.Errorf("ed25519 with options: %v, equal %v", err, bytes.Equal(c, d))
	}
	for typ, pub := range map[string]memo.PublicKey{"ed25519": ed, "secp256k1": secp} {
		if _, err := memo.Seal(cryptNoRand{}, pub, []byte("x"), nil); err == nil {
			t.Errorf("%s: Seal with failing randomness succeeded", typ)
		}
		if _, err := memo.Seal(bytes.NewReader(make([]byte, 1000)), pub, []byte("x"), nil); typ == "secp256k1" && err == nil {
			t.Errorf("%s: Seal with all-zero randomness succeeded", typ)
		}
	}
	// Keys that were never parsed are checked by Seal.
	var zero memo.PublicKey
	bad := zero
	bad[0] = 0xED
	bad[1] = 2 // y = 2 is not on the curve
	lowOrder := zero
	lowOrder[0], lowOrder[1] = 0xED, 1
	for name, pub := range map[string]memo.PublicKey{"zero": zero, "ed25519 not a point": bad, "identity": lowOrder} {
		if _, err := memo.Seal(cryptorand.Reader, pub, []byte("x"), nil); err == nil {
			t.Errorf("Seal to %s key succeeded", name)
		}
	}
}

func TestEncryptJSONLikeJSONStringify(t *testing.T) {
	ctx := context.Background()
	type req struct {
		Owner  string         `json:"owner_pubkey"`
		Image  string         `json:"image"`
		Config map[string]any `json:"config"`
		Note   string         `json:"note,omitempty"`
	}
	for typ, k := range cryptKeys(t, cryptRand(13)) {
		for _, tc := range []struct {
			v    any
			want string
		}{
			{"hello", `"hello"`},
			{nil, `null`},
			{12.5, `12.5`},
			{1e21, `1e+21`},
			{req{Owner: "ed01", Image: "a<b>&c", Config: map[string]any{"z": 1, "a": []int{}}},
				`{"owner_pubkey":"ed01","image":"a<b>&c","config":{"a":[],"z":1}}`},
			{"line\u2028para\u2029tab\t\\u2028", "\"line\u2028para\u2029tab\\t\\\\u2028\""},
			{json.RawMessage(`{ "b" : 1, "a" : "<\u2028>" }`), "{\"b\":1,\"a\":\"<\u2028>\"}"},
		} {
			b64, err := memo.EncryptJSON(nil, k.PublicKey(), tc.v, nil)
			if err != nil {
				t.Fatalf("%v: EncryptJSON(%#v): %v", typ, tc.v, err)
			}
			ct, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			got, err := memo.Open(ctx, k, ct)
			if err != nil || string(got) != tc.want {
				t.Errorf("%v: EncryptJSON(%#v) encrypts %q, %v; want %q", typ, tc.v, got, err, tc.want)
			}
		}
		if _, err := memo.EncryptJSON(nil, k.PublicKey(), func() {}, nil); err == nil {
			t.Errorf("%v: EncryptJSON of a func succeeded", typ)
		}
	}
}

func TestDecryptJSON(t *testing.T) {
	ctx := context.Background()
	for typ, k := range cryptKeys(t, cryptRand(14)) {
		b64, err := memo.EncryptJSON(nil, k.PublicKey(), map[string]int{"n": 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ N int }
		if err := memo.DecryptJSON(ctx, k, strings.TrimRight(b64, "="), &v); err != nil || v.N != 1 {
			t.Errorf("%v: unpadded base64: %v %v", typ, v, err)
		}
		var wrong struct{ N string }
		if err := memo.DecryptJSON(ctx, k, b64, &wrong); err == nil || errors.Is(err, memo.ErrDecrypt) {
			t.Errorf("%v: type mismatch gave %v", typ, err)
		}
		ct, err := memo.Seal(nil, k.PublicKey(), []byte("not json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var any1 any
		err = memo.DecryptJSON(ctx, k, base64.StdEncoding.EncodeToString(ct), &any1)
		if err == nil || errors.Is(err, memo.ErrDecrypt) {
			t.Errorf("%v: a plaintext that is not JSON gave %v", typ, err)
		}
	}
}

// cryptECIES builds Evernode's ECIES framing around padded, a whole number
// of AES blocks whose padding the caller chose, with a valid MAC. It is an
// independent implementation of the format, so that Open can be shown bad
// padding behind a good MAC.
func cryptECIES(t *testing.T, to memo.PublicKey, padded []byte) []byte {
	t.Helper()
	return cryptECIESPrefix(t, to, padded, false)
}

// cryptECIESPrefix is cryptECIES, with the ephemeral key in the hybrid
// encoding (06 or 07 by the parity of Y) if hybrid is set.
func cryptECIESPrefix(t *testing.T, to memo.PublicKey, padded []byte, hybrid bool) []byte {
	t.Helper()
	eph := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
	recip, err := secp256k1.ParsePubKey(to[:])
	if err != nil {
		t.Fatal(err)
	}
	h := sha512.Sum512(bytes.TrimLeft(secp256k1.GenerateSharedSecret(eph, recip), "\x00"))
	iv := bytes.Repeat([]byte{7}, 16)
	block, err := aes.NewCipher(h[:32])
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	pub := eph.PubKey().SerializeUncompressed()
	if hybrid {
		pub[0] = 6 | pub[64]&1
	}
	m := hmac.New(sha256.New, h[32:])
	m.Write(iv)
	m.Write(pub)
	m.Write(ct)
	return slices.Concat(pub, iv, m.Sum(nil), ct)
}

func TestOpenECIESPadding(t *testing.T) {
	ctx := context.Background()
	k := cryptKeys(t, cryptRand(15))[memo.KeySecp256k1]
	block := func(tail ...byte) []byte {
		return append(bytes.Repeat([]byte{'x'}, 32-len(tail)), tail...)
	}
	good := cryptECIES(t, k.PublicKey(), block(3, 3, 3))
	if got, err := memo.Open(ctx, k, good); err != nil || string(got) != strings.Repeat("x", 29) {
		t.Fatalf("independently built ciphertext: %q, %v", got, err)
	}
	full := cryptECIES(t, k.PublicKey(), append(bytes.Repeat([]byte{'x'}, 16), bytes.Repeat([]byte{16}, 16)...))
	if got, err := memo.Open(ctx, k, full); err != nil || string(got) != strings.Repeat("x", 16) {
		t.Fatalf("full padding block: %q, %v", got, err)
	}
	for name, padded := range map[string][]byte{
		"zero":         block(0),
		"17":           block(17, 17),
		"255":          block(255),
		"inconsistent": block(2, 3, 3),
		"one short":    block(4, 4, 4),
	} {
		if got, err := memo.Open(ctx, k, cryptECIES(t, k.PublicKey(), padded)); err != memo.ErrDecrypt {
			t.Errorf("padding %s: Open = %q, %v; want ErrDecrypt", name, got, err)
		}
	}
}

// TestOpenECIESHybridKey: elliptic, which eccrypto uses, accepts an
// ephemeral key with the hybrid prefix 06/07, so Open does too; a prefix
// that contradicts Y's parity is refused.
func TestOpenECIESHybridKey(t *testing.T) {
	ctx := context.Background()
	k := cryptKeys(t, cryptRand(16))[memo.KeySecp256k1]
	padded := append([]byte("hybrid"), bytes.Repeat([]byte{10}, 10)...)
	ct := cryptECIESPrefix(t, k.PublicKey(), padded, true)
	if ct[0] != 6 && ct[0] != 7 {
		t.Fatalf("prefix %x", ct[0])
	}
	if got, err := memo.Open(ctx, k, ct); err != nil || string(got) != "hybrid" {
		t.Errorf("hybrid ephemeral key: %q, %v", got, err)
	}
	ct[0] ^= 1
	if _, err := memo.Open(ctx, k, ct); err != memo.ErrDecrypt {
		t.Errorf("hybrid prefix with the wrong parity: %v, want ErrDecrypt", err)
	}
}

// cryptLowOrderDevice answers X25519 like curve25519.ScalarMult, which
// returns zeros for a low-order peer instead of an error.
type cryptLowOrderDevice struct{ pub memo.PublicKey }

func (d cryptLowOrderDevice) PublicKey() memo.PublicKey { return d.pub }

func (d cryptLowOrderDevice) SharedSecret(context.Context, []byte) ([]byte, error) {
	return make([]byte, 32), nil
}

// TestOpenLowOrderEphemeral: a sealed box made with a low-order ephemeral
// key has a shared key anyone can compute. libsodium refuses to open it;
// Open must too, even through a holder that does not check.
func TestOpenLowOrderEphemeral(t *testing.T) {
	ctx := context.Background()
	k := cryptKeys(t, cryptRand(17))[memo.KeyEd25519]
	pub := k.PublicKey()
	rpk, err := new(edwards25519.Point).SetBytes(pub[1:])
	if err != nil {
		t.Fatal(err)
	}
	var epk [32]byte // u = 0 has order 2
	// Any scalar times a low-order point is zero: the box key is
	// HSalsa20 of 32 zero bytes, whoever computes it.
	var key, anyKey [32]byte
	anyKey[0] = 1
	box.Precompute(&key, &epk, &anyKey)
	h, _ := blake2b.New(24, nil)
	h.Write(epk[:])
	h.Write(rpk.BytesMontgomery())
	var nonce [24]byte
	h.Sum(nonce[:0])
	ct := box.SealAfterPrecomputation(bytes.Clone(epk[:]), []byte("forged"), &nonce, &key)

	for name, kh := range map[string]memo.KeyHolder{"PrivateKey": k, "unchecking device": cryptLowOrderDevice{pub}} {
		if got, err := memo.Open(ctx, kh, ct); err != memo.ErrDecrypt {
			t.Errorf("%s: forged box opens: %q, %v", name, got, err)
		}
	}
}
