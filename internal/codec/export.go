package codec

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// JSON returns the definitions in the shape of rippled's server_definitions
// result (TYPES, FIELDS, TRANSACTION_TYPES, LEDGER_ENTRY_TYPES,
// TRANSACTION_RESULTS) plus "hash", a SHA-512Half of that document, so that
// a node implementation can serve them. The result is freshly allocated.
func (d *Definitions) JSON() map[string]any {
	types := make(map[string]any, len(d.typeCodes))
	for n, c := range d.typeCodes {
		types[n] = c
	}
	fs := make([]*field, 0, len(d.fields))
	for _, f := range d.fields {
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b *field) int {
		if c := cmp.Compare(a.typeCode, b.typeCode); c != 0 {
			return c
		}
		if c := cmp.Compare(a.nth, b.nth); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	fields := make([]any, 0, len(fs))
	for _, f := range fs {
		fields = append(fields, []any{f.name, map[string]any{
			"nth": f.nth, "isVLEncoded": f.vl, "isSerialized": f.serialized,
			"isSigningField": f.signing, "type": f.typ,
		}})
	}
	txTypes := map[string]any{"Invalid": -1}
	for n, c := range d.txTypes {
		txTypes[n] = int(c)
	}
	leTypes := map[string]any{"Invalid": -1}
	for n, c := range d.leTypes {
		leTypes[n] = int(c)
	}
	results := make(map[string]any, len(d.results))
	for n, c := range d.results {
		results[n] = c
	}
	doc := map[string]any{
		"TYPES": types, "FIELDS": fields, "TRANSACTION_TYPES": txTypes,
		"LEDGER_ENTRY_TYPES": leTypes, "TRANSACTION_RESULTS": results,
	}
	b, _ := json.Marshal(doc) // maps of plain values always marshal
	h := SHA512Half(b)
	doc["hash"] = upperHex(h[:])
	return doc
}
