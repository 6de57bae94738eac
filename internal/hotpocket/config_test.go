package hotpocket

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/evernode-go/sdk/internal/hpwire"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.User.MaxBytesPerMsg != 10<<20 || c.Contract.Consensus.Roundtime != 2000 || c.Contract.Consensus.Mode != "public" ||
		c.Contract.RoundLimits.ExecTimeout != 300000 || c.User.ConcurrentReadRequests != 4 || !c.Mesh.PeerDiscovery.Enabled {
		t.Fatalf("%+v", c)
	}
	b, _ := json.Marshal(c)
	var m map[string]map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"public_key", "private_key", "role", "history", "history_config"} {
		if _, ok := m["node"][k]; !ok {
			t.Errorf("node.%s missing", k)
		}
	}
	for _, k := range []string{"id", "execute", "run_as", "log", "version", "unl", "bin_path", "bin_args", "environment", "max_input_ledger_offset", "consensus", "npl", "round_limits"} {
		if _, ok := m["contract"][k]; !ok {
			t.Errorf("contract.%s missing", k)
		}
	}
}

func TestMergeOverride(t *testing.T) {
	base := DefaultConfig()
	k := hpwire.PublicKeyHex(newKey(t).Public().(ed25519.PublicKey))
	got, err := base.MergeOverride(json.RawMessage(`{"contract":{"unl":["` + k + `"],"bin_path":"evil","consensus":{"roundtime":6000},
		"round_limits":{"exec_timeout":5},"environment":{"A":"b"},"execute":false},
		"node":{"role":"observer"},"mesh":{"known_peers":["a.b:22861"],"peer_discovery":{"enabled":false}},
		"user":{"max_bytes_per_msg":1024,"concurrent_read_requests":0},"log":{"log_level":"dbg"},"hpfs":{"log":{"log_level":"err"}},"unknown":1}`))
	if err != nil {
		t.Fatal(err)
	}
	c := got.Contract
	if len(c.UNL) != 1 || c.UNL[0] != k || c.BinPath != "" || c.Consensus.Roundtime != 6000 || c.RoundLimits.ExecTimeout != 5 ||
		c.Environment["A"] != "b" || c.Execute || got.Node.Role != "observer" || got.Mesh.KnownPeers[0] != "a.b:22861" ||
		got.Mesh.PeerDiscovery.Enabled || got.User.MaxBytesPerMsg != 1024 || got.User.ConcurrentReadRequests != 0 ||
		got.Log.LogLevel != "dbg" || got.HPFS.Log.LogLevel != "err" {
		t.Fatalf("%+v", got)
	}
	if base.Contract.Consensus.Roundtime != 2000 || len(base.Contract.Environment) != 0 {
		t.Fatal("MergeOverride modified its receiver")
	}
	same, err := base.MergeOverride(nil)
	if err != nil || same.Contract.Consensus.Roundtime != 2000 {
		t.Fatal(err)
	}
	for _, bad := range []string{`[]`, `{"contract":{"consensus":{"roundtime":"x"}}}`, `{"contract":{"consensus":{"roundtime":0}}}`,
		`{"contract":{"unl":["ed00"]}}`, `{"node":{"role":"king"}}`, `{"mesh":{"known_peers":["nohost"]}}`, `{"contract":{"environment":{"A":1}}}`,
		`{"contract":{"consensus":{"mode":"x"}}}`, `{"user":{"max_connections":-1}}`} {
		if _, err := base.MergeOverride(json.RawMessage(bad)); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestProvisionLayout(t *testing.T) {
	dir := t.TempDir()
	owner := hpwire.PublicKeyHex(newKey(t).Public().(ed25519.PublicKey))
	cfg, err := Provision(dir, ProvisionOptions{OwnerPubkey: owner, ContractID: "3c349abe-4d70-4f50-9fa6-018f1f2530ab", UserPort: 26201, PeerPort: 22861})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Contract.BinPath != "bootstrap_contract" || cfg.Contract.BinArgs != owner || len(cfg.Contract.UNL) != 1 ||
		cfg.Contract.UNL[0] != cfg.Node.PublicKey || cfg.User.Port != 26201 || cfg.Mesh.Port != 22861 || !cfg.HPFS.External {
		t.Fatalf("%+v", cfg)
	}
	for _, p := range []string{"cfg/hp.cfg", "cfg/tlscert.pem", "cfg/tlskey.pem", "contract_fs/seed/state/bootstrap_contract",
		"contract_fs/seed/state/bootstrap_upgrade.sh", "ledger_fs/seed/primary", "ledger_fs/seed/raw", "log/contract"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	loaded, err := LoadConfig(dir)
	if err != nil || loaded.Node.PrivateKey != cfg.Node.PrivateKey {
		t.Fatal(err)
	}
	if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: owner}); !errors.Is(err, ErrExists) {
		t.Fatalf("second provision: %v", err)
	}
	for _, o := range []ProvisionOptions{{OwnerPubkey: "xx"}, {OwnerPubkey: owner, ContractID: "nope"}, {OwnerPubkey: owner, UserPort: 70000}} {
		if _, err := Provision(t.TempDir(), o); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestStartOnBusyPortFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	owner := hpwire.PublicKeyHex(newKey(t).Public().(ed25519.PublicKey))
	if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: owner, UserPort: ln.Addr().(*net.TCPAddr).Port}); err != nil {
		t.Fatal(err)
	}
	n, err := Open(dir, &Options{ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Start(context.Background()); err == nil {
		t.Fatal("start on a busy port succeeded")
	}
}

// BenchmarkProvisionOpenStart measures Provision + Open + Start until the user port sends its
// challenge.
func BenchmarkProvisionOpenStart(b *testing.B) {
	owner := hpwire.PublicKeyHex(newKey(b).Public().(ed25519.PublicKey))
	for b.Loop() {
		dir := b.TempDir()
		if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: owner}); err != nil {
			b.Fatal(err)
		}
		n, err := Open(dir, &Options{ListenHost: "127.0.0.1"})
		if err != nil {
			b.Fatal(err)
		}
		if err := n.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		c := rawDial(b, n)
		readOne(b, c)
		c.CloseNow()
		n.Close()
	}
}
