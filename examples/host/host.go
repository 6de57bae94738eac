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

// loadConfig reads the file named by -config (or EVERNODE_HOST_CONFIG),
// then the environment, then the other flags.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	path := fs.String("config", getenv("EVERNODE_HOST_CONFIG"), "JSON configuration file")
	var flags config
	fs.StringVar(&flags.Network, "network", "", "mainnet, testnet or devnet")
	fs.StringVar(&flags.URL, "url", "", "websocket URL of a Xahau node")
	fs.StringVar(&flags.Governor, "governor", "", "Evernode governor address")
	fs.StringVar(&flags.SeedFile, "seed-file", "", "file holding the account seed")
	fs.StringVar(&flags.DataDir, "data-dir", "", "the daemon's data directory")
	fs.IntVar(&flags.Instances, "instances", 0, "lease slots")
	fs.StringVar(&flags.LeasePrice, "price", "", "per-moment lease price in EVR")
	fs.StringVar(&flags.Domain, "domain", "", "the host's public name")
	fs.StringVar(&flags.Provisioner, "provisioner", "", "memory or docker")
	fs.StringVar(&flags.HTTP, "http", "", "health and metrics address, e.g. 127.0.0.1:9100")
	fs.StringVar(&flags.LogLevel, "log-level", "", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (the seed is never an argument)", fs.Args())
	}
	if *path != "" {
		b, err := os.ReadFile(*path)
		if err != nil {
			return c, err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%s: %w", *path, err)
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
	return c, nil
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

func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer) error {
	c, err := loadConfig(args, getenv)
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

	var prov instance.Provisioner
	switch c.Provisioner {
	case "", "memory":
		root := c.MemoryRoot
		if root == "" {
			root = c.DataDir + "/instances"
		}
		mp, err := memory.New(ctx, memory.Config{Root: root, MaxInstances: max(c.Instances, hostd.DefaultInstances),
			UserPortBase: c.UserPortBase, PeerPortBase: c.PeerPortBase, Logger: log})
		if err != nil {
			return err
		}
		defer mp.Close()
		prov = mp
	case "docker":
		dp, err := docker.New(ctx, docker.Config{})
		if err != nil {
			return err
		}
		prov = dp
	default:
		return fmt.Errorf("unknown provisioner %q", c.Provisioner)
	}
	cfg := &hostd.Config{DataDir: c.DataDir, Instances: c.Instances, LeasePrice: c.LeasePrice, Domain: c.Domain, Logger: log}
	if r := c.Register; r != nil {
		cfg.Register = &hook.Registration{CountryCode: r.CountryCode, CPUMicrosec: r.CPUMicrosec, RAMMB: r.RAMMB, DiskMB: r.DiskMB,
			TotalInstances: uint32(max(c.Instances, hostd.DefaultInstances)), CPUModel: r.CPUModel, CPUCount: r.CPUCount, CPUMHz: r.CPUMHz,
			Description: r.Description, Email: r.Email, LeaseAmount: c.LeasePrice}
		if cfg.Register.LeaseAmount == "" {
			cfg.Register.LeaseAmount = hostd.DefaultLeasePrice
		}
	}
	d, err := hostd.New(client, w, prov, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
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
