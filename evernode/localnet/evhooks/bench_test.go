package evhooks_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

const benchHosts = 10_000

// BenchmarkHosts10k lists 10,000 hosts (20,000 registry entries plus the
// configuration) over websocket with hook.Hosts. The hosts are written
// directly with Deployment.SetState. cpu-ms/list is the CPU the process
// (client, localnet and garbage collector) spent per listing, which load
// from other processes does not inflate. BenchmarkHosts10kJS is the same
// for evernode-js-client.
func BenchmarkHosts10k(b *testing.B) {
	e := hosts10k(b)
	cfg := e.config()
	opts := &hook.HostsOptions{Now: e.n.LedgerTime()}
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		got, err := hook.Hosts(e.ctx, e.c, cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != benchHosts || !got[0].Active {
			b.Fatalf("%d hosts", len(got))
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/list")
}

// BenchmarkHosts10kJS times evernode-js-client's getAllHostsFromLedger(false)
// (testdata/jsbench/hosts.js, b.N listings in one node process) on the
// registry BenchmarkHosts10k lists, and reports the mean as ms/list, with
// the CPU the node process and localnet spent (BenchmarkHosts10k's
// cpu-ms/list counts client and server alike). It needs node and
// EVERNODE_JS_CLIENT naming the installed package
// (…/node_modules/evernode-js-client, as CI sets it) or a directory holding
// node_modules/evernode-js-client, and is skipped otherwise.
func BenchmarkHosts10kJS(b *testing.B) {
	dir := os.Getenv("EVERNODE_JS_CLIENT")
	if dir == "" {
		b.Skip("EVERNODE_JS_CLIENT not set")
	}
	modules := filepath.Join(dir, "node_modules")
	if filepath.Base(filepath.Clean(dir)) == "evernode-js-client" {
		modules = filepath.Dir(filepath.Clean(dir))
	}
	if _, err := os.Stat(filepath.Join(modules, "evernode-js-client", "package.json")); err != nil {
		b.Skipf("evernode-js-client not installed in %s", modules)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node not on PATH")
	}
	e := hosts10k(b)
	cfg := e.config()
	net := e.d.Network()
	script, err := filepath.Abs(filepath.Join("testdata", "jsbench", "hosts.js"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(e.ctx, node, script, modules, net.URL, net.GovernorAddress, cfg.RegistryAddress,
		strconv.FormatUint(uint64(net.NetworkID), 10), strconv.Itoa(b.N))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b.ResetTimer()
	cpu := processCPU()
	out, err := cmd.Output()
	b.StopTimer()
	server := processCPU() - cpu
	if err != nil {
		b.Fatalf("hosts.js: %v\n%s", err, stderr.Bytes())
	}
	var r struct {
		MS    []float64
		CPUMS []float64 `json:"cpu_ms"`
		Hosts int
	}
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("hosts.js printed %q: %v", out, err)
	}
	if r.Hosts != benchHosts || len(r.MS) != b.N {
		b.Fatalf("hosts.js listed %d hosts %d times", r.Hosts, len(r.MS))
	}
	mean := func(v []float64) float64 {
		var sum float64
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	}
	b.ReportMetric(mean(r.MS), "ms/list")
	// The node process's CPU while listing, and this process's (localnet's
	// server) over the whole run, connection included.
	b.ReportMetric(mean(r.CPUMS), "js-cpu-ms/list")
	b.ReportMetric(float64(server.Microseconds())/1e3/float64(b.N), "server-cpu-ms/list")
}

// hosts10k is an environment whose registry holds benchHosts hosts.
func hosts10k(b *testing.B) *env {
	const hosts = benchHosts
	e := newEnv(b)
	now := uint64(e.n.LedgerTime().Unix())
	lease, _ := hook.ParseXFL("0.5")
	entries := make([]evhooks.StateEntry, 0, 2*hosts)
	for i := range hosts {
		var acct hook.AccountID
		binary.BigEndian.PutUint32(acct[16:], uint32(i+1))
		var tok [32]byte
		binary.BigEndian.PutUint32(tok[28:], uint32(i+1))
		tok[4] = 0xEE
		ha := hook.HostAddr{RegistrationTokenID: tok, CountryCode: "SG", Description: "bench", MaxInstances: 3,
			RegistrationFee: 500, LastHeartbeatIndex: now, RegistrationTimestamp: now, LeaseAmount: lease}
		ht := hook.HostToken{Account: acct, CPUModel: "cpu", CPUCount: 2, CPUMHz: 2000, CPUMicrosec: 500000,
			RAMMB: 2048, DiskMB: 20000, Email: "h@example.org"}
		entries = append(entries, evhooks.StateEntry{Key: hook.HostAddrKey(acct), Value: ha.Encode()},
			evhooks.StateEntry{Key: hook.TokenIDKey(tok), Value: ht.Encode()})
	}
	if err := e.d.SetState(e.ctx, entries...); err != nil {
		b.Fatal(err)
	}
	e.commit()
	return e
}
