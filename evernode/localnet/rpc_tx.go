package localnet

import (
	"encoding/hex"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/evernode-go/sdk/internal/ledger"
)

// isoTime formats a ripple-epoch time as rippled's close_time_iso.
func isoTime(t uint32) string {
	return time.Unix(int64(t)+ledger.RippleEpoch, 0).UTC().Format("2006-01-02T15:04:05Z")
}

func humanTime(t uint32) string {
	return strings.ToUpper(time.Unix(int64(t)+ledger.RippleEpoch, 0).UTC().Format("2006-Jan-02 15:04:05.000000000 UTC"))
}

// txJSON returns the transaction's tx_json with "hash" (what submit shows).
func txJSON(rec *ledger.TxRecord) map[string]any {
	m := maps.Clone(rec.JSON)
	m["hash"] = rec.Hash.String()
	return m
}

// txResult shapes a transaction as tx / account_tx / ledger show it.
// API v1: fields flat (with hash, date, ledger_index); v2: tx_json, hash,
// ledger_index, ledger_hash, close_time_iso. metaKey is "meta" or "metaData".
func txResult(rec *ledger.TxRecord, api int, metaKey string, withValidated bool) map[string]any {
	var out map[string]any
	l := rec.Ledger
	if api >= 2 {
		out = map[string]any{"tx_json": maps.Clone(rec.JSON), "hash": rec.Hash.String()}
		if l != nil {
			out["ledger_index"] = l.Seq
			out["ledger_hash"] = l.Hash.String()
			out["close_time_iso"] = isoTime(l.CloseTime)
			out["tx_json"].(map[string]any)["date"] = l.CloseTime
			out["tx_json"].(map[string]any)["ledger_index"] = l.Seq
		}
	} else {
		out = txJSON(rec)
		if l != nil {
			out["ledger_index"] = l.Seq
			out["date"] = l.CloseTime
			out["inLedger"] = l.Seq
		}
	}
	if l != nil {
		out[metaKey] = rec.Meta
	}
	if withValidated {
		out["validated"] = l != nil
	}
	return out
}

func (n *Net) tx(p map[string]any, api int) (map[string]any, *rpcError) {
	s, ok := p["transaction"].(string)
	if !ok {
		return nil, missingField("transaction")
	}
	h, ok := ledger.ParseHash(s)
	if !ok {
		return nil, errTxnNotFound
	}
	rec := n.eng.Tx(h)
	if rec == nil {
		return nil, errTxnNotFound
	}
	if b, _ := p["binary"].(bool); b {
		out := map[string]any{"hash": rec.Hash.String(), "tx": strings.ToUpper(hex.EncodeToString(rec.Blob)), "validated": rec.Validated()}
		if api >= 2 {
			delete(out, "tx")
			out["tx_blob"] = strings.ToUpper(hex.EncodeToString(rec.Blob))
		}
		if rec.Ledger != nil {
			out["ledger_index"] = rec.Ledger.Seq
			out["date"] = rec.Ledger.CloseTime
			if mb, err := n.eng.Defs().Encode(metaForBinary(rec.Meta)); err == nil {
				out["meta"] = strings.ToUpper(hex.EncodeToString(mb))
			}
		}
		return out, nil
	}
	return txResult(rec, api, "meta", true), nil
}

// metaForBinary drops the RPC-only fields of metadata.
func metaForBinary(m map[string]any) map[string]any {
	out := maps.Clone(m)
	delete(out, "delivered_amount")
	return out
}

func (n *Net) accountTx(p map[string]any, api int) (map[string]any, *rpcError) {
	a, err := accountParam(p, "account")
	if err != nil {
		return nil, err
	}
	validated, _ := n.eng.LastClose()
	lo, hi := int64(-1), int64(-1)
	if v, ok := p["ledger_index_min"]; ok {
		if lo, ok = intParam(v); !ok {
			return nil, invalidField("ledger_index_min")
		}
	}
	if v, ok := p["ledger_index_max"]; ok {
		if hi, ok = intParam(v); !ok {
			return nil, invalidField("ledger_index_max")
		}
	}
	if _, ok := p["ledger_index"]; ok || p["ledger_hash"] != nil {
		var one uint32
		if h, ok := p["ledger_hash"].(string); ok {
			hh, _ := ledger.ParseHash(h)
			l := n.eng.LedgerByHash(hh)
			if l == nil {
				return nil, errLgrNotFound
			}
			one = l.Seq
		} else {
			switch v := p["ledger_index"].(type) {
			case string:
				if v == "validated" || v == "closed" || v == "current" {
					one = validated
					break
				}
				i, ok := intParam(v)
				if !ok {
					return nil, errLgrIdxMalformed
				}
				one = uint32(i)
			default:
				i, ok := intParam(v)
				if !ok {
					return nil, errLgrIdxMalformed
				}
				one = uint32(i)
			}
		}
		lo, hi = int64(one), int64(one)
	}
	minL, maxL := uint32(1), validated
	if lo >= 0 {
		minL = uint32(lo)
	}
	if hi >= 0 {
		maxL = uint32(hi)
	}
	if (lo >= 0 && hi >= 0 && maxL < minL) || maxL > validated && hi >= 0 && lo >= 0 && minL > validated {
		return nil, errInvalidLgrRange
	}
	maxL = min(maxL, validated)
	// Only the retained window is searched: API v2 refuses a range that
	// starts before it, v1 narrows it, as rippled does for ledgers it
	// lacks (ledger_index_min in the answer says where the search began).
	if first, _ := n.eng.Retained(); minL < first {
		if lo >= 0 && api >= 2 {
			return nil, errLgrIdxMalformed
		}
		minL = first
	}
	limit, rerr := limitParam(p, 200, 10, 400)
	if rerr != nil {
		return nil, rerr
	}
	forward, _ := p["forward"].(bool)
	binary, _ := p["binary"].(bool)
	recs := n.eng.AccountTxs(a, minL, maxL)
	exists := false
	n.eng.Read(ledger.Validated, func(r ledger.Reader) { exists = r.Get(ledger.AccountKey(a)) != nil })
	if !exists && len(recs) == 0 {
		return nil, errActNotFound
	}
	idx := func(r *ledger.TxRecord) (uint32, uint32) {
		ti, _ := r.Meta["TransactionIndex"].(uint32)
		return r.LedgerSeq, ti
	}
	if !forward {
		for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
			recs[i], recs[j] = recs[j], recs[i]
		}
	}
	start := 0
	if m, ok := p["marker"].(map[string]any); ok {
		ml, ok1 := intParam(m["ledger"])
		ms, ok2 := intParam(m["seq"])
		if !ok1 || !ok2 {
			return nil, invalidField("marker")
		}
		start = len(recs)
		for i, r := range recs {
			l, s := idx(r)
			if int64(l) == ml && int64(s) == ms {
				start = i
				break
			}
		}
	} else if p["marker"] != nil {
		return nil, invalidField("marker")
	}
	txs := []any{}
	var marker map[string]any
	for i := start; i < len(recs); i++ {
		r := recs[i]
		if len(txs) == limit {
			l, s := idx(r)
			marker = map[string]any{"ledger": l, "seq": s}
			break
		}
		var item map[string]any
		if binary {
			item = map[string]any{"ledger_index": r.LedgerSeq, "validated": true}
			blobKey := "tx_blob"
			item[blobKey] = strings.ToUpper(hex.EncodeToString(r.Blob))
			if mb, err := n.eng.Defs().Encode(metaForBinary(r.Meta)); err == nil {
				item["meta"] = strings.ToUpper(hex.EncodeToString(mb))
			}
		} else if api >= 2 {
			item = txResult(r, api, "meta", true)
		} else {
			item = map[string]any{"meta": r.Meta, "tx": txResult(r, 1, "meta", false), "validated": true}
			delete(item["tx"].(map[string]any), "meta")
		}
		txs = append(txs, item)
	}
	res := map[string]any{
		"account": a.String(), "ledger_index_min": minL, "ledger_index_max": maxL,
		"limit": limit, "transactions": txs, "validated": true,
	}
	if marker != nil {
		res["marker"] = marker
	}
	return res, nil
}

// ledgerHeader is a closed ledger's header as the ledger command shows it.
func ledgerHeader(l *ledger.Ledger, api int) map[string]any {
	idx := any(strconv.FormatUint(uint64(l.Seq), 10))
	if api >= 2 {
		idx = l.Seq
	}
	h := map[string]any{
		"accepted": true, "account_hash": l.Hash.String(), "close_flags": 0,
		"close_time": l.CloseTime, "close_time_human": humanTime(l.CloseTime), "close_time_iso": isoTime(l.CloseTime),
		"close_time_resolution": 10, "closed": true, "hash": l.Hash.String(), "ledger_hash": l.Hash.String(),
		"ledger_index": idx, "parent_close_time": l.ParentClose, "parent_hash": l.ParentHash.String(),
		"seqNum": strconv.FormatUint(uint64(l.Seq), 10), "totalCoins": strconv.FormatInt(l.TotalDrops, 10),
		"total_coins": strconv.FormatInt(l.TotalDrops, 10), "transaction_hash": l.Hash.String(),
	}
	return h
}

func (n *Net) ledgerCmd(p map[string]any, api int) (map[string]any, *rpcError) {
	validated, _ := n.eng.LastClose()
	var l *ledger.Ledger
	current := false
	if h, ok := p["ledger_hash"].(string); ok && h != "" {
		hh, ok := ledger.ParseHash(h)
		if !ok {
			return nil, invalidField("ledger_hash")
		}
		if l = n.eng.LedgerByHash(hh); l == nil {
			return nil, errLgrNotFound
		}
	} else {
		switch v := p["ledger_index"].(type) {
		case nil:
			l = n.eng.Ledger(validated)
		case string:
			switch v {
			case "validated", "closed":
				l = n.eng.Ledger(validated)
			case "current":
				current = true
			default:
				i, ok := intParam(v)
				if !ok {
					return nil, errLgrIdxMalformed
				}
				l = n.eng.Ledger(uint32(i))
			}
		default:
			i, ok := intParam(v)
			if !ok {
				return nil, errLgrIdxMalformed
			}
			if uint32(i) == n.eng.OpenSeq() {
				current = true
			} else {
				l = n.eng.Ledger(uint32(i))
			}
		}
	}
	if current {
		seq := n.eng.OpenSeq()
		prev := n.eng.Ledger(seq - 1)
		idx := any(strconv.FormatUint(uint64(seq), 10))
		if api >= 2 {
			idx = seq
		}
		return map[string]any{"ledger": map[string]any{
			"closed": false, "ledger_index": idx, "parent_hash": prev.Hash.String(),
			"seqNum": strconv.FormatUint(uint64(seq), 10), "parent_close_time": prev.CloseTime,
		}, "ledger_current_index": seq, "validated": false}, nil
	}
	if l == nil {
		return nil, errLgrNotFound
	}
	hdr := ledgerHeader(l, api)
	if t, _ := p["transactions"].(bool); t {
		expand, _ := p["expand"].(bool)
		txs := make([]any, 0, len(l.Txs))
		for _, rec := range l.Txs {
			switch {
			case !expand:
				txs = append(txs, rec.Hash.String())
			case api >= 2:
				txs = append(txs, map[string]any{"tx_json": maps.Clone(rec.JSON), "meta": rec.Meta, "hash": rec.Hash.String()})
			default:
				m := txJSON(rec)
				m["metaData"] = rec.Meta
				txs = append(txs, m)
			}
		}
		hdr["transactions"] = txs
	}
	return map[string]any{"ledger": hdr, "ledger_hash": l.Hash.String(), "ledger_index": l.Seq, "validated": true}, nil
}

func (n *Net) submitCmd(p map[string]any) (map[string]any, *rpcError) {
	s, ok := p["tx_blob"].(string)
	if !ok {
		if _, ok := p["tx_json"]; ok {
			return nil, errNotSupported // sign-and-submit needs secrets on the server
		}
		return nil, missingField("tx_blob")
	}
	blob, err := hex.DecodeString(s)
	if err != nil {
		return nil, &rpcError{"invalidParams", 31, "Invalid parameters."}
	}
	res, err := n.eng.Submit(blob)
	if err != nil {
		if re, ok := err.(*ledger.RPCError); ok {
			return nil, &rpcError{re.Code, 0, re.Exception}
		}
		return nil, &rpcError{"internal", 73, "Internal error."}
	}
	n.subs.publishProposed(res)
	tj := maps.Clone(res.JSON)
	tj["hash"] = res.Hash.String()
	validated, _ := n.eng.LastClose()
	base, _, _ := n.eng.Fees()
	kept := res.Applied || strings.HasPrefix(res.Result, "ter")
	return map[string]any{
		"accepted":                   res.Applied,
		"account_sequence_available": res.AccountSeqNext,
		"account_sequence_next":      res.AccountSeqNext,
		"applied":                    res.Applied,
		"broadcast":                  res.Applied,
		"engine_result":              res.Result,
		"engine_result_code":         res.Code,
		"engine_result_message":      resultMessage(res.Result),
		"kept":                       kept,
		"open_ledger_cost":           strconv.FormatInt(base, 10),
		"queued":                     false,
		"tx_blob":                    strings.ToUpper(s),
		"tx_json":                    tj,
		"validated_ledger_index":     validated,
	}, nil
}

// ---- subscriptions ----

func (n *Net) ledgerClosedMsg(l *ledger.Ledger) map[string]any {
	base, rb, ri := n.eng.Fees()
	m := map[string]any{
		"type": "ledgerClosed", "fee_base": base, "fee_ref": base, "ledger_hash": l.Hash.String(),
		"ledger_index": l.Seq, "ledger_time": l.CloseTime, "reserve_base": rb, "reserve_inc": ri,
		"txn_count": len(l.Txs), "validated_ledgers": "1-" + strconv.FormatUint(uint64(l.Seq), 10),
	}
	if n.network.NetworkID != 0 {
		m["network_id"] = n.network.NetworkID
	}
	return m
}

// txStreamMsg is a transaction stream message: validated (l set) or
// proposed.
func (n *Net) txStreamMsg(rec *ledger.TxRecord, l *ledger.Ledger, api int, validated bool) map[string]any {
	m := map[string]any{
		"type": "transaction", "engine_result": rec.Result, "engine_result_code": rec.Code,
		"engine_result_message": resultMessage(rec.Result), "validated": validated,
	}
	tj := maps.Clone(rec.JSON)
	if api >= 2 {
		m["tx_json"] = tj
		m["hash"] = rec.Hash.String()
	} else {
		tj["hash"] = rec.Hash.String()
		m["transaction"] = tj
	}
	if validated && l != nil {
		m["status"] = "closed"
		m["ledger_index"] = l.Seq
		m["ledger_hash"] = l.Hash.String()
		m["meta"] = rec.Meta
		m["close_time_iso"] = isoTime(l.CloseTime)
		tj["date"] = l.CloseTime
	} else {
		m["status"] = "proposed"
		m["ledger_current_index"] = rec.LedgerSeq
	}
	return m
}

func (n *Net) subscribe(c *conn, p map[string]any, api int, on bool) (map[string]any, *rpcError) {
	var streams []string
	if v, ok := p["streams"]; ok {
		arr, ok := v.([]any)
		if !ok {
			return nil, errInvalidParams
		}
		for _, s := range arr {
			str, ok := s.(string)
			if !ok {
				return nil, errMalformedStream
			}
			switch str {
			case "ledger", "transactions", "transactions_proposed", "rt_transactions", "server", "validations",
				"consensus", "peer_status", "manifests", "book_changes":
			default:
				return nil, errMalformedStream
			}
			streams = append(streams, str)
		}
	}
	parseAccts := func(field string) ([]ledger.AccountID, *rpcError) {
		v, ok := p[field]
		if !ok {
			return nil, nil
		}
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return nil, &rpcError{"actMalformed", 35, "Account malformed."}
		}
		out := make([]ledger.AccountID, 0, len(arr))
		for _, x := range arr {
			s, _ := x.(string)
			a, ok := ledger.ParseAccount(s)
			if !ok {
				return nil, &rpcError{"actMalformed", 35, "Account malformed."}
			}
			out = append(out, a)
		}
		return out, nil
	}
	accts, rerr := parseAccts("accounts")
	if rerr != nil {
		return nil, rerr
	}
	props, rerr := parseAccts("accounts_proposed")
	if rerr != nil {
		return nil, rerr
	}
	if _, ok := p["books"]; ok && on {
		return nil, errNotSupported
	}
	c.mu.Lock()
	if on {
		c.apiV = api
	}
	for _, s := range streams {
		switch s {
		case "ledger":
			c.ledgerS = on
		case "transactions":
			c.txS = on
		case "transactions_proposed", "rt_transactions":
			c.propS = on
		}
	}
	for _, a := range accts {
		if on {
			c.accounts[a] = true
		} else {
			delete(c.accounts, a)
		}
	}
	for _, a := range props {
		if on {
			c.accProp[a] = true
		} else {
			delete(c.accProp, a)
		}
	}
	c.mu.Unlock()
	res := map[string]any{}
	if on {
		for _, s := range streams {
			if s == "ledger" {
				seq, _ := n.eng.LastClose()
				l := n.eng.Ledger(seq)
				lc := n.ledgerClosedMsg(l)
				delete(lc, "type")
				delete(lc, "txn_count")
				maps.Copy(res, lc)
			}
		}
	}
	return res, nil
}

// resultMessage is rippled's human text for a result.
func resultMessage(r string) string {
	if m, ok := resultMessages[r]; ok {
		return m
	}
	return r
}

var resultMessages = map[string]string{
	"tesSUCCESS":                           "The transaction was applied. Only final in a validated ledger.",
	"tecCLAIM":                             "Fee claimed. Sequence used. No action.",
	"tecPATH_PARTIAL":                      "Path could not send full amount.",
	"tecUNFUNDED_PAYMENT":                  "Insufficient XRP balance to send.",
	"tecNO_DST":                            "Destination does not exist. Send XRP to create it.",
	"tecNO_DST_INSUF_XRP":                  "Destination does not exist. Too little XRP sent to create it.",
	"tecNO_DST_INSUF_NATIVE":               "Destination does not exist. Too little native currency sent to create it.",
	"tecNO_LINE_INSUF_RESERVE":             "No such line. Too little reserve to create it.",
	"tecNO_LINE_REDUNDANT":                 "Can't set non-existent line to default.",
	"tecPATH_DRY":                          "Path could not send partial amount.",
	"tecNO_LINE":                           "No such line.",
	"tecNO_PERMISSION":                     "No permission to perform requested operation.",
	"tecNO_ENTRY":                          "No matching entry found.",
	"tecINSUFFICIENT_RESERVE":              "Insufficient reserve to complete requested operation.",
	"tecDUPLICATE":                         "Ledger object already exists.",
	"tecHOOK_REJECTED":                     "Rejected by hook on sending or receiving account.",
	"tecINSUFFICIENT_FUNDS":                "Not enough funds available to complete requested transaction.",
	"tecINSUFFICIENT_PAYMENT":              "The payment is not sufficient.",
	"tecINSUF_RESERVE_LINE":                "Insufficient reserve to add trust line.",
	"tecDST_TAG_NEEDED":                    "A destination tag is required.",
	"tecNO_ISSUER":                         "Issuer account does not exist.",
	"tecNO_TARGET":                         "Target account does not exist.",
	"tecNO_ALTERNATIVE_KEY":                "The operation would remove the ability to sign transactions with the account.",
	"tecOBJECT_NOT_FOUND":                  "A requested object could not be located.",
	"tecCANT_ACCEPT_OWN_NFTOKEN_OFFER":     "An NFToken offer cannot be claimed by its owner.",
	"tecUNFUNDED_OFFER":                    "Insufficient balance to fund created offer.",
	"tecEXPIRED":                           "Expiration time is passed.",
	"tecNFTOKEN_OFFER_TYPE_MISMATCH":       "The type of the offer is incorrect.",
	"tefPAST_SEQ":                          "This sequence number has already passed.",
	"tefMAX_LEDGER":                        "Ledger sequence too high.",
	"tefALREADY":                           "The exact transaction was already in this ledger.",
	"tefBAD_AUTH":                          "Transaction's public key is not authorized.",
	"tefMASTER_DISABLED":                   "Master key is disabled.",
	"tefNFTOKEN_IS_NOT_TRANSFERABLE":       "The specified NFToken is not transferable.",
	"terPRE_SEQ":                           "Missing/inapplicable prior transaction.",
	"terNO_ACCOUNT":                        "The source account does not exist.",
	"terINSUF_FEE_B":                       "Account balance can't pay fee.",
	"telINSUF_FEE_P":                       "Fee insufficient.",
	"telNETWORK_ID_MAKES_TX_NON_CANONICAL": "Transactions submitted to this node/network must NOT include a NetworkID field.",
	"telREQUIRES_NETWORK_ID":               "Transactions submitted to this node/network must include a correct NetworkID field.",
	"telWRONG_NETWORK":                     "Transaction specifies a Network ID that differs from that of the local node.",
	"telBAD_DOMAIN":                        "Domain too long.",
	"telBAD_PUBLIC_KEY":                    "Public key is not valid.",
	"temMALFORMED":                         "Malformed transaction.",
	"temBAD_AMOUNT":                        "Can only send positive amounts.",
	"temBAD_SIGNATURE":                     "The signature is invalid.",
	"temBAD_FEE":                           "Invalid fee, negative or not XRP.",
	"temBAD_LIMIT":                         "Limits must be non-negative.",
	"temBAD_CURRENCY":                      "Malformed: Bad currency.",
	"temDST_IS_SRC":                        "Destination may not be source.",
	"temDST_NEEDED":                        "Destination not specified.",
	"temREDUNDANT":                         "The transaction is redundant.",
	"temINVALID_FLAG":                      "The transaction has an invalid flag.",
	"temDISABLED":                          "The transaction requires logic that is currently disabled.",
	"temBAD_REGKEY":                        "Malformed: Regular key cannot be same as master key.",
	"temBAD_SEND_XRP_PARTIAL":              "Malformed: Partial payment is not allowed for XRP to XRP.",
	"temBAD_SEND_NATIVE_PARTIAL":           "Malformed: Partial payment is not allowed for native to native.",
	"temBAD_SEND_XRP_MAX":                  "Malformed: Send max is not allowed for XRP to XRP.",
	"temBAD_SEND_NATIVE_MAX":               "Malformed: Send max is not allowed for native to native.",
	"temBAD_NFTOKEN_TRANSFER_FEE":          "Malformed: The NFToken transfer fee must be between 1 and 5000, inclusive.",
	"temBAD_SRC_ACCOUNT":                   "Malformed: Bad source account.",
}
