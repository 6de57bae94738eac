package contract

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/internal/hotpocket"
	"github.com/evernode-go/sdk/internal/hpwire"
	"github.com/evernode-go/sdk/memo"
)

var (
	echoOnce sync.Once
	echoPath string
	echoErr  error
	echoDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if echoDir != "" {
		os.RemoveAll(echoDir)
	}
	os.Exit(code)
}

// echoBinary builds examples/echocontract once per test binary (static, no cgo).
func echoBinary(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("contract processes need linux")
	}
	echoOnce.Do(func() {
		echoDir, echoErr = os.MkdirTemp("", "echocontract")
		if echoErr != nil {
			return
		}
		echoPath = filepath.Join(echoDir, "echocontract")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", echoPath, "../examples/echocontract") // smaller uploads: cheaper under -race
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			echoErr = fmt.Errorf("go build echocontract: %v\n%s", err, out)
		}
	})
	if echoErr != nil {
		t.Fatal(echoErr)
	}
	return echoPath
}

func echoFile(t testing.TB) File {
	data, err := os.ReadFile(echoBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: "echocontract", Data: data}
}

func echoBundle(t testing.TB) *Bundle {
	return &Bundle{Files: []File{echoFile(t)}, Config: Config{BinPath: "echocontract"}}
}

func newKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func pubHex(k ed25519.PrivateKey) string {
	return hpwire.PublicKeyHex(k.Public().(ed25519.PublicKey))
}

type testNode struct {
	*hotpocket.Node
	dir   string
	owner ed25519.PrivateKey
}

// fastRounds: 200 ms rounds. An input's max ledger is lcl+10, two seconds of rounds for the
// client's own work between reading the LCL and sending (the node holds rounds while a
// message is in transit, see startNode); shorter rounds only burn CPU under -race.
const fastRounds = `{"contract":{"consensus":{"roundtime":200}}}`

// startNode provisions a node on 127.0.0.1 (the bootstrap contract, owner key new) and
// starts it. With echo, the echo contract is installed directly in its config instead.
func startNode(t testing.TB, override string, echo bool, edit func(*hotpocket.Config)) *testNode {
	t.Helper()
	return startNodePaced(t, override, echo, edit, true)
}

// startNodePaced is startNode with rounds paced by the node's state (pace, see below) or by
// the clock alone, as a real node's.
func startNodePaced(t testing.TB, override string, echo bool, edit func(*hotpocket.Config), pace bool) *testNode {
	t.Helper()
	if override == "" {
		override = fastRounds
	}
	dir := t.TempDir()
	owner := newKey(t)
	if _, err := hotpocket.Provision(dir, hotpocket.ProvisionOptions{OwnerPubkey: pubHex(owner), Override: json.RawMessage(override)}); err != nil {
		t.Fatal(err)
	}
	if echo || edit != nil {
		cfg, err := hotpocket.LoadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		if echo {
			data, err := os.ReadFile(echoBinary(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "contract_fs", "seed", "state", "echocontract"), data, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg.Contract.BinPath, cfg.Contract.BinArgs = "echocontract", ""
		}
		if edit != nil {
			edit(&cfg)
		}
		if err := hotpocket.SaveConfig(dir, cfg); err != nil {
			t.Fatal(err)
		}
	}
	// Rounds are paced by the node's state: an input's max ledger cannot expire while the
	// test is still sending it, however loaded the machine (a 1.8 MiB upload under -race
	// outlasts ten 50 ms rounds).
	n, err := hotpocket.Open(dir, &hotpocket.Options{ListenHost: "127.0.0.1", PaceRounds: pace})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return &testNode{Node: n, dir: dir, owner: owner}
}

func (n *testNode) addr() string { return n.Addr().String() }

// instance is what the host would have answered for this node.
func (n *testNode) instance(name string) memo.Instance {
	host, port := splitHostPort(n.addr())
	return memo.Instance{Name: name, Pubkey: n.PublicKey(), UserPort: port, PeerPort: "22861", Domain: host}
}

func splitHostPort(a string) (string, string) {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] == ':' {
			return a[:i], a[i+1:]
		}
	}
	return a, ""
}

// hangTimeout bounds tests that upload or wait on rounds. It only catches a hang: progress
// is paced by the node's state (Options.PaceRounds), so a loaded machine makes a test slow,
// not wrong.
const hangTimeout = 2 * time.Minute

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dialT(t testing.TB, n *testNode, key ed25519.PrivateKey, p Protocol) *Client {
	t.Helper()
	c, err := Dial(testCtx(t, 5*time.Second), n.addr(), key, &DialOptions{Protocol: p, ServerKey: n.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nextOutputWith returns the first verified output holding want.
func nextOutputWith(t testing.TB, ctx context.Context, c interface {
	NextOutput(context.Context) (Output, error)
}, want string) Output {
	t.Helper()
	for {
		o, err := c.NextOutput(ctx)
		if err != nil {
			t.Fatalf("waiting for output %q: %v", want, err)
		}
		for _, b := range o.Outputs {
			if string(b) == want {
				return o
			}
		}
	}
}

var protocols = []Protocol{ProtocolBSON, ProtocolJSON}
