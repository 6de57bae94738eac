package contract

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The overlapped upload writes head ‖ container ‖ tail; those bytes must be
// exactly the BSON message encodeInputMessage builds.
func TestBSONInputHeadTailMatchEncoder(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	for _, n := range []int{1, 100, 70_000} {
		cont, err := encodeInputContainer(ProtocolBSON, bytes.Repeat([]byte{7}, n), 42, 1000)
		if err != nil {
			t.Fatal(err)
		}
		sig := ed25519.Sign(key, cont)
		want, err := encodeInputMessage(ProtocolBSON, cont, sig)
		if err != nil {
			t.Fatal(err)
		}
		head, total := bsonInputHead(len(cont))
		got := append(append(head, cont...), bsonInputTail(sig)...)
		if !bytes.Equal(got, want) || total != len(want) {
			t.Fatalf("%d-byte input: streamed message differs from the encoder's (%d vs %d bytes)", n, len(got), len(want))
		}
	}
}

// bsonUploadParts must lay out exactly what the BSON encoder builds for the upload input.
func TestBSONUploadPartsMatchEncoder(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	for _, n := range []int{0, 1, 100, 70_000} {
		zip := bytes.Repeat([]byte{9}, n)
		inner, err := bson.Marshal(bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{Data: zip}}})
		if err != nil {
			t.Fatal(err)
		}
		wantCont, err := encodeInputContainer(ProtocolBSON, inner, 1<<40+3, 1<<33+5)
		if err != nil {
			t.Fatal(err)
		}
		sig := ed25519.Sign(key, wantCont)
		want, err := encodeInputMessage(ProtocolBSON, wantCont, sig)
		if err != nil {
			t.Fatal(err)
		}
		u := bsonUploadParts(zip, 1<<40+3, 1<<33+5)
		if cont := bytes.Join(u.container(), nil); !bytes.Equal(cont, wantCont) {
			t.Fatalf("%d-byte zip: container differs", n)
		}
		got := bytes.Join([][]byte{u.head, u.contHead, u.zip, u.contTail, bsonInputTail(sig)}, nil)
		if !bytes.Equal(got, want) || u.size() != len(want) {
			t.Fatalf("%d-byte zip: message differs (%d vs %d bytes, size %d)", n, len(got), len(want), u.size())
		}
	}
}
