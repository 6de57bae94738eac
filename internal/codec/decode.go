package codec

import (
	"encoding/binary"
	"encoding/hex"
	"strings"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
)

// Decode parses a serialized object (a transaction, ledger entry or metadata) back to its JSON
// form, the one ripple-binary-codec prints:
//   - UInt8, UInt16 and UInt32 come back as uint32 (one Go type for all three, so callers switch
//     on one case; encoding/json prints it as a number), except TransactionType,
//     LedgerEntryType and TransactionResult, which come back as their names;
//   - UInt64 as 16 upper-case hex digits (decimal for the MPT quantity fields), Int32 as int32;
//   - hashes, blobs and Vector256 entries as upper-case hex, AccountID as a classic address;
//   - Amount as a drops string or a map with currency/issuer/value (or mpt_issuance_id/value);
//   - STObject as map[string]any, STArray as []any of one-key maps, PathSet as []any of []any
//     of maps.
//
// Decode never panics; nesting is bounded and every length is checked against the input.
func (d *Definitions) Decode(b []byte) (map[string]any, error) {
	p := parser{d: d, b: b}
	obj, err := p.object("", 0, false)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

type parser struct {
	d   *Definitions
	b   []byte
	off int
}

func malformed(path, format string, args ...any) error {
	if path == "" {
		return errf(ErrMalformed, format, args...)
	}
	return errf(ErrMalformed, "in field %q: "+format, append([]any{path}, args...)...)
}

func (p *parser) read(n int, path string) ([]byte, error) {
	if n < 0 || n > len(p.b)-p.off {
		return nil, malformed(path, "need %d bytes at offset %d, have %d", n, p.off, len(p.b)-p.off)
	}
	out := p.b[p.off : p.off+n]
	p.off += n
	return out, nil
}

func (p *parser) byte1(path string) (byte, error) {
	b, err := p.read(1, path)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// field reads a field header and looks it up.
func (p *parser) field(path string) (*field, error) {
	at := p.off
	h, err := p.byte1(path)
	if err != nil {
		return nil, err
	}
	tc, nth := int(h>>4), int(h&0x0F)
	if tc == 0 {
		if tc2, err := p.byte1(path); err != nil {
			return nil, err
		} else if tc = int(tc2); tc < 16 {
			return nil, malformed(path, "non-canonical field header at offset %d", at)
		}
	}
	if nth == 0 {
		if n2, err := p.byte1(path); err != nil {
			return nil, err
		} else if nth = int(n2); nth < 16 {
			return nil, malformed(path, "non-canonical field header at offset %d", at)
		}
	}
	f, ok := p.d.byHeader[headerKey{tc, nth}]
	if !ok {
		return nil, malformed(path, "unknown field (type %d, code %d) at offset %d", tc, nth, at)
	}
	return f, nil
}

// vl reads a variable-length prefix.
func (p *parser) vl(path string) (int, error) {
	b1, err := p.byte1(path)
	if err != nil {
		return 0, err
	}
	switch {
	case b1 <= 192:
		return int(b1), nil
	case b1 <= 240:
		b2, err := p.byte1(path)
		if err != nil {
			return 0, err
		}
		return 193 + int(b1-193)<<8 + int(b2), nil
	case b1 <= 254:
		b, err := p.read(2, path)
		if err != nil {
			return 0, err
		}
		return 12481 + int(b1-241)<<16 + int(b[0])<<8 + int(b[1]), nil
	}
	return 0, malformed(path, "bad length prefix 0xFF at offset %d", p.off-1)
}

// object reads fields until the end of input (top level) or an ObjectEndMarker (nested).
func (p *parser) object(path string, depth int, nested bool) (map[string]any, error) {
	if depth > maxDepth {
		return nil, malformed(path, "nested deeper than %d levels", maxDepth)
	}
	out := map[string]any{}
	for {
		if p.off == len(p.b) {
			if nested {
				return nil, malformed(path, "object has no end marker")
			}
			return out, nil
		}
		f, err := p.field(path)
		if err != nil {
			return nil, err
		}
		if f == p.d.objectEnd {
			if !nested {
				return nil, malformed(path, "object end marker at top level")
			}
			return out, nil
		}
		fp := pathJoin(path, f.name)
		if f == p.d.arrayEnd {
			return nil, malformed(fp, "array end marker inside an object")
		}
		if _, dup := out[f.name]; dup {
			return nil, malformed(fp, "field appears twice")
		}
		v, err := p.value(f, fp, depth)
		if err != nil {
			return nil, err
		}
		out[f.name] = v
	}
}

func (p *parser) array(path string, depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, malformed(path, "nested deeper than %d levels", maxDepth)
	}
	out := []any{}
	for {
		if p.off == len(p.b) {
			return nil, malformed(path, "array has no end marker")
		}
		f, err := p.field(path)
		if err != nil {
			return nil, err
		}
		if f == p.d.arrayEnd {
			return out, nil
		}
		if f.typ != "STObject" || f == p.d.objectEnd {
			return nil, malformed(path, "array element %q is not an object", f.name)
		}
		obj, err := p.object(pathJoin(path, f.name), depth+1, true)
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]any{f.name: obj})
	}
}

// value reads one field's value after its header.
func (p *parser) value(f *field, path string, depth int) (any, error) {
	switch f.typ {
	case "STObject":
		return p.object(path, depth+1, true)
	case "STArray":
		return p.array(path, depth+1)
	case "PathSet":
		return p.pathSet(path)
	}
	var raw []byte
	var err error
	if f.vl {
		n, err := p.vl(path)
		if err != nil {
			return nil, err
		}
		if raw, err = p.read(n, path); err != nil {
			return nil, err
		}
	} else {
		n, err := p.width(f, path)
		if err != nil {
			return nil, err
		}
		if raw, err = p.read(n, path); err != nil {
			return nil, err
		}
	}
	v, err := p.d.leafJSON(f, raw, path)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// width is the size of a fixed-width value; Amount and Issue look at their first bytes to tell.
func (p *parser) width(f *field, path string) (int, error) {
	if w := staticWidth(f.typ); w > 0 {
		return w, nil
	}
	switch f.typ {
	case "Amount":
		if p.off >= len(p.b) {
			return 0, malformed(path, "truncated amount")
		}
		switch {
		case p.b[p.off]&0x80 != 0:
			return 48, nil
		case p.b[p.off]&0x20 != 0:
			return 33, nil
		}
		return 8, nil
	case "Issue":
		return p.issueWidth(path)
	case "XChainBridge":
		// door (VL 20) + issue + door (VL 20) + issue
		start := p.off
		for i := 0; i < 2; i++ {
			if n, err := p.vl(path); err != nil {
				return 0, err
			} else if n != 20 {
				return 0, malformed(path, "bridge door is %d bytes", n)
			}
			if _, err := p.read(20, path); err != nil {
				return 0, err
			}
			w, err := p.issueWidth(path)
			if err != nil {
				return 0, err
			}
			if _, err := p.read(w, path); err != nil {
				return 0, err
			}
		}
		n := p.off - start
		p.off = start
		return n, nil
	}
	return 0, errf(ErrUnsupportedType, "%s for field %q", f.typ, path)
}

// staticWidth is the size of the types whose size never depends on the data.
func staticWidth(typ string) int {
	switch typ {
	case "UInt8":
		return 1
	case "UInt16":
		return 2
	case "UInt32", "Int32":
		return 4
	case "UInt64", "Int64":
		return 8
	case "Currency":
		return 20
	}
	return fixedWidth(typ)
}

// issueWidth: 20 bytes for XRP, 44 for an MPT (issuer, noAccount, sequence), 40 for a token.
func (p *parser) issueWidth(path string) (int, error) {
	if len(p.b)-p.off < 20 {
		return 0, malformed(path, "truncated issue")
	}
	if isZero(p.b[p.off : p.off+20]) {
		return 20, nil
	}
	if len(p.b)-p.off >= 44 && string(p.b[p.off+20:p.off+40]) == string(noAccount()) {
		return 44, nil
	}
	return 40, nil
}

func (p *parser) pathSet(path string) (any, error) {
	paths := []any{}
	hops := []any{}
	for {
		t, err := p.byte1(path)
		if err != nil {
			return nil, err
		}
		switch t {
		case 0x00, 0xFF:
			if len(hops) == 0 {
				return nil, malformed(path, "empty path")
			}
			paths = append(paths, hops)
			hops = []any{}
			if t == 0x00 {
				return paths, nil
			}
			continue
		}
		if t&^0x31 != 0 || t == 0 {
			return nil, malformed(path, "bad path step type 0x%02X", t)
		}
		hop := map[string]any{}
		if t&0x01 != 0 {
			b, err := p.read(20, path)
			if err != nil {
				return nil, err
			}
			if hop["account"], err = accountJSON(b); err != nil {
				return nil, malformed(path, "%v", err)
			}
		}
		if t&0x10 != 0 {
			b, err := p.read(20, path)
			if err != nil {
				return nil, err
			}
			hop["currency"] = currencyJSON(b)
		}
		if t&0x20 != 0 {
			b, err := p.read(20, path)
			if err != nil {
				return nil, err
			}
			if hop["issuer"], err = accountJSON(b); err != nil {
				return nil, malformed(path, "%v", err)
			}
		}
		hops = append(hops, hop)
	}
}

func accountJSON(b []byte) (string, error) {
	return addresscodec.EncodeAccountIDToClassicAddress(b)
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// leafJSON converts a non-container value's bytes to JSON form.
func (d *Definitions) leafJSON(f *field, b []byte, path string) (any, error) {
	// A table may mark any type as length-prefixed; never trust the prefix to match the type.
	if w := staticWidth(f.typ); w > 0 && len(b) != w {
		return nil, malformed(path, "%s value of %d bytes", f.typ, len(b))
	}
	switch f.typ {
	case "UInt8":
		if f.name == "TransactionResult" {
			name, ok := d.resultNames[int(b[0])]
			if !ok {
				return nil, errf(ErrUnknownResult, "%d in field %q", b[0], path)
			}
			return name, nil
		}
		return uint32(b[0]), nil
	case "UInt16":
		n := binary.BigEndian.Uint16(b)
		switch f.name {
		case "TransactionType":
			name, ok := d.txTypeNames[n]
			if !ok {
				return nil, errf(ErrUnknownTransactionType, "%d", n)
			}
			return name, nil
		case "LedgerEntryType":
			name, ok := d.leTypeNames[n]
			if !ok {
				return nil, errf(ErrUnknownLedgerEntryType, "%d", n)
			}
			return name, nil
		}
		return uint32(n), nil
	case "UInt32":
		return binary.BigEndian.Uint32(b), nil
	case "Int32":
		return int32(binary.BigEndian.Uint32(b)), nil
	case "Int64":
		return int64(binary.BigEndian.Uint64(b)), nil
	case "UInt64":
		n := binary.BigEndian.Uint64(b)
		if base10UInt64(f.name) {
			return formatUint(n), nil
		}
		return upperHex(b), nil
	case "Blob":
		return upperHex(b), nil
	case "AccountID":
		if len(b) == 0 {
			return "", nil
		}
		if len(b) != 20 {
			return nil, malformed(path, "account is %d bytes", len(b))
		}
		return accountJSON(b)
	case "Amount":
		return amountJSON(b, path)
	case "Vector256":
		if len(b)%32 != 0 {
			return nil, malformed(path, "Vector256 of %d bytes", len(b))
		}
		out := make([]any, 0, len(b)/32)
		for i := 0; i < len(b); i += 32 {
			out = append(out, upperHex(b[i:i+32]))
		}
		return out, nil
	case "Currency":
		return currencyJSON(b), nil
	case "Issue":
		if len(b) != 20 && len(b) != 40 && len(b) != 44 {
			return nil, malformed(path, "issue of %d bytes", len(b))
		}
		return issueJSON(b)
	case "XChainBridge":
		return bridgeJSON(b, path)
	case "Hash128":
		if isZero(b) {
			return "", nil // ripple-binary-codec prints a zero EmailHash as "".
		}
	}
	if fixedWidth(f.typ) > 0 {
		return upperHex(b), nil
	}
	return nil, errf(ErrUnsupportedType, "%s for field %q", f.typ, path)
}

func formatUint(n uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

func issueJSON(b []byte) (map[string]any, error) {
	switch len(b) {
	case 20:
		return map[string]any{"currency": "XRP"}, nil
	case 44:
		// mpt_issuance_id is the big-endian sequence followed by the issuer.
		id := []byte{b[43], b[42], b[41], b[40]}
		return map[string]any{"mpt_issuance_id": upperHex(append(id, b[:20]...))}, nil
	}
	issuer, err := accountJSON(b[20:40])
	if err != nil {
		return nil, err
	}
	return map[string]any{"currency": currencyJSON(b[:20]), "issuer": issuer}, nil
}

func bridgeJSON(b []byte, path string) (map[string]any, error) {
	p := parser{b: b}
	out := map[string]any{}
	for _, names := range [][2]string{{"LockingChainDoor", "LockingChainIssue"}, {"IssuingChainDoor", "IssuingChainIssue"}} {
		if _, err := p.vl(path); err != nil {
			return nil, err
		}
		door, err := p.read(20, path)
		if err != nil {
			return nil, err
		}
		if out[names[0]], err = accountJSON(door); err != nil {
			return nil, err
		}
		w, err := p.issueWidth(path)
		if err != nil {
			return nil, err
		}
		ib, err := p.read(w, path)
		if err != nil {
			return nil, err
		}
		if out[names[1]], err = issueJSON(ib); err != nil {
			return nil, err
		}
	}
	return out, nil
}
