// Command host runs an Evernode host: the hostd daemon over a memory or
// Docker provisioner, configured by a JSON file, flags and the environment.
//
//	EVERNODE_HOST_SEED_FILE=/etc/evernode/seed host -config host.json
//
// Operator sub-commands run on the stopped daemon's data dir and account,
// with the same configuration (each prints its result as JSON; run one
// again after a crash and it finishes without paying twice):
//
//	host run                               the daemon (the default)
//	host transfer <address>                refund running leases, burn every lease token, transfer the registration
//	host deregister                        the same, then deregister
//	host delete-instance <token or hash>   destroy one instance, refund its unused moments (the one under way too), offer the slot again
//	host reconfig -price X -instances N    re-price unsold leases, change the slot count, update the registry
//	host cancel                            forget a transfer or deregistration whose registry transaction never applied
//
// The account seed is read from the file named by seedFile (config),
// -seed-file or EVERNODE_HOST_SEED_FILE, or from EVERNODE_HOST_SEED; never
// from the command line, and it is never logged. SIGINT and SIGTERM stop
// the daemon cleanly; a kill -9 is safe too (the daemon resumes where it
// stopped).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
}
