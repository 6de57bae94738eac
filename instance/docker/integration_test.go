package docker

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/instancetest"
)

// The real-engine tests build a local image FROM scratch holding the
// project's HotPocket node, and run the conformance suite against the engine
// at DefaultSocket. Without an engine they skip, unless
// EVERNODE_REQUIRE_DOCKER=1 (CI), when they fail.

const (
	testImage   = "evernode-go/hpnode-test:latest"
	nodePackage = "github.com/evernode-go/sdk/internal/hotpocket/cmd/hpnode"
	binLabel    = "io.evernode-go.hpnode-sha256"
)

var testCmd = []string{"hpnode", "/contract"}

// requireEngine returns a Provisioner config for the real engine, or skips.
func requireEngine(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := New(ctx, Config{})
	if err == nil {
		p.Close()
		return
	}
	msg := "no Docker engine answers at " + DefaultSocket + " (" + err.Error() + "); real-engine tests need one"
	if os.Getenv("EVERNODE_REQUIRE_DOCKER") == "1" {
		t.Fatal(msg + ", and EVERNODE_REQUIRE_DOCKER=1")
	}
	t.Skip(msg + "; set EVERNODE_REQUIRE_DOCKER=1 to make this a failure")
}

var (
	buildOnce sync.Once
	buildErr  error
)

// buildTestImage builds testImage once per test binary.
func buildTestImage(t testing.TB) {
	t.Helper()
	buildOnce.Do(func() { buildErr = buildImage(t) })
	if buildErr != nil {
		t.Fatalf("building the test image: %v", buildErr)
	}
}

func buildImage(t testing.TB) error {
	dir, err := os.MkdirTemp("", "hpimage")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// go test puts its own toolchain first on the PATH.
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "hpnode"), nodePackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	bin, err := os.ReadFile(filepath.Join(dir, "hpnode"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(bin)
	binHash := hex.EncodeToString(sum[:])

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, err := New(ctx, Config{})
	if err != nil {
		return err
	}
	defer p.Close()
	// Rebuild only when the node binary changed.
	var img struct {
		Config struct{ Labels map[string]string }
	}
	if _, err := p.eng.call(ctx, "inspect image", http.MethodGet, "/images/"+testImage+"/json", nil, nil, &img); err == nil && img.Config.Labels[binLabel] == binHash {
		return nil
	}

	dockerfile := "FROM scratch\nLABEL " + binLabel + "=" + binHash + "\nCOPY hpnode /usr/local/bin/hpnode\n"
	files := []string{"hpnode"}
	if _, err := os.Stat("/bin/busybox"); err == nil {
		// The bootstrap's install.sh needs a shell.
		b, err := os.ReadFile("/bin/busybox")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755); err != nil {
			return err
		}
		files = append(files, "busybox")
		dockerfile += "COPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
	}
	dockerfile += "ENV PATH=/usr/local/bin:/bin\nCMD [\"hpnode\", \"/contract\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	files = append(files, "Dockerfile")

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), ModTime: time.Now()})
		tw.Write(b)
	}
	if err := tw.Close(); err != nil {
		return err
	}

	u := "http://docker/v" + p.eng.version + "/build?" + url.Values{"t": {testImage}, "rm": {"1"}, "forcerm": {"1"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := p.eng.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError("build", resp)
	}
	// The build streams JSON lines; failures arrive in-stream.
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var log strings.Builder
	for sc.Scan() {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			if m.Error != "" {
				return errors.New("build: " + m.Error + "\n" + log.String())
			}
			log.WriteString(m.Stream)
		}
	}
	return sc.Err()
}

// realConfig is a config for the real engine with a group of its own, so
// that tests never see each other's containers; cleanup destroys the group.
func realConfig(t testing.TB) Config {
	dir, err := shortTempDir(t)
	if err != nil {
		t.Fatal(err)
	}
	user, peer := freePortBases(t, "", 8) // two runs can share one engine
	cfg := Config{
		Image:        testImage,
		Cmd:          testCmd,
		Dir:          dir,
		MaxInstances: 2,
		UserPortBase: user,
		PeerPortBase: peer,
		Group:        "test-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		StopTimeout:  2 * time.Second,
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p, err := New(ctx, cfg)
		if err != nil {
			return
		}
		defer p.Close()
		list, _ := p.List(ctx)
		for _, in := range list {
			p.Destroy(ctx, in.Details.Name)
		}
	})
	return cfg
}

func TestConformanceRealEngine(t *testing.T) {
	requireEngine(t)
	buildTestImage(t)
	instancetest.Run(t, func(t *testing.T) instancetest.Harness {
		cfg := realConfig(t)
		p, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return instancetest.Harness{
			Provisioner: p,
			Capacity:    cfg.MaxInstances,
			Timeout:     60 * time.Second,
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

// TestRealEngineLimits checks that the engine applied the limits.
func TestRealEngineLimits(t *testing.T) {
	requireEngine(t)
	buildTestImage(t)
	cfg := realConfig(t)
	p, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	req := instancetest.Request("")
	if _, err := p.Create(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	defer p.Destroy(t.Context(), req.Name)
	var c struct {
		HostConfig struct {
			CPUPeriod     int64 `json:"CpuPeriod"`
			CPUQuota      int64 `json:"CpuQuota"`
			Memory        int64
			MemorySwap    int64
			PidsLimit     int64
			RestartPolicy struct{ Name string }
			StorageOpt    map[string]string
		}
		Mounts []struct{ Source, Destination string }
	}
	if _, err := p.eng.call(t.Context(), "inspect", http.MethodGet, "/containers/"+req.Name+"/json", nil, nil, &c); err != nil {
		t.Fatal(err)
	}
	hc := c.HostConfig
	if hc.CPUPeriod != 100000 || hc.CPUQuota != 50000 || hc.Memory != 256<<20 || hc.MemorySwap != 320<<20 || hc.PidsLimit != 256 || hc.RestartPolicy.Name != "unless-stopped" {
		t.Errorf("engine host config %+v", hc)
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Destination != "/contract" || c.Mounts[0].Source != p.Dir(req.Name) {
		t.Errorf("mounts %+v", c.Mounts)
	}
	t.Logf("disk limit via StorageOpt: %v (refused by this engine: %v)", hc.StorageOpt, p.noStorageOpt)
	rc, err := p.Logs(t.Context(), req.Name)
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(logs), "node started") {
		t.Errorf("container log %q", logs)
	}
	st, err := p.Stats(t.Context(), req.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats %+v", st)
}

func BenchmarkCreateAnsweringDocker(b *testing.B) {
	requireEngine(b)
	buildTestImage(b)
	cfg := realConfig(b)
	p, err := New(b.Context(), cfg)
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

// TestRealEngineSharedPortBase: two provisioners (two groups, as two test runs or two
// tenants' hosts on one engine) with the same port bases get different ports.
func TestRealEngineSharedPortBase(t *testing.T) {
	requireEngine(t)
	buildTestImage(t)
	cfgA, cfgB := realConfig(t), realConfig(t)
	cfgB.UserPortBase, cfgB.PeerPortBase = cfgA.UserPortBase, cfgA.PeerPortBase
	var infos []instance.Info
	for _, cfg := range []Config{cfgA, cfgB} {
		p, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		info, err := p.Create(t.Context(), instancetest.Request(""))
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	a, b := infos[0].Details, infos[1].Details
	if a.UserPort == b.UserPort || a.PeerPort == b.PeerPort {
		t.Fatalf("both got ports %d/%d and %d/%d", a.UserPort, a.PeerPort, b.UserPort, b.PeerPort)
	}
	if err := instancetest.Answers(t.Context(), net.JoinHostPort("127.0.0.1", strconv.Itoa(b.UserPort))); err != nil {
		t.Fatal(err)
	}
}
