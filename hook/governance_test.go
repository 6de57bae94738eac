package hook

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// TestGovernanceVectors builds every governance transaction the JS
// HostClient and FoundationClient built in governance.json and compares
// destination, amount and hook parameters byte for byte.
func TestGovernanceVectors(t *testing.T) {
	v := loadGovernance(t)
	cfg := v.Config
	cfg.Governor = v.Accounts["governor"].Address
	cfg.RewardInfo.Epoch = 3
	cfg.RewardConfiguration.FirstEpochRewardQuota = 5120
	hashes := [128]byte(mustHex(t, v.Hashes))
	found := v.Accounts["foundation"].Address
	host := v.Accounts["host"].Address
	dud := v.Accounts["dudHost"].Address
	dudID, _ := ParseAccountID(dud)
	cand := DudHostCandidateID(dudID)
	build := map[string]func() (evernode.Payment, error){
		"foundationPropose": func() (evernode.Payment, error) {
			p, _, err := Propose(&cfg, found, hashes, "upgrade-v4-hooks-with-a-long-name")
			return p, err
		},
		"foundationWithdraw":             func() (evernode.Payment, error) { return Withdraw(&cfg, found, cand) },
		"foundationVoteSupport":          func() (evernode.Payment, error) { return FoundationVote(&cfg, found, cand, VoteSupport) },
		"foundationVoteReject":           func() (evernode.Payment, error) { return FoundationVote(&cfg, found, cand, VoteReject) },
		"foundationReportDudHost":        func() (evernode.Payment, error) { return ReportDudHost(&cfg, found, dud) },
		"foundationVoteDudHost":          func() (evernode.Payment, error) { return VoteDudHost(&cfg, found, dud, VoteSupport) },
		"foundationVotePilotedMode":      func() (evernode.Payment, error) { return VotePilotedMode(&cfg, found, VoteReject) },
		"foundationChangeGovernanceMode": func() (evernode.Payment, error) { return ChangeGovernanceMode(&cfg, found, GovernanceCoPiloted) },
		"foundationUpdateHostReputation": func() (evernode.Payment, error) { return UpdateHostReputation(&cfg, found, dud, 200) },
		"hostPropose": func() (evernode.Payment, error) {
			p, _, err := Propose(&cfg, host, hashes, "short")
			return p, err
		},
		"hostWithdraw":      func() (evernode.Payment, error) { return Withdraw(&cfg, host, cand) },
		"hostReportDudHost": func() (evernode.Payment, error) { return ReportDudHost(&cfg, host, dud) },
		"pruneDeadHost":     func() (evernode.Payment, error) { return PruneDeadHost(&cfg, host, dud) },
	}
	require.Len(t, v.Transactions, len(build))
	for name, c := range v.Transactions {
		t.Run(name, func(t *testing.T) {
			f := build[name]
			require.NotNil(t, f, "no Go builder for %s", name)
			p, err := f()
			require.NoError(t, err)
			assert.Equal(t, c.Sender, p.Account)
			assert.Equal(t, c.Destination, p.Destination)
			if c.Currency == nil {
				assert.Equal(t, evernode.Drops(1), p.Amount)
			} else {
				assert.Equal(t, cfg.EVR(c.Amount), p.Amount)
			}
			require.Len(t, p.HookParameters, len(c.HookParams))
			for i, want := range c.HookParams {
				got := p.HookParameters[i].Wire()
				assert.Equal(t, strings.ToUpper(want.Name), got.HookParameterName)
				wv := want.Value
				if mustHex(t, want.Name)[31] == memo.ParamEventType {
					wv = strings.ToUpper(hexOf([]byte(wv)))
				}
				assert.Equal(t, strings.ToUpper(wv), got.HookParameterValue, "parameter %d", i)
			}
			if c.Returned != nil {
				_, id, _ := Propose(&cfg, host, hashes, "")
				assert.Equal(t, strings.ToUpper(*c.Returned), strings.ToUpper(hexOf(id[:])))
			}
		})
	}
}

func hexOf(b []byte) string { return strings.ToUpper(hexLower(b)) }

func TestEpochRewardQuotaVectors(t *testing.T) {
	v := loadGovernance(t)
	require.NotEmpty(t, v.EpochRewardQuota)
	for _, c := range v.EpochRewardQuota {
		assert.Equal(t, c.Quota, EpochRewardQuota(c.Epoch, c.First), "epoch %d first %d", c.Epoch, c.First)
		cfg := Config{RewardInfo: RewardInfo{Epoch: c.Epoch}, RewardConfiguration: RewardConfiguration{FirstEpochRewardQuota: c.First}}
		assert.Equal(t, c.Quota, cfg.ProposalFee())
		assert.Equal(t, c.Quarter, cfg.DudHostReportFee())
	}
}

func TestGovernanceBuildersRefuseBadInput(t *testing.T) {
	v := loadGovernance(t)
	cfg := v.Config
	cfg.Governor = v.Accounts["governor"].Address
	host := v.Accounts["host"].Address
	for name, err := range map[string]error{
		"vote by a host":      second(FoundationVote(&cfg, host, [32]byte{}, VoteSupport)),
		"mode by a host":      second(ChangeGovernanceMode(&cfg, host, GovernanceAutoPiloted)),
		"reputation by host":  second(UpdateHostReputation(&cfg, host, host, 1)),
		"bad mode":            second(ChangeGovernanceMode(&cfg, cfg.FoundationAddress, 9)),
		"bad dud host":        second(ReportDudHost(&cfg, host, "nonsense")),
		"registry prunes":     second(PruneDeadHost(&cfg, cfg.RegistryAddress, host)),
		"no governor address": second(Withdraw(&Config{}, host, [32]byte{})),
	} {
		assert.True(t, errors.Is(err, ErrInvalid), "%s: %v", name, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestShortNameBytes(t *testing.T) {
	assert.Equal(t, "abc", string(shortNameBytes("abc")))
	assert.Equal(t, strings.Repeat("x", 20), string(shortNameBytes(strings.Repeat("x", 25))))
	// 20 UTF-16 units of a 3-byte rune are 60 bytes: cut to 20 bytes.
	assert.Len(t, shortNameBytes(strings.Repeat("€", 25)), 20)
	// An astral rune counts two units.
	assert.Equal(t, strings.Repeat("😀", 5), string(shortNameBytes(strings.Repeat("😀", 12))))
}

// TestGovernanceVectorsRegenerate runs the committed generator
// (testdata/evernode/gen/governance.js) against the installed
// evernode-js-client and checks it reproduces governance.json, when
// EVERNODE_JS_CLIENT names the directory holding node_modules.
func TestGovernanceVectorsRegenerate(t *testing.T) {
	_, nodeModules := JSClient(t)
	root := filepath.Join("..", "testdata", "evernode")
	cmd := exec.Command("node", filepath.Join(root, "gen", "governance.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(root, "governance.json"))
	require.NoError(t, err)
	var a, b any
	require.NoError(t, json.Unmarshal(out, &a))
	require.NoError(t, json.Unmarshal(want, &b))
	assert.Equal(t, b, a, "governance.json is stale: regenerate it with testdata/evernode/gen/governance.js")
}
