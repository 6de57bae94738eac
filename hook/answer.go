package hook

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/evernode-go/sdk/evernode"
)

// HookAnswer is one hook's verdict on a transaction, from the metadata's
// HookExecutions.
type HookAnswer struct {
	// Account is the hook account that ran.
	Account string
	// Accepted is false when the hook rolled the transaction back.
	Accepted bool
	// Message is the hook's return string (its PERMIT or ASSERT text).
	Message string
}

// HookAnswers reads the hook executions of a transaction's metadata, in
// execution order.
func HookAnswers(tx evernode.TxResult) []HookAnswer {
	var out []HookAnswer
	list, _ := tx.Meta["HookExecutions"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		e, _ := m["HookExecution"].(map[string]any)
		if e == nil {
			continue
		}
		a := HookAnswer{}
		a.Account, _ = e["HookAccount"].(string)
		if r, ok := toUint(e["HookResult"]); ok {
			a.Accepted = r == 3
		}
		if s, _ := e["HookReturnString"].(string); s != "" {
			if b, err := hex.DecodeString(s); err == nil {
				a.Message = strings.TrimRight(string(b), "\x00")
			}
		}
		out = append(out, a)
	}
	return out
}

func toUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case float64:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case int:
		return uint64(x), true
	case interface{ Int64() (int64, error) }:
		n, err := x.Int64()
		return uint64(n), err == nil
	}
	return 0, false
}

// RejectedError is a transaction a hook rolled back (tecHOOK_REJECTED): the
// fee is spent, nothing else happened. Message is the hook's reason
// ("This host is not registered.", …).
type RejectedError struct {
	Account string // the rejecting hook's account
	Message string
	Err     *evernode.TxError
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("hook: rejected by the hook on %s: %s", e.Account, e.Message)
}

// Unwrap returns the *evernode.TxError.
func (e *RejectedError) Unwrap() error { return e.Err }

// Submit signs tx with s, submits it through c and waits until it is
// validated, then returns the hooks' answers. A hook rejection is a
// *RejectedError with the hook's message; other failures are the client's
// errors. A vote the heartbeat hook skipped ("VOTE_VALIDATION_ERR - …":
// the candidate is unknown or its vote closed; the JS client throws
// {code: "VOTE_VALIDATION_ERR"}) returns the answers and a *VoteError.
func Submit(ctx context.Context, c *evernode.Client, s evernode.Signer, tx evernode.Transaction) (evernode.TxResult, []HookAnswer, error) {
	res, err := c.SubmitAndWait(ctx, s, tx)
	if err != nil {
		var te *evernode.TxError
		if errors.As(err, &te) && te.Tx != nil {
			for _, a := range HookAnswers(*te.Tx) {
				if !a.Accepted {
					return *te.Tx, HookAnswers(*te.Tx), &RejectedError{Account: a.Account, Message: a.Message, Err: te}
				}
			}
		}
		return res, nil, err
	}
	answers := HookAnswers(res)
	if msg, ok := voteMessage(res); ok {
		return res, answers, &VoteError{Message: msg, Hash: res.Hash}
	}
	return res, answers, nil
}

// Governance submits the governance transactions of one account, a host
// or the foundation, as the JS client's HostClient and FoundationClient
// do, and returns the hooks' answers. Its fields must be set; it is safe
// for concurrent use when Client and Signer are.
type Governance struct {
	Client *evernode.Client
	// Config is the governor configuration (LoadConfig), Governor set.
	Config *Config
	// Signer signs for Account.
	Signer  evernode.Signer
	Account string
}

// ErrNotEligible is returned when a host that is not registered tries a
// host governance operation (the JS client refuses it before sending).
var ErrNotEligible = errors.New("hook: only registered hosts and the foundation take part in governance")

// asHost applies the JS HostClient's guard: a non-foundation account must
// be a registered host.
func (g *Governance) asHost(ctx context.Context) error {
	if g.Account == g.Config.FoundationAddress {
		return nil
	}
	ok, err := IsRegistered(ctx, g.Client, g.Config, g.Account)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotEligible, g.Account)
	}
	return nil
}

// Propose proposes new hooks (governor, registry, heartbeat, reputation
// hashes in that order) after checking, as the JS client does, that each
// HookDefinition exists on the ledger. It returns the candidate id.
func (g *Governance) Propose(ctx context.Context, hashes [128]byte, shortName string) ([32]byte, []HookAnswer, error) {
	if err := g.asHost(ctx); err != nil {
		return [32]byte{}, nil, err
	}
	names := [4]string{"governor", "registry", "heartbeat", "reputation"}
	for i := range 4 {
		idx := HookDefinitionIndex([32]byte(hashes[32*i : 32*i+32]))
		if _, err := g.Client.LedgerEntry(ctx, upperHex(idx[:]), evernode.Validated); err != nil {
			return [32]byte{}, nil, fmt.Errorf("hook: no %s hook with hash %X: %w", names[i], hashes[32*i:32*i+32], err)
		}
	}
	tx, id, err := Propose(g.Config, g.Account, hashes, shortName)
	if err != nil {
		return id, nil, err
	}
	_, ans, err := Submit(ctx, g.Client, g.Signer, tx)
	return id, ans, err
}

// Withdraw withdraws a candidate the account proposed.
func (g *Governance) Withdraw(ctx context.Context, candidateID [32]byte) ([]HookAnswer, error) {
	if err := g.asHost(ctx); err != nil {
		return nil, err
	}
	return g.submit(ctx)(Withdraw(g.Config, g.Account, candidateID))
}

// ReportDudHost reports host as a dud host.
func (g *Governance) ReportDudHost(ctx context.Context, host string) ([]HookAnswer, error) {
	if err := g.asHost(ctx); err != nil {
		return nil, err
	}
	return g.submit(ctx)(ReportDudHost(g.Config, g.Account, host))
}

// Vote is the foundation's vote on a candidate.
func (g *Governance) Vote(ctx context.Context, candidateID [32]byte, vote VoteValue) ([]HookAnswer, error) {
	return g.submit(ctx)(FoundationVote(g.Config, g.Account, candidateID, vote))
}

// VoteDudHost is the foundation's vote on the dud-host candidate of host.
func (g *Governance) VoteDudHost(ctx context.Context, host string, vote VoteValue) ([]HookAnswer, error) {
	return g.submit(ctx)(VoteDudHost(g.Config, g.Account, host, vote))
}

// VotePilotedMode is the foundation's vote on the piloted-mode candidate.
func (g *Governance) VotePilotedMode(ctx context.Context, vote VoteValue) ([]HookAnswer, error) {
	return g.submit(ctx)(VotePilotedMode(g.Config, g.Account, vote))
}

// ChangeGovernanceMode moves the governance mode up (foundation only).
func (g *Governance) ChangeGovernanceMode(ctx context.Context, mode GovernanceMode) ([]HookAnswer, error) {
	return g.submit(ctx)(ChangeGovernanceMode(g.Config, g.Account, mode))
}

// UpdateHostReputation sets a host's reputation (foundation only).
func (g *Governance) UpdateHostReputation(ctx context.Context, host string, reputation uint8) ([]HookAnswer, error) {
	return g.submit(ctx)(UpdateHostReputation(g.Config, g.Account, host, reputation))
}

// PruneDeadHost asks the registry to prune host (a no-op on the v3 hooks).
func (g *Governance) PruneDeadHost(ctx context.Context, host string) ([]HookAnswer, error) {
	return g.submit(ctx)(PruneDeadHost(g.Config, g.Account, host))
}

// submit returns a function that submits a builder's result.
func (g *Governance) submit(ctx context.Context) func(evernode.Payment, error) ([]HookAnswer, error) {
	return func(tx evernode.Payment, err error) ([]HookAnswer, error) {
		if err != nil {
			return nil, err
		}
		_, ans, err := Submit(ctx, g.Client, g.Signer, tx)
		return ans, err
	}
}
