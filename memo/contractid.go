package memo

import (
	"fmt"
	"io"

	"github.com/evernode-go/sdk/internal/uuid"
)

// NewContractID returns a random version 4 UUID in its 8-4-4-4-12 text
// form, what Requirement.ContractID holds (evdevkit makes them the same
// way). rand is the randomness, crypto/rand.Reader outside tests.
func NewContractID(rand io.Reader) (string, error) {
	id, err := uuid.NewV4(rand)
	if err != nil {
		return "", fmt.Errorf("memo: contract id: %w", err)
	}
	return id, nil
}
