package codec

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
)

// maxDepth bounds object/array nesting both ways. rippled itself stops at 10 levels of STObject;
// the margin leaves room for metadata, and the bound keeps cyclic Go maps and hostile blobs from
// exhausting the stack.
const maxDepth = 32

// maxVL is the largest length the variable-length prefix can express.
const maxVL = 918744

// Hash prefixes from rippled's HashPrefix.h.
var (
	prefixTxSign = []byte{0x53, 0x54, 0x58, 0x00} // "STX\0": single-signing data
	prefixTxID   = []byte{0x54, 0x58, 0x4E, 0x00} // "TXN\0": transaction id
)

// Encode serializes obj (a transaction, ledger entry or metadata object in tx_json form) with
// every serialized field, in canonical order. Fields whose value is nil are left out, as are
// lower-case keys the table does not know (tx_json extras like "hash" or "ctid"); any other
// unknown key is an error wrapping ErrUnknownField. TransactionType, LedgerEntryType and
// TransactionResult are given by name; a number is taken as the raw code. Encode never panics,
// whatever the map holds (cyclic maps are cut off by the nesting limit).
func (d *Definitions) Encode(obj map[string]any) ([]byte, error) {
	e := encoder{d: d}
	if err := e.object(obj, "", false, 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// EncodeForSigning returns the bytes a single signer signs: the "STX\0" prefix followed by the
// transaction's signing fields only (TxnSignature, Signers and other non-signing fields are
// dropped at the top level, as rippled does).
func (d *Definitions) EncodeForSigning(tx map[string]any) ([]byte, error) {
	e := encoder{d: d, buf: slices.Clone(prefixTxSign)}
	if err := e.object(tx, "", true, 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	d   *Definitions
	buf []byte
}

// pathJoin names a nested field in error messages, e.g. Memos[0].Memo.MemoData.
func pathJoin(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// object writes the fields of obj in (type code, field code) order, without an end marker.
func (e *encoder) object(obj map[string]any, path string, signingOnly bool, depth int) error {
	if depth > maxDepth {
		return errf(ErrInvalidValue, "for field %q: nested deeper than %d levels", path, maxDepth)
	}
	fields := make([]*field, 0, len(obj))
	for name, v := range obj {
		f, ok := e.d.fields[name]
		if !ok {
			if name == "" || (name[0] >= 'a' && name[0] <= 'z') {
				continue
			}
			return errf(ErrUnknownField, "%q", pathJoin(path, name))
		}
		if v == nil || !f.serialized || (signingOnly && !f.signing) {
			continue
		}
		if f == e.d.objectEnd || f == e.d.arrayEnd {
			return errf(ErrInvalidValue, "for field %q: end markers are implicit", pathJoin(path, name))
		}
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(a, b *field) int {
		if a.typeCode != b.typeCode {
			return a.typeCode - b.typeCode
		}
		return a.nth - b.nth
	})
	// rippled serializes UNLModify's Account as an empty VL field; ripple-binary-codec copies that.
	unlModify := depth == 0 && obj["TransactionType"] == "UNLModify"
	for _, f := range fields {
		p := pathJoin(path, f.name)
		e.buf = append(e.buf, f.header...)
		if unlModify && f.name == "Account" {
			e.buf = append(e.buf, 0)
			continue
		}
		if err := e.value(f, obj[f.name], p, depth); err != nil {
			return err
		}
	}
	return nil
}

// value writes one field's value (after its header), with the length prefix if the field has one.
func (e *encoder) value(f *field, v any, path string, depth int) error {
	switch f.typ {
	case "STObject":
		m, ok := v.(map[string]any)
		if !ok {
			return invalid(path, "want an object, got %T", v)
		}
		if err := e.object(m, path, false, depth+1); err != nil {
			return err
		}
		e.buf = append(e.buf, e.d.objectEnd.header...)
		return nil
	case "STArray":
		if err := e.array(v, path, depth+1); err != nil {
			return err
		}
		e.buf = append(e.buf, e.d.arrayEnd.header...)
		return nil
	}
	b, err := e.d.leaf(f, v, path)
	if err != nil {
		return err
	}
	if f.vl {
		if len(b) > maxVL {
			return invalid(path, "%d bytes is longer than %d", len(b), maxVL)
		}
		e.buf = appendVL(e.buf, len(b))
	}
	e.buf = append(e.buf, b...)
	return nil
}

// array writes an STArray: each element is a one-key object naming an STObject field.
func (e *encoder) array(v any, path string, depth int) error {
	if depth > maxDepth {
		return errf(ErrInvalidValue, "for field %q: nested deeper than %d levels", path, maxDepth)
	}
	elems, ok := objects(v)
	if !ok {
		return invalid(path, "want an array of objects, got %T", v)
	}
	for i, el := range elems {
		ep := path + "[" + strconv.Itoa(i) + "]"
		if len(el) != 1 {
			return invalid(ep, "array element must have exactly one key, has %d", len(el))
		}
		for name, inner := range el {
			f, ok := e.d.fields[name]
			if !ok {
				return errf(ErrUnknownField, "%q", pathJoin(ep, name))
			}
			if f.typ != "STObject" || !f.serialized || f == e.d.objectEnd {
				return invalid(pathJoin(ep, name), "array elements must be serialized STObject fields, not %s", f.typ)
			}
			m, ok := inner.(map[string]any)
			if !ok {
				return invalid(pathJoin(ep, name), "want an object, got %T", inner)
			}
			e.buf = append(e.buf, f.header...)
			if err := e.object(m, pathJoin(ep, name), false, depth+1); err != nil {
				return err
			}
			e.buf = append(e.buf, e.d.objectEnd.header...)
		}
	}
	return nil
}

// objects accepts the slice shapes a JSON decoder or a Go caller naturally produces.
func objects(v any) ([]map[string]any, bool) {
	switch a := v.(type) {
	case []map[string]any:
		return a, true
	case []any:
		out := make([]map[string]any, len(a))
		for i, x := range a {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, false
			}
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// appendVL appends rippled's 1–3 byte length prefix.
func appendVL(b []byte, n int) []byte {
	switch {
	case n <= 192:
		return append(b, byte(n))
	case n <= 12480:
		n -= 193
		return append(b, byte(193+(n>>8)), byte(n))
	default:
		n -= 12481
		return append(b, byte(241+(n>>16)), byte(n>>8), byte(n))
	}
}

func invalid(path, format string, args ...any) error {
	return errf(ErrInvalidValue, "for field %q: "+format, append([]any{path}, args...)...)
}

// fixedWidth is the byte width of the fixed-size hex types, under both tables' names.
func fixedWidth(typ string) int {
	switch typ {
	case "UInt96":
		return 12
	case "Hash128":
		return 16
	case "Hash160":
		return 20
	case "Hash192", "UInt192":
		return 24
	case "Hash256":
		return 32
	case "Hash384", "UInt384":
		return 48
	case "Hash512", "UInt512":
		return 64
	}
	return 0
}

// leaf encodes a non-container value, without field header or length prefix.
func (d *Definitions) leaf(f *field, v any, path string) ([]byte, error) {
	switch f.typ {
	case "UInt8":
		if f.name == "TransactionResult" {
			if s, ok := v.(string); ok {
				c, ok := d.results[s]
				if !ok || c < 0 || c > math.MaxUint8 {
					return nil, errf(ErrUnknownResult, "%q", s)
				}
				return []byte{byte(c)}, nil
			}
		}
		n, err := uintValue(v, math.MaxUint8, false)
		if err != nil {
			return nil, invalid(path, "%v", err)
		}
		return []byte{byte(n)}, nil
	case "UInt16":
		if s, ok := v.(string); ok {
			switch f.name {
			case "TransactionType":
				c, ok := d.txTypes[s]
				if !ok {
					return nil, errf(ErrUnknownTransactionType, "%q", s)
				}
				return []byte{byte(c >> 8), byte(c)}, nil
			case "LedgerEntryType":
				c, ok := d.leTypes[s]
				if !ok {
					return nil, errf(ErrUnknownLedgerEntryType, "%q", s)
				}
				return []byte{byte(c >> 8), byte(c)}, nil
			}
		}
		n, err := uintValue(v, math.MaxUint16, false)
		if err != nil {
			return nil, invalid(path, "%v", err)
		}
		return []byte{byte(n >> 8), byte(n)}, nil
	case "UInt32":
		n, err := uintValue(v, math.MaxUint32, true)
		if err != nil {
			return nil, invalid(path, "%v", err)
		}
		return []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, nil
	case "UInt64":
		return uint64Value(f.name, v, path)
	case "Int32":
		n, err := intValue(v, math.MinInt32, math.MaxInt32)
		if err != nil {
			return nil, invalid(path, "%v", err)
		}
		u := uint32(int32(n))
		return []byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}, nil
	case "Int64":
		n, err := intValue(v, math.MinInt64, math.MaxInt64)
		if err != nil {
			return nil, invalid(path, "%v", err)
		}
		return be64(uint64(n)), nil
	case "Blob":
		s, ok := v.(string)
		if !ok {
			return nil, invalid(path, "want a hex string, got %T", v)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, invalid(path, "not hex: %q", clip(s))
		}
		return b, nil
	case "AccountID":
		s, ok := v.(string)
		if !ok {
			return nil, invalid(path, "want an address string, got %T", v)
		}
		if s == "" && f.vl {
			return nil, nil // rippled's empty STAccount.
		}
		return accountID(s, path)
	case "Amount":
		return amountBytes(v, path)
	case "Vector256":
		return vector256(v, path)
	case "PathSet":
		return pathSet(v, path)
	case "Currency":
		s, ok := v.(string)
		if !ok {
			return nil, invalid(path, "want a currency code string, got %T", v)
		}
		return currencyBytes(s, path, true)
	case "Issue":
		return issueBytes(v, path)
	case "XChainBridge":
		return bridgeBytes(v, path)
	}
	if w := fixedWidth(f.typ); w > 0 {
		s, ok := v.(string)
		if !ok {
			return nil, invalid(path, "want a hex string, got %T", v)
		}
		if s == "" && w == 16 {
			return make([]byte, 16), nil // ripple-binary-codec: EmailHash "" is zero.
		}
		return hexFixed(s, w, path)
	}
	return nil, errf(ErrUnsupportedType, "%s for field %q", f.typ, path)
}

func hexFixed(s string, width int, path string) ([]byte, error) {
	if len(s) != 2*width {
		return nil, invalid(path, "want %d hex characters, got %d", 2*width, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, invalid(path, "not hex: %q", clip(s))
	}
	return b, nil
}

// xrplAlphabet is the XRPL's base58 alphabet.
const xrplAlphabet = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

// accountID accepts a classic address or, as ripple-binary-codec does, 40 hex characters.
func accountID(s, path string) ([]byte, error) {
	if len(s) == 40 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	id, ok := DecodeAddress(s)
	if !ok {
		return nil, invalid(path, "not a classic address: %q", clip(s))
	}
	return id[:], nil
}

// DecodeAddress decodes a classic address ("r…") to its 20-byte account
// id. It is the one place addresses are decoded: xrpl-go v0.3.0's base58
// decoder indexes a table with each rune and panics on non-ASCII input, so
// only strings that could be addresses reach it.
func DecodeAddress(s string) (id [20]byte, ok bool) {
	if len(s) < 25 || len(s) > 35 || s[0] != 'r' || strings.Trim(s, xrplAlphabet) != "" {
		return id, false
	}
	_, b, err := addresscodec.DecodeClassicAddressToAccountID(s)
	if err != nil || len(b) != len(id) {
		return id, false
	}
	copy(id[:], b)
	return id, true
}

func vector256(v any, path string) ([]byte, error) {
	var items []string
	switch a := v.(type) {
	case []string:
		items = a
	case []any:
		for i, x := range a {
			s, ok := x.(string)
			if !ok {
				return nil, invalid(path, "element %d: want a hex string, got %T", i, x)
			}
			items = append(items, s)
		}
	default:
		return nil, invalid(path, "want an array of hex strings, got %T", v)
	}
	out := make([]byte, 0, 32*len(items))
	for i, s := range items {
		b, err := hexFixed(s, 32, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// pathSet encodes [[{account?, currency?, issuer?}, ...], ...]: hops flagged by type, paths
// separated by 0xFF, the set closed by 0x00.
func pathSet(v any, path string) ([]byte, error) {
	var paths []any
	switch a := v.(type) {
	case []any:
		paths = a
	case [][]map[string]any:
		for _, p := range a {
			hops := make([]any, len(p))
			for i := range p {
				hops[i] = p[i]
			}
			paths = append(paths, hops)
		}
	default:
		return nil, invalid(path, "want an array of paths, got %T", v)
	}
	// rippled refuses empty path sets and empty paths on the wire, so they are refused here too.
	if len(paths) == 0 {
		return nil, invalid(path, "empty path set")
	}
	var out []byte
	for i, p := range paths {
		hops, ok := objects(p)
		if !ok {
			return nil, invalid(path, "path %d: want an array of objects, got %T", i, p)
		}
		if len(hops) == 0 {
			return nil, invalid(path, "path %d is empty", i)
		}
		if i > 0 {
			out = append(out, 0xFF)
		}
		for j, h := range hops {
			hp := path + "[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]"
			var typ byte
			var body []byte
			for k := range h {
				if k != "account" && k != "currency" && k != "issuer" && k != "type" && k != "type_hex" {
					return nil, invalid(hp, "unknown path step key %q", k)
				}
			}
			if a, ok := h["account"]; ok && a != nil {
				s, _ := a.(string)
				id, err := accountID(s, hp+".account")
				if err != nil {
					return nil, err
				}
				typ |= 0x01
				body = append(body, id...)
			}
			if c, ok := h["currency"]; ok && c != nil {
				s, _ := c.(string)
				cur, err := currencyBytes(s, hp+".currency", true)
				if err != nil {
					return nil, err
				}
				typ |= 0x10
				body = append(body, cur...)
			}
			if is, ok := h["issuer"]; ok && is != nil {
				s, _ := is.(string)
				id, err := accountID(s, hp+".issuer")
				if err != nil {
					return nil, err
				}
				typ |= 0x20
				body = append(body, id...)
			}
			if typ == 0 {
				return nil, invalid(hp, "path step needs account, currency or issuer")
			}
			out = append(out, typ)
			out = append(out, body...)
		}
	}
	return append(out, 0x00), nil
}

// issueBytes encodes {"currency":"XRP"}, {"currency","issuer"} or {"mpt_issuance_id"}.
func issueBytes(v any, path string) ([]byte, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(path, "want an issue object, got %T", v)
	}
	if id, ok := m["mpt_issuance_id"]; ok {
		s, _ := id.(string)
		if len(m) != 1 {
			return nil, invalid(path, "an MPT issue has only mpt_issuance_id")
		}
		b, err := hexFixed(s, 24, path+".mpt_issuance_id")
		if err != nil {
			return nil, err
		}
		// The wire form is issuer ‖ noAccount ‖ little-endian sequence.
		out := append([]byte{}, b[4:]...)
		out = append(out, noAccount()...)
		return append(out, b[3], b[2], b[1], b[0]), nil
	}
	cs, _ := m["currency"].(string)
	cur, err := currencyBytes(cs, path+".currency", true)
	if err != nil {
		return nil, err
	}
	iss, hasIssuer := m["issuer"]
	if isZero(cur) {
		if hasIssuer || len(m) != 1 {
			return nil, invalid(path, "an XRP issue has only currency")
		}
		return cur, nil
	}
	if !hasIssuer || len(m) != 2 {
		return nil, invalid(path, "a token issue needs currency and issuer only")
	}
	s, _ := iss.(string)
	id, err := accountID(s, path+".issuer")
	if err != nil {
		return nil, err
	}
	return append(cur, id...), nil
}

// noAccount is rippled's noAccount(): AccountID 0x…01, used as the MPT marker in Issue.
func noAccount() []byte {
	b := make([]byte, 20)
	b[19] = 1
	return b
}

func bridgeBytes(v any, path string) ([]byte, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(path, "want a bridge object, got %T", v)
	}
	if len(m) != 4 {
		return nil, invalid(path, "a bridge has LockingChainDoor, LockingChainIssue, IssuingChainDoor and IssuingChainIssue")
	}
	var out []byte
	for _, part := range []struct {
		name  string
		issue bool
	}{{"LockingChainDoor", false}, {"LockingChainIssue", true}, {"IssuingChainDoor", false}, {"IssuingChainIssue", true}} {
		p := path + "." + part.name
		if part.issue {
			b, err := issueBytes(m[part.name], p)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			continue
		}
		s, ok := m[part.name].(string)
		if !ok {
			return nil, invalid(p, "want an address string")
		}
		id, err := accountID(s, p)
		if err != nil {
			return nil, err
		}
		out = append(out, 20)
		out = append(out, id...)
	}
	return out, nil
}

// base10UInt64 lists the UInt64 fields ripple-binary-codec writes in decimal (MPT quantities);
// every other UInt64 is hex in JSON.
func base10UInt64(name string) bool {
	switch name {
	case "MaximumAmount", "OutstandingAmount", "MPTAmount", "LockedAmount", "ConfidentialOutstandingAmount":
		return true
	}
	return false
}

func uint64Value(name string, v any, path string) ([]byte, error) {
	if s, ok := v.(string); ok {
		if base10UInt64(name) {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil || s == "" || s[0] == '+' {
				return nil, invalid(path, "not a decimal UInt64: %q", clip(s))
			}
			return be64(n), nil
		}
		if len(s) == 0 || len(s) > 16 {
			return nil, invalid(path, "want 1 to 16 hex digits, got %q", clip(s))
		}
		n, err := strconv.ParseUint(s, 16, 64)
		if err != nil || s[0] == '+' || s[0] == '-' {
			return nil, invalid(path, "not hex: %q", clip(s))
		}
		return be64(n), nil
	}
	n, err := uintValue(v, math.MaxUint64, false)
	if err != nil {
		return nil, invalid(path, "%v", err)
	}
	return be64(n), nil
}

func be64(n uint64) []byte {
	return []byte{byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// uintValue accepts the Go shapes a JSON number can arrive in. Strings are decimal and only
// accepted where allowStrings says so (UInt32, where some tools quote large values).
func uintValue(v any, limit uint64, allowStrings bool) (uint64, error) {
	var n uint64
	switch x := v.(type) {
	case int:
		if x < 0 {
			return 0, errNegative(x)
		}
		n = uint64(x)
	case int8:
		if x < 0 {
			return 0, errNegative(x)
		}
		n = uint64(x)
	case int16:
		if x < 0 {
			return 0, errNegative(x)
		}
		n = uint64(x)
	case int32:
		if x < 0 {
			return 0, errNegative(x)
		}
		n = uint64(x)
	case int64:
		if x < 0 {
			return 0, errNegative(x)
		}
		n = uint64(x)
	case uint:
		n = uint64(x)
	case uint8:
		n = uint64(x)
	case uint16:
		n = uint64(x)
	case uint32:
		n = uint64(x)
	case uint64:
		n = x
	case float64:
		if x < 0 || x != math.Trunc(x) || x >= 1<<64 {
			return 0, fmt.Errorf("%v is not an unsigned integer", x)
		}
		n = uint64(x)
	case float32:
		return uintValue(float64(x), limit, allowStrings)
	case json.Number:
		u, err := strconv.ParseUint(string(x), 10, 64)
		if err != nil {
			// json.Number may carry "1e3" or "5.0"; accept it when it is integral.
			f, ferr := x.Float64()
			if ferr != nil || f > 1<<53 {
				return 0, fmt.Errorf("%q is not an unsigned integer", string(x))
			}
			return uintValue(f, limit, false)
		}
		n = u
	case string:
		if !allowStrings {
			return 0, fmt.Errorf("want a number, got string %q", clip(x))
		}
		u, err := strconv.ParseUint(x, 10, 64)
		if err != nil || x == "" || x[0] == '+' {
			return 0, fmt.Errorf("%q is not a decimal unsigned integer", clip(x))
		}
		n = u
	default:
		return 0, fmt.Errorf("want a number, got %T", v)
	}
	if n > limit {
		return 0, fmt.Errorf("%d is larger than %d", n, limit)
	}
	return n, nil
}

func intValue(v any, lo, hi int64) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint32:
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		n = int64(x)
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", string(x))
		}
		n = i
	default:
		u, err := uintValue(v, math.MaxInt64, false)
		if err != nil {
			return 0, err
		}
		n = int64(u)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return n, nil
}

func errNegative(x any) error { return fmt.Errorf("%v is negative", x) }

// clip keeps hostile inputs from bloating error messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
