package localnet

import (
	"encoding/hex"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evernode-go/sdk/internal/ledger"
)

// rpcError is an error answer, named and numbered as rippled's.
type rpcError struct {
	name string
	code int
	msg  string
}

var (
	errActNotFound       = &rpcError{"actNotFound", 19, "Account not found."}
	errActMalformed      = &rpcError{"actMalformed", 35, "Account malformed."}
	errNamespaceNotFound = &rpcError{"namespaceNotFound", 20, "Namespace not found."}
	errLgrNotFound       = &rpcError{"lgrNotFound", 21, "ledgerNotFound"}
	errTxnNotFound       = &rpcError{"txnNotFound", 29, "Transaction not found."}
	errInvalidParams     = &rpcError{"invalidParams", 31, "Invalid parameters."}
	errUnknownCmd        = &rpcError{"unknownCmd", 32, "Unknown method."}
	errCommandMissing    = &rpcError{"missingCommand", 47, "Missing command entry."}
	errNotSupported      = &rpcError{"notSupported", 75, "Operation not supported."}
	errNoPermission      = &rpcError{"noPermission", 6, "You don't have permission for this command."}
	errEntryNotFound     = &rpcError{"entryNotFound", 0, "Entry not found."}
	errObjectNotFound    = &rpcError{"objectNotFound", 92, "The requested object was not found."}
	errMalformedStream   = &rpcError{"malformedStream", 71, "Stream malformed."}
	errInvalidAPIVersion = &rpcError{"invalid_API_version", 6000, "Invalid API version."}
	errLgrIdxMalformed   = &rpcError{"lgrIdxMalformed", 58, "Ledger index malformed."}
	errInternal          = &rpcError{"internal", 73, "Internal error."}
	errInvalidLgrRange   = &rpcError{"lgrIdxsInvalid", 57, "Ledger indexes invalid."}
)

func missingField(f string) *rpcError {
	return &rpcError{"invalidParams", 31, "Missing field '" + f + "'."}
}

func invalidField(f string) *rpcError {
	return &rpcError{"invalidParams", 31, "Invalid field '" + f + "'."}
}

// call runs one method. c is nil for HTTP requests.
func (n *Net) call(c *conn, method string, p map[string]any, api int) (map[string]any, *rpcError) {
	switch method {
	case "ping":
		return map[string]any{}, nil
	case "server_info":
		return n.serverInfo(false), nil
	case "server_state":
		return n.serverInfo(true), nil
	case "server_definitions":
		return n.eng.Defs().JSON(), nil
	case "fee":
		return n.fee(p)
	case "ledger_current":
		return map[string]any{"ledger_current_index": n.eng.OpenSeq()}, nil
	case "ledger_closed":
		seq, _ := n.eng.LastClose()
		l := n.eng.Ledger(seq)
		return map[string]any{"ledger_hash": l.Hash.String(), "ledger_index": seq}, nil
	case "ledger":
		return n.ledgerCmd(p, api)
	case "account_info":
		return n.accountInfo(p, api)
	case "account_lines":
		return n.accountLines(p)
	case "account_objects":
		return n.accountObjects(p)
	case "account_nfts":
		return n.accountNFTs(p)
	case "account_namespace":
		return n.accountNamespace(p)
	case "ledger_entry":
		return n.ledgerEntry(p)
	case "tx":
		return n.tx(p, api)
	case "account_tx":
		return n.accountTx(p, api)
	case "nft_sell_offers":
		return n.nftOffers(p, true)
	case "nft_buy_offers":
		return n.nftOffers(p, false)
	case "submit":
		return n.submitCmd(p)
	case "subscribe":
		if c == nil {
			return nil, errNoPermission
		}
		return n.subscribe(c, p, api, true)
	case "unsubscribe":
		if c == nil {
			return nil, errNoPermission
		}
		return n.subscribe(c, p, api, false)
	}
	return nil, errUnknownCmd
}

// ---- parameter helpers ----

func intParam(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func accountParam(p map[string]any, field string) (ledger.AccountID, *rpcError) {
	v, ok := p[field]
	if !ok {
		return ledger.AccountID{}, missingField(field)
	}
	s, _ := v.(string)
	a, ok := ledger.ParseAccount(s)
	if !ok {
		return a, errActMalformed
	}
	return a, nil
}

// limitParam reads limit, clamped to [lo, hi], def when absent.
func limitParam(p map[string]any, def, lo, hi int) (int, *rpcError) {
	v, ok := p["limit"]
	if !ok {
		return def, nil
	}
	n, ok := intParam(v)
	if !ok || n < 0 {
		return 0, invalidField("limit")
	}
	return int(min(max(n, int64(lo)), int64(hi))), nil
}

// ledgerSel is a state a request reads: the open ledger, the last closed
// one, or (seq set) a retained older closed ledger.
type ledgerSel struct {
	which ledger.Which
	seq   uint32
}

// selectLedger resolves ledger_index / ledger_hash to a state; def is used
// when neither is given. Closed ledgers outside the retained window
// (Config.History) are lgrNotFound.
func (n *Net) selectLedger(p map[string]any, def ledger.Which) (ledgerSel, *rpcError) {
	openSeq := n.eng.OpenSeq()
	closed := func(seq uint32) (ledgerSel, *rpcError) {
		switch {
		case seq == openSeq-1:
			return ledgerSel{which: ledger.Validated}, nil
		case n.eng.Ledger(seq) != nil:
			return ledgerSel{which: ledger.Validated, seq: seq}, nil
		}
		return ledgerSel{}, errLgrNotFound
	}
	if h, ok := p["ledger_hash"].(string); ok && h != "" {
		hh, ok := ledger.ParseHash(h)
		if !ok {
			return ledgerSel{}, invalidField("ledger_hash")
		}
		l := n.eng.LedgerByHash(hh)
		if l == nil {
			return ledgerSel{}, errLgrNotFound
		}
		return closed(l.Seq)
	}
	v, ok := p["ledger_index"]
	if !ok {
		return ledgerSel{which: def}, nil
	}
	switch x := v.(type) {
	case string:
		switch x {
		case "current":
			return ledgerSel{which: ledger.Current}, nil
		case "validated", "closed":
			return ledgerSel{which: ledger.Validated}, nil
		}
	}
	i, ok := intParam(v)
	if !ok || i < 0 || i > math.MaxUint32 {
		return ledgerSel{}, errLgrIdxMalformed
	}
	if uint32(i) == openSeq {
		return ledgerSel{which: ledger.Current}, nil
	}
	return closed(uint32(i))
}

// read calls fn with the selected state. A retained ledger that left the
// window between selection and reading is lgrNotFound.
func (n *Net) read(sel ledgerSel, fn func(r ledger.Reader)) *rpcError {
	if sel.seq == 0 {
		n.eng.Read(sel.which, fn)
		return nil
	}
	if !n.eng.ReadLedger(sel.seq, fn) {
		return errLgrNotFound
	}
	return nil
}

// stamp adds the ledger fields of a state read to a result.
func (n *Net) stamp(res map[string]any, r ledger.Reader, which ledger.Which) {
	if which == ledger.Current {
		res["ledger_current_index"] = r.Seq
		res["validated"] = false
		return
	}
	res["ledger_index"] = r.Seq
	res["ledger_hash"] = r.LedgerHash.String()
	res["validated"] = true
}

func withIndex(e ledger.Entry, k ledger.Hash) map[string]any {
	m := maps.Clone(e)
	m["index"] = k.String()
	return m
}

// ---- server ----

// buildVersion looks like a xahaud version so that clients that parse it
// (xrpl.js decides whether to autofill NetworkID from it) accept it.
const buildVersion = "2025.1.1-release+localnet"

func (n *Net) serverInfo(state bool) map[string]any {
	seq, ct := n.eng.LastClose()
	l := n.eng.Ledger(seq)
	base, rb, ri := n.eng.Fees()
	age := int64(time.Since(n.LedgerTime()).Seconds())
	if age < 0 {
		age = 0
	}
	info := map[string]any{
		"build_version":     buildVersion,
		"complete_ledgers":  completeLedgers(n.eng),
		"hostid":            "localnet",
		"io_latency_ms":     1,
		"last_close":        map[string]any{"converge_time_s": 0, "proposers": 0},
		"network_id":        n.network.NetworkID,
		"peers":             0,
		"pubkey_node":       "n9KAa2zVWjPHgfzsE3iZ8HAbzJtPrnoh4H2M2HgE7dfqtvyEb1KJ",
		"server_state":      "full",
		"time":              n.clock().UTC().Format("2006-Jan-02 15:04:05.000000 UTC"),
		"uptime":            int64(time.Since(n.start).Seconds()),
		"validation_quorum": 0,
		"state_accounting":  map[string]any{},
		"load_factor":       1,
		"complete_shards":   "empty",
		"network_ledger":    "available",
	}
	if state {
		info["load_base"] = 256
		info["load_factor"] = 256
		info["validated_ledger"] = map[string]any{
			"base_fee": base, "close_time": ct, "hash": l.Hash.String(),
			"reserve_base": rb, "reserve_inc": ri, "seq": seq,
		}
		return map[string]any{"state": info}
	}
	info["validated_ledger"] = map[string]any{
		"age": age, "base_fee_xrp": float64(base) / 1e6, "hash": l.Hash.String(),
		"reserve_base_xrp": float64(rb) / 1e6, "reserve_inc_xrp": float64(ri) / 1e6, "seq": seq,
	}
	return map[string]any{"info": info}
}

func (n *Net) fee(p map[string]any) (map[string]any, *rpcError) {
	base, _, _ := n.eng.Fees()
	txFee := base
	if b, ok := p["tx_blob"].(string); ok {
		blob, err := hex.DecodeString(b)
		if err != nil {
			return nil, invalidField("tx_blob")
		}
		tx, err := n.eng.Defs().Decode(blob)
		if err != nil {
			return nil, invalidField("tx_blob")
		}
		txFee = n.eng.Fee(tx)
	}
	f := strconv.FormatInt(txFee, 10)
	return map[string]any{
		"current_ledger_size":  "0",
		"current_queue_size":   "0",
		"drops":                map[string]any{"base_fee": f, "median_fee": "5000", "minimum_fee": f, "open_ledger_fee": f},
		"expected_ledger_size": "1000",
		"ledger_current_index": n.eng.OpenSeq(),
		"levels": map[string]any{"median_level": "128000", "minimum_level": "256",
			"open_ledger_level": "256", "reference_level": "256"},
		"max_queue_size": "2000",
	}, nil
}

// ---- accounts ----

var accountFlagNames = []struct {
	name string
	bit  uint32
}{
	{"defaultRipple", 0x00800000}, {"depositAuth", 0x01000000}, {"disableMasterKey", 0x00100000},
	{"disallowIncomingXRP", 0x00080000}, {"globalFreeze", 0x00400000}, {"noFreeze", 0x00200000},
	{"passwordSpent", 0x00010000}, {"requireAuthorization", 0x00040000}, {"requireDestinationTag", 0x00020000},
}

func (n *Net) accountInfo(p map[string]any, api int) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		k := ledger.AccountKey(a)
		ar := r.Get(k)
		if ar == nil {
			return
		}
		fl, _ := ar["Flags"].(uint32)
		flags := map[string]any{}
		for _, f := range accountFlagNames {
			flags[f.name] = fl&f.bit != 0
		}
		res = map[string]any{"account_data": withIndex(ar, k), "account_flags": flags}
		if b, _ := p["signer_lists"].(bool); b {
			signerLists(r, a, res, api)
		}
		n.stamp(res, r, sel.which)
	}); rerr != nil {
		return nil, rerr
	}
	if res == nil {
		return nil, errActNotFound
	}
	return res, nil
}

// ownedIndexes lists the objects account_objects shows: the owner directory,
// the NFToken page, then the hook state of each namespace.
func ownedIndexes(r ledger.Reader, a ledger.AccountID) []ledger.Hash {
	var out []ledger.Hash
	r.Walk(ledger.OwnerDirKey(a), 0, ledger.Hash{}, func(_ uint64, h ledger.Hash) bool {
		out = append(out, h)
		return true
	})
	if r.Get(ledger.NFTPageKey(a)) != nil {
		out = append(out, ledger.NFTPageKey(a))
	}
	if ar := r.Get(ledger.AccountKey(a)); ar != nil {
		nss, _ := ar["HookNamespaces"].([]any)
		for _, x := range nss {
			ns, _ := ledger.ParseHash(x.(string))
			r.Walk(ledger.HookStateDirKey(a, ns), 0, ledger.Hash{}, func(_ uint64, h ledger.Hash) bool {
				out = append(out, h)
				return true
			})
		}
	}
	return out
}

// pageOf returns the items after marker (an index) and the next marker.
func pageOf(all []ledger.Hash, marker any, limit int, keep func(ledger.Hash) bool) ([]ledger.Hash, string, *rpcError) {
	start := 0
	if marker != nil {
		s, _ := marker.(string)
		m, ok := ledger.ParseHash(s)
		if !ok {
			return nil, "", invalidField("marker")
		}
		i := slices.Index(all, m)
		if i < 0 {
			return nil, "", invalidField("marker")
		}
		start = i
	}
	var out []ledger.Hash
	for i := start; i < len(all); i++ {
		if !keep(all[i]) {
			continue
		}
		if len(out) == limit {
			return out, all[i].String(), nil
		}
		out = append(out, all[i])
	}
	return out, "", nil
}

var objectTypes = map[string]string{
	"account": "AccountRoot", "state": "HookState", "uri_token": "URIToken", "nft_offer": "NFTokenOffer",
	"nft_page": "NFTokenPage", "ripple_state": "RippleState", "hook": "Hook", "offer": "Offer",
	"check": "Check", "escrow": "Escrow", "payment_channel": "PayChannel", "signer_list": "SignerList",
	"ticket": "Ticket", "deposit_preauth": "DepositPreauth", "directory": "DirectoryNode",
}

func (n *Net) accountObjects(p map[string]any) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	want := ""
	if t, ok := p["type"].(string); ok {
		if want, ok = objectTypes[t]; !ok {
			return nil, invalidField("type")
		}
	}
	limit, err := limitParam(p, 200, 10, 400)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		if r.Get(ledger.AccountKey(a)) == nil {
			err = errActNotFound
			return
		}
		keep := func(h ledger.Hash) bool {
			e := r.Get(h)
			return e != nil && (want == "" || e["LedgerEntryType"] == want)
		}
		items, next, perr := pageOf(ownedIndexes(r, a), p["marker"], limit, keep)
		if perr != nil {
			err = perr
			return
		}
		objs := make([]any, 0, len(items))
		for _, h := range items {
			objs = append(objs, withIndex(r.Get(h), h))
		}
		res = map[string]any{"account": a.String(), "account_objects": objs}
		if next != "" {
			res["marker"], res["limit"] = next, limit
		}
		n.stamp(res, r, sel.which)
	}); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (n *Net) accountLines(p map[string]any) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	var peer *ledger.AccountID
	if _, ok := p["peer"]; ok {
		pa, perr := accountParam(p, "peer")
		if perr != nil {
			return nil, perr
		}
		peer = &pa
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(p, 200, 10, 400)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		if r.Get(ledger.AccountKey(a)) == nil {
			err = errActNotFound
			return
		}
		keep := func(h ledger.Hash) bool {
			e := r.Get(h)
			if e == nil || e["LedgerEntryType"] != "RippleState" {
				return false
			}
			if peer != nil {
				_, other := lineSides(e, a)
				return other == peer.String()
			}
			return true
		}
		items, next, perr := pageOf(ownedIndexes(r, a), p["marker"], limit, keep)
		if perr != nil {
			err = perr
			return
		}
		lines := make([]any, 0, len(items))
		for _, h := range items {
			lines = append(lines, lineJSON(r.Get(h), a))
		}
		res = map[string]any{"account": a.String(), "lines": lines}
		if next != "" {
			res["marker"], res["limit"] = next, limit
		}
		n.stamp(res, r, sel.which)
	}); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// lineSides reports whether a is the low side and the peer's address.
func lineSides(e ledger.Entry, a ledger.AccountID) (bool, string) {
	lo, _ := e["LowLimit"].(map[string]any)
	hi, _ := e["HighLimit"].(map[string]any)
	if lo["issuer"] == a.String() {
		s, _ := hi["issuer"].(string)
		return true, s
	}
	s, _ := lo["issuer"].(string)
	return false, s
}

func lineJSON(e ledger.Entry, a ledger.AccountID) map[string]any {
	low, peer := lineSides(e, a)
	bal, _ := e["Balance"].(map[string]any)
	lo, _ := e["LowLimit"].(map[string]any)
	hi, _ := e["HighLimit"].(map[string]any)
	v, _ := ledger.ParseValue(bal["value"].(string))
	mine, theirs := lo, hi
	flags, _ := e["Flags"].(uint32)
	myNR, peerNR := flags&0x00100000 != 0, flags&0x00200000 != 0
	if !low {
		v = v.Neg()
		mine, theirs = hi, lo
		myNR, peerNR = peerNR, myNR
	}
	return map[string]any{
		"account": peer, "balance": v.String(), "currency": bal["currency"],
		"limit": mine["value"], "limit_peer": theirs["value"], "quality_in": 0, "quality_out": 0,
		"no_ripple": myNR, "no_ripple_peer": peerNR,
	}
}

func (n *Net) accountNFTs(p map[string]any) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(p, 100, 20, 400)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		if r.Get(ledger.AccountKey(a)) == nil {
			err = errActNotFound
			return
		}
		var ids []ledger.Hash
		uris := map[ledger.Hash]string{}
		if pg := r.Get(ledger.NFTPageKey(a)); pg != nil {
			ts, _ := pg["NFTokens"].([]any)
			for _, t := range ts {
				in, _ := t.(map[string]any)["NFToken"].(map[string]any)
				id, _ := ledger.ParseHash(in["NFTokenID"].(string))
				ids = append(ids, id)
				if u, ok := in["URI"].(string); ok {
					uris[id] = u
				}
			}
		}
		items, next, perr := pageOf(ids, p["marker"], limit, func(ledger.Hash) bool { return true })
		if perr != nil {
			err = perr
			return
		}
		out := make([]any, 0, len(items))
		for _, id := range items {
			info := ledger.ParseNFTID(id)
			m := map[string]any{"Flags": uint32(info.Flags), "Issuer": info.Issuer.String(), "NFTokenID": id.String(),
				"NFTokenTaxon": info.Taxon, "nft_serial": info.Serial, "TransferFee": uint32(info.TransferFee)}
			if u, ok := uris[id]; ok {
				m["URI"] = u
			}
			out = append(out, m)
		}
		res = map[string]any{"account": a.String(), "account_nfts": out, "limit": limit}
		if next != "" {
			res["marker"] = next
		}
		n.stamp(res, r, sel.which)
	}); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// accountNamespace pages a namespace's HookState entries as xahaud does,
// with the marker "page index,entry index".
func (n *Net) accountNamespace(p map[string]any) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	nsv, ok := p["namespace_id"]
	if !ok {
		return nil, missingField("namespace_id")
	}
	nss, _ := nsv.(string)
	ns, ok := ledger.ParseHash(nss)
	if !ok {
		return nil, errInvalidParams
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(p, 200, 10, 400)
	if err != nil {
		return nil, err
	}
	var startPage uint64
	var startEntry ledger.Hash
	var markerDir ledger.Hash
	if m, ok := p["marker"]; ok {
		s, isStr := m.(string)
		if !isStr {
			return nil, &rpcError{"invalidParams", 31, "Invalid field 'marker', not string."}
		}
		d, e, found := strings.Cut(s, ",")
		var ok1, ok2 bool
		markerDir, ok1 = ledger.ParseHash(d)
		startEntry, ok2 = ledger.ParseHash(e)
		if !found || !ok1 || !ok2 {
			return nil, invalidField("marker")
		}
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		if r.Get(ledger.AccountKey(a)) == nil {
			err = errActNotFound
			return
		}
		root := ledger.HookStateDirKey(a, ns)
		if r.Get(root) == nil {
			err = errNamespaceNotFound
			return
		}
		if !markerDir.IsZero() {
			// Find the page number of the marker's page: its previous
			// page names it (two reads, not a walk from the root, which
			// made a full listing quadratic), else by walking.
			found := markerDir == root
			if e := r.Get(markerDir); e != nil && !found {
				prev, _ := strconv.ParseUint(strOf(e["IndexPrevious"]), 16, 64)
				pk := root
				if prev != 0 {
					pk = ledger.DirPageKey(root, prev)
				}
				if pe := r.Get(pk); pe != nil {
					next, _ := strconv.ParseUint(strOf(pe["IndexNext"]), 16, 64)
					if next != 0 && ledger.DirPageKey(root, next) == markerDir {
						startPage, found = next, true
					}
				}
			}
			for pg, k := uint64(0), root; !found; {
				if k == markerDir {
					startPage, found = pg, true
					break
				}
				e := r.Get(k)
				if e == nil {
					break
				}
				next, _ := strconv.ParseUint(strOf(e["IndexNext"]), 16, 64)
				if next == 0 {
					break
				}
				pg, k = next, ledger.DirPageKey(root, next)
			}
			if !found {
				err = invalidField("marker")
				return
			}
		}
		entries := []any{}
		var marker string
		r.Walk(root, startPage, startEntry, func(page uint64, h ledger.Hash) bool {
			if len(entries) == limit {
				marker = ledger.DirPageKey(root, page).String() + "," + h.String()
				return false
			}
			if e := r.Get(h); e != nil {
				entries = append(entries, indexedEntry{e, h})
			}
			return true
		})
		res = map[string]any{"account": a.String(), "namespace_id": nss, "namespace_entries": entries}
		if marker != "" {
			res["marker"], res["limit"] = marker, limit
		}
		n.stamp(res, r, sel.which)
	}); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func strOf(v any) string { s, _ := v.(string); return s }

func (n *Net) ledgerEntry(p map[string]any) (map[string]any, *rpcError) {
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	var key ledger.Hash
	switch {
	case p["index"] != nil:
		s, _ := p["index"].(string)
		h, ok := ledger.ParseHash(s)
		if !ok {
			return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
		}
		key = h
	case p["account_root"] != nil:
		s, _ := p["account_root"].(string)
		a, ok := ledger.ParseAccount(s)
		if !ok {
			return nil, &rpcError{"malformedAddress", 0, "Malformed address."}
		}
		key = ledger.AccountKey(a)
	case p["hook_state"] != nil:
		m, _ := p["hook_state"].(map[string]any)
		a, ok1 := ledger.ParseAccount(strOf(m["account"]))
		k, ok2 := ledger.ParseHash(strOf(m["key"]))
		ns, ok3 := ledger.ParseHash(strOf(m["namespace_id"]))
		if !ok1 || !ok2 || !ok3 {
			return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
		}
		key = ledger.HookStateKey(a, k, ns)
	case p["uri_token"] != nil:
		s, _ := p["uri_token"].(string)
		h, ok := ledger.ParseHash(s)
		if !ok {
			return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
		}
		key = h
	case p["directory"] != nil:
		switch d := p["directory"].(type) {
		case string:
			h, ok := ledger.ParseHash(d)
			if !ok {
				return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
			}
			key = h
		case map[string]any:
			a, ok := ledger.ParseAccount(strOf(d["owner"]))
			if !ok {
				return nil, &rpcError{"malformedAddress", 0, "Malformed address."}
			}
			pg, _ := intParam(d["sub_index"])
			key = ledger.DirPageKey(ledger.OwnerDirKey(a), uint64(pg))
		}
	case p["ripple_state"] != nil:
		m, _ := p["ripple_state"].(map[string]any)
		accts, _ := m["accounts"].([]any)
		cur := strOf(m["currency"])
		if len(accts) != 2 {
			return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
		}
		a1, ok1 := ledger.ParseAccount(strOf(accts[0]))
		a2, ok2 := ledger.ParseAccount(strOf(accts[1]))
		code, ok3 := currency20(cur)
		if !ok1 || !ok2 || !ok3 {
			return nil, &rpcError{"malformedRequest", 0, "Malformed request."}
		}
		key = ledger.TrustLineKey(a1, a2, code)
	default:
		return nil, &rpcError{"unknownOption", 0, "Unknown option."}
	}
	var res map[string]any
	var rerr *rpcError
	if err := n.read(sel, func(r ledger.Reader) {
		e := r.Get(key)
		if e == nil {
			rerr = errEntryNotFound
			return
		}
		res = map[string]any{"index": key.String()}
		if b, _ := p["binary"].(bool); b {
			blob, err := n.eng.Defs().Encode(e)
			if err != nil {
				rerr = &rpcError{"internal", 73, "Internal error."}
				return
			}
			res["node_binary"] = strings.ToUpper(hex.EncodeToString(blob))
		} else {
			res["node"] = withIndex(e, key)
		}
		n.stamp(res, r, sel.which)
	}); err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return res, nil
}

func currency20(s string) ([20]byte, bool) {
	var c [20]byte
	switch len(s) {
	case 3:
		if s == "XRP" {
			return c, false
		}
		copy(c[12:], s)
		return c, true
	case 40:
		_, err := hex.Decode(c[:], []byte(s))
		return c, err == nil
	}
	return c, false
}

func (n *Net) nftOffers(p map[string]any, sell bool) (map[string]any, *rpcError) {
	s, ok := p["nft_id"].(string)
	if !ok {
		return nil, missingField("nft_id")
	}
	id, ok := ledger.ParseHash(s)
	if !ok {
		return nil, invalidField("nft_id")
	}
	sel, err := n.selectLedger(p, ledger.Current)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(p, 250, 50, 500)
	if err != nil {
		return nil, err
	}
	dir := ledger.NFTBuyDirKey(id)
	if sell {
		dir = ledger.NFTSellDirKey(id)
	}
	var res map[string]any
	if rerr := n.read(sel, func(r ledger.Reader) {
		var all []ledger.Hash
		r.Walk(dir, 0, ledger.Hash{}, func(_ uint64, h ledger.Hash) bool { all = append(all, h); return true })
		if len(all) == 0 {
			err = errObjectNotFound
			return
		}
		items, next, perr := pageOf(all, p["marker"], limit, func(ledger.Hash) bool { return true })
		if perr != nil {
			err = perr
			return
		}
		offers := make([]any, 0, len(items))
		for _, h := range items {
			o := r.Get(h)
			m := map[string]any{"amount": o["Amount"], "flags": o["Flags"], "nft_offer_index": h.String(), "owner": o["Owner"]}
			if d, ok := o["Destination"]; ok {
				m["destination"] = d
			}
			if x, ok := o["Expiration"]; ok {
				m["expiration"] = x
			}
			offers = append(offers, m)
		}
		res = map[string]any{"nft_id": id.String(), "offers": offers}
		if next != "" {
			res["marker"], res["limit"] = next, limit
		}
	}); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// completeLedgers is the retained window as rippled writes it, "first-last".
func completeLedgers(e *ledger.Engine) string {
	first, last := e.Retained()
	return strconv.FormatUint(uint64(first), 10) + "-" + strconv.FormatUint(uint64(last), 10)
}
