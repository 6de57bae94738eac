package lease

import (
	"errors"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
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
	// Reason is the host's reason as text, e.g. "invalid_acquire_lease",
	// or a JSON object's text such as sashimono's
	// {"instance_name":"…","error":"…"}.
	Reason string
	// RawReason is the reason as the host sent it (memo.ErrorReason.Raw).
	RawReason []byte
	// Ref is the acquire transaction's hash, Hash the answer's.
	Ref, Hash string
	// Refund is the real EVR (the governor's EVR issuer) the answer
	// delivered back, as a decimal; empty when none arrived. A host that
	// "refunds" in XAH or a look-alike EVR leaves it empty.
	Refund string
	// RefundAmount is what the answer delivered, in whatever currency.
	RefundAmount evernode.Amount
}

func (e *AcquireError) Error() string {
	return fmt.Sprintf("lease: host refused the acquire: %s", e.Reason)
}

// ExtendError is a host's refusal of an extension (evnExtendError).
type ExtendError struct {
	// Reason and RawReason are as in AcquireError.
	Reason    string
	RawReason []byte
	Ref, Hash string
	// Refund and RefundAmount are as in AcquireError.
	Refund       string
	RefundAmount evernode.Amount
}

func (e *ExtendError) Error() string {
	return fmt.Sprintf("lease: host refused the extension: %s", e.Reason)
}

// AnswerError is a host's answer to an acquire that cannot be read: the
// lease was bought and the host answered, but the instance's details did
// not come through (no key or the wrong key for an encrypted answer, or an
// answer that names no instance). The tenant holds the lease token TokenID;
// Terminate it, or read Payload with the right key. Err wraps ErrMalformed
// or memo.ErrDecrypt.
type AnswerError struct {
	// TokenID is the lease token bought; Ref the acquire's hash, Hash the
	// answer's.
	TokenID, Ref, Hash string
	// Payload is the answer's payload as it was on the ledger.
	Payload []byte
	Err     error
}

func (e *AnswerError) Error() string {
	return fmt.Sprintf("lease: answer %s to acquire %s (token %s) cannot be read: %v", e.Hash, e.Ref, e.TokenID, e.Err)
}

// Unwrap returns Err.
func (e *AnswerError) Unwrap() error { return e.Err }

// HistoryError: whether the host already answered request Ref cannot be
// told, because the node lacks some of the ledgers From–To where the answer
// would be (a short history, or a gap). Answering now could answer twice,
// so nothing was answered. Retry against a node holding those ledgers. Err
// wraps evernode.ErrHistoryMissing.
type HistoryError struct {
	Ref      string
	From, To uint32
	// Complete is the node's complete_ledgers, when it was read.
	Complete string
	Err      error
}

func (e *HistoryError) Error() string {
	have := ""
	if e.Complete != "" {
		have = " (the node has " + e.Complete + ")"
	}
	return fmt.Sprintf("lease: cannot tell whether %s was answered: ledgers %d–%d are not all available%s: %v",
		e.Ref, e.From, e.To, have, e.Err)
}

// Unwrap returns Err.
func (e *HistoryError) Unwrap() error { return e.Err }
