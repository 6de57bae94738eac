// Package depcheck holds a test that keeps the tenant-side packages light:
// a wallet embeds them, so they must never pull in Docker, bbolt, the host
// daemon, the in-process ledger engine or the HotPocket node runtime.
package depcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// tenantSide are the packages a wallet embeds (DESIGN.md).
var tenantSide = []string{"memo", "hook", "lease", "contract", "evernode"}

// forbidden are import path fragments none of them may depend on.
var forbidden = []string{
	"github.com/docker/",
	"github.com/moby/",
	"go.etcd.io/bbolt",
	"github.com/evernode-go/sdk/hostd",
	"github.com/evernode-go/sdk/instance/docker",
	"github.com/evernode-go/sdk/evernode/localnet",
	"github.com/evernode-go/sdk/internal/ledger",
	"github.com/evernode-go/sdk/internal/hotpocket",
}

func TestTenantSideDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	var pkgs []string
	for _, p := range tenantSide {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			pkgs = append(pkgs, "./"+p)
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("no tenant-side package found")
	}
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("a tenant-side package depends on %s", dep)
			}
		}
	}
}
