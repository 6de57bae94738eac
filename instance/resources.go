package instance

import "fmt"

// Resources are an instance's limits. A zero field means "no limit".
type Resources struct {
	// CPUQuota is the CPU time in microseconds the instance may use in each
	// CPUPeriod, summed over all cores (the CFS quota): 50000 of a 100000
	// period is half a core.
	CPUQuota int64
	// CPUPeriod is the CFS period in microseconds; 0 means DefaultCPUPeriod.
	CPUPeriod int64
	// MemoryMB is the memory limit in MiB.
	MemoryMB int64
	// SwapMB is the swap the instance may use on top of MemoryMB, in MiB
	// (sashimono's memsw limit is MemoryMB+SwapMB). It needs MemoryMB.
	SwapMB int64
	// DiskMB is the disk quota in MiB. Backends that cannot enforce it
	// record it (see their docs).
	DiskMB int64
	// Pids is the maximum number of processes and threads.
	Pids int64
}

// DefaultCPUPeriod is the CFS period, in microseconds, used when
// Resources.CPUPeriod is 0.
const DefaultCPUPeriod = 100000

// Period returns CPUPeriod or its default.
func (r Resources) Period() int64 {
	if r.CPUPeriod == 0 {
		return DefaultCPUPeriod
	}
	return r.CPUPeriod
}

// Validate checks that no limit is negative, that the CPU period is in the
// kernel's range (1 ms to 1 s) and the quota at least 1 ms, and that swap
// comes with a memory limit. The error wraps ErrBadRequirements.
func (r Resources) Validate() error {
	switch {
	case r.CPUQuota < 0, r.CPUPeriod < 0, r.MemoryMB < 0, r.SwapMB < 0, r.DiskMB < 0, r.Pids < 0:
		return fmt.Errorf("%w: negative resource limit %+v", ErrBadRequirements, r)
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return fmt.Errorf("%w: CPU period %d µs outside 1000..1000000", ErrBadRequirements, r.CPUPeriod)
	case r.CPUQuota != 0 && r.CPUQuota < 1000:
		return fmt.Errorf("%w: CPU quota %d µs below 1000", ErrBadRequirements, r.CPUQuota)
	case r.SwapMB != 0 && r.MemoryMB == 0:
		return fmt.Errorf("%w: swap limit without a memory limit", ErrBadRequirements)
	}
	return nil
}

// DefaultTotals returns sashimono's default host totals for a host with
// cores CPUs: 90% of every core (sashimono's 900000 µs per second),
// 1024 MiB of memory, 3072 MiB of swap and 5120 MiB of disk. Pids, which
// sashimono leaves to the system, is 3072 here.
func DefaultTotals(cores int) Resources {
	if cores < 1 {
		cores = 1
	}
	return Resources{
		CPUQuota:  int64(cores) * DefaultCPUPeriod * 9 / 10,
		CPUPeriod: DefaultCPUPeriod,
		MemoryMB:  1024,
		SwapMB:    3072,
		DiskMB:    5120,
		Pids:      3072,
	}
}

// PerInstance divides a host's totals among count instances, as sashimono
// does (each limit is total / max instance count, rounded down). A limit
// that would round to zero stays at the smallest value that still limits
// (1, or 1000 µs of CPU), since zero means unlimited. count must be
// positive; the error wraps ErrBadRequirements.
func PerInstance(total Resources, count int) (Resources, error) {
	if count < 1 {
		return Resources{}, fmt.Errorf("%w: instance count %d", ErrBadRequirements, count)
	}
	if err := total.Validate(); err != nil {
		return Resources{}, err
	}
	div := func(v, min int64) int64 {
		if v == 0 {
			return 0
		}
		return max(v/int64(count), min)
	}
	return Resources{
		CPUQuota:  div(total.CPUQuota, 1000),
		CPUPeriod: total.CPUPeriod,
		MemoryMB:  div(total.MemoryMB, 1),
		SwapMB:    div(total.SwapMB, 1),
		DiskMB:    div(total.DiskMB, 1),
		Pids:      div(total.Pids, 1),
	}, nil
}
