package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/docker"
)

// demoImage is the instance image -docker builds: the SDK's single-node
// HotPocket runtime (hpnode) on scratch, with busybox for install.sh when
// this machine has it. Images cannot be pulled here, and the real
// sashimono image needs a real HotPocket cluster around it.
const demoImage = "evernode-go-demo/hpnode:latest"

const hpnodePkg = sdkModule + "/internal/hotpocket/cmd/hpnode"

// dockerProvisioners builds the demo image and returns a provisioner
// factory for devnet: one group per host and run, free ports, instances on
// 127.0.0.1.
func dockerProvisioners(ctx context.Context, socket string) (func(ctx context.Context, i int) (instance.Provisioner, error), error) {
	if err := buildImage(ctx, socket); err != nil {
		return nil, fmt.Errorf("building the instance image: %w", err)
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	return func(ctx context.Context, i int) (instance.Provisioner, error) {
		user, peer, err := instance.FreePortBases("", 3)
		if err != nil {
			return nil, err
		}
		return docker.New(ctx, docker.Config{Socket: socket, Image: demoImage, Cmd: []string{"hpnode", "/contract"},
			MaxInstances: 3, UserPortBase: user, PeerPortBase: peer, HostIP: "127.0.0.1",
			Group: fmt.Sprintf("demo-%s-%d", run, i), StopTimeout: 2 * time.Second})
	}, nil
}

// buildImage builds demoImage through the engine's API.
func buildImage(ctx context.Context, socket string) error {
	bin, err := buildGo(ctx, hpnodePkg)
	if err != nil {
		return err
	}
	files := map[string][]byte{"hpnode": bin}
	dockerfile := "FROM scratch\nCOPY hpnode /usr/local/bin/hpnode\n"
	if bb, err := os.ReadFile("/bin/busybox"); err == nil {
		files["busybox"] = bb
		dockerfile += "COPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
	}
	dockerfile += "ENV PATH=/usr/local/bin:/bin\nCMD [\"hpnode\", \"/contract\"]\n"
	files["Dockerfile"] = []byte(dockerfile)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}}
	defer hc.CloseIdleConnections()
	u := "http://docker/build?" + url.Values{"t": {demoImage}, "rm": {"1"}, "forcerm": {"1"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("no Docker engine at %s: %w", socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("engine answered %s", resp.Status)
	}
	// The build streams JSON lines; a failure arrives in the stream.
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Error != "" {
			return errors.New(m.Error)
		}
	}
	return sc.Err()
}
