//go:build unix

package evhooks_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process has used: the
// client, localnet's server and the garbage collector together. Unlike the
// wall clock it does not run while other processes hold the CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
