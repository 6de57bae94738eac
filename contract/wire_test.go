package contract

import (
	"bytes"
	"crypto/ed25519"
	"testing"
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
