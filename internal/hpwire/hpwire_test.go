package hpwire

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
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

func TestBSONFields(t *testing.T) {
	doc, err := bson.Marshal(bson.D{{Key: "type", Value: "stat"}, {Key: "sig", Value: bson.Binary{Data: []byte{1, 2}}}, {Key: "n", Value: int64(3)}})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := BSONString(doc, "type"); !ok || s != "stat" {
		t.Errorf("BSONString = %q, %v", s, ok)
	}
	if b, ok := BSONBinary(doc, "sig"); !ok || len(b) != 2 {
		t.Errorf("BSONBinary = %x, %v", b, ok)
	}
	for _, k := range []string{"missing", "n"} {
		if _, ok := BSONString(doc, k); ok {
			t.Errorf("BSONString(%q) ok", k)
		}
		if _, ok := BSONBinary(doc, k); ok {
			t.Errorf("BSONBinary(%q) ok", k)
		}
	}
}

func TestListHash(t *testing.T) {
	if got := ListHash(); hex.EncodeToString(got) != strings.Repeat("00", 32) {
		t.Fatalf("ListHash() = %x, want 32 zero bytes (crypto::get_list_hash of an empty list)", got)
	}
	if got, want := ListHash([]byte("a"), []byte("b")), Hash([]byte("ab")); hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Fatalf("ListHash(a, b) = %x, want %x", got, want)
	}
	if hex.EncodeToString(Hash()) == strings.Repeat("00", 32) {
		t.Fatal("Hash() of nothing is BLAKE3 of the empty string")
	}
}
