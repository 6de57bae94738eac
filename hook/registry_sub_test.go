package hook_test

import (
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/stretchr/testify/require"
)

// A subscription to the registry from an earlier ledger yields the
// registration that happened before it and the one after it.
func TestRegistrySubscriptionFromEarlierLedger(t *testing.T) {
	e := newGovEnv(t)
	start := e.n.Commit() + 1
	first, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(t, err)
	e.register(first)
	sub, err := hook.SubscribeEvents(e.ctx, e.c, []string{e.d.Registry.Address()}, &evernode.SubscribeOptions{FromLedger: start})
	require.NoError(t, err)
	defer sub.Close()
	second, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
	require.NoError(t, err)
	e.register(second)
	var hosts []string
	for len(hosts) < 2 {
		_, ev, err := sub.NextTx(e.ctx)
		require.NoError(t, err)
		if r, ok := ev.(*hook.HostRegisteredEvent); ok {
			hosts = append(hosts, r.Host)
		}
	}
	require.Equal(t, []string{first.Address(), second.Address()}, hosts)
}
