package lease

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// DefaultTimeout is how long a tenant waits for a host's answer by default:
// 300 s, as evernode-js-client.
const DefaultTimeout = 300 * time.Second

// HostChecker decides whether a host may be leased from. The default checks
// the Evernode registry (package hook) as TenantClient.getLeaseHost does.
type HostChecker interface {
	// CheckHost returns nil for a registered, active host, an error
	// matching ErrHostInvalid or ErrHostInactive otherwise, or a read error.
	// The Tenant parses the host's address once, where it enters the API,
	// and hands the parsed id down.
	CheckHost(ctx context.Context, host hook.AccountID) error
}

// RegistryChecker is the default HostChecker: the host must own the
// registry-issued registration token that its HOST_ADDR entry names, and be
// active by the heartbeat rule.
type RegistryChecker struct {
	Client *evernode.Client
	Config *hook.Config
}

// CheckHost implements HostChecker.
func (r RegistryChecker) CheckHost(ctx context.Context, host hook.AccountID) error {
	reg, err := hook.IsRegisteredID(ctx, r.Client, r.Config, host)
	if err != nil {
		return fmt.Errorf("lease: checking host %s: %w", host, err)
	}
	if !reg {
		return fmt.Errorf("%w: %s", ErrHostInvalid, host)
	}
	info, err := hook.HostByID(ctx, r.Client, r.Config, host)
	if errors.Is(err, hook.ErrNotRegistered) {
		return fmt.Errorf("%w: %s", ErrHostInvalid, host)
	}
	if err != nil {
		return fmt.Errorf("lease: checking host %s: %w", host, err)
	}
	if !info.Active {
		return fmt.Errorf("%w: %s", ErrHostInactive, host)
	}
	return nil
}

// TenantConfig configures a Tenant. The zero value works for a Wallet
// signer on a network whose GovernorAddress is set.
type TenantConfig struct {
	// Account is the tenant's address. Default: the signer's Address()
	// when it has one (a *evernode.Wallet does).
	Account string
	// Hook is the Evernode configuration (EVR issuer, moments). Default:
	// loaded from the network's governor on first use.
	Hook *hook.Config
	// Hosts vets hosts before acquiring or extending. Default:
	// RegistryChecker on the client and Hook.
	Hosts HostChecker
	// Keys opens the hosts' encrypted answers. Default: the signer's
	// MessageKey() when it has one.
	Keys memo.KeyHolder
	// Standard is the lease token standard. Default: NFToken on an XRPL
	// network, URIToken otherwise.
	Standard Standard
	// Timeout bounds the wait for a host's answer. Default DefaultTimeout.
	Timeout time.Duration
	// Logger receives debug logs. Default: silent.
	Logger *slog.Logger
}

// Tenant leases instances from hosts: acquire, extend, terminate. It is
// safe for concurrent use; it does not own the client.
type Tenant struct {
	c      *evernode.Client
	s      evernode.Signer
	addr   string
	keys   memo.KeyHolder
	std    Standard
	hosts  HostChecker
	wait   time.Duration
	log    *slog.Logger
	mu     sync.Mutex
	hookCf *hook.Config
}

type addresser interface{ Address() string }
type messageKeyer interface{ MessageKey() *memo.PrivateKey }

// NewTenant returns a Tenant acting through c and signing with s.
func NewTenant(c *evernode.Client, s evernode.Signer, cfg *TenantConfig) (*Tenant, error) {
	var o TenantConfig
	if cfg != nil {
		o = *cfg
	}
	if c == nil || s == nil {
		return nil, fmt.Errorf("%w: nil client or signer", ErrInvalid)
	}
	t := &Tenant{c: c, s: s, addr: o.Account, keys: o.Keys, std: standardFor(o.Standard, c.Network()),
		hosts: o.Hosts, wait: o.Timeout, log: o.Logger, hookCf: o.Hook}
	if t.addr == "" {
		a, ok := s.(addresser)
		if !ok {
			return nil, fmt.Errorf("%w: TenantConfig.Account is required for this signer", ErrInvalid)
		}
		t.addr = a.Address()
	}
	if t.keys == nil {
		if k, ok := s.(messageKeyer); ok {
			t.keys = k.MessageKey()
		}
	}
	if t.wait <= 0 {
		t.wait = DefaultTimeout
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	return t, nil
}

// Address returns the tenant's account.
func (t *Tenant) Address() string { return t.addr }

func (t *Tenant) config(ctx context.Context) (*hook.Config, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hookCf != nil {
		return t.hookCf, nil
	}
	cf, err := hook.LoadConfig(ctx, t.c, t.c.Network().GovernorAddress)
	if err != nil {
		return nil, fmt.Errorf("lease: loading the Evernode configuration: %w", err)
	}
	t.hookCf = cf
	return cf, nil
}

// parseHost parses a host address where it enters the API: a bad one is
// ErrInvalid before anything is read or signed.
func parseHost(host string) (hook.AccountID, error) {
	id, err := hook.ParseAccountID(host)
	if err != nil {
		return id, fmt.Errorf("%w: host: %w", ErrInvalid, err)
	}
	return id, nil
}

func (t *Tenant) checkHost(ctx context.Context, cf *hook.Config, host hook.AccountID) error {
	hc := t.hosts
	if hc == nil {
		hc = RegistryChecker{Client: t.c, Config: cf}
	}
	return hc.CheckHost(ctx, host)
}

// PrepareAccount makes the tenant's account ready to lease, as the JS
// TenantClient's prepareAccount and more: it sets the account's MessageKey
// to the key that opens the hosts' answers (TenantConfig.Keys, by default
// the signer's own key) when there is none, and opens an EVR trust line
// (limit hook.TrustLineLimit) when there is none. Without a MessageKey a
// host has nothing to encrypt its answer to, and the EVR paid is lost to
// the tenant. It returns the transactions it submitted, none when the
// account was ready; an account whose MessageKey is a key this tenant does
// not hold is an ErrNoMessageKey error (change it with an AccountSet).
func (t *Tenant) PrepareAccount(ctx context.Context) ([]evernode.TxResult, error) {
	cf, err := t.config(ctx)
	if err != nil {
		return nil, err
	}
	info, err := t.c.AccountInfo(ctx, t.addr, evernode.Validated)
	if err != nil {
		return nil, fmt.Errorf("lease: reading %s: %w", t.addr, err)
	}
	var txs []evernode.Transaction
	switch mk := info.AccountData.MessageKey; {
	case mk == "" && t.keys == nil:
		return nil, fmt.Errorf("%w: no key to set as %s's MessageKey: set TenantConfig.Keys", ErrNoMessageKey, t.addr)
	case mk == "":
		pub := t.keys.PublicKey()
		txs = append(txs, evernode.AccountSet{Common: evernode.Common{Account: t.addr}, MessageKey: pub[:]})
	case t.keys == nil || !strings.EqualFold(mk, hexUpper(keyBytes(t.keys))):
		return nil, fmt.Errorf("%w: %s's MessageKey %s is not a key this tenant holds", ErrNoMessageKey, t.addr, mk)
	}
	lines, err := t.c.AccountLines(ctx, t.addr, cf.EVRIssuerAddress)
	if err != nil {
		return nil, fmt.Errorf("lease: trust lines of %s: %w", t.addr, err)
	}
	hasEVR := false
	for _, l := range lines {
		hasEVR = hasEVR || l.Currency == evernode.EVRCurrency
	}
	if !hasEVR {
		txs = append(txs, evernode.TrustSet{Common: evernode.Common{Account: t.addr, Flags: evernode.TfSetNoRipple},
			LimitAmount: cf.EVR(hook.TrustLineLimit)})
	}
	var out []evernode.TxResult
	for _, tx := range txs {
		res, err := t.c.SubmitAndWait(ctx, t.s, tx)
		if err != nil {
			return out, fmt.Errorf("lease: preparing %s: %w", t.addr, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func keyBytes(k memo.KeyHolder) []byte {
	pub := k.PublicKey()
	return pub[:]
}

// checkReplyKey makes sure, before paying, that the host will have a key
// to answer to and that the tenant can open the answer: the requirement
// names one (or "none"), or the account's MessageKey is the key held.
func (t *Tenant) checkReplyKey(ctx context.Context, req memo.Requirement, keys memo.KeyHolder) error {
	if req.MessageKey != "" {
		return nil // the caller's explicit choice, checked by req.Validate
	}
	info, err := t.c.AccountInfo(ctx, t.addr, evernode.Validated)
	if err != nil {
		return fmt.Errorf("lease: reading %s's MessageKey: %w", t.addr, err)
	}
	mk := info.AccountData.MessageKey
	switch {
	case mk == "":
		return fmt.Errorf("%w: %s has none, so the host could not answer and the EVR would be lost: call PrepareAccount, or name a key in Requirement.MessageKey", ErrNoMessageKey, t.addr)
	case keys == nil:
		return fmt.Errorf("%w: no key to open the host's answer: set TenantConfig.Keys or AcquireOptions.Keys", ErrNoMessageKey)
	case !strings.EqualFold(mk, hexUpper(keyBytes(keys))):
		return fmt.Errorf("%w: %s's MessageKey %s is not the key that would open the answer", ErrNoMessageKey, t.addr, mk)
	}
	return nil
}

// Offers returns host's lease offers open to this tenant and priced in EVR,
// after checking the host is registered and active.
func (t *Tenant) Offers(ctx context.Context, host string) ([]Token, error) {
	id, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	return t.offers(ctx, host, id)
}

func (t *Tenant) offers(ctx context.Context, host string, id hook.AccountID) ([]Token, error) {
	cf, err := t.config(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.checkHost(ctx, cf, id); err != nil {
		return nil, err
	}
	all, err := Offers(ctx, t.c, host, t.std)
	if err != nil {
		return nil, err
	}
	var out []Token
	for _, o := range all {
		if (o.Destination == "" || o.Destination == t.addr) && o.Amount.IsEVR(cf.EVRIssuerAddress) {
			out = append(out, o)
		}
	}
	return out, nil
}

// AcquireOptions tunes Acquire. A nil *AcquireOptions means the defaults.
type AcquireOptions struct {
	// OfferID picks the offer with this token id (URITokenID or NFTokenID;
	// the NFToken sell offer's index also matches). Default: the first
	// offer, or the cheapest with Cheapest.
	OfferID  string
	Cheapest bool
	// MaxPrice is the most EVR the tenant pays for the offer (a lease's
	// first moment), decimal text: offers above it are passed over, and
	// with none left Acquire fails with ErrNoOffer. Default: any price.
	MaxPrice string
	// MessageKey is the key the requirement is encrypted to: empty for the
	// host's MessageKey, 66 hex digits for another key, or "none" to send
	// it in the clear (URITokens only).
	MessageKey string
	// Keys opens the host's answer. Default: the tenant's Keys. Set it
	// when the requirement's MessageKey asks for an answer to another key.
	Keys memo.KeyHolder
	// Rand supplies encryption randomness. Default crypto/rand.
	Rand io.Reader
	// Seal fixes the secp256k1 IV and ephemeral key (tests).
	Seal *memo.SealOptions
	// Timeout bounds the wait for the answer. Default: the Tenant's.
	Timeout time.Duration
}

// AcquireResult is a granted lease.
type AcquireResult struct {
	// Instance is what the host created.
	Instance memo.Instance
	// Token is the offer bought; Ref the acquire's hash; Answer the host's
	// evnAcquireSuccess.
	Token  Token
	Ref    string
	Tx     evernode.TxResult
	Answer Event
}

// Acquire buys a lease from host and waits for the answer through a
// subscription opened before submitting (no polling). It returns the
// instance, or an error: ErrInvalid, ErrHostInvalid, ErrHostInactive,
// ErrNoOffer, ErrNoMessageKey (the host has none, or the tenant's account
// has none or one the tenant cannot open: checked before paying, see
// PrepareAccount), a *evernode.TxError for a failed purchase, an
// *AcquireError when the host refused (and refunded), an *AnswerError when
// the host's answer cannot be read (the lease is held), or ErrTimeout.
func (t *Tenant) Acquire(ctx context.Context, host string, req memo.Requirement, opts *AcquireOptions) (*AcquireResult, error) {
	var o AcquireOptions
	if opts != nil {
		o = *opts
	}
	// Everything the caller gave is checked before anything is read or
	// signed.
	hostID, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("%w: requirement: %w", ErrInvalid, err)
	}
	if o.OfferID != "" {
		if _, err := parseID("offer id", o.OfferID); err != nil {
			return nil, err
		}
	}
	maxPrice, err := parseMaxPrice(o.MaxPrice)
	if err != nil {
		return nil, err
	}
	keys := o.Keys
	if keys == nil {
		keys = t.keys
	}
	if err := t.checkReplyKey(ctx, req, keys); err != nil {
		return nil, err
	}
	offers, err := t.offers(ctx, host, hostID)
	if err != nil {
		return nil, err
	}
	offer, err := pickOffer(offers, &o, maxPrice)
	if err != nil {
		return nil, err
	}
	payload, err := t.payload(ctx, host, req, &o)
	if err != nil {
		return nil, err
	}
	var tx evernode.Transaction
	if t.std == NFToken {
		tx, err = AcquireNFTTx(t.addr, offer, payload)
	} else {
		tx, err = AcquireTx(t.addr, offer, payload)
	}
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = t.wait
	}
	res, ev, err := t.submitAndAwait(ctx, host, tx, keys, timeout, memo.EventAcquireSuccess, memo.EventAcquireError)
	if err != nil {
		return nil, fmt.Errorf("lease: acquire from %s: %w", host, err)
	}
	if ev.Type == memo.EventAcquireError {
		return nil, &AcquireError{Reason: ev.Reason, RawReason: ev.RawReason, Ref: res.Hash, Hash: ev.Hash,
			Refund: t.evrValue(ctx, ev.Amount), RefundAmount: ev.Amount}
	}
	if ev.Instance == nil {
		perr := ev.PayloadErr
		if perr == nil {
			perr = fmt.Errorf("%w: answer without an instance", ErrMalformed)
		}
		return nil, &AnswerError{TokenID: offer.ID, Ref: res.Hash, Hash: ev.Hash, Payload: ev.Payload, Err: perr}
	}
	return &AcquireResult{Instance: *ev.Instance, Token: offer, Ref: res.Hash, Tx: res, Answer: ev}, nil
}

// evrValue is a's value when a is real EVR, else "".
func (t *Tenant) evrValue(ctx context.Context, a evernode.Amount) string {
	cf, err := t.config(ctx)
	if err != nil || !a.IsEVR(cf.EVRIssuerAddress) {
		return ""
	}
	return a.Value
}

// parseMaxPrice reads AcquireOptions.MaxPrice; nil means no limit.
func parseMaxPrice(s string) (*big.Rat, error) {
	if s == "" {
		return nil, nil
	}
	r, err := evernode.EVR("-", s).Rat()
	if err != nil || r.Sign() <= 0 {
		return nil, fmt.Errorf("%w: MaxPrice %q is not a positive decimal", ErrInvalid, s)
	}
	return r, nil
}

func pickOffer(all []Token, o *AcquireOptions, maxPrice *big.Rat) (Token, error) {
	offers := all
	if maxPrice != nil {
		offers = nil
		for _, t := range all {
			if p, err := t.Amount.Rat(); err == nil && p.Cmp(maxPrice) <= 0 {
				offers = append(offers, t)
			}
		}
		if len(offers) == 0 && len(all) > 0 {
			return Token{}, fmt.Errorf("%w: none at %s EVR or less", ErrNoOffer, o.MaxPrice)
		}
	}
	if len(offers) == 0 {
		return Token{}, ErrNoOffer
	}
	if o.OfferID != "" {
		for _, t := range offers {
			if strings.EqualFold(t.ID, o.OfferID) || (t.OfferID != "" && strings.EqualFold(t.OfferID, o.OfferID)) {
				return t, nil
			}
		}
		return Token{}, fmt.Errorf("%w: %s", ErrNoOffer, o.OfferID)
	}
	best := offers[0]
	if o.Cheapest {
		for _, t := range offers[1:] {
			if c, err := t.Amount.Cmp(best.Amount); err == nil && c < 0 {
				best = t
			}
		}
	}
	return best, nil
}

// payload seals the requirement as MessageKey says.
func (t *Tenant) payload(ctx context.Context, host string, req memo.Requirement, o *AcquireOptions) ([]byte, error) {
	var to *memo.PublicKey
	switch {
	case o.MessageKey == memo.MessageKeyNone:
		if t.std == NFToken {
			return nil, fmt.Errorf("%w: NFToken leases are always encrypted", ErrInvalid)
		}
	case o.MessageKey != "":
		k, err := memo.ParsePublicKey(o.MessageKey)
		if err != nil {
			return nil, fmt.Errorf("%w: MessageKey must be a 66-hex-digit account key or %q: %v", ErrInvalid, memo.MessageKeyNone, err)
		}
		to = &k
	default:
		k, err := messageKeyOf(ctx, t.c, host)
		if err != nil {
			return nil, err
		}
		to = &k
	}
	if t.std == NFToken {
		s, err := memo.EncryptJSON(o.Rand, *to, req, o.Seal)
		return []byte(s), err
	}
	return memo.SealPayload(o.Rand, to, req, o.Seal)
}

// messageKeyOf reads an account's MessageKey.
func messageKeyOf(ctx context.Context, c *evernode.Client, account string) (memo.PublicKey, error) {
	info, err := c.AccountInfo(ctx, account, evernode.Validated)
	if err != nil {
		return memo.PublicKey{}, fmt.Errorf("lease: reading %s's MessageKey: %w", account, err)
	}
	if info.AccountData.MessageKey == "" {
		return memo.PublicKey{}, fmt.Errorf("%w: %s", ErrNoMessageKey, account)
	}
	k, err := memo.ParsePublicKey(info.AccountData.MessageKey)
	if err != nil {
		return memo.PublicKey{}, fmt.Errorf("%w: %s has an unusable MessageKey", ErrNoMessageKey, account)
	}
	return k, nil
}

// submitAndAwait subscribes to the tenant's account, submits tx and waits for
// an answer from host referencing it.
func (t *Tenant) submitAndAwait(ctx context.Context, host string, tx evernode.Transaction, keys memo.KeyHolder, timeout time.Duration, types ...memo.EventType) (evernode.TxResult, Event, error) {
	sub, err := t.c.SubscribeAccounts(ctx, []string{t.addr}, nil)
	if err != nil {
		return evernode.TxResult{}, Event{}, err
	}
	defer sub.Close()
	res, err := t.c.SubmitAndWait(ctx, t.s, tx)
	if err != nil {
		return evernode.TxResult{}, Event{}, err
	}
	t.log.Debug("lease: request validated", "hash", res.Hash, "ledger", res.LedgerIndex)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	eo := &ExtractOptions{Keys: keys, Standard: t.std}
	match := func(r evernode.TxResult) (Event, bool) {
		ev, ok, _ := ExtractEvent(wctx, r, t.addr, eo)
		if !ok || ev.From != host || ev.Ref != res.Hash {
			return Event{}, false
		}
		for _, ty := range types {
			if ev.Type == ty {
				return ev, true
			}
		}
		return Event{}, false
	}
	for {
		r, err := sub.Next(wctx)
		var gap *evernode.GapError
		switch {
		case errors.As(err, &gap):
			// Look for the answer in the ledgers the stream lost.
			txs, aerr := t.c.AccountTx(wctx, t.addr, &evernode.AccountTxOptions{MinLedger: gap.From, MaxLedger: gap.To})
			if aerr == nil {
				for _, r := range txs {
					if ev, ok := match(r); ok {
						return res, ev, nil
					}
				}
			}
			continue
		case err != nil:
			if ctx.Err() == nil && wctx.Err() != nil {
				return res, Event{}, fmt.Errorf("%w (request %s)", ErrTimeout, res.Hash)
			}
			return res, Event{}, err
		}
		if ev, ok := match(r); ok {
			return res, ev, nil
		}
	}
}

// ExtendOptions tunes Extend. A nil *ExtendOptions means the defaults.
type ExtendOptions struct {
	// Timeout bounds the wait for the answer. Default: the Tenant's.
	Timeout time.Duration
}

// ExtendResult is a granted extension.
type ExtendResult struct {
	// ExpiryMoment is the lease's new expiry moment.
	ExpiryMoment uint32
	Ref          string
	Amount       evernode.Amount
	Tx           evernode.TxResult
	Answer       Event
}

// Extend pays for moments more of the lease tokenID that this tenant holds:
// ExtendAmount (moments × the per-moment price in the token's URI, raised
// just enough that a sashimono host credits all of them) to the token's
// issuer. It waits for the host's answer like Acquire and returns the new
// expiry moment, or an *ExtendError (the host refunded), ErrTimeout, …
func (t *Tenant) Extend(ctx context.Context, tokenID string, moments uint64, opts *ExtendOptions) (*ExtendResult, error) {
	var o ExtendOptions
	if opts != nil {
		o = *opts
	}
	if _, err := parseID("lease token id", tokenID); err != nil {
		return nil, err
	}
	if moments == 0 {
		return nil, fmt.Errorf("%w: zero moments", ErrInvalid)
	}
	cf, err := t.config(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := ownedToken(ctx, t.c, t.std, tokenID, t.addr)
	if err != nil {
		return nil, err
	}
	issuer, err := parseHost(tok.Issuer)
	if err != nil {
		return nil, err
	}
	if err := t.checkHost(ctx, cf, issuer); err != nil {
		return nil, err
	}
	amt, err := ExtendAmount(tok.URI, cf.EVRIssuerAddress, moments)
	if err != nil {
		return nil, err
	}
	tx, err := ExtendTx(t.addr, tok.Issuer, tok.ID, amt)
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = t.wait
	}
	res, ev, err := t.submitAndAwait(ctx, tok.Issuer, tx, t.keys, timeout, memo.EventExtendSuccess, memo.EventExtendError)
	if err != nil {
		return nil, fmt.Errorf("lease: extend %s: %w", tokenID, err)
	}
	if ev.Type == memo.EventExtendError {
		return nil, &ExtendError{Reason: ev.Reason, RawReason: ev.RawReason, Ref: res.Hash, Hash: ev.Hash,
			Refund: t.evrValue(ctx, ev.Amount), RefundAmount: ev.Amount}
	}
	return &ExtendResult{ExpiryMoment: ev.ExpiryMoment, Ref: res.Hash, Amount: amt, Tx: res, Answer: ev}, nil
}

// Terminate asks the host to end the lease tokenID now (evnTerminateLease,
// 1 drop to the token's issuer). The host answers nothing; it burns the
// token.
func (t *Tenant) Terminate(ctx context.Context, tokenID string) (evernode.TxResult, error) {
	if _, err := parseID("lease token id", tokenID); err != nil {
		return evernode.TxResult{}, err
	}
	tok, err := ownedToken(ctx, t.c, t.std, tokenID, t.addr)
	if err != nil {
		return evernode.TxResult{}, err
	}
	tx, err := TerminateTx(t.addr, tok.Issuer, tok.ID)
	if err != nil {
		return evernode.TxResult{}, err
	}
	res, err := t.c.SubmitAndWait(ctx, t.s, tx)
	if err != nil {
		return res, fmt.Errorf("lease: terminate %s: %w", tokenID, err)
	}
	return res, nil
}
