package instance

import (
	"errors"
	"fmt"
)

// The error kinds every backend wraps; branch on them with errors.Is.
var (
	// ErrNotFound: no instance of that name (also after Destroy).
	ErrNotFound = errors.New("instance: not found")
	// ErrExists: an instance of that name (lease id) already exists.
	ErrExists = errors.New("instance: already exists")
	// ErrCapacity: the host runs as many instances as it may, or has no
	// free port.
	ErrCapacity = errors.New("instance: no capacity")
	// ErrBadRequirements: the request is malformed (name, owner key,
	// contract id, config, resources).
	ErrBadRequirements = errors.New("instance: bad requirements")
)

// BackendError is a failure of the engine under a backend: the Docker
// engine, the filesystem, the in-process node. Message is the engine's own
// words. When the engine's answer maps to a kind (a Docker 404 is
// ErrNotFound, a 409 on create ErrExists), Kind holds it and errors.Is
// matches it.
type BackendError struct {
	// Backend names the backend ("docker", "memory").
	Backend string
	// Op is what was being done ("create container", "start").
	Op string
	// Status is the engine's status code (an HTTP status for Docker), 0 if
	// none.
	Status int
	// Message is the engine's error message.
	Message string
	// Kind is one of the package's sentinels, or nil.
	Kind error
	// Err is the underlying error (a transport failure), or nil.
	Err error
}

func (e *BackendError) Error() string {
	s := "instance: " + e.Backend + ": " + e.Op
	if e.Status != 0 {
		s += fmt.Sprintf(": status %d", e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the underlying error.
func (e *BackendError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
