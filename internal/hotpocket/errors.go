package hotpocket

import (
	"errors"
	"fmt"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Errors returned by this package; check them with errors.Is.
var (
	// ErrConfig is wrapped by every *ConfigError.
	ErrConfig = errors.New("hotpocket: invalid config")
	// ErrExists is returned by Provision when the directory already holds a contract.
	ErrExists = errors.New("hotpocket: contract directory already provisioned")
	// ErrClosed is returned by Start after Close.
	ErrClosed = errors.New("hotpocket: node closed")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("hotpocket: node already started")
	// ErrKey is returned for a malformed ed-hex key.
	ErrKey = hpwire.ErrKey
)

// ConfigError names the hp.cfg field (dotted JSON path) that is wrong and why.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("hotpocket: invalid config %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func cfgErr(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }
