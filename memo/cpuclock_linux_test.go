package memo_test

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadClock returns a clock of the CPU time the calling goroutine's thread
// has used, and a function that releases the thread. Unlike the wall clock
// it does not run while other processes hold the CPU, so ratios measured
// with it hold on a loaded machine.
func threadClock() (now func() time.Duration, release func()) {
	runtime.LockOSThread()
	return func() time.Duration {
		var ts unix.Timespec
		if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
			return 0
		}
		return time.Duration(ts.Nano())
	}, runtime.UnlockOSThread
}
