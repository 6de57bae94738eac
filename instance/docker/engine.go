package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/instance"
)

// API versions this package speaks. The engine's own maximum (from
// GET /_ping) is used, capped at MaxAPIVersion; an engine below
// MinAPIVersion is refused.
const (
	MinAPIVersion = "1.40"
	MaxAPIVersion = "1.51"
)

// engine is a minimal Docker Engine API client over a unix socket.
type engine struct {
	hc      *http.Client
	version string // negotiated, e.g. "1.41"
}

func newEngine(socket string) *engine {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 8,
	}
	return &engine{hc: &http.Client{Transport: tr}}
}

func (e *engine) close() { e.hc.CloseIdleConnections() }

// parseVersion reads "1.41" as 1, 41.
func parseVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(b)
	return ma, mi, err1 == nil && err2 == nil && ma >= 0 && mi >= 0
}

func versionLess(a, b string) bool {
	am, an, _ := parseVersion(a)
	bm, bn, _ := parseVersion(b)
	return am < bm || am == bm && an < bn
}

// negotiate asks the engine for its API version and settles on the one to
// use.
func (e *engine) negotiate(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return &instance.BackendError{Backend: "docker", Op: "ping", Err: err}
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return &instance.BackendError{Backend: "docker", Op: "ping", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError("ping", resp)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	v := resp.Header.Get("Api-Version")
	if _, _, ok := parseVersion(v); !ok {
		return &instance.BackendError{Backend: "docker", Op: "ping", Message: fmt.Sprintf("engine reports API version %q", v)}
	}
	if versionLess(v, MinAPIVersion) {
		return &instance.BackendError{Backend: "docker", Op: "ping", Message: fmt.Sprintf("engine API %s is older than %s", v, MinAPIVersion)}
	}
	if versionLess(MaxAPIVersion, v) {
		v = MaxAPIVersion
	}
	e.version = v
	return nil
}

// responseError turns an engine error answer into a *BackendError; a 404
// is instance.ErrNotFound.
func responseError(op string, resp *http.Response) *instance.BackendError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var m struct {
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		msg = m.Message
	}
	be := &instance.BackendError{Backend: "docker", Op: op, Status: resp.StatusCode, Message: msg}
	if resp.StatusCode == http.StatusNotFound {
		be.Kind = instance.ErrNotFound
	}
	return be
}

// do sends one request to the versioned API. in, if not nil, is sent as
// JSON. Answers of 400 and above are a *BackendError; otherwise the response
// is returned open, for the caller to read and close.
func (e *engine) do(ctx context.Context, op, method, path string, q url.Values, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &instance.BackendError{Backend: "docker", Op: op, Err: err}
		}
		body = bytes.NewReader(b)
	}
	u := "http://docker/v" + e.version + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &instance.BackendError{Backend: "docker", Op: op, Err: err}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, &instance.BackendError{Backend: "docker", Op: op, Err: err}
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, responseError(op, resp)
	}
	return resp, nil
}

// call is do for requests whose answer is JSON (decoded into out when not
// nil) or empty.
func (e *engine) call(ctx context.Context, op, method, path string, q url.Values, in, out any) (int, error) {
	resp, err := e.do(ctx, op, method, path, q, in)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, &instance.BackendError{Backend: "docker", Op: op, Status: resp.StatusCode, Message: "bad answer", Err: err}
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// The few engine types this package reads and writes.

type containerCreate struct {
	Image        string              `json:"Image"`
	Cmd          []string            `json:"Cmd,omitempty"`
	User         string              `json:"User,omitempty"`
	Tty          bool                `json:"Tty"`
	OpenStdin    bool                `json:"OpenStdin"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	Labels       map[string]string   `json:"Labels"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	HostConfig   hostConfig          `json:"HostConfig"`
}

type hostConfig struct {
	Mounts        []mount                  `json:"Mounts"`
	PortBindings  map[string][]portBinding `json:"PortBindings"`
	RestartPolicy restartPolicy            `json:"RestartPolicy"`
	LogConfig     logConfig                `json:"LogConfig"`
	CPUPeriod     int64                    `json:"CpuPeriod,omitempty"`
	CPUQuota      int64                    `json:"CpuQuota,omitempty"`
	Memory        int64                    `json:"Memory,omitempty"`
	MemorySwap    int64                    `json:"MemorySwap,omitempty"`
	PidsLimit     int64                    `json:"PidsLimit,omitempty"`
	StorageOpt    map[string]string        `json:"StorageOpt,omitempty"`
}

type mount struct {
	Type   string `json:"Type"`
	Source string `json:"Source"`
	Target string `json:"Target"`
}

type portBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

type restartPolicy struct {
	Name string `json:"Name"`
}

type logConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config,omitempty"`
}

type containerState struct {
	Status   string `json:"Status"`
	Running  bool   `json:"Running"`
	ExitCode int    `json:"ExitCode"`
	Error    string `json:"Error"`
}

type containerJSON struct {
	ID     string         `json:"Id"`
	Name   string         `json:"Name"`
	State  containerState `json:"State"`
	Config struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
}

type containerSummary struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	State  string            `json:"State"`
	Labels map[string]string `json:"Labels"`
}

type statsJSON struct {
	CPUStats struct {
		CPUUsage struct {
			TotalUsage uint64 `json:"total_usage"`
		} `json:"cpu_usage"`
	} `json:"cpu_stats"`
	MemoryStats struct {
		Usage uint64 `json:"usage"`
	} `json:"memory_stats"`
	PidsStats struct {
		Current int64 `json:"current"`
	} `json:"pids_stats"`
}
