package uuid

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"testing"
)

func TestNewV4(t *testing.T) {
	got, err := NewV4(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil || got != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = NewV4(bytes.NewReader(make([]byte, 16)))
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(got) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := NewV4(bytes.NewReader(make([]byte, 15))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short rand: %v", err)
	}
}
