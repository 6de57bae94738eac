package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// The demo is the end-to-end test of the SDK: hooks, leases, instances,
// contracts and the client on one localnet, with three hosts.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := cli(ctx, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"3 hosts", "its hostd sent a heartbeat and offers 3 leases", "3 of 3 instances free", "answer", "ledger(s) later",
		"accepted by node", "confirmed=true", "UNL of 3", `"hello from the tenant" from node`, "verified",
		"has seen 2 input(s)", "now expires at moment", "all 3 leases on offer again", "every step succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "  acquire "); n != 3 {
		t.Errorf("%d acquires, want 3:\n%s", n, out.String())
	}
	t.Log("\n" + out.String())
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-hosts", "0"}, {"-hosts", "x"}, {"extra"}, {"-nope"}, {"-seed-file", "x"}, {"-docker", "-docker-socket", ""}} {
		var out, errOut bytes.Buffer
		if code := cli(context.Background(), args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

// TestServe: after the demo the network stays up, and the seed file holds
// a funded tenant a client can use.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	seedFile := filepath.Join(t.TempDir(), "tenant.seed")
	var out bytes.Buffer
	var checkErr error
	err := run(ctx, &out, options{Hosts: 1, Serve: true, SeedFile: seedFile, served: func(info serveInfo) {
		defer cancel()
		checkErr = func() error {
			seed, err := os.ReadFile(seedFile)
			if err != nil {
				return err
			}
			w, err := evernode.WalletFromSeed(strings.TrimSpace(string(seed)))
			if err != nil {
				return err
			}
			if w.Address() != info.Tenant {
				return fmt.Errorf("seed is %s's, want %s's", w.Address(), info.Tenant)
			}
			c, err := evernode.Dial(ctx, evernode.Network{URL: info.URL, NetworkID: info.NetworkID, GovernorAddress: info.Governor}, nil)
			if err != nil {
				return err
			}
			defer c.Close()
			cfg, err := hook.LoadConfig(ctx, c, info.Governor)
			if err != nil {
				return err
			}
			hosts, err := hook.Hosts(ctx, c, cfg, &hook.HostsOptions{Filter: &hook.HostFilter{ActiveOnly: true}})
			if err != nil || len(hosts) != 1 || hosts[0].Address != info.Hosts[0] {
				return fmt.Errorf("hosts %v, %v; want %v", hosts, err, info.Hosts)
			}
			return nil
		}()
	}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if checkErr != nil {
		t.Fatalf("%v\n%s", checkErr, out.String())
	}
	for _, want := range []string{"serving until interrupted", `"url": "ws://127.0.0.1:`, `"governor": "r`, seedFile} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDemoRealHooks runs the demo on the real Evernode hooks (WebAssembly)
// from EVERNODE_HOOKS_WASM or ../shared/data/evernode-hooks; it skips when
// they are absent, unless EVERNODE_REQUIRE_HOOKS=1.
func TestDemoRealHooks(t *testing.T) {
	dir := os.Getenv("EVERNODE_HOOKS_WASM")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "evernode-hooks")
	}
	if _, err := os.Stat(filepath.Join(dir, "registry.wasm")); err != nil {
		if os.Getenv("EVERNODE_REQUIRE_HOOKS") == "1" {
			t.Fatalf("EVERNODE_REQUIRE_HOOKS=1 but no Evernode hook wasm in %s", dir)
		}
		t.Skip("the Evernode hook wasm files are absent: set EVERNODE_HOOKS_WASM to their directory")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := cli(ctx, []string{"-hosts", "1", "-real-hooks", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"the real Evernode hooks", "its hostd sent a heartbeat", "now expires at moment", "every step succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
