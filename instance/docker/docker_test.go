package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/instancetest"
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

// shortTempDir is a temporary directory with a path short enough for a
// unix socket.
func shortTempDir(t testing.TB) (string, error) {
	dir, err := os.MkdirTemp("", "dk")
	if err != nil {
		return "", err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, nil
}

// fakeConfig picks free port bases (see freePortBases) so that runs sharing a
// host do not collide.
func fakeConfig(t *testing.T, f *fakeEngine) Config {
	user, peer := freePortBases(t, "127.0.0.1", 8)
	return Config{
		Socket:       f.socket,
		Image:        "hp-test",
		Dir:          t.TempDir(),
		MaxInstances: 3,
		UserPortBase: user,
		PeerPortBase: peer,
		HostIP:       "127.0.0.1",
	}
}

func newFake(t *testing.T) (*fakeEngine, *Provisioner, Config) {
	f := newFakeEngine(t)
	cfg := fakeConfig(t, f)
	p, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return f, p, cfg
}

func TestConformanceFakeEngine(t *testing.T) {
	instancetest.Run(t, func(t *testing.T) instancetest.Harness {
		_, p, cfg := newFake(t)
		return instancetest.Harness{
			Provisioner: p,
			Capacity:    3,
			Restart: func(t *testing.T) instance.Provisioner {
				p.Close()
				p2, err := New(t.Context(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { p2.Close() })
				return p2
			},
		}
	})
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		server, want string
	}{
		{"1.41", "1.41"},
		{"1.45", "1.45"},
		{MaxAPIVersion, MaxAPIVersion},
		{"1.99", MaxAPIVersion},
		{"2.0", MaxAPIVersion},
		{"1.30", ""},
		{"", ""},
		{"garbage", ""},
	} {
		t.Run(tc.server, func(t *testing.T) {
			f := newFakeEngine(t)
			f.version = tc.server
			p, err := New(t.Context(), fakeConfig(t, f))
			if tc.want == "" {
				var be *instance.BackendError
				if !errors.As(err, &be) {
					t.Fatalf("New = %v, want a *BackendError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.APIVersion() != tc.want {
				t.Fatalf("APIVersion = %s, want %s", p.APIVersion(), tc.want)
			}
			// The fake refuses paths without the negotiated prefix, so the
			// engine must now be asked under /v<want>. Make the fake answer
			// that prefix even when it advertised more.
			f.mu.Lock()
			f.version = tc.want
			f.mu.Unlock()
			if _, err := p.List(t.Context()); err != nil {
				t.Fatalf("List under /v%s: %v", tc.want, err)
			}
		})
	}
}

func TestNoEngine(t *testing.T) {
	dir, _ := shortTempDir(t)
	_, err := New(t.Context(), Config{Socket: filepath.Join(dir, "none.sock")})
	var be *instance.BackendError
	if !errors.As(err, &be) || be.Op != "ping" || be.Err == nil {
		t.Fatalf("New without an engine = %v", err)
	}
}

func TestCreateBody(t *testing.T) {
	f, p, cfg := newFake(t)
	req := instancetest.Request("tenant-image")
	req.OutboundIPv6 = "2001:db8::7"
	info, err := p.Create(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Destroy(t.Context(), req.Name)
	if info.Image != "hp-test" {
		t.Errorf("Image = %q, want the configured one (TenantImage is off)", info.Image)
	}
	if info.Details.OutboundIP != req.OutboundIPv6 || info.Details.Domain != "127.0.0.1" {
		t.Errorf("details %+v", info.Details)
	}
	f.mu.Lock()
	body := f.creates[len(f.creates)-1]
	f.mu.Unlock()
	u, pe := fmt.Sprint(info.Details.UserPort), fmt.Sprint(info.Details.PeerPort)
	hc := body.HostConfig
	checks := []struct {
		name string
		ok   bool
	}{
		{"cmd", slices.Equal(body.Cmd, DefaultCmd)},
		{"tty", body.Tty && body.OpenStdin && body.StopSignal == "SIGINT"},
		{"labels", body.Labels[LabelGroup] == "default" && body.Labels[LabelLease] == req.Name && body.Labels[LabelTenant] == req.Tenant && body.Labels[LabelExpiry] == req.Expiry.Format(time.RFC3339Nano)},
		{"exposed", len(body.ExposedPorts) == 3},
		{"user binding", len(hc.PortBindings[u+"/tcp"]) == 1 && hc.PortBindings[u+"/tcp"][0] == portBinding{HostIP: "127.0.0.1", HostPort: u}},
		{"peer bindings", hc.PortBindings[pe+"/tcp"][0].HostPort == pe && hc.PortBindings[pe+"/udp"][0].HostPort == pe},
		{"mount", len(hc.Mounts) == 1 && hc.Mounts[0] == mount{Type: "bind", Source: filepath.Join(cfg.Dir, req.Name), Target: "/contract"}},
		{"restart", hc.RestartPolicy.Name == "unless-stopped"},
		{"log", hc.LogConfig.Type == "local"},
		{"cpu", hc.CPUPeriod == 100000 && hc.CPUQuota == 50000},
		{"memory", hc.Memory == 256<<20 && hc.MemorySwap == (256+64)<<20},
		{"pids", hc.PidsLimit == 256},
		{"disk", hc.StorageOpt["size"] == "512M"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("create body: %s wrong: %+v", c.name, body)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, req.Name, "cfg", "hp.cfg")); err != nil {
		t.Errorf("contract directory: %v", err)
	}
}

func TestTenantImage(t *testing.T) {
	f := newFakeEngine(t)
	cfg := fakeConfig(t, f)
	cfg.TenantImage = true
	p, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	req := instancetest.Request("missing")
	_, err = p.Create(t.Context(), req)
	var be *instance.BackendError
	if !errors.As(err, &be) || be.Status != http.StatusNotFound || !strings.Contains(be.Message, "No such image") {
		t.Fatalf("Create with a missing image = %v", err)
	}
	if errors.Is(err, instance.ErrNotFound) {
		t.Error("a missing image must not read as instance.ErrNotFound")
	}
	req = instancetest.Request("tenant-image")
	info, err := p.Create(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if info.Image != "tenant-image" {
		t.Errorf("Image = %q", info.Image)
	}
	p.Destroy(t.Context(), req.Name)
}

func TestStorageOptFallback(t *testing.T) {
	f, p, _ := newFake(t)
	f.noStorageOpt = true
	ctx := t.Context()
	for range 2 {
		req := instancetest.Request("")
		info, err := p.Create(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if info.Resources.DiskMB != req.Resources.DiskMB {
			t.Errorf("DiskMB not recorded: %+v", info.Resources)
		}
		defer p.Destroy(ctx, req.Name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// First try with StorageOpt, retry without, then never again.
	if len(f.creates) != 3 || f.creates[0].HostConfig.StorageOpt == nil || f.creates[1].HostConfig.StorageOpt != nil || f.creates[2].HostConfig.StorageOpt != nil {
		t.Errorf("creates: %d, storage opts %v", len(f.creates), f.creates)
	}
}

func TestEngineErrors(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, key string
		status    int
	}{
		{"create fails", "POST /containers/create", 500},
		{"start fails", "POST /containers/%s/start", 500},
		{"list fails", "GET /containers/json", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, p, cfg := newFake(t)
			req := instancetest.Request("")
			key := tc.key
			if strings.Contains(key, "%s") {
				key = fmt.Sprintf(key, req.Name)
			}
			f.failNext(key, tc.status, "engine says no")
			_, err := p.Create(ctx, req)
			var be *instance.BackendError
			if !errors.As(err, &be) || be.Status != tc.status || be.Message != "engine says no" {
				t.Fatalf("Create = %v, want the engine's message", err)
			}
			if !strings.Contains(err.Error(), "engine says no") {
				t.Errorf("Error() = %q lacks the engine's message", err)
			}
			f.mu.Lock()
			n := len(f.containers)
			f.mu.Unlock()
			if n != 0 {
				t.Errorf("failed Create left %d containers", n)
			}
			if _, err := os.Stat(filepath.Join(cfg.Dir, req.Name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("failed Create left its directory: %v", err)
			}
			// The next create works.
			if _, err := p.Create(ctx, req); err != nil {
				t.Fatalf("Create after the failure: %v", err)
			}
			p.Destroy(ctx, req.Name)
		})
	}

	f, p, _ := newFake(t)
	req := instancetest.Request("")
	if _, err := p.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"GET /containers/%s/json", "DELETE /containers/%s", "POST /containers/%s/stop", "GET /containers/%s/logs", "GET /containers/%s/stats"} {
		key = fmt.Sprintf(key, req.Name)
		f.failNext(key, 500, "broken "+key)
		var err error
		switch {
		case strings.HasPrefix(key, "GET") && strings.HasSuffix(key, "/json"):
			_, err = p.Inspect(ctx, req.Name)
		case strings.HasPrefix(key, "DELETE"):
			err = p.Destroy(ctx, req.Name)
		case strings.HasSuffix(key, "/stop"):
			err = p.Stop(ctx, req.Name)
		case strings.HasSuffix(key, "/logs"):
			_, err = p.Logs(ctx, req.Name)
		default:
			_, err = p.Stats(ctx, req.Name)
		}
		var be *instance.BackendError
		if !errors.As(err, &be) || be.Message != "broken "+key || errors.Is(err, instance.ErrNotFound) {
			t.Errorf("%s: %v", key, err)
		}
	}
	// A 404 in the middle of an operation is ErrNotFound with the engine's
	// message.
	f.failNext("DELETE /containers/"+req.Name, 404, "No such container: "+req.Name)
	err := p.Destroy(ctx, req.Name)
	var be *instance.BackendError
	if !errors.Is(err, instance.ErrNotFound) || !errors.As(err, &be) || be.Status != 404 {
		t.Errorf("Destroy on 404 = %v", err)
	}
	if err := p.Destroy(ctx, req.Name); err != nil {
		t.Fatal(err)
	}
}

func TestLogsAndStats(t *testing.T) {
	_, p, _ := newFake(t)
	ctx := t.Context()
	req := instancetest.Request("")
	if _, err := p.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	defer p.Destroy(ctx, req.Name)
	rc, err := p.Logs(ctx, req.Name)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(b), "started") {
		t.Errorf("logs %q", b)
	}
	s, err := p.Stats(ctx, req.Name)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU != 1500*time.Microsecond || s.MemoryBytes != 4<<20 || s.Pids != 7 {
		t.Errorf("stats %+v", s)
	}
}

// TestForeignContainers checks that containers without our labels, or of
// another group, are invisible.
func TestForeignContainers(t *testing.T) {
	f, p, cfg := newFake(t)
	ctx := t.Context()
	f.mu.Lock()
	f.containers["STRANGER"] = &fakeContainer{id: "1", name: "STRANGER", state: "running", body: containerCreate{Labels: map[string]string{}}}
	f.mu.Unlock()
	other := cfg
	other.Group = "other"
	po, err := New(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer po.Close()
	req := instancetest.Request("")
	if _, err := po.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	defer po.Destroy(ctx, req.Name)
	if l, err := p.List(ctx); err != nil || len(l) != 0 {
		t.Errorf("List = %v, %v; want nothing", l, err)
	}
	for _, name := range []string{"STRANGER", req.Name} {
		if _, err := p.Inspect(ctx, name); !errors.Is(err, instance.ErrNotFound) {
			t.Errorf("Inspect(%s) = %v", name, err)
		}
		if err := p.Destroy(ctx, name); !errors.Is(err, instance.ErrNotFound) {
			t.Errorf("Destroy(%s) = %v", name, err)
		}
	}
	// A name taken by a foreign container is ErrExists from the engine.
	dup := instancetest.Request("")
	dup.Name = "STRANGER"
	if _, err := p.Create(ctx, dup); !errors.Is(err, instance.ErrExists) {
		t.Errorf("Create over a foreign container = %v, want ErrExists", err)
	}
}

func TestCreateContextEnds(t *testing.T) {
	_, p, cfg := newFake(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := instancetest.Request("")
	if _, err := p.Create(ctx, req); err == nil {
		t.Fatal("Create with an ended ctx succeeded")
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, req.Name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("left its directory: %v", err)
	}
}
