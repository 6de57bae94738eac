package hostd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// Errors.
var (
	// ErrNotRegistered: the host is not registered with Evernode and
	// Config.AllowUnregistered is false.
	ErrNotRegistered = errors.New("hostd: host not registered")
	// ErrClosed: the daemon was closed.
	ErrClosed = errors.New("hostd: closed")
	// ErrRunning: Run was called while the daemon runs.
	ErrRunning = errors.New("hostd: already running")
)

// rippleEpoch is 2000-01-01 in Unix seconds.
const rippleEpoch = 946684800

// Daemon is the host daemon: it follows the host's account on the ledger,
// answers every lease request exactly once, provisions and destroys
// instances, expires leases and keeps the lease inventory whole, and
// persists everything it decides in its database before acting on it, so
// that it can be stopped (or killed) at any point and resume.
//
// Create it with New, run it with Run, and Close it when done. Its methods
// are safe for concurrent use. It does not own the client or the
// provisioner.
type Daemon struct {
	c      *evernode.Client
	s      evernode.Signer
	p      instance.Provisioner
	cfg    Config
	addr   string
	keys   memo.KeyHolder
	host   *lease.Host
	hookCf *hook.Config
	tos    [16]byte
	db     *bolt.DB
	log    *slog.Logger
	now    func() time.Time

	metrics    *metrics
	kickOutbox chan struct{}
	wakeC      chan struct{}

	mu          sync.Mutex
	price       string
	running     bool
	closed      bool
	workers     map[string]bool
	workersWG   sync.WaitGroup
	runErr      error
	cancel      context.CancelFunc
	done        chan struct{}
	lastLedger  time.Time // wall clock of the last validated ledger seen
	haltedSince time.Time
	graceUntil  time.Time
	closing     bool // a transfer or deregistration winds the host down (ops.go)
	// givenInstances is Config.Instances as given (0: the default).
	givenInstances int
	fault          func(point string) bool
	// afterLookup, for tests, runs in resolve after an intent's hashes
	// were looked up and none was validated.
	afterLookup func(it *intent)
	registered  bool     // the registry knows the host: registry updates apply
	regToken    [32]byte // the registration token id (heartbeat offset)
	maintAt     time.Time
	maintOK     bool // the last prune and repair round finished
	reb         rebates
	// activated holds the leases activated since the scheduler last
	// checked their instance (checkActivated).
	activated map[string]bool
}

type addresser interface{ Address() string }
type messageKeyer interface{ MessageKey() *memo.PrivateKey }

// New returns a daemon for the host signing with s, acting through c and
// running instances with p. It opens (or creates) the database in
// cfg.DataDir; nil cfg means the zero Config. Nothing happens on the
// network until Run.
func New(c *evernode.Client, s evernode.Signer, p instance.Provisioner, cfg *Config) (*Daemon, error) {
	var o Config
	if cfg != nil {
		o = *cfg
	}
	if c == nil || s == nil || p == nil {
		return nil, errors.New("hostd: nil client, signer or provisioner")
	}
	if err := checkVotes(o.Votes); err != nil {
		return nil, err
	}
	a, ok := s.(addresser)
	if !ok {
		return nil, errors.New("hostd: the signer has no Address()")
	}
	d := &Daemon{c: c, s: s, p: p, cfg: o, addr: a.Address(), keys: o.Keys, log: o.Logger, now: o.Now,
		kickOutbox: make(chan struct{}, 1), wakeC: make(chan struct{}, 1), workers: map[string]bool{}, price: o.LeasePrice}
	if d.keys == nil {
		if k, ok := s.(messageKeyer); ok {
			d.keys = k.MessageKey()
		}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	d.log = d.log.With("host", d.addr)
	if d.now == nil {
		d.now = time.Now
	}
	if d.cfg.Instances <= 0 {
		d.cfg.Instances = DefaultInstances
	}
	if d.cfg.LedgerOffset == 0 {
		d.cfg.LedgerOffset = DefaultLedgerOffset
	}
	if d.cfg.MaxAttempts <= 0 {
		d.cfg.MaxAttempts = DefaultMaxAttempts
	}
	if d.cfg.Tick <= 0 {
		d.cfg.Tick = DefaultTick
	}
	if d.cfg.HaltAfter <= 0 {
		d.cfg.HaltAfter = DefaultHaltAfter
	}
	if d.cfg.NotFoundWait <= 0 {
		d.cfg.NotFoundWait = DefaultNotFoundWait
	}
	if c.Network().Chain == evernode.XRPL {
		return nil, errors.New("hostd: NFToken (XRPL) leases are not supported; run on Xahau")
	}
	var err error
	if d.tos, err = lease.HalfTOS(lease.DefaultTOSHash); err != nil {
		return nil, err
	}
	if d.cfg.DataDir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("hostd: no DataDir and no user config dir: %w", err)
		}
		d.cfg.DataDir = filepath.Join(base, "evernode-hostd", d.addr)
	}
	if err := os.MkdirAll(d.cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("hostd: data dir: %w", err)
	}
	if d.db, err = openDB(filepath.Join(d.cfg.DataDir, DBFile)); err != nil {
		return nil, err
	}
	if err := d.applySettings(o); err != nil {
		d.db.Close()
		return nil, err
	}
	d.metrics = newMetrics(d)
	return d, nil
}

// Address returns the host's account.
func (d *Daemon) Address() string { return d.addr }

// Close stops Run if it is running, waits for it, and closes the database.
// It is safe to call more than once.
func (d *Daemon) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	cancel, done := d.cancel, d.done
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return d.db.Close()
}

// Run starts the daemon and blocks until ctx ends, Close is called or a
// fatal error occurs. Start-up: load the Evernode configuration, check the
// registration, catch up on every ledger since the last one processed
// (answering what was missed), repair the lease inventory and prune orphan
// instances; then follow the ledger. It returns nil when stopped by ctx or
// Close.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return ErrClosed
	case d.running:
		d.mu.Unlock()
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	d.running, d.cancel, d.done, d.runErr = true, cancel, make(chan struct{}), nil
	d.lastLedger = time.Now()
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		close(d.done)
		d.mu.Unlock()
	}()
	defer cancel()

	err := d.startupRetry(ctx)
	var wg sync.WaitGroup
	if err == nil {
		// A start-up that waited for the account is not a halt.
		d.mu.Lock()
		d.lastLedger = time.Now()
		d.mu.Unlock()
		for _, f := range []func(context.Context) error{d.runIngest, d.runOutbox, d.runScheduler, d.runLedgerWatch, d.runRegistry} {
			wg.Go(func() {
				if err := f(ctx); err != nil {
					d.fail(err)
				}
			})
		}
		<-ctx.Done()
	} else {
		d.fail(err)
	}
	cancel()
	wg.Wait()
	d.waitWorkers()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runErr
}

// fail records the first fatal error and stops the run. The context
// errors of a normal stop are not errors.
func (d *Daemon) fail(err error) {
	if err == nil {
		return
	}
	d.mu.Lock()
	if d.runErr == nil && (errors.Is(err, errCrash) || !errors.Is(err, context.Canceled)) {
		d.runErr = err
	}
	cancel := d.cancel
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (d *Daemon) startup(ctx context.Context) error {
	if err := d.loadHost(ctx); err != nil {
		return err
	}
	if err := d.refusePendingOp(ctx); err != nil {
		return err
	}
	if d.cfg.Domain != "" {
		if _, err := hook.PrepareHostAccount(ctx, d.c, d.s, d.hookCf, d.cfg.Domain, &hook.FlowOptions{Account: d.addr}); err != nil {
			return fmt.Errorf("hostd: preparing the account: %w", err)
		}
	}
	if !d.cfg.AllowUnregistered || d.cfg.Register != nil {
		ok, err := hook.IsRegistered(ctx, d.c, d.hookCf, d.addr)
		if err != nil {
			return fmt.Errorf("hostd: checking the registration: %w", err)
		}
		d.registered = ok
		switch {
		case !ok && d.cfg.Register != nil:
			d.log.Info("hostd: registering the host")
			res, err := hook.RegisterHost(ctx, d.c, d.s, d.hookCf, *d.cfg.Register, &hook.FlowOptions{Account: d.addr})
			if err != nil {
				return fmt.Errorf("hostd: registering: %w", err)
			}
			d.log.Info("hostd: registered", "token", fmt.Sprintf("%X", res.TokenID))
			d.registered = true
		case !ok && !d.cfg.AllowUnregistered:
			return ErrNotRegistered
		}
	}
	if err := d.adoptPrice(ctx); err != nil {
		return err
	}
	d.log.Info("hostd: starting", "price", d.leasePrice(), "instances", d.cfg.Instances, "dataDir", d.cfg.DataDir)
	if err := d.catchUp(ctx); err != nil {
		return err
	}
	if err := d.rebate(ctx); err != nil {
		return err
	}
	if d.registered {
		info, err := d.registrySync(ctx)
		if err != nil {
			return err
		}
		if err := d.queueRegSync(info); err != nil {
			return err
		}
	}
	return d.maintain(ctx, true)
}

// loadHost loads the Evernode configuration (unless Config.Hook gives it)
// and makes the lease host.
func (d *Daemon) loadHost(ctx context.Context) error {
	if d.hookCf = d.cfg.Hook; d.hookCf == nil {
		cf, err := hook.LoadConfig(ctx, d.c, d.c.Network().GovernorAddress)
		if err != nil {
			return fmt.Errorf("hostd: loading the Evernode configuration: %w", err)
		}
		d.hookCf = cf
	}
	var err error
	d.host, err = lease.NewHost(d.c, d.s, &lease.HostConfig{Account: d.addr, Hook: d.hookCf, Keys: d.keys, Standard: lease.URIToken, Logger: d.log})
	return err
}

// adoptPrice settles the lease price when neither the Config nor a
// reconfiguration set it: the price of the host's offers (§7 A 9), else
// DefaultLeasePrice.
func (d *Daemon) adoptPrice(ctx context.Context) error {
	if d.leasePrice() == "" {
		offers, err := d.host.Offers(ctx)
		if err != nil {
			return err
		}
		p := DefaultLeasePrice
		if len(offers) > 0 {
			p = offers[0].URI.Price
		}
		d.mu.Lock()
		d.price = p
		d.mu.Unlock()
	}
	d.host.SetLeasePrice(d.leasePrice())
	return nil
}

// registrySync reads the registration token (for the heartbeat offset)
// and the last heartbeat the registry recorded (§7 A 5), so a restarted or
// new daemon does not heartbeat twice in a moment. It returns the
// registration it read, for queueRegSync.
func (d *Daemon) registrySync(ctx context.Context) (hook.HostInfo, error) {
	id, _, err := hook.RegistrationToken(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return hook.HostInfo{}, d.transient(ctx, "reading the registration token", err)
	}
	d.regToken = id
	info, err := hook.Host(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return info, d.transient(ctx, "reading the registration", err)
	}
	if info.LastHeartbeatIndex == 0 || d.hookCf.MomentBaseInfo.MomentType != hook.MomentTimestamp {
		return info, nil
	}
	at := time.Unix(int64(info.LastHeartbeatIndex), 0)
	if at.After(d.lastHeartbeat()) {
		return info, d.update(func(tx *bolt.Tx) error {
			return tx.Bucket(bMeta).Put(keyHeartbeat, []byte(strconv.FormatInt(at.Unix(), 10)))
		}, "registry:synced")
	}
	return info, nil
}

// syncRegInfo queues an updateRegInfo when the registry's entry differs
// from this host (§7 A 10): total and active instances, version, CPU, RAM
// and disk totals, and the lease price. Fields the Config leaves zero are
// not compared and not sent (the registry keeps them).
func (d *Daemon) syncRegInfo(ctx context.Context) error {
	info, err := hook.Host(ctx, d.c, d.hookCf, d.addr)
	if err != nil {
		return d.transient(ctx, "reading the registration", err)
	}
	return d.queueRegSync(info)
}

// queueRegSync is syncRegInfo on a registration already read (the
// start-up's, from registrySync).
func (d *Daemon) queueRegSync(info hook.HostInfo) error {
	want, err := d.regWanted()
	if err != nil {
		return err
	}
	return d.update(func(tx *bolt.Tx) error {
		n, err := activeCount(tx)
		if err != nil {
			return err
		}
		want.ActiveInstances = n
		if !regDiffers(&info.HostAddr, &info.HostToken, want) {
			return nil
		}
		d.log.Info("hostd: updating the registration", "instances", want.TotalInstances, "active", want.ActiveInstances,
			"version", want.Version, "cpu", want.CPUMicrosec, "ram", want.RAMMB, "disk", want.DiskMB, "price", want.LeaseAmount)
		v := tx.Bucket(bMeta).Get(keyN)
		_, err = d.enqueue(tx, &intent{ID: fmt.Sprintf("reginfo-sync/%x", v), Kind: kRegInfo, Active: want.ActiveInstances, Reg: want})
		return err
	}, "reginfo:synced")
}

// regWanted is the registry entry this host's Config describes, without
// the active count.
func (d *Daemon) regWanted() (*hook.RegUpdate, error) {
	n := int64(d.cfg.Instances)
	r := d.cfg.Resources
	u := &hook.RegUpdate{TokenID: d.regToken, TotalInstances: uint32(n), Version: d.cfg.Version, LeaseAmount: d.leasePrice()}
	var err error
	if u.CPUMicrosec, err = regTotal("CPUQuota", r.CPUQuota, n); err != nil {
		return nil, err
	}
	if u.RAMMB, err = regTotal("MemoryMB+SwapMB", r.MemoryMB+r.SwapMB, n); err != nil {
		return nil, err
	}
	if u.DiskMB, err = regTotal("DiskMB", r.DiskMB, n); err != nil {
		return nil, err
	}
	if _, err := u.EncodeParam(); err != nil {
		return nil, fmt.Errorf("hostd: the registry update: %w", err)
	}
	return u, nil
}

// regTotal is a per-instance figure times n, as the registry's uint32.
func regTotal(name string, per, n int64) (uint32, error) {
	if per <= 0 {
		return 0, nil
	}
	t := per * n
	if t/n != per || t > math.MaxUint32 {
		return 0, fmt.Errorf("hostd: Resources.%s × Instances does not fit the registry's 32 bits", name)
	}
	return uint32(t), nil
}

// regDiffers reports whether the registry entry differs from want in a
// field want sets (ActiveInstances is always compared).
func regDiffers(a *hook.HostAddr, t *hook.HostToken, want *hook.RegUpdate) bool {
	if a.ActiveInstances != want.ActiveInstances || a.MaxInstances != want.TotalInstances {
		return true
	}
	if want.Version != "" && a.VersionString() != want.Version {
		return true
	}
	for _, f := range [][2]uint32{{t.CPUMicrosec, want.CPUMicrosec}, {t.RAMMB, want.RAMMB}, {t.DiskMB, want.DiskMB}} {
		if f[1] != 0 && f[0] != f[1] {
			return true
		}
	}
	if want.LeaseAmount == "" {
		return false
	}
	x, err := hook.ParseXFL(want.LeaseAmount)
	if err != nil {
		return true
	}
	have, ok1 := a.LeaseAmount.Rat()
	w, ok2 := x.Rat()
	return !ok1 || !ok2 || have.Cmp(w) != 0
}

func (d *Daemon) leasePrice() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.price
}

// acquireWindow is the governor's lease acquire window, or the override.
func (d *Daemon) acquireWindow() time.Duration {
	if d.cfg.AcquireWindow > 0 {
		return d.cfg.AcquireWindow
	}
	if d.hookCf.LeaseAcquireWindow > 0 {
		return time.Duration(d.hookCf.LeaseAcquireWindow) * time.Second
	}
	return lease.DefaultAcquireWindow
}

// momentSize is one moment as a duration (timestamp moments are seconds).
func (d *Daemon) momentSize() time.Duration {
	if d.hookCf.MomentSize == 0 {
		return time.Hour
	}
	return time.Duration(d.hookCf.MomentSize) * time.Second
}

// expiryMoment is the moment t falls in.
func (d *Daemon) expiryMoment(t time.Time) uint32 {
	return uint32(d.hookCf.Moments().MomentAt(uint64(t.Unix()), uint64(d.c.ValidatedLedger())))
}

// errCrash is returned at an injected fault (tests).
var errCrash = errors.New("hostd: injected crash")

// point is a step where tests may stop the daemon dead.
func (d *Daemon) point(name string) error {
	d.mu.Lock()
	f := d.fault
	d.mu.Unlock()
	if f != nil && f(name) {
		d.fail(errCrash)
		return errCrash
	}
	return nil
}

// update commits fn, then passes the fault point named after it.
func (d *Daemon) update(fn func(tx *bolt.Tx) error, point string) error {
	if err := d.db.Update(fn); err != nil {
		return err
	}
	return d.point(point)
}

// wake asks the scheduler to look at the leases now.
func (d *Daemon) wake() {
	select {
	case d.wakeC <- struct{}{}:
	default:
	}
	d.kick()
}

func (d *Daemon) tickC(ctx context.Context) <-chan time.Time {
	return time.After(d.cfg.Tick)
}

// ledgerTime is the close time of ledger idx.
func (d *Daemon) ledgerTime(ctx context.Context, idx uint32) (time.Time, error) {
	h, err := d.c.Ledger(ctx, evernode.AtLedger(idx), false)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(h.CloseTime)+rippleEpoch, 0), nil
}

// Leases returns the daemon's leases, for inspection.
func (d *Daemon) Leases() ([]Lease, error) {
	var out []Lease
	err := d.db.View(func(tx *bolt.Tx) error {
		ls, err := allLeases(tx)
		for _, l := range ls {
			out = append(out, *l)
		}
		return err
	})
	return out, err
}

// LastLedger returns the last ledger the daemon has fully processed.
func (d *Daemon) LastLedger() uint32 {
	var v uint32
	_ = d.db.View(func(tx *bolt.Tx) error { v = getLedger(tx); return nil })
	return v
}

// Owed lists refunds that could not be paid (the tenant's trust line was
// gone), by request hash.
func (d *Daemon) Owed() (map[string]evernode.Amount, error) {
	out := map[string]evernode.Amount{}
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOwed).ForEach(func(k, v []byte) error {
			var a amountJSON
			if err := jsonUnmarshal(v, &a); err != nil {
				return err
			}
			out[string(k)] = a.amount()
			return nil
		})
	})
	return out, err
}

// Idle reports whether nothing is in flight: no transaction queued or
// awaiting validation, and every lease Active. Tests and benchmarks wait on
// it.
func (d *Daemon) Idle() (bool, error) {
	idle := true
	err := d.db.View(func(tx *bolt.Tx) error {
		open, err := openIntents(tx)
		if err != nil {
			return err
		}
		if len(open) > 0 {
			idle = false
			return nil
		}
		ls, err := allLeases(tx)
		for _, l := range ls {
			if l.State != Active {
				idle = false
			}
		}
		return err
	})
	return idle, err
}
