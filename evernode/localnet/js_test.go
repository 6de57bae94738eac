package localnet_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode/localnet"
)

// TestJSXRPL runs testdata/jsxrpl/check.js (the JS xrpl library: connect,
// autofill, sign, submitAndWait, account_info) against a localnet. It needs
// node and LOCALNET_JS_DIR naming a directory with node_modules/xrpl; it is
// skipped otherwise (CI has no node).
func TestJSXRPL(t *testing.T) {
	dir := os.Getenv("LOCALNET_JS_DIR")
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
	for _, chain := range []string{"xahau", "xrpl"} {
		t.Run(chain, func(t *testing.T) {
			cfg := &localnet.Config{CloseInterval: 200 * time.Millisecond}
			if chain == "xrpl" {
				cfg.Chain = 2
			}
			n, err := localnet.Start(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			script, _ := filepath.Abs(filepath.Join("testdata", "jsxrpl", "check.js"))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, n.URL())
			cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
			out, err := cmd.CombinedOutput()
			t.Logf("%s", out)
			if err != nil || !strings.Contains(string(out), "OK") {
				t.Fatalf("check.js: %v", err)
			}
		})
	}
}
