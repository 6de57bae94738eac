package contract

import (
	"errors"
	"fmt"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Errors returned by this package; check them with errors.Is. The typed errors below wrap
// the matching sentinel.
var (
	// ErrClosed is returned by calls on a Client that is closed or whose connection dropped.
	ErrClosed = errors.New("contract: connection closed")
	// ErrHandshake is wrapped by every *HandshakeError.
	ErrHandshake = errors.New("contract: handshake failed")
	// ErrKeyMismatch is returned when the node's key is not the expected one
	// (DialOptions.ServerKey).
	ErrKeyMismatch = errors.New("contract: node public key mismatch")
	// ErrInputRejected is wrapped by every *InputRejectedError.
	ErrInputRejected = errors.New("contract: input rejected")
	// ErrOutputUnverified is wrapped by every *OutputError.
	ErrOutputUnverified = errors.New("contract: contract output failed verification")
	// ErrBundleTooLarge is wrapped by every *BundleTooLargeError.
	ErrBundleTooLarge = errors.New("contract: bundle too large")
	// ErrBundle is returned for a bundle that cannot be built (missing bin_path, bad file
	// name, unreadable directory).
	ErrBundle = errors.New("contract: invalid bundle")
	// ErrUpload is wrapped by every *UploadError.
	ErrUpload = errors.New("contract: upload failed")
	// ErrProtocol is returned when a call needs the other message protocol (uploads need BSON)
	// or an input cannot be carried by the connection's protocol.
	ErrProtocol = errors.New("contract: not possible with this message protocol")
	// ErrNoReply is returned when a request got no answer in time (read requests are dropped
	// silently by a node whose contract does not execute).
	ErrNoReply = errors.New("contract: no reply")
)

// HandshakeError says why the challenge handshake with a node failed.
type HandshakeError struct {
	Addr   string
	Reason string
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("contract: handshake with %s failed: %s", e.Addr, e.Reason)
}

// Is makes errors.Is(err, ErrHandshake) true.
func (e *HandshakeError) Is(target error) bool { return target == ErrHandshake }

// KeyMismatchError is returned by Dial when the node authenticated with a key other than
// DialOptions.ServerKey.
type KeyMismatchError struct {
	Addr     string
	Expected string
	Got      string
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("contract: node %s has public key %s, expected %s", e.Addr, e.Got, e.Expected)
}

// Is makes errors.Is(err, ErrKeyMismatch) and errors.Is(err, ErrHandshake) true.
func (e *KeyMismatchError) Is(target error) bool {
	return target == ErrKeyMismatch || target == ErrHandshake
}

// Reject reasons a node gives in contract_input_status (hpcore usr.cpp).
const (
	ReasonBadMsgFormat            = hpwire.ReasonBadMsgFormat
	ReasonInvalidMsgType          = hpwire.ReasonInvalidMsgType
	ReasonBadSig                  = hpwire.ReasonBadSig
	ReasonMaxLedgerExpired        = hpwire.ReasonMaxLedgerExpired
	ReasonMaxLedgerOffsetExceeded = hpwire.ReasonMaxLedgerOffsetExceeded
	ReasonNonceExpired            = hpwire.ReasonNonceExpired
	ReasonAlreadySubmitted        = hpwire.ReasonAlreadySubmitted
	ReasonRoundInputsOverflow     = hpwire.ReasonRoundInputsOverflow
)

// InputRejectedError is a contract_input_status "rejected" for an input.
type InputRejectedError struct {
	// Reason is the node's reason, one of the Reason* constants.
	Reason string
	// Hash is the input hash, BLAKE3 of the input signature.
	Hash []byte
	// Node is the public key of the node that rejected the input.
	Node string
}

func (e *InputRejectedError) Error() string {
	hint := ""
	switch e.Reason {
	case ReasonMaxLedgerExpired:
		hint = " (max_ledger_seq_no is not above the last closed ledger)"
	case ReasonMaxLedgerOffsetExceeded:
		hint = " (max_ledger_seq_no is beyond lcl + contract.max_input_ledger_offset)"
	case ReasonNonceExpired:
		hint = " (the nonce is not above the last nonce this key used)"
	case ReasonRoundInputsOverflow:
		hint = " (contract.round_limits.user_input_bytes exceeded this round)"
	case ReasonBadSig:
		hint = " (the input signature does not verify)"
	}
	return "contract: input rejected: " + e.Reason + hint
}

// Is makes errors.Is(err, ErrInputRejected) true.
func (e *InputRejectedError) Is(target error) bool { return target == ErrInputRejected }

// OutputError is reported for a contract_output that failed verification; its outputs are
// not delivered.
type OutputError struct {
	LedgerSeqNo uint64
	Reason      string
	// Node is the node that sent it.
	Node string
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("contract: contract output of ledger %d from %s failed verification: %s", e.LedgerSeqNo, e.Node, e.Reason)
}

// Is makes errors.Is(err, ErrOutputUnverified) true.
func (e *OutputError) Is(target error) bool { return target == ErrOutputUnverified }

// BundleTooLargeError is returned, before anything is sent, when an upload message would
// exceed the node's message limit (user.max_bytes_per_msg).
type BundleTooLargeError struct {
	// ZipBytes is the size of the zipped bundle.
	ZipBytes int
	// MessageBytes is the size of the whole upload message with its BSON envelopes.
	MessageBytes int
	// Limit is the message limit it was checked against.
	Limit int
}

func (e *BundleTooLargeError) Error() string {
	return fmt.Sprintf("contract: bundle too large: the %d-byte zip makes a %d-byte upload message, over the node's %d-byte message limit (user.max_bytes_per_msg); the bootstrap contract takes the bundle in one message, so shrink it by %d bytes",
		e.ZipBytes, e.MessageBytes, e.Limit, e.MessageBytes-e.Limit)
}

// Is makes errors.Is(err, ErrBundleTooLarge) true.
func (e *BundleTooLargeError) Is(target error) bool { return target == ErrBundleTooLarge }
