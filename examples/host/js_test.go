package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/lease"
)

// TestJSTenant: evernode-js-client 0.6.61's TenantClient acquires, extends
// and terminates a lease from this program on localnet. It runs when
// EVERNODE_JS_CLIENT names the directory holding
// node_modules/evernode-js-client and node is on PATH:
//
//	EVERNODE_JS_CLIENT=/tmp/evjs go test ./examples/host -run TestJSTenant -v
func TestJSTenant(t *testing.T) {
	dir := os.Getenv("EVERNODE_JS_CLIENT")
	if dir == "" {
		t.Skip("EVERNODE_JS_CLIENT not set")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	// Ledgers close every second: the JS client's LastLedgerSequence
	// margin assumes Xahau's pace, not a test network's 50 ms.
	w := newWorld(t, 30401, time.Second)
	cmd := w.start()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	w.waitFor("registered and offering", func() bool { return w.offers() == 2 })
	tw, err := w.net.NewFundedWallet(w.ctx, 1_000_000_000)
	require.NoError(t, err)
	require.NoError(t, w.dep.FundEVR(w.ctx, tw, "100"))
	w.net.Commit()
	w.waitFor("host active", func() bool {
		return (lease.RegistryChecker{Client: w.c, Config: w.cfg}).CheckHost(w.ctx, w.hostID()) == nil
	})
	req, err := json.Marshal(map[string]any{"url": w.dep.Network().URL, "governor": w.dep.GovernorAddress(),
		"networkID": w.dep.Network().NetworkID, "host": w.hostW.Address(), "tenant": tw.Address(), "secret": tw.Seed(),
		"moments": 2, "requirement": map[string]any{"owner_pubkey": testReq.OwnerPubkey, "contract_id": testReq.ContractID,
			"image": testReq.Image, "config": map[string]any{}}})
	require.NoError(t, err)
	start := time.Now()
	js := exec.CommandContext(w.ctx, "node", filepath.Join("testdata", "tenant.js"), dir)
	js.Stdin = strings.NewReader(string(req))
	js.Stderr = os.Stderr
	out, err := js.Output()
	if err != nil {
		w.mu.Lock()
		t.Fatalf("node: %v\nhost log:\n%s", err, tail(w.logs.String(), 4000))
	}
	var res struct {
		Instance struct {
			Name     string `json:"name"`
			UserPort string `json:"user_port"`
			Domain   string `json:"domain"`
		} `json:"instance"`
		AcquireRefID string `json:"acquireRefId"`
		AcquireMs    int64  `json:"acquireMs"`
		ExpiryMoment uint32 `json:"expiryMoment"`
		ExtendRefID  string `json:"extendRefId"`
	}
	// The JS client logs to stdout too: the answer is the last line.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res), "%s", out)
	t.Logf("JS tenant: acquired %s (user port %s) in %d ms, extended to moment %d; whole flow %s",
		res.Instance.Name, res.Instance.UserPort, res.AcquireMs, res.ExpiryMoment, time.Since(start).Round(time.Millisecond))
	require.NotEmpty(t, res.Instance.UserPort)
	require.Equal(t, "127.0.0.1", res.Instance.Domain)
	require.NotZero(t, res.ExpiryMoment)
	require.Len(t, w.answers(tw.Address(), res.AcquireRefID), 1)
	require.Len(t, w.answers(tw.Address(), res.ExtendRefID), 1)
	w.waitFor("slot re-offered after the termination", func() bool {
		o, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
		if err != nil || len(o) != 2 {
			return false
		}
		return o[0].ID != res.Instance.Name && o[1].ID != res.Instance.Name
	})
}
