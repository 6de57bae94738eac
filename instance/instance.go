package instance

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/evernode-go/sdk/memo"
)

// Requirements is what a tenant asks for when it acquires a lease: the
// decrypted acquire payload without its answer routing (memo.Requirement's
// MessageKey belongs to the lease, not to the instance).
type Requirements struct {
	// OwnerPubkey is the tenant's HotPocket user key, "ed" + 64 hex digits.
	// The bootstrap contract accepts uploads from this key only.
	OwnerPubkey string
	// ContractID is the HotPocket contract id, a UUID.
	ContractID string
	// Image is the image the tenant asked for. Backends decide whether to
	// honour it (see their Config); empty means the backend's default.
	Image string
	// Config holds hp.cfg overrides merged into the node's configuration
	// (sashimono's acquire-time "config"); nil means none.
	Config json.RawMessage
}

// RequirementsFromMemo converts the tenant's acquire payload.
func RequirementsFromMemo(r memo.Requirement) Requirements {
	return Requirements{
		OwnerPubkey: r.OwnerPubkey,
		ContractID:  r.ContractID,
		Image:       r.Image,
		Config:      r.Config,
	}
}

// Memo returns the requirements as the acquire payload carries them.
func (r Requirements) Memo() memo.Requirement {
	return memo.Requirement{
		OwnerPubkey: r.OwnerPubkey,
		ContractID:  r.ContractID,
		Image:       r.Image,
		Config:      r.Config,
	}
}

// Validate checks the requirements with memo's rules, except that an empty
// Image is allowed. The error wraps ErrBadRequirements.
func (r Requirements) Validate() error {
	m := r.Memo()
	if m.Image == "" {
		m.Image = "-"
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequirements, err)
	}
	return nil
}

// Details is what the tenant gets back about its instance.
type Details struct {
	// Name is the instance name: the lease id (the URIToken id).
	Name string
	// Pubkey is the node's HotPocket public key ("ed" + 64 hex digits).
	Pubkey string
	// ContractID is the contract id the node runs.
	ContractID string
	// Domain is where the instance is reached: the host's domain or IP.
	Domain string
	// UserPort is the node's user (websocket) port; PeerPort its mesh port.
	UserPort, PeerPort int
	// GPTCPPort and GPUDPPort are the first general-purpose ports given to
	// the instance, 0 when the backend gives none.
	GPTCPPort, GPUDPPort int
	// OutboundIP is the instance's own outbound IPv6 address, if any.
	OutboundIP string
}

// Memo returns the details in sashimono's create-response form: every
// field a string, ports in decimal, the host under "domain", zero ports
// omitted.
func (d Details) Memo() memo.Instance {
	port := func(p int) string {
		if p == 0 {
			return ""
		}
		return strconv.Itoa(p)
	}
	return memo.Instance{
		Name:       d.Name,
		Pubkey:     d.Pubkey,
		ContractID: d.ContractID,
		PeerPort:   port(d.PeerPort),
		UserPort:   port(d.UserPort),
		GPTCPPort:  port(d.GPTCPPort),
		GPUDPPort:  port(d.GPUDPPort),
		Domain:     d.Domain,
		OutboundIP: d.OutboundIP,
	}
}

// DetailsFromMemo parses a host's answer. It accepts the older "ip" field
// in place of "domain" and fails, wrapping memo.ErrMalformed, when a port is
// not a decimal number in 1..65535.
func DetailsFromMemo(m memo.Instance) (Details, error) {
	port := func(field, s string, required bool) (int, error) {
		if s == "" && !required {
			return 0, nil
		}
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("%w: instance %s %q", memo.ErrMalformed, field, s)
		}
		return p, nil
	}
	d := Details{Name: m.Name, Pubkey: m.Pubkey, ContractID: m.ContractID, Domain: m.Host(), OutboundIP: m.OutboundIP}
	var err error
	if d.UserPort, err = port("user_port", m.UserPort, true); err != nil {
		return Details{}, err
	}
	if d.PeerPort, err = port("peer_port", m.PeerPort, true); err != nil {
		return Details{}, err
	}
	if d.GPTCPPort, err = port("gp_tcp_port", m.GPTCPPort, false); err != nil {
		return Details{}, err
	}
	if d.GPUDPPort, err = port("gp_udp_port", m.GPUDPPort, false); err != nil {
		return Details{}, err
	}
	return d, nil
}

// CreateRequest asks a Provisioner for a new instance.
type CreateRequest struct {
	// Name is the instance name: the lease id, which on Xahau is the
	// URIToken id (64 hex digits). Any name of 1..128 characters from
	// [A-Za-z0-9_.-] that starts with a letter or digit is accepted.
	Name string
	// Tenant is the tenant's account address, recorded for the host.
	Tenant string
	// Requirements is the tenant's acquire payload.
	Requirements Requirements
	// Resources are the instance's limits; see PerInstance.
	Resources Resources
	// Expiry is when the lease ends, recorded so a restarted daemon knows
	// what to expire. The zero time means unknown.
	Expiry time.Time
	// OutboundIPv6 is the instance's own outbound IPv6 address, if the
	// lease carries one; empty means the host's default.
	OutboundIPv6 string
}

// ValidName reports whether name is acceptable as an instance name.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Validate checks the request before anything is provisioned. The error
// wraps ErrBadRequirements.
func (r CreateRequest) Validate() error {
	if !ValidName(r.Name) {
		return fmt.Errorf("%w: instance name %q", ErrBadRequirements, r.Name)
	}
	if err := r.Requirements.Validate(); err != nil {
		return err
	}
	if err := r.Resources.Validate(); err != nil {
		return err
	}
	return nil
}

// Status is an instance's state, in sashimono's words.
type Status string

const (
	// StatusCreated: provisioned but never started.
	StatusCreated Status = "created"
	// StatusRunning: the node process is up.
	StatusRunning Status = "running"
	// StatusStopped: the node is not running, stopped on request or
	// crashed; its state is kept.
	StatusStopped Status = "stopped"
)

// Info is everything a Provisioner knows about one instance. It is what a
// host daemon recovers from List after a restart.
type Info struct {
	Details Details
	Status  Status
	// Tenant, Expiry, Resources and Created are recorded from the
	// CreateRequest (Created when the instance was made).
	Tenant    string
	Expiry    time.Time
	Created   time.Time
	Resources Resources
	// Image is what the instance runs (a container image, or a backend's
	// own description such as "memory").
	Image string
}

// Lease returns the lease id, which is the instance name.
func (i Info) Lease() string { return i.Details.Name }
