package localnet_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// runJSCheck runs testdata/<script> with node against a localnet of each
// chain (closing every interval) and fails unless it prints "OK". It needs
// node and LOCALNET_JS_DIR naming a directory with node_modules/xrpl; it
// skips otherwise (CI has no node).
func runJSCheck(t *testing.T, script string, interval time.Duration) {
	dir, node := jsEnv(t)
	path, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	for _, chain := range []evernode.Chain{evernode.Xahau, evernode.XRPL} {
		t.Run(chain.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: interval, Chain: chain})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			runNode(ctx, t, dir, node, script, path, n.URL())
		})
	}
}

// jsEnv returns LOCALNET_JS_DIR and the node binary, skipping the test
// when either is missing.
func jsEnv(t *testing.T) (dir, node string) {
	dir = os.Getenv("LOCALNET_JS_DIR")
	if dir == "" {
		t.Skip("LOCALNET_JS_DIR not set")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "xrpl")); err != nil {
		t.Skipf("no node_modules/xrpl in %s", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	return dir, node
}

// runNode runs node with args (the script first), the modules of dir on
// NODE_PATH, and fails unless it succeeds and prints "OK"; name names the
// script in the failure.
func runNode(ctx context.Context, t *testing.T, dir, node, name string, args ...string) {
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestJSMultisign runs testdata/jsmultisign/check.js: xrpl.js sets a signer
// list, multi-signs a payment (sign(tx, true) and multisign), is refused
// under quorum and deletes the list, on a Xahau and an XRP Ledger localnet.
func TestJSMultisign(t *testing.T) {
	runJSCheck(t, filepath.Join("jsmultisign", "check.js"), 100*time.Millisecond)
}
