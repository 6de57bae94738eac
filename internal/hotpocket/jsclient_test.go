package hotpocket

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestJSClient runs testdata/jsclient/check.js with the real hotpocket-js-client 0.5.7
// against a node. It needs node and HP_JS_CLIENT_DIR naming a directory where
// "npm install hotpocket-js-client@0.5.7 bson@4.5.3" was run; otherwise it skips.
func TestJSClient(t *testing.T) {
	dir := os.Getenv("HP_JS_CLIENT_DIR")
	if dir == "" {
		t.Skip("HP_JS_CLIENT_DIR not set: hotpocket-js-client interop check skipped")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	mods := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "hotpocket-js-client")); err != nil {
		t.Skipf("hotpocket-js-client not installed in %s", dir)
	}
	n := startNode(t, `{"contract":{"consensus":{"roundtime":200}}}`)
	bundle := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(bundle, echoBundle(t, n.PublicKey(), nil), 0o644); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "jsclient", "check.js"))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods, "HP_URL=wss://"+n.Addr().String(), "HP_NODE_PUBKEY="+n.PublicKey(),
		"HP_OWNER_PRIV="+privKeyHex(n.owner), "HP_BUNDLE="+bundle)
	out, err := cmd.CombinedOutput()
	t.Logf("check.js output:\n%s", out)
	if err != nil {
		t.Fatalf("check.js: %v", err)
	}
}
