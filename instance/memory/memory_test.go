package memory_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/instancetest"
	"github.com/evernode-go/sdk/instance/memory"
)

func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "leaked goroutines: %d before, %d after\n%s\n", before, n, buf)
			code = 1
		}
	}
	os.Exit(code)
}

// Port bases picked free per test binary, so that runs (and the Docker tests)
// share a machine; the provisioner passes over ports in use anyway. The tests
// use offsets up to +600 from them.
var userBase, peerBase = func() (int, int) {
	u, p, err := instance.FreePortBases("", 700)
	if err != nil {
		panic(err)
	}
	return u, p
}()

func newHarness(t *testing.T) instancetest.Harness {
	root := t.TempDir()
	cfg := memory.Config{Root: root, MaxInstances: 3, UserPortBase: userBase, PeerPortBase: peerBase}
	open := func(t *testing.T) *memory.Provisioner {
		p, err := memory.New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cur := open(t)
	t.Cleanup(func() { cur.Close() })
	return instancetest.Harness{
		Provisioner: cur,
		Capacity:    3,
		Restart: func(t *testing.T) instance.Provisioner {
			if err := cur.Close(); err != nil {
				t.Fatal(err)
			}
			cur = open(t)
			return cur
		},
	}
}

func TestConformance(t *testing.T) { instancetest.Run(t, newHarness) }

func TestZeroConfig(t *testing.T) {
	p, err := memory.New(t.Context(), memory.Config{UserPortBase: userBase + 100, PeerPortBase: peerBase + 100})
	if err != nil {
		t.Fatal(err)
	}
	root := p.Root()
	info, err := p.Create(t.Context(), instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	if info.Details.Domain != "127.0.0.1" || info.Image != "memory" {
		t.Errorf("details %+v image %q", info.Details, info.Image)
	}
	if _, err := os.Stat(p.Dir(info.Details.Name)); err != nil {
		t.Errorf("contract dir: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the default root %s: %v", root, err)
	}
	if _, err := p.Create(t.Context(), instancetest.Request("")); err == nil {
		t.Error("Create after Close succeeded")
	}
}

func TestFaults(t *testing.T) {
	p, err := memory.New(t.Context(), memory.Config{Root: t.TempDir(), UserPortBase: userBase + 200, PeerPortBase: peerBase + 200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := t.Context()

	boom := errors.New("boom")
	p.FailNextCreate(boom)
	req := instancetest.Request("")
	if _, err := p.Create(ctx, req); !errors.Is(err, boom) {
		t.Fatalf("Create after FailNextCreate = %v, want boom", err)
	}
	if l, _ := p.List(ctx); len(l) != 0 {
		t.Fatalf("failed create left %d instances", len(l))
	}
	info, err := p.Create(ctx, req)
	if err != nil {
		t.Fatalf("the create after the failed one: %v", err)
	}

	p.SetCreateDelay(time.Hour)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = p.Create(short, instancetest.Request(""))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("delayed Create = %v, want deadline exceeded", err)
	}
	p.SetCreateDelay(0)

	if err := p.Crash(info.Details.Name); err != nil {
		t.Fatal(err)
	}
	got, err := p.Inspect(ctx, info.Details.Name)
	if err != nil || got.Status != instance.StatusStopped {
		t.Fatalf("Inspect after Crash = %q, %v", got.Status, err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(info.Details.UserPort))
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("crashed instance still answers")
	}
	if err := p.Crash("nope"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Crash(nope) = %v", err)
	}
	if err := p.Start(ctx, info.Details.Name); err != nil {
		t.Fatal(err)
	}
	if err := instancetest.Answers(ctx, addr); err != nil {
		t.Fatalf("restarted instance: %v", err)
	}
}

// TestStoppedStaysStopped checks that a restart brings back crashed
// instances but not stopped ones.
func TestStoppedStaysStopped(t *testing.T) {
	cfg := memory.Config{Root: t.TempDir(), UserPortBase: userBase + 300, PeerPortBase: peerBase + 300}
	ctx := t.Context()
	p, err := memory.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.Create(ctx, instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Create(ctx, instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	p.Stop(ctx, a.Details.Name)
	p.Crash(b.Details.Name)
	p.Close()
	// Something that is not an instance must not confuse the scan.
	os.Mkdir(cfg.Root+"/junk", 0o755)
	os.WriteFile(cfg.Root+"/file", nil, 0o644)

	p, err = memory.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ga, _ := p.Inspect(ctx, a.Details.Name)
	gb, _ := p.Inspect(ctx, b.Details.Name)
	if ga.Status != instance.StatusStopped || gb.Status != instance.StatusRunning {
		t.Errorf("after restart: stopped one %q, crashed one %q", ga.Status, gb.Status)
	}
	if l, _ := p.List(ctx); len(l) != 2 {
		t.Errorf("List: %d instances", len(l))
	}
}

func TestLogsHaveContent(t *testing.T) {
	p, err := memory.New(t.Context(), memory.Config{UserPortBase: userBase + 400, PeerPortBase: peerBase + 400})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	info, err := p.Create(t.Context(), instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := p.Logs(t.Context(), info.Details.Name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !strings.Contains(string(b), "node started") {
		t.Errorf("node log %q, %v", b, err)
	}
}

func BenchmarkCreateAnswering(b *testing.B) {
	p, err := memory.New(b.Context(), memory.Config{UserPortBase: userBase + 500, PeerPortBase: peerBase + 500})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := b.Context()
	for b.Loop() {
		info, err := p.Create(ctx, instancetest.Request(""))
		if err != nil {
			b.Fatal(err)
		}
		if err := instancetest.Answers(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(info.Details.UserPort))); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := p.Destroy(ctx, info.Details.Name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func TestCreatePassesOverPortsInUse(t *testing.T) {
	base := userBase + 600
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, err := memory.New(t.Context(), memory.Config{UserPortBase: base, PeerPortBase: peerBase + 600})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	info, err := p.Create(t.Context(), instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	if info.Details.UserPort != base+1 || info.Details.PeerPort != peerBase+601 {
		t.Fatalf("ports %d/%d, want %d/%d", info.Details.UserPort, info.Details.PeerPort, base+1, peerBase+601)
	}
	// The pair passed over is free again once its port is.
	l.Close()
	info2, err := p.Create(t.Context(), instancetest.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	if info2.Details.UserPort != base {
		t.Fatalf("second instance on %d, want the freed %d", info2.Details.UserPort, base)
	}
}
