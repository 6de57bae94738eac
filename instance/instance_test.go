package instance_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/memo"
)

const (
	owner = "ed0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cid   = "3c349abe-4d70-4f50-9fa6-018f1f2530ab"
)

func TestRequirementsMemoRoundTrip(t *testing.T) {
	m := memo.Requirement{OwnerPubkey: owner, ContractID: cid, Image: "img", Config: json.RawMessage(`{"a":1}`), MessageKey: "none"}
	r := instance.RequirementsFromMemo(m)
	if r.OwnerPubkey != owner || r.ContractID != cid || r.Image != "img" || string(r.Config) != `{"a":1}` {
		t.Fatalf("%+v", r)
	}
	back := r.Memo()
	m.MessageKey = ""
	if back.OwnerPubkey != m.OwnerPubkey || back.ContractID != m.ContractID || back.Image != m.Image || string(back.Config) != string(m.Config) || back.MessageKey != "" {
		t.Errorf("Memo() = %+v, want %+v", back, m)
	}
	if err := r.Validate(); err != nil {
		t.Error(err)
	}
	r.Image = ""
	if err := r.Validate(); err != nil {
		t.Errorf("empty image: %v", err)
	}
	r.ContractID = "x"
	if err := r.Validate(); !errors.Is(err, instance.ErrBadRequirements) {
		t.Errorf("bad contract id: %v", err)
	}
}

func TestDetailsMemo(t *testing.T) {
	d := instance.Details{Name: "AB", Pubkey: "ed01", ContractID: cid, Domain: "host.example", UserPort: 26201, PeerPort: 22861, OutboundIP: "2001:db8::1"}
	m := d.Memo()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"AB","pubkey":"ed01","contract_id":"` + cid + `","peer_port":"22861","user_port":"26201","domain":"host.example","outbound_ip":"2001:db8::1"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	back, err := instance.DetailsFromMemo(m)
	if err != nil || back != d {
		t.Errorf("DetailsFromMemo = %+v, %v", back, err)
	}
	// Older hosts send ip instead of domain, and gp ports.
	old := memo.Instance{Name: "AB", IP: "1.2.3.4", UserPort: "26201", PeerPort: "22861", GPTCPPort: "36525", GPUDPPort: "39064"}
	got, err := instance.DetailsFromMemo(old)
	if err != nil || got.Domain != "1.2.3.4" || got.GPTCPPort != 36525 || got.GPUDPPort != 39064 {
		t.Errorf("older answer: %+v, %v", got, err)
	}
	for _, bad := range []memo.Instance{
		{UserPort: "", PeerPort: "1"},
		{UserPort: "1", PeerPort: "x"},
		{UserPort: "70000", PeerPort: "1"},
		{UserPort: "1", PeerPort: "1", GPTCPPort: "-1"},
	} {
		if _, err := instance.DetailsFromMemo(bad); !errors.Is(err, memo.ErrMalformed) {
			t.Errorf("DetailsFromMemo(%+v) = %v", bad, err)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{
		strings.Repeat("AB", 32): true,
		"a":                      true,
		"a-b_c.d":                true,
		"":                       false,
		"-a":                     false,
		".":                      false,
		"..":                     false,
		"a/b":                    false,
		"a b":                    false,
		strings.Repeat("a", 129): false,
		"é":                      false,
	} {
		if instance.ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
}

func TestResources(t *testing.T) {
	tot := instance.DefaultTotals(2)
	per, err := instance.PerInstance(tot, 3)
	if err != nil {
		t.Fatal(err)
	}
	// sashimono: cpu_us 300000 per instance, quota = cores × cpu_us / 10.
	want := instance.Resources{CPUQuota: 2 * 300000 / 10, CPUPeriod: 100000, MemoryMB: 341, SwapMB: 1024, DiskMB: 1706, Pids: 1024}
	if per != want {
		t.Errorf("PerInstance = %+v, want %+v", per, want)
	}
	if err := per.Validate(); err != nil {
		t.Error(err)
	}
	tiny, _ := instance.PerInstance(instance.Resources{CPUQuota: 1000, MemoryMB: 1}, 7)
	if tiny.CPUQuota != 1000 || tiny.MemoryMB != 1 || tiny.DiskMB != 0 {
		t.Errorf("tiny totals: %+v", tiny)
	}
	if _, err := instance.PerInstance(tot, 0); !errors.Is(err, instance.ErrBadRequirements) {
		t.Errorf("count 0: %v", err)
	}
	if (instance.Resources{}).Period() != instance.DefaultCPUPeriod {
		t.Error("Period default")
	}
	for _, bad := range []instance.Resources{
		{MemoryMB: -1}, {SwapMB: 1}, {CPUPeriod: 999}, {CPUPeriod: 1000001}, {CPUQuota: 999}, {Pids: -1},
	} {
		if err := bad.Validate(); !errors.Is(err, instance.ErrBadRequirements) {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}
}

func TestPortAllocator(t *testing.T) {
	var a instance.PortAllocator
	p0, _ := a.Allocate("a")
	p1, _ := a.Allocate("b")
	if p0 != (instance.Ports{User: 26201, Peer: 22861}) || p1 != (instance.Ports{User: 26202, Peer: 22862}) {
		t.Fatalf("got %v %v", p0, p1)
	}
	if _, err := a.Allocate("a"); !errors.Is(err, instance.ErrExists) {
		t.Errorf("double allocate: %v", err)
	}
	a.Release("a")
	a.Release("a")
	if p, _ := a.Allocate("c"); p != p0 {
		t.Errorf("freed pair not reused: %v", p)
	}
	if p, ok := a.Lookup("c"); !ok || p != p0 {
		t.Errorf("Lookup = %v %v", p, ok)
	}

	// Rebuild from a listing, including a pair off the grid.
	b := instance.PortAllocator{UserBase: 100, PeerBase: 200, Max: 3}
	err := b.Rebuild([]instance.Info{
		{Details: instance.Details{Name: "x", UserPort: 100, PeerPort: 200}},
		{Details: instance.Details{Name: "y", UserPort: 102, PeerPort: 555}},
		{Details: instance.Details{Name: "z", UserPort: 100, PeerPort: 201}},
	})
	if !errors.Is(err, instance.ErrExists) {
		t.Errorf("Rebuild with a conflict = %v", err)
	}
	if p, _ := b.Allocate("n"); p != (instance.Ports{User: 101, Peer: 201}) {
		t.Errorf("after Rebuild: %v", p)
	}
	if _, err := b.Allocate("m"); !errors.Is(err, instance.ErrCapacity) {
		t.Errorf("Max reached: %v", err)
	}
	if err := b.Reserve("x", instance.Ports{User: 100, Peer: 200}); err != nil {
		t.Errorf("re-reserve same: %v", err)
	}
	if err := b.Reserve("x", instance.Ports{User: 1, Peer: 2}); !errors.Is(err, instance.ErrExists) {
		t.Errorf("re-reserve other: %v", err)
	}

	// Near the top of the port range.
	c := instance.PortAllocator{UserBase: 65535, PeerBase: 65534}
	if _, err := c.Allocate("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Allocate("b"); !errors.Is(err, instance.ErrCapacity) {
		t.Errorf("past 65535: %v", err)
	}

	// Concurrent allocation gives distinct pairs.
	var d instance.PortAllocator
	var mu sync.Mutex
	seen := map[instance.Ports]bool{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			p, err := d.Allocate(fmt.Sprint(i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[p] {
				t.Errorf("allocate %d: %v %v", i, p, err)
			}
			seen[p] = true
		})
	}
	wg.Wait()
}

func TestCreateRequestValidate(t *testing.T) {
	ok := instance.CreateRequest{Name: "AB", Requirements: instance.Requirements{OwnerPubkey: owner, ContractID: cid}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Name = "../x"
	if err := bad.Validate(); !errors.Is(err, instance.ErrBadRequirements) {
		t.Error(err)
	}
	bad = ok
	bad.Resources.Pids = -1
	if err := bad.Validate(); !errors.Is(err, instance.ErrBadRequirements) {
		t.Error(err)
	}
}

func TestBackendError(t *testing.T) {
	cause := errors.New("dial unix: refused")
	err := error(&instance.BackendError{Backend: "docker", Op: "inspect container", Status: 404, Message: "No such container: x", Kind: instance.ErrNotFound, Err: cause})
	if !errors.Is(err, instance.ErrNotFound) || !errors.Is(err, cause) {
		t.Error("Is")
	}
	var be *instance.BackendError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &be) || be.Message != "No such container: x" {
		t.Error("As")
	}
	want := "instance: docker: inspect container: status 404: No such container: x: dial unix: refused"
	if err.Error() != want {
		t.Errorf("Error() = %q", err)
	}
	if errors.Is(&instance.BackendError{Backend: "memory", Op: "x"}, instance.ErrNotFound) {
		t.Error("kindless error matches ErrNotFound")
	}
	if instance.ErrNotFound.Error() != "instance: not found" {
		t.Error(instance.ErrNotFound)
	}
}
