package hook

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// JSClient finds evernode-js-client for the opt-in differential tests:
// EVERNODE_JS_CLIENT names either the directory holding node_modules
// (/tmp/evjs) or the package directory itself
// (/tmp/evjs/node_modules/evernode-js-client). It returns the package
// directory and the node_modules directory for NODE_PATH, and skips the
// test when the variable is unset or node is missing. (Exported for the
// external hook_test package.)
func JSClient(t testing.TB) (pkg, nodeModules string) {
	t.Helper()
	dir := os.Getenv("EVERNODE_JS_CLIENT")
	if dir == "" {
		t.Skip("EVERNODE_JS_CLIENT not set")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	if p := filepath.Join(dir, "node_modules", "evernode-js-client"); isDir(p) {
		return p, filepath.Join(dir, "node_modules")
	}
	if !isDir(dir) {
		t.Fatalf("EVERNODE_JS_CLIENT=%s is not a directory", dir)
	}
	return dir, filepath.Dir(dir)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
