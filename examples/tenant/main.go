// Command tenant tries Evernode from a shell: list hosts, lease an
// instance, upload a contract to it, talk to it, extend and end the lease.
//
//	tenant [global flags] <command> [flags] [args]
//
// Global flags pick the network (-network mainnet|testnet|devnet, or -url
// with -governor for any other node, such as `go run ./examples/localnet
// -serve`), the account (-key, a file holding the tenant's seed) and the
// output (-json for scripts). Commands:
//
//	hosts      list registered hosts: filters and sort order as flags
//	acquire    lease an instance from a host
//	extend     buy more moments of a lease
//	terminate  end a lease now
//	status     the account's balances and leases; with -instance, the node's status
//	upload     upload a contract directory to an instance (with a progress bar)
//	input      send the contract an input and print its outputs
//	read       send the contract a read request and print the answer
//
// Run `tenant <command> -h` for a command's flags.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
