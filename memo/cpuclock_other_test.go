//go:build !linux

package memo_test

import "time"

// threadClock is the wall clock where no thread CPU clock is at hand.
func threadClock() (now func() time.Duration, release func()) {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }, func() {}
}
