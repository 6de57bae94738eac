package hookvm

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/xfl"
)

var (
	imOtxnSlot     = fn("otxn_slot", []byte{0x7f}, []byte{0x7e})
	imSlotSubfield = fn("slot_subfield", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imSlotSubarray = fn("slot_subarray", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imSlotCount    = fn("slot_count", []byte{0x7f}, []byte{0x7e})
	imSlotFloat    = fn("slot_float", []byte{0x7f}, []byte{0x7e})
	imSlotType     = fn("slot_type", []byte{0x7f, 0x7f}, []byte{0x7e})
	imSlot         = fn("slot", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imSlotSet      = fn("slot_set", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imUtilKeylet   = fn("util_keylet", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imUtilAccid    = fn("util_accid", []byte{0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imHookAccount  = fn("hook_account", []byte{0x7f, 0x7f}, []byte{0x7e})
	imForeignSet   = fn("state_foreign_set", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imDetails      = fn("etxn_details", []byte{0x7f, 0x7f}, []byte{0x7e})
	imOtxnField    = fn("otxn_field", []byte{0x7f, 0x7f, 0x7f}, []byte{0x7e})
)

const drop = 0x1a

// acceptWith assembles hook(){ <pre>; return accept(0, 0, <value>); } where
// accept is import 0 and value is left on the stack by expr.
func acceptWith(imports []wimport, pre, expr, data []byte) []byte {
	return buildHook(append([]wimport{imAccept}, imports...), cat(pre, i32c(0), i32c(0), expr, call(0)), data)
}

func TestSlotsOnTheOriginatingTransaction(t *testing.T) {
	tx := payment()
	tx["Memos"] = []any{map[string]any{"Memo": map[string]any{"MemoData": "C0FFEE", "MemoType": "74"}},
		map[string]any{"Memo": map[string]any{"MemoData": "AB"}}}
	ims := []wimport{imOtxnSlot, imSlotSubfield, imSlotFloat, imSlotType, imSlotCount, imSlotSubarray, imSlot}
	// call indexes: 1 otxn_slot, 2 slot_subfield, 3 slot_float, 4 slot_type, 5 slot_count, 6 slot_subarray, 7 slot
	txSlot := cat(i32c(0), call(1), drop1())
	amount := cat(i32c(1), i32c(6<<16|1), i32c(0), call(2), drop1()) // slot 2 = Amount
	cases := []struct {
		name string
		pre  []byte
		expr []byte
		want int64
	}{
		{"slot_float of 1 XAH", cat(txSlot, amount), cat(i32c(2), call(3)), mustXFL(t, "1")},
		{"slot_type native", cat(txSlot, amount), cat(i32c(2), i32c(1), call(4)), 1},
		{"slot_type field code", cat(txSlot, amount), cat(i32c(2), i32c(0), call(4)), 6<<16 | 1},
		{"slot_count of Memos", cat(txSlot, i32c(1), i32c(15<<16|9), i32c(3), call(2), drop1()), cat(i32c(3), call(5)), 2},
		{"slot_count of a non-array", cat(txSlot, amount), cat(i32c(2), call(5)), NotAnArray},
		{"slot_subfield of a missing field", txSlot, cat(i32c(1), i32c(8<<16|8), i32c(0), call(2)), DoesntExist},
		{"slot_subfield of an unknown field", txSlot, cat(i32c(1), i32c(8<<16|250), i32c(0), call(2)), InvalidField},
		{"slot_subfield of a leaf", cat(txSlot, amount), cat(i32c(2), i32c(6<<16|1), i32c(0), call(2)), NotAnObject},
		{"slot_float of a non-amount", txSlot, cat(i32c(1), call(3)), NotAnAmount},
		{"slot of an empty slot", nil, cat(i32c(0), i32c(0), i32c(9), call(7)), DoesntExist},
		{"memo data as int64", cat(txSlot,
			i32c(1), i32c(15<<16|9), i32c(3), call(2), drop1(), // slot 3 = Memos
			i32c(3), i32c(0), i32c(4), call(6), drop1(), // slot 4 = Memos[0]
			i32c(4), i32c(7<<16|13), i32c(5), call(2), drop1()), // slot 5 = MemoData
			cat(i32c(0), i32c(0), i32c(5), call(7)), 0x03C0FFEE}, // VL prefix 3, then the bytes
		{"slot_subarray out of range", cat(txSlot, i32c(1), i32c(15<<16|9), i32c(3), call(2), drop1()),
			cat(i32c(3), i32c(2), i32c(0), call(6)), DoesntExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runHook(t, acceptWith(ims, c.pre, c.expr, nil), newCall(t, fundedLedger(t), tx))
			assert.Equal(t, ExitAccept, res.Exit)
			assert.Equal(t, c.want, res.Code)
		})
	}
}

func drop1() []byte { return []byte{drop} }

func mustXFL(t *testing.T, s string) int64 {
	v, err := xfl.Encode(s)
	require.NoError(t, err)
	return v
}

func TestKeyletSlotSetAndAccounts(t *testing.T) {
	l := fundedLedger(t)
	// hook_account → 1024; util_keylet(ACCOUNT) → 1100; slot_set → slot;
	// slot_subfield(Balance); slot_float: 100 XAH.
	ims := []wimport{imHookAccount, imUtilKeylet, imSlotSet, imSlotSubfield, imSlotFloat}
	pre := cat(i32c(1024), i32c(20), call(1), drop1(),
		i32c(1100), i32c(34), i32c(KeyletAccount), i32c(1024), i32c(20), i32c(0), i32c(0), i32c(0), i32c(0), call(2), drop1(),
		i32c(1100), i32c(34), i32c(0), call(3), drop1(),
		i32c(1), i32c(6<<16|2), i32c(2), call(4), drop1())
	res := runHook(t, acceptWith(ims, pre, cat(i32c(2), call(5)), nil), newCall(t, l, payment()))
	assert.Equal(t, mustXFL(t, "100"), res.Code)

	// util_keylet argument checks.
	res = runHook(t, acceptWith(ims, nil, cat(i32c(1100), i32c(34), i32c(KeyletAccount), i32c(1024), i32c(19),
		i32c(0), i32c(0), i32c(0), i32c(0), call(2)), nil), newCall(t, l, payment()))
	assert.Equal(t, InvalidArgument, res.Code)
	res = runHook(t, acceptWith(ims, nil, cat(i32c(1100), i32c(33), i32c(KeyletAccount), i32c(1024), i32c(20),
		i32c(0), i32c(0), i32c(0), i32c(0), call(2)), nil), newCall(t, l, payment()))
	assert.Equal(t, TooSmall, res.Code)
	res = runHook(t, acceptWith(ims, nil, cat(i32c(1100), i32c(34), i32c(99), i32c(1024), i32c(20),
		i32c(0), i32c(0), i32c(0), i32c(0), call(2)), nil), newCall(t, l, payment()))
	assert.Equal(t, InvalidArgument, res.Code)

	// util_accid of a classic address and of garbage.
	addr := []byte(hookAddr)
	res = runHook(t, acceptWith([]wimport{imUtilAccid}, nil, cat(i32c(2048), i32c(20), i32c(1024), i32c(int32(len(addr))), call(1)), addr),
		newCall(t, l, payment()))
	assert.Equal(t, int64(20), res.Code)
	res = runHook(t, acceptWith([]wimport{imUtilAccid}, nil, cat(i32c(2048), i32c(20), i32c(1024), i32c(5), call(1)), []byte("rXXXX")),
		newCall(t, l, payment()))
	assert.Equal(t, InvalidArgument, res.Code)

	// otxn_field(Account) as int64 is too big; into memory it is 20 bytes
	// without the length prefix.
	res = runHook(t, acceptWith([]wimport{imOtxnField}, nil, cat(i32c(2048), i32c(20), i32c(8<<16|1), call(1)), nil),
		newCall(t, l, payment()))
	assert.Equal(t, int64(20), res.Code)
	res = runHook(t, acceptWith([]wimport{imOtxnField}, nil, cat(i32c(0), i32c(0), i32c(2<<16|4), call(1)), nil),
		newCall(t, l, payment()))
	assert.Equal(t, int64(5), res.Code, "Sequence as an int64")
}

func TestForeignStateNeedsAGrant(t *testing.T) {
	l := fundedLedger(t)
	other := mustAccount(t, userAddr)
	// state_foreign_set("v", key "k", namespace (32 bytes at 1100), account at 1200)
	data := make([]byte, 200)
	copy(data, "vk")
	copy(data[176:], other[:]) // 1200 - 1024 = 176
	set := cat(i32c(1024), i32c(1), i32c(1025), i32c(1), i32c(1100), i32c(32), i32c(1200), i32c(20), call(1))
	res := runHook(t, acceptWith([]wimport{imForeignSet}, nil, set, data), newCall(t, l, payment()))
	assert.Equal(t, InternalError, res.Code, "no Hook object on the foreign account")

	// With a Hook object that grants nothing: NOT_AUTHORIZED, then no retry.
	hookObj := map[string]any{"LedgerEntryType": "Hook", "Account": userAddr, "Flags": uint32(0), "OwnerNode": "0",
		"Hooks": []any{map[string]any{"Hook": map[string]any{"HookHash": "AA" + string(bytes.Repeat([]byte("00"), 31)),
			"HookNamespace": string(bytes.Repeat([]byte("00"), 32)),
			"HookGrants": []any{map[string]any{"HookGrant": map[string]any{
				"HookHash": string(bytes.Repeat([]byte("11"), 32))}}}}}}}
	b, err := codecXahau().Encode(hookObj)
	require.NoError(t, err)
	l.entries[HookKeylet(other).Key] = b
	twice := cat(set, drop1(), set)
	res = runHook(t, acceptWith([]wimport{imForeignSet}, nil, twice, data), newCall(t, l, payment()))
	assert.Equal(t, PreviousFailurePreventsRetry, res.Code)
	res = runHook(t, acceptWith([]wimport{imForeignSet}, nil, set, data), newCall(t, l, payment()))
	assert.Equal(t, NotAuthorized, res.Code)
}

func TestEmitChecksAndQueues(t *testing.T) {
	l := fundedLedger(t)
	// A Payment from the hook account with a placeholder EmitDetails the
	// hook overwrites with etxn_details.
	tmpl := map[string]any{"TransactionType": "Payment", "Account": hookAddr, "Destination": userAddr,
		"Amount": "1000", "Fee": "10", "Sequence": uint32(0), "SigningPubKey": "", "Flags": uint32(0),
		"FirstLedgerSequence": uint32(11), "LastLedgerSequence": uint32(15),
		"EmitDetails": map[string]any{"EmitGeneration": uint32(0), "EmitBurden": "0",
			"EmitParentTxnID": string(bytes.Repeat([]byte("00"), 32)), "EmitNonce": string(bytes.Repeat([]byte("00"), 32)),
			"EmitHookHash": string(bytes.Repeat([]byte("00"), 32))}}
	blob, err := codecXahau().Encode(tmpl)
	require.NoError(t, err)
	// EmitDetails (an STObject) sorts last here: it is the final 116 bytes.
	off := len(blob) - 116
	require.Equal(t, byte(0xED), blob[off])
	ims := []wimport{imReserve, imDetails, imEmit}
	pre := cat(i32c(1), call(1), drop1(), i32c(int32(1024+off)), i32c(116), call(2), drop1())
	emit := cat(i32c(4096), i32c(32), i32c(1024), i32c(int32(len(blob))), call(3))
	res := runHook(t, acceptWith(ims, pre, emit, blob), newCall(t, l, payment()))
	assert.Equal(t, int64(32), res.Code)
	require.Len(t, res.Emitted, 1)
	tx, err := codecXahau().Decode(res.Emitted[0].Blob)
	require.NoError(t, err)
	ed := tx["EmitDetails"].(map[string]any)
	assert.Equal(t, uint32(1), ed["EmitGeneration"])

	// A second emit exceeds the reservation.
	res = runHook(t, acceptWith(ims, cat(pre, emit, drop1()), emit, blob), newCall(t, l, payment()))
	assert.Equal(t, TooManyEmittedTxn, res.Code)
	assert.Len(t, res.Emitted, 1)

	// A fee below etxn_fee_base is refused.
	l.fee = 11
	res = runHook(t, acceptWith(ims, pre, emit, blob), newCall(t, l, payment()))
	assert.Equal(t, EmissionFailure, res.Code)

	// A rollback after an emit drops the emission.
	l.fee = 10
	wasm := buildHook(append([]wimport{imRollback}, ims...), cat(pre, emit, drop1(), i32c(0), i32c(0), i64c(1), call(0)), blob)
	res = runHook(t, wasm, newCall(t, l, payment()))
	assert.Equal(t, ExitRollback, res.Exit)
	assert.Empty(t, res.Emitted)
}

func TestImplementedCoversTheEvernodeImports(t *testing.T) {
	impl := map[string]bool{}
	for _, n := range Implemented() {
		impl[n] = true
	}
	for _, n := range []string{"_g", "accept", "emit", "etxn_details", "etxn_fee_base", "etxn_reserve", "fee_base",
		"float_compare", "float_divide", "float_multiply", "float_negate", "float_set", "float_sto", "float_sum",
		"hook_account", "hook_again", "hook_param", "ledger_last_time", "ledger_nonce", "ledger_seq", "otxn_field",
		"otxn_id", "otxn_param", "otxn_slot", "otxn_type", "rollback", "slot", "slot_float", "slot_set",
		"slot_subarray", "slot_subfield", "slot_type", "state", "state_foreign", "state_foreign_set", "state_set",
		"trace", "util_accid", "util_keylet", "util_sha512h"} {
		assert.True(t, impl[n], n)
	}
}

func TestSTOEmplaceAndErase(t *testing.T) {
	// An object of Sequence (2,4) and Fee (6,8); emplace Flags (2,2) and
	// erase Fee, returning the written length.
	obj := []byte{0x24, 0, 0, 0, 5, 0x68, 0x40, 0, 0, 0, 0, 0, 0, 10}
	flags := []byte{0x22, 0, 0, 0, 1}
	data := append(append([]byte{}, obj...), flags...) // obj at 1024, flags at 1038
	imEmplace := fn("sto_emplace", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	imErase := fn("sto_erase", []byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, []byte{0x7e})
	emplace := cat(i32c(2048), i32c(64), i32c(1024), i32c(14), i32c(1038), i32c(5), i32c(2<<16|2), call(1))
	res := runHook(t, acceptWith([]wimport{imEmplace}, nil, emplace, data), newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, int64(19), res.Code)
	erase := cat(i32c(2048), i32c(64), i32c(1024), i32c(14), i32c(6<<16|8), call(1))
	res = runHook(t, acceptWith([]wimport{imErase}, nil, erase, data), newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, int64(5), res.Code)
	missing := cat(i32c(2048), i32c(64), i32c(1024), i32c(14), i32c(2<<16|2), call(1))
	res = runHook(t, acceptWith([]wimport{imErase}, nil, missing, data), newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, DoesntExist, res.Code)
	overlap := cat(i32c(1024), i32c(64), i32c(1024), i32c(14), i32c(1038), i32c(5), i32c(2<<16|2), call(1))
	res = runHook(t, acceptWith([]wimport{imEmplace}, nil, overlap, data), newCall(t, fundedLedger(t), payment()))
	assert.Equal(t, MemOverlap, res.Code)
}
