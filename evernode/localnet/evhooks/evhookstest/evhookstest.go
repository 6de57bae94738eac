// Package evhookstest finds the real Evernode hooks (WebAssembly) for
// tests that run them on a localnet with evhooks.SetupWasm.
package evhookstest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
)

// Wasm loads the real Evernode hooks from the directory named by
// EVERNODE_HOOKS_WASM, or else from ../shared/data/evernode-hooks above the
// working directory or any of its parents. When they are absent it skips
// the test, or fails it when EVERNODE_REQUIRE_HOOKS=1 (CI).
func Wasm(t testing.TB) *evhooks.Wasm {
	t.Helper()
	dirs := []string{os.Getenv("EVERNODE_HOOKS_WASM")}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			dirs = append(dirs, filepath.Join(d, "..", "shared", "data", "evernode-hooks"))
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if w, err := evhooks.LoadWasm(d); err == nil {
			return w
		}
	}
	if os.Getenv("EVERNODE_REQUIRE_HOOKS") == "1" {
		t.Fatal("EVERNODE_REQUIRE_HOOKS=1 but the Evernode hook wasm files are not in EVERNODE_HOOKS_WASM or ../shared/data/evernode-hooks")
	}
	t.Skip("the Evernode hook wasm files are absent: set EVERNODE_HOOKS_WASM to their directory")
	return nil
}
