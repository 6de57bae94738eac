package hostd

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/memo"
)

// Defaults.
const (
	// DefaultInstances is sashimono's default max_instance_count.
	DefaultInstances = 3
	// DefaultLeasePrice is the per-moment EVR price used when neither the
	// Config nor the host's existing lease offers give one.
	DefaultLeasePrice = "1"
	// DefaultLedgerOffset is the LastLedgerSequence margin of host
	// transactions (evernode-js-client's HostClient: current + 30).
	DefaultLedgerOffset = 30
	// DefaultMaxAttempts is mb-xrpl's number of attempts per queued
	// action; the fee uplift reaches ExtraFee at this attempt.
	DefaultMaxAttempts = 5
	// DefaultTick is mb-xrpl's scheduler period (expiries, queue).
	DefaultTick = 2 * time.Second
	// DefaultHaltAfter is how long without a validated ledger counts as a
	// halted network (mb-xrpl: 60 s).
	DefaultHaltAfter = 60 * time.Second
	// DefaultNotFoundWait is the start-up backoff unit while the host
	// account is not ready (Config.NotFoundWait; mb-xrpl: 2·attempt s, at
	// most 300 s).
	DefaultNotFoundWait = 2 * time.Second
	// DBFile is the database's file name in the data dir.
	DBFile = "hostd.db"
)

// Config configures a Daemon. The zero value works for a registered host on
// a network whose GovernorAddress is set.
type Config struct {
	// DataDir holds the daemon's database (DBFile). Default: the user's
	// config dir + "/evernode-hostd/<host address>".
	DataDir string
	// Hook is the Evernode configuration (EVR issuer, moment size, acquire
	// window, hook accounts). Default: loaded from the network's governor.
	Hook *hook.Config
	// Keys opens tenants' encrypted requirements. Default: the signer's
	// MessageKey().
	Keys memo.KeyHolder
	// LeasePrice is the per-moment EVR price of new and recycled leases.
	// Default: the price of the host's lease tokens on offer (mb-xrpl
	// adopts it), else DefaultLeasePrice. A Daemon.Reconfig overrides it
	// for as long as it keeps the value it had then.
	LeasePrice string
	// Instances is the number of lease slots (sashimono's
	// max_instance_count): the inventory is repaired to exactly this many
	// tokens, sold plus unsold. Default: DefaultInstances. A
	// Daemon.Reconfig overrides it for as long as it keeps the value it
	// had then.
	Instances int
	// Domain is the host's public name: it replaces the instance's Domain
	// in answers, and the account is prepared with it at start-up
	// (hook.PrepareHostAccount: Domain, MessageKey, EVR trust line,
	// DefaultRipple cleared). Default: what the provisioner reports, and
	// the account is not prepared.
	Domain string
	// OutboundIPv6 is the subnet of per-lease outbound addresses: slot i
	// gets the subnet's first address + i, carried in its lease URI (as
	// mb-xrpl). Default: none.
	OutboundIPv6 netip.Prefix
	// Resources are each instance's limits. Default: none. At start-up
	// the registry's CPU, RAM and disk figures are synced to the totals
	// over Instances slots (sashimono's max_cpu_us, max_mem_kbytes +
	// max_swap_kbytes and max_storage_kbytes): CPUQuota, MemoryMB+SwapMB
	// and DiskMB times Instances; a zero figure is left as registered.
	Resources instance.Resources
	// Version is the host software's "major.minor.patch" (each 0–255)
	// synced to the registry at start-up. Default "": the registered
	// version is kept.
	Version string
	// AcquireWindow overrides the governor's lease acquire window:
	// provisioning must start within 40 % and finish within 80 % of it
	// after the acquire's ledger closed, else the tenant is refunded.
	// Default: the governor's, or 160 s.
	AcquireWindow time.Duration
	// LedgerOffset is the LastLedgerSequence margin. Default
	// DefaultLedgerOffset.
	LedgerOffset uint32
	// MaxAttempts is the attempt at which the fee uplift reaches ExtraFee.
	// Answers are retried beyond it (a refund is never given up). Default
	// DefaultMaxAttempts.
	MaxAttempts int
	// ExtraFee is the most drops added to a transaction's fee when it
	// expired unvalidated and is signed again (mb-xrpl's
	// affordableExtraFee). Default 0: no uplift.
	ExtraFee uint64
	// Tick is the scheduler period. Default DefaultTick.
	Tick time.Duration
	// HaltAfter is how long without a validated ledger counts as a halt:
	// expiries wait, then a grace of a quarter of the halt. Default
	// DefaultHaltAfter.
	HaltAfter time.Duration
	// Register, when set, registers the host at start-up if the registry
	// does not know it (hook.RegisterHost: it completes a registration
	// already paid for instead of paying twice). Default nil: an
	// unregistered host does not start (see AllowUnregistered).
	Register *hook.Registration
	// AllowUnregistered lets the daemon run for a host the registry does
	// not know (tests, private networks without the Evernode hooks).
	// Default false: Run refuses to start.
	AllowUnregistered bool
	// NotFoundWait is the start-up backoff unit while the host account is
	// not ready: the ledger answers actNotFound (a network reset) or, with
	// Register set, the account cannot pay the registration yet (it is
	// being funded), or the connection dropped under a start-up request.
	// Attempt n waits n × NotFoundWait, at most 150 ×
	// NotFoundWait, then the start-up runs again; each wait is logged.
	// Default DefaultNotFoundWait.
	NotFoundWait time.Duration
	// RebateDelay bounds the random wait before a rebate request after a
	// host registration changed the registration fee: uniform in [0,
	// RebateDelay), so that hosts do not all ask in one ledger. Negative
	// means no wait. Default DefaultRebateDelay (60 s, as mb-xrpl).
	RebateDelay time.Duration
	// NoHeartbeat turns the heartbeat off. Default false: a heartbeat is
	// sent when the hook configuration names a heartbeat account.
	NoHeartbeat bool
	// Votes are the operator's governance votes, as mb-xrpl's
	// governance.cfg "votes": candidate id (64 hex digits) →
	// hook.VoteSupport or hook.VoteReject (any other value votes reject,
	// as mb-xrpl). Each heartbeat moment sends one heartbeat per vote whose
	// candidate exists, in candidate index order, and no plain heartbeat
	// once one applied. A vote whose candidate is gone, or that the
	// heartbeat hook refuses (VOTE_VALIDATION_ERR), is dropped for good
	// (recorded in the database; Daemon.Votes lists the votes in force).
	// Default nil: plain heartbeats.
	Votes map[string]hook.VoteValue
	// HeartbeatRetries is how many times a moment's heartbeat is tried
	// again when it failed on the ledger; when every try failed the moment
	// is left unsent and the next heartbeat moment tries again. Default
	// DefaultHeartbeatRetries (3, as mb-xrpl: at most four tries); a
	// negative value: no retry.
	HeartbeatRetries int
	// HeartbeatRetryDelay is the wait after a failed heartbeat attempt.
	// Default DefaultHeartbeatRetryDelay (5 min, as mb-xrpl).
	HeartbeatRetryDelay time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives structured logs, one line per lease transition.
	// Default: silent.
	Logger *slog.Logger
}
