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

// TestJSMultisign runs testdata/jsmultisign/check.js: xrpl.js sets a signer
// list, multi-signs a payment (sign(tx, true) and multisign), is refused
// under quorum and deletes the list, on a Xahau and an XRP Ledger localnet.
// It needs node and LOCALNET_JS_DIR naming a directory with
// node_modules/xrpl; it is skipped otherwise.
func TestJSMultisign(t *testing.T) {
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
	script, err := filepath.Abs(filepath.Join("testdata", "jsmultisign", "check.js"))
	if err != nil {
		t.Fatal(err)
	}
	for name, chain := range map[string]evernode.Chain{"xahau": evernode.Xahau, "xrpl": evernode.XRPL} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 100 * time.Millisecond, Chain: chain})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
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
