package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/hostd"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/docker"
	"github.com/evernode-go/sdk/instance/memory"
)

// config is the program's configuration: the JSON file's fields, which
// EVERNODE_HOST_* variables and then flags override.
type config struct {
	// Network is "mainnet", "testnet" or "devnet"; URL, NetworkID and
	// Governor override (or replace) the preset.
	Network   string `json:"network"`
	URL       string `json:"url"`
	NetworkID uint32 `json:"networkId"`
	Governor  string `json:"governor"`
	// SeedFile holds the account seed (one line).
	SeedFile string `json:"seedFile"`
	DataDir  string `json:"dataDir"`
	// Instances, LeasePrice and Domain: see hostd.Config.
	Instances  int    `json:"instances"`
	LeasePrice string `json:"leasePrice"`
	Domain     string `json:"domain"`
	// Provisioner is "memory" (the default) or "docker".
	Provisioner string `json:"provisioner"`
	// MemoryRoot is the memory provisioner's directory (default: DataDir
	// + "/instances").
	MemoryRoot   string `json:"memoryRoot"`
	UserPortBase int    `json:"userPortBase"`
	PeerPortBase int    `json:"peerPortBase"`
	// HTTP is the address of the health and metrics endpoint; empty: none.
	HTTP string `json:"http"`
	// Register registers the host at start-up when it is not.
	Register *registration `json:"register"`
	// Votes are the operator's governance votes, sent with heartbeats:
	// candidate id (64 hex digits) → "support" or "reject", as in
	// sashimono's governance.cfg.
	Votes map[string]string `json:"votes"`
	// LogLevel is debug, info (the default), warn or error.
	LogLevel string `json:"logLevel"`
}

type registration struct {
	CountryCode string `json:"countryCode"`
	CPUMicrosec uint32 `json:"cpuMicrosec"`
	RAMMB       uint32 `json:"ramMb"`
	DiskMB      uint32 `json:"diskMb"`
	CPUModel    string `json:"cpuModel"`
	CPUCount    uint16 `json:"cpuCount"`
	CPUMHz      uint16 `json:"cpuMHz"`
	Description string `json:"description"`
	Email       string `json:"email"`
}

// commands are the program's sub-commands; the first argument names one
// (default "run").
var commands = map[string]string{
	"run":             "run the host daemon (the default)",
	"transfer":        "transfer <address>: wind the host down (refunding running leases) and transfer the registration",
	"deregister":      "wind the host down (refunding running leases) and deregister it",
	"delete-instance": "delete-instance <lease token or acquire hash>: destroy one instance, refund its unused moments (the one under way too), offer the slot again",
	"reconfig":        "reconfig -price X -instances N: change the lease price and/or the instance count",
	"cancel":          "forget an unfinished transfer or deregistration whose registry transaction never applied",
}

// usage prints the sub-commands and fs's flags (on -h and on a bad flag).
func usage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintln(out, "usage: host [sub-command] [arguments] [flags]\n\nsub-commands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(out, "  %-16s %s\n", name, commands[name])
	}
	fmt.Fprintln(out, "\nflags:")
	fs.PrintDefaults()
}

// opArgs are a sub-command's own arguments.
type opArgs struct {
	cmd string
	// arg is the transferee or the instance.
	arg       string
	price     string
	instances int
}

// loadConfig reads the file named by -config (or EVERNODE_HOST_CONFIG),
// then the environment, then the other flags. The first argument may name
// a sub-command; for reconfig, -price and -instances are the new settings
// rather than overrides of the configuration.
func loadConfig(args []string, getenv func(string) string) (config, opArgs, error) {
	var c config
	op := opArgs{cmd: "run"}
	if len(args) > 0 {
		if _, ok := commands[args[0]]; ok {
			op.cmd, args = args[0], args[1:]
		}
	}
	fs := flag.NewFlagSet("host "+op.cmd, flag.ContinueOnError)
	fs.Usage = func() { usage(fs) }
	path := fs.String("config", getenv("EVERNODE_HOST_CONFIG"), "JSON configuration file")
	var flags config
	fs.StringVar(&flags.Network, "network", "", "mainnet, testnet or devnet")
	fs.StringVar(&flags.URL, "url", "", "websocket URL of a Xahau node")
	fs.StringVar(&flags.Governor, "governor", "", "Evernode governor address")
	fs.StringVar(&flags.SeedFile, "seed-file", "", "file holding the account seed")
	fs.StringVar(&flags.DataDir, "data-dir", "", "the daemon's data directory")
	if op.cmd == "reconfig" {
		fs.IntVar(&op.instances, "instances", 0, "the new number of lease slots")
		fs.StringVar(&op.price, "price", "", "the new per-moment lease price in EVR")
	} else {
		fs.IntVar(&flags.Instances, "instances", 0, "lease slots")
		fs.StringVar(&flags.LeasePrice, "price", "", "per-moment lease price in EVR")
	}
	fs.StringVar(&flags.Domain, "domain", "", "the host's public name")
	fs.StringVar(&flags.Provisioner, "provisioner", "", "memory or docker")
	fs.StringVar(&flags.HTTP, "http", "", "health and metrics address, e.g. 127.0.0.1:9100")
	fs.StringVar(&flags.LogLevel, "log-level", "", "debug, info, warn or error")
	// Flags may come before and after the positional argument.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return c, op, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if err := op.check(pos); err != nil {
		return c, op, err
	}
	if *path != "" {
		b, err := os.ReadFile(*path)
		if err != nil {
			return c, op, err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, op, fmt.Errorf("%s: %w", *path, err)
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.URL, getenv("EVERNODE_HOST_URL"))
	set(&c.Governor, getenv("EVERNODE_HOST_GOVERNOR"))
	set(&c.DataDir, getenv("EVERNODE_HOST_DATA_DIR"))
	set(&c.HTTP, getenv("EVERNODE_HOST_HTTP"))
	set(&c.SeedFile, getenv("EVERNODE_HOST_SEED_FILE"))
	set(&c.Network, flags.Network)
	set(&c.URL, flags.URL)
	set(&c.Governor, flags.Governor)
	set(&c.SeedFile, flags.SeedFile)
	set(&c.DataDir, flags.DataDir)
	set(&c.LeasePrice, flags.LeasePrice)
	set(&c.Domain, flags.Domain)
	set(&c.Provisioner, flags.Provisioner)
	set(&c.HTTP, flags.HTTP)
	set(&c.LogLevel, flags.LogLevel)
	if flags.Instances != 0 {
		c.Instances = flags.Instances
	}
	return c, op, nil
}

// check takes the sub-command's positional arguments. Errors never echo
// them: a seed pasted by mistake must not reach a terminal or a log.
func (op *opArgs) check(pos []string) error {
	want := 0
	switch op.cmd {
	case "transfer", "delete-instance":
		want = 1
	case "reconfig":
		if op.price == "" && op.instances == 0 {
			return errors.New("reconfig: give -price and/or -instances")
		}
	}
	if len(pos) != want {
		return fmt.Errorf("%s: %d arguments given, %d expected (the seed is never an argument)", op.cmd, len(pos), want)
	}
	if want == 1 {
		op.arg = pos[0]
	}
	if op.cmd == "transfer" {
		if _, err := hook.ParseAccountID(op.arg); err != nil {
			return errors.New("transfer: the transferee is not a valid account address")
		}
	}
	return nil
}

// network resolves the network to dial.
func (c config) network() (evernode.Network, error) {
	var n evernode.Network
	if c.Network != "" {
		def, ok := evernode.DefaultNetworks()[c.Network]
		if !ok {
			return n, fmt.Errorf("unknown network %q", c.Network)
		}
		n = def.Network
	}
	if c.URL != "" {
		n.URL = c.URL
	}
	if c.NetworkID != 0 {
		n.NetworkID = c.NetworkID
	}
	if c.Governor != "" {
		n.GovernorAddress = c.Governor
	}
	if n.URL == "" || n.GovernorAddress == "" {
		return n, errors.New("no network: set network, or url and governor")
	}
	if n.Name == "" {
		n.Name = "custom"
	}
	return n, nil
}

// seed reads the account seed from the environment or the seed file.
func (c config) seed(getenv func(string) string) (string, error) {
	if s := strings.TrimSpace(getenv("EVERNODE_HOST_SEED")); s != "" {
		return s, nil
	}
	if c.SeedFile == "" {
		return "", errors.New("no seed: set EVERNODE_HOST_SEED or a seed file")
	}
	b, err := os.ReadFile(c.SeedFile)
	if err != nil {
		return "", fmt.Errorf("reading the seed file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func logger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if level != "" {
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, err
		}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// run runs the sub-command args name: results go to out as one JSON
// object, logs to logOut.
func run(ctx context.Context, args []string, getenv func(string) string, out, logOut io.Writer) error {
	c, op, err := loadConfig(args, getenv)
	if err != nil {
		return err
	}
	log, err := logger(c.LogLevel, logOut)
	if err != nil {
		return err
	}
	n, err := c.network()
	if err != nil {
		return err
	}
	seed, err := c.seed(getenv)
	if err != nil {
		return err
	}
	w, err := evernode.WalletFromSeed(seed)
	if err != nil {
		return errors.New("the seed is not valid") // never echo it
	}
	if c.DataDir == "" {
		c.DataDir = "evernode-host-data"
	}
	client, err := evernode.Dial(ctx, n, nil)
	if err != nil {
		return err
	}
	defer client.Close()

	prov, closeProv, err := c.provisioner(ctx, max(c.Instances, hostd.DefaultInstances), log)
	if err != nil {
		return err
	}
	defer func() { closeProv() }()
	cfg := &hostd.Config{DataDir: c.DataDir, Instances: c.Instances, LeasePrice: c.LeasePrice, Domain: c.Domain, Logger: log}
	if r := c.Register; r != nil {
		cfg.Register = &hook.Registration{CountryCode: r.CountryCode, CPUMicrosec: r.CPUMicrosec, RAMMB: r.RAMMB, DiskMB: r.DiskMB,
			TotalInstances: uint32(max(c.Instances, hostd.DefaultInstances)), CPUModel: r.CPUModel, CPUCount: r.CPUCount, CPUMHz: r.CPUMHz,
			Description: r.Description, Email: r.Email, LeaseAmount: c.LeasePrice}
		if cfg.Register.LeaseAmount == "" {
			cfg.Register.LeaseAmount = hostd.DefaultLeasePrice
		}
	}
	if cfg.Votes, err = parseVotes(c.Votes); err != nil {
		return err
	}
	d, err := hostd.New(client, w, prov, cfg)
	if err != nil {
		return err
	}
	if n := d.Instances(); n > max(c.Instances, hostd.DefaultInstances) && c.Provisioner != "docker" {
		// A reconfiguration raised the slot count: the memory
		// provisioner needs room for every slot.
		d.Close()
		closeProv()
		if prov, closeProv, err = c.provisioner(ctx, n, log); err != nil {
			return err
		}
		if d, err = hostd.New(client, w, prov, cfg); err != nil {
			return err
		}
	}
	defer d.Close()
	if op.cmd != "run" {
		return operate(ctx, d, op, out, log)
	}
	if c.HTTP != "" {
		ln, err := net.Listen("tcp", c.HTTP)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("host: health and metrics", "addr", ln.Addr().String())
	}
	log.Info("host: running", "account", w.Address(), "network", n.Name, "pid", strconv.Itoa(os.Getpid()))
	err = d.Run(ctx)
	log.Info("host: stopped", "err", err)
	return err
}

// provisioner makes the configured provisioner, for capacity instances,
// and its closer.
func (c config) provisioner(ctx context.Context, capacity int, log *slog.Logger) (instance.Provisioner, func(), error) {
	switch c.Provisioner {
	case "", "memory":
		root := c.MemoryRoot
		if root == "" {
			root = c.DataDir + "/instances"
		}
		mp, err := memory.New(ctx, memory.Config{Root: root, MaxInstances: capacity,
			UserPortBase: c.UserPortBase, PeerPortBase: c.PeerPortBase, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		return mp, func() { mp.Close() }, nil
	case "docker":
		dp, err := docker.New(ctx, docker.Config{})
		if err != nil {
			return nil, nil, err
		}
		return dp, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown provisioner %q", c.Provisioner)
}

// operate runs an operator sub-command on the stopped daemon's data and
// prints its result.
func operate(ctx context.Context, d *hostd.Daemon, op opArgs, out io.Writer, log *slog.Logger) error {
	var res any
	var err error
	switch op.cmd {
	case "transfer":
		res, err = d.Transfer(ctx, op.arg)
	case "deregister":
		res, err = d.Deregister(ctx)
	case "delete-instance":
		res, err = d.DeleteInstance(ctx, op.arg)
	case "reconfig":
		res, err = d.Reconfig(ctx, hostd.ReconfigOptions{Price: op.price, Instances: op.instances})
	case "cancel":
		res, err = d.CancelOperation(ctx)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op.cmd, err)
	}
	log.Info("host: "+op.cmd+" done", "account", d.Address())
	b, err := json.Marshal(map[string]any{"command": op.cmd, "result": res})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(b))
	return err
}

// parseVotes reads the config's votes ("support" or "reject" by candidate
// id); hostd.New checks the ids.
func parseVotes(in map[string]string) (map[string]hook.VoteValue, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]hook.VoteValue, len(in))
	for id, v := range in {
		switch strings.ToLower(v) {
		case "support":
			out[id] = hook.VoteSupport
		case "reject":
			out[id] = hook.VoteReject
		default:
			return nil, fmt.Errorf("host: vote %q on candidate %s: want support or reject", v, id)
		}
	}
	return out, nil
}
