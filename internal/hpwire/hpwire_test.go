package hpwire

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestPublicKeyRoundTrip(t *testing.T) {
	pub := ed25519.PublicKey(make([]byte, 32))
	pub[0] = 7
	s := PublicKeyHex(pub)
	if !strings.HasPrefix(s, "ed") || len(s) != 66 {
		t.Fatalf("PublicKeyHex = %s", s)
	}
	got, err := ParsePublicKey(s)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey = %x, %v", got, err)
	}
	for _, bad := range []string{"", "ed", s[:64], "ab" + s[2:], "ed" + strings.Repeat("zz", 32)} {
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrKey) {
			t.Errorf("ParsePublicKey(%q) = %v", bad, err)
		}
	}
}

func TestHash(t *testing.T) {
	// BLAKE3-256 of the empty input, and of parts equal to their concatenation.
	if got := hex.EncodeToString(Hash()); got != "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262" {
		t.Fatalf("Hash() = %s", got)
	}
	if hex.EncodeToString(Hash([]byte("ab"), []byte("c"))) != hex.EncodeToString(Hash([]byte("abc"))) {
		t.Fatal("Hash is not over the concatenation")
	}
}

func TestIsJSONLiteral(t *testing.T) {
	for s, want := range map[string]bool{
		`{"a":1}`: true, `[1]`: true, `"x"`: true, "true": true, "false": true, "12": true, "1.5": true,
		"": false, "hello": false, "1.2.3": false, `{`: false, "-1": false, "null": false,
	} {
		if got := IsJSONLiteral([]byte(s)); got != want {
			t.Errorf("IsJSONLiteral(%q) = %v, want %v", s, got, want)
		}
	}
}
