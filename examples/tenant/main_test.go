package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/examples/internal/devnet"
)

// cmdResult is one run of the CLI.
type cmdResult struct {
	code           int
	stdout, stderr string
}

func runCLI(ctx context.Context, stdin string, args ...string) cmdResult {
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return cmdResult{code, out.String(), errOut.String()}
}

// ok runs the CLI and requires success.
func ok(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	r := runCLI(ctx, "", args...)
	require.Equal(t, 0, r.code, "tenant %v\nstdout: %s\nstderr: %s", args, r.stdout, r.stderr)
	return r.stdout
}

// TestTenantOnLocalnet drives every command against two hosts on a
// localnet, as a user would from a shell.
func TestTenantOnLocalnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	dn, err := devnet.Start(ctx, &devnet.Config{Hosts: 2})
	require.NoError(t, err)
	defer dn.Close()
	w, err := dn.NewAccount(ctx, "100")
	require.NoError(t, err)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "tenant.seed")
	require.NoError(t, os.WriteFile(keyFile, []byte(w.Seed()+"\n"), 0o600))
	g := []string{"-url", dn.Net.URL(), "-governor", dn.Hooks.GovernorAddress(), "-key", keyFile}
	cmd := func(args ...string) []string { return append(slices.Clone(g), args...) }
	hostAddrs := []string{dn.Hosts[0].Wallet.Address(), dn.Hosts[1].Wallet.Address()}
	slices.Sort(hostAddrs)

	// hosts: a table, JSON, filters, sort and limit.
	table := ok(t, ctx, cmd("hosts")...)
	assert.Contains(t, table, "ADDRESS")
	for _, h := range hostAddrs {
		assert.Contains(t, table, h)
	}
	var hosts []struct {
		Address     string `json:"address"`
		CountryCode string `json:"countryCode"`
	}
	require.NoError(t, json.Unmarshal([]byte(ok(t, ctx, cmd("-json", "hosts", "-sort", "address", "-limit", "1")...)), &hosts))
	require.Len(t, hosts, 1)
	assert.Equal(t, hostAddrs[0], hosts[0].Address)
	require.NoError(t, json.Unmarshal([]byte(ok(t, ctx, cmd("-json", "hosts", "-country", "DE")...)), &hosts))
	require.Len(t, hosts, 1)
	assert.Equal(t, dn.Hosts[1].Wallet.Address(), hosts[0].Address)
	assert.Contains(t, ok(t, ctx, cmd("hosts", "-max-price", "1")...), "no hosts match")

	// acquire, then the lease shows in status.
	var acq acquired
	require.NoError(t, json.Unmarshal([]byte(ok(t, ctx, cmd("-json", "acquire", "-host", hostAddrs[0], "-config", localnet.FastHotPocketConfig)...)), &acq))
	require.Len(t, acq.Lease, 64)
	assert.Equal(t, keyFile+".owner", acq.OwnerKey)
	st := ok(t, ctx, cmd("status")...)
	assert.Contains(t, st, acq.Lease)
	assert.Contains(t, st, "98.5 EVR")

	// upload the echo contract, with a progress bar on stderr.
	contractDir := filepath.Join(dir, "contract")
	require.NoError(t, os.Mkdir(contractDir, 0o755))
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(contractDir, "echocontract"), "../echocontract")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	msg, err := build.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	node := []string{"-instance", acq.Endpoint, "-node-key", acq.Instance.Pubkey}
	offset := []string{"-max-ledger-offset", fmt.Sprint(localnet.FastMaxLedgerOffset)}
	r := runCLI(ctx, "", cmd(append(append(append([]string{"upload"}, node...), offset...), "-bin-path", "echocontract", contractDir)...)...)
	require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "confirmed=true")
	assert.Contains(t, r.stderr, "100%")

	// input (from stdin too) and read.
	var in struct {
		Outputs []struct {
			Data     string `json:"data"`
			Verified bool   `json:"verified"`
		} `json:"outputs"`
	}
	require.NoError(t, json.Unmarshal([]byte(ok(t, ctx, cmd(append(append(append([]string{"-json", "input"}, node...), offset...), "hello")...)...)), &in))
	require.Len(t, in.Outputs, 1)
	assert.Equal(t, "hello", in.Outputs[0].Data)
	assert.True(t, in.Outputs[0].Verified)
	r = runCLI(ctx, "from stdin", cmd(append(append(append([]string{"input"}, node...), offset...), "-")...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "verified=true): from stdin")
	assert.Equal(t, "2\n", ok(t, ctx, cmd(append(append([]string{"read"}, node...), "count")...)...))
	assert.Contains(t, ok(t, ctx, cmd(append([]string{"status"}, node...)...)...), "round time 200 ms")

	// extend and terminate.
	assert.Contains(t, ok(t, ctx, cmd("extend", "-lease", strings.ToLower(acq.Lease), "-moments", "2")...), "extended by 2 moment(s) for 3 EVR")
	assert.Contains(t, ok(t, ctx, cmd("terminate", "-lease", acq.Lease)...), "terminated")
	require.NoError(t, dn.Err())
}

// TestBadCommandLines: every mistake is exit code 2 with a message that
// names the problem, and nothing touches a network.
func TestBadCommandLines(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "k")
	require.NoError(t, os.WriteFile(keyFile, []byte("not a seed"), 0o600))
	const addr = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
	lease := strings.Repeat("AB", 32)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "no command given"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"-nope", "hosts"}, "flag provided but not defined: -nope"},
		{[]string{"-network", "moon", "hosts"}, `-network "moon"`},
		{[]string{"-url", "http://127.0.0.1:1", "-governor", addr, "hosts"}, "ws:// or wss://"},
		{[]string{"-url", "ws://127.0.0.1:1", "hosts"}, "-url needs -governor"},
		{[]string{"-governor", "nope", "hosts"}, `-governor "nope" is not an account address`},
		{[]string{"-timeout", "0s", "hosts"}, "-timeout must be positive"},
		{[]string{"hosts", "-sort", "weight"}, `-sort "weight"`},
		{[]string{"hosts", "-country", "Narnia"}, "two-letter code"},
		{[]string{"hosts", "-max-price", "cheap"}, "decimal amount of EVR"},
		{[]string{"hosts", "-limit", "-1"}, "-limit must not be negative"},
		{[]string{"hosts", "extra"}, `unexpected argument "extra"`},
		{[]string{"hosts", "-min-free", "x"}, "invalid value"},
		{[]string{"acquire"}, "-host is required"},
		{[]string{"acquire", "-host", "rBad"}, `-host "rBad" is not an account address`},
		{[]string{"acquire", "-host", addr, "-config", "{"}, "config is not a JSON object"},
		{[]string{"acquire", "-host", addr, "-config", "[1]"}, "config is not a JSON object"},
		{[]string{"acquire", "-host", addr, "-image", ""}, "image is empty"},
		{[]string{"acquire", "-host", addr, "-contract-id", "x"}, "not a UUID"},
		{[]string{"acquire", "-host", addr}, "-owner-key FILE"},
		{[]string{"extend"}, "-lease is required"},
		{[]string{"extend", "-lease", "XYZ"}, "64 hex digits"},
		{[]string{"extend", "-lease", lease, "-moments", "0"}, "-moments 0"},
		{[]string{"terminate", "-lease", "1"}, "64 hex digits"},
		{[]string{"terminate", "-lease", lease}, "needs -key FILE"},
		{[]string{"status"}, "needs -key FILE"},
		{[]string{"upload", "-bin-path", "x"}, "missing argument"},
		{[]string{"upload", dir}, "-bin-path is required"},
		{[]string{"upload", "-bin-path", "x", keyFile}, "is not a directory"},
		{[]string{"input"}, "missing argument"},
		{[]string{"input", "-wait", "0s", "x"}, "-wait must be positive"},
		{[]string{"read", "count"}, "-instance HOST:PORT is required"},
		{[]string{"read", "-instance", "h:1", "count"}, "-node-key is required"},
		{[]string{"read", "-instance", "h:1", "-node-key", "edzz", "count"}, "want ed and 64 hex digits"},
		{[]string{"read", "-instance", "h:1", "-node-key", "ed" + strings.Repeat("00", 32), "count"}, "-owner-key FILE"},
	} {
		r := runCLI(context.Background(), "", c.args...)
		assert.Equal(t, 2, r.code, "%v: %s", c.args, r.stderr)
		assert.Contains(t, r.stderr, c.want, "%v", c.args)
		assert.Empty(t, r.stdout, "%v", c.args)
	}
	// Not usage mistakes, but still clear: a key file without a seed.
	r := runCLI(context.Background(), "", "-key", keyFile, "status")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "does not hold a seed")
	// Help is not an error.
	for _, args := range [][]string{{"-h"}, {"hosts", "-h"}} {
		r := runCLI(context.Background(), "", args...)
		assert.Equal(t, 0, r.code, "%v", args)
		assert.Contains(t, r.stderr, "usage: tenant", "%v", args)
	}
}
