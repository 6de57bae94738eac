// Package instancetest is the conformance suite for instance.Provisioner
// backends. A backend runs it in one line:
//
//	func TestConformance(t *testing.T) {
//		instancetest.Run(t, func(t *testing.T) instancetest.Harness { ... })
//	}
//
// The suite creates instances with random 64-hex-digit names, checks that the
// node answers a TLS websocket handshake on its user port, and exercises
// inspect, list after a restart, destroy (twice), concurrent creates, limits,
// port reuse, bad requests, capacity and duplicate names, plus the optional
// capabilities the backend implements (Stopper, Logger, Statter).
package instancetest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/instance"
)

// Harness is one fresh backend for one subtest.
type Harness struct {
	// Provisioner is the backend under test, holding no instances. The
	// factory registers its own cleanup (t.Cleanup) that destroys whatever
	// the test left behind and releases the backend.
	Provisioner instance.Provisioner
	// Restart returns a new Provisioner over the same backing state, as
	// after a daemon restart; the suite stops using the old value. Nil
	// skips the restart case.
	Restart func(t *testing.T) instance.Provisioner
	// Capacity is how many instances the Provisioner accepts before
	// ErrCapacity; it must be at least 2. 0 skips the capacity case.
	Capacity int
	// Host is where instance ports answer; "" means 127.0.0.1.
	Host string
	// Image is put in every request's Requirements.Image; "" leaves it to
	// the backend's default.
	Image string
	// Timeout bounds each case; 0 means 90 s.
	Timeout time.Duration
}

// Run runs the suite. newHarness is called once per case.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"CreateAnswers", testCreateAnswers},
		{"Inspect", testInspect},
		{"ListAfterRestart", testListAfterRestart},
		{"Destroy", testDestroy},
		{"ConcurrentCreates", testConcurrentCreates},
		{"PortsReused", testPortsReused},
		{"BadRequirements", testBadRequirements},
		{"Capacity", testCapacity},
		{"DuplicateName", testDuplicate},
		{"StopStart", testStopStart},
		{"Logs", testLogs},
		{"Stats", testStats},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Host == "" {
				h.Host = "127.0.0.1"
			}
			if h.Timeout == 0 {
				h.Timeout = 90 * time.Second
			}
			ctx, cancel := context.WithTimeout(t.Context(), h.Timeout)
			defer cancel()
			c.fn(t, &suite{h: h, p: h.Provisioner, ctx: ctx})
		})
	}
}

type suite struct {
	h   Harness
	p   instance.Provisioner
	ctx context.Context
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Request returns a valid CreateRequest with a random name (64 upper-case
// hex digits, like a URIToken id), owner key and contract id, and small
// limits. Backends' own tests may use it.
func Request(image string) instance.CreateRequest {
	id := randHex(16)
	return instance.CreateRequest{
		Name:   strings.ToUpper(randHex(32)),
		Tenant: "rTenant" + randHex(4),
		Requirements: instance.Requirements{
			OwnerPubkey: "ed" + randHex(32),
			ContractID:  id[0:8] + "-" + id[8:12] + "-4" + id[13:16] + "-8" + id[17:20] + "-" + id[20:32],
			Image:       image,
			Config:      json.RawMessage(`{"contract":{"consensus":{"roundtime":1000}}}`),
		},
		Resources: instance.Resources{CPUQuota: 50000, CPUPeriod: 100000, MemoryMB: 256, SwapMB: 64, DiskMB: 512, Pids: 256},
		Expiry:    time.Now().Add(time.Hour).Truncate(time.Second).UTC(),
	}
}

func (s *suite) request() instance.CreateRequest { return Request(s.h.Image) }

func (s *suite) create(t *testing.T, req instance.CreateRequest) instance.Info {
	t.Helper()
	info, err := s.p.Create(s.ctx, req)
	if err != nil {
		t.Fatalf("Create(%s): %v", req.Name, err)
	}
	return info
}

// checkInfo compares what a backend reports with what was asked for.
func checkInfo(t *testing.T, what string, got instance.Info, req instance.CreateRequest) {
	t.Helper()
	d := got.Details
	if d.Name != req.Name {
		t.Errorf("%s: Name = %q, want %q", what, d.Name, req.Name)
	}
	if got.Lease() != req.Name {
		t.Errorf("%s: Lease() = %q, want %q", what, got.Lease(), req.Name)
	}
	if len(d.Pubkey) != 66 || !strings.HasPrefix(d.Pubkey, "ed") {
		t.Errorf("%s: Pubkey = %q, want ed + 64 hex digits", what, d.Pubkey)
	}
	if d.ContractID != req.Requirements.ContractID {
		t.Errorf("%s: ContractID = %q, want %q", what, d.ContractID, req.Requirements.ContractID)
	}
	if d.UserPort <= 0 || d.PeerPort <= 0 || d.UserPort == d.PeerPort {
		t.Errorf("%s: ports user %d peer %d", what, d.UserPort, d.PeerPort)
	}
	if got.Tenant != req.Tenant {
		t.Errorf("%s: Tenant = %q, want %q", what, got.Tenant, req.Tenant)
	}
	if !got.Expiry.Equal(req.Expiry) {
		t.Errorf("%s: Expiry = %v, want %v", what, got.Expiry, req.Expiry)
	}
	if got.Created.IsZero() {
		t.Errorf("%s: Created is zero", what)
	}
	if got.Resources != req.Resources {
		t.Errorf("%s: Resources = %+v, want %+v", what, got.Resources, req.Resources)
	}
	m := d.Memo()
	if m.UserPort != strconv.Itoa(d.UserPort) || m.Name != d.Name {
		t.Errorf("%s: Details.Memo() = %+v", what, m)
	}
}

// Answers reports whether a HotPocket user port at addr completes a TLS
// handshake and a websocket upgrade, and sends its user challenge.
func Answers(ctx context.Context, addr string) error {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 3 * time.Second}, Config: &tls.Config{InsecureSkipVerify: true}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return fmt.Errorf("websocket upgrade: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("websocket upgrade: %s", resp.Status)
	}
	// The node speaks first: a user_challenge message (spec §1.3).
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return fmt.Errorf("reading the challenge: %w", err)
	}
	n := int(hdr[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return fmt.Errorf("reading the challenge: %w", err)
		}
		n = int(ext[0])<<8 | int(ext[1])
	case 127:
		return errors.New("challenge frame too long")
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(br, msg); err != nil {
		return fmt.Errorf("reading the challenge: %w", err)
	}
	var ch struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(msg, &ch); err != nil || ch.Type != "user_challenge" || ch.Challenge == "" {
		return fmt.Errorf("first message is not a user challenge: %q", msg)
	}
	return nil
}

// waitAnswers retries Answers until it succeeds or 30 s pass.
func (s *suite) waitAnswers(t *testing.T, d instance.Details) {
	t.Helper()
	addr := net.JoinHostPort(s.h.Host, strconv.Itoa(d.UserPort))
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	var err error
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		err = Answers(actx, addr)
		acancel()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("user port %s of %s does not answer: %v", addr, d.Name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitSilent waits until nothing accepts TCP connections on the user port.
func (s *suite) waitSilent(t *testing.T, d instance.Details) {
	t.Helper()
	addr := net.JoinHostPort(s.h.Host, strconv.Itoa(d.UserPort))
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("user port %s of %s still answers", addr, d.Name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *suite) destroy(t *testing.T, name string) {
	t.Helper()
	if err := s.p.Destroy(s.ctx, name); err != nil {
		t.Errorf("Destroy(%s): %v", name, err)
	}
}

func testCreateAnswers(t *testing.T, s *suite) {
	req := s.request()
	info := s.create(t, req)
	checkInfo(t, "Create", info, req)
	if info.Status != instance.StatusRunning {
		t.Errorf("Create: Status = %q, want running", info.Status)
	}
	s.waitAnswers(t, info.Details)
	s.destroy(t, req.Name)
}

func testInspect(t *testing.T, s *suite) {
	req := s.request()
	info := s.create(t, req)
	got, err := s.p.Inspect(s.ctx, req.Name)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	checkInfo(t, "Inspect", got, req)
	if !reflect.DeepEqual(got.Details, info.Details) {
		t.Errorf("Inspect details %+v, Create gave %+v", got.Details, info.Details)
	}
	if got.Status != instance.StatusRunning {
		t.Errorf("Inspect: Status = %q, want running", got.Status)
	}
	if _, err := s.p.Inspect(s.ctx, strings.ToUpper(randHex(32))); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Inspect(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.p.Inspect(s.ctx, "../../etc"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Inspect(../../etc) = %v, want ErrNotFound", err)
	}
	s.destroy(t, req.Name)
}

func testListAfterRestart(t *testing.T, s *suite) {
	if s.h.Restart == nil {
		t.Skip("harness has no Restart")
	}
	reqs := []instance.CreateRequest{s.request(), s.request()}
	infos := map[string]instance.Info{}
	for _, r := range reqs {
		infos[r.Name] = s.create(t, r)
	}
	list, err := s.p.List(s.ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 2 {
		t.Fatalf("List before restart: %d instances, want 2", len(list))
	}
	s.p = s.h.Restart(t)
	list, err = s.p.List(s.ctx)
	if err != nil {
		t.Fatalf("List after restart: %v", err)
	}
	if len(list) != 2 {
		t.Fatalf("List after restart: %d instances, want 2", len(list))
	}
	for _, r := range reqs {
		var got *instance.Info
		for i := range list {
			if list[i].Details.Name == r.Name {
				got = &list[i]
			}
		}
		if got == nil {
			t.Fatalf("List after restart lacks %s", r.Name)
		}
		checkInfo(t, "List after restart", *got, r)
		if !reflect.DeepEqual(got.Details, infos[r.Name].Details) {
			t.Errorf("after restart details %+v, before %+v", got.Details, infos[r.Name].Details)
		}
		if !got.Created.Equal(infos[r.Name].Created) {
			t.Errorf("after restart Created %v, before %v", got.Created, infos[r.Name].Created)
		}
	}
	s.waitAnswers(t, infos[reqs[0].Name].Details)
	// The restarted provisioner must know which ports are taken.
	live := reqs
	if s.h.Capacity == 2 {
		s.destroy(t, reqs[1].Name)
		live = reqs[:1]
	}
	next := s.create(t, s.request())
	for _, r := range live {
		in := infos[r.Name]
		if next.Details.UserPort == in.Details.UserPort || next.Details.PeerPort == in.Details.PeerPort {
			t.Errorf("after restart new instance got ports %d/%d held by %s", next.Details.UserPort, next.Details.PeerPort, in.Details.Name)
		}
	}
	s.destroy(t, next.Details.Name)
	for _, r := range live {
		s.destroy(t, r.Name)
	}
}

func testDestroy(t *testing.T, s *suite) {
	req := s.request()
	info := s.create(t, req)
	s.destroy(t, req.Name)
	if _, err := s.p.Inspect(s.ctx, req.Name); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Inspect after Destroy = %v, want ErrNotFound", err)
	}
	list, err := s.p.List(s.ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 0 {
		t.Errorf("List after Destroy: %d instances", len(list))
	}
	s.waitSilent(t, info.Details)
	if err := s.p.Destroy(s.ctx, req.Name); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("second Destroy = %v, want ErrNotFound", err)
	}
	if err := s.p.Destroy(s.ctx, "never-created"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Destroy(never-created) = %v, want ErrNotFound", err)
	}
}

func testConcurrentCreates(t *testing.T, s *suite) {
	n := 3
	if s.h.Capacity != 0 && s.h.Capacity < n {
		n = s.h.Capacity
	}
	reqs := make([]instance.CreateRequest, n)
	infos := make([]instance.Info, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range reqs {
		reqs[i] = s.request()
		wg.Go(func() { infos[i], errs[i] = s.p.Create(s.ctx, reqs[i]) })
	}
	wg.Wait()
	users, peers := map[int]bool{}, map[int]bool{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Create %d: %v", i, err)
			continue
		}
		d := infos[i].Details
		checkInfo(t, "concurrent Create", infos[i], reqs[i])
		if users[d.UserPort] || peers[d.PeerPort] || users[d.PeerPort] || peers[d.UserPort] {
			t.Errorf("concurrent Create %d reuses a port: %d/%d", i, d.UserPort, d.PeerPort)
		}
		users[d.UserPort], peers[d.PeerPort] = true, true
	}
	for i, err := range errs {
		if err == nil {
			s.waitAnswers(t, infos[i].Details)
			s.destroy(t, reqs[i].Name)
		}
	}
}

func testPortsReused(t *testing.T, s *suite) {
	a := s.create(t, s.request())
	b := s.create(t, s.request())
	s.destroy(t, a.Details.Name)
	s.waitSilent(t, a.Details)
	c := s.create(t, s.request())
	if c.Details.UserPort != a.Details.UserPort || c.Details.PeerPort != a.Details.PeerPort {
		t.Errorf("after destroy new instance got ports %d/%d, want the freed %d/%d",
			c.Details.UserPort, c.Details.PeerPort, a.Details.UserPort, a.Details.PeerPort)
	}
	s.waitAnswers(t, c.Details)
	s.destroy(t, b.Details.Name)
	s.destroy(t, c.Details.Name)
}

func testBadRequirements(t *testing.T, s *suite) {
	bad := map[string]func(*instance.CreateRequest){
		"empty name":      func(r *instance.CreateRequest) { r.Name = "" },
		"path name":       func(r *instance.CreateRequest) { r.Name = "../x" },
		"slash name":      func(r *instance.CreateRequest) { r.Name = "a/b" },
		"owner key":       func(r *instance.CreateRequest) { r.Requirements.OwnerPubkey = "ed12" },
		"contract id":     func(r *instance.CreateRequest) { r.Requirements.ContractID = "not-a-uuid" },
		"config not JSON": func(r *instance.CreateRequest) { r.Requirements.Config = json.RawMessage(`{`) },
		"config array":    func(r *instance.CreateRequest) { r.Requirements.Config = json.RawMessage(`[1]`) },
		"config roundtime 0": func(r *instance.CreateRequest) {
			r.Requirements.Config = json.RawMessage(`{"contract":{"consensus":{"roundtime":0}}}`)
		},
		"config unl key": func(r *instance.CreateRequest) {
			r.Requirements.Config = json.RawMessage(`{"contract":{"unl":["nope"]}}`)
		},
		"negative memory":  func(r *instance.CreateRequest) { r.Resources.MemoryMB = -1 },
		"swap, no memory":  func(r *instance.CreateRequest) { r.Resources.MemoryMB = 0 },
		"tiny CPU period":  func(r *instance.CreateRequest) { r.Resources.CPUPeriod = 10 },
		"negative pids":    func(r *instance.CreateRequest) { r.Resources.Pids = -5 },
		"negative disk":    func(r *instance.CreateRequest) { r.Resources.DiskMB = -5 },
		"negative CPU use": func(r *instance.CreateRequest) { r.Resources.CPUQuota = -5 },
	}
	for name, mutate := range bad {
		req := s.request()
		mutate(&req)
		if _, err := s.p.Create(s.ctx, req); !errors.Is(err, instance.ErrBadRequirements) {
			t.Errorf("%s: Create = %v, want ErrBadRequirements", name, err)
		}
	}
	list, err := s.p.List(s.ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 0 {
		t.Errorf("bad requests left %d instances", len(list))
	}
}

func testCapacity(t *testing.T, s *suite) {
	if s.h.Capacity == 0 {
		t.Skip("harness sets no Capacity")
	}
	reqs := make([]instance.CreateRequest, s.h.Capacity)
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		reqs[i] = s.request()
		wg.Go(func() { _, errs[i] = s.p.Create(s.ctx, reqs[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Create %d of %d: %v", i+1, len(reqs), err)
		}
	}
	over := s.request()
	if _, err := s.p.Create(s.ctx, over); !errors.Is(err, instance.ErrCapacity) {
		t.Fatalf("Create beyond capacity = %v, want ErrCapacity", err)
	}
	if _, err := s.p.Inspect(s.ctx, over.Name); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("refused instance: Inspect = %v, want ErrNotFound", err)
	}
	s.destroy(t, reqs[0].Name)
	again := s.create(t, over)
	s.destroy(t, again.Details.Name)
	for _, r := range reqs[1:] {
		s.destroy(t, r.Name)
	}
}

func testDuplicate(t *testing.T, s *suite) {
	req := s.request()
	info := s.create(t, req)
	dup := s.request()
	dup.Name = req.Name
	if _, err := s.p.Create(s.ctx, dup); !errors.Is(err, instance.ErrExists) {
		t.Errorf("Create(duplicate) = %v, want ErrExists", err)
	}
	got, err := s.p.Inspect(s.ctx, req.Name)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if !reflect.DeepEqual(got.Details, info.Details) {
		t.Errorf("duplicate Create changed the instance: %+v, was %+v", got.Details, info.Details)
	}
	s.waitAnswers(t, info.Details)
	s.destroy(t, req.Name)
}

func testStopStart(t *testing.T, s *suite) {
	st, ok := s.p.(instance.Stopper)
	if !ok {
		t.Skip("backend is not an instance.Stopper")
	}
	info := s.create(t, s.request())
	name := info.Details.Name
	if err := st.Stop(s.ctx, name); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	got, err := s.p.Inspect(s.ctx, name)
	if err != nil || got.Status != instance.StatusStopped {
		t.Errorf("Inspect after Stop = %q, %v; want stopped", got.Status, err)
	}
	s.waitSilent(t, info.Details)
	if err := st.Stop(s.ctx, name); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := st.Start(s.ctx, name); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got, err := s.p.Inspect(s.ctx, name); err != nil || got.Status != instance.StatusRunning {
		t.Errorf("Inspect after Start = %q, %v; want running", got.Status, err)
	}
	s.waitAnswers(t, info.Details)
	if err := st.Stop(s.ctx, "never-created"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Stop(never-created) = %v, want ErrNotFound", err)
	}
	if err := st.Start(s.ctx, "never-created"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Start(never-created) = %v, want ErrNotFound", err)
	}
	s.destroy(t, name)
}

func testLogs(t *testing.T, s *suite) {
	lg, ok := s.p.(instance.Logger)
	if !ok {
		t.Skip("backend is not an instance.Logger")
	}
	info := s.create(t, s.request())
	rc, err := lg.Logs(s.ctx, info.Details.Name)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Errorf("reading logs: %v", err)
	}
	rc.Close()
	if _, err := lg.Logs(s.ctx, "never-created"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Logs(never-created) = %v, want ErrNotFound", err)
	}
	s.destroy(t, info.Details.Name)
}

func testStats(t *testing.T, s *suite) {
	sr, ok := s.p.(instance.Statter)
	if !ok {
		t.Skip("backend is not an instance.Statter")
	}
	info := s.create(t, s.request())
	if _, err := sr.Stats(s.ctx, info.Details.Name); err != nil {
		t.Errorf("Stats: %v", err)
	}
	if _, err := sr.Stats(s.ctx, "never-created"); !errors.Is(err, instance.ErrNotFound) {
		t.Errorf("Stats(never-created) = %v, want ErrNotFound", err)
	}
	s.destroy(t, info.Details.Name)
}
