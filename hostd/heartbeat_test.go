package hostd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks/evhookstest"
	"github.com/evernode-go/sdk/hook"
)

// beatWorld is a localnet with the Evernode hooks (the Go emulation, or the
// real ones) and a host registered before its daemon starts.
type beatWorld struct {
	t     *testing.T
	ctx   context.Context
	net   *localnet.Net
	dep   *evhooks.Deployment
	c     *evernode.Client // the test's
	dc    *evernode.Client // the daemons'
	hook  *hook.Config
	w     *evernode.Wallet
	clock *clock
	prov  *fakeProv
	cfg   Config
	reg   [32]byte // the registration token id
	// runs are the daemons start started, which waitFor watches.
	runs runs
}

func newBeatWorld(t *testing.T, real bool) *beatWorld {
	var wasm *evhooks.Wasm
	if real {
		wasm = evhookstest.Wasm(t)
	}
	rw := newRegWorldWith(t, wasm)
	ctx, n, dep, c, cf, w := rw.ctx, rw.net, rw.dep, rw.c, rw.hook, rw.w
	waitEVR(ctx, t, c, cf, w, "1000")
	_, err := c.SubmitAndWait(ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
	require.NoError(t, err)
	res, err := hook.RegisterHost(ctx, c, w, cf, *rw.cfg.Register, nil)
	require.NoError(t, err)
	dc, err := evernode.Dial(ctx, dep.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond, LedgerOffset: 200})
	require.NoError(t, err)
	t.Cleanup(func() { dc.Close() })
	bw := &beatWorld{t: t, ctx: ctx, net: n, dep: dep, c: c, dc: dc, hook: cf, w: w, clock: &clock{}, prov: newFakeProv(), reg: res.TokenID}
	bw.cfg = Config{DataDir: t.TempDir(), Hook: cf, Instances: 1, LeasePrice: "1", Tick: 20 * time.Millisecond, Now: bw.clock.Now,
		Logger: rw.cfg.Logger}
	return bw
}

// fundEVR gives w evr EVR and waits until the ledger shows it.
func fundEVR(ctx context.Context, t *testing.T, dep *evhooks.Deployment, c *evernode.Client, cf *hook.Config, w *evernode.Wallet, evr string) {
	require.NoError(t, dep.FundEVR(ctx, w, evr))
	waitEVR(ctx, t, c, cf, w, evr)
}

// waitEVR waits until the ledger shows w holding evr EVR.
func waitEVR(ctx context.Context, t *testing.T, c *evernode.Client, cf *hook.Config, w *evernode.Wallet, evr string) {
	for {
		if got, err := hook.EVRBalance(ctx, c, cf, w.Address()); err == nil && got == evr {
			return
		}
		require.NoError(t, c.WaitLedger(ctx, c.ValidatedLedger()+1))
	}
}

func (bw *beatWorld) start(fault func(string) bool) *running {
	d, err := New(bw.dc, bw.w, bw.prov, &bw.cfg)
	require.NoError(bw.t, err)
	d.fault = fault
	r := bw.runs.start(bw.ctx, d)
	bw.t.Cleanup(func() { _ = r.d.Close() })
	return r
}

func (bw *beatWorld) waitFor(what string, cond func() bool) {
	bw.t.Helper()
	bw.runs.waitFor(bw.t, bw.ctx, bw.c, what, cond)
}

// voter makes the host reputed (and keeps it so through the next first
// heartbeat of a moment) and old enough to vote, writing its HOST_ADDR as
// the hook test does: earning that honestly takes reputation rounds and
// months of ledger time.
func (bw *beatWorld) voter() {
	var info hook.HostInfo
	retry(bw.t, func() (err error) { info, err = hook.Host(bw.ctx, bw.c, bw.hook, bw.w.Address()); return err })
	ha := info.HostAddr
	ha.Flags |= 1
	ha.Reputation = 255
	ha.RegistrationTimestamp = 1
	id, err := hook.ParseAccountID(bw.w.Address())
	require.NoError(bw.t, err)
	require.NoError(bw.t, bw.dep.SetState(bw.ctx, evhooks.StateEntry{Key: hook.HostAddrKey(id), Value: ha.Encode()}))
	// The write is a transaction in the open ledger: let it validate
	// before a daemon heartbeats, so the two never share a ledger (a vote
	// once came back tecHOOK_REJECTED from the ledger that also held this
	// write; a real host's state is never rewritten under it).
	open := bw.net.ValidatedLedger() + 1 // the write's ledger, or an earlier one
	require.NoError(bw.t, bw.c.WaitLedger(bw.ctx, open))
}

// candidate writes a dud-host governance candidate with the given index;
// closed makes it one whose vote closed this moment (elected now).
func (bw *beatWorld) candidate(seed byte, index uint32, closed bool) [32]byte {
	var dud hook.AccountID
	dud[0], dud[19] = seed, seed
	id := hook.DudHostCandidateID(dud)
	owner, err := hook.ParseAccountID(bw.dep.Foundation.Address())
	require.NoError(bw.t, err)
	now := uint64(bw.net.LedgerTime().Unix())
	c := hook.Candidate{Owner: owner, Index: index, ShortName: fmt.Sprintf("dud%d", index), CreatedTimestamp: now,
		Status: hook.CandidateRejected, StatusChangeTimestamp: now, FoundationVoteStatus: hook.CandidateRejected}
	if closed {
		c.Status, c.ElectPurgeLastTryTimestamp = hook.CandidateElected, now
	}
	require.NoError(bw.t, bw.dep.SetState(bw.ctx, evhooks.StateEntry{Key: hook.CandidateIDKey(id), Value: c.Encode()}))
	return id
}

// toNextBeat moves the daemon's clock and the ledger's to the host's
// heartbeat time in the next moment, and returns that moment.
func (bw *beatWorld) toNextBeat() uint64 {
	ms := bw.hook.Moments()
	size := time.Duration(ms.Size) * time.Second
	next := ms.MomentAt(uint64(bw.clock.Now().Unix()), 0) + 1
	start := int64(ms.Base.BaseIndex) + int64(next-uint64(ms.Base.BaseTransitionMoment))*int64(ms.Size)
	target := time.Unix(start, 0).Add(heartbeatOffset(bw.reg, size) + time.Second)
	d := target.Sub(bw.clock.Now())
	bw.clock.Advance(d)
	bw.net.AdvanceTime(d)
	require.Equal(bw.t, next, ms.MomentAt(uint64(bw.clock.Now().Unix()), 0))
	return next
}

// beatOf reads a moment's heartbeat record.
func beatOf(t *testing.T, d *Daemon, m uint64) *beat {
	var r *beat
	require.NoError(t, d.db.View(func(tx *bolt.Tx) (err error) { r, err = getBeat(tx, m); return err }))
	return r
}

// beatIntents lists a moment's heartbeat intents in queue order.
func beatIntents(t *testing.T, d *Daemon, m uint64) []intent {
	prefix := fmt.Sprintf("heartbeat/%d/", m)
	return outboxIntents(t, d, func(it intent) bool { return strings.HasPrefix(it.ID, prefix) })
}

// outboxIntents lists, in queue order, the intents of d's outbox, open or
// done, that keep accepts.
func outboxIntents(t *testing.T, d *Daemon, keep func(intent) bool) []intent {
	var out []intent
	require.NoError(t, d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
			var it intent
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			if keep(it) {
				out = append(out, it)
			}
			return nil
		})
	}))
	return out
}

func sent(t *testing.T, d *Daemon, m uint64) func() bool {
	return func() bool { r := beatOf(t, d, m); return r != nil && r.Sent && len(r.Open) == 0 }
}

// The configured votes go out one heartbeat each, in candidate index
// order, and the ledger records them; a vote for a vanished candidate and
// a vote the hook skips are dropped for good (a restart does not send them
// again); the next moment votes again with what is left.
func TestHeartbeatVotes(t *testing.T) { bothHookKinds(t, testHeartbeatVotes) }

func bothHookKinds(t *testing.T, fn func(t *testing.T, real bool)) {
	t.Run("emulation", func(t *testing.T) { fn(t, false) })
	t.Run("real hooks", func(t *testing.T) { fn(t, true) })
}

func testHeartbeatVotes(t *testing.T, real bool) {
	bw := newBeatWorld(t, real)
	bw.voter()
	// Index order is the reverse of the ids' order: the daemon must sort.
	a := bw.candidate(1, 2, false)
	b := bw.candidate(2, 1, false)
	closed := bw.candidate(3, 3, true)
	var gone [32]byte
	gone[4], gone[31] = byte(hook.CandidateDudHost), 9
	hx := func(id [32]byte) string { return fmt.Sprintf("%X", id) }
	require.Less(t, hx(a), hx(b), "the ids sort opposite to the indexes")
	bw.cfg.Votes = map[string]hook.VoteValue{hx(a): hook.VoteSupport, strings.ToLower(hx(b)): hook.VoteSupport,
		hx(closed): hook.VoteSupport, hx(gone): hook.VoteReject}
	r := bw.start(nil)
	m := bw.hook.Moments().MomentAt(uint64(bw.clock.Now().Unix()), 0)
	bw.waitFor("the first heartbeat", sent(t, r.d, m))

	its := beatIntents(t, r.d, m)
	require.Len(t, its, 3, "one heartbeat per existing candidate, no plain one")
	for i, want := range [][32]byte{b, a, closed} {
		require.Equal(t, want[:], its[i].Payload[:32], "vote %d in candidate index order", i)
		require.Equal(t, iDone, its[i].State, "%s: %s", its[i].ID, its[i].Result)
	}
	require.Contains(t, its[2].Reason, hook.VoteValidationErr)
	for _, id := range [][32]byte{a, b} {
		ci, ok, err := hook.CandidateByID(bw.ctx, bw.c, bw.hook, id)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, uint32(1), ci.PositiveVoteCount, "support vote on %X recorded", id)
		require.NotZero(t, ci.LastVoteTimestamp)
	}
	info, err := hook.Host(bw.ctx, bw.c, bw.hook, bw.w.Address())
	require.NoError(t, err)
	require.Equal(t, uint32(2), info.LastVoteCandidateIdx)
	left := map[string]hook.VoteValue{hx(a): hook.VoteSupport, hx(b): hook.VoteSupport}
	votes, err := r.d.Votes()
	require.NoError(t, err)
	require.Equal(t, left, votes)

	// Restart; next moment (on both clocks): only the votes in force.
	require.NoError(t, ignoreStop(r.stop(t)))
	bw.voter()
	m2 := bw.toNextBeat()
	r = bw.start(nil)
	votes, err = r.d.Votes()
	require.NoError(t, err)
	require.Equal(t, left, votes, "dropped votes stay dropped")
	bw.waitFor("the second moment's heartbeat", sent(t, r.d, m2))
	its = beatIntents(t, r.d, m2)
	require.Len(t, its, 2)
	require.Equal(t, b[:], its[0].Payload[:32])
	require.Equal(t, a[:], its[1].Payload[:32])
	for _, it := range its {
		require.Equal(t, iDone, it.State, "%s: %s", it.ID, it.Result)
		require.Empty(t, it.Reason)
	}
	ci, _, err := hook.CandidateByID(bw.ctx, bw.c, bw.hook, a)
	require.NoError(t, err)
	require.Equal(t, m2, bw.hook.Moments().MomentAt(ci.LastVoteTimestamp, 0), "voted again in the new moment")
}

// A heartbeat the ledger refuses is tried again HeartbeatRetryDelay later
// and the moment counts once it applied; four refusals (the first try and
// three retries, as mb-xrpl) leave the moment unsent, and the next
// heartbeat moment tries again.
func TestHeartbeatRetry(t *testing.T) { bothHookKinds(t, testHeartbeatRetry) }

func testHeartbeatRetry(t *testing.T, real bool) {
	bw := newBeatWorld(t, real)
	// Short enough that every retry stays in the moment, whatever the
	// host's offset in it (at most 45 min).
	const delay = time.Minute
	bw.cfg.HeartbeatRetryDelay = delay
	r := bw.start(nil)
	d := r.d
	m0 := bw.hook.Moments().MomentAt(uint64(bw.clock.Now().Unix()), 0)
	bw.waitFor("the first heartbeat", sent(t, d, m0))
	bw.waitFor("idle", func() bool { ok, err := d.Idle(); return err == nil && ok })

	refuse := func() { require.NoError(t, bw.net.RejectNext(bw.w.Address(), "tecHOOK_REJECTED")) }
	failed := func(m uint64, attempt int) func() bool {
		return func() bool {
			r := beatOf(t, d, m)
			return r != nil && r.Attempt == attempt && len(r.Open) == 0 && !r.Sent
		}
	}

	// One refusal, then success.
	refuse()
	m1 := bw.toNextBeat()
	bw.waitFor("attempt 1 refused", failed(m1, 1))
	require.True(t, d.lastHeartbeat().Before(bw.clock.Now().Add(-time.Minute)), "a refused heartbeat does not count")
	bw.clock.Advance(delay)
	bw.waitFor("attempt 2 applied", sent(t, d, m1))
	require.Equal(t, 2, beatOf(t, d, m1).Attempt)

	// Four refusals: the moment stays unsent.
	m2 := bw.toNextBeat()
	for attempt := 1; attempt <= 1+DefaultHeartbeatRetries; attempt++ {
		refuse()
		if attempt > 1 {
			bw.clock.Advance(delay)
		}
		bw.waitFor(fmt.Sprintf("attempt %d refused", attempt), failed(m2, attempt))
	}
	bw.clock.Advance(delay)
	for range 5 {
		require.NoError(t, bw.c.WaitLedger(bw.ctx, bw.c.ValidatedLedger()+1))
	}
	require.Len(t, beatIntents(t, d, m2), 1+DefaultHeartbeatRetries, "no fifth try")
	require.False(t, beatOf(t, d, m2).Sent)
	require.NotEqual(t, m2, bw.hook.Moments().MomentAt(uint64(d.lastHeartbeat().Unix()), 0), "the moment is not marked sent")

	// The next heartbeat moment tries again.
	m3 := bw.toNextBeat()
	bw.waitFor("the next moment's heartbeat", sent(t, d, m3))
	require.Equal(t, 1, beatOf(t, d, m3).Attempt)
}

// votesOnLedger counts the host's validated heartbeats voting on id, by
// result.
func (bw *beatWorld) votesOnLedger(id [32]byte) map[string]int {
	var txs []evernode.TxResult
	retry(bw.t, func() (err error) { txs, err = bw.c.AccountTx(bw.ctx, bw.w.Address(), nil); return err })
	out := map[string]int{}
	for _, tx := range txs {
		if tx.String("Account") != bw.w.Address() || tx.String("Destination") != bw.hook.HeartbeatAddress {
			continue
		}
		for _, p := range tx.HookParameters() {
			if len(p.Value) == hook.VoteParamSize && [32]byte(p.Value[:32]) == id {
				if tx.Result() != "tesSUCCESS" {
					bw.t.Logf("vote %s in ledger %d: %s, hook executions %v", tx.Hash, tx.LedgerIndex, tx.Result(), tx.Meta["HookExecutions"])
				}
				out[tx.Result()]++
			}
		}
	}
	return out
}

// A daemon killed at each fault point in turn, one moment per point,
// while it votes: every vote is on the ledger exactly once a moment.
func TestHeartbeatVotesCrashSafe(t *testing.T) {
	bw := newBeatWorld(t, false)
	a := bw.candidate(1, 1, false)
	b := bw.candidate(2, 2, false)
	bw.cfg.Votes = map[string]hook.VoteValue{fmt.Sprintf("%X", a): hook.VoteSupport, fmt.Sprintf("%X", b): hook.VoteReject}
	moments := 0
	for k := int64(0); ; k++ {
		bw.voter()
		m := bw.hook.Moments().MomentAt(uint64(bw.clock.Now().Unix()), 0)
		if k > 0 {
			m = bw.toNextBeat()
		}
		var count atomic.Int64
		fault := crashAt([]int64{k}, &count)
		r := bw.start(fault)
		bw.waitFor(fmt.Sprintf("moment %d sent (crash at %d)", m, k), func() bool {
			select {
			case err := <-r.done:
				require.ErrorIs(t, err, errCrash)
				require.NoError(t, r.d.Close())
				r = bw.start(fault)
			default:
			}
			return sent(t, r.d, m)()
		})
		if err := r.stop(t); !errors.Is(err, errCrash) && !errors.Is(err, ErrClosed) {
			require.NoError(t, ignoreStop(err))
		}
		moments++
		if count.Load() <= k {
			break // no crash this time: every point was covered
		}
	}
	t.Logf("%d moments, one crash each", moments)
	for _, id := range [][32]byte{a, b} {
		require.Equal(t, map[string]int{"tesSUCCESS": moments}, bw.votesOnLedger(id), "one vote on %X a moment", id)
	}
}

func TestHeartbeatConfig(t *testing.T) {
	for retries, tries := range map[int]int{-1: 1, 0: 1 + DefaultHeartbeatRetries, 1: 2, 5: 6} {
		d := &Daemon{cfg: Config{HeartbeatRetries: retries}}
		require.Equal(t, tries, d.heartbeatAttempts(), "HeartbeatRetries %d", retries)
	}
	require.Equal(t, DefaultHeartbeatRetryDelay, (&Daemon{}).heartbeatRetryDelay())
	require.NoError(t, checkVotes(map[string]hook.VoteValue{strings.Repeat("aB", 32): hook.VoteSupport}))
	for _, bad := range []string{"", "ABCD", strings.Repeat("AB", 31) + "ZZ", strings.Repeat("AB", 33)} {
		require.Error(t, checkVotes(map[string]hook.VoteValue{bad: hook.VoteSupport}), "%q", bad)
	}
}
