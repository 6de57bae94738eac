package ledger

import (
	"maps"
	"slices"
	"strconv"
)

// Entry is a ledger object in its JSON form (the fields of rippled's
// ledger_entry "node", without "index"). Stored entries are never modified:
// a change stores a modified clone.
type Entry = map[string]any

// reader reads ledger objects.
type reader interface {
	get(k Hash) Entry
}

// stateMap is a full state.
type stateMap map[Hash]Entry

func (s stateMap) get(k Hash) Entry { return s[k] }

// view is a set of changes over a parent reader, kept in the order keys were
// first touched so that metadata is deterministic.
type view struct {
	parent  reader
	changes map[Hash]Entry // nil value: deleted
	order   []Hash
}

func newView(p reader) *view { return &view{parent: p, changes: map[Hash]Entry{}} }

func (v *view) get(k Hash) Entry {
	if e, ok := v.changes[k]; ok {
		return e
	}
	return v.parent.get(k)
}

// put stores e (which the caller must not modify afterwards) at k.
func (v *view) put(k Hash, e Entry) {
	if _, ok := v.changes[k]; !ok {
		v.order = append(v.order, k)
	}
	v.changes[k] = e
}

// erase deletes k.
func (v *view) erase(k Hash) { v.put(k, nil) }

// commitTo writes the view's changes into its parent view.
func (v *view) commitTo(p *view) {
	for _, k := range v.order {
		p.put(k, v.changes[k])
	}
}

// edit returns a modifiable clone of the entry at k, or nil.
func (v *view) edit(k Hash) Entry {
	e := v.get(k)
	if e == nil {
		return nil
	}
	return maps.Clone(e)
}

// Field helpers. Entries hold uint32 for UInt8/16/32 fields, strings for
// amounts in drops, UInt64 (hex) and hashes.

func u32(e Entry, k string) uint32 {
	switch x := e[k].(type) {
	case uint32:
		return x
	case int:
		return uint32(x)
	case float64:
		return uint32(x)
	}
	return 0
}

func str(e Entry, k string) string { s, _ := e[k].(string); return s }

func drops(e Entry, k string) int64 {
	n, _ := strconv.ParseInt(str(e, k), 10, 64)
	return n
}

func setDrops(e Entry, k string, n int64) { e[k] = strconv.FormatInt(n, 10) }

func hexU64(e Entry, k string) uint64 {
	n, _ := strconv.ParseUint(str(e, k), 16, 64)
	return n
}

func fmtHexU64(n uint64) string { return strconv.FormatUint(n, 16) }

// Directories: pages of up to dirPageSize indexes, linked by IndexNext and
// IndexPrevious (the root's IndexPrevious names the last page), as rippled.

const dirPageSize = 32

// dirInsert appends idx to the directory rooted at root and returns the page
// number it landed on. extra fields are set on a newly created root.
func dirInsert(v *view, root Hash, idx Hash, extra map[string]any) uint64 {
	r := v.edit(root)
	if r == nil {
		r = Entry{"LedgerEntryType": "DirectoryNode", "Flags": uint32(0), "RootIndex": root.String(), "Indexes": []any{}}
		maps.Copy(r, extra)
	}
	last := hexU64(r, "IndexPrevious")
	var page Entry
	if last == 0 {
		page = r
	} else {
		page = v.edit(DirPageKey(root, last))
	}
	if ix, _ := page["Indexes"].([]any); len(ix) >= dirPageSize {
		// Start a new page after the last one.
		n := last + 1
		np := Entry{"LedgerEntryType": "DirectoryNode", "Flags": uint32(0), "RootIndex": root.String(), "Indexes": []any{idx.String()}}
		maps.Copy(np, extra)
		if n > 1 {
			np["IndexPrevious"] = fmtHexU64(last)
		}
		if last == 0 {
			r["IndexNext"] = fmtHexU64(n)
		} else {
			page["IndexNext"] = fmtHexU64(n)
			v.put(DirPageKey(root, last), page)
		}
		r["IndexPrevious"] = fmtHexU64(n)
		v.put(root, r)
		v.put(DirPageKey(root, n), np)
		return n
	}
	ix, _ := page["Indexes"].([]any)
	page["Indexes"] = append(slices.Clip(ix), idx.String())
	if last == 0 {
		v.put(root, page)
	} else {
		v.put(DirPageKey(root, last), page)
	}
	return last
}

// dirRemove removes idx from page n of the directory rooted at root. Empty
// pages other than the root are unlinked and deleted; an empty root with no
// other pages is deleted too.
func dirRemove(v *view, root Hash, n uint64, idx Hash) {
	pk := DirPageKey(root, n)
	page := v.edit(pk)
	if page == nil {
		return
	}
	ix, _ := page["Indexes"].([]any)
	s := idx.String()
	out := make([]any, 0, len(ix))
	for _, x := range ix {
		if x != s {
			out = append(out, x)
		}
	}
	page["Indexes"] = out
	if len(out) > 0 {
		v.put(pk, page)
		return
	}
	if n == 0 {
		if hexU64(page, "IndexNext") == 0 {
			v.erase(pk)
			return
		}
		v.put(pk, page)
		return
	}
	prev := hexU64(page, "IndexPrevious")
	next := hexU64(page, "IndexNext")
	pp := v.edit(DirPageKey(root, prev))
	if pp != nil {
		if next == 0 {
			delete(pp, "IndexNext")
		} else {
			pp["IndexNext"] = fmtHexU64(next)
		}
		if prev == 0 && next == 0 {
			delete(pp, "IndexPrevious")
		}
		v.put(DirPageKey(root, prev), pp)
	}
	if next != 0 {
		if np := v.edit(DirPageKey(root, next)); np != nil {
			if prev == 0 {
				delete(np, "IndexPrevious")
			} else {
				np["IndexPrevious"] = fmtHexU64(prev)
			}
			v.put(DirPageKey(root, next), np)
		}
	} else if r := v.edit(root); r != nil {
		// The last page went away: the root's IndexPrevious names the new last.
		if prev == 0 {
			delete(r, "IndexPrevious")
		} else {
			r["IndexPrevious"] = fmtHexU64(prev)
		}
		v.put(root, r)
	}
	v.erase(pk)
	if r := v.get(root); r != nil {
		if ix, _ := r["Indexes"].([]any); len(ix) == 0 && hexU64(r, "IndexNext") == 0 {
			v.erase(root)
		}
	}
}

// dirWalk calls fn for each index of the directory rooted at root, starting
// at page start, entry start (the first when zero), until fn returns false.
func dirWalk(r reader, root Hash, startPage uint64, startEntry Hash, fn func(page uint64, idx Hash) bool) bool {
	n := startPage
	found := startEntry.IsZero()
	for {
		page := r.get(DirPageKey(root, n))
		if page == nil {
			return found
		}
		ix, _ := page["Indexes"].([]any)
		for _, x := range ix {
			h, _ := ParseHash(x.(string))
			if !found {
				if h != startEntry {
					continue
				}
				found = true
			}
			if !fn(n, h) {
				return true
			}
		}
		if !found {
			return false
		}
		n = hexU64(page, "IndexNext")
		if n == 0 {
			return true
		}
	}
}
