package hook

import (
	"crypto/sha512"
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// Sizes of the event data of governance transactions.
const (
	ProposeParamSize          = proposeParamSize    // evnCandidatePropose: data ‖ data2
	CandidateIDParamSize      = 32                  // evnCandidateWithdraw, evnDudHostReport
	GovernanceModeParamSize   = 1                   // evnGovernanceModeChange
	UpdateReputationParamSize = reputationParamSize // evnHostUpdateReputation
	PruneParamSize            = 20                  // evnDeadHostPrune
	// MaxShortNameLen is the longest candidate short name in bytes.
	MaxShortNameLen = 20
)

// hookDefinitionType is the ledger entry type 'D' (HookDefinition).
const hookDefinitionType = 0x0044

// HookDefinitionIndex returns the ledger index of the HookDefinition of a
// hook hash: SHA-512Half(0x0044 ‖ hash).
func HookDefinitionIndex(hookHash [32]byte) [32]byte {
	h := sha512.New()
	h.Write([]byte{0, hookDefinitionType})
	h.Write(hookHash[:])
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// EpochRewardQuota returns the EVR reward quota of one moment in an epoch
// as the JS client's EvernodeHelpers.getEpochRewardQuota computes it:
// firstQuota / 2^(epoch−1), in float64, as decimal text ("5120", "2.5").
// The hooks divide in integers; for the live configuration (5120, at most
// 10 epochs) both agree.
func EpochRewardQuota(epoch uint8, firstQuota uint32) string {
	return jsNumber(epochQuota(epoch, firstQuota))
}

func epochQuota(epoch uint8, firstQuota uint32) float64 {
	div := 1.0
	if epoch > 1 {
		div = math.Pow(2, float64(epoch-1))
	}
	return float64(firstQuota) / div
}

// jsNumber formats a float as JavaScript's Number#toString does for the
// magnitudes fees have (no exponent form).
func jsNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ProposalFee is the EVR a new-hook proposal costs: one moment's reward
// quota of the current epoch.
func (c *Config) ProposalFee() string {
	return EpochRewardQuota(c.RewardInfo.Epoch, c.RewardConfiguration.FirstEpochRewardQuota)
}

// DudHostReportFee is the EVR a dud-host report costs: a quarter of the
// proposal fee.
func (c *Config) DudHostReportFee() string {
	return jsNumber(epochQuota(c.RewardInfo.Epoch, c.RewardConfiguration.FirstEpochRewardQuota) / 4)
}

// shortNameBytes is the JS client's shortName.substr(0, 20) as UTF-8, cut
// to the 20 bytes the proposal holds.
func shortNameBytes(s string) []byte {
	units, end := 0, 0
	for i, r := range s {
		n := 1
		if r > 0xFFFF {
			n = 2
		}
		if units+n > MaxShortNameLen {
			break
		}
		units += n
		end = i + utf8.RuneLen(r)
	}
	b := []byte(s[:end])
	if len(b) > MaxShortNameLen {
		b = b[:MaxShortNameLen]
	}
	return b
}

// ProposeParam returns the 316-byte evnCandidatePropose data: the four
// hook hashes (governor, registry, heartbeat, reputation), the keylets of
// their HookDefinitions, the candidate id and the short name.
func ProposeParam(hashes [128]byte, shortName string) ([]byte, [32]byte) {
	b := make([]byte, proposeParamSize)
	copy(b, hashes[:])
	for i := range 4 {
		k := b[128+34*i:]
		binary.BigEndian.PutUint16(k, hookDefinitionType)
		idx := HookDefinitionIndex([32]byte(hashes[32*i : 32*i+32]))
		copy(k[2:34], idx[:])
	}
	id := NewHookCandidateID(hashes)
	copy(b[proposeIDOffset:], id[:])
	copy(b[proposeNameOffset:], shortNameBytes(shortName))
	return b, id
}

// governor returns the configured governor address for a builder.
func (c *Config) governorAddr() (string, error) {
	if c.Governor == "" {
		return "", invalid("Governor", "missing from the configuration (set by LoadConfig)")
	}
	return c.Governor, nil
}

// Propose builds a new-hook candidate proposal: ProposalFee EVR from owner
// to the governor with evnCandidatePropose (data: the first 256 bytes of
// ProposeParam, data2 the rest). It returns the candidate id. The
// governor accepts it from the foundation or from a host registered at
// least the eligibility period, when all four HookDefinitions exist.
func Propose(cfg *Config, owner string, hashes [128]byte, shortName string) (evernode.Payment, [32]byte, error) {
	gov, err := cfg.governorAddr()
	if err != nil {
		return evernode.Payment{}, [32]byte{}, err
	}
	if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
		return evernode.Payment{}, [32]byte{}, err
	}
	data, id := ProposeParam(hashes, shortName)
	ps, err := memo.Params{Event: memo.EventCandidatePropose, Data: data[:memo.MaxParamValueLen], Data2: data[memo.MaxParamValueLen:]}.Encode()
	if err != nil {
		return evernode.Payment{}, id, err
	}
	return evernode.Payment{
		Common:      evernode.Common{Account: owner, HookParameters: ps},
		Destination: gov,
		Amount:      cfg.EVR(cfg.ProposalFee()),
	}, id, nil
}

// Withdraw builds the 1-drop evnCandidateWithdraw of a candidate its owner
// proposed, to the governor. The governor rebates half the proposal fee
// (all of it goes to the reward pool when the candidate is due for purge).
func Withdraw(cfg *Config, owner string, candidateID [32]byte) (evernode.Payment, error) {
	gov, err := cfg.governorAddr()
	if err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventCandidateWithdraw, append([]byte(nil), candidateID[:]...))
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(owner, gov, ps), nil
}

// ReportDudHost builds a dud-host report against host: DudHostReportFee
// EVR from reporter to the governor with evnDudHostReport and the
// dud-host candidate id.
func ReportDudHost(cfg *Config, reporter, host string) (evernode.Payment, error) {
	gov, err := cfg.governorAddr()
	if err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
		return evernode.Payment{}, err
	}
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Payment{}, err
	}
	id := DudHostCandidateID(h)
	ps, err := params(memo.EventDudHostReport, id[:])
	if err != nil {
		return evernode.Payment{}, err
	}
	return evernode.Payment{
		Common:      evernode.Common{Account: reporter, HookParameters: ps},
		Destination: gov,
		Amount:      cfg.EVR(cfg.DudHostReportFee()),
	}, nil
}

// onlyFoundation is the JS FoundationClient's guard.
func onlyFoundation(cfg *Config, sender string) error {
	if cfg.FoundationAddress == "" || sender != cfg.FoundationAddress {
		return invalid("sender", "%s is not the foundation address %q", sender, cfg.FoundationAddress)
	}
	return nil
}

// FoundationVote builds the foundation's 1-drop evnCandidateVote to the
// heartbeat hook: candidate id ‖ vote (33 bytes). Hosts vote inside their
// heartbeat instead (Heartbeat with a Vote).
func FoundationVote(cfg *Config, foundation string, candidateID [32]byte, vote VoteValue) (evernode.Payment, error) {
	if err := onlyFoundation(cfg, foundation); err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("HeartbeatAddress", cfg.HeartbeatAddress); err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventCandidateVote, Vote{Candidate: candidateID, Value: vote}.Encode())
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(foundation, cfg.HeartbeatAddress, ps), nil
}

// VoteDudHost is FoundationVote on the dud-host candidate of host.
func VoteDudHost(cfg *Config, foundation, host string, vote VoteValue) (evernode.Payment, error) {
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Payment{}, err
	}
	return FoundationVote(cfg, foundation, DudHostCandidateID(h), vote)
}

// VotePilotedMode is FoundationVote on the piloted-mode candidate.
func VotePilotedMode(cfg *Config, foundation string, vote VoteValue) (evernode.Payment, error) {
	return FoundationVote(cfg, foundation, PilotedModeCandidateID(), vote)
}

// ChangeGovernanceMode builds the foundation's 1-drop
// evnGovernanceModeChange to the governor. The governor only moves the
// mode up (piloted → co-piloted → auto-piloted).
func ChangeGovernanceMode(cfg *Config, foundation string, mode GovernanceMode) (evernode.Payment, error) {
	if err := onlyFoundation(cfg, foundation); err != nil {
		return evernode.Payment{}, err
	}
	gov, err := cfg.governorAddr()
	if err != nil {
		return evernode.Payment{}, err
	}
	if mode < GovernancePiloted || mode > GovernanceAutoPiloted {
		return evernode.Payment{}, invalid("mode", "governance mode %d", mode)
	}
	ps, err := params(memo.EventGovernanceModeChange, []byte{byte(mode)})
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(foundation, gov, ps), nil
}

// UpdateHostReputation builds the foundation's 1-drop
// evnHostUpdateReputation to the registry: host account ID ‖ reputation.
func UpdateHostReputation(cfg *Config, foundation, host string, reputation uint8) (evernode.Payment, error) {
	if err := onlyFoundation(cfg, foundation); err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventHostUpdateReputation, append(h[:], reputation))
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(foundation, cfg.RegistryAddress, ps), nil
}

// PruneDeadHost builds the 1-drop evnDeadHostPrune naming host, to the
// registry (the JS client's pruneDeadHost). The registry hook of v3 does
// not dispatch it: it is accepted and does nothing.
func PruneDeadHost(cfg *Config, sender, host string) (evernode.Payment, error) {
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	if sender == cfg.RegistryAddress {
		return evernode.Payment{}, invalid("sender", "the registry cannot prune")
	}
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventDeadHostPrune, h[:])
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(sender, cfg.RegistryAddress, ps), nil
}
