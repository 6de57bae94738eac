package lease

import (
	"errors"
	"fmt"
)

// Errors, matched with errors.Is. A failed transaction is an
// *evernode.TxError (errors.As), wrapped with what was being done.
var (
	// ErrInvalid is wrapped by errors about the caller's own input.
	ErrInvalid = errors.New("lease: invalid input")
	// ErrNotLease is returned for a token or URI that is not a lease.
	ErrNotLease = errors.New("lease: not a lease token")
	// ErrNoOffer: the host has no lease on offer (or not the one asked for).
	ErrNoOffer = errors.New("lease: no offer")
	// ErrNoToken: the lease token was not found where it should be.
	ErrNoToken = errors.New("lease: no such lease token")
	// ErrHostInvalid: the host is not registered with Evernode.
	ErrHostInvalid = errors.New("lease: host not registered")
	// ErrHostInactive: the host is registered but has stopped heartbeating.
	ErrHostInactive = errors.New("lease: host inactive")
	// ErrNoMessageKey: the account to encrypt to has no MessageKey.
	ErrNoMessageKey = errors.New("lease: no message key")
	// ErrTimeout: no answer from the host in time. The EVR may still be
	// refunded later; the request's hash is in the returned error text.
	ErrTimeout = errors.New("lease: timed out waiting for the host")
	// ErrMalformed: an answer or event that cannot be decoded.
	ErrMalformed = errors.New("lease: malformed")
)

// AcquireError is a host's refusal of an acquire (evnAcquireError). The host
// refunds the lease amount with it.
type AcquireError struct {
	// Reason is the host's reason, e.g. "invalid_acquire_lease".
	Reason string
	// Ref is the acquire transaction's hash, Hash the answer's.
	Ref, Hash string
	// Refund is what the host paid back; zero Value if nothing arrived.
	Refund string
}

func (e *AcquireError) Error() string {
	return fmt.Sprintf("lease: host refused the acquire: %s", e.Reason)
}

// ExtendError is a host's refusal of an extension (evnExtendError).
type ExtendError struct {
	Reason    string
	Ref, Hash string
	Refund    string
}

func (e *ExtendError) Error() string {
	return fmt.Sprintf("lease: host refused the extension: %s", e.Reason)
}
