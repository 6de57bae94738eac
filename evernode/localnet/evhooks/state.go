package evhooks

import (
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

var le = binary.LittleEndian

func u16(v uint16) []byte { return le.AppendUint16(nil, v) }
func u32(v uint32) []byte { return le.AppendUint32(nil, v) }
func u64(v uint64) []byte { return le.AppendUint64(nil, v) }

// gstate is the governor's Evernode namespace as a hook sees it (foreign
// state for the registry and heartbeat hooks).
type gstate struct {
	h   *localnet.HookContext
	gov string
}

var ns = hook.Namespace()

func (s gstate) get(k hook.Key) ([]byte, bool) {
	v, ok, err := s.h.ForeignState(s.gov, ns, k)
	return v, ok && err == nil
}

func (s gstate) set(k hook.Key, v []byte) error { return s.h.SetForeignState(s.gov, ns, k, v) }

func (s gstate) del(k hook.Key) error { return s.h.SetForeignState(s.gov, ns, k, nil) }

// uint reads a little-endian unsigned configuration value of any width up
// to 8 bytes (missing bytes are zero, as a hook reading into a zeroed
// buffer sees them).
func (s gstate) uint(k hook.Key) (uint64, bool) {
	v, ok := s.get(k)
	if !ok {
		return 0, false
	}
	var b [8]byte
	copy(b[:], v)
	return le.Uint64(b[:]), true
}

func (s gstate) conf(i hook.ConfigIndex) uint64 { v, _ := s.uint(hook.ConfigKey(i)); return v }

func (s gstate) single(i hook.Singleton) uint64 { v, _ := s.uint(hook.SingletonKey(i)); return v }

func (s gstate) address(i hook.ConfigIndex) (string, bool) {
	v, ok := s.get(hook.ConfigKey(i))
	if !ok || len(v) < 20 {
		return "", false
	}
	return hook.AccountID(v[:20]).String(), true
}

func (s gstate) hostAddr(a hook.AccountID) (hook.HostAddr, bool) {
	v, ok := s.get(hook.HostAddrKey(a))
	if !ok {
		return hook.HostAddr{}, false
	}
	ha, err := hook.DecodeHostAddr(v)
	return ha, err == nil
}

func (s gstate) hostToken(id [32]byte) (hook.HostToken, bool) {
	v, ok := s.get(hook.TokenIDKey(id))
	if !ok {
		return hook.HostToken{}, false
	}
	t, err := hook.DecodeHostToken(v)
	return t, err == nil
}

func (s gstate) rewardConfig() hook.RewardConfiguration {
	v, _ := s.get(hook.ConfigKey(hook.ConfRewardConfiguration))
	r, _ := hook.DecodeRewardConfiguration(v)
	return r
}

func (s gstate) rewardInfo() hook.RewardInfo {
	v, _ := s.get(hook.SingletonKey(hook.SingletonRewardInfo))
	r, _ := hook.DecodeRewardInfo(v)
	return r
}

// moments returns the moment arithmetic in the governor's state.
func (s gstate) moments() hook.Moments {
	v, _ := s.get(hook.SingletonKey(hook.SingletonMomentBaseInfo))
	base, _ := hook.DecodeMomentBaseInfo(v)
	t, _ := s.get(hook.ConfigKey(hook.ConfMomentTransitInfo))
	transit, _ := hook.DecodeMomentTransitInfo(t)
	return hook.Moments{Base: base, Size: uint16(s.conf(hook.ConfMomentSize)), Transit: transit}
}

// curIdx is the hooks' cur_idx: the last ledger close as unix time under
// timestamp moments, else the ledger sequence.
func curIdx(h *localnet.HookContext, m hook.Moments) uint64 {
	return m.Index(unixNow(h), uint64(h.LedgerSeq()))
}

func unixNow(h *localnet.HookContext) uint64 { return uint64(max(h.LedgerTime().Unix(), 0)) }

// param returns an Evernode hook parameter of the transaction.
func param(h *localnet.HookContext, idx byte) ([]byte, bool) {
	n := memo.ParamName(idx)
	return h.Param(n[:])
}

// txAccount is the sender of the transaction.
func txAccount(h *localnet.HookContext) (hook.AccountID, bool) {
	s, _ := h.Tx()["Account"].(string)
	a, err := hook.ParseAccountID(s)
	return a, err == nil
}

func txFlags(tx map[string]any) uint32 {
	switch v := tx["Flags"].(type) {
	case uint32:
		return v
	case float64:
		return uint32(v)
	case int:
		return uint32(v)
	case int64:
		return uint32(v)
	case uint64:
		return uint32(v)
	}
	return 0
}

func txHash(h *localnet.HookContext) [32]byte {
	var out [32]byte
	b, _ := hex.DecodeString(h.TxHash())
	copy(out[:], b)
	return out
}

// amount is a transaction's Amount as the hooks see it.
type amount struct {
	native   bool
	currency [20]byte
	issuer   string
	value    *big.Rat
}

// evrCurrency is the 20-byte standard currency code of EVR.
var evrCurrency = func() (c [20]byte) { copy(c[12:], "EVR"); return }()

func parseAmount(v any) (amount, bool) {
	switch a := v.(type) {
	case string:
		r, ok := new(big.Rat).SetString(a)
		if !ok {
			return amount{}, false
		}
		return amount{native: true, value: r.Quo(r, big.NewRat(1_000_000, 1))}, true
	case map[string]any:
		cur, _ := a["currency"].(string)
		iss, _ := a["issuer"].(string)
		val, _ := a["value"].(string)
		var c [20]byte
		switch len(cur) {
		case 3:
			copy(c[12:], cur)
		case 40:
			b, err := hex.DecodeString(cur)
			if err != nil {
				return amount{}, false
			}
			copy(c[:], b)
		default:
			return amount{}, false
		}
		r, ok := new(big.Rat).SetString(val)
		if !ok {
			return amount{}, false
		}
		return amount{currency: c, issuer: iss, value: r}, true
	}
	return amount{}, false
}

// isEVR is the hooks' IS_EVR: exact currency bytes and issuer.
func (a amount) isEVR(issuer string) bool {
	return !a.native && a.currency == evrCurrency && a.issuer == issuer
}

// xflRat returns an XFL's value (zero for an invalid encoding).
func xflRat(x hook.XFL) *big.Rat {
	if r, ok := x.Rat(); ok {
		return r
	}
	return new(big.Rat)
}

var (
	tenPow15 = big.NewInt(1_000_000_000_000_000)
	tenPow16 = big.NewInt(10_000_000_000_000_000)
	ten      = big.NewInt(10)
)

// ratXFL encodes a non-negative value as XFL, truncating to 16 digits as
// the hooks' float arithmetic does. Out-of-range values give 0.
func ratXFL(r *big.Rat) hook.XFL {
	if r.Sign() <= 0 {
		return 0
	}
	num, den := new(big.Int).Set(r.Num()), new(big.Int).Set(r.Denom())
	exp := 0
	m := new(big.Int)
	for range 400 {
		m.Quo(num, den)
		switch {
		case m.Cmp(tenPow16) >= 0:
			den.Mul(den, ten)
			exp++
		case m.Cmp(tenPow15) < 0:
			num.Mul(num, ten)
			exp--
		default:
			if exp < -96 || exp > 80 {
				return 0
			}
			return hook.XFL(int64(1)<<62 | int64(exp+97)<<54 | m.Int64())
		}
	}
	return 0
}

func intText(v uint64) string { return strconv.FormatUint(v, 10) }

// emitPay emits a payment from the hook account with Evernode hook
// parameters (none when ev is empty).
func emitPay(h *localnet.HookContext, to string, amt evernode.Amount, ev memo.EventType, data []byte) error {
	p := evernode.Payment{Destination: to, Amount: amt}
	if ev != "" {
		ps, err := memo.Params{Event: ev, Data: data}.Encode()
		if err != nil {
			return err
		}
		p.HookParameters = ps
	}
	_, err := h.Emit(p)
	return err
}

// tokenOwnedBy reports whether the URIToken id exists and acct owns it
// (IS_REG_TOKEN_EXIST).
func tokenOwnedBy(h *localnet.HookContext, id [32]byte, acct hook.AccountID) bool {
	t := h.Entry(strings.ToUpper(hex.EncodeToString(id[:])))
	if t == nil {
		return false
	}
	owner, _ := t["Owner"].(string)
	return owner == acct.String()
}

// hexID is the upper-case hex of a token id, as ledger JSON writes it.
func hexID(id [32]byte) string { return strings.ToUpper(hex.EncodeToString(id[:])) }
