package hookvm

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
	"github.com/tetratelabs/wazero/api"

	"github.com/evernode-go/sdk/internal/codec"
)

// hostFunc is one function of the hook API.
type hostFunc struct {
	name   string
	params []api.ValueType
	i32    bool // returns i32 (only _g)
	fn     func(x *exec, a []uint64) int64
}

func (h hostFunc) results() []api.ValueType {
	if h.i32 {
		return []api.ValueType{api.ValueTypeI32}
	}
	return []api.ValueType{api.ValueTypeI64}
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

func u(a []uint64, i int) uint32 { return uint32(a[i]) }

func s64(a []uint64, i int) int64 { return int64(a[i]) }

func ps(n int) []api.ValueType {
	p := make([]api.ValueType, n)
	for i := range p {
		p[i] = i32
	}
	return p
}

// hostFuncs is xahaud's import whitelist (Enum.h) with its signatures and
// implementations; a nil fn would mark a function this runtime does not
// provide: hooks calling it would get xahaud's NOT_IMPLEMENTED code.
func hostFuncs() []hostFunc {
	return []hostFunc{
		{"_g", ps(2), true, (*exec).guard},
		{"accept", []api.ValueType{i32, i32, i64}, false, func(x *exec, a []uint64) int64 {
			return x.exit(u(a, 0), u(a, 1), s64(a, 2), ExitAccept)
		}},
		{"rollback", []api.ValueType{i32, i32, i64}, false, func(x *exec, a []uint64) int64 {
			return x.exit(u(a, 0), u(a, 1), s64(a, 2), ExitRollback)
		}},
		{"util_raddr", ps(4), false, (*exec).utilRaddr},
		{"util_accid", ps(4), false, (*exec).utilAccid},
		{"util_verify", ps(6), false, (*exec).utilVerify},
		{"util_sha512h", ps(4), false, (*exec).utilSha512h},
		{"util_keylet", ps(9), false, (*exec).utilKeylet},
		{"sto_validate", ps(2), false, (*exec).stoValidate},
		{"sto_subfield", ps(3), false, (*exec).stoSubfield},
		{"sto_subarray", ps(3), false, (*exec).stoSubarray},
		{"sto_emplace", ps(7), false, (*exec).stoEmplace},
		{"sto_erase", ps(5), false, (*exec).stoErase},
		{"etxn_burden", nil, false, func(x *exec, _ []uint64) int64 { return x.etxnBurden() }},
		{"etxn_details", ps(2), false, (*exec).etxnDetails},
		{"etxn_fee_base", ps(2), false, (*exec).etxnFeeBase},
		{"etxn_reserve", ps(1), false, (*exec).etxnReserve},
		{"etxn_generation", nil, false, func(x *exec, _ []uint64) int64 { return x.otxnGeneration() + 1 }},
		{"etxn_nonce", ps(2), false, (*exec).etxnNonce},
		{"emit", ps(4), false, (*exec).emit},
		{"float_set", []api.ValueType{i32, i64}, false, func(_ *exec, a []uint64) int64 { return FloatSet(int32(a[0]), s64(a, 1)) }},
		{"float_multiply", []api.ValueType{i64, i64}, false, func(_ *exec, a []uint64) int64 { return FloatMultiply(s64(a, 0), s64(a, 1)) }},
		{"float_mulratio", []api.ValueType{i64, i32, i32, i32}, false, func(_ *exec, a []uint64) int64 {
			return FloatMulratio(s64(a, 0), u(a, 1), u(a, 2), u(a, 3))
		}},
		{"float_negate", []api.ValueType{i64}, false, func(_ *exec, a []uint64) int64 { return FloatNegate(s64(a, 0)) }},
		{"float_compare", []api.ValueType{i64, i64, i32}, false, func(_ *exec, a []uint64) int64 {
			return FloatCompare(s64(a, 0), s64(a, 1), u(a, 2))
		}},
		{"float_sum", []api.ValueType{i64, i64}, false, func(_ *exec, a []uint64) int64 { return FloatSum(s64(a, 0), s64(a, 1)) }},
		{"float_sto", []api.ValueType{i32, i32, i32, i32, i32, i32, i64, i32}, false, (*exec).floatSto},
		{"float_sto_set", ps(2), false, func(x *exec, a []uint64) int64 {
			if u(a, 1) < 8 {
				return NotAnObject
			}
			b := x.read(u(a, 0), u(a, 1))
			if b == nil {
				return OutOfBounds
			}
			return FloatSTOSet(b)
		}},
		{"float_invert", []api.ValueType{i64}, false, func(_ *exec, a []uint64) int64 { return FloatInvert(s64(a, 0)) }},
		{"float_divide", []api.ValueType{i64, i64}, false, func(_ *exec, a []uint64) int64 { return FloatDivide(s64(a, 0), s64(a, 1)) }},
		{"float_one", nil, false, func(*exec, []uint64) int64 { return floatOne }},
		{"float_mantissa", []api.ValueType{i64}, false, func(_ *exec, a []uint64) int64 { return FloatMantissa(s64(a, 0)) }},
		{"float_sign", []api.ValueType{i64}, false, func(_ *exec, a []uint64) int64 { return FloatSign(s64(a, 0)) }},
		{"float_int", []api.ValueType{i64, i32, i32}, false, func(_ *exec, a []uint64) int64 {
			return FloatInt(s64(a, 0), u(a, 1), u(a, 2))
		}},
		{"float_log", []api.ValueType{i64}, false, func(_ *exec, a []uint64) int64 { return FloatLog(s64(a, 0)) }},
		{"float_root", []api.ValueType{i64, i32}, false, func(_ *exec, a []uint64) int64 { return FloatRoot(s64(a, 0), u(a, 1)) }},
		{"fee_base", nil, false, func(x *exec, _ []uint64) int64 { return x.call.Fees.Base }},
		{"ledger_seq", nil, false, func(x *exec, _ []uint64) int64 { return int64(x.call.LedgerSeq) }},
		{"ledger_last_time", nil, false, func(x *exec, _ []uint64) int64 { return int64(x.call.ParentCloseTime) }},
		{"ledger_last_hash", ps(2), false, func(x *exec, a []uint64) int64 {
			if x.notInBounds(u(a, 0), u(a, 1)) {
				return OutOfBounds
			}
			if u(a, 1) < 32 {
				return TooSmall
			}
			return x.write(u(a, 0), u(a, 1), x.call.ParentHash[:])
		}},
		{"ledger_nonce", ps(2), false, (*exec).ledgerNonce},
		{"ledger_keylet", ps(6), false, (*exec).ledgerKeylet},
		{"hook_account", ps(2), false, func(x *exec, a []uint64) int64 {
			if x.notInBounds(u(a, 0), u(a, 1)) {
				return OutOfBounds
			}
			if u(a, 1) < 20 {
				return TooSmall
			}
			return x.write(u(a, 0), 20, x.call.Account[:])
		}},
		{"hook_hash", ps(3), false, (*exec).hookHash},
		{"hook_param_set", ps(6), false, (*exec).hookParamSet},
		{"hook_param", ps(4), false, (*exec).hookParam},
		{"hook_again", nil, false, func(x *exec, _ []uint64) int64 {
			if x.result.Again {
				return AlreadySet
			}
			if x.call.Strong {
				x.result.Again = true
				return 1
			}
			return PrerequisiteNotMet
		}},
		{"hook_skip", ps(3), false, (*exec).hookSkip},
		{"hook_pos", nil, false, func(x *exec, _ []uint64) int64 { return int64(x.call.ChainPosition) }},
		{"slot", ps(3), false, (*exec).slot},
		{"slot_clear", ps(1), false, func(x *exec, a []uint64) int64 {
			if _, ok := x.slots[u(a, 0)]; !ok {
				return DoesntExist
			}
			delete(x.slots, u(a, 0))
			x.slotFree = append(x.slotFree, u(a, 0))
			return 1
		}},
		{"slot_count", ps(1), false, func(x *exec, a []uint64) int64 {
			n, ok := x.slots[u(a, 0)]
			if !ok {
				return DoesntExist
			}
			if n.typ != stiArray {
				return NotAnArray
			}
			kids, err := n.children()
			if err != nil {
				return InternalError
			}
			return int64(len(kids))
		}},
		{"slot_set", ps(3), false, (*exec).slotSet},
		{"slot_size", ps(1), false, func(x *exec, a []uint64) int64 {
			n, ok := x.slots[u(a, 0)]
			if !ok {
				return DoesntExist
			}
			return int64(len(n.val))
		}},
		{"slot_subarray", ps(3), false, (*exec).slotSubarray},
		{"slot_subfield", ps(3), false, (*exec).slotSubfield},
		{"slot_type", ps(2), false, (*exec).slotType},
		{"slot_float", ps(1), false, (*exec).slotFloat},
		{"state_set", ps(4), false, func(x *exec, a []uint64) int64 {
			return x.stateForeignSet(u(a, 0), u(a, 1), u(a, 2), u(a, 3), 0, 0, 0, 0)
		}},
		{"state_foreign_set", ps(8), false, func(x *exec, a []uint64) int64 {
			return x.stateForeignSet(u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5), u(a, 6), u(a, 7))
		}},
		{"state", ps(4), false, func(x *exec, a []uint64) int64 {
			return x.stateForeign(u(a, 0), u(a, 1), u(a, 2), u(a, 3), 0, 0, 0, 0)
		}},
		{"state_foreign", ps(8), false, func(x *exec, a []uint64) int64 {
			return x.stateForeign(u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5), u(a, 6), u(a, 7))
		}},
		{"trace", ps(5), false, (*exec).trace},
		{"trace_num", []api.ValueType{i32, i32, i64}, false, func(x *exec, a []uint64) int64 {
			m := x.read(u(a, 0), u(a, 1))
			if m == nil {
				return OutOfBounds
			}
			x.tracef("%s %d", trimNul(m), s64(a, 2))
			return 0
		}},
		{"trace_float", []api.ValueType{i32, i32, i64}, false, func(x *exec, a []uint64) int64 {
			m := x.read(u(a, 0), u(a, 1))
			if m == nil {
				return OutOfBounds
			}
			f := s64(a, 2)
			if f == 0 {
				x.tracef("%s: Float 0*10^(0) <ZERO>", trimNul(m))
			} else if !validFloat(f) {
				x.tracef("%s: Float <INVALID>", trimNul(m))
			} else {
				sg := ""
				if isNegative(f) {
					sg = "-"
				}
				x.tracef("%s: Float %s%d*10^(%d)", trimNul(m), sg, getMantissa(f), getExponent(f))
			}
			return 0
		}},
		{"otxn_burden", nil, false, func(x *exec, _ []uint64) int64 { return x.otxnBurden() }},
		{"otxn_field", ps(3), false, (*exec).otxnField},
		{"otxn_generation", nil, false, func(x *exec, _ []uint64) int64 { return x.otxnGeneration() }},
		{"otxn_id", ps(3), false, func(x *exec, a []uint64) int64 {
			if u(a, 1) < 32 {
				return TooSmall
			}
			if x.notInBounds(u(a, 0), 32) || x.notInBounds(u(a, 0), u(a, 1)) {
				return OutOfBounds
			}
			return x.write(u(a, 0), 32, x.call.TxID[:])
		}},
		{"otxn_type", nil, false, func(x *exec, _ []uint64) int64 {
			n, ok, _ := x.otx.subfield(stiUInt16<<16 | 2)
			if !ok || len(n.val) != 2 {
				return InternalError
			}
			return int64(binary.BigEndian.Uint16(n.val))
		}},
		{"otxn_slot", ps(1), false, func(x *exec, a []uint64) int64 {
			return x.putSlot(u(a, 0), x.otx)
		}},
		{"otxn_param", ps(4), false, (*exec).otxnParam},
		{"meta_slot", ps(1), false, func(x *exec, a []uint64) int64 {
			if x.call.ProvisionalMeta == nil {
				return PrerequisiteNotMet
			}
			return x.putSlot(u(a, 0), stNode{typ: stiObject, nth: 2, val: x.call.ProvisionalMeta})
		}},
	}
}

// Implemented lists the API functions this runtime implements, sorted
// (the rest of the whitelist answers NOT_IMPLEMENTED).
func Implemented() []string {
	var out []string
	for _, f := range hostFuncs() {
		if f.fn != nil {
			out = append(out, f.name)
		}
	}
	sort.Strings(out)
	return out
}

func trimNul(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	return string(b)
}

func (x *exec) tracef(format string, args ...any) {
	if x.call.Trace != nil {
		x.call.Trace(fmt.Sprintf(format, args...))
	}
}

// guard is _g: count iterations of guarded loop id; past maxitr the hook
// rolls back with GUARD_VIOLATION.
func (x *exec) guard(a []uint64) int64 {
	id, max := u(a, 0), u(a, 1)
	x.guards[id]++
	if x.guards[id] > max {
		x.result.Exit = ExitRollback
		x.result.Code = GuardViolation
		x.result.Reason = ""
		return RCRollback
	}
	return 1
}

func isUTF16LE(b []byte) bool {
	if len(b)%2 != 0 || len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); i += 2 {
		if b[i] == 0 || b[i+1] != 0 {
			return false
		}
	}
	return true
}

// exit is HOOK_EXIT (accept and rollback).
func (x *exec) exit(ptr, n uint32, code int64, t ExitType) int64 {
	if n > 256 {
		n = 256
	}
	if ptr != 0 {
		b := x.read(ptr, n)
		if b == nil || x.notInBounds(ptr, n) {
			return OutOfBounds
		}
		if isUTF16LE(b) {
			out := make([]byte, len(b)/2)
			for i := range out {
				out[i] = b[2*i]
			}
			x.result.Reason = string(out)
		} else {
			x.result.Reason = string(b)
		}
	}
	x.result.Exit, x.result.Code = t, code
	if t == ExitAccept {
		return RCAccept
	}
	return RCRollback
}

func (x *exec) utilRaddr(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if x.notInBounds(wp, wl) || x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if rl != 20 {
		return InvalidArgument
	}
	s, err := addresscodec.EncodeAccountIDToClassicAddress(x.read(rp, 20))
	if err != nil {
		return InternalError
	}
	if uint32(len(s)) > wl {
		return TooSmall
	}
	return x.write(wp, wl, []byte(s))
}

func (x *exec) utilAccid(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if x.notInBounds(wp, wl) || x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if wl < 20 {
		return TooSmall
	}
	if rl > 49 {
		return TooBig
	}
	s := x.read(rp, rl)
	for i, c := range s {
		if c == 0 {
			s = s[:i]
			break
		}
	}
	_, id, err := addresscodec.DecodeClassicAddressToAccountID(string(s))
	if err != nil || len(id) != 20 {
		return InvalidArgument
	}
	return x.write(wp, wl, id)
}

func (x *exec) utilSha512h(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if wl < 32 {
		return TooSmall
	}
	if x.notInBounds(wp, wl) || x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	h := codec.SHA512Half(x.read(rp, rl))
	return x.write(wp, 32, h[:])
}

func (x *exec) utilKeylet(a []uint64) int64 {
	wp, wl := u(a, 0), u(a, 1)
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if wl < 34 {
		return TooSmall
	}
	kt := u(a, 2)
	if kt == 0 || kt > KeyletHookStateDir {
		return InvalidArgument
	}
	kl, rc := utilKeylet(kt, u(a, 3), u(a, 4), u(a, 5), u(a, 6), u(a, 7), u(a, 8), func(p, n uint32) []byte {
		if x.notInBounds(p, n) {
			return nil
		}
		return x.read(p, n)
	})
	if rc != 0 {
		return rc
	}
	return x.write(wp, wl, kl.Bytes())
}

// Emission --------------------------------------------------------------

func (x *exec) etxnReserve(a []uint64) int64 {
	n := u(a, 0)
	switch {
	case x.expectedEtxn > -1:
		return AlreadySet
	case n < 1:
		return TooSmall
	case n > maxEmit:
		return TooBig
	}
	x.expectedEtxn = int(n)
	return int64(n)
}

func (x *exec) otxnBurden() int64 {
	if x.burden != 0 {
		return x.burden
	}
	ed, ok, _ := x.otx.subfield(stiObject<<16 | 13) // EmitDetails
	if !ok {
		return 1
	}
	b, ok, _ := ed.subfield(stiUInt64<<16 | 13) // EmitBurden
	if !ok || len(b.val) != 8 {
		return 1
	}
	x.burden = int64(binary.BigEndian.Uint64(b.val) & (1<<63 - 1))
	return x.burden
}

func (x *exec) otxnGeneration() int64 {
	if x.generation != 0 {
		return x.generation
	}
	ed, ok, _ := x.otx.subfield(stiObject<<16 | 13)
	if !ok {
		return 0
	}
	g, ok, _ := ed.subfield(stiUInt32<<16 | 46) // EmitGeneration
	if !ok || len(g.val) != 4 {
		return 0
	}
	x.generation = int64(binary.BigEndian.Uint32(g.val))
	return x.generation
}

func (x *exec) etxnBurden() int64 {
	if x.expectedEtxn <= -1 {
		return PrerequisiteNotMet
	}
	last := uint64(x.otxnBurden())
	b := last * uint64(x.expectedEtxn)
	if b < last {
		return FeeTooLarge
	}
	return int64(b)
}

func (x *exec) nonce() [32]byte {
	flags := uint32(x.call.ChainPosition) << 2
	if x.call.Strong {
		flags |= 2
	}
	if x.call.Callback {
		flags |= 1
	}
	h := codec.SHA512Half([]byte{'E', 'T', 'X', 0}, x.call.TxID[:], u32be(x.nonceCounter),
		x.call.Account[:], x.call.HookHash[:], u32be(flags))
	x.nonceCounter++
	x.noncesUsed[h] = true
	return h
}

func (x *exec) etxnNonce(a []uint64) int64 {
	wp, wl := u(a, 0), u(a, 1)
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if x.nonceCounter > maxNonce {
		return TooManyNonces
	}
	if wl < 32 {
		return TooSmall
	}
	h := x.nonce()
	return x.write(wp, 32, h[:])
}

func (x *exec) ledgerNonce(a []uint64) int64 {
	wp, wl := u(a, 0), u(a, 1)
	if wl < 32 {
		return TooSmall
	}
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if x.ledgerNonces > maxNonce {
		return TooManyNonces
	}
	h := codec.SHA512Half([]byte{'N', 'C', 'E', 0}, u32be(x.call.LedgerSeq), u32be(x.call.ParentCloseTime),
		x.call.ParentHash[:], x.call.TxID[:], u32be(x.ledgerNonces), x.call.Account[:])
	x.ledgerNonces++
	return x.write(wp, 32, h[:])
}

func (x *exec) etxnDetails(a []uint64) int64 {
	wp, wl := u(a, 0), u(a, 1)
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	size := uint32(138)
	if !x.call.HasCallback {
		size -= 22
	}
	if wl < size {
		return TooSmall
	}
	if x.expectedEtxn <= -1 {
		return PrerequisiteNotMet
	}
	gen := uint32(x.otxnGeneration() + 1)
	burden := x.etxnBurden()
	if burden < 1 {
		return FeeTooLarge
	}
	out := make([]byte, 0, size)
	out = append(out, 0xED, 0x20, 0x2E)
	out = binary.BigEndian.AppendUint32(out, gen)
	out = append(out, 0x3D)
	out = binary.BigEndian.AppendUint64(out, uint64(burden))
	out = append(out, 0x5B)
	out = append(out, x.call.TxID[:]...)
	out = append(out, 0x5C)
	if x.nonceCounter > maxNonce {
		return InternalError
	}
	n := x.nonce()
	out = append(out, n[:]...)
	out = append(out, 0x5D)
	out = append(out, x.call.HookHash[:]...)
	if x.call.HasCallback {
		out = append(out, 0x8A, 0x14)
		out = append(out, x.call.Account[:]...)
	}
	out = append(out, 0xE1)
	return x.write(wp, uint32(len(out)), out)
}

func (x *exec) etxnFeeBase(a []uint64) int64 {
	rp, rl := u(a, 0), u(a, 1)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if x.expectedEtxn <= -1 {
		return PrerequisiteNotMet
	}
	fee, err := x.call.Ledger.BaseFee(append([]byte(nil), x.read(rp, rl)...))
	if err != nil {
		return InvalidTxn
	}
	return fee
}

// emit checks an emitted transaction as xahaud does and queues it.
func (x *exec) emit(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if x.notInBounds(rp, rl) || x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if wl < 32 {
		return TooSmall
	}
	if x.expectedEtxn < 0 {
		return PrerequisiteNotMet
	}
	if len(x.result.Emitted) >= x.expectedEtxn {
		return TooManyEmittedTxn
	}
	blob := append([]byte(nil), x.read(rp, rl)...)
	tx, err := x.defs.Decode(blob)
	if err != nil {
		x.tracef("emit: %v", err)
		return EmissionFailure
	}
	fail := func(why string) int64 {
		x.tracef("HookEmit: %s", why)
		return EmissionFailure
	}
	if tt, _ := tx["TransactionType"].(string); tt == "" || tt == "EnableAmendment" || tt == "SetFee" ||
		tt == "UNLModify" || tt == "EmitFailure" || tt == "UNLReport" {
		return fail("pseudo or unknown transaction")
	}
	acct, _ := tx["Account"].(string)
	_, id, err := addresscodec.DecodeClassicAddressToAccountID(acct)
	if err != nil || string(id) != string(x.call.Account[:]) {
		return fail("Account does not match the hook account")
	}
	if seq, ok := tx["Sequence"].(uint32); !ok || seq != 0 {
		if f, ok := tx["Sequence"].(float64); !ok || f != 0 {
			if !isZeroNumber(tx["Sequence"]) {
				return fail("Sequence missing or non-zero")
			}
		}
	}
	pk, ok := tx["SigningPubKey"].(string)
	if !ok {
		return fail("SigningPubKey missing")
	}
	if len(pk) != 0 && len(pk) != 66 {
		return fail("SigningPubKey of the wrong size")
	}
	for _, c := range pk {
		if c != '0' {
			return fail("SigningPubKey non-zero")
		}
	}
	for _, f := range []string{"Signers", "TicketSequence", "AccountTxnID", "TxnSignature"} {
		if _, ok := tx[f]; ok {
			return fail(f + " not allowed")
		}
	}
	ed, ok := x.otxEmitDetails(blob)
	if !ok {
		return fail("EmitDetails missing or malformed")
	}
	if ed.gen >= 10 {
		return fail("EmitGeneration 10 or more")
	}
	if int64(ed.gen) != x.otxnGeneration()+1 {
		return fail("EmitGeneration not correct")
	}
	if int64(ed.burden) != x.etxnBurden() {
		return fail("EmitBurden not correct")
	}
	if ed.parent != x.call.TxID {
		return fail("EmitParentTxnID not correct")
	}
	if !x.noncesUsed[ed.nonce] {
		return fail("EmitNonce not generated by the nonce api")
	}
	if ed.callback != nil && *ed.callback != x.call.Account {
		return fail("EmitCallback must be the hook account")
	}
	if ed.hookHash != x.call.HookHash {
		return fail("EmitHookHash must be the emitting hook's hash")
	}
	lls, ok := u32Field(blob, 27)
	if !ok {
		return fail("LastLedgerSequence missing")
	}
	if lls < x.call.LedgerSeq+1 || lls > x.call.LedgerSeq+5 {
		return fail("LastLedgerSequence out of range")
	}
	if fls, ok := u32Field(blob, 26); !ok || fls > lls {
		return fail("FirstLedgerSequence missing or after LastLedgerSequence")
	}
	minFee, err := x.call.Ledger.BaseFee(blob)
	if err != nil || minFee < 0 {
		return fail("fee could not be calculated")
	}
	feeStr, ok := tx["Fee"].(string)
	if !ok {
		return fail("Fee missing")
	}
	fee, err := strconv.ParseInt(feeStr, 10, 64)
	if err != nil || fee < minFee {
		return fail("Fee less than the minimum required")
	}
	txID := codec.TransactionHash(blob)
	r := x.write(wp, 32, txID[:])
	if r == 32 {
		x.result.Emitted = append(x.result.Emitted, Emitted{ID: txID, Blob: blob, Nonce: ed.nonce})
	}
	return r
}

func isZeroNumber(v any) bool {
	switch n := v.(type) {
	case uint32:
		return n == 0
	case int:
		return n == 0
	case float64:
		return n == 0
	case string:
		return n == "0"
	}
	return false
}

type emitDetails struct {
	gen      uint32
	burden   uint64
	parent   [32]byte
	nonce    [32]byte
	hookHash [32]byte
	callback *[20]byte
}

// otxEmitDetails reads EmitDetails of a serialised transaction.
func (x *exec) otxEmitDetails(blob []byte) (emitDetails, bool) {
	var d emitDetails
	ed, ok, err := rootNode(stiTransaction, blob).subfield(stiObject<<16 | 13)
	if err != nil || !ok {
		return d, false
	}
	kids, err := ed.children()
	if err != nil {
		return d, false
	}
	have := 0
	for _, k := range kids {
		switch k.fieldCode() {
		case stiUInt32<<16 | 46:
			d.gen = binary.BigEndian.Uint32(k.val)
			have |= 1
		case stiUInt64<<16 | 13:
			d.burden = binary.BigEndian.Uint64(k.val)
			have |= 2
		case stiHash256<<16 | 11:
			copy(d.parent[:], k.val)
			have |= 4
		case stiHash256<<16 | 12:
			copy(d.nonce[:], k.val)
			have |= 8
		case stiHash256<<16 | 13:
			copy(d.hookHash[:], k.val)
			have |= 16
		case stiAccount<<16 | 10:
			if len(k.val) == 21 {
				var c [20]byte
				copy(c[:], k.val[1:])
				d.callback = &c
			}
		}
	}
	return d, have == 31
}

func u32Field(blob []byte, nth int) (uint32, bool) {
	n, ok, err := rootNode(stiTransaction, blob).subfield(int64(stiUInt32)<<16 | int64(nth))
	if err != nil || !ok || len(n.val) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(n.val), true
}

// Hook parameters and identity -------------------------------------------

func (x *exec) hookHash(a []uint64) int64 {
	wp, wl, no := u(a, 0), u(a, 1), int32(u(a, 2))
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if wl < 32 {
		return TooSmall
	}
	if no == -1 {
		return x.write(wp, wl, x.call.HookHash[:])
	}
	hk := x.call.Ledger.Entry(HookKeylet(x.call.Account).Key)
	if hk == nil {
		return InternalError
	}
	arr, ok, _ := rootNode(stiLedgerEntry, hk).subfield(stiArray<<16 | 11) // Hooks
	if !ok {
		return InternalError
	}
	hooks, _ := arr.children()
	if no < 0 || int(no) >= len(hooks) {
		return DoesntExist
	}
	h, ok, _ := hooks[no].subfield(stiHash256<<16 | 31)
	if !ok {
		return DoesntExist
	}
	return x.write(wp, wl, h.val)
}

func (x *exec) hookParam(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if x.notInBounds(rp, rl) || x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if rl < 1 {
		return TooSmall
	}
	if rl > 32 {
		return TooBig
	}
	name := x.read(rp, rl)
	if v, ok := x.call.ParamOverrides[x.call.HookHash][string(name)]; ok {
		if len(v) == 0 {
			return DoesntExist
		}
		return x.write(wp, wl, v)
	}
	v, ok := x.call.Params[string(name)]
	if !ok || len(v) == 0 {
		return DoesntExist
	}
	return x.write(wp, wl, v)
}

func (x *exec) hookParamSet(a []uint64) int64 {
	rp, rl, kp, kl, hp, hl := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5)
	if x.notInBounds(rp, rl) || x.notInBounds(kp, kl) || x.notInBounds(hp, hl) {
		return OutOfBounds
	}
	switch {
	case kl < 1:
		return TooSmall
	case kl > 32:
		return TooBig
	case hl != 32:
		return InvalidArgument
	case rl > 256:
		return TooBig
	}
	if x.overrideCount >= 16 {
		return TooManyParams
	}
	x.overrideCount++
	var h [32]byte
	copy(h[:], x.read(hp, 32))
	if x.result.Overrides == nil {
		x.result.Overrides = map[[32]byte]map[string][]byte{}
	}
	if x.result.Overrides[h] == nil {
		x.result.Overrides[h] = map[string][]byte{}
	}
	x.result.Overrides[h][string(x.read(kp, kl))] = append([]byte(nil), x.read(rp, rl)...)
	return int64(rl)
}

func (x *exec) hookSkip(a []uint64) int64 {
	rp, rl, flags := u(a, 0), u(a, 1), u(a, 2)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if rl != 32 || (flags != 0 && flags != 1) {
		return InvalidArgument
	}
	var h [32]byte
	copy(h[:], x.read(rp, 32))
	if flags == 1 {
		if !x.result.Skips[h] {
			return DoesntExist
		}
		delete(x.result.Skips, h)
		return 1
	}
	if x.result.Skips[h] {
		return 1
	}
	hk := x.call.Ledger.Entry(HookKeylet(x.call.Account).Key)
	if hk == nil {
		return InternalError
	}
	arr, ok, _ := rootNode(stiLedgerEntry, hk).subfield(stiArray<<16 | 11)
	if !ok {
		return InternalError
	}
	hooks, _ := arr.children()
	for _, hook := range hooks {
		if hh, ok, _ := hook.subfield(stiHash256<<16 | 31); ok && string(hh.val) == string(h[:]) {
			if x.result.Skips == nil {
				x.result.Skips = map[[32]byte]bool{}
			}
			x.result.Skips[h] = true
			return 1
		}
	}
	return DoesntExist
}

func (x *exec) otxnParam(a []uint64) int64 {
	wp, wl, rp, rl := u(a, 0), u(a, 1), u(a, 2), u(a, 3)
	if x.notInBounds(rp, rl) || x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if rl < 1 {
		return TooSmall
	}
	if rl > 32 {
		return TooBig
	}
	arr, ok, _ := x.otx.subfield(stiArray<<16 | 19) // HookParameters
	if !ok {
		return DoesntExist
	}
	name := string(x.read(rp, rl))
	params, _ := arr.children()
	for _, p := range params {
		n, ok, _ := p.subfield(stiVL<<16 | 24)
		if !ok || string(vlPayload(n.val)) != name {
			continue
		}
		v, ok, _ := p.subfield(stiVL<<16 | 25)
		if !ok {
			return DoesntExist
		}
		val := vlPayload(v.val)
		if len(val) == 0 {
			return DoesntExist
		}
		if uint32(len(val)) > wl {
			return TooSmall
		}
		return x.write(wp, wl, val)
	}
	return DoesntExist
}

func vlPayload(b []byte) []byte {
	l, p, err := vlLength(b)
	if err != nil || p+l != len(b) {
		return nil
	}
	return b[p:]
}

func (x *exec) otxnField(a []uint64) int64 {
	wp, wl, fid := u(a, 0), u(a, 1), u(a, 2)
	if wp == 0 {
		if wl != 0 {
			return InvalidArgument
		}
	} else if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	if !x.validField(fid) {
		return InvalidField
	}
	n, ok, err := x.otx.subfield(int64(fid))
	if err != nil {
		return InternalError
	}
	if !ok {
		return DoesntExist
	}
	return x.writeOrInt(wp, wl, n.val, n.typ == stiAccount)
}

// validField is SField::getField(code) != sfInvalid.
func (x *exec) validField(code uint32) bool {
	_, ok := x.defs.FieldName(int(code>>16), int(code&0xFFFF))
	return ok
}

// Slots --------------------------------------------------------------------

func (x *exec) freeSlot() (uint32, bool) {
	if n := len(x.slotFree); n > 0 {
		s := x.slotFree[0]
		x.slotFree = x.slotFree[1:]
		return s, true
	}
	for {
		x.slotCounter++
		if _, used := x.slots[x.slotCounter]; !used || x.slotCounter > maxSlots {
			break
		}
	}
	if x.slotCounter > maxSlots {
		return 0, false
	}
	return x.slotCounter, true
}

func (x *exec) noFreeSlots() bool { return maxSlots-len(x.slots) <= 0 }

// putSlot stores n in slot into (0 allocates one).
func (x *exec) putSlot(into uint32, n stNode) int64 {
	if into > maxSlots {
		return InvalidArgument
	}
	if into == 0 {
		if x.noFreeSlots() {
			return NoFreeSlots
		}
		s, ok := x.freeSlot()
		if !ok {
			return NoFreeSlots
		}
		into = s
	}
	x.slots[into] = n
	return int64(into)
}

func (x *exec) slot(a []uint64) int64 {
	wp, wl, no := u(a, 0), u(a, 1), u(a, 2)
	if wp == 0 {
		if wl != 0 {
			return InvalidArgument
		}
	} else {
		if x.notInBounds(wp, wl) {
			return OutOfBounds
		}
		if wl < 1 {
			return TooSmall
		}
	}
	n, ok := x.slots[no]
	if !ok {
		return DoesntExist
	}
	return x.writeOrInt(wp, wl, n.val, n.typ == stiAccount)
}

func (x *exec) slotSet(a []uint64) int64 {
	rp, rl, into := u(a, 0), u(a, 1), u(a, 2)
	if x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if (rl != 32 && rl != 34) || into > maxSlots {
		return InvalidArgument
	}
	if into == 0 && x.noFreeSlots() {
		return NoFreeSlots
	}
	b := x.read(rp, rl)
	var obj []byte
	typ := stiLedgerEntry
	if rl == 34 {
		var key [32]byte
		copy(key[:], b[2:])
		if key == ([32]byte{}) {
			return DoesntExist
		}
		obj = x.call.Ledger.Entry(key)
		if obj != nil {
			want := binary.BigEndian.Uint16(b)
			if got, ok := entryType(obj); want != ltAny && want != ltChild && ok && got != want {
				obj = nil
			}
		}
	} else {
		src, ok := x.call.Ledger.(interface{ Transaction([32]byte) []byte })
		if ok {
			var id [32]byte
			copy(id[:], b)
			obj = src.Transaction(id)
		}
		typ = stiTransaction
	}
	if obj == nil {
		return DoesntExist
	}
	return x.putSlot(into, rootNode(typ, obj))
}

// entryType reads LedgerEntryType of a serialised ledger entry.
func entryType(obj []byte) (uint16, bool) {
	n, ok, err := rootNode(stiLedgerEntry, obj).subfield(stiUInt16<<16 | 1)
	if err != nil || !ok || len(n.val) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(n.val), true
}

func (x *exec) slotSubarray(a []uint64) int64 {
	parent, idx, into := u(a, 0), u(a, 1), u(a, 2)
	p, ok := x.slots[parent]
	if !ok {
		return DoesntExist
	}
	if p.typ != stiArray {
		return NotAnArray
	}
	if into == 0 && x.noFreeSlots() {
		return NoFreeSlots
	}
	if into > maxSlots {
		return InvalidArgument
	}
	kids, err := p.children()
	if err != nil {
		return InternalError
	}
	if uint32(len(kids)) <= idx {
		return DoesntExist
	}
	return x.putSlot(into, kids[idx])
}

func (x *exec) slotSubfield(a []uint64) int64 {
	parent, fid, into := u(a, 0), u(a, 1), u(a, 2)
	p, ok := x.slots[parent]
	if !ok {
		return DoesntExist
	}
	if into == 0 && x.noFreeSlots() {
		return NoFreeSlots
	}
	if into > maxSlots {
		return InvalidArgument
	}
	if !x.validField(fid) {
		return InvalidField
	}
	if !p.isObject() {
		return NotAnObject
	}
	n, ok, err := p.subfield(int64(fid))
	if err != nil {
		return InternalError
	}
	if !ok {
		return DoesntExist
	}
	return x.putSlot(into, n)
}

func (x *exec) slotType(a []uint64) int64 {
	no, flags := u(a, 0), u(a, 1)
	n, ok := x.slots[no]
	if !ok {
		return DoesntExist
	}
	switch flags {
	case 0:
		return n.fieldCode()
	case 1:
		if n.typ != stiAmount {
			return NotAnAmount
		}
		if n.val[0]&0x80 == 0 {
			return 1
		}
		return 0
	}
	return InvalidArgument
}

func (x *exec) slotFloat(a []uint64) int64 {
	n, ok := x.slots[u(a, 0)]
	if !ok {
		return DoesntExist
	}
	if n.typ != stiAmount {
		return NotAnAmount
	}
	return amountFloat(n.val)
}

// amountFloat is slot_float's conversion of a serialised amount.
func amountFloat(v []byte) int64 {
	raw := binary.BigEndian.Uint64(v[:8])
	var r int64
	if raw&(1<<63) == 0 { // native: drops, exponent -6
		drops := int64(raw & 0x3FFFFFFFFFFFFFFF)
		if raw&(1<<62) == 0 {
			drops = -drops
		}
		r = normalizeSigned(drops, -6)
	} else {
		man := raw & (1<<54 - 1)
		if man == 0 {
			return 0
		}
		exp := int32(raw>>54&0xFF) - 97
		r = makeFloat(man, exp, raw&(1<<62) == 0)
	}
	if r == ExponentUndersized {
		return 0
	}
	return r
}

func (x *exec) floatSto(a []uint64) int64 {
	wp, wl, cp, cl, ip, il, f, fc := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5), s64(a, 6), u(a, 7)
	if x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	var cur, iss []byte
	if cl == 0 {
		if cp != 0 {
			return InvalidArgument
		}
	} else {
		if cl != 20 && cl != 3 {
			return InvalidArgument
		}
		if x.notInBounds(cp, cl) {
			return OutOfBounds
		}
		c, ok := parseCurrency(x.read(cp, cl))
		if !ok {
			return InvalidArgument
		}
		cur = c[:]
	}
	if il == 0 {
		if ip != 0 {
			return InvalidArgument
		}
	} else {
		if il != 20 {
			return InvalidArgument
		}
		if x.notInBounds(ip, il) {
			return OutOfBounds
		}
		iss = append([]byte(nil), x.read(ip, 20)...)
	}
	out, rc := FloatSTO(cur, iss, f, fc)
	if rc != 0 || out == nil {
		return rc
	}
	if uint32(len(out)) > wl {
		return TooSmall
	}
	return x.write(wp, wl, out)
}

// State ----------------------------------------------------------------------

// stateKey is make_state_key: left-pad to 32 bytes.
func stateKey(b []byte) ([32]byte, bool) {
	var k [32]byte
	if len(b) < 1 || len(b) > 32 {
		return k, false
	}
	copy(k[32-len(b):], b)
	return k, true
}

func (x *exec) stateForeign(wp, wl, kp, kl, np, nl, ap, al uint32) int64 {
	foreign := false
	if ap == 0 {
		if al != 0 {
			return InvalidArgument
		}
	} else {
		foreign = true
		if al != 20 {
			return InvalidArgument
		}
	}
	if kl > 32 {
		return TooBig
	}
	if kl < 1 {
		return TooSmall
	}
	if wl < 1 && wp != 0 {
		return TooSmall
	}
	if !(!foreign && nl == 0) && nl != 32 {
		return InvalidArgument
	}
	if x.notInBounds(kp, kl) || x.notInBounds(np, nl) || x.notInBounds(ap, al) || x.notInBounds(wp, wl) {
		return OutOfBounds
	}
	ns := x.call.Namespace
	if nl != 0 {
		copy(ns[:], x.read(np, 32))
	}
	acc := x.call.Account
	if foreign {
		copy(acc[:], x.read(ap, 20))
	}
	key, ok := stateKey(x.read(kp, kl))
	if !ok {
		return InvalidArgument
	}
	if e, ok := x.call.State.lookup(acc, ns, key); ok {
		return x.writeOrInt(wp, wl, e.data, false)
	}
	entry := x.call.Ledger.Entry(HookStateKeylet(acc, key, ns).Key)
	if entry == nil {
		return DoesntExist
	}
	data := stateData(entry)
	if x.setStateCache(acc, ns, key, data, false) < 0 {
		return InternalError
	}
	return x.writeOrInt(wp, wl, data, false)
}

func (x *exec) stateForeignSet(rp, rl, kp, kl, np, nl, ap, al uint32) int64 {
	if !(rp == 0 && rl == 0) && x.notInBounds(rp, rl) {
		return OutOfBounds
	}
	if kl > 32 {
		return TooBig
	}
	if kl < 1 {
		return TooSmall
	}
	if nl != 0 && nl != 32 {
		return InvalidArgument
	}
	if al != 0 && al != 20 {
		return InvalidArgument
	}
	if x.notInBounds(kp, kl) {
		return OutOfBounds
	}
	if np == 0 && nl == 0 && !(ap == 0 && al == 0) {
		return InvalidArgument
	}
	if (nl != 0 && x.notInBounds(np, nl)) || (al != 0 && x.notInBounds(ap, al)) {
		return OutOfBounds
	}
	if rl > maxStateDataSize {
		return TooBig
	}
	ns := x.call.Namespace
	if nl != 0 {
		copy(ns[:], x.read(np, 32))
	}
	acc := x.call.Account
	if al == 20 {
		copy(acc[:], x.read(ap, 20))
	}
	key, ok := stateKey(x.read(kp, kl))
	if !ok {
		return InternalError
	}
	var data []byte
	if rl > 0 {
		data = append([]byte(nil), x.read(rp, rl)...)
	}
	if al == 0 || acc == x.call.Account {
		if r := x.setStateCache(acc, ns, key, data, true); r < 0 {
			return r
		}
		return int64(rl)
	}
	if x.foreignBlocked {
		return PreviousFailurePreventsRetry
	}
	if e, ok := x.call.State.lookup(acc, ns, key); ok && e.modified {
		if r := x.setStateCache(acc, ns, key, data, true); r < 0 {
			return r
		}
		return int64(rl)
	}
	hk := x.call.Ledger.Entry(HookKeylet(acc).Key)
	if hk == nil {
		return InternalError
	}
	if !x.granted(hk, ns) {
		x.foreignBlocked = true
		return NotAuthorized
	}
	if r := x.setStateCache(acc, ns, key, data, true); r < 0 {
		return r
	}
	return int64(rl)
}

// granted reports whether a Hook object's hooks grant this hook the right
// to write namespace ns of their account.
func (x *exec) granted(hookObj []byte, ns [32]byte) bool {
	arr, ok, _ := rootNode(stiLedgerEntry, hookObj).subfield(stiArray<<16 | 11)
	if !ok {
		return false
	}
	hooks, _ := arr.children()
	for _, h := range hooks {
		hh, ok, _ := h.subfield(stiHash256<<16 | 31)
		if !ok {
			continue
		}
		grants, ok, _ := h.subfield(stiArray<<16 | 20)
		if !ok {
			continue
		}
		gs, _ := grants.children()
		if len(gs) == 0 {
			continue
		}
		if n, ok, _ := h.subfield(stiHash256<<16 | 32); ok {
			if string(n.val) != string(ns[:]) {
				continue
			}
		} else {
			var hash [32]byte
			copy(hash[:], hh.val)
			def := x.call.Ledger.Entry(HookDefinitionKeylet(hash).Key)
			if def == nil {
				continue
			}
			dn, ok, _ := rootNode(stiLedgerEntry, def).subfield(stiHash256<<16 | 32)
			if !ok || string(dn.val) != string(ns[:]) {
				continue
			}
		}
		for _, g := range gs {
			gh, ok, _ := g.subfield(stiHash256<<16 | 31)
			if !ok || string(gh.val) != string(x.call.HookHash[:]) {
				continue
			}
			au, ok, _ := g.subfield(stiAccount<<16 | 5)
			if !ok || string(vlPayload(au.val)) == string(x.call.Account[:]) {
				return true
			}
		}
	}
	return false
}

func (x *exec) trace(a []uint64) int64 {
	mp, ml, dp, dl, asHex := u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4)
	if x.notInBounds(mp, ml) || x.notInBounds(dp, dl) {
		return OutOfBounds
	}
	if x.call.Trace == nil {
		return 0
	}
	if ml > 128 {
		ml = 128
	}
	if dl > 1023 {
		dl = 1023
	}
	var out []byte
	if ml > 0 {
		out = append(out, trimNul(x.read(mp, ml))...)
		out = append(out, ':', ' ')
	}
	d := x.read(dp, dl)
	switch {
	case dl == 0:
	case asHex != 0:
		out = append(out, []byte(fmt.Sprintf("%X", d))...)
	case isUTF16LE(d):
		for i := 0; i < len(d); i += 2 {
			out = append(out, d[i])
		}
	default:
		out = append(out, d...)
	}
	if len(out) > 0 {
		x.call.Trace(string(out))
	}
	return 0
}
