package hotpocket

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

var (
	hpnodeOnce sync.Once
	hpnodePath string
	hpnodeErr  error
)

// hpnodeBinary builds cmd/hpnode (without -race, as it is deployed) once per test binary.
func hpnodeBinary(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("RSS is read from /proc")
	}
	echoBinary(t) // creates echoDir, removed by TestMain
	hpnodeOnce.Do(func() {
		hpnodePath = filepath.Join(echoDir, "hpnode")
		cmd := exec.Command("go", "build", "-o", hpnodePath, "./cmd/hpnode")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			hpnodeErr = fmt.Errorf("go build hpnode: %v\n%s", err, out)
		}
	})
	if hpnodeErr != nil {
		t.Fatal(hpnodeErr)
	}
	return hpnodePath
}

// nodeProcess is an hpnode child process serving a freshly provisioned directory.
type nodeProcess struct {
	cmd   *exec.Cmd
	addr  string
	owner ed25519.PrivateKey
	pub   string
}

var startedRE = regexp.MustCompile(`hotpocket node started"? addr=(\S+) pubkey=(\S+)`)

func startNodeProcess(t testing.TB, override string) *nodeProcess {
	t.Helper()
	bin := hpnodeBinary(t)
	dir := t.TempDir()
	owner := newKey(t)
	if _, err := Provision(dir, ProvisionOptions{OwnerPubkey: hpwire.PublicKeyHex(owner.Public().(ed25519.PublicKey)), Override: json.RawMessage(override)}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-listen", "127.0.0.1", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProcess{cmd: cmd, owner: owner}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := startedRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case m := <-found:
		p.addr, p.pub = m[1], m[2]
	case <-time.After(20 * time.Second):
		t.Fatal("hpnode did not start")
	}
	return p
}

// rss returns the process's current and peak resident set in bytes (/proc/<pid>/status).
func (p *nodeProcess) rss() (cur, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return cur, peak
}

// floodFrame opens a TLS connection, upgrades it to a WebSocket and streams one binary frame
// of frameLen bytes without ever answering the challenge. It returns when the server closes
// the connection or the frame is sent.
func floodFrame(ctx context.Context, addr string, frameLen int64, chunk []byte) error {
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
	}
	hdr := []byte{0x82, 0x80 | 127}
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(frameLen))
	hdr = append(hdr, 0, 0, 0, 0) // zero mask: the chunk goes out as is
	if _, err := c.Write(hdr); err != nil {
		return err
	}
	for sent := int64(0); sent < frameLen; sent += int64(len(chunk)) {
		if _, err := c.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// TestAnonymousFloodStaysBounded is the attack from issue 14: 150 anonymous sockets stream
// 10 MiB frames before the handshake, over and over, while the owner connects and uses the
// bootstrap contract. The node runs as the deployed binary (no -race) in a child process
// and its peak RSS is read from /proc.
func TestAnonymousFloodStaysBounded(t *testing.T) {
	const (
		sockets  = 150
		frameLen = 10 << 20
		limit    = 200 << 20
		safety   = 1536 << 20 // kill the node beyond this: the machine is shared
	)
	// The child runs hpcore's clock rounds; one-second rounds give the owner's input (max
	// ledger lcl+5) five seconds to arrive through the flood.
	p := startNodeProcess(t, `{"contract":{"consensus":{"roundtime":1000}}}`)
	base, _ := p.rss()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chunk := make([]byte, 64<<10)
	var wg sync.WaitGroup
	var floods atomic.Int64
	for range sockets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				floodFrame(ctx, p.addr, frameLen, chunk)
				floods.Add(1)
				// Reconnect at once, but let the test's own (race-instrumented) TLS client
				// yield: it, not the node, is what saturates a shared machine.
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	var killed atomic.Bool
	var maxSeen atomic.Int64 // VmHWM is gone once the process is killed
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			cur, peak := p.rss()
			maxSeen.Store(max(maxSeen.Load(), peak))
			if cur > safety {
				killed.Store(true)
				p.cmd.Process.Kill()
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	defer func() { // also when the owner could not connect
		_, peak := p.rss()
		peak = max(peak, maxSeen.Load())
		t.Logf("%d sockets x %d MiB frames (%d frames started): RSS %d MiB before, peak %d MiB", sockets, frameLen>>20, floods.Load(), base>>20, peak>>20)
	}()
	time.Sleep(time.Second) // let the flood build up
	for i := range 3 {
		if killed.Load() {
			break
		}
		c := dialVerified(t, p.addr, "127.0.0.2", p.owner, protoBSON) // the owner is not on the attacker's host
		h := c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "status"}}))
		if st := c.status(h); st["status"] != "accepted" {
			t.Fatalf("owner input %d: %v", i, st)
		}
		if r := c.bootstrapResult(p.pub, hpwire.BootstrapStatusResult); r["status"] != "ok" {
			t.Fatalf("owner session %d: %v", i, r)
		}
		c.c.CloseNow()
		<-c.done
	}
	_, peak := p.rss()
	cancel()
	wg.Wait()
	peak = max(peak, maxSeen.Load())
	if killed.Load() {
		t.Fatalf("node RSS passed %d MiB; killed", safety>>20)
	}
	if peak > limit {
		t.Fatalf("peak RSS %d MiB > %d MiB", peak>>20, limit>>20)
	}
}

// dialVerified dials until a session is verified (answers stat). A reconnect with the key of
// a session the node has not yet let go of stays unverified and is dropped, as in hpcore.
func dialVerified(t testing.TB, addr, from string, priv ed25519.PrivateKey, proto protocol) *tclient {
	t.Helper()
	for attempt := 0; ; attempt++ {
		c, err := tryDialFrom(t, addr, from, priv, proto)
		if err != nil { // a TLS handshake can outlast 5 s on a machine this loaded: try again
			if attempt == 50 {
				t.Fatal(err)
			}
			t.Logf("owner dial attempt %d: %v", attempt, err)
			continue
		}
		c.send(bson.D{{Key: "type", Value: "stat"}})
		for {
			m, _, ok := c.recv(hangTimeout)
			if !ok {
				break
			}
			if m["type"] == "stat_response" {
				return c
			}
		}
		if attempt == 50 {
			t.Fatal("no verified session")
		}
		time.Sleep(10 * time.Millisecond) // the node is letting go of the earlier session
	}
}
