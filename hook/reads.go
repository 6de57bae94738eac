package hook

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/evernode-go/sdk/evernode"
)

// CandidateInfo is a governance candidate: its CANDIDATE_ID entry, and for
// a new-hook proposal the hook hashes of its CANDIDATE_OWNER entry.
type CandidateInfo struct {
	ID [32]byte
	Candidate
	// Hooks is the proposal's hook hashes (new-hook candidates only; nil
	// when the owner entry is missing).
	Hooks *CandidateOwner
	// DudHost is the reported host of a dud-host candidate.
	DudHost string
}

// Type is the candidate's type (byte 4 of its id).
func (c *CandidateInfo) Type() CandidateType { return CandidateTypeOf(c.ID) }

// MarshalJSON writes the fields of the JS client's merged candidate
// objects (getCandidateById, getAllCandidatesFromLedger).
func (c CandidateInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	o.add("uniqueId", upperHex(c.ID[:]))
	if c.DudHost != "" {
		o.add("dudHostAddress", c.DudHost)
	}
	c.Candidate.jsFields(&o)
	if h := c.Hooks; h != nil {
		o.add("governorHookHash", upperHex(h.GovernorHookHash[:]))
		o.add("registryHookHash", upperHex(h.RegistryHookHash[:]))
		o.add("heartbeatHookHash", upperHex(h.HeartbeatHookHash[:]))
		o.add("reputationHookHash", upperHex(h.ReputationHookHash[:]))
	}
	return o.MarshalJSON()
}

// CandidatesFromStates joins the CANDIDATE_ID and CANDIDATE_OWNER entries
// among governor namespace entries into candidates, in the order either
// entry of a candidate first appears (the JS client's order). An owner
// entry without an id entry yields nothing (the JS client returns a
// partial object then); an entry that does not decode is an error.
func CandidatesFromStates(states []evernode.HookState) ([]CandidateInfo, error) {
	byID := map[[32]byte]int{}
	var out []CandidateInfo
	var complete []bool
	slot := func(id [32]byte) *CandidateInfo {
		i, ok := byID[id]
		if !ok {
			i = len(out)
			byID[id] = i
			out = append(out, CandidateInfo{ID: id})
			complete = append(complete, false)
		}
		return &out[i]
	}
	for _, hs := range states {
		if len(hs.Key) != 64 || !strings.HasPrefix(hs.Key, "455652") || (hs.Key[6:8] != "05" && hs.Key[6:8] != "06") {
			continue
		}
		key, err1 := hex.DecodeString(hs.Key)
		value, err2 := hex.DecodeString(hs.Data)
		if err1 != nil || err2 != nil {
			return nil, malformed("candidate state %s is not hex", hs.Key)
		}
		st, err := DecodeState(key, value)
		if err != nil {
			return nil, fmt.Errorf("hook: candidate state %s: %w", hs.Key, err)
		}
		switch v := st.Value.(type) {
		case CandidateOwner:
			slot(st.uniqueID).Hooks = &v
		case Candidate:
			var id [32]byte
			copy(id[4:], key[4:])
			ci := slot(id)
			ci.Candidate = v
			if CandidateTypeOf(id) == CandidateDudHost {
				ci.DudHost = AccountID(id[12:]).String()
			}
			complete[byID[id]] = true
		}
	}
	kept := out[:0]
	for i, ci := range out {
		if complete[i] {
			kept = append(kept, ci)
		}
	}
	return kept, nil
}

// Candidates reads every governance candidate from the governor's
// namespace (getAllCandidatesFromLedger).
func Candidates(ctx context.Context, c *evernode.Client, cfg *Config) ([]CandidateInfo, error) {
	states, err := c.AccountNamespace(ctx, cfg.governor(c), NamespaceHex)
	if err != nil {
		return nil, fmt.Errorf("hook: read candidates: %w", err)
	}
	return CandidatesFromStates(states)
}

// DudHostCandidatesByOwner returns the dud-host candidates owner reported.
func DudHostCandidatesByOwner(ctx context.Context, c *evernode.Client, cfg *Config, owner string) ([]CandidateInfo, error) {
	all, err := Candidates(ctx, c, cfg)
	if err != nil {
		return nil, err
	}
	var out []CandidateInfo
	for _, ci := range all {
		if ci.Type() == CandidateDudHost && ci.Owner.String() == owner {
			out = append(out, ci)
		}
	}
	return out, nil
}

// governorState reads one entry of the governor's namespace.
func governorState(ctx context.Context, c *evernode.Client, cfg *Config, key Key) ([]byte, bool, error) {
	gov, err := ParseAccountID(cfg.governor(c))
	if err != nil {
		return nil, false, fmt.Errorf("hook: governor: %w", err)
	}
	return readState(ctx, c, gov, key, Namespace())
}

// CandidateByID reads a candidate by id (getCandidateById); found is false
// when there is none. A new-hook candidate comes with its hook hashes.
func CandidateByID(ctx context.Context, c *evernode.Client, cfg *Config, id [32]byte) (info CandidateInfo, found bool, err error) {
	b, ok, err := governorState(ctx, c, cfg, CandidateIDKey(id))
	if err != nil || !ok {
		return info, false, err
	}
	cand, err := DecodeCandidate(b)
	if err != nil {
		return info, false, err
	}
	info = CandidateInfo{ID: id, Candidate: cand}
	switch CandidateTypeOf(id) {
	case CandidateDudHost:
		info.DudHost = AccountID(id[12:]).String()
	case CandidateNewHook:
		ob, ok, err := governorState(ctx, c, cfg, CandidateOwnerKey(cand.Owner))
		if err != nil {
			return info, false, err
		}
		if ok {
			o, err := DecodeCandidateOwner(ob)
			if err != nil {
				return info, false, err
			}
			info.Hooks = &o
		}
	}
	return info, true, nil
}

// CandidateByOwner reads the new-hook candidate owner proposed
// (getCandidateByOwner); found is false when there is none.
func CandidateByOwner(ctx context.Context, c *evernode.Client, cfg *Config, owner string) (info CandidateInfo, found bool, err error) {
	a, err := ParseAccountID(owner)
	if err != nil {
		return info, false, err
	}
	ob, ok, err := governorState(ctx, c, cfg, CandidateOwnerKey(a))
	if err != nil || !ok {
		return info, false, err
	}
	if _, err := DecodeCandidateOwner(ob); err != nil {
		return info, false, err
	}
	info, found, err = CandidateByID(ctx, c, cfg, newHookCandidateID(ob))
	return info, found, err
}

// DudHostVoteInfo reads the dud-host candidate against host
// (getDudHostVoteInfo).
func DudHostVoteInfo(ctx context.Context, c *evernode.Client, cfg *Config, host string) (CandidateInfo, bool, error) {
	a, err := ParseAccountID(host)
	if err != nil {
		return CandidateInfo{}, false, err
	}
	return CandidateByID(ctx, c, cfg, DudHostCandidateID(a))
}

// PilotedModeVoteInfo reads the piloted-mode candidate
// (getPilotedModeVoteInfo); it exists once the governance mode left
// piloted.
func PilotedModeVoteInfo(ctx context.Context, c *evernode.Client, cfg *Config) (CandidateInfo, bool, error) {
	return CandidateByID(ctx, c, cfg, PilotedModeCandidateID())
}

// EVRBalance returns account's EVR balance on its trust line to the
// configured issuer as decimal text, "0" without a trust line
// (getEVRBalance).
func EVRBalance(ctx context.Context, c *evernode.Client, cfg *Config, account string) (string, error) {
	if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
		return "", err
	}
	lines, err := c.AccountLines(ctx, account, cfg.EVRIssuerAddress)
	if err != nil {
		return "", fmt.Errorf("hook: EVR balance of %s: %w", account, err)
	}
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency && l.Account == cfg.EVRIssuerAddress {
			return l.Balance, nil
		}
	}
	return "0", nil
}

// DecodeStateKey tells which kind of governor entry a key names
// (StateHelpers.decodeStateKey): the keyed kinds by their 4-byte prefix,
// configuration and singletons by the exact key. Unlike the JS client,
// which classifies any unknown key as configuration (audit A6), an
// unknown key is ErrUnknownKey.
func DecodeStateKey(key []byte) (Kind, error) {
	if len(key) != 32 {
		return "", malformed("state key of %d bytes", len(key))
	}
	if !bytes.HasPrefix(key, []byte("EVR")) {
		return "", fmt.Errorf("%w: %X", ErrUnknownKey, key)
	}
	switch key[3] {
	case keyHostAddr:
		return KindHostAddr, nil
	case keyTokenID:
		return KindTokenID, nil
	case keyTransfereeAddr:
		return KindTransfereeAddr, nil
	case keyCandidateOwner:
		return KindCandidateOwner, nil
	case keyCandidateID:
		return KindCandidateID, nil
	}
	k := Key(key)
	if SingletonName(Singleton(key[3])) != "" && k == SingletonKey(Singleton(key[3])) {
		return KindSingleton, nil
	}
	if ConfigName(ConfigIndex(key[31])) != "" && k == ConfigKey(ConfigIndex(key[31])) {
		return KindConfiguration, nil
	}
	return "", fmt.Errorf("%w: %X", ErrUnknownKey, key)
}

// ReputationAddressByOrderedID reads which host holds an ordered id in a
// moment's reputation round, on the reputation hook account
// (getReputationAddressByOrderedId).
func ReputationAddressByOrderedID(ctx context.Context, c *evernode.Client, cfg *Config, orderedID, moment uint64) (host string, found bool, err error) {
	b, ok, err := reputationState(ctx, c, cfg, ReputationOrderedIDKey(orderedID, moment))
	if err != nil || !ok {
		return "", false, err
	}
	if len(b) != 20 {
		return "", false, malformed("reputation host address of %d bytes", len(b))
	}
	return AccountID(b).String(), true, nil
}

// ReputationOrderByAddress reads a host's ordered id in a moment's
// reputation round (getReputationOrderByAddress).
func ReputationOrderByAddress(ctx context.Context, c *evernode.Client, cfg *Config, host string, moment uint64) (orderedID uint64, found bool, err error) {
	a, err := ParseAccountID(host)
	if err != nil {
		return 0, false, err
	}
	b, ok, err := reputationState(ctx, c, cfg, ReputationOrderAddressKey(a, moment))
	if err != nil || !ok {
		return 0, false, err
	}
	if err := need("reputation order", b, 8); err != nil {
		return 0, false, err
	}
	return le.Uint64(b), true, nil
}

// ReputationInfoByAddress reads a host's score entry
// (getReputationInfoByAddress).
func ReputationInfoByAddress(ctx context.Context, c *evernode.Client, cfg *Config, host string) (ReputationInfo, bool, error) {
	a, err := ParseAccountID(host)
	if err != nil {
		return ReputationInfo{}, false, err
	}
	b, ok, err := reputationState(ctx, c, cfg, ReputationHostAddrKey(a))
	if err != nil || !ok {
		return ReputationInfo{}, false, err
	}
	r, err := DecodeReputationInfo(b)
	return r, err == nil, err
}

// ReputationHostCount reads how many hosts registered for a moment's
// reputation round (ReputationClient.getReputationInfo).
func ReputationHostCount(ctx context.Context, c *evernode.Client, cfg *Config, moment uint64) (uint64, bool, error) {
	b, ok, err := reputationState(ctx, c, cfg, ReputationHostCountKey(moment))
	if err != nil || !ok {
		return 0, false, err
	}
	if err := need("reputation host count", b, 8); err != nil {
		return 0, false, err
	}
	return le.Uint64(b), true, nil
}

func reputationState(ctx context.Context, c *evernode.Client, cfg *Config, key Key) ([]byte, bool, error) {
	if err := needAddr("ReputationAddress", cfg.ReputationAddress); err != nil {
		return nil, false, err
	}
	rep, err := ParseAccountID(cfg.ReputationAddress)
	if err != nil {
		return nil, false, err
	}
	b, ok, err := readState(ctx, c, rep, key, Namespace())
	if err != nil {
		return nil, false, fmt.Errorf("hook: reputation state %s: %w", key, err)
	}
	return b, ok, nil
}

// ReputationLink is what a host's WalletLocator says about its reputation
// account: byte 0 the mode, bytes 1–20 the account.
type ReputationLink struct {
	Mode    ReputationMode
	Account AccountID
	// Raw is the whole WalletLocator.
	Raw []byte
}

// ParseWalletLocator reads a WalletLocator (hex, as account_info shows
// it). ok is false when it is empty.
func ParseWalletLocator(s string) (l ReputationLink, ok bool, err error) {
	if s == "" {
		return l, false, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 21 {
		return l, false, malformed("WalletLocator %q", s)
	}
	l.Mode = ReputationMode(b[0])
	copy(l.Account[:], b[1:21])
	l.Raw = b
	return l, true, nil
}

// walletLocator reads an account's WalletLocator; a missing account has
// none.
func walletLocator(ctx context.Context, c *evernode.Client, account string) (ReputationLink, bool, error) {
	info, err := c.AccountInfo(ctx, account, evernode.Validated)
	if errors.Is(err, evernode.ErrNotFound) {
		return ReputationLink{}, false, nil
	}
	if err != nil {
		return ReputationLink{}, false, fmt.Errorf("hook: account %s: %w", account, err)
	}
	return ParseWalletLocator(info.AccountData.WalletLocator)
}

// ReputationContract is where a host's reputation contract runs in a
// moment (getReputationContractInfoByAddress).
type ReputationContract struct {
	// Domain is the host account's Domain.
	Domain string
	// PublicKey is the contract node's key, lower-case hex as the JS client
	// reports it.
	PublicKey string
	PeerPort  uint16
}

// ReputationContractInfoByAddress reads where host's reputation contract
// runs in moment: from the host's WalletLocator the reputation account and
// mode, then the 43-byte info from that account's Domain (one to one) or
// its delegate hook state (one to many). found is false when the host has
// no reputation account, no info, or info for another moment.
func ReputationContractInfoByAddress(ctx context.Context, c *evernode.Client, host string, moment uint64) (ReputationContract, bool, error) {
	var rc ReputationContract
	link, ok, err := walletLocator(ctx, c, host)
	if err != nil || !ok {
		return rc, false, err
	}
	var raw []byte
	switch link.Mode {
	case ReputationOneToOne:
		d, err := accountDomain(ctx, c, link.Account.String())
		if err != nil {
			return rc, false, err
		}
		if d == "" {
			return rc, false, nil
		}
		if raw, err = hex.DecodeString(d); err != nil {
			return rc, false, malformed("reputation contract info in the Domain of %s", link.Account)
		}
	case ReputationOneToMany:
		h, err := ParseAccountID(host)
		if err != nil {
			return rc, false, err
		}
		b, ok, err := readState(ctx, c, link.Account, ReputationContractInfoKey(h), HostReputationNamespace())
		if err != nil || !ok {
			return rc, false, err
		}
		raw = b
	default:
		return rc, false, nil
	}
	info, err := DecodeReputationContractInfo(raw)
	if err != nil {
		return rc, false, err
	}
	if !info.HasMoment || info.Moment != moment {
		return rc, false, nil
	}
	if rc.Domain, err = accountDomain(ctx, c, host); err != nil {
		return rc, false, err
	}
	rc.PublicKey = hexLower(info.PublicKey[:])
	rc.PeerPort = info.PeerPort
	return rc, true, nil
}

// HostReputation is a host's reputation as HostClient.getReputationInfo
// reports it: each part is nil when absent.
type HostReputation struct {
	// OrderedID is the host's ordered id in the moment's round.
	OrderedID *uint64
	Info      *ReputationInfo
	Contract  *ReputationContract
}

// ReputationOf reads a host's ordered id in moment, its score entry and
// its reputation contract for moment. found is false when none exists.
func ReputationOf(ctx context.Context, c *evernode.Client, cfg *Config, host string, moment uint64) (r HostReputation, found bool, err error) {
	id, ok, err := ReputationOrderByAddress(ctx, c, cfg, host, moment)
	if err != nil {
		return r, false, err
	}
	if ok {
		r.OrderedID = &id
	}
	info, ok, err := ReputationInfoByAddress(ctx, c, cfg, host)
	if err != nil {
		return r, false, err
	}
	if ok {
		r.Info = &info
	}
	rc, ok, err := ReputationContractInfoByAddress(ctx, c, host, moment)
	if err != nil {
		return r, false, err
	}
	if ok {
		r.Contract = &rc
	}
	return r, r.OrderedID != nil || r.Info != nil || r.Contract != nil, nil
}

// OrderedReputation is a host in a moment's reputation round, with its
// contract and score when present (ReputationClient's
// getReputationContractInfoByOrderedId and getReputationInfoByOrderedId).
type OrderedReputation struct {
	OrderedID uint64
	Host      string
	Contract  *ReputationContract
	Info      *ReputationInfo
}

// ReputationByOrderedID reads the host at orderedID in moment's round with
// its contract and score. found is false when no host holds the id. (The
// JS getReputationInfoByOrderedId never finds one: it misses an await,
// audit A5.)
func ReputationByOrderedID(ctx context.Context, c *evernode.Client, cfg *Config, orderedID, moment uint64) (r OrderedReputation, found bool, err error) {
	host, ok, err := ReputationAddressByOrderedID(ctx, c, cfg, orderedID, moment)
	if err != nil || !ok {
		return r, false, err
	}
	r = OrderedReputation{OrderedID: orderedID, Host: host}
	rc, ok, err := ReputationContractInfoByAddress(ctx, c, host, moment)
	if err != nil {
		return r, false, err
	}
	if ok {
		r.Contract = &rc
	}
	info, ok, err := ReputationInfoByAddress(ctx, c, cfg, host)
	if err != nil {
		return r, false, err
	}
	if ok {
		r.Info = &info
	}
	return r, true, nil
}

// MarshalJSON writes the JS client's decodeCandidateIdState shape.
func (c Candidate) MarshalJSON() ([]byte, error) {
	var o jsonObj
	c.jsFields(&o)
	return o.MarshalJSON()
}

// MarshalJSON writes the score fields of the JS client's
// decodeReputationHostAddressState shape.
func (r ReputationInfo) MarshalJSON() ([]byte, error) {
	var o jsonObj
	r.jsFields(&o)
	return o.MarshalJSON()
}

// MarshalJSON writes the JS client's HostClient.getReputationInfo shape:
// the order fields, the score fields and the contract.
func (r HostReputation) MarshalJSON() ([]byte, error) {
	var o jsonObj
	if r.OrderedID != nil {
		o.add("orderedId", *r.OrderedID)
	}
	if r.Info != nil {
		r.Info.jsFields(&o)
	}
	if r.Contract != nil {
		o.add("contract", r.Contract)
	}
	return o.MarshalJSON()
}

// MarshalJSON writes the JS shape: domain is null when the host has none.
func (r ReputationContract) MarshalJSON() ([]byte, error) {
	var o jsonObj
	if r.Domain == "" {
		o.add("domain", nil)
	} else {
		o.add("domain", r.Domain)
	}
	o.add("pubkey", r.PublicKey)
	o.add("peerPort", r.PeerPort)
	return o.MarshalJSON()
}
