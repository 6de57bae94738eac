package instance

import (
	"context"
	"io"
	"time"
)

// Provisioner runs instances. Implementations are safe for concurrent use.
//
// Instances outlive the Provisioner value: a new value over the same backing
// state (the same root directory, the same Docker engine) reports the same
// instances from List and Inspect, which is how a host daemon recovers after
// a restart.
type Provisioner interface {
	// Create provisions and starts an instance and returns once its user
	// port accepts connections. It fails with ErrBadRequirements (invalid
	// request), ErrExists (an instance of that name exists), ErrCapacity
	// (no room or no free ports) or a *BackendError. A failed Create leaves
	// nothing behind.
	Create(ctx context.Context, req CreateRequest) (Info, error)
	// Inspect reports one instance, or ErrNotFound.
	Inspect(ctx context.Context, name string) (Info, error)
	// Destroy stops an instance and deletes it with all its state, and
	// frees its ports. Destroying an absent instance returns ErrNotFound, so
	// a retried Destroy is recognisable.
	Destroy(ctx context.Context, name string) error
	// List reports every instance, in no particular order.
	List(ctx context.Context) ([]Info, error)
}

// Stopper is an optional Provisioner capability: stopping an instance
// without deleting it, and starting it again.
type Stopper interface {
	// Stop stops a running instance; stopping a stopped one is not an
	// error.
	Stop(ctx context.Context, name string) error
	// Start starts a stopped instance and returns once its user port
	// accepts connections; starting a running one is not an error.
	Start(ctx context.Context, name string) error
}

// Logger is an optional Provisioner capability: an instance's node log.
type Logger interface {
	// Logs returns what the instance has logged so far. The caller closes
	// the reader.
	Logs(ctx context.Context, name string) (io.ReadCloser, error)
}

// Statter is an optional Provisioner capability: resource usage.
type Statter interface {
	Stats(ctx context.Context, name string) (Stats, error)
}

// Stats is an instance's resource usage at one moment.
type Stats struct {
	// CPU is the CPU time used since the instance started.
	CPU time.Duration
	// MemoryBytes is the memory in use.
	MemoryBytes uint64
	// Pids is the number of processes and threads.
	Pids int64
}
