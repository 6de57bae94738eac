// Package hp adapts the HotPocket node runtime for the instance backends:
// provisioning a contract directory and running a node over it.
package hp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
)

// ProvisionOptions are what a backend knows when it provisions an instance.
type ProvisionOptions struct {
	OwnerPubkey string
	ContractID  string
	UserPort    int
	PeerPort    int
	Override    json.RawMessage
	Rand        io.Reader
}

// Node is a running (or runnable) HotPocket node.
type Node interface {
	Start(ctx context.Context) error
	Close() error
}

// NodeOptions configure Open.
type NodeOptions struct {
	Logger     *slog.Logger
	ListenHost string
}
