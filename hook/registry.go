package hook

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/codec"
)

// HostInfo is a registered host as the registry knows it: its HOST_ADDR entry
// joined with its TOKEN_ID entry, the Domain of its account (when asked
// for) and whether it is active now.
type HostInfo struct {
	Address string
	HostAddr
	HostToken
	// Domain is the host account's Domain field as text; empty when not
	// fetched or not set.
	Domain string
	// Active is the activeness rule (Active) at the time of the read.
	Active bool
}

// FreeInstances returns MaxInstances − ActiveInstances (zero if negative).
func (h *HostInfo) FreeInstances() uint32 {
	if h.ActiveInstances >= h.MaxInstances {
		return 0
	}
	return h.MaxInstances - h.ActiveInstances
}

// MarshalJSON writes the JS client's getHostInfo shape.
func (h HostInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("address", h.Address)
	h.HostAddr.jsFields(&o)
	o.add("active", h.Active)
	o.add("domain", h.Domain)
	tok := h.HostToken
	var t jsonObj
	tok.jsFields(&t)
	for i, k := range t.keys {
		if k != "address" {
			o.add(k, t.vals[i])
		}
	}
	return o.MarshalJSON()
}

// HostsOptions tunes Hosts. A nil *HostsOptions means the defaults.
type HostsOptions struct {
	// Domain fetches each host's Domain with account_info, one request per
	// host (the JS client's default). Default false.
	Domain bool
	// DomainConcurrency bounds the account_info requests in flight. Zero
	// means 8.
	DomainConcurrency int
	// Now is the time activeness is judged at. Zero means time.Now().
	Now time.Time
	// Filter keeps only the matching hosts; nil keeps all.
	Filter *HostFilter
}

// HostFilter selects hosts for a tenant. The zero value matches every
// host.
type HostFilter struct {
	// ActiveOnly drops hosts that are not active.
	ActiveOnly bool
	// Country keeps hosts with this two-letter country code.
	Country string
	// MinCPUMicrosec, MinRAMMB and MinDiskMB are lower bounds on the
	// resources a host offers (per host, as registered).
	MinCPUMicrosec, MinRAMMB, MinDiskMB uint32
	// MaxLeaseAmount keeps hosts whose per-moment lease price in EVR is at
	// most this decimal value. Empty means any price.
	MaxLeaseAmount string
	// MinFreeInstances keeps hosts with at least this many unleased
	// instance slots; a tenant about to acquire wants 1. Zero means any.
	MinFreeInstances uint32
}

// Match reports whether h passes the filter. A MaxLeaseAmount that is not
// a number matches nothing.
func (f *HostFilter) Match(h *HostInfo) bool {
	if f == nil {
		return true
	}
	if f.ActiveOnly && !h.Active {
		return false
	}
	if f.Country != "" && !strings.EqualFold(f.Country, h.CountryCode) {
		return false
	}
	if h.CPUMicrosec < f.MinCPUMicrosec || h.RAMMB < f.MinRAMMB || h.DiskMB < f.MinDiskMB {
		return false
	}
	if h.FreeInstances() < f.MinFreeInstances {
		return false
	}
	if f.MaxLeaseAmount != "" {
		max, ok := new(big.Rat).SetString(f.MaxLeaseAmount)
		price, ok2 := h.LeaseAmount.Rat()
		if !ok || !ok2 || price.Cmp(max) > 0 {
			return false
		}
	}
	return true
}

// FilterHosts returns the hosts f matches, in order.
func FilterHosts(hosts []HostInfo, f *HostFilter) []HostInfo {
	out := make([]HostInfo, 0, len(hosts))
	for i := range hosts {
		if f.Match(&hosts[i]) {
			out = append(out, hosts[i])
		}
	}
	return out
}

// HostsFromStates joins the HOST_ADDR and TOKEN_ID entries among governor
// namespace entries into hosts, in the order their accounts first appear,
// and computes activeness for time now under cfg (ledger moments use
// ledgerSeq). As in the JS client, a TOKEN_ID entry whose HOST_ADDR is gone
// (a deregistered host with rewards still owed) still yields a host, never
// active. Other entries are skipped; an entry that does not decode is an
// error.
func HostsFromStates(states []evernode.HookState, cfg *Config, now time.Time, ledgerSeq uint32) ([]HostInfo, error) {
	byAccount := make(map[AccountID]int, len(states)/2)
	hosts := make([]HostInfo, 0, len(states)/2)
	var buf [512]byte
	ar := &textArena{}
	slot := func(a AccountID) *HostInfo {
		i, ok := byAccount[a]
		if !ok {
			i = len(hosts)
			byAccount[a] = i
			hosts = append(hosts, HostInfo{})
		}
		return &hosts[i]
	}
	for _, hs := range states {
		k := hs.Key
		if len(k) != 64 || k[:6] != "455652" || k[6] != '0' || (k[7] != '2' && k[7] != '3') {
			continue
		}
		if len(hs.Data) > 2*len(buf) {
			return nil, malformed("state %s: %d hex digits", k, len(hs.Data))
		}
		n, ok := decodeHexString(buf[:], hs.Data)
		if !ok {
			return nil, malformed("state %s: data is not hex", k)
		}
		value := buf[:n]
		if k[7] == '3' {
			var a AccountID
			if _, ok := decodeHexString(a[:], k[24:]); !ok {
				return nil, malformed("state key %s", k)
			}
			h := slot(a)
			if err := decodeHostAddr(&h.HostAddr, value, ar); err != nil {
				return nil, fmt.Errorf("hook: host %s: %w", a, err)
			}
		} else {
			var t HostToken
			if err := decodeHostToken(&t, value, ar); err != nil {
				return nil, fmt.Errorf("hook: token entry %s: %w", k, err)
			}
			slot(t.Account).HostToken = t
		}
	}
	accounts := make([]AccountID, len(hosts))
	for a, i := range byAccount {
		accounts[i] = a
	}
	start := currentMomentStart(cfg, now, ledgerSeq)
	for i := range hosts {
		h := &hosts[i]
		h.Address = encodeAddress(accounts[i], ar)
		h.Active = Active(h.LastHeartbeatIndex, start, cfg.HostHeartbeatFreq, cfg.MomentSize)
	}
	return hosts, nil
}

// currentMomentStart is the start index of the current moment. The JS
// client always counts with local unix time; ledger moments use the
// ledger sequence here.
func currentMomentStart(cfg *Config, now time.Time, ledgerSeq uint32) uint64 {
	ts := uint64(max(now.Unix(), 0))
	return cfg.Moments().StartAt(ts, uint64(ledgerSeq))
}

// Hosts reads every host from the governor's namespace (account_namespace,
// paged), joined and with activeness; with opts.Domain each account's
// Domain too. opts may be nil.
func Hosts(ctx context.Context, c *evernode.Client, cfg *Config, opts *HostsOptions) ([]HostInfo, error) {
	var o HostsOptions
	if opts != nil {
		o = *opts
	}
	if err := o.Filter.Validate(); err != nil {
		return nil, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	states, err := c.AccountNamespace(ctx, cfg.governor(c), NamespaceHex)
	if err != nil {
		return nil, fmt.Errorf("hook: read hosts: %w", err)
	}
	hosts, err := HostsFromStates(states, cfg, o.Now, c.ValidatedLedger())
	if err != nil {
		return nil, err
	}
	hosts = FilterHosts(hosts, o.Filter)
	if o.Domain {
		if err := fetchDomains(ctx, c, hosts, o.DomainConcurrency); err != nil {
			return nil, err
		}
	}
	return hosts, nil
}

// ActiveHosts is Hosts keeping only active hosts.
func ActiveHosts(ctx context.Context, c *evernode.Client, cfg *Config, opts *HostsOptions) ([]HostInfo, error) {
	var o HostsOptions
	if opts != nil {
		o = *opts
	}
	f := HostFilter{}
	if o.Filter != nil {
		f = *o.Filter
	}
	f.ActiveOnly = true
	o.Filter = &f
	return Hosts(ctx, c, cfg, &o)
}

func fetchDomains(ctx context.Context, c *evernode.Client, hosts []HostInfo, conc int) error {
	if conc <= 0 {
		conc = 8
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		next    = make(chan int)
		workers = min(conc, len(hosts))
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, err := accountDomain(ctx, c, hosts[i].Address)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
					continue
				}
				hosts[i].Domain = d
			}
		}()
	}
feed:
	for i := range hosts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// accountDomain returns an account's Domain as text; a missing account has
// none.
func accountDomain(ctx context.Context, c *evernode.Client, account string) (string, error) {
	info, err := c.AccountInfo(ctx, account, evernode.Validated)
	if errors.Is(err, evernode.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("hook: domain of %s: %w", account, err)
	}
	d, err := hex.DecodeString(info.AccountData.Domain)
	if err != nil {
		return "", malformed("domain of %s is not hex", account)
	}
	return string(d), nil
}

// readState reads one hook state entry's data; found is false when there
// is none.
func readState(ctx context.Context, c *evernode.Client, account AccountID, key Key, ns [32]byte) ([]byte, bool, error) {
	node, err := c.LedgerEntry(ctx, StateIndexHex(account, key, ns), evernode.Validated)
	if errors.Is(err, evernode.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	data, _ := node["HookStateData"].(string)
	if data == "" {
		return nil, false, nil
	}
	b, err := hex.DecodeString(data)
	if err != nil {
		return nil, false, malformed("HookStateData is not hex")
	}
	return b, true, nil
}

// Host reads one host: its HOST_ADDR and TOKEN_ID entries, its account's
// Domain, and activeness now. It fails with ErrNotRegistered when either
// entry is missing (the JS client's getHostInfo returns null then).
func Host(ctx context.Context, c *evernode.Client, cfg *Config, address string) (HostInfo, error) {
	acct, err := ParseAccountID(address)
	if err != nil {
		return HostInfo{}, err
	}
	return hostAt(ctx, c, cfg, acct, time.Now())
}

// HostByID is Host for an address already parsed.
func HostByID(ctx context.Context, c *evernode.Client, cfg *Config, host AccountID) (HostInfo, error) {
	return hostAt(ctx, c, cfg, host, time.Now())
}

func hostAt(ctx context.Context, c *evernode.Client, cfg *Config, acct AccountID, now time.Time) (HostInfo, error) {
	address := acct.String()
	gov, err := ParseAccountID(cfg.governor(c))
	if err != nil {
		return HostInfo{}, fmt.Errorf("hook: governor: %w", err)
	}
	ns := Namespace()
	b, ok, err := readState(ctx, c, gov, HostAddrKey(acct), ns)
	if err != nil {
		return HostInfo{}, fmt.Errorf("hook: host %s: %w", address, err)
	}
	if !ok {
		return HostInfo{}, fmt.Errorf("%w: %s", ErrNotRegistered, address)
	}
	ha, err := DecodeHostAddr(b)
	if err != nil {
		return HostInfo{}, fmt.Errorf("hook: host %s: %w", address, err)
	}
	b, ok, err = readState(ctx, c, gov, TokenIDKey(ha.RegistrationTokenID), ns)
	if err != nil {
		return HostInfo{}, fmt.Errorf("hook: host %s: %w", address, err)
	}
	if !ok {
		return HostInfo{}, fmt.Errorf("%w: %s has no token entry", ErrNotRegistered, address)
	}
	tok, err := DecodeHostToken(b)
	if err != nil {
		return HostInfo{}, fmt.Errorf("hook: host %s: %w", address, err)
	}
	h := HostInfo{Address: acct.String(), HostAddr: ha, HostToken: tok}
	h.Active = Active(h.LastHeartbeatIndex, currentMomentStart(cfg, now, c.ValidatedLedger()),
		cfg.HostHeartbeatFreq, cfg.MomentSize)
	if h.Domain, err = accountDomain(ctx, c, address); err != nil {
		return HostInfo{}, err
	}
	return h, nil
}

// IsTransferee reports whether a registration transfer to account is
// pending (a TRANSFEREE_ADDR entry exists): then registering costs
// NowInEVRs instead of the registration fee.
func IsTransferee(ctx context.Context, c *evernode.Client, cfg *Config, account string) (bool, error) {
	acct, err := ParseAccountID(account)
	if err != nil {
		return false, err
	}
	gov, err := ParseAccountID(cfg.governor(c))
	if err != nil {
		return false, fmt.Errorf("hook: governor: %w", err)
	}
	_, ok, err := readState(ctx, c, gov, TransfereeAddrKey(acct), Namespace())
	if err != nil {
		return false, fmt.Errorf("hook: transferee %s: %w", account, err)
	}
	return ok, nil
}

// registrationURIPrefix is "evrhost".
const registrationURIPrefix = "evrhost"

// RegistrationTokenURI returns the URI the registry gives the registration
// token it mints for the registration transaction regTxHash: "evrhost" and
// the upper-case hex of the hash's first and last four bytes (23 bytes).
func RegistrationTokenURI(regTxHash [32]byte) []byte {
	return []byte(registrationURIPrefix + upperHex(regTxHash[:4]) + upperHex(regTxHash[28:]))
}

// URITokenID returns the id of the URIToken issuer mints with uri:
// SHA-512Half(0x0055 ‖ issuer ‖ uri).
func URITokenID(issuer AccountID, uri []byte) [32]byte {
	return codec.SHA512Half([]byte{0x00, 0x55}, issuer[:], uri)
}

// RegistrationTokenID returns the id of the registration token the
// registry mints for regTxHash.
func RegistrationTokenID(registry AccountID, regTxHash [32]byte) [32]byte {
	return URITokenID(registry, RegistrationTokenURI(regTxHash))
}

// RegistrationToken finds the registration URIToken account owns: issued by
// the registry, URI starting "evrhost". found is false when it owns none.
func RegistrationToken(ctx context.Context, c *evernode.Client, cfg *Config, account string) (id [32]byte, found bool, err error) {
	objs, err := c.AccountObjects(ctx, account, "uri_token")
	if err != nil {
		return id, false, fmt.Errorf("hook: tokens of %s: %w", account, err)
	}
	prefix := upperHex([]byte(registrationURIPrefix))
	for _, o := range objs {
		issuer, _ := o["Issuer"].(string)
		uri, _ := o["URI"].(string)
		index, _ := o["index"].(string)
		if issuer != cfg.RegistryAddress || !strings.HasPrefix(strings.ToUpper(uri), prefix) {
			continue
		}
		if tid, ok := decodeHex32(index); ok {
			return tid, true, nil
		}
	}
	return id, false, nil
}

// IsRegistered reports whether account is a registered host as §5.2 and the
// JS client define it: it owns the registry-issued registration URIToken
// and that token's id is the one its HOST_ADDR entry names.
func IsRegistered(ctx context.Context, c *evernode.Client, cfg *Config, account string) (bool, error) {
	acct, err := ParseAccountID(account)
	if err != nil {
		return false, err
	}
	return IsRegisteredID(ctx, c, cfg, acct)
}

// IsRegisteredID is IsRegistered for an address already parsed.
func IsRegisteredID(ctx context.Context, c *evernode.Client, cfg *Config, acct AccountID) (bool, error) {
	tid, found, err := RegistrationToken(ctx, c, cfg, acct.String())
	if err != nil || !found {
		return false, err
	}
	gov, err := ParseAccountID(cfg.governor(c))
	if err != nil {
		return false, fmt.Errorf("hook: governor: %w", err)
	}
	b, ok, err := readState(ctx, c, gov, HostAddrKey(acct), Namespace())
	if err != nil || !ok {
		return false, err
	}
	ha, err := DecodeHostAddr(b)
	if err != nil {
		return false, err
	}
	return ha.RegistrationTokenID == tid, nil
}
