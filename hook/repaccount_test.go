package hook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
)

// TestPrepareReputationAccountModes walks the JS client's decision table.
func TestPrepareReputationAccountModes(t *testing.T) {
	cfg := &Config{EVRIssuerAddress: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS"}
	host, other, rep := "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "rhrauFfB5ZpDWhw2eJEBy8VT7YzXEzaymq", "rUnm2fadUsnuoHQBf1qR1yqGdfGbrRuSUV"
	hostID, _ := ParseAccountID(host)
	otherID, _ := ParseAccountID(other)
	repID, _ := ParseAccountID(rep)
	link := func(m ReputationMode, a *AccountID) ReputationLink {
		raw := locator(m, a)
		l, _, _ := ParseWalletLocator(hexOf(raw))
		return l
	}
	wl := func(tx evernode.Transaction) []byte { return tx.(evernode.AccountSet).WalletLocator }

	// Fresh reputation account: one to one, both locators, a trust line.
	p, err := PrepareReputationAccount(cfg, ReputationAccountState{Host: host, Reputation: rep}, ReputationNone)
	require.NoError(t, err)
	assert.Equal(t, ReputationOneToOne, p.Mode)
	require.Len(t, p.ReputationTxs, 2)
	assert.Equal(t, locator(1, &hostID), wl(p.ReputationTxs[0]))
	assert.IsType(t, evernode.TrustSet{}, p.ReputationTxs[1])
	require.Len(t, p.HostTxs, 1)
	assert.Equal(t, locator(1, &repID), wl(p.HostTxs[0]))

	// Already linked one to one: nothing to do.
	st := ReputationAccountState{Host: host, Reputation: rep, ReputationHasEVRTrustLine: true,
		ReputationLocator: link(1, &hostID), ReputationHasLocator: true, HostLocator: link(1, &repID), HostHasLocator: true}
	p, err = PrepareReputationAccount(cfg, st, ReputationNone)
	require.NoError(t, err)
	assert.Equal(t, ReputationOneToOne, p.Mode)
	assert.Empty(t, p.ReputationTxs)
	assert.Empty(t, p.HostTxs)

	// One to one with another host: becomes one to many.
	st.ReputationLocator = link(1, &otherID)
	st.HostHasLocator = false
	p, err = PrepareReputationAccount(cfg, st, ReputationNone)
	require.NoError(t, err)
	assert.Equal(t, ReputationOneToMany, p.Mode)
	assert.Equal(t, locator(2, nil), wl(p.ReputationTxs[0]))
	assert.Equal(t, locator(2, &repID), wl(p.HostTxs[0]))

	// One to many, this host already linked: nothing; a host naming
	// another account is re-pointed.
	st.ReputationLocator = link(2, nil)
	st.HostLocator, st.HostHasLocator = link(2, &repID), true
	p, _ = PrepareReputationAccount(cfg, st, ReputationNone)
	assert.Empty(t, p.ReputationTxs)
	assert.Empty(t, p.HostTxs)
	st.HostLocator = link(2, &otherID)
	p, _ = PrepareReputationAccount(cfg, st, ReputationNone)
	assert.Empty(t, p.ReputationTxs)
	assert.Equal(t, locator(2, &repID), wl(p.HostTxs[0]))

	// A forced mode wins.
	p, _ = PrepareReputationAccount(cfg, ReputationAccountState{Host: host, Reputation: rep, ReputationHasEVRTrustLine: true}, ReputationOneToMany)
	assert.Equal(t, ReputationOneToMany, p.Mode)
	_, err = PrepareReputationAccount(cfg, ReputationAccountState{Host: host, Reputation: rep}, 7)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = PrepareReputationAccount(cfg, ReputationAccountState{Host: host, Reputation: host}, 0)
	assert.ErrorIs(t, err, ErrInvalid)
}
