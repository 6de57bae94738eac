package hook

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/evernode-go/sdk/evernode"
)

// The host flows below do in one call what evernode-js-client's HostClient
// does: they read the ledger, submit, and wait for what the registry hook
// emits. On Xahau a hook's emitted transactions (the registration token
// mint and its offer, the transfer buy, the deregistration burn) apply in a
// later ledger than the transaction that caused them, so every wait reads
// validated ledgers one after another until the effect shows, and never
// assumes it is in the same ledger. The flows are for URIToken networks
// (Xahau), where the registry lives.

// DefaultEmissionTimeout is how long a flow waits for what the registry
// emits: 60 s, as evernode-js-client's OFFER_WAIT_TIMEOUT.
const DefaultEmissionTimeout = 60 * time.Second

// emissionLedgers is how many ledgers an emitted transaction can take: the
// hooks set FirstLedgerSequence = current + 1 and LastLedgerSequence =
// current + 5, so after that it has applied or never will.
const emissionLedgers = 6

// VoteValidationErr is the prefix of the heartbeat hook's message for a
// vote it skipped (an unknown candidate, or one whose vote is closed).
const VoteValidationErr = "VOTE_VALIDATION_ERR"

// Errors of the host flows, matched with errors.Is.
var (
	// ErrRegistered: the account is already a registered host (or, for a
	// transfer, the transferee is).
	ErrRegistered = errors.New("hook: host already registered")
	// ErrUnofferedLeases: the host holds lease tokens it minted but has not
	// offered. The JS client skips the heartbeat then; SendHeartbeat
	// refuses, so that the host offers them first.
	ErrUnofferedLeases = errors.New("hook: lease tokens minted but not offered")
	// ErrEmissionTimeout: what the registry emits did not show within
	// FlowOptions.Timeout. The transaction that triggered it is validated;
	// the error says which.
	ErrEmissionTimeout = errors.New("hook: timed out waiting for the registry")
	// ErrNoRegistrationToken: the registry recorded the host but its
	// registration token never reached it (the emission failed or expired).
	ErrNoRegistrationToken = errors.New("hook: registration token not issued")
	// ErrNotReputationAccount: the sender of a deregistration from a
	// reputation account is not the account the host's WalletLocator
	// names; the registry would reject it.
	ErrNotReputationAccount = errors.New("hook: not the host's reputation account")
	// ErrInsufficientFunds is matched by every *FundsError.
	ErrInsufficientFunds = errors.New("hook: insufficient funds")
)

// FundsError is a flow refused before paying because the account cannot
// afford it. errors.Is(err, ErrInsufficientFunds) is true.
type FundsError struct {
	Account string
	// Currency is "EVR" or "XAH".
	Currency string
	// Have and Need are decimal amounts in Currency units: what the account
	// can spend and the least the flow needs. For XAH, Have is the balance
	// above the reserve the account already needs, and Need the reserve
	// increment of the registration token plus a lower bound of the fees.
	Have, Need string
}

func (e *FundsError) Error() string {
	return fmt.Sprintf("hook: %s has %s %s to spend, needs at least %s", e.Account, e.Have, e.Currency, e.Need)
}

// Is makes errors.Is(err, ErrInsufficientFunds) true.
func (e *FundsError) Is(target error) bool { return target == ErrInsufficientFunds }

// VoteError is a heartbeat whose vote the heartbeat hook skipped
// (VOTE_VALIDATION_ERR). The heartbeat itself counted when Tx is nil;
// otherwise Tx is the failed transaction.
type VoteError struct {
	// Message is the hook's message, e.g. "VOTE_VALIDATION_ERR - Vote
	// skipped, Invalid or vote closed candidate."
	Message string
	// Hash is the heartbeat's hash.
	Hash string
	// Tx is set when the heartbeat failed as well.
	Tx *evernode.TxError
}

func (e *VoteError) Error() string { return "hook: heartbeat " + e.Hash + ": " + e.Message }

// Unwrap returns the transaction error, if the heartbeat failed.
func (e *VoteError) Unwrap() error {
	if e.Tx == nil {
		return nil
	}
	return e.Tx
}

// FlowOptions tunes the host flows. A nil *FlowOptions means the defaults.
type FlowOptions struct {
	// Account is the host's address. Default: the signer's Address() (an
	// *evernode.Wallet has one).
	Account string
	// Timeout bounds each wait for what the registry emits. Default
	// DefaultEmissionTimeout.
	Timeout time.Duration
}

func (o *FlowOptions) resolve(s evernode.Signer) (string, time.Duration, error) {
	var f FlowOptions
	if o != nil {
		f = *o
	}
	if s == nil {
		return "", 0, invalid("signer", "nil")
	}
	if f.Account == "" {
		a, ok := s.(interface{ Address() string })
		if !ok {
			return "", 0, invalid("Account", "required for a signer without Address()")
		}
		f.Account = a.Address()
	}
	if f.Timeout <= 0 {
		f.Timeout = DefaultEmissionTimeout
	}
	return f.Account, f.Timeout, nil
}

// PrepareHostAccount makes an account ready to host, as HostClient's
// prepareAccount: it clears DefaultRipple, sets MessageKey to the signer's
// public key when there is none, sets Domain (lower-cased) when it differs,
// and opens an EVR trust line when there is none (PrepareAccount builds
// these). It returns the transactions it submitted, none when the account
// was ready.
func PrepareHostAccount(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, domain string, opts *FlowOptions) ([]evernode.TxResult, error) {
	acct, _, err := opts.resolve(s)
	if err != nil {
		return nil, err
	}
	if domain == "" {
		return nil, invalid("domain", "empty")
	}
	st, err := ReadAccountState(ctx, c, cfg, acct)
	if err != nil {
		return nil, err
	}
	txs, err := PrepareAccount(cfg, st, s.PublicKey(), domain)
	if err != nil {
		return nil, err
	}
	var out []evernode.TxResult
	for _, tx := range txs {
		res, err := c.SubmitAndWait(ctx, s, tx)
		if err != nil {
			return out, fmt.Errorf("hook: preparing %s: %w", acct, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// RegisterResult is what RegisterHost did.
type RegisterResult struct {
	// TokenID is the registration token the host now owns.
	TokenID [32]byte
	// Burned lists the leftover lease tokens of an earlier registration
	// that were burned first.
	Burned []string
	// Payment is the registration payment; zero when a registration already
	// paid for was completed instead (AcceptRegistrationToken).
	Payment evernode.TxResult
	// Buy is the purchase of the registration token.
	Buy evernode.TxResult
	// Transferee is true when the host took over a registration
	// transferred to it, paying NowInEVRs.
	Transferee bool
}

// RegisterHost registers the signer's account as a host, as HostClient's
// register: it refuses an account already registered (ErrRegistered) or an
// invalid reg, burns lease tokens left from an earlier registration,
// completes a registration already paid for when there is one (so a crash
// after paying never pays twice), pays the registration fee (NowInEVRs
// when a transfer to the account is pending), waits for the registry's
// offer of the registration token (URI "evrhost" and the payment's hash,
// or the transferred token) to the host, waits one more ledger and buys
// it. Before paying it checks the account holds the fee in EVR and, as a
// lower bound, the XAH for the token's reserve and the fees, and refuses
// with a *FundsError (ErrInsufficientFunds) otherwise. Prepare the account
// first (PrepareHostAccount): the registry needs the EVR trust line and
// tenants the MessageKey.
func RegisterHost(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, reg Registration, opts *FlowOptions) (*RegisterResult, error) {
	acct, timeout, err := opts.resolve(s)
	if err != nil {
		return nil, err
	}
	if err := reg.Validate(); err != nil {
		return nil, err
	}
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return nil, err
	}
	registry, err := ParseAccountID(cfg.RegistryAddress)
	if err != nil {
		return nil, err
	}
	ok, err := IsRegistered(ctx, c, cfg, acct)
	if err != nil {
		return nil, err
	}
	if ok {
		return nil, fmt.Errorf("%w: %s", ErrRegistered, acct)
	}
	out := &RegisterResult{}
	if out.Burned, err = burnLeftoverLeases(ctx, c, s, acct); err != nil {
		return out, err
	}
	if id, buy, ok, err := acceptRegToken(ctx, c, s, cfg, acct, timeout); err != nil || ok {
		out.TokenID, out.Buy = id, buy
		return out, err
	}

	tf, pending, err := transfereeOf(ctx, c, cfg, acct)
	if err != nil {
		return out, err
	}
	out.Transferee = pending
	pay, err := Register(cfg, acct, reg, &RegisterOptions{Transferee: pending})
	if err != nil {
		return out, err
	}
	if err := checkRegistrationFunds(ctx, c, cfg, acct, pay.Amount); err != nil {
		return out, err
	}
	if out.Payment, err = c.SubmitAndWait(ctx, s, pay); err != nil {
		return out, fmt.Errorf("hook: registration payment: %w", err)
	}
	hash, ok := decodeHex32(out.Payment.Hash)
	if !ok {
		return out, malformed("registration hash %q", out.Payment.Hash)
	}
	want := offerWant{id: RegistrationTokenID(registry, hash), owner: cfg.RegistryAddress, to: acct,
		uri: RegistrationTokenURI(hash)}
	if pending {
		want.id, want.uri = tf.TokenID, nil
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	offer, seen, err := waitOffer(wctx, c, want, 0)
	if err != nil {
		return out, emissionErr(ctx, err, "the registration token offer after "+out.Payment.Hash)
	}
	out.TokenID = want.id
	out.Buy, err = buyOffer(wctx, c, s, acct, want.id, offer, seen)
	return out, err
}

// checkRegistrationFunds refuses a registration the account cannot
// complete: fewer EVR than fee, or too little XAH above its reserve for
// the registration token it will own and two transactions at the base
// fee. The XAH check is a lower bound (hooks charge more than the base
// fee), so it never refuses an account that could register.
func checkRegistrationFunds(ctx context.Context, c *evernode.Client, cfg *Config, acct string, fee evernode.Amount) error {
	need, ok := new(big.Rat).SetString(fee.Value)
	if !ok {
		return malformed("registration fee %q", fee.Value)
	}
	have := new(big.Rat)
	lines, err := c.AccountLines(ctx, acct, cfg.EVRIssuerAddress)
	if err != nil {
		return fmt.Errorf("hook: trust lines of %s: %w", acct, err)
	}
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			if _, ok := have.SetString(l.Balance); !ok {
				return malformed("EVR balance %q of %s", l.Balance, acct)
			}
		}
	}
	if have.Cmp(need) < 0 {
		return &FundsError{Account: acct, Currency: "EVR", Have: ratString(have), Need: ratString(need)}
	}

	info, err := c.AccountInfo(ctx, acct, evernode.Validated)
	if err != nil {
		return fmt.Errorf("hook: account %s: %w", acct, err)
	}
	srv, err := c.ServerInfo(ctx)
	if err != nil {
		return fmt.Errorf("hook: server info: %w", err)
	}
	drops := func(what, v string) (*big.Rat, error) {
		r, ok := new(big.Rat).SetString(v)
		if !ok {
			return nil, malformed("%s %q", what, v)
		}
		return r, nil
	}
	bal, err := drops("balance", info.AccountData.Balance)
	if err != nil {
		return err
	}
	bal.Quo(bal, big.NewRat(1_000_000, 1))
	base, err := drops("reserve_base_xrp", srv.ValidatedLedger.ReserveBase.String())
	if err != nil {
		return err
	}
	inc, err := drops("reserve_inc_xrp", srv.ValidatedLedger.ReserveInc.String())
	if err != nil {
		return err
	}
	txFee, err := drops("base_fee_xrp", srv.ValidatedLedger.BaseFeeXRP.String())
	if err != nil {
		return err
	}
	// Spendable now: balance − (base + owners × inc). Needed: one more
	// owned object, the payment's and the buy's fees, the 1-drop price.
	spendable := new(big.Rat).Sub(bal, base)
	spendable.Sub(spendable, new(big.Rat).Mul(inc, big.NewRat(int64(info.AccountData.OwnerCount), 1)))
	needXAH := new(big.Rat).Add(inc, new(big.Rat).Mul(txFee, big.NewRat(2, 1)))
	needXAH.Add(needXAH, big.NewRat(1, 1_000_000))
	if spendable.Cmp(needXAH) < 0 {
		if spendable.Sign() < 0 {
			spendable.SetInt64(0)
		}
		return &FundsError{Account: acct, Currency: "XAH", Have: ratString(spendable), Need: ratString(needXAH)}
	}
	return nil
}

// ratString formats r as a plain decimal without trailing zeros.
func ratString(r *big.Rat) string {
	s := r.FloatString(15)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// AcceptRegistrationToken completes a registration that was paid for but
// whose token the host has not bought, as HostClient's acceptRegToken: when
// the registry lists the account (HOST_ADDR) and offers it the token, it
// buys the token. It waits a few ledgers for an offer that is still to be
// emitted. ok is false when there is nothing to complete.
func AcceptRegistrationToken(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, opts *FlowOptions) (tokenID [32]byte, buy evernode.TxResult, ok bool, err error) {
	acct, timeout, err := opts.resolve(s)
	if err != nil {
		return tokenID, buy, false, err
	}
	return acceptRegToken(ctx, c, s, cfg, acct, timeout)
}

func acceptRegToken(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, acct string, timeout time.Duration) (id [32]byte, buy evernode.TxResult, ok bool, err error) {
	if _, owned, err := RegistrationToken(ctx, c, cfg, acct); err != nil || owned {
		return id, buy, false, err
	}
	ha, found, err := hostAddrOf(ctx, c, cfg, acct)
	if err != nil || !found || ha.TransferFlag == 1 {
		// A host that transferred its registration away keeps its entry
		// until the transferee registers; nothing is offered to it.
		return id, buy, false, err
	}
	id = ha.RegistrationTokenID
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	want := offerWant{id: id, owner: cfg.RegistryAddress, to: acct}
	// An offer emitted for a payment validated just now shows within a
	// few ledgers; after that it never will.
	offer, seen, err := waitOffer(wctx, c, want, c.ValidatedLedger()+emissionLedgers)
	if errors.Is(err, errNoOffer) {
		if _, err := c.LedgerEntry(ctx, upperHex(id[:]), evernode.Validated); errors.Is(err, evernode.ErrNotFound) {
			return id, buy, false, fmt.Errorf("%w: the registry lists %s with token %s, which does not exist", ErrNoRegistrationToken, acct, upperHex(id[:]))
		}
		return id, buy, false, nil
	}
	if err != nil {
		return id, buy, false, emissionErr(ctx, err, "the pending registration token offer")
	}
	buy, err = buyOffer(wctx, c, s, acct, id, offer, seen)
	return id, buy, err == nil, err
}

// TransferHost transfers the host's registration to transferee (the host
// itself when empty, to move it to a new machine), as HostClient's
// transfer: it refuses an unregistered host (ErrNotRegistered) or a
// transferee that already owns a registration token (ErrRegistered), offers
// the registration token to the registry and waits until the registry
// holds it. The transferee then registers (RegisterHost pays NowInEVRs).
func TransferHost(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, transferee string, opts *FlowOptions) (evernode.TxResult, error) {
	acct, timeout, err := opts.resolve(s)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if transferee != "" {
		if _, err := ParseAccountID(transferee); err != nil {
			return evernode.TxResult{}, err
		}
	}
	id, err := registeredToken(ctx, c, cfg, acct)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if transferee != "" && transferee != acct {
		if _, owned, err := RegistrationToken(ctx, c, cfg, transferee); err != nil {
			return evernode.TxResult{}, err
		} else if owned {
			return evernode.TxResult{}, fmt.Errorf("%w: transferee %s", ErrRegistered, transferee)
		}
	}
	tx, err := Transfer(cfg, acct, id, transferee)
	if err != nil {
		return evernode.TxResult{}, err
	}
	res, err := c.SubmitAndWait(ctx, s, tx)
	if err != nil {
		return res, fmt.Errorf("hook: transfer: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = waitToken(wctx, c, id, func(node map[string]any, found bool) bool {
		owner, _ := node["Owner"].(string)
		return found && owner == cfg.RegistryAddress
	})
	return res, emissionErr(ctx, err, "the registry to hold the token after "+res.Hash)
}

// DeregisterHost deregisters the host, as HostClient's deregister: it
// refuses an unregistered host (ErrNotRegistered), sends evnHostDereg
// (withError flags an error deregistration) and waits until the registry
// has burned the registration token. The refund arrives with the burn.
func DeregisterHost(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, withError bool, opts *FlowOptions) (evernode.TxResult, error) {
	acct, timeout, err := opts.resolve(s)
	if err != nil {
		return evernode.TxResult{}, err
	}
	id, err := registeredToken(ctx, c, cfg, acct)
	if err != nil {
		return evernode.TxResult{}, err
	}
	tx, err := Deregister(cfg, acct, id, withError)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return deregister(ctx, c, s, tx, id, timeout)
}

// DeregisterHostFromReputation deregisters host from its reputation
// account (the signer), as the registry allows: it refuses an unregistered
// host (ErrNotRegistered) or a signer that the host's WalletLocator does
// not name (ErrNotReputationAccount), before paying; then it sends the
// 53-byte evnHostDereg (DeregisterFromReputation; withError flags an
// error deregistration) and waits until the registry has burned the
// registration token. The refund goes to the host, with the burn.
// FlowOptions.Account is the reputation account's address.
func DeregisterHostFromReputation(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, host string, withError bool, opts *FlowOptions) (evernode.TxResult, error) {
	rep, timeout, err := opts.resolve(s)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if _, err := ParseAccountID(host); err != nil {
		return evernode.TxResult{}, err
	}
	id, err := registeredToken(ctx, c, cfg, host)
	if err != nil {
		return evernode.TxResult{}, err
	}
	linked, _, found, err := ReputationAccountOf(ctx, c, host)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if !found || linked != rep {
		return evernode.TxResult{}, fmt.Errorf("%w: %s does not name %s", ErrNotReputationAccount, host, rep)
	}
	tx, err := DeregisterFromReputation(cfg, rep, host, id, withError)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return deregister(ctx, c, s, tx, id, timeout)
}

// deregister submits a deregistration and waits until the registry has
// burned the token.
func deregister(ctx context.Context, c *evernode.Client, s evernode.Signer, tx evernode.Payment, id [32]byte, timeout time.Duration) (evernode.TxResult, error) {
	res, err := c.SubmitAndWait(ctx, s, tx)
	if err != nil {
		return res, fmt.Errorf("hook: deregister: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = waitToken(wctx, c, id, func(_ map[string]any, found bool) bool { return !found })
	return res, emissionErr(ctx, err, "the registry to burn the token after "+res.Hash)
}

// SendHeartbeat sends the host's heartbeat, voting when vote is not nil, as
// HostClient's heartbeat. It refuses (ErrUnofferedLeases) while the host
// holds lease tokens it minted and has not offered, where the JS client
// silently skips. A vote the heartbeat hook skipped gives a *VoteError
// (with the validated heartbeat's result when the heartbeat itself
// counted).
func SendHeartbeat(ctx context.Context, c *evernode.Client, s evernode.Signer, cfg *Config, vote *Vote, opts *FlowOptions) (evernode.TxResult, error) {
	acct, _, err := opts.resolve(s)
	if err != nil {
		return evernode.TxResult{}, err
	}
	toks, err := c.AccountObjects(ctx, acct, "uri_token")
	if err != nil {
		return evernode.TxResult{}, fmt.Errorf("hook: tokens of %s: %w", acct, err)
	}
	unoffered := 0
	for _, t := range toks {
		if isLeaseToken(t, acct) && t["Amount"] == nil {
			unoffered++
		}
	}
	if unoffered > 0 {
		return evernode.TxResult{}, fmt.Errorf("%w: %d", ErrUnofferedLeases, unoffered)
	}
	tx, err := Heartbeat(cfg, acct, vote)
	if err != nil {
		return evernode.TxResult{}, err
	}
	res, err := c.SubmitAndWait(ctx, s, tx)
	var txErr *evernode.TxError
	switch {
	case errors.As(err, &txErr) && txErr.Tx != nil:
		if msg, ok := voteMessage(*txErr.Tx); ok {
			return res, &VoteError{Message: msg, Hash: txErr.Hash, Tx: txErr}
		}
		return res, fmt.Errorf("hook: heartbeat: %w", err)
	case err != nil:
		return res, fmt.Errorf("hook: heartbeat: %w", err)
	}
	if msg, ok := voteMessage(res); ok {
		return res, &VoteError{Message: msg, Hash: res.Hash}
	}
	return res, nil
}

// VoteSkipped reports whether the heartbeat hook skipped the vote of a
// validated heartbeat (VOTE_VALIDATION_ERR among its hook return strings,
// whether or not the heartbeat itself applied), with the hook's message.
// It is for callers that submit heartbeats themselves, where SendHeartbeat
// would return a *VoteError.
func VoteSkipped(r evernode.TxResult) (message string, skipped bool) { return voteMessage(r) }

// voteMessage finds VOTE_VALIDATION_ERR among a transaction's hook
// return strings.
func voteMessage(r evernode.TxResult) (string, bool) {
	execs, _ := r.Meta["HookExecutions"].([]any)
	for _, e := range execs {
		w, _ := e.(map[string]any)
		x, _ := w["HookExecution"].(map[string]any)
		s, _ := x["HookReturnString"].(string)
		b, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		msg := strings.TrimRight(string(b), "\x00")
		if strings.Contains(msg, VoteValidationErr) {
			return msg, true
		}
	}
	return "", false
}

// leaseURIPrefix is the text every lease token URI starts with, once
// base64-decoded ("evrlease").
const leaseURIPrefix = "evrlease"

// isLeaseToken reports whether a URIToken ledger object is a lease token
// issued by host: its URI is base64 text of "evrlease…" (or, for older
// tokens, the bytes themselves), as evernode-js-client's isValidURI.
func isLeaseToken(t map[string]any, host string) bool {
	issuer, _ := t["Issuer"].(string)
	uriHex, _ := t["URI"].(string)
	if issuer != host {
		return false
	}
	uri, err := hex.DecodeString(uriHex)
	if err != nil {
		return false
	}
	if strings.HasPrefix(string(uri), leaseURIPrefix) {
		return true
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(string(uri), "="))
	return err == nil && strings.HasPrefix(string(raw), leaseURIPrefix)
}

// burnLeftoverLeases burns the lease tokens host issued and still holds:
// offers of an earlier registration that nobody bought.
func burnLeftoverLeases(ctx context.Context, c *evernode.Client, s evernode.Signer, host string) ([]string, error) {
	toks, err := c.AccountObjects(ctx, host, "uri_token")
	if err != nil {
		return nil, fmt.Errorf("hook: tokens of %s: %w", host, err)
	}
	var burned []string
	for _, t := range toks {
		id, _ := t["index"].(string)
		if !isLeaseToken(t, host) || id == "" {
			continue
		}
		burn := evernode.URITokenBurn{Common: evernode.Common{Account: host}, URITokenID: strings.ToUpper(id)}
		if _, err := c.SubmitAndWait(ctx, s, burn); err != nil {
			return burned, fmt.Errorf("hook: burning leftover lease token %s: %w", id, err)
		}
		burned = append(burned, strings.ToUpper(id))
	}
	return burned, nil
}

// registeredToken returns the registration token of a registered host, or
// ErrNotRegistered.
func registeredToken(ctx context.Context, c *evernode.Client, cfg *Config, acct string) ([32]byte, error) {
	ok, err := IsRegistered(ctx, c, cfg, acct)
	if err != nil {
		return [32]byte{}, err
	}
	if !ok {
		return [32]byte{}, fmt.Errorf("%w: %s", ErrNotRegistered, acct)
	}
	id, _, err := RegistrationToken(ctx, c, cfg, acct)
	return id, err
}

// accountState reads the governor's namespace entry key(account); found is
// false when there is none.
func accountState(ctx context.Context, c *evernode.Client, cfg *Config, account string, key func(AccountID) Key) ([]byte, bool, error) {
	a, err := ParseAccountID(account)
	if err != nil {
		return nil, false, err
	}
	return governorState(ctx, c, cfg, key(a))
}

func hostAddrOf(ctx context.Context, c *evernode.Client, cfg *Config, acct string) (HostAddr, bool, error) {
	b, ok, err := accountState(ctx, c, cfg, acct, HostAddrKey)
	if err != nil || !ok {
		return HostAddr{}, false, err
	}
	ha, err := DecodeHostAddr(b)
	return ha, err == nil, err
}

// transfereeOf reads the pending transfer to acct, if any.
func transfereeOf(ctx context.Context, c *evernode.Client, cfg *Config, acct string) (Transferee, bool, error) {
	b, ok, err := accountState(ctx, c, cfg, acct, TransfereeAddrKey)
	if err != nil || !ok {
		return Transferee{}, false, err
	}
	tf, err := DecodeTransferee(b)
	return tf, err == nil, err
}

// offerWant describes the registration token offer a flow waits for.
type offerWant struct {
	id    [32]byte
	owner string // the registry
	to    string // the host
	uri   []byte // nil: any
}

var errNoOffer = errors.New("hook: no offer")

// waitOffer reads the token in each validated ledger until it is offered
// to the host as wanted. It returns the offer and the validated ledger it
// was seen in; errNoOffer when untilLedger (if not 0) passed without it.
func waitOffer(ctx context.Context, c *evernode.Client, w offerWant, untilLedger uint32) (evernode.Amount, uint32, error) {
	var offer evernode.Amount
	var seen uint32
	got := false
	err := waitToken(ctx, c, w.id, func(node map[string]any, found bool) bool {
		if found {
			owner, _ := node["Owner"].(string)
			dest, _ := node["Destination"].(string)
			uri, _ := node["URI"].(string)
			// The registry offers for 1 drop; never buy at another price.
			amt, err := evernode.AmountFromJSON(node["Amount"])
			if err == nil && amt.IsNative() && amt.Value == "1" && owner == w.owner && dest == w.to &&
				(w.uri == nil || strings.EqualFold(uri, hex.EncodeToString(w.uri))) {
				offer, seen, got = amt, c.ValidatedLedger(), true
				return true
			}
		}
		return untilLedger != 0 && c.ValidatedLedger() > untilLedger
	})
	if err == nil && !got {
		return offer, 0, errNoOffer
	}
	return offer, seen, err
}

// waitToken reads the URIToken id at the validated ledger, then after each
// newly validated ledger, until done says so.
func waitToken(ctx context.Context, c *evernode.Client, id [32]byte, done func(node map[string]any, found bool) bool) error {
	index := upperHex(id[:])
	for {
		next := c.ValidatedLedger() + 1
		node, err := c.LedgerEntry(ctx, index, evernode.Validated)
		found := err == nil
		if err != nil && !errors.Is(err, evernode.ErrNotFound) {
			return err
		}
		if done(node, found) {
			return nil
		}
		if err := c.WaitLedger(ctx, next); err != nil {
			return err
		}
	}
}

// buyOffer buys the registration token offer seen in ledger seen, from the
// next ledger on: evernode-js-client waits so that the registry's handler
// still finds the offer when the purchase reaches it.
func buyOffer(ctx context.Context, c *evernode.Client, s evernode.Signer, acct string, id [32]byte, offer evernode.Amount, seen uint32) (evernode.TxResult, error) {
	if err := c.WaitLedger(ctx, seen+1); err != nil {
		return evernode.TxResult{}, err
	}
	buy := evernode.URITokenBuy{Common: evernode.Common{Account: acct}, URITokenID: upperHex(id[:]), Amount: offer}
	res, err := c.SubmitAndWait(ctx, s, buy)
	if err != nil {
		return res, fmt.Errorf("hook: buying registration token %s: %w", upperHex(id[:]), err)
	}
	return res, nil
}

// emissionErr turns a wait that ran out of time into ErrEmissionTimeout,
// unless the caller's own ctx ended.
func emissionErr(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s", ErrEmissionTimeout, what)
	}
	return fmt.Errorf("hook: waiting for %s: %w", what, err)
}
