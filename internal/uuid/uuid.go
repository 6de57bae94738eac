// Package uuid makes random version 4 UUIDs, the form of a HotPocket
// contract id. It has no dependencies, so that both the tenant side (memo)
// and the node (internal/hotpocket) can use it.
package uuid

import (
	"encoding/hex"
	"io"
)

// NewV4 returns a random version 4 UUID (RFC 4122 variant) in its
// 8-4-4-4-12 lowercase text form, reading 16 bytes from rand.
func NewV4(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
