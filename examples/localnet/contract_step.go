package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/evernode-go/sdk/contract"
	"github.com/evernode-go/sdk/memo"
)

// echoContractPkg is the sample contract the demo uploads.
const echoContractPkg = "github.com/evernode-go/sdk/examples/echocontract"

// useContract builds the sample echo contract, uploads it to the new
// instance through the bootstrap contract (only the owner key may), then
// sends it an input and reads its state.
func (d *demo) useContract(ctx context.Context, in memo.Instance, owner ed25519.PrivateKey) error {
	bin, err := buildEchoContract(ctx)
	if err != nil {
		return err
	}
	addr := in.Host() + ":" + in.UserPort
	// The node proves the key the host announced in its answer.
	c, err := contract.Dial(ctx, addr, owner, &contract.DialOptions{ServerKey: in.Pubkey})
	if err != nil {
		return fmt.Errorf("connecting to the instance: %w", err)
	}
	defer c.Close()
	b := &contract.Bundle{
		Files:  []contract.File{{Name: "echocontract", Data: bin}},
		Config: contract.Config{BinPath: "echocontract"},
	}
	up, err := contract.Upload(ctx, c, b, nil)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	d.say("upload", "%d-byte bundle accepted by the bootstrap contract in ledger %d, confirmed=%v",
		up.ZipBytes, up.LedgerSeqNo, up.Confirmed)

	msg := []byte("hello from the tenant")
	if _, err := c.SubmitInput(ctx, msg, nil); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	for {
		out, err := c.NextOutput(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the echo: %w", err)
		}
		if len(out.Outputs) == 1 && bytes.Equal(out.Outputs[0], msg) {
			d.say("contract", "input %q came back from ledger %d, signed by the node (verified=%v)", msg, out.LedgerSeqNo, out.Verified)
			break
		}
	}
	count, err := c.Read(ctx, []byte("count"))
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	d.say("read", "the contract's state says it has seen %s input(s)", count)
	return nil
}

// buildEchoContract compiles the sample contract as a static binary with
// the Go toolchain the demo runs under.
func buildEchoContract(ctx context.Context) ([]byte, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building the sample contract needs the Go toolchain: %w", err)
	}
	dir, err := os.MkdirTemp("", "evernode-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "echocontract")
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, echoContractPkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s (run the demo from the SDK's module): %v\n%s", echoContractPkg, err, strings.TrimSpace(string(msg)))
	}
	return os.ReadFile(out)
}
