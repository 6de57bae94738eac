// Command localnet runs the whole Evernode flow on one machine, with no
// internet: an in-process Xahau network with Evernode's hooks, three hosts
// that register and run the hostd daemon (heartbeats, lease offers,
// answers) with instances as in-process HotPocket-compatible nodes, and a
// tenant that lists the active hosts, acquires a lease on each, deploys the
// sample echo contract (built with the Go toolchain) as one cluster, sends
// it inputs and checks the signed outputs, extends the leases and
// terminates them. It exits 0 only when every step succeeded.
//
//	go run ./examples/localnet [-hosts N] [-real-hooks DIR] [-docker] [-serve [-seed-file FILE]]
//
// With -real-hooks DIR the network runs the real Evernode hooks
// (WebAssembly built from EvernodeXRPL/evernode-hook) instead of evhooks' Go
// emulation. With -docker the instances are Docker containers of an image
// built on the spot from the SDK's HotPocket node (nothing is pulled). With
// -serve it then keeps the network and the hosts up until
// interrupted and prints what a Go or JS client needs: the websocket URL,
// network id, governor address, and a file holding a funded tenant's seed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/evernode-go/sdk/instance/docker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// cli parses the flags and runs the demo; it returns the exit code.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("localnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.Hosts, "hosts", 3, "number of hosts (1-10)")
	fs.BoolVar(&o.Serve, "serve", false, "after the demo, keep the network and hosts up until interrupted and print how to connect")
	fs.StringVar(&o.RealHooks, "real-hooks", "", "run the real Evernode hooks from this directory of .wasm files (e.g. ../shared/data/evernode-hooks) instead of the Go emulation")
	useDocker := fs.Bool("docker", false, "run the instances as Docker containers (an image of the SDK's HotPocket node is built locally)")
	fs.StringVar(&o.Docker, "docker-socket", docker.DefaultSocket, "with -docker, the Docker engine's socket")
	fs.StringVar(&o.SeedFile, "seed-file", "", "with -serve, write the funded tenant's seed here (default: a new temporary file)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "localnet: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.Hosts < 1 || o.Hosts > 10 {
		fmt.Fprintf(stderr, "localnet: -hosts %d: want 1 to 10\n", o.Hosts)
		return 2
	}
	if !*useDocker {
		o.Docker = ""
	} else if o.Docker == "" {
		fmt.Fprintln(stderr, "localnet: -docker-socket must not be empty")
		return 2
	}
	if o.SeedFile != "" && !o.Serve {
		fmt.Fprintln(stderr, "localnet: -seed-file needs -serve")
		return 2
	}
	if f, ok := stdout.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			o.Progress = true
		}
	}
	if err := run(ctx, stdout, o); err != nil {
		fmt.Fprintln(stderr, "localnet demo:", err)
		return 1
	}
	return 0
}
