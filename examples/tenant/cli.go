package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/evernode-go/sdk/contract"
	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errHelp is -h: the usage was printed, exit 0.
var errHelp = flag.ErrHelp

// app holds the global flags and the streams; one per run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	network, url, governor, keyFile string
	networkID                       uint
	json                            bool
	timeout                         time.Duration
}

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(a *app, ctx context.Context, fs *flag.FlagSet, args []string) error
}

func commands() []command {
	return []command{
		{"hosts", "[flags]", "list registered hosts", (*app).hosts},
		{"acquire", "-host ADDRESS [flags]", "lease an instance from a host", (*app).acquire},
		{"extend", "-lease ID [-moments N]", "buy more moments of a lease", (*app).extend},
		{"terminate", "-lease ID", "end a lease now", (*app).terminate},
		{"status", "[-instance HOST:PORT -node-key KEY]", "the account's balances and leases, and a node's status", (*app).status},
		{"upload", "-instance HOST:PORT -node-key KEY -bin-path FILE DIR", "upload a contract directory to an instance", (*app).upload},
		{"input", "-instance HOST:PORT -node-key KEY DATA|-", "send the contract an input and print its outputs", (*app).input},
		{"read", "-instance HOST:PORT -node-key KEY REQUEST", "send the contract a read request and print the answer", (*app).read},
	}
}

// run is the whole program; it returns the exit code: 0 success, 1 a
// failure, 2 a bad command line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	err := a.main(ctx, args)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "tenant:", err)
		fmt.Fprintln(stderr, "run 'tenant -h' for usage")
		return 2
	default:
		fmt.Fprintln(stderr, "tenant:", err)
		return 1
	}
}

func (a *app) main(ctx context.Context, args []string) error {
	g := flag.NewFlagSet("tenant", flag.ContinueOnError)
	g.SetOutput(a.stderr)
	g.StringVar(&a.network, "network", "testnet", "network preset: mainnet, testnet or devnet (ignored with -url)")
	g.StringVar(&a.url, "url", "", "websocket URL of a Xahau node, e.g. the one `go run ./examples/localnet -serve` prints (needs -governor)")
	g.StringVar(&a.governor, "governor", "", "Evernode governor address (default: the preset's)")
	g.UintVar(&a.networkID, "network-id", 0, "network id with -url (default: asked from the node)")
	g.StringVar(&a.keyFile, "key", "", "file holding the tenant account's seed (needed by acquire, extend, terminate, status)")
	g.BoolVar(&a.json, "json", false, "print JSON for scripts instead of text")
	g.DurationVar(&a.timeout, "timeout", 5*time.Minute, "give up after this long")
	g.Usage = func() {
		fmt.Fprintf(a.stderr, "usage: tenant [global flags] <command> [flags] [args]\n\ncommands:\n")
		for _, c := range commands() {
			fmt.Fprintf(a.stderr, "  %-10s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(a.stderr, "\nglobal flags:\n")
		g.PrintDefaults()
	}
	if err := g.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if g.NArg() == 0 {
		return usagef("no command given")
	}
	if a.url == "" {
		switch a.network {
		case "mainnet", "testnet", "devnet":
		default:
			return usagef("-network %q: want mainnet, testnet or devnet, or -url", a.network)
		}
	} else {
		if !strings.HasPrefix(a.url, "ws://") && !strings.HasPrefix(a.url, "wss://") {
			return usagef("-url %q: want a ws:// or wss:// URL", a.url)
		}
		if a.governor == "" {
			return usagef("-url needs -governor (the network's Evernode governor address)")
		}
	}
	if a.governor != "" && !validAddress(a.governor) {
		return usagef("-governor %q is not an account address", a.governor)
	}
	if a.timeout <= 0 {
		return usagef("-timeout must be positive")
	}
	name := g.Arg(0)
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(a.stderr)
		fs.Usage = func() {
			fmt.Fprintf(a.stderr, "usage: tenant [global flags] %s %s\n\n%s.\n\nflags:\n", c.name, c.args, c.summary)
			fs.PrintDefaults()
		}
		ctx, cancel := context.WithTimeout(ctx, a.timeout)
		defer cancel()
		return c.run(a, ctx, fs, g.Args()[1:])
	}
	return usagef("unknown command %q", name)
}

// parse parses a command's flags and checks the number of arguments.
func parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	switch n := fs.NArg(); {
	case n < minArgs:
		return usagef("%s: missing argument", fs.Name())
	case n > maxArgs:
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(maxArgs))
	}
	return nil
}

func validAddress(s string) bool {
	_, err := hook.ParseAccountID(s)
	return err == nil
}

// dial connects to the chosen network.
func (a *app) dial(ctx context.Context) (*evernode.Client, error) {
	var n evernode.Network
	switch {
	case a.url != "":
		n = evernode.Network{Name: "custom", Chain: evernode.Xahau, URL: a.url, NetworkID: uint32(a.networkID)}
		if a.networkID == 0 {
			c, err := evernode.Dial(ctx, n, nil)
			if err != nil {
				return nil, err
			}
			info, err := c.ServerInfo(ctx)
			c.Close()
			if err != nil {
				return nil, fmt.Errorf("asking %s for its network id: %w", a.url, err)
			}
			n.NetworkID = info.NetworkID
		}
	case a.network == "mainnet":
		n = evernode.Mainnet()
	case a.network == "devnet":
		n = evernode.Devnet()
	default:
		n = evernode.Testnet()
	}
	if a.governor != "" {
		n.GovernorAddress = a.governor
	}
	c, err := evernode.Dial(ctx, n, nil)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", n.URL, err)
	}
	return c, nil
}

// wallet reads the tenant's seed from -key.
func (a *app) wallet() (*evernode.Wallet, error) {
	if a.keyFile == "" {
		return nil, usagef("this command needs -key FILE (a file holding the tenant's seed)")
	}
	b, err := os.ReadFile(a.keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the key file: %w", err)
	}
	w, err := evernode.WalletFromSeed(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("key file %s does not hold a seed: %w", a.keyFile, err)
	}
	return w, nil
}

// ownerKeyPath is the HotPocket user key file: -owner-key, or the -key
// file's name with ".owner" appended.
func (a *app) ownerKeyPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if a.keyFile == "" {
		return "", usagef("give -owner-key FILE (the HotPocket user key), or -key FILE to use FILE.owner")
	}
	return a.keyFile + ".owner", nil
}

// ownerKey reads the instance owner's ed25519 key (64 hex digits of seed);
// with create, a missing file gets a new key.
func ownerKey(path string, create bool) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("writing the owner key: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the owner key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("owner key file %s: want %d hex digits", path, 2*ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// nodeFlags are the flags of the commands that talk to an instance.
type nodeFlags struct {
	instance, nodeKey, ownerKey string
}

func addNodeFlags(fs *flag.FlagSet) *nodeFlags {
	var n nodeFlags
	fs.StringVar(&n.instance, "instance", "", "the instance's user endpoint, HOST:PORT (acquire prints it)")
	fs.StringVar(&n.nodeKey, "node-key", "", "the instance's node key, ed… (acquire prints it); the node must prove it")
	fs.StringVar(&n.ownerKey, "owner-key", "", "file holding the HotPocket user key (default: the -key file with .owner appended)")
	return &n
}

// dial connects to the instance with the owner key.
func (n *nodeFlags) dial(ctx context.Context, a *app) (*contract.Client, error) {
	if n.instance == "" {
		return nil, usagef("-instance HOST:PORT is required")
	}
	if n.nodeKey == "" {
		return nil, usagef("-node-key is required: without it any node could answer")
	}
	if b, err := hex.DecodeString(strings.TrimPrefix(n.nodeKey, "ed")); err != nil || len(b) != ed25519.PublicKeySize || !strings.HasPrefix(n.nodeKey, "ed") {
		return nil, usagef("-node-key %q: want ed and 64 hex digits", n.nodeKey)
	}
	path, err := a.ownerKeyPath(n.ownerKey)
	if err != nil {
		return nil, err
	}
	key, err := ownerKey(path, false)
	if err != nil {
		return nil, err
	}
	// A node that still holds this key's previous session (the last
	// command's, closing) completes the handshake but drops the first
	// request, as hpcore does: ask for its status to know, and try again.
	const attempts = 5
	for i := 1; ; i++ {
		c, err := contract.Dial(ctx, n.instance, key, &contract.DialOptions{ServerKey: n.nodeKey, TrustedKeys: []string{n.nodeKey}})
		if err != nil {
			return nil, fmt.Errorf("connecting to the instance: %w", err)
		}
		_, err = c.Stat(ctx)
		if err == nil {
			return c, nil
		}
		c.Close()
		if i == attempts {
			return nil, fmt.Errorf("connecting to the instance: %d attempts: %w", attempts, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(i) * 100 * time.Millisecond):
		}
	}
}

// emit prints v as JSON with -json, else calls human.
func (a *app) emit(v any, human func(w io.Writer)) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(a.stdout)
	return nil
}
