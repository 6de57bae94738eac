package localnet_test

import (
	"path/filepath"
	"testing"
	"time"
)

// TestJSXRPL runs testdata/jsxrpl/check.js (the JS xrpl library: connect,
// autofill, sign, submitAndWait, account_info) against a localnet. It needs
// node and LOCALNET_JS_DIR naming a directory with node_modules/xrpl; it is
// skipped otherwise (CI has no node).
func TestJSXRPL(t *testing.T) {
	runJSCheck(t, filepath.Join("jsxrpl", "check.js"), 200*time.Millisecond)
}
