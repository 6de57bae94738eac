package hp

import (
	"errors"
	"fmt"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/internal/hotpocket"
)

// Provision writes a sashimono-style contract directory with
// internal/hotpocket and returns the node's public key. A tenant override
// hotpocket refuses is instance.ErrBadRequirements.
func Provision(dir string, o ProvisionOptions) (string, error) {
	cfg, err := hotpocket.Provision(dir, hotpocket.ProvisionOptions{
		OwnerPubkey: o.OwnerPubkey,
		ContractID:  o.ContractID,
		UserPort:    o.UserPort,
		PeerPort:    o.PeerPort,
		Override:    o.Override,
		Rand:        o.Rand,
	})
	if err != nil {
		if errors.Is(err, hotpocket.ErrConfig) || errors.Is(err, hotpocket.ErrKey) {
			return "", fmt.Errorf("%w: %v", instance.ErrBadRequirements, err)
		}
		return "", err
	}
	return cfg.Node.PublicKey, nil
}

// Open opens the node over a provisioned directory.
func Open(dir string, o *NodeOptions) (Node, error) {
	var opts hotpocket.Options
	if o != nil {
		opts.Logger, opts.ListenHost = o.Logger, o.ListenHost
	}
	n, err := hotpocket.Open(dir, &opts)
	if err != nil {
		return nil, err
	}
	return n, nil
}
