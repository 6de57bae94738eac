package memo

import (
	"encoding/hex"
	"fmt"
	"io"
)

// NewContractID returns a random version 4 UUID in its 8-4-4-4-12 text
// form, what Requirement.ContractID holds (evdevkit makes them the same
// way). rand is the randomness, crypto/rand.Reader outside tests.
func NewContractID(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("memo: contract id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
