package hook_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

// subset checks that every field of the Go value's JSON has the same value
// in the JS answer (the JS objects carry extra fields: type, key, …).
func subset(t *testing.T, what string, goValue any, js json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(goValue)
	require.NoError(t, err)
	var g, j map[string]any
	require.NoError(t, json.Unmarshal(b, &g), what)
	require.NoError(t, json.Unmarshal(js, &j), "%s: JS answer %s", what, js)
	for k, v := range g {
		assert.Equal(t, v, j[k], "%s: field %s (JS %s)", what, k, js)
	}
}

// TestReadsAgainstJS reads the same localnet state with the Go helpers and
// with evernode-js-client 0.6.61 (candidates, EVR balance, reputation
// order, score, contract info, ordered ids, host count, the reputation
// account link and the prepared score blob) and compares the answers. It
// runs when EVERNODE_JS_CLIENT names the directory holding
// node_modules/evernode-js-client and node is on PATH.
func TestReadsAgainstJS(t *testing.T) {
	dir, _ := hook.JSClient(t)
	f := newRepFixture(t)
	e, cfg, m := f.e, f.cfg, f.moment
	d := e.d
	require.NoError(t, d.FundEVR(e.ctx, d.Foundation, "10000"))
	e.waitLedgers(1)
	dud := f.hosts[2]
	e.register(dud)
	g := &hook.Governance{Client: e.c, Config: cfg, Signer: d.Foundation, Account: d.Foundation.Address()}
	_, err := g.ReportDudHost(e.ctx, dud.Address())
	require.NoError(t, err)
	_, err = g.ChangeGovernanceMode(e.ctx, hook.GovernanceCoPiloted)
	require.NoError(t, err)
	// A new-hook proposal by hosts[0], planted (localnet holds no hook
	// definitions to propose for real).
	proposer, _ := hook.ParseAccountID(f.hosts[0].Address())
	owner := hook.CandidateOwner{GovernorHookHash: [32]byte{0xA1}, RegistryHookHash: [32]byte{0xB2},
		HeartbeatHookHash: [32]byte{0xC3}, ReputationHookHash: [32]byte{0xD4}}
	fee, _ := hook.ParseXFL("5120")
	planted := hook.Candidate{Owner: proposer, Index: 3, ShortName: "v4 hooks", CreatedTimestamp: 1_700_000_000, ProposalFee: fee,
		PositiveVoteCount: 2, LastVoteTimestamp: 1_700_000_100, StatusChangeTimestamp: 1_700_000_000}
	require.NoError(t, d.SetState(e.ctx, evhooks.StateEntry{Key: hook.CandidateOwnerKey(proposer), Value: owner.Encode()},
		evhooks.StateEntry{Key: hook.CandidateIDKey(owner.CandidateID()), Value: planted.Encode()}))
	e.waitLedgers(2)
	all, err := hook.Candidates(e.ctx, e.c, cfg)
	require.NoError(t, err)
	require.Len(t, all, 3)

	scores := map[string]byte{f.pubkeys[0]: 80, f.pubkeys[1]: 70, "-1": 5}
	var hosts, ids []string
	for _, h := range f.hosts {
		hosts = append(hosts, h.Address())
	}
	for _, c := range all {
		ids = append(ids, strings.ToUpper(hex.EncodeToString(c.ID[:])))
	}
	req, _ := json.Marshal(map[string]any{"url": e.n.URL(), "governor": d.GovernorAddress(), "networkID": d.Network().NetworkID,
		"moment": m, "hosts": hosts, "foundation": d.Foundation.Address(), "dudHost": dud.Address(), "proposer": hosts[0],
		"candidateIds": ids, "scoreHost": hosts[0], "scores": scores})
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.CommandContext(e.ctx, "node", filepath.Join(filepath.Dir(file), "testdata", "jsreads", "reads.js"), dir)
	cmd.Stdin = strings.NewReader(string(req))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err)
	var js struct {
		AllCandidates            []json.RawMessage          `json:"allCandidates"`
		FoundationBalance        string                     `json:"foundationBalance"`
		DudHostVoteInfo          json.RawMessage            `json:"dudHostVoteInfo"`
		PilotedModeVoteInfo      json.RawMessage            `json:"pilotedModeVoteInfo"`
		DudHostCandidatesByOwner []json.RawMessage          `json:"dudHostCandidatesByOwner"`
		Candidates               map[string]json.RawMessage `json:"candidates"`
		CandidateByOwner         json.RawMessage            `json:"candidateByOwner"`
		Hosts                    map[string]struct {
			Order, Info, Contract, ReputationInfo json.RawMessage
			ReputationAccount                     *string
		} `json:"hosts"`
		Scores     string                     `json:"scores"`
		NoScores   string                     `json:"noScores"`
		HostCount  json.RawMessage            `json:"hostCount"`
		OrderedIDs map[string]json.RawMessage `json:"orderedIds"`
	}
	require.NoError(t, json.Unmarshal(out, &js), "%s", out)

	// Candidates.
	require.Len(t, js.AllCandidates, len(all))
	for i, c := range all {
		subset(t, "getAllCandidatesFromLedger", c, js.AllCandidates[i])
		got, ok, err := hook.CandidateByID(e.ctx, e.c, cfg, c.ID)
		require.NoError(t, err)
		require.True(t, ok)
		subset(t, "getCandidateById", got, js.Candidates[ids[i]])
	}
	byOwner, ok, err := hook.CandidateByOwner(e.ctx, e.c, cfg, hosts[0])
	require.NoError(t, err)
	require.True(t, ok)
	require.NotNil(t, byOwner.Hooks)
	subset(t, "getCandidateByOwner", byOwner, js.CandidateByOwner)
	dv, ok, err := hook.DudHostVoteInfo(e.ctx, e.c, cfg, dud.Address())
	require.NoError(t, err)
	require.True(t, ok)
	subset(t, "getDudHostVoteInfo", dv.Candidate, js.DudHostVoteInfo)
	pv, ok, err := hook.PilotedModeVoteInfo(e.ctx, e.c, cfg)
	require.NoError(t, err)
	require.True(t, ok)
	subset(t, "getPilotedModeVoteInfo", pv.Candidate, js.PilotedModeVoteInfo)
	mine, err := hook.DudHostCandidatesByOwner(e.ctx, e.c, cfg, d.Foundation.Address())
	require.NoError(t, err)
	require.Len(t, js.DudHostCandidatesByOwner, len(mine))
	bal, err := hook.EVRBalance(e.ctx, e.c, cfg, d.Foundation.Address())
	require.NoError(t, err)
	assert.Equal(t, js.FoundationBalance, bal)

	// Reputation.
	for i, h := range hosts {
		jh := js.Hosts[h]
		id, ok, err := hook.ReputationOrderByAddress(e.ctx, e.c, cfg, h, m)
		require.NoError(t, err)
		require.True(t, ok)
		subset(t, "getReputationOrderByAddress", map[string]any{"orderedId": id, "hostAddress": h, "moment": m}, jh.Order)
		info, _, err := hook.ReputationInfoByAddress(e.ctx, e.c, cfg, h)
		require.NoError(t, err)
		subset(t, "getReputationInfoByAddress", info, jh.Info)
		rc, ok, err := hook.ReputationContractInfoByAddress(e.ctx, e.c, h, m)
		require.NoError(t, err)
		if ok {
			subset(t, "getReputationContractInfoByAddress", rc, jh.Contract)
		} else {
			assert.Equal(t, "null", string(jh.Contract), h)
		}
		rep, _, ok, err := hook.ReputationAccountOf(e.ctx, e.c, h)
		require.NoError(t, err)
		if ok {
			require.NotNil(t, jh.ReputationAccount)
			assert.Equal(t, *jh.ReputationAccount, rep)
			r, _, err := hook.ReputationOf(e.ctx, e.c, cfg, h, m)
			require.NoError(t, err)
			subset(t, "getReputationInfo", r, jh.ReputationInfo)
		} else {
			assert.Nil(t, jh.ReputationAccount, "host %d", i)
		}
	}
	// The JS client prepares scores for the current moment; compare only
	// when the run stayed in the fixture's moment.
	if now := cfg.Moments().MomentAt(uint64(time.Now().Unix()), 0); now == m {
		blob, err := hook.ReputationScores(e.ctx, e.c, cfg, hosts[0], m, 3, 3, scores)
		require.NoError(t, err)
		assert.Equal(t, js.Scores, hex.EncodeToString(blob))
	} else {
		t.Logf("moment %d ended during the run: scores not compared", m)
	}
	assert.Equal(t, "03", js.NoScores)
	n, _, err := hook.ReputationHostCount(e.ctx, e.c, cfg, m)
	require.NoError(t, err)
	subset(t, "ReputationClient.getReputationInfo", map[string]any{"moment": m, "count": n}, js.HostCount)
	for i := range len(hosts) + 1 {
		r, ok, err := hook.ReputationByOrderedID(e.ctx, e.c, cfg, uint64(i), m)
		require.NoError(t, err)
		jo := js.OrderedIDs[strings.TrimSpace(string(rune('0'+i)))]
		var o struct{ Address, Contract json.RawMessage }
		require.NoError(t, json.Unmarshal(jo, &o))
		if !ok {
			assert.Equal(t, "null", string(o.Address))
			continue
		}
		subset(t, "getReputationAddressByOrderedId", map[string]any{"orderedId": i, "hostAddress": r.Host, "moment": m}, o.Address)
		want := map[string]any{"hostAddress": r.Host}
		if r.Contract != nil {
			want["contract"] = r.Contract
		}
		subset(t, "getReputationContractInfoByOrderedId", want, o.Contract)
	}
}

// TestPrepareReputationAccountAgainstJS links hosts to reputation
// accounts with evernode-js-client's prepareReputationAccount on localnet,
// in each starting state of its decision table, and checks that the
// WalletLocators it leaves are the ones hook.PrepareReputationAccount
// plans from the same state. Opt-in like TestReadsAgainstJS.
func TestPrepareReputationAccountAgainstJS(t *testing.T) {
	dir, _ := hook.JSClient(t)
	e := newGovEnvWith(t, 250*time.Millisecond, 60)
	cfg := e.config()
	d := e.d
	wallet := func() *evernode.Wallet {
		w, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
		require.NoError(t, err)
		return w
	}
	hosts := []*evernode.Wallet{wallet(), wallet(), wallet(), wallet()}
	shared, solo := wallet(), wallet()
	e.waitLedgers(1)
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "testdata", "jsreads", "prepare-reputation.js")
	locators := func(host, rep string) (string, string) {
		hi, err := e.c.AccountInfo(e.ctx, host, evernode.Validated)
		require.NoError(t, err)
		ri, err := e.c.AccountInfo(e.ctx, rep, evernode.Validated)
		require.NoError(t, err)
		return hi.AccountData.WalletLocator, ri.AccountData.WalletLocator
	}
	for i, step := range []struct {
		host *evernode.Wallet
		rep  *evernode.Wallet
		mode hook.ReputationMode
	}{
		{hosts[0], shared, hook.ReputationNone}, // fresh: one to one
		{hosts[1], shared, hook.ReputationNone}, // taken by another host: one to many
		{hosts[2], shared, hook.ReputationNone}, // already one to many
		{hosts[3], solo, hook.ReputationOneToMany},
	} {
		st, err := hook.ReadReputationAccountState(e.ctx, e.c, cfg, step.host.Address(), step.rep.Address())
		require.NoError(t, err)
		plan, err := hook.PrepareReputationAccount(cfg, st, step.mode)
		require.NoError(t, err)
		wantHost, wantRep := locators(step.host.Address(), step.rep.Address())
		for _, tx := range plan.HostTxs {
			wantHost = strings.ToUpper(hex.EncodeToString(tx.(evernode.AccountSet).WalletLocator))
		}
		for _, tx := range plan.ReputationTxs {
			if s, ok := tx.(evernode.AccountSet); ok {
				wantRep = strings.ToUpper(hex.EncodeToString(s.WalletLocator))
			}
		}
		req, _ := json.Marshal(map[string]any{"url": e.n.URL(), "governor": d.GovernorAddress(), "networkID": d.Network().NetworkID,
			"hostSeed": step.host.Seed(), "hostAddress": step.host.Address(), "repSeed": step.rep.Seed(),
			"repAddress": step.rep.Address(), "mode": int(step.mode)})
		cmd := exec.CommandContext(e.ctx, "node", script, dir)
		cmd.Stdin = strings.NewReader(string(req))
		cmd.Stderr = os.Stderr
		start := time.Now()
		_, err = cmd.Output()
		require.NoError(t, err, "step %d", i)
		t.Logf("step %d: JS took %v", i, time.Since(start))
		e.waitLedgers(1)
		gotHost, gotRep := locators(step.host.Address(), step.rep.Address())
		assert.Equal(t, wantHost, gotHost, "step %d: host WalletLocator", i)
		assert.Equal(t, wantRep, gotRep, "step %d: reputation WalletLocator", i)
		st, err = hook.ReadReputationAccountState(e.ctx, e.c, cfg, step.host.Address(), step.rep.Address())
		require.NoError(t, err)
		assert.True(t, st.ReputationHasEVRTrustLine, "step %d", i)
		plan, err = hook.PrepareReputationAccount(cfg, st, step.mode)
		require.NoError(t, err)
		assert.Empty(t, plan.HostTxs, "step %d: Go sees nothing left to do after JS", i)
		assert.Empty(t, plan.ReputationTxs, "step %d", i)
	}
}
