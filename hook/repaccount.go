package hook

import (
	"context"
	"fmt"
	"sync"

	"github.com/evernode-go/sdk/evernode"
)

// ReputationAccountState is what PrepareReputationAccount needs to know
// about a host and its reputation account.
type ReputationAccountState struct {
	Host, Reputation string
	// HostLocator and ReputationLocator are the two accounts'
	// WalletLocators (ok false when unset).
	HostLocator, ReputationLocator       ReputationLink
	HostHasLocator, ReputationHasLocator bool
	// ReputationHasEVRTrustLine reports an EVR trust line to the issuer.
	ReputationHasEVRTrustLine bool
}

// ReadReputationAccountState reads both WalletLocators and the reputation
// account's EVR trust line.
func ReadReputationAccountState(ctx context.Context, c *evernode.Client, cfg *Config, host, reputation string) (ReputationAccountState, error) {
	st := ReputationAccountState{Host: host, Reputation: reputation}
	var err error
	if st.HostLocator, st.HostHasLocator, err = walletLocator(ctx, c, host); err != nil {
		return st, err
	}
	if st.ReputationLocator, st.ReputationHasLocator, err = walletLocator(ctx, c, reputation); err != nil {
		return st, err
	}
	lines, err := c.AccountLines(ctx, reputation, cfg.EVRIssuerAddress)
	if err != nil {
		return st, fmt.Errorf("hook: trust lines of %s: %w", reputation, err)
	}
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			st.ReputationHasEVRTrustLine = true
		}
	}
	return st, nil
}

// ReputationAccountPlan is what PrepareReputationAccount decided: the
// transactions each account must send, in order, and the resulting mode.
type ReputationAccountPlan struct {
	Mode ReputationMode
	// ReputationTxs are sent (signed) by the reputation account: its
	// WalletLocator and its EVR trust line.
	ReputationTxs []evernode.Transaction
	// HostTxs are sent by the host: its WalletLocator.
	HostTxs []evernode.Transaction
}

// locator is mode ‖ account ID ‖ zeros (32 bytes), or mode and zeros.
func locator(mode ReputationMode, a *AccountID) []byte {
	b := make([]byte, 32)
	b[0] = byte(mode)
	if a != nil {
		copy(b[1:], a[:])
	}
	return b
}

// PrepareReputationAccount links a host to a reputation account as the JS
// client's prepareReputationAccount does. A reputation account nobody uses
// becomes one to one (it names the host, the host names it); one already
// one to one for another host becomes one to many (it names no host, each
// host names it with mode 2); mode, when not ReputationNone, forces a mode.
// The plan holds only the WalletLocator changes that are needed, and the
// reputation account's EVR trust line when missing.
func PrepareReputationAccount(cfg *Config, st ReputationAccountState, mode ReputationMode) (ReputationAccountPlan, error) {
	host, err := ParseAccountID(st.Host)
	if err != nil {
		return ReputationAccountPlan{}, err
	}
	rep, err := ParseAccountID(st.Reputation)
	if err != nil {
		return ReputationAccountPlan{}, err
	}
	if host == rep {
		return ReputationAccountPlan{}, invalid("reputation", "the reputation account must not be the host")
	}
	update, m := true, ReputationOneToOne
	if st.ReputationHasLocator {
		rl := st.ReputationLocator
		switch rl.Mode {
		case ReputationOneToOne:
			switch {
			case rl.Account != host:
				m = ReputationOneToMany
			case !st.HostHasLocator || st.HostLocator.Mode != ReputationOneToOne:
				m = ReputationOneToOne
			default:
				update, m = false, rl.Mode
			}
		case ReputationOneToMany:
			m = ReputationOneToMany
			if rl.Account.IsZero() && st.HostHasLocator && st.HostLocator.Account == rep {
				update = false
			}
		}
	}
	if mode != ReputationNone && mode != m {
		if mode != ReputationOneToOne && mode != ReputationOneToMany {
			return ReputationAccountPlan{}, invalid("mode", "reputation account mode %d", mode)
		}
		update, m = true, mode
	}
	plan := ReputationAccountPlan{Mode: m}
	if update {
		repLoc := locator(m, &host)
		if m == ReputationOneToMany {
			repLoc = locator(m, nil)
		}
		hostLoc := locator(m, &rep)
		if !st.ReputationHasLocator || string(st.ReputationLocator.Raw) != string(repLoc) {
			plan.ReputationTxs = append(plan.ReputationTxs, evernode.AccountSet{
				Common: evernode.Common{Account: st.Reputation}, WalletLocator: repLoc})
		}
		if !st.HostHasLocator || string(st.HostLocator.Raw) != string(hostLoc) {
			plan.HostTxs = append(plan.HostTxs, evernode.AccountSet{
				Common: evernode.Common{Account: st.Host}, WalletLocator: hostLoc})
		}
	}
	if !st.ReputationHasEVRTrustLine {
		if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
			return ReputationAccountPlan{}, err
		}
		plan.ReputationTxs = append(plan.ReputationTxs, evernode.TrustSet{
			Common:      evernode.Common{Account: st.Reputation},
			LimitAmount: cfg.EVR(TrustLineLimit),
		})
	}
	return plan, nil
}

// ReputationAccountOf returns the reputation account a host's
// WalletLocator names, as the JS client's setReputationAcc resolves it
// when given no address: found is false when there is none or it names the
// host itself.
func ReputationAccountOf(ctx context.Context, c *evernode.Client, host string) (account string, mode ReputationMode, found bool, err error) {
	l, ok, err := walletLocator(ctx, c, host)
	if err != nil || !ok {
		return "", 0, false, err
	}
	a := l.Account.String()
	if l.Account.IsZero() || a == host {
		return "", 0, false, nil
	}
	return a, l.Mode, true, nil
}

// universeSize is how many hosts score each other in one reputation
// contract cluster.
const universeSize = 64

// ReputationScores prepares the score blob a host's reputation account
// sends (SendReputations), as the JS client's prepareHostReputationScores
// does with its universe lookup: without scores, or when the host holds no
// ordered id in moment, the version byte alone; otherwise version ‖ one
// byte per ordered id of the host's 64-host universe (the ids
// floor(id/64)·64 …+63) ‖ clusterSize, where each byte is
// scores[public key of that host's reputation contract in moment] (lower
// case hex, as ReputationContract.PublicKey), and for an id without a
// contract scores["-1"], which is how the JS client keys a missing one; 0
// when absent. Lookups run at most 8 at a time; a failed lookup fails the
// call, where the JS client would score that host as missing.
func ReputationScores(ctx context.Context, c *evernode.Client, cfg *Config, host string, moment uint64, version, clusterSize byte, scores map[string]byte) ([]byte, error) {
	if scores == nil {
		return ReputationBlob(version, nil, 0)
	}
	own, ok, err := ReputationOrderByAddress(ctx, c, cfg, host, moment)
	if err != nil {
		return nil, err
	}
	if !ok {
		return ReputationBlob(version, nil, 0)
	}
	start := own / universeSize * universeSize
	keys := make([]string, universeSize)
	errs := make([]error, universeSize)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range universeSize {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			keys[i] = "-1"
			r, ok, err := ReputationByOrderedID(ctx, c, cfg, start+uint64(i), moment)
			if err != nil {
				errs[i] = err
				return
			}
			if ok && r.Contract != nil {
				keys[i] = r.Contract.PublicKey
			}
		}()
	}
	wg.Wait()
	out := make([]byte, universeSize)
	for i, k := range keys {
		if errs[i] != nil {
			return nil, fmt.Errorf("hook: reputation universe id %d: %w", start+uint64(i), errs[i])
		}
		out[i] = scores[k]
	}
	return ReputationBlob(version, out, clusterSize)
}

// LinkOptions tunes LinkReputationAccount. A nil *LinkOptions means the
// defaults.
type LinkOptions struct {
	// Host and Reputation are the two accounts. Default: the signers'
	// Address() (an *evernode.Wallet has one).
	Host, Reputation string
}

// LinkReputationAccount links host to a reputation account as the JS
// client's prepareReputationAccount does: it reads both accounts, plans
// with PrepareReputationAccount and submits the reputation account's
// transactions, then the host's, waiting for each. It returns the plan and
// the validated results; on error the results so far.
func LinkReputationAccount(ctx context.Context, c *evernode.Client, cfg *Config, host, reputation evernode.Signer, mode ReputationMode, opts *LinkOptions) (ReputationAccountPlan, []evernode.TxResult, error) {
	var o LinkOptions
	if opts != nil {
		o = *opts
	}
	addr := func(field, given string, s evernode.Signer) (string, error) {
		if given != "" {
			return given, nil
		}
		if a, ok := s.(interface{ Address() string }); ok && s != nil {
			return a.Address(), nil
		}
		return "", invalid(field, "required for a signer without Address()")
	}
	h, err := addr("Host", o.Host, host)
	if err != nil {
		return ReputationAccountPlan{}, nil, err
	}
	r, err := addr("Reputation", o.Reputation, reputation)
	if err != nil {
		return ReputationAccountPlan{}, nil, err
	}
	st, err := ReadReputationAccountState(ctx, c, cfg, h, r)
	if err != nil {
		return ReputationAccountPlan{}, nil, err
	}
	plan, err := PrepareReputationAccount(cfg, st, mode)
	if err != nil {
		return plan, nil, err
	}
	var done []evernode.TxResult
	for _, step := range []struct {
		s   evernode.Signer
		txs []evernode.Transaction
	}{{reputation, plan.ReputationTxs}, {host, plan.HostTxs}} {
		for _, tx := range step.txs {
			res, err := c.SubmitAndWait(ctx, step.s, tx)
			if err != nil {
				return plan, done, fmt.Errorf("hook: link reputation account: %s: %w", tx.TxType(), err)
			}
			done = append(done, res)
		}
	}
	return plan, done, nil
}
