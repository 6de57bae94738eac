package contract

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signStreamed's signatures verify as ed25519, whatever the split of the message into
// parts, and are deterministic.
func TestSignStreamedVerifies(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	for _, n := range []int{0, 1, 63, 64, 127, 128, 129, 1000, 70_000} {
		msg := make([]byte, n)
		rand.Read(msg)
		sig := signStreamed(priv, msg)
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, msg, sig) {
			t.Fatalf("%d bytes: signature does not verify", n)
		}
		for _, cut := range []int{0, n / 3, n} {
			if got := signStreamed(priv, msg[:cut], nil, msg[cut:]); !bytes.Equal(got, sig) {
				t.Fatalf("%d bytes cut at %d: signature differs from the whole message's", n, cut)
			}
		}
		if n > 0 {
			other := bytes.Clone(msg)
			other[n-1] ^= 1
			if ed25519.Verify(pub, other, sig) {
				t.Fatalf("%d bytes: signature verifies a changed message", n)
			}
			if osig := signStreamed(priv, other); bytes.Equal(osig[:32], sig[:32]) {
				t.Fatalf("%d bytes: two messages share the nonce R", n)
			}
		}
	}
}

// The streamed nonce is not RFC 8032's: the signature differs from ed25519.Sign's (both
// verify), and a message built from the streamed nonce's inputs does not share its R.
func TestSignStreamedNonceIsItsOwn(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("same message")
	a, b := signStreamed(priv, msg), ed25519.Sign(priv, msg)
	if bytes.Equal(a[:32], b[:32]) {
		t.Fatal("streamed and RFC 8032 signatures share R")
	}
	_, priv2, _ := ed25519.GenerateKey(nil)
	if bytes.Equal(signStreamed(priv2, msg)[:32], a[:32]) {
		t.Fatal("two keys share R for one message")
	}
}

func FuzzSignStreamed(f *testing.F) {
	f.Add([]byte("seed-seed-seed-seed-seed-seed-32"), []byte("m"), uint16(0))
	f.Fuzz(func(t *testing.T, seed, msg []byte, cut uint16) {
		if len(seed) != ed25519.SeedSize {
			return
		}
		priv := ed25519.NewKeyFromSeed(seed)
		c := int(cut) % (len(msg) + 1)
		sig := signStreamed(priv, msg[:c], msg[c:])
		if !ed25519.Verify(priv.Public().(ed25519.PublicKey), msg, sig) {
			t.Fatal("signature does not verify")
		}
	})
}

// TestJSVerifiesStreamedSignatures: libsodium's crypto_sign_verify_detached, which hpcore
// uses for contract inputs, accepts streamed signatures (an upload container among them)
// and refuses a tampered one.
func TestJSVerifiesStreamedSignatures(t *testing.T) {
	nodeBin, mods := jsClient(t)
	script, _ := filepath.Abs(filepath.Join("testdata", "jsinterop", "verify_sig.js"))
	var in bytes.Buffer
	var want []string
	add := func(priv ed25519.PrivateKey, msg, sig []byte, ok bool) {
		line, _ := json.Marshal(map[string]string{"pub": hex.EncodeToString(priv.Public().(ed25519.PublicKey)), "msg": hex.EncodeToString(msg), "sig": hex.EncodeToString(sig)})
		in.Write(append(line, '\n'))
		want = append(want, map[bool]string{true: "ok", false: "bad"}[ok])
	}
	for i := range 40 {
		_, priv, _ := ed25519.GenerateKey(nil)
		msg := make([]byte, i*97)
		rand.Read(msg)
		add(priv, msg, signStreamed(priv, msg), true)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	zip := make([]byte, 300_000)
	rand.Read(zip)
	u := bsonUploadParts(zip, 1700000000123, 42)
	cont := bytes.Join(u.container(), nil)
	sig := signStreamed(priv, u.container()...)
	add(priv, cont, sig, true)
	sig[40] ^= 1
	add(priv, cont, sig, false)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, script)
	cmd.Env = append(cmd.Environ(), "NODE_PATH="+mods)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("verify_sig.js: %v", err)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("libsodium verdicts %v, want %v", got, want)
	}
}
