// Package docker is an instance.Provisioner that runs one container per
// lease through the Docker Engine API, spoken directly over the engine's unix
// socket with net/http (no Docker SDK). The API version is negotiated with
// GET /_ping.
//
// Use New to connect. Each instance is a container named after its lease,
// with the sashimono-style contract directory bind-mounted at /contract, the
// user port and the peer port (TCP and UDP) published on the same numbers,
// restart policy unless-stopped, and its limits from instance.Resources.
// Every container carries labels with its lease, tenant, expiry, ports and
// limits, so the engine is the source of truth: a new Provisioner (after a
// restart) lists instances back from the labels.
//
// # Limits
//
// CPU becomes CpuPeriod/CpuQuota, memory Memory, swap MemorySwap (memory
// plus swap), pids PidsLimit. Disk becomes StorageOpt size, which the engine
// supports only on some storage drivers (overlay2 on xfs with pquota, for
// one); where it refuses, the Provisioner logs it once, creates containers
// without a disk limit, and records DiskMB in the labels all the same.
// OutboundIPv6 is recorded, not applied.
package docker

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/internal/hp"
)

// DefaultImage is the Evernode HotPocket instance image (sashimono's
// hp.latest-ubt.20.04 tag). Its entrypoint is hpcore, so the default command
// is DefaultCmd.
const DefaultImage = "evernode/sashimono:hp.latest-ubt.20.04"

// DefaultCmd is the container command for DefaultImage: hpcore run
// /contract.
var DefaultCmd = []string{"run", "/contract"}

// DefaultSocket is where the engine listens.
const DefaultSocket = "/var/run/docker.sock"

// DefaultMaxInstances is sashimono's default max_instance_count.
const DefaultMaxInstances = 3

// Label keys on every container this package creates.
const (
	LabelGroup      = "io.evernode-go.instance" // value: Config.Group; marks ours
	LabelLease      = "io.evernode-go.lease"
	LabelTenant     = "io.evernode-go.tenant"
	LabelExpiry     = "io.evernode-go.expiry"  // RFC 3339
	LabelCreated    = "io.evernode-go.created" // RFC 3339
	LabelPubkey     = "io.evernode-go.pubkey"
	LabelContractID = "io.evernode-go.contract-id"
	LabelUserPort   = "io.evernode-go.user-port"
	LabelPeerPort   = "io.evernode-go.peer-port"
	LabelResources  = "io.evernode-go.resources" // JSON of instance.Resources
	LabelOutboundIP = "io.evernode-go.outbound-ip"
	LabelDir        = "io.evernode-go.dir"
)

// Config configures a Provisioner. The zero value works against a local
// engine running the Evernode image.
type Config struct {
	// Socket is the engine's unix socket; "" means DefaultSocket. (The
	// DOCKER_HOST environment variable is not read.)
	Socket string
	// Image is what every instance runs; "" means DefaultImage.
	Image string
	// TenantImage, when true, runs the image named in the tenant's
	// Requirements.Image instead of Image (sashimono allows any image; a
	// host operator should decide). False means Image always.
	TenantImage bool
	// Cmd is the container command; nil means DefaultCmd. The project's
	// test image uses []string{"hpnode", "/contract"}.
	Cmd []string
	// User is the container user ("uid:gid"); "" means the image's.
	User string
	// Dir holds one contract directory per instance, bind-mounted into its
	// container, so the engine must see it at the same path. "" means
	// evernode-docker under os.TempDir(). Destroy removes an instance's
	// directory; nothing else is removed.
	Dir string
	// MaxInstances is the capacity; 0 means DefaultMaxInstances.
	MaxInstances int
	// UserPortBase and PeerPortBase are the first ports handed out; 0 means
	// instance.DefaultUserPortBase (26201) and instance.DefaultPeerPortBase
	// (22861). A pair is skipped while either port is taken on this host
	// (another process, or another group's container on the same engine), so
	// the provisioner must run on the engine's host for the check to help;
	// the engine's "port is already allocated" is retried in any case.
	UserPortBase, PeerPortBase int
	// HostIP is the host address ports are published on; "" means all.
	HostIP string
	// Domain is reported in Details.Domain; "" means HostIP, or 127.0.0.1.
	Domain string
	// Group separates provisioners that share an engine: each sees only
	// containers labelled with its group. "" means "default".
	Group string
	// StopTimeout is how long Stop waits before the engine kills the
	// container; 0 means 10 s.
	StopTimeout time.Duration
	// Logger receives the provisioner's events; nil means silent.
	Logger *slog.Logger
	// Rand is the source of node keys; nil means crypto/rand.
	Rand io.Reader
}

// Provisioner runs instances as Docker containers. It implements
// instance.Provisioner, instance.Stopper, instance.Logger and
// instance.Statter, and is safe for concurrent use. It holds no state the
// engine does not: Close only drops idle connections, and containers keep
// running.
type Provisioner struct {
	cfg Config
	eng *engine
	log *slog.Logger

	mu           sync.Mutex
	pending      map[string]instance.Ports // creates in flight
	blocked      map[int]time.Time         // ports the engine found taken, until
	noStorageOpt bool
}

// New connects to the engine and negotiates the API version. It fails with a
// *instance.BackendError when no engine answers.
func New(ctx context.Context, cfg Config) (*Provisioner, error) {
	if cfg.Socket == "" {
		cfg.Socket = DefaultSocket
	}
	if cfg.Image == "" {
		cfg.Image = DefaultImage
	}
	if cfg.Cmd == nil {
		cfg.Cmd = DefaultCmd
	}
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(os.TempDir(), "evernode-docker")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, &instance.BackendError{Backend: "docker", Op: "contract directory", Err: err}
	}
	cfg.Dir = dir
	if cfg.MaxInstances == 0 {
		cfg.MaxInstances = DefaultMaxInstances
	}
	if cfg.Domain == "" {
		cfg.Domain = cfg.HostIP
		if cfg.Domain == "" {
			cfg.Domain = "127.0.0.1"
		}
	}
	if cfg.Group == "" {
		cfg.Group = "default"
	}
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = 10 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	p := &Provisioner{cfg: cfg, eng: newEngine(cfg.Socket), log: cfg.Logger, pending: map[string]instance.Ports{}, blocked: map[int]time.Time{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if err := p.eng.negotiate(ctx); err != nil {
		p.eng.close()
		return nil, err
	}
	p.log.Debug("docker: engine API", "version", p.eng.version)
	return p, nil
}

// APIVersion returns the negotiated Engine API version, such as "1.41".
func (p *Provisioner) APIVersion() string { return p.eng.version }

// Close drops idle connections to the engine. Containers keep running.
func (p *Provisioner) Close() error {
	p.eng.close()
	return nil
}

// Dir returns the contract directory of the named instance.
func (p *Provisioner) Dir(name string) string { return filepath.Join(p.cfg.Dir, name) }

// list returns our group's containers.
func (p *Provisioner) list(ctx context.Context) ([]containerSummary, error) {
	f, _ := json.Marshal(map[string][]string{"label": {LabelGroup + "=" + p.cfg.Group}})
	var out []containerSummary
	_, err := p.eng.call(ctx, "list containers", http.MethodGet, "/containers/json", url.Values{"all": {"1"}, "filters": {string(f)}}, nil, &out)
	return out, err
}

func status(s string) instance.Status {
	switch s {
	case "running", "restarting":
		return instance.StatusRunning
	case "created":
		return instance.StatusCreated
	default:
		return instance.StatusStopped
	}
}

// infoFromLabels rebuilds an Info from a container's labels.
func (p *Provisioner) infoFromLabels(labels map[string]string, state, image string) instance.Info {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	parseTime := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	var res instance.Resources
	json.Unmarshal([]byte(labels[LabelResources]), &res)
	return instance.Info{
		Details: instance.Details{
			Name:       labels[LabelLease],
			Pubkey:     labels[LabelPubkey],
			ContractID: labels[LabelContractID],
			Domain:     p.cfg.Domain,
			UserPort:   atoi(labels[LabelUserPort]),
			PeerPort:   atoi(labels[LabelPeerPort]),
			OutboundIP: labels[LabelOutboundIP],
		},
		Status:    status(state),
		Tenant:    labels[LabelTenant],
		Expiry:    parseTime(labels[LabelExpiry]),
		Created:   parseTime(labels[LabelCreated]),
		Resources: res,
		Image:     image,
	}
}

// inspect returns our container of that name, or ErrNotFound.
func (p *Provisioner) inspect(ctx context.Context, name string) (containerJSON, error) {
	if !instance.ValidName(name) {
		return containerJSON{}, fmt.Errorf("%w: %q", instance.ErrNotFound, name)
	}
	var c containerJSON
	if _, err := p.eng.call(ctx, "inspect container", http.MethodGet, "/containers/"+name+"/json", nil, nil, &c); err != nil {
		return c, err
	}
	if c.Config.Labels[LabelGroup] != p.cfg.Group || c.Config.Labels[LabelLease] != name {
		return c, fmt.Errorf("%w: %q is not one of this provisioner's containers", instance.ErrNotFound, name)
	}
	return c, nil
}

// Inspect implements instance.Provisioner.
func (p *Provisioner) Inspect(ctx context.Context, name string) (instance.Info, error) {
	c, err := p.inspect(ctx, name)
	if err != nil {
		return instance.Info{}, err
	}
	return p.infoFromLabels(c.Config.Labels, c.State.Status, c.Config.Image), nil
}

// List implements instance.Provisioner: our group's containers, read back
// from their labels.
func (p *Provisioner) List(ctx context.Context) ([]instance.Info, error) {
	cs, err := p.list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]instance.Info, 0, len(cs))
	for _, c := range cs {
		out = append(out, p.infoFromLabels(c.Labels, c.State, c.Image))
	}
	return out, nil
}

// reserve checks name and capacity against the engine and the creates in
// flight, and allocates ports.
func (p *Provisioner) reserve(ctx context.Context, name string) (instance.Ports, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs, err := p.list(ctx)
	if err != nil {
		return instance.Ports{}, err
	}
	alloc := instance.PortAllocator{UserBase: p.cfg.UserPortBase, PeerBase: p.cfg.PeerPortBase}
	count := len(cs)
	for _, c := range cs {
		in := p.infoFromLabels(c.Labels, c.State, c.Image)
		if in.Details.Name == name {
			return instance.Ports{}, fmt.Errorf("%w: %q", instance.ErrExists, name)
		}
		alloc.Reserve(in.Details.Name, instance.Ports{User: in.Details.UserPort, Peer: in.Details.PeerPort})
		if _, ok := p.pending[in.Details.Name]; ok {
			count-- // created, not yet out of pending
		}
	}
	if _, ok := p.pending[name]; ok {
		return instance.Ports{}, fmt.Errorf("%w: %q is being created", instance.ErrExists, name)
	}
	for n, ports := range p.pending {
		alloc.Reserve(n, ports)
	}
	if n := count + len(p.pending); n >= p.cfg.MaxInstances {
		return instance.Ports{}, fmt.Errorf("%w: %d of %d instances", instance.ErrCapacity, n, p.cfg.MaxInstances)
	}
	// The lowest free pair, skipping pairs another process holds on the host (another engine
	// user's containers, say): they are parked under placeholder names.
	for skipped := 0; ; skipped++ {
		ports, err := alloc.Allocate(name)
		if err != nil {
			return ports, err
		}
		if p.usableLocked(ports) {
			p.pending[name] = ports
			return ports, nil
		}
		alloc.Release(name)
		alloc.Reserve("\x00taken "+strconv.Itoa(skipped), ports)
	}
}

// Create implements instance.Provisioner. It returns once the node answers
// a TLS handshake on its user port. Ports taken on the host are skipped; when
// the engine still finds one taken ("port is already allocated"), the create
// is undone and retried on other ports, up to 5 times.
func (p *Provisioner) Create(ctx context.Context, req instance.CreateRequest) (instance.Info, error) {
	if err := req.Validate(); err != nil {
		return instance.Info{}, err
	}
	for attempt := 1; ; attempt++ {
		info, ports, err := p.createOnce(ctx, req)
		taken, conflict := portConflict(err, ports)
		if !conflict || attempt == maxPortAttempts || ctx.Err() != nil {
			return info, err
		}
		p.block(taken)
		p.log.Info("docker: port taken on the host; retrying on other ports", "name", req.Name, "ports", taken)
	}
}

// createOnce is one create on freshly allocated ports, undone on failure.
func (p *Provisioner) createOnce(ctx context.Context, req instance.CreateRequest) (info instance.Info, ports instance.Ports, err error) {
	ports, err = p.reserve(ctx, req.Name)
	if err != nil {
		return instance.Info{}, ports, err
	}
	defer func() {
		p.mu.Lock()
		delete(p.pending, req.Name)
		p.mu.Unlock()
	}()

	dir := p.Dir(req.Name)
	created := false
	defer func() {
		if err == nil {
			return
		}
		// Leave nothing behind, even when ctx has ended.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if created {
			p.remove(cctx, req.Name)
		}
		os.RemoveAll(dir)
	}()
	// A directory without a container is left over from a crash.
	if err := os.RemoveAll(dir); err != nil {
		return instance.Info{}, ports, &instance.BackendError{Backend: "docker", Op: "clear contract directory", Message: err.Error(), Err: err}
	}
	if err := os.MkdirAll(p.cfg.Dir, 0o755); err != nil {
		return instance.Info{}, ports, &instance.BackendError{Backend: "docker", Op: "create contract directory", Message: err.Error(), Err: err}
	}
	pub, err := hp.Provision(dir, hp.ProvisionOptions{
		OwnerPubkey: req.Requirements.OwnerPubkey,
		ContractID:  req.Requirements.ContractID,
		UserPort:    ports.User,
		PeerPort:    ports.Peer,
		Override:    req.Requirements.Config,
		Rand:        p.cfg.Rand,
	})
	if errors.Is(err, instance.ErrBadRequirements) {
		return instance.Info{}, ports, err
	}
	if err != nil {
		return instance.Info{}, ports, &instance.BackendError{Backend: "docker", Op: "provision contract directory", Message: err.Error(), Err: err}
	}

	image := p.cfg.Image
	if p.cfg.TenantImage && req.Requirements.Image != "" {
		image = req.Requirements.Image
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	res, _ := json.Marshal(req.Resources)
	labels := map[string]string{
		LabelGroup:      p.cfg.Group,
		LabelLease:      req.Name,
		LabelTenant:     req.Tenant,
		LabelCreated:    now.Format(time.RFC3339Nano),
		LabelPubkey:     pub,
		LabelContractID: req.Requirements.ContractID,
		LabelUserPort:   strconv.Itoa(ports.User),
		LabelPeerPort:   strconv.Itoa(ports.Peer),
		LabelResources:  string(res),
		LabelDir:        dir,
	}
	if !req.Expiry.IsZero() {
		labels[LabelExpiry] = req.Expiry.UTC().Format(time.RFC3339Nano)
	}
	if req.OutboundIPv6 != "" {
		labels[LabelOutboundIP] = req.OutboundIPv6
	}
	body := p.containerConfig(image, labels, dir, ports, req.Resources)
	if err := p.createContainer(ctx, req.Name, body); err != nil {
		return instance.Info{}, ports, err
	}
	created = true
	if _, err := p.eng.call(ctx, "start container", http.MethodPost, "/containers/"+req.Name+"/start", nil, nil, nil); err != nil {
		return instance.Info{}, ports, err
	}
	if err := p.waitReady(ctx, req.Name, ports.User); err != nil {
		return instance.Info{}, ports, err
	}
	p.log.Info("docker: instance created", "name", req.Name, "user_port", ports.User, "peer_port", ports.Peer)
	info, err = p.Inspect(ctx, req.Name)
	return info, ports, err
}

func (p *Provisioner) containerConfig(image string, labels map[string]string, dir string, ports instance.Ports, r instance.Resources) containerCreate {
	u, pe := strconv.Itoa(ports.User), strconv.Itoa(ports.Peer)
	bindTo := func(port string) []portBinding { return []portBinding{{HostIP: p.cfg.HostIP, HostPort: port}} }
	c := containerCreate{
		Image:      image,
		Cmd:        p.cfg.Cmd,
		User:       p.cfg.User,
		Tty:        true,
		OpenStdin:  true,
		StopSignal: "SIGINT",
		Labels:     labels,
		ExposedPorts: map[string]struct{}{
			u + "/tcp": {}, pe + "/tcp": {}, pe + "/udp": {},
		},
		HostConfig: hostConfig{
			Mounts: []mount{{Type: "bind", Source: dir, Target: "/contract"}},
			PortBindings: map[string][]portBinding{
				u + "/tcp": bindTo(u), pe + "/tcp": bindTo(pe), pe + "/udp": bindTo(pe),
			},
			RestartPolicy: restartPolicy{Name: "unless-stopped"},
			LogConfig:     logConfig{Type: "local", Config: map[string]string{"max-size": "5m", "max-file": "2"}},
			PidsLimit:     r.Pids,
		},
	}
	if r.CPUQuota > 0 {
		c.HostConfig.CPUPeriod, c.HostConfig.CPUQuota = r.Period(), r.CPUQuota
	}
	if r.MemoryMB > 0 {
		c.HostConfig.Memory = r.MemoryMB << 20
		c.HostConfig.MemorySwap = (r.MemoryMB + r.SwapMB) << 20
	}
	if r.DiskMB > 0 {
		c.HostConfig.StorageOpt = map[string]string{"size": strconv.FormatInt(r.DiskMB, 10) + "M"}
	}
	return c
}

// storageOptRefused reports whether the engine refused a create because
// its storage driver cannot limit disk size.
func storageOptRefused(err error) bool {
	var be *instance.BackendError
	if !errors.As(err, &be) || be.Status < 400 || be.Status == http.StatusNotFound || be.Status == http.StatusConflict {
		return false
	}
	m := strings.ToLower(be.Message)
	return strings.Contains(m, "storage-opt") || strings.Contains(m, "storageopt") || strings.Contains(m, "quota") || strings.Contains(m, "storage opt")
}

func (p *Provisioner) createContainer(ctx context.Context, name string, body containerCreate) error {
	p.mu.Lock()
	if p.noStorageOpt {
		body.HostConfig.StorageOpt = nil
	}
	p.mu.Unlock()
	q := url.Values{"name": {name}}
	_, err := p.eng.call(ctx, "create container", http.MethodPost, "/containers/create", q, body, nil)
	if err != nil && body.HostConfig.StorageOpt != nil && storageOptRefused(err) {
		p.mu.Lock()
		if !p.noStorageOpt {
			p.log.Info("docker: engine cannot limit container disk size; disk limits are recorded only", "err", err)
		}
		p.noStorageOpt = true
		p.mu.Unlock()
		body.HostConfig.StorageOpt = nil
		_, err = p.eng.call(ctx, "create container", http.MethodPost, "/containers/create", q, body, nil)
	}
	var be *instance.BackendError
	if errors.As(err, &be) {
		switch be.Status {
		case http.StatusConflict:
			be.Kind = instance.ErrExists
		case http.StatusNotFound:
			be.Kind = nil // no such image: not an instance kind
		}
	}
	return err
}

// waitReady waits until the user port completes a TLS handshake, checking
// that the container still runs.
func (p *Provisioner) waitReady(ctx context.Context, name string, port int) error {
	host := p.cfg.HostIP
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	lastCheck := time.Now()
	for {
		if tlsAnswers(ctx, addr) {
			return nil
		}
		if time.Since(lastCheck) > 500*time.Millisecond {
			lastCheck = time.Now()
			c, err := p.inspect(ctx, name)
			if err != nil {
				return err
			}
			if !c.State.Running && c.State.Status != "restarting" {
				return &instance.BackendError{Backend: "docker", Op: "start node", Message: fmt.Sprintf("container %s (exit code %d) %s", c.State.Status, c.State.ExitCode, c.State.Error)}
			}
		}
		t := time.NewTimer(25 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return &instance.BackendError{Backend: "docker", Op: "wait for user port", Err: ctx.Err()}
		case <-t.C:
		}
	}
}

func tlsAnswers(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// remove force-removes a container and its anonymous volumes.
func (p *Provisioner) remove(ctx context.Context, name string) error {
	_, err := p.eng.call(ctx, "remove container", http.MethodDelete, "/containers/"+name, url.Values{"force": {"1"}, "v": {"1"}}, nil, nil)
	return err
}

// Destroy implements instance.Provisioner: it force-removes the container
// and deletes its contract directory.
func (p *Provisioner) Destroy(ctx context.Context, name string) error {
	c, err := p.inspect(ctx, name)
	if err != nil {
		return err
	}
	if err := p.remove(ctx, name); err != nil {
		return err
	}
	dir := c.Config.Labels[LabelDir]
	if dir == "" {
		dir = p.Dir(name)
	}
	if err := os.RemoveAll(dir); err != nil {
		p.log.Warn("docker: contract directory not removed", "name", name, "dir", dir, "err", err)
	}
	p.log.Info("docker: instance destroyed", "name", name)
	return nil
}

// Stop implements instance.Stopper. The engine sends SIGINT, then kills
// the container after Config.StopTimeout.
func (p *Provisioner) Stop(ctx context.Context, name string) error {
	if _, err := p.inspect(ctx, name); err != nil {
		return err
	}
	q := url.Values{"t": {strconv.Itoa(int(p.cfg.StopTimeout / time.Second))}}
	_, err := p.eng.call(ctx, "stop container", http.MethodPost, "/containers/"+name+"/stop", q, nil, nil)
	return err
}

// Start implements instance.Stopper.
func (p *Provisioner) Start(ctx context.Context, name string) error {
	c, err := p.inspect(ctx, name)
	if err != nil {
		return err
	}
	if _, err := p.eng.call(ctx, "start container", http.MethodPost, "/containers/"+name+"/start", nil, nil, nil); err != nil {
		return err
	}
	port, _ := strconv.Atoi(c.Config.Labels[LabelUserPort])
	return p.waitReady(ctx, name, port)
}

// Logs implements instance.Logger: the container's output so far (raw, as
// the container has a terminal).
func (p *Provisioner) Logs(ctx context.Context, name string) (io.ReadCloser, error) {
	if _, err := p.inspect(ctx, name); err != nil {
		return nil, err
	}
	resp, err := p.eng.do(ctx, "container logs", http.MethodGet, "/containers/"+name+"/logs", url.Values{"stdout": {"1"}, "stderr": {"1"}}, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Stats implements instance.Statter.
func (p *Provisioner) Stats(ctx context.Context, name string) (instance.Stats, error) {
	if _, err := p.inspect(ctx, name); err != nil {
		return instance.Stats{}, err
	}
	q := url.Values{"stream": {"false"}}
	if !versionLess(p.eng.version, "1.41") {
		q.Set("one-shot", "true")
	}
	var s statsJSON
	if _, err := p.eng.call(ctx, "container stats", http.MethodGet, "/containers/"+name+"/stats", q, nil, &s); err != nil {
		return instance.Stats{}, err
	}
	return instance.Stats{
		CPU:         time.Duration(s.CPUStats.CPUUsage.TotalUsage),
		MemoryBytes: s.MemoryStats.Usage,
		Pids:        s.PidsStats.Current,
	}, nil
}

var (
	_ instance.Provisioner = (*Provisioner)(nil)
	_ instance.Stopper     = (*Provisioner)(nil)
	_ instance.Logger      = (*Provisioner)(nil)
	_ instance.Statter     = (*Provisioner)(nil)
)
