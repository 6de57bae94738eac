package instance_test

import (
	"fmt"

	"github.com/evernode-go/sdk/instance"
)

// A host with 2 cores (a real host passes runtime.NumCPU()) and sashimono's default totals, leasing 3 slots.
func ExamplePerInstance() {
	per, err := instance.PerInstance(instance.DefaultTotals(2), 3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("CPU %d µs per %d µs, memory %d MiB, swap %d MiB, disk %d MiB, pids %d\n",
		per.CPUQuota, per.Period(), per.MemoryMB, per.SwapMB, per.DiskMB, per.Pids)
	// Output: CPU 60000 µs per 100000 µs, memory 341 MiB, swap 1024 MiB, disk 1706 MiB, pids 1024
}
