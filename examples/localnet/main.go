// Command localnet runs the whole Evernode flow on one machine, with no
// internet: an in-process Xahau network with Evernode's hooks, a host that
// registers, heartbeats and offers leases, instances as in-process
// HotPocket-compatible nodes, and a tenant that acquires a lease, uploads the
// sample echo contract (built with the Go toolchain it runs under), talks to
// it, extends the lease and terminates it.
//
//	go run ./examples/localnet
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, options{}); err != nil {
		fmt.Fprintln(os.Stderr, "localnet demo:", err)
		os.Exit(1)
	}
}
