// Package codec is the XRPL canonical binary codec with per-instance definitions.
//
// Xahau and the XRP Ledger share the wire format but not the tables: transaction codes 45–49,
// several field codes and most result codes mean different things on each. A process may talk to
// both at once (a wallet does), so each network gets its own immutable *Definitions and nothing is
// global. Encode, EncodeForSigning and Decode speak the JSON form that rippled and xrpl.js use in
// tx_json, and produce the same bytes as ripple-binary-codec given the same definitions.
package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// source is a definitions table in the shape of rippled's server_definitions, before indexing.
type source struct {
	types              []named
	fields             []fieldSpec
	transactionTypes   []named
	ledgerEntryTypes   []named
	transactionResults []named
}

// named is one name/code pair of a server_definitions enumeration.
type named struct {
	name string
	code int
}

// fieldSpec is one row of server_definitions FIELDS.
type fieldSpec struct {
	name       string
	typ        string
	nth        int
	vl         bool
	serialized bool
	signing    bool
}

// field is an indexed field: its spec plus the type code its header is made of.
type field struct {
	fieldSpec
	typeCode int
	header   []byte
}

// headerKey identifies a serialized field on the wire.
type headerKey struct{ typeCode, nth int }

// Definitions is one network's binary-codec table: types, fields, transaction types, ledger entry
// types and transaction results. It is immutable once built and safe for concurrent use.
type Definitions struct {
	typeCodes map[string]int
	fields    map[string]*field
	byHeader  map[headerKey]*field

	txTypes     map[string]uint16
	txTypeNames map[uint16]string
	leTypes     map[string]uint16
	leTypeNames map[uint16]string
	results     map[string]int
	resultNames map[int]string

	objectEnd *field
	arrayEnd  *field
}

// Xahau returns Xahau's definitions, built on first use from the table compiled into the package.
// Every call returns the same immutable value.
func Xahau() *Definitions { return xahauDefs() }

// XRPL returns the XRP Ledger's definitions, built on first use from the table compiled into
// the package (transcribed from xrpl-go v0.3.0). Every call returns the same immutable value.
func XRPL() *Definitions { return xrplDefs() }

// The tables are built lazily so that importing the package costs nothing; both sources are
// known-good, so a build failure is a programming error caught by the tests.
var (
	xahauDefs = sync.OnceValue(func() *Definitions {
		d, err := build(xahauSource())
		if err != nil {
			panic("codec: built-in Xahau table: " + err.Error())
		}
		return d
	})
	xrplDefs = sync.OnceValue(func() *Definitions {
		d, err := build(xrplSource())
		if err != nil {
			panic("codec: built-in XRPL table: " + err.Error())
		}
		return d
	})
)

// ParseDefinitions builds Definitions from a definitions.json document or from the result of
// rippled's server_definitions command (the same keys plus extras such as "hash", which are
// ignored). Use it to follow a node's amendments without a new SDK release.
func ParseDefinitions(b []byte) (*Definitions, error) {
	var doc struct {
		Types              map[string]int    `json:"TYPES"`
		Fields             []json.RawMessage `json:"FIELDS"`
		TransactionTypes   map[string]int    `json:"TRANSACTION_TYPES"`
		TransactionResults map[string]int    `json:"TRANSACTION_RESULTS"`
		LedgerEntryTypes   map[string]int    `json:"LEDGER_ENTRY_TYPES"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDefinitions, err)
	}
	// A server_definitions response may arrive whole, with the table under "result".
	if doc.Types == nil {
		var wrapped struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(b, &wrapped) == nil && len(wrapped.Result) > 0 {
			return ParseDefinitions(wrapped.Result)
		}
	}
	if len(doc.Types) == 0 || len(doc.Fields) == 0 || len(doc.TransactionTypes) == 0 {
		return nil, fmt.Errorf("%w: TYPES, FIELDS and TRANSACTION_TYPES are required", ErrDefinitions)
	}
	s := &source{}
	for name, code := range doc.Types {
		s.types = append(s.types, named{name, code})
	}
	for _, raw := range doc.Fields {
		var pair []json.RawMessage
		if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("%w: FIELDS entry %s is not [name, info]", ErrDefinitions, raw)
		}
		var name string
		var info struct {
			Nth            *int   `json:"nth"`
			IsVLEncoded    bool   `json:"isVLEncoded"`
			IsSerialized   bool   `json:"isSerialized"`
			IsSigningField bool   `json:"isSigningField"`
			Type           string `json:"type"`
		}
		if err := json.Unmarshal(pair[0], &name); err != nil {
			return nil, fmt.Errorf("%w: FIELDS entry %s: %v", ErrDefinitions, raw, err)
		}
		if err := json.Unmarshal(pair[1], &info); err != nil || info.Nth == nil || info.Type == "" {
			return nil, fmt.Errorf("%w: FIELDS entry %q lacks nth or type", ErrDefinitions, name)
		}
		s.fields = append(s.fields, fieldSpec{
			name: name, typ: info.Type, nth: *info.Nth,
			vl: info.IsVLEncoded, serialized: info.IsSerialized, signing: info.IsSigningField,
		})
	}
	for name, code := range doc.TransactionTypes {
		s.transactionTypes = append(s.transactionTypes, named{name, code})
	}
	for name, code := range doc.LedgerEntryTypes {
		s.ledgerEntryTypes = append(s.ledgerEntryTypes, named{name, code})
	}
	for name, code := range doc.TransactionResults {
		s.transactionResults = append(s.transactionResults, named{name, code})
	}
	return build(s)
}

// build indexes a source and rejects tables the encoder could not use unambiguously.
func build(s *source) (*Definitions, error) {
	d := &Definitions{
		typeCodes:   make(map[string]int, len(s.types)),
		fields:      make(map[string]*field, len(s.fields)),
		byHeader:    make(map[headerKey]*field, len(s.fields)),
		txTypes:     make(map[string]uint16, len(s.transactionTypes)),
		txTypeNames: make(map[uint16]string, len(s.transactionTypes)),
		leTypes:     make(map[string]uint16, len(s.ledgerEntryTypes)),
		leTypeNames: make(map[uint16]string, len(s.ledgerEntryTypes)),
		results:     make(map[string]int, len(s.transactionResults)),
		resultNames: make(map[int]string, len(s.transactionResults)),
	}
	for _, t := range s.types {
		d.typeCodes[t.name] = t.code
	}
	for _, fs := range s.fields {
		if _, dup := d.fields[fs.name]; dup {
			return nil, fmt.Errorf("%w: field %q defined twice", ErrDefinitions, fs.name)
		}
		tc, ok := d.typeCodes[fs.typ]
		if !ok {
			return nil, fmt.Errorf("%w: field %q has unknown type %q", ErrDefinitions, fs.name, fs.typ)
		}
		f := &field{fieldSpec: fs, typeCode: tc}
		d.fields[fs.name] = f
		// Some tables flag pseudo-fields such as "Generic" (type Unknown, code 0) as serialized;
		// nothing can put them on the wire, so they are known names without a header.
		if !fs.serialized || tc < 1 || tc > 255 || fs.nth < 1 || fs.nth > 255 {
			f.serialized = false
			continue
		}
		k := headerKey{tc, fs.nth}
		if other, dup := d.byHeader[k]; dup {
			return nil, fmt.Errorf("%w: fields %q and %q share type %d code %d", ErrDefinitions, other.name, fs.name, tc, fs.nth)
		}
		f.header = fieldHeader(tc, fs.nth)
		d.byHeader[k] = f
	}
	for _, t := range s.transactionTypes {
		if t.code < 0 || t.code > 0xFFFF {
			continue // "Invalid" (-1) names no transaction.
		}
		if err := addEnum(d.txTypes, d.txTypeNames, t, "transaction type"); err != nil {
			return nil, err
		}
	}
	for _, t := range s.ledgerEntryTypes {
		if t.code < 0 || t.code > 0xFFFF {
			continue // "Invalid", "Any" and "Child" are RPC filters, not ledger entries.
		}
		if err := addEnum(d.leTypes, d.leTypeNames, t, "ledger entry type"); err != nil {
			return nil, err
		}
	}
	for _, r := range s.transactionResults {
		if other, dup := d.resultNames[r.code]; dup {
			return nil, fmt.Errorf("%w: results %q and %q share code %d", ErrDefinitions, other, r.name, r.code)
		}
		d.results[r.name] = r.code
		d.resultNames[r.code] = r.name
	}
	d.objectEnd = d.fields["ObjectEndMarker"]
	d.arrayEnd = d.fields["ArrayEndMarker"]
	if d.objectEnd == nil || d.arrayEnd == nil || d.objectEnd.header == nil || d.arrayEnd.header == nil ||
		d.objectEnd.typ != "STObject" || d.arrayEnd.typ != "STArray" {
		return nil, fmt.Errorf("%w: ObjectEndMarker and ArrayEndMarker must be serialized STObject and STArray fields", ErrDefinitions)
	}
	return d, nil
}

func addEnum(byName map[string]uint16, byCode map[uint16]string, t named, what string) error {
	c := uint16(t.code)
	if other, dup := byCode[c]; dup {
		return fmt.Errorf("%w: %ss %q and %q share code %d", ErrDefinitions, what, other, t.name, c)
	}
	byName[t.name] = c
	byCode[c] = t.name
	return nil
}

// fieldHeader is the 1–3 byte field id: type and field code share a byte when both are below 16.
func fieldHeader(typeCode, nth int) []byte {
	switch {
	case typeCode < 16 && nth < 16:
		return []byte{byte(typeCode<<4 | nth)}
	case typeCode < 16:
		return []byte{byte(typeCode << 4), byte(nth)}
	case nth < 16:
		return []byte{byte(nth), byte(typeCode)}
	default:
		return []byte{0, byte(typeCode), byte(nth)}
	}
}

// TransactionType returns the code of a transaction type name, such as 45 for "URITokenMint" on Xahau.
func (d *Definitions) TransactionType(name string) (uint16, bool) {
	c, ok := d.txTypes[name]
	return c, ok
}

// TransactionTypeName returns the name of a transaction type code.
func (d *Definitions) TransactionTypeName(code uint16) (string, bool) {
	n, ok := d.txTypeNames[code]
	return n, ok
}

// LedgerEntryType returns the code of a ledger entry type name, such as 0x55 for "URIToken" on Xahau.
func (d *Definitions) LedgerEntryType(name string) (uint16, bool) {
	c, ok := d.leTypes[name]
	return c, ok
}

// LedgerEntryTypeName returns the name of a ledger entry type code.
func (d *Definitions) LedgerEntryTypeName(code uint16) (string, bool) {
	n, ok := d.leTypeNames[code]
	return n, ok
}

// ResultCode returns the numeric code of an engine result name, such as 153 for
// "tecHOOK_REJECTED" on Xahau. Codes are negative for tel/tem/tef/ter results.
func (d *Definitions) ResultCode(name string) (int, bool) {
	c, ok := d.results[name]
	return c, ok
}

// ResultName returns the name of an engine result code.
func (d *Definitions) ResultName(code int) (string, bool) {
	n, ok := d.resultNames[code]
	return n, ok
}

// Errors returned by the package. They are wrapped with the offending field or value, so test
// them with errors.Is.
var (
	// ErrUnknownField: a capitalised key that the table does not define. Lower-case keys that the
	// table does not define (tx_json extras such as "hash", "ctid", "date") are ignored.
	ErrUnknownField = errors.New("codec: unknown field")
	// ErrUnknownTransactionType: a TransactionType name or code the table does not define.
	ErrUnknownTransactionType = errors.New("codec: unknown transaction type")
	// ErrUnknownLedgerEntryType: a LedgerEntryType name or code the table does not define.
	ErrUnknownLedgerEntryType = errors.New("codec: unknown ledger entry type")
	// ErrUnknownResult: a TransactionResult name or code the table does not define.
	ErrUnknownResult = errors.New("codec: unknown transaction result")
	// ErrInvalidValue: a value of the wrong Go type, out of range, or not in the type's format.
	ErrInvalidValue = errors.New("codec: invalid value")
	// ErrUnsupportedType: a field whose serialized type this codec does not implement.
	ErrUnsupportedType = errors.New("codec: unsupported type")
	// ErrMalformed: binary input that is truncated, too deeply nested or otherwise not canonical
	// enough to decode.
	ErrMalformed = errors.New("codec: malformed binary")
	// ErrDefinitions: a definitions document that cannot be used.
	ErrDefinitions = errors.New("codec: bad definitions")
)

// codecError carries a sentinel for errors.Is and a message that already starts with it.
type codecError struct {
	kind error
	msg  string
}

func (e *codecError) Error() string { return e.msg }
func (e *codecError) Unwrap() error { return e.kind }

// errf formats an error whose text is the sentinel's followed by the detail, e.g.
// `codec: unknown field "Foo"`.
func errf(kind error, format string, args ...any) error {
	return &codecError{kind: kind, msg: kind.Error() + " " + fmt.Sprintf(format, args...)}
}
