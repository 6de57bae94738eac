package hook_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// repFixture is reputation state on a localnet: three hosts in one
// moment's round, the first linked one to one, the second one to many, the
// third without a reputation account.
type repFixture struct {
	e           *govEnv
	cfg         *hook.Config
	moment      uint64
	hosts, reps []*evernode.Wallet
	pubkeys     []string
	orderedIDs  []uint64
	infos       []hook.ReputationInfo
	writeMu     sync.Mutex
	pending     map[hook.Key][]byte
}

func newRepFixture(t *testing.T) *repFixture {
	// Hour-long moments: the round is for the current moment, which the
	// JS client reads on its own.
	e := newGovEnvWith(t, 20*time.Millisecond, 3600)
	// Moments far from 0, as on mainnet: at moment 0 the reputation hook's
	// keys of different kinds coincide.
	cfg := e.config()
	mbi := cfg.MomentBaseInfo
	mbi.BaseTransitionMoment = 5000
	require.NoError(t, e.d.SetState(e.ctx, evhooks.StateEntry{Key: hook.SingletonKey(hook.SingletonMomentBaseInfo), Value: mbi.Encode()}))
	e.waitLedgers(2)
	f := &repFixture{e: e, cfg: e.config()}
	f.moment = f.cfg.Moments().MomentAt(uint64(time.Now().Unix()), uint64(e.c.ValidatedLedger()))
	wallet := func() *evernode.Wallet {
		w, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
		require.NoError(t, err)
		return w
	}
	for range 3 {
		f.hosts = append(f.hosts, wallet())
	}
	f.reps = []*evernode.Wallet{wallet(), wallet()}
	writer := wallet()
	e.waitLedgers(1)

	// The reputation hook account: a stand-in hook writes what the test
	// queues when the writer pays it.
	ns := hook.Namespace()
	require.NoError(t, e.n.SetHook(e.d.Reputation.Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		if s, _ := h.Tx()["Account"].(string); s != writer.Address() {
			return h.Accept("")
		}
		f.writeMu.Lock()
		defer f.writeMu.Unlock()
		for k, v := range f.pending {
			if err := h.SetState(ns, k, v); err != nil {
				return err
			}
		}
		return h.Accept("written")
	})))
	// The one-to-many account's delegate hook: stores evnRepConInfoUpdate.
	require.NoError(t, e.n.SetHook(f.reps[1].Address(), localnet.HookFunc(func(h *localnet.HookContext) error {
		n := memo.ParamName(memo.ParamEventData)
		data, ok := h.Param(n[:])
		if !ok || len(data) != hook.RepContractInfoParamSize {
			return h.Accept("")
		}
		return h.SetState(hook.HostReputationNamespace(), hook.ReputationContractInfoKey(hook.AccountID(data[:20])), data[20:])
	})))

	f.pending = map[hook.Key][]byte{hook.ReputationHostCountKey(f.moment): le64(3)}
	for i, h := range f.hosts {
		a, _ := hook.ParseAccountID(h.Address())
		id := uint64(i)
		f.orderedIDs = append(f.orderedIDs, id)
		info := hook.ReputationInfo{LastRegisteredMoment: f.moment, ScoreNumerator: 90 + id, ScoreDenominator: 100,
			Score: 90 + id, LastResetMoment: f.moment - 1, LastScoredMoment: f.moment - 1, LastUniverseSize: 3}
		f.infos = append(f.infos, info)
		f.pending[hook.ReputationOrderAddressKey(a, f.moment)] = le64(id)
		f.pending[hook.ReputationOrderedIDKey(id, f.moment)] = a[:]
		f.pending[hook.ReputationHostAddrKey(a)] = info.Encode()
	}
	_, err := e.c.SubmitAndWait(e.ctx, writer, evernode.Payment{Common: evernode.Common{Account: writer.Address()},
		Destination: e.d.Reputation.Address(), Amount: evernode.Drops(1)})
	require.NoError(t, err)

	// Link the accounts as prepareReputationAccount does, then publish the
	// contract infos for this moment.
	for i, mode := range []hook.ReputationMode{hook.ReputationNone, hook.ReputationOneToMany} {
		plan, done, err := hook.LinkReputationAccount(e.ctx, e.c, f.cfg, f.hosts[i], f.reps[i], mode, nil)
		require.NoError(t, err)
		assert.Len(t, done, 3, "reputation locator, EVR trust line, host locator")
		again, done, err := hook.LinkReputationAccount(e.ctx, e.c, f.cfg, f.hosts[i], f.reps[i], mode, nil)
		require.NoError(t, err)
		assert.Empty(t, done, "linked: nothing to do")
		assert.Equal(t, plan.Mode, again.Mode)
		pk := [33]byte{0xED, byte(i + 1), 0xAB}
		f.pubkeys = append(f.pubkeys, strings.ToLower(hexOfBytes(pk[:])))
		tx, err := hook.SetReputationContractInfo(f.reps[i].Address(), f.hosts[i].Address(), plan.Mode,
			hook.ReputationContractInfo{PublicKey: pk, PeerPort: uint16(22860 + i), Moment: f.moment})
		require.NoError(t, err)
		_, err = e.c.SubmitAndWait(e.ctx, f.reps[i], tx)
		require.NoError(t, err)
	}
	domain := "host0.example"
	_, err = e.c.SubmitAndWait(e.ctx, f.hosts[0], evernode.AccountSet{Common: evernode.Common{Account: f.hosts[0].Address()}, Domain: &domain})
	require.NoError(t, err)
	return f
}

func le64(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

func hexOfBytes(b []byte) string { return strings.ToUpper(hexEncode(b)) }

// TestReputationReadsOnLocalnet reads every reputation entry back through
// the read helpers, the WalletLocator links and the contract infos of
// both account modes, and prepares a score blob over the universe.
func TestReputationReadsOnLocalnet(t *testing.T) {
	f := newRepFixture(t)
	e, cfg, m := f.e, f.cfg, f.moment

	for i, h := range f.hosts {
		id, ok, err := hook.ReputationOrderByAddress(e.ctx, e.c, cfg, h.Address(), m)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, f.orderedIDs[i], id)
		addr, ok, err := hook.ReputationAddressByOrderedID(e.ctx, e.c, cfg, id, m)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, h.Address(), addr)
		info, ok, err := hook.ReputationInfoByAddress(e.ctx, e.c, cfg, h.Address())
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, f.infos[i].Score, info.Score)
	}
	n, ok, err := hook.ReputationHostCount(e.ctx, e.c, cfg, m)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, uint64(3), n)
	_, ok, err = hook.ReputationOrderByAddress(e.ctx, e.c, cfg, f.hosts[0].Address(), m+1)
	require.NoError(t, err)
	assert.False(t, ok, "no order in another moment")

	rep, mode, ok, err := hook.ReputationAccountOf(e.ctx, e.c, f.hosts[1].Address())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, f.reps[1].Address(), rep)
	assert.Equal(t, hook.ReputationOneToMany, mode)
	_, _, ok, err = hook.ReputationAccountOf(e.ctx, e.c, f.hosts[2].Address())
	require.NoError(t, err)
	assert.False(t, ok)

	for i := range 2 {
		rc, ok, err := hook.ReputationContractInfoByAddress(e.ctx, e.c, f.hosts[i].Address(), m)
		require.NoError(t, err)
		require.True(t, ok, "host %d", i)
		assert.Equal(t, f.pubkeys[i], rc.PublicKey)
		assert.Equal(t, uint16(22860+i), rc.PeerPort)
		_, ok, err = hook.ReputationContractInfoByAddress(e.ctx, e.c, f.hosts[i].Address(), m+1)
		require.NoError(t, err)
		assert.False(t, ok, "info for another moment")
	}
	rc, _, _ := hook.ReputationContractInfoByAddress(e.ctx, e.c, f.hosts[0].Address(), m)
	assert.Equal(t, "host0.example", rc.Domain)

	r, ok, err := hook.ReputationOf(e.ctx, e.c, cfg, f.hosts[1].Address(), m)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(1), *r.OrderedID)
	assert.NotNil(t, r.Info)
	assert.NotNil(t, r.Contract)
	or, ok, err := hook.ReputationByOrderedID(e.ctx, e.c, cfg, 2, m)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Nil(t, or.Contract)
	assert.Equal(t, f.hosts[2].Address(), or.Host)

	scores := map[string]byte{f.pubkeys[0]: 80, f.pubkeys[1]: 70, "-1": 5}
	blob, err := hook.ReputationScores(e.ctx, e.c, cfg, f.hosts[0].Address(), m, 3, 3, scores)
	require.NoError(t, err)
	require.Len(t, blob, 66)
	assert.Equal(t, []byte{3, 80, 70, 5, 5}, blob[:5], "ids without a contract take the \"-1\" score")
	assert.Equal(t, byte(3), blob[65])
	blob, err = hook.ReputationScores(e.ctx, e.c, cfg, f.hosts[0].Address(), m+1, 3, 3, scores)
	require.NoError(t, err)
	assert.Equal(t, []byte{3}, blob, "not in the round: version only")
}

func hexEncode(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
