// Command hpnode runs the single-node HotPocket-compatible runtime on a contract directory
// laid out as sashimono writes it (see package internal/hotpocket):
//
//	hpnode [-listen 0.0.0.0] [-v] <contract-dir>
//
// It serves the user port until SIGTERM or SIGINT. Build it static for a FROM-scratch image:
//
//	CGO_ENABLED=0 go build -o hpnode ./internal/hotpocket/cmd/hpnode
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/evernode-go/sdk/internal/hotpocket"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hpnode:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("hpnode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "0.0.0.0", "address the user port binds to")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: hpnode [-listen host] [-v] <contract-dir>")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	n, err := hotpocket.Open(fs.Arg(0), &hotpocket.Options{Logger: logger, ListenHost: *listen})
	if err != nil {
		return err
	}
	if err := n.Start(ctx); err != nil {
		n.Close()
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	return n.Close()
}
