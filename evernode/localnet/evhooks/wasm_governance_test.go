package evhooks_test

import (
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// installedHookHash returns the hash of the hook on addr whose
// HookDefinition exists (the real hook, not the state writer beside the
// governor).
func (e *env) installedHookHash(addr string) [32]byte {
	e.t.Helper()
	objs, err := e.c.AccountObjects(e.ctx, addr, "hook")
	require.NoError(e.t, err)
	for _, o := range objs {
		hooks, _ := o["Hooks"].([]any)
		for _, h := range hooks {
			in, _ := h.(map[string]any)["Hook"].(map[string]any)
			s, _ := in["HookHash"].(string)
			b, err := hex.DecodeString(s)
			if err != nil || len(b) != 32 {
				continue
			}
			idx := hook.HookDefinitionIndex([32]byte(b))
			if _, err := e.c.LedgerEntry(e.ctx, hex.EncodeToString(idx[:]), evernode.Validated); err == nil {
				return [32]byte(b)
			}
		}
	}
	e.t.Fatalf("no installed hook on %s", addr)
	return [32]byte{}
}

// proposeInstalledHooks: with the real hooks installed their
// HookDefinitions exist, so the foundation can propose them as a new-hook
// candidate: the governor records the proposal (owner entry with the four
// hashes, candidate entry with the fee) and a withdrawal rebates half the
// fee. Run by TestGovernanceModeAndProposals under the real hooks; the Go
// emulation cannot (localnet holds no definitions for Go hooks).
func proposeInstalledHooks(t *testing.T, e *env) {
	d := e.d
	cfg := e.config()
	before := e.evrBalance(d.Foundation.Address())
	var hashes [128]byte
	for i, a := range []string{d.GovernorAddress(), d.Registry.Address(), d.Heartbeat.Address(), d.Reputation.Address()} {
		h := e.installedHookHash(a)
		copy(hashes[32*i:], h[:])
	}
	p, id, err := hook.Propose(cfg, d.Foundation.Address(), hashes, "same hooks")
	require.NoError(t, err)
	hash := e.submit(d.Foundation, p)
	assert.Equal(t, "Successfully accepted Hook candidate proposal.", e.hookMessage(hash))
	ci, ok, err := hook.CandidateByOwner(e.ctx, e.c, e.config(), d.Foundation.Address())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, id, ci.ID)
	require.NotNil(t, ci.Hooks)
	assert.Equal(t, hashes[32:64], ci.Hooks.RegistryHookHash[:])
	assert.Equal(t, "same hooks", ci.ShortName)
	assert.Equal(t, cfg.ProposalFee(), ci.ProposalFee.String())
	e.reject(d.Foundation, p, "This owner has already created a proposal.")

	w, err := hook.Withdraw(cfg, d.Foundation.Address(), id)
	require.NoError(t, err)
	hash = e.submit(d.Foundation, w)
	e.commit()
	assert.Equal(t, "Evernode: New hook candidate status changed.", e.hookMessage(hash))
	_, ok, err = hook.CandidateByOwner(e.ctx, e.c, e.config(), d.Foundation.Address())
	require.NoError(t, err)
	assert.False(t, ok)
	half := new(big.Rat).Quo(ratOf(cfg.ProposalFee()), big.NewRat(2, 1))
	assert.Equal(t, sub(before, half.RatString()), e.evrBalance(d.Foundation.Address()), "half the fee back")
}

func ratOf(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
