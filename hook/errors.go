package hook

import (
	"errors"
	"fmt"
)

// Errors, matched with errors.Is.
var (
	// ErrMalformed is wrapped by every decoding error: a key or value of the
	// wrong size or shape.
	ErrMalformed = errors.New("hook: malformed")
	// ErrUnknownKey is returned by DecodeState for a key it does not know.
	ErrUnknownKey = errors.New("hook: unknown state key")
	// ErrInvalid is wrapped by every validation error of a transaction's
	// inputs; the error is a *ValidationError naming the field.
	ErrInvalid = errors.New("hook: invalid input")
	// ErrNoConfig is returned when a governor has no Evernode configuration
	// (wrong address or network).
	ErrNoConfig = errors.New("hook: governor has no Evernode configuration")
	// ErrNotRegistered is returned by Host for an account that has no
	// registration entry.
	ErrNotRegistered = errors.New("hook: host not registered")
)

// ValidationError reports one invalid input of a transaction builder.
type ValidationError struct {
	Field  string // e.g. "CountryCode"
	Reason string // e.g. "want two upper-case letters"
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("hook: invalid %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func isUnknown(err error) bool { return errors.Is(err, ErrUnknownKey) }
