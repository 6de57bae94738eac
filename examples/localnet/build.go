package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

const (
	// sdkModule is the module the sample contract lives in.
	sdkModule = "github.com/evernode-go/sdk"
	// echoContractPkg is the sample contract the demo uploads.
	echoContractPkg = sdkModule + "/examples/echocontract"
)

// buildEchoContract compiles the sample contract as a static binary.
func buildEchoContract(ctx context.Context) ([]byte, error) {
	return buildGo(ctx, echoContractPkg)
}

// buildGo compiles the command pkg of the SDK as a static binary
// with the Go toolchain on the PATH. A demo built from a released module
// version installs it at that same version; a demo built from a checkout
// builds it from that checkout, wherever it is run from.
func buildGo(ctx context.Context, pkg string) ([]byte, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building %s needs the Go toolchain: %w", pkg, err)
	}
	dir, err := os.MkdirTemp("", "evernode-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out := filepath.Join(dir, path.Base(pkg))
	var cmd *exec.Cmd
	if v := sdkVersion(); v != "" {
		cmd = exec.CommandContext(ctx, goTool, "install", "-trimpath", pkg+"@"+v)
		cmd.Env = append(os.Environ(), "GOBIN="+dir)
	} else {
		cmd = exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, pkg)
		cmd.Dir = checkoutDir()
	}
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(string(msg)))
	}
	return os.ReadFile(out)
}

// sdkVersion returns the SDK's module version this binary was built from,
// or "" for a build from a checkout (or a replaced module).
func sdkVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
	for _, m := range mods {
		if m.Path == sdkModule && m.Replace == nil && m.Version != "" && m.Version != "(devel)" {
			return m.Version
		}
	}
	return ""
}

// checkoutDir returns the module root this file was compiled from when it
// still exists (a build from a checkout), else "" (the working directory).
func checkoutDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return ""
	}
	return root
}
