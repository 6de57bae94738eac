//go:build !linux

package hotpocket

import (
	"context"
	"errors"
)

// runProcess needs Linux (memfd, SEQPACKET socket pairs); elsewhere only the built-in
// bootstrap contract runs.
func (n *Node) runProcess(ctx context.Context, req execRequest, state string) (execResult, error) {
	return execResult{}, errors.New("hotpocket: contract processes are supported on linux only")
}
