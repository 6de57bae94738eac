package hook

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// NowInEVRs is what a transferee pays to re-register after a transfer
// (EvernodeConstants.NOW_IN_EVRS). The hook accepts any amount there.
const NowInEVRs = "0.00000001"

// TrustLineLimit is the EVR trust line limit hosts set up.
const TrustLineLimit = "99999999999999"

// Sizes of the event data of host transactions.
const (
	RegisterParamSize        = 136
	UpdateRegParamSize       = 131
	VoteParamSize            = 33
	DeregisterParamSize      = 33
	DeregisterFromRepSize    = 53
	TransferParamSize        = 20
	RepContractInfoParamSize = 20 + ReputationContractInfoSize
)

// Registration is what a host registers with (evnHostReg).
type Registration struct {
	// CountryCode is two upper-case letters.
	CountryCode string
	// CPUMicrosec, RAMMB, DiskMB and TotalInstances are the resources
	// offered; all must be positive.
	CPUMicrosec, RAMMB, DiskMB, TotalInstances uint32
	// CPUModel must not be empty; longer than 40 bytes it is cut.
	CPUModel string
	// CPUCount and CPUMHz must be positive.
	CPUCount, CPUMHz uint16
	// Description is 0–26 ASCII characters without ';'.
	Description string
	// Email matches .+@.+ and has at most 40 bytes.
	Email string
	// LeaseAmount is the per-moment lease price in EVR, decimal text.
	LeaseAmount string
}

// Validate applies the JS client's checks (§7.1).
func (r *Registration) Validate() error {
	if err := checkCountry(r.CountryCode); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    uint32
	}{{"CPUMicrosec", r.CPUMicrosec}, {"RAMMB", r.RAMMB}, {"DiskMB", r.DiskMB},
		{"TotalInstances", r.TotalInstances}, {"CPUCount", uint32(r.CPUCount)}, {"CPUMHz", uint32(r.CPUMHz)}} {
		if f.v == 0 {
			return invalid(f.name, "want a positive integer")
		}
	}
	if r.CPUModel == "" {
		return invalid("CPUModel", "must not be empty")
	}
	if _, err := checkLeaseAmount(r.LeaseAmount); err != nil {
		return err
	}
	if err := checkDescription(r.Description); err != nil {
		return err
	}
	return checkEmail(r.Email)
}

func checkCountry(s string) error {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return invalid("CountryCode", "%q: want two upper-case letters", s)
	}
	return nil
}

func checkDescription(s string) error {
	if len(s) > 26 {
		return invalid("Description", "%d characters, want at most 26", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == ';' {
			return invalid("Description", "want ASCII without ';'")
		}
	}
	return nil
}

// checkEmail is /.+@.+/ (a character other than a line break on each side
// of an '@') and at most 40 bytes.
func checkEmail(s string) error {
	if len(s) > 40 {
		return invalid("Email", "%d bytes, want at most 40", len(s))
	}
	lineBreak := func(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' }
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || i == 0 || i == len(s)-1 {
			continue
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+1:])
		if !lineBreak(before) && !lineBreak(after) {
			return nil
		}
	}
	return invalid("Email", "%q is not an e-mail address", s)
}

func checkLeaseAmount(s string) (XFL, error) {
	x, err := ParseXFL(s)
	if err != nil {
		return 0, invalid("LeaseAmount", "%q: %v", s, errors.Unwrap(err))
	}
	if x == 0 || int64(x)&(1<<62) == 0 {
		return 0, invalid("LeaseAmount", "%q: want a positive amount", s)
	}
	return x, nil
}

// EncodeParam returns the 136-byte event data (little endian) after
// validating.
func (r *Registration) EncodeParam() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	lease, _ := checkLeaseAmount(r.LeaseAmount)
	b := make([]byte, RegisterParamSize)
	putText(b[0:2], r.CountryCode)
	le.PutUint32(b[2:], r.CPUMicrosec)
	le.PutUint32(b[6:], r.RAMMB)
	le.PutUint32(b[10:], r.DiskMB)
	le.PutUint32(b[14:], r.TotalInstances)
	putText(b[18:58], r.CPUModel)
	le.PutUint16(b[58:], r.CPUCount)
	le.PutUint16(b[60:], r.CPUMHz)
	putText(b[62:88], r.Description)
	putText(b[88:128], r.Email)
	le.PutUint64(b[128:], uint64(lease))
	return b, nil
}

// DecodeRegistration reads evnHostReg event data (the registry's view of a
// registration).
func DecodeRegistration(b []byte) (Registration, error) {
	var r Registration
	if len(b) != RegisterParamSize {
		return r, malformed("registration data of %d bytes, want %d", len(b), RegisterParamSize)
	}
	lease := int64(le.Uint64(b[128:]))
	if lease < 0 {
		return r, malformed("registration lease amount is not XFL")
	}
	r.CountryCode = trimNUL(b[0:2])
	r.CPUMicrosec = le.Uint32(b[2:])
	r.RAMMB = le.Uint32(b[6:])
	r.DiskMB = le.Uint32(b[10:])
	r.TotalInstances = le.Uint32(b[14:])
	r.CPUModel = trimNUL(b[18:58])
	r.CPUCount = le.Uint16(b[58:])
	r.CPUMHz = le.Uint16(b[60:])
	r.Description = trimNUL(b[62:88])
	r.Email = trimNUL(b[88:128])
	r.LeaseAmount = XFL(lease).String()
	return r, nil
}

// RegisterOptions tunes Register. A nil *RegisterOptions means the
// defaults.
type RegisterOptions struct {
	// Transferee pays NowInEVRs instead of the registration fee: the
	// account takes over a registration transferred to it (IsTransferee).
	Transferee bool
}

func params(ev memo.EventType, data []byte) ([]memo.Param, error) {
	return memo.Params{Event: ev, Data: data}.Encode()
}

func needAddr(field, a string) error {
	if a == "" {
		return invalid(field, "missing from the configuration")
	}
	return nil
}

// Register builds the registration payment: EVR (the current fee, or
// NowInEVRs for a transferee) from host to the registry with the 136-byte
// evnHostReg data. The registry then mints the registration token and
// offers it to the host for 1 drop; buy it with URITokenBuy.
func Register(cfg *Config, host string, r Registration, opts *RegisterOptions) (evernode.Payment, error) {
	data, err := r.EncodeParam()
	if err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
		return evernode.Payment{}, err
	}
	fee := strconv.FormatUint(cfg.HostRegFee, 10)
	if opts != nil && opts.Transferee {
		fee = NowInEVRs
	}
	ps, err := params(memo.EventHostReg, data)
	if err != nil {
		return evernode.Payment{}, err
	}
	return evernode.Payment{
		Common:      evernode.Common{Account: host, HookParameters: ps},
		Destination: cfg.RegistryAddress,
		Amount:      cfg.EVR(fee),
	}, nil
}

// RegUpdate is an update of a host's registration (evnHostUpdateReg). Zero
// fields mean "unchanged", except ActiveInstances, which the registry
// always applies.
type RegUpdate struct {
	// TokenID is the registration token id. Like the JS client only its
	// first 16 bytes are sent; the registry ignores the field.
	TokenID        [32]byte
	CountryCode    string
	CPUMicrosec    uint32
	RAMMB          uint32
	DiskMB         uint32
	TotalInstances uint32
	// ActiveInstances is always applied, even 0.
	ActiveInstances uint32
	Description     string
	// Version is "major.minor.patch" (each 0–255) of the host software.
	Version     string
	Email       string
	LeaseAmount string
}

func parseVersion(v string) ([3]byte, error) {
	var out [3]byte
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, invalid("Version", "%q: want major.minor.patch", v)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return out, invalid("Version", "%q: each part 0 to 255", v)
		}
		out[i] = byte(n)
	}
	return out, nil
}

// EncodeParam returns the 131-byte event data after validating the fields
// that are set.
func (u *RegUpdate) EncodeParam() ([]byte, error) {
	b := make([]byte, UpdateRegParamSize)
	copy(b[0:16], u.TokenID[:16])
	if u.CountryCode != "" {
		if err := checkCountry(u.CountryCode); err != nil {
			return nil, err
		}
		putText(b[32:34], u.CountryCode)
	}
	le.PutUint32(b[34:], u.CPUMicrosec)
	le.PutUint32(b[38:], u.RAMMB)
	le.PutUint32(b[42:], u.DiskMB)
	le.PutUint32(b[46:], u.TotalInstances)
	le.PutUint32(b[50:], u.ActiveInstances)
	if err := checkDescription(u.Description); err != nil {
		return nil, err
	}
	putText(b[54:80], u.Description)
	if u.Version != "" {
		v, err := parseVersion(u.Version)
		if err != nil {
			return nil, err
		}
		copy(b[80:83], v[:])
	}
	if u.Email != "" {
		if err := checkEmail(u.Email); err != nil {
			return nil, err
		}
		putText(b[83:123], u.Email)
	}
	if u.LeaseAmount != "" {
		x, err := checkLeaseAmount(u.LeaseAmount)
		if err != nil {
			return nil, err
		}
		le.PutUint64(b[123:], uint64(x))
	}
	return b, nil
}

// DecodeRegUpdate reads evnHostUpdateReg event data.
func DecodeRegUpdate(b []byte) (RegUpdate, error) {
	var u RegUpdate
	if len(b) != UpdateRegParamSize {
		return u, malformed("update data of %d bytes, want %d", len(b), UpdateRegParamSize)
	}
	lease := int64(le.Uint64(b[123:]))
	if lease < 0 {
		return u, malformed("update lease amount is not XFL")
	}
	copy(u.TokenID[:], b[0:32])
	u.CountryCode = trimNUL(b[32:34])
	u.CPUMicrosec = le.Uint32(b[34:])
	u.RAMMB = le.Uint32(b[38:])
	u.DiskMB = le.Uint32(b[42:])
	u.TotalInstances = le.Uint32(b[46:])
	u.ActiveInstances = le.Uint32(b[50:])
	u.Description = trimNUL(b[54:80])
	if v := b[80:83]; v[0]|v[1]|v[2] != 0 {
		u.Version = fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
	}
	u.Email = trimNUL(b[83:123])
	if lease != 0 {
		u.LeaseAmount = XFL(lease).String()
	}
	return u, nil
}

// drop returns the 1-drop signalling payment every registry and heartbeat
// call uses.
func drop(from, to string, ps []memo.Param) evernode.Payment {
	return evernode.Payment{
		Common:      evernode.Common{Account: from, HookParameters: ps},
		Destination: to,
		Amount:      evernode.Drops(1),
	}
}

// UpdateRegInfo builds the 1-drop evnHostUpdateReg payment to the registry.
func UpdateRegInfo(cfg *Config, host string, u RegUpdate) (evernode.Payment, error) {
	data, err := u.EncodeParam()
	if err != nil {
		return evernode.Payment{}, err
	}
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventHostUpdateReg, data)
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(host, cfg.RegistryAddress, ps), nil
}

// VoteValue is a governance vote.
type VoteValue uint8

// Votes.
const (
	VoteReject  VoteValue = 0
	VoteSupport VoteValue = 1
)

// Vote is a heartbeat's vote on a governance candidate.
type Vote struct {
	Candidate [32]byte
	Value     VoteValue
}

// Encode returns the 33-byte event data: candidate id and vote byte.
func (v Vote) Encode() []byte {
	b := make([]byte, VoteParamSize)
	copy(b, v.Candidate[:])
	b[32] = byte(v.Value)
	return b
}

// Heartbeat builds the 1-drop evnHeartbeat payment to the heartbeat
// account, optionally voting. The JS client skips the heartbeat while the
// host has minted lease tokens without offers; callers should too.
func Heartbeat(cfg *Config, host string, vote *Vote) (evernode.Payment, error) {
	if err := needAddr("HeartbeatAddress", cfg.HeartbeatAddress); err != nil {
		return evernode.Payment{}, err
	}
	var data []byte
	if vote != nil {
		data = vote.Encode()
	}
	ps, err := params(memo.EventHeartbeat, data)
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(host, cfg.HeartbeatAddress, ps), nil
}

// Deregister builds the 1-drop evnHostDereg payment to the registry:
// registration token id and an error flag (33 bytes). The registry refunds
// what is due and burns the token.
func Deregister(cfg *Config, host string, regTokenID [32]byte, withError bool) (evernode.Payment, error) {
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	b := make([]byte, DeregisterParamSize)
	copy(b, regTokenID[:])
	if withError {
		b[32] = 1
	}
	ps, err := params(memo.EventHostDereg, b)
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(host, cfg.RegistryAddress, ps), nil
}

// DeregisterFromReputation is Deregister sent by the host's reputation
// account: host account ID, token id and error flag (53 bytes). The
// registry checks the host's WalletLocator names the sender.
func DeregisterFromReputation(cfg *Config, reputationAccount, host string, regTokenID [32]byte, withError bool) (evernode.Payment, error) {
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Payment{}, err
	}
	b := make([]byte, DeregisterFromRepSize)
	copy(b, h[:])
	copy(b[20:], regTokenID[:])
	if withError {
		b[52] = 1
	}
	ps, err := params(memo.EventHostDereg, b)
	if err != nil {
		return evernode.Payment{}, err
	}
	return drop(reputationAccount, cfg.RegistryAddress, ps), nil
}

// Transfer builds the evnTransfer: a 1-drop sell offer of the registration
// token to the registry with the transferee's account ID (20 bytes). An
// empty transferee means the host itself (moving to a new machine). The
// registry buys the token; the transferee then registers paying NowInEVRs.
func Transfer(cfg *Config, host string, regTokenID [32]byte, transferee string) (evernode.URITokenCreateSellOffer, error) {
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.URITokenCreateSellOffer{}, err
	}
	if transferee == "" {
		transferee = host
	}
	t, err := ParseAccountID(transferee)
	if err != nil {
		return evernode.URITokenCreateSellOffer{}, err
	}
	ps, err := params(memo.EventTransfer, t[:])
	if err != nil {
		return evernode.URITokenCreateSellOffer{}, err
	}
	return evernode.URITokenCreateSellOffer{
		Common:      evernode.Common{Account: host, HookParameters: ps},
		URITokenID:  upperHex(regTokenID[:]),
		Amount:      evernode.Drops(1),
		Destination: cfg.RegistryAddress,
	}, nil
}

// RequestRebate builds the 1-drop evnHostRebate payment to the registry
// (with the memo the JS client adds): the registry pays back what the host
// paid above the current registration fee.
func RequestRebate(cfg *Config, host string) (evernode.Payment, error) {
	if err := needAddr("RegistryAddress", cfg.RegistryAddress); err != nil {
		return evernode.Payment{}, err
	}
	ps, err := params(memo.EventHostRebate, nil)
	if err != nil {
		return evernode.Payment{}, err
	}
	p := drop(host, cfg.RegistryAddress, ps)
	p.Memos = []memo.Memo{{Type: string(memo.EventHostRebate)}}
	return p, nil
}

// ReputationMode is how a reputation account is linked to hosts (byte 0 of
// the WalletLocator).
type ReputationMode uint8

// Reputation account modes.
const (
	ReputationNone      ReputationMode = 0
	ReputationOneToOne  ReputationMode = 1
	ReputationOneToMany ReputationMode = 2
)

// SetReputationContractInfo builds the AccountSet, sent by the reputation
// account, that publishes where the host's reputation contract runs. One to
// one: the 43-byte info as hex text in the account's Domain. One to many:
// no fields, evnRepConInfoUpdate with host account ID ‖ info, which the
// account's delegate hook stores under ReputationContractInfoKey.
func SetReputationContractInfo(reputationAccount, host string, mode ReputationMode, info ReputationContractInfo) (evernode.AccountSet, error) {
	info.HasMoment = true
	raw := info.Encode()
	switch mode {
	case ReputationOneToOne:
		d := upperHex(raw)
		return evernode.AccountSet{Common: evernode.Common{Account: reputationAccount}, Domain: &d}, nil
	case ReputationOneToMany:
		h, err := ParseAccountID(host)
		if err != nil {
			return evernode.AccountSet{}, err
		}
		ps, err := params(memo.EventRepConInfoUpdate, append(h[:], raw...))
		if err != nil {
			return evernode.AccountSet{}, err
		}
		return evernode.AccountSet{Common: evernode.Common{Account: reputationAccount, HookParameters: ps}}, nil
	}
	return evernode.AccountSet{}, invalid("mode", "reputation account mode %d", mode)
}

// ReputationScoreVersion is the score format the reputation hook accepts.
const ReputationScoreVersion = 3

// ReputationBlob builds the Invoke blob of SendReputations: the version
// byte alone, or with scores version ‖ 64 score bytes (score i for ordered
// id universeStart+i; missing ones 0) ‖ cluster size (66 bytes).
func ReputationBlob(version byte, scores []byte, clusterSize byte) ([]byte, error) {
	if scores == nil {
		return []byte{version}, nil
	}
	if len(scores) > 64 {
		return nil, invalid("scores", "%d scores, want at most 64", len(scores))
	}
	b := make([]byte, 66)
	b[0] = version
	copy(b[1:65], scores)
	b[65] = clusterSize
	return b, nil
}

// SendReputations builds the evnHostSendReputation Invoke from the host's
// reputation account to the reputation hook account, with the host's
// account ID as data and the score blob (ReputationBlob).
func SendReputations(cfg *Config, reputationAccount, host string, blob []byte) (evernode.Invoke, error) {
	if err := needAddr("ReputationAddress", cfg.ReputationAddress); err != nil {
		return evernode.Invoke{}, err
	}
	h, err := ParseAccountID(host)
	if err != nil {
		return evernode.Invoke{}, err
	}
	ps, err := params(memo.EventHostSendReputation, h[:])
	if err != nil {
		return evernode.Invoke{}, err
	}
	return evernode.Invoke{
		Common:      evernode.Common{Account: reputationAccount, HookParameters: ps},
		Destination: cfg.ReputationAddress,
		Blob:        blob,
	}, nil
}

// AccountState is what PrepareAccount needs to know about a host account.
type AccountState struct {
	Account string
	// Flags are the AccountRoot flags.
	Flags uint32
	// MessageKey is the account's MessageKey (hex), empty if none.
	MessageKey string
	// Domain is the account's Domain as text.
	Domain string
	// HasEVRTrustLine reports an EVR trust line to the configured issuer.
	HasEVRTrustLine bool
}

// lsfDefaultRipple is the AccountRoot flag DefaultRipple.
const lsfDefaultRipple = 0x00800000

// ReadAccountState reads an account's flags, MessageKey, Domain and EVR
// trust line.
func ReadAccountState(ctx context.Context, c *evernode.Client, cfg *Config, account string) (AccountState, error) {
	info, err := c.AccountInfo(ctx, account, evernode.Validated)
	if err != nil {
		return AccountState{}, fmt.Errorf("hook: account %s: %w", account, err)
	}
	st := AccountState{Account: account, Flags: info.AccountData.Flags, MessageKey: info.AccountData.MessageKey}
	if d, err := hex.DecodeString(info.AccountData.Domain); err == nil {
		st.Domain = string(d)
	}
	lines, err := c.AccountLines(ctx, account, cfg.EVRIssuerAddress)
	if err != nil {
		return AccountState{}, fmt.Errorf("hook: trust lines of %s: %w", account, err)
	}
	for _, l := range lines {
		if l.Currency == evernode.EVRCurrency {
			st.HasEVRTrustLine = true
		}
	}
	return st, nil
}

// PrepareAccount returns the transactions that make an account ready to
// host, given its current state, as the JS client's prepareAccount: one
// AccountSet clearing DefaultRipple if set, setting MessageKey to
// publicKey if absent and Domain to the lower-cased domain if different;
// then a TrustSet for EVR with limit TrustLineLimit and NoRipple if there is
// no EVR trust line. It returns none when nothing is needed.
func PrepareAccount(cfg *Config, st AccountState, publicKey []byte, domain string) ([]evernode.Transaction, error) {
	var out []evernode.Transaction
	set := evernode.AccountSet{Common: evernode.Common{Account: st.Account}}
	change := false
	if st.Flags&lsfDefaultRipple != 0 {
		set.ClearFlag, change = evernode.AsfDefaultRipple, true
	}
	if st.MessageKey == "" {
		if len(publicKey) != 33 {
			return nil, invalid("publicKey", "%d bytes, want 33", len(publicKey))
		}
		set.MessageKey, change = append([]byte(nil), publicKey...), true
	}
	domain = strings.ToLower(domain)
	if st.Domain == "" || st.Domain != domain {
		set.Domain, change = &domain, true
	}
	if change {
		out = append(out, set)
	}
	if !st.HasEVRTrustLine {
		if err := needAddr("EVRIssuerAddress", cfg.EVRIssuerAddress); err != nil {
			return nil, err
		}
		out = append(out, evernode.TrustSet{
			Common:      evernode.Common{Account: st.Account, Flags: evernode.TfSetNoRipple},
			LimitAmount: cfg.EVR(TrustLineLimit),
		})
	}
	return out, nil
}
