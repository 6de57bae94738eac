package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/evernode-go/sdk/contract"
	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// hostOrder returns the -sort order called name: cheapest, most free
// instances or best reputation first, or by country or address.
func hostOrder(name string) (func(a, b *hook.HostInfo) int, bool) {
	switch name {
	case "price":
		return func(a, b *hook.HostInfo) int { return cmpPrice(a.LeaseAmount, b.LeaseAmount) }, true
	case "free":
		return func(a, b *hook.HostInfo) int { return cmp.Compare(b.FreeInstances(), a.FreeInstances()) }, true
	case "reputation":
		return func(a, b *hook.HostInfo) int { return cmp.Compare(b.Reputation, a.Reputation) }, true
	case "country":
		return func(a, b *hook.HostInfo) int { return cmp.Compare(a.CountryCode, b.CountryCode) }, true
	case "address":
		return func(a, b *hook.HostInfo) int { return cmp.Compare(a.Address, b.Address) }, true
	}
	return nil, false
}

func cmpPrice(a, b hook.XFL) int {
	ra, aok := a.Rat()
	rb, bok := b.Rat()
	if !aok || !bok {
		return cmp.Compare(a.String(), b.String())
	}
	return ra.Cmp(rb)
}

func (a *app) hosts(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var (
		f     hook.HostFilter
		all   bool
		order string
		limit int
	)
	fs.BoolVar(&all, "all", false, "include hosts that are not active")
	fs.StringVar(&f.Country, "country", "", "only hosts in this two-letter country")
	fs.StringVar(&f.MaxLeaseAmount, "max-price", "", "only hosts asking at most this many EVR per moment")
	var minFree, minRAM uint
	fs.UintVar(&minFree, "min-free", 0, "only hosts with at least this many free instances")
	fs.UintVar(&minRAM, "min-ram", 0, "only hosts offering at least this many MB of RAM")
	fs.StringVar(&order, "sort", "price", "order: price, free, reputation, country or address")
	fs.IntVar(&limit, "limit", 0, "print at most this many hosts (0: all)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	less, ok := hostOrder(order)
	if !ok {
		return usagef("hosts: -sort %q: want price, free, reputation, country or address", order)
	}
	if f.Country != "" && len(f.Country) != 2 {
		return usagef("hosts: -country %q: want a two-letter code", f.Country)
	}
	if f.MaxLeaseAmount != "" {
		if r, ok := new(big.Rat).SetString(f.MaxLeaseAmount); !ok || r.Sign() < 0 {
			return usagef("hosts: -max-price %q: want a decimal amount of EVR", f.MaxLeaseAmount)
		}
	}
	if limit < 0 {
		return usagef("hosts: -limit must not be negative")
	}
	f.ActiveOnly = !all
	f.MinFreeInstances, f.MinRAMMB = uint32(minFree), uint32(minRAM)

	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	cfg, err := hook.LoadConfig(ctx, c, c.Network().GovernorAddress)
	if err != nil {
		return err
	}
	hosts, err := hook.Hosts(ctx, c, cfg, &hook.HostsOptions{Filter: &f})
	if err != nil {
		return err
	}
	slices.SortStableFunc(hosts, func(x, y hook.HostInfo) int {
		return cmp.Or(less(&x, &y), cmp.Compare(x.Address, y.Address))
	})
	if limit > 0 && len(hosts) > limit {
		hosts = hosts[:limit]
	}
	return a.emit(hosts, func(w io.Writer) {
		if len(hosts) == 0 {
			fmt.Fprintln(w, "no hosts match")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ADDRESS\tCOUNTRY\tEVR/MOMENT\tFREE\tRAM MB\tREPUTATION\tACTIVE\tDESCRIPTION")
		for _, h := range hosts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d\t%d\t%v\t%s\n", h.Address, h.CountryCode, h.LeaseAmount,
				h.FreeInstances(), h.MaxInstances, h.RAMMB, h.Reputation, h.Active, h.Description)
		}
		tw.Flush()
	})
}

// tenantClient dials and builds the lease.Tenant of the -key account.
func (a *app) tenantClient(ctx context.Context, answerTimeout time.Duration) (*evernode.Client, *lease.Tenant, error) {
	w, err := a.wallet()
	if err != nil {
		return nil, nil, err
	}
	c, err := a.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := lease.NewTenant(c, w, &lease.TenantConfig{Timeout: answerTimeout})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, t, nil
}

// acquired is acquire's JSON output.
type acquired struct {
	Lease    string        `json:"lease"`
	Host     string        `json:"host"`
	Price    string        `json:"price_evr_per_moment"`
	Instance memo.Instance `json:"instance"`
	Endpoint string        `json:"endpoint"`
	OwnerKey string        `json:"owner_key_file"`
	Tx       string        `json:"tx"`
	Answer   string        `json:"answer_tx"`
}

func (a *app) acquire(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var host, ownerFile, contractID, image, config, offer string
	var wait time.Duration
	fs.StringVar(&host, "host", "", "the host's address (see hosts)")
	fs.StringVar(&ownerFile, "owner-key", "", "file holding the HotPocket user key that may upload; created if missing (default: the -key file with .owner appended)")
	fs.StringVar(&contractID, "contract-id", "", "the contract's UUID (default: a new one)")
	fs.StringVar(&image, "image", "evernode/sashimono:hp.latest-ubt.20.04", "the instance image to ask for")
	fs.StringVar(&config, "config", "", `hp.cfg overrides as JSON, e.g. {"contract":{"consensus":{"roundtime":200}}}`)
	fs.StringVar(&offer, "offer", "", "buy this lease token (default: the cheapest on offer)")
	fs.DurationVar(&wait, "wait", lease.DefaultTimeout, "how long to wait for the host's answer")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch {
	case host == "":
		return usagef("acquire: -host is required (see the hosts command)")
	case !validAddress(host):
		return usagef("acquire: -host %q is not an account address", host)
	case wait <= 0:
		return usagef("acquire: -wait must be positive")
	}
	if contractID == "" {
		var err error
		if contractID, err = memo.NewContractID(rand.Reader); err != nil {
			return err
		}
	}
	// Check what the user typed before any file is written: the owner key
	// comes next.
	check := memo.Requirement{OwnerPubkey: "ed" + strings.Repeat("00", 32), ContractID: contractID, Image: image}
	if config != "" {
		check.Config = json.RawMessage(config)
	}
	if err := check.Validate(); err != nil {
		return usagef("acquire: %v", err)
	}
	path, err := a.ownerKeyPath(ownerFile)
	if err != nil {
		return err
	}
	key, err := ownerKey(path, true)
	if err != nil {
		return err
	}
	c, t, err := a.tenantClient(ctx, wait)
	if err != nil {
		return err
	}
	defer c.Close()
	req := memo.Requirement{OwnerPubkey: "ed" + hex.EncodeToString(key.Public().(ed25519.PublicKey)),
		ContractID: contractID, Image: image}
	if config != "" {
		req.Config = json.RawMessage(config)
	}
	res, err := t.Acquire(ctx, host, req, &lease.AcquireOptions{OfferID: offer, Cheapest: offer == ""})
	if err != nil {
		return err
	}
	in := res.Instance
	out := acquired{Lease: in.Name, Host: host, Price: res.Token.URI.Price, Instance: in,
		Endpoint: in.Host() + ":" + in.UserPort, OwnerKey: path, Tx: res.Tx.Hash, Answer: res.Answer.Hash}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "lease      %s\nhost       %s at %s EVR per moment\ninstance   %s (node key %s)\ncontract   %s\nowner key  %s\ntx         %s, answered by %s\n",
			out.Lease, host, out.Price, out.Endpoint, in.Pubkey, in.ContractID, path, out.Tx, out.Answer)
		fmt.Fprintf(w, "next: tenant ... upload -instance %s -node-key %s -bin-path PROGRAM DIR\n", out.Endpoint, in.Pubkey)
	})
}

func (a *app) extend(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var id string
	var moments uint64
	fs.StringVar(&id, "lease", "", "the lease token id (acquire prints it)")
	fs.Uint64Var(&moments, "moments", 1, "how many moments to add")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if err := checkLeaseID(id); err != nil {
		return usagef("extend: %v", err)
	}
	if moments == 0 || moments > 1_000_000 {
		return usagef("extend: -moments %d: want 1 to 1000000", moments)
	}
	c, t, err := a.tenantClient(ctx, lease.DefaultTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := t.Extend(ctx, strings.ToUpper(id), moments, nil)
	if err != nil {
		return err
	}
	out := struct {
		Lease        string `json:"lease"`
		Moments      uint64 `json:"moments"`
		PaidEVR      string `json:"paid_evr"`
		ExpiryMoment uint32 `json:"expiry_moment"`
		Tx           string `json:"tx"`
		Answer       string `json:"answer_tx"`
	}{strings.ToUpper(id), moments, res.Amount.Value, res.ExpiryMoment, res.Tx.Hash, res.Answer.Hash}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "lease %s extended by %d moment(s) for %s EVR: it now expires at moment %d\ntx %s, answered by %s\n",
			out.Lease, moments, out.PaidEVR, out.ExpiryMoment, out.Tx, out.Answer)
	})
}

func (a *app) terminate(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var id string
	fs.StringVar(&id, "lease", "", "the lease token id (acquire prints it)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if err := checkLeaseID(id); err != nil {
		return usagef("terminate: %v", err)
	}
	c, t, err := a.tenantClient(ctx, lease.DefaultTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := t.Terminate(ctx, strings.ToUpper(id))
	if err != nil {
		return err
	}
	out := struct {
		Lease string `json:"lease"`
		Tx    string `json:"tx"`
	}{strings.ToUpper(id), res.Hash}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "lease %s terminated: tx %s (the host destroys the instance)\n", out.Lease, out.Tx)
	})
}

// leaseHeld is one lease in status.
type leaseHeld struct {
	Lease string `json:"lease"`
	Host  string `json:"host"`
	Price string `json:"price_evr_per_moment"`
}

func (a *app) status(ctx context.Context, fs *flag.FlagSet, args []string) error {
	nf := addNodeFlags(fs)
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	w, err := a.wallet()
	if err != nil {
		return err
	}
	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	cfg, err := hook.LoadConfig(ctx, c, c.Network().GovernorAddress)
	if err != nil {
		return err
	}
	info, err := c.AccountInfo(ctx, w.Address(), evernode.Validated)
	if err != nil {
		return fmt.Errorf("reading account %s: %w", w.Address(), err)
	}
	lines, err := c.AccountLines(ctx, w.Address(), cfg.EVRIssuerAddress)
	if err != nil {
		return err
	}
	evr := "0"
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			evr = l.Balance
		}
	}
	objs, err := c.AccountObjects(ctx, w.Address(), "uri_token")
	if err != nil {
		return err
	}
	out := struct {
		Account string      `json:"account"`
		XAH     string      `json:"xah"`
		EVR     string      `json:"evr"`
		Leases  []leaseHeld `json:"leases"`
		Node    any         `json:"node,omitempty"`
	}{Account: w.Address(), XAH: dropsToXAH(info.AccountData.Balance), EVR: evr, Leases: []leaseHeld{}}
	for _, o := range objs {
		uri, _ := o["URI"].(string)
		issuer, _ := o["Issuer"].(string)
		id, _ := o["index"].(string)
		u, err := lease.ParseURIHex(uri)
		if err != nil {
			continue // not a lease token
		}
		out.Leases = append(out.Leases, leaseHeld{Lease: strings.ToUpper(id), Host: issuer, Price: u.Price})
	}
	if nf.instance != "" || nf.nodeKey != "" {
		nc, err := nf.dial(ctx, a)
		if err != nil {
			return err
		}
		defer nc.Close()
		st, err := nc.Stat(ctx)
		if err != nil {
			return err
		}
		out.Node = st
	}
	return a.emit(out, func(wr io.Writer) {
		fmt.Fprintf(wr, "account  %s\nbalance  %s XAH, %s EVR\nleases   %d\n", out.Account, out.XAH, out.EVR, len(out.Leases))
		for _, l := range out.Leases {
			fmt.Fprintf(wr, "  %s from %s at %s EVR per moment\n", l.Lease, l.Host, l.Price)
		}
		if st, ok := out.Node.(*contract.Stat); ok {
			fmt.Fprintf(wr, "node     %s: HotPocket %s, ledger %d, round time %d ms, %d UNL node(s), vote status %s\n",
				nf.nodeKey, st.HPVersion, st.LedgerSeqNo, st.RoundTime, len(st.UNL), st.VoteStatus)
		}
	})
}

// dropsToXAH writes a drops balance in XAH.
func dropsToXAH(drops string) string {
	r, ok := new(big.Rat).SetString(drops + "/1000000")
	if !ok {
		return drops + " drops"
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), ".")
}

func checkLeaseID(id string) error {
	if id == "" {
		return fmt.Errorf("-lease is required (acquire and status print lease ids)")
	}
	if b, err := hex.DecodeString(id); err != nil || len(b) != 32 {
		return fmt.Errorf("-lease %q: want 64 hex digits", id)
	}
	return nil
}
