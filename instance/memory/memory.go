// Package memory is an instance.Provisioner that runs HotPocket nodes
// in-process on 127.0.0.1: the backend for tests, examples and local
// networks. It needs no Docker and no root.
//
// Use New to get a Provisioner over a root directory that holds one
// subdirectory per instance (the sashimono-style contract directory, the
// instance record and the node log). A new Provisioner over the same root
// (a restart) lists the same instances and starts again those that were not
// stopped.
//
// Faults are scripted on command, so host-daemon tests can reach every
// recovery path: FailNextCreate, SetCreateDelay and Crash.
//
// Resources are recorded, not enforced: the nodes share this process.
package memory

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/internal/hp"
)

// DefaultMaxInstances is sashimono's default max_instance_count.
const DefaultMaxInstances = 3

// Config configures a Provisioner. The zero value works.
type Config struct {
	// Root is the directory holding the instances. "" means a new
	// temporary directory that Close removes; a Root given here is never
	// removed, so a later Provisioner can recover from it.
	Root string
	// MaxInstances is the capacity; 0 means DefaultMaxInstances.
	MaxInstances int
	// UserPortBase and PeerPortBase are the first ports handed out; 0
	// means instance.DefaultUserPortBase (26201) and
	// instance.DefaultPeerPortBase (22861). A pair whose user port another
	// process holds on Host is passed over.
	UserPortBase, PeerPortBase int
	// Host is the address nodes listen on; "" means 127.0.0.1.
	Host string
	// Domain is reported in Details.Domain; "" means Host.
	Domain string
	// Logger receives the provisioner's own events; nil means silent.
	// Node logs go to each instance's log file (see Logs).
	Logger *slog.Logger
	// Rand is the source of node keys; nil means crypto/rand.
	Rand io.Reader
}

// Provisioner runs instances in this process. It implements
// instance.Provisioner, instance.Stopper and instance.Logger, and is safe for
// concurrent use. Close it when done; Close stops the nodes but keeps their
// state (unless Root was defaulted).
type Provisioner struct {
	cfg     Config
	log     *slog.Logger
	ownRoot bool
	ports   instance.PortAllocator

	mu        sync.Mutex
	insts     map[string]*inst
	closed    bool
	failNext  error
	delay     time.Duration
	createsWG sync.WaitGroup
}

type inst struct {
	rec     record
	status  instance.Status
	node    hp.Node
	gone    bool // being destroyed
	pending bool // being created
	busy    sync.Mutex
}

// record is the instance's durable state, root/<name>/instance.json.
type record struct {
	Version      int                `json:"version"`
	Name         string             `json:"name"`
	Tenant       string             `json:"tenant,omitempty"`
	OwnerPubkey  string             `json:"owner_pubkey"`
	ContractID   string             `json:"contract_id"`
	Image        string             `json:"image,omitempty"`
	Config       json.RawMessage    `json:"config,omitempty"`
	Resources    instance.Resources `json:"resources"`
	Expiry       time.Time          `json:"expiry"`
	Created      time.Time          `json:"created"`
	Pubkey       string             `json:"pubkey"`
	UserPort     int                `json:"user_port"`
	PeerPort     int                `json:"peer_port"`
	OutboundIPv6 string             `json:"outbound_ipv6,omitempty"`
	Stopped      bool               `json:"stopped,omitempty"`
}

const (
	recordFile  = "instance.json"
	contractDir = "contract"
	logFile     = "node.log"
)

// New opens a Provisioner over cfg.Root, recovering the instances there and
// starting every one that was not stopped; it waits (bounded by ctx) until
// their user ports accept connections. An instance that fails to start is
// listed as stopped and logged.
func New(ctx context.Context, cfg Config) (*Provisioner, error) {
	p := &Provisioner{cfg: cfg, insts: map[string]*inst{}}
	if p.cfg.MaxInstances == 0 {
		p.cfg.MaxInstances = DefaultMaxInstances
	}
	if p.cfg.Host == "" {
		p.cfg.Host = "127.0.0.1"
	}
	if p.cfg.Domain == "" {
		p.cfg.Domain = p.cfg.Host
	}
	if p.cfg.Rand == nil {
		p.cfg.Rand = rand.Reader
	}
	p.log = cfg.Logger
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.ports = instance.PortAllocator{UserBase: cfg.UserPortBase, PeerBase: cfg.PeerPortBase}
	if p.cfg.Root == "" {
		dir, err := os.MkdirTemp("", "evernode-memory-")
		if err != nil {
			return nil, backendErr("create root", err)
		}
		p.cfg.Root, p.ownRoot = dir, true
		return p, nil
	}
	if err := os.MkdirAll(p.cfg.Root, 0o755); err != nil {
		return nil, backendErr("create root", err)
	}
	if err := p.recover(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Provisioner) recover(ctx context.Context) error {
	entries, err := os.ReadDir(p.cfg.Root)
	if err != nil {
		return backendErr("scan root", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !instance.ValidName(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p.cfg.Root, e.Name(), recordFile))
		if err != nil {
			p.log.Warn("memory: skipping directory without instance record", "dir", e.Name(), "err", err)
			continue
		}
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil || rec.Name != e.Name() {
			p.log.Warn("memory: skipping bad instance record", "dir", e.Name(), "err", err)
			continue
		}
		if err := p.ports.Reserve(rec.Name, instance.Ports{User: rec.UserPort, Peer: rec.PeerPort}); err != nil {
			p.log.Warn("memory: port conflict in recovered instance", "name", rec.Name, "err", err)
		}
		in := &inst{rec: rec, status: instance.StatusStopped}
		p.insts[rec.Name] = in
		if rec.Stopped {
			continue
		}
		if err := p.startNode(ctx, in); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.log.Warn("memory: recovered instance does not start", "name", rec.Name, "err", err)
		}
	}
	return nil
}

// Root returns the directory holding the instances.
func (p *Provisioner) Root() string { return p.cfg.Root }

// Dir returns the contract directory of the named instance (whether or not
// it exists).
func (p *Provisioner) Dir(name string) string {
	return filepath.Join(p.cfg.Root, name, contractDir)
}

// FailNextCreate makes the next Create fail with err (after validation),
// leaving nothing behind.
func (p *Provisioner) FailNextCreate(err error) {
	p.mu.Lock()
	p.failNext = err
	p.mu.Unlock()
}

// SetCreateDelay makes every Create wait d (or until its ctx ends) before
// provisioning; 0 removes the delay.
func (p *Provisioner) SetCreateDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Crash stops the named instance's node as if it had died: its port stops
// answering and Inspect reports it stopped. Start (or a restart of the
// Provisioner) brings it back.
func (p *Provisioner) Crash(name string) error {
	in, err := p.get(name)
	if err != nil {
		return err
	}
	in.busy.Lock()
	defer in.busy.Unlock()
	p.stopNode(in)
	return nil
}

func backendErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &instance.BackendError{Backend: "memory", Op: op, Message: err.Error(), Err: err}
}

func (p *Provisioner) get(name string) (*inst, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.insts[name]
	if !ok || in.gone || in.pending {
		return nil, fmt.Errorf("%w: %q", instance.ErrNotFound, name)
	}
	return in, nil
}

func (p *Provisioner) info(in *inst) instance.Info {
	r := in.rec
	return instance.Info{
		Details: instance.Details{
			Name:       r.Name,
			Pubkey:     r.Pubkey,
			ContractID: r.ContractID,
			Domain:     p.cfg.Domain,
			UserPort:   r.UserPort,
			PeerPort:   r.PeerPort,
			OutboundIP: r.OutboundIPv6,
		},
		Status:    in.status,
		Tenant:    r.Tenant,
		Expiry:    r.Expiry,
		Created:   r.Created,
		Resources: r.Resources,
		Image:     r.Image,
	}
}

// Create implements instance.Provisioner.
func (p *Provisioner) Create(ctx context.Context, req instance.CreateRequest) (instance.Info, error) {
	if err := req.Validate(); err != nil {
		return instance.Info{}, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return instance.Info{}, backendErr("create", errors.New("provisioner closed"))
	}
	delay, fail := p.delay, p.failNext
	p.failNext = nil
	p.createsWG.Add(1)
	p.mu.Unlock()
	defer p.createsWG.Done()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return instance.Info{}, ctx.Err()
		case <-t.C:
		}
	}
	if fail != nil {
		return instance.Info{}, fail
	}

	p.mu.Lock()
	if _, ok := p.insts[req.Name]; ok {
		p.mu.Unlock()
		return instance.Info{}, fmt.Errorf("%w: %q", instance.ErrExists, req.Name)
	}
	if len(p.insts) >= p.cfg.MaxInstances {
		p.mu.Unlock()
		return instance.Info{}, fmt.Errorf("%w: %d of %d instances", instance.ErrCapacity, len(p.insts), p.cfg.MaxInstances)
	}
	ports, err := p.allocate(req.Name)
	if err != nil {
		p.mu.Unlock()
		return instance.Info{}, err
	}
	in := &inst{pending: true, status: instance.StatusCreated, rec: record{
		Version:      1,
		Name:         req.Name,
		Tenant:       req.Tenant,
		OwnerPubkey:  req.Requirements.OwnerPubkey,
		ContractID:   req.Requirements.ContractID,
		Image:        req.Requirements.Image,
		Config:       req.Requirements.Config,
		Resources:    req.Resources,
		Expiry:       req.Expiry,
		Created:      time.Now().UTC().Truncate(time.Millisecond),
		UserPort:     ports.User,
		PeerPort:     ports.Peer,
		OutboundIPv6: req.OutboundIPv6,
	}}
	if in.rec.Image == "" {
		in.rec.Image = "memory"
	}
	p.insts[req.Name] = in
	in.busy.Lock()
	p.mu.Unlock()

	info, err := p.provision(ctx, in)
	in.busy.Unlock()
	if err != nil {
		os.RemoveAll(filepath.Join(p.cfg.Root, req.Name))
		p.mu.Lock()
		delete(p.insts, req.Name)
		p.mu.Unlock()
		p.ports.Release(req.Name)
		return instance.Info{}, err
	}
	p.log.Info("memory: instance created", "name", req.Name, "user_port", ports.User, "peer_port", ports.Peer)
	return info, nil
}

// allocate gives name the lowest free pair whose user port no other process holds on Host
// (another test run, say); the pairs it passes over stay free for later.
func (p *Provisioner) allocate(name string) (instance.Ports, error) {
	var parked []string
	defer func() {
		for _, n := range parked {
			p.ports.Release(n)
		}
	}()
	for {
		ports, err := p.ports.Allocate(name)
		if err != nil {
			return ports, err
		}
		l, err := net.Listen("tcp", net.JoinHostPort(p.cfg.Host, strconv.Itoa(ports.User)))
		if err == nil {
			l.Close()
			return ports, nil
		}
		p.ports.Release(name)
		parked = append(parked, "\x00taken "+strconv.Itoa(len(parked)))
		p.ports.Reserve(parked[len(parked)-1], ports)
	}
}

func (p *Provisioner) provision(ctx context.Context, in *inst) (instance.Info, error) {
	dir := filepath.Join(p.cfg.Root, in.rec.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return instance.Info{}, backendErr("create instance directory", err)
	}
	pub, err := hp.Provision(filepath.Join(dir, contractDir), hp.ProvisionOptions{
		OwnerPubkey: in.rec.OwnerPubkey,
		ContractID:  in.rec.ContractID,
		UserPort:    in.rec.UserPort,
		PeerPort:    in.rec.PeerPort,
		Override:    in.rec.Config,
		Rand:        p.cfg.Rand,
	})
	if errors.Is(err, instance.ErrBadRequirements) {
		return instance.Info{}, err
	}
	if err != nil {
		return instance.Info{}, backendErr("provision contract directory", err)
	}
	in.rec.Pubkey = pub
	if err := p.save(in.rec); err != nil {
		return instance.Info{}, err
	}
	if err := p.startNode(ctx, in); err != nil {
		return instance.Info{}, err
	}
	p.mu.Lock()
	in.pending = false
	info := p.info(in)
	p.mu.Unlock()
	return info, nil
}

func (p *Provisioner) save(rec record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return backendErr("write instance record", err)
	}
	path := filepath.Join(p.cfg.Root, rec.Name, recordFile)
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return backendErr("write instance record", err)
	}
	return backendErr("write instance record", os.Rename(path+".tmp", path))
}

// startNode opens and starts in's node; the caller holds in.busy (or owns
// in exclusively).
func (p *Provisioner) startNode(ctx context.Context, in *inst) error {
	if in.node != nil {
		return nil
	}
	dir := filepath.Join(p.cfg.Root, in.rec.Name)
	f, err := os.OpenFile(filepath.Join(dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return backendErr("open node log", err)
	}
	n, err := hp.Open(filepath.Join(dir, contractDir), &hp.NodeOptions{
		Logger:     slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ListenHost: p.cfg.Host,
	})
	if err != nil {
		f.Close()
		return backendErr("open node", err)
	}
	if err := n.Start(ctx); err != nil {
		n.Close()
		f.Close()
		return backendErr("start node", err)
	}
	p.mu.Lock()
	in.node = &logClosingNode{Node: n, f: f}
	in.status = instance.StatusRunning
	p.mu.Unlock()
	return nil
}

type logClosingNode struct {
	hp.Node
	f *os.File
}

func (n *logClosingNode) Close() error {
	err := n.Node.Close()
	n.f.Close()
	return err
}

// stopNode stops in's node if it runs; the caller holds in.busy.
func (p *Provisioner) stopNode(in *inst) {
	p.mu.Lock()
	n := in.node
	in.node = nil
	in.status = instance.StatusStopped
	p.mu.Unlock()
	if n != nil {
		if err := n.Close(); err != nil {
			p.log.Debug("memory: closing node", "name", in.rec.Name, "err", err)
		}
	}
}

// Inspect implements instance.Provisioner.
func (p *Provisioner) Inspect(ctx context.Context, name string) (instance.Info, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.insts[name]
	if !ok || in.gone {
		return instance.Info{}, fmt.Errorf("%w: %q", instance.ErrNotFound, name)
	}
	return p.info(in), nil
}

// List implements instance.Provisioner.
func (p *Provisioner) List(ctx context.Context) ([]instance.Info, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]instance.Info, 0, len(p.insts))
	for _, in := range p.insts {
		if !in.gone {
			out = append(out, p.info(in))
		}
	}
	return out, nil
}

// Destroy implements instance.Provisioner.
func (p *Provisioner) Destroy(ctx context.Context, name string) error {
	in, err := p.get(name)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if in.gone {
		p.mu.Unlock()
		return fmt.Errorf("%w: %q", instance.ErrNotFound, name)
	}
	in.gone = true
	p.mu.Unlock()
	in.busy.Lock()
	p.stopNode(in)
	err = os.RemoveAll(filepath.Join(p.cfg.Root, name))
	in.busy.Unlock()
	p.mu.Lock()
	delete(p.insts, name)
	p.mu.Unlock()
	p.ports.Release(name)
	if err != nil {
		return backendErr("remove instance directory", err)
	}
	p.log.Info("memory: instance destroyed", "name", name)
	return nil
}

// Stop implements instance.Stopper. A stopped instance stays stopped across
// a restart of the Provisioner.
func (p *Provisioner) Stop(ctx context.Context, name string) error {
	in, err := p.get(name)
	if err != nil {
		return err
	}
	in.busy.Lock()
	defer in.busy.Unlock()
	p.stopNode(in)
	in.rec.Stopped = true
	return p.save(in.rec)
}

// Start implements instance.Stopper.
func (p *Provisioner) Start(ctx context.Context, name string) error {
	in, err := p.get(name)
	if err != nil {
		return err
	}
	in.busy.Lock()
	defer in.busy.Unlock()
	p.mu.Lock()
	gone := in.gone
	p.mu.Unlock()
	if gone {
		return fmt.Errorf("%w: %q", instance.ErrNotFound, name)
	}
	if in.rec.Stopped {
		in.rec.Stopped = false
		if err := p.save(in.rec); err != nil {
			return err
		}
	}
	return p.startNode(ctx, in)
}

// Logs implements instance.Logger: the node's log so far, as slog text.
func (p *Provisioner) Logs(ctx context.Context, name string) (io.ReadCloser, error) {
	if _, err := p.get(name); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(p.cfg.Root, name, logFile))
	if err != nil {
		return nil, backendErr("open node log", err)
	}
	return f, nil
}

// Close stops every node and, if the root directory was defaulted, removes
// it. Instances in a given Root stay there for a later Provisioner. Close
// waits for Creates in flight.
func (p *Provisioner) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.createsWG.Wait()
	p.mu.Lock()
	insts := make([]*inst, 0, len(p.insts))
	for _, in := range p.insts {
		insts = append(insts, in)
	}
	p.mu.Unlock()
	for _, in := range insts {
		in.busy.Lock()
		p.stopNode(in)
		in.busy.Unlock()
	}
	if p.ownRoot {
		return backendErr("remove root", os.RemoveAll(p.cfg.Root))
	}
	return nil
}

var (
	_ instance.Provisioner = (*Provisioner)(nil)
	_ instance.Stopper     = (*Provisioner)(nil)
	_ instance.Logger      = (*Provisioner)(nil)
)
