package evernode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
)

// LedgerSpec selects a ledger: "validated" (the default for reads),
// "current", "closed", or a ledger index as decimal text.
type LedgerSpec string

// Ledger selectors.
const (
	Validated LedgerSpec = "validated"
	Current   LedgerSpec = "current"
	Closed    LedgerSpec = "closed"
)

// AtLedger selects the ledger with index idx.
func AtLedger(idx uint32) LedgerSpec { return LedgerSpec(strconv.FormatUint(uint64(idx), 10)) }

func (l LedgerSpec) param() any {
	if l == "" {
		return string(Validated)
	}
	if n, err := strconv.ParseUint(string(l), 10, 32); err == nil {
		return n
	}
	return string(l)
}

// ServerInfo is the part of server_info a client needs.
type ServerInfo struct {
	BuildVersion    string  `json:"build_version"`
	CompleteLedgers string  `json:"complete_ledgers"`
	NetworkID       uint32  `json:"network_id"`
	ServerState     string  `json:"server_state"`
	LoadFactor      float64 `json:"-"`
	ValidatedLedger struct {
		Seq         uint32      `json:"seq"`
		Hash        string      `json:"hash"`
		BaseFeeXRP  json.Number `json:"base_fee_xrp"`
		ReserveBase json.Number `json:"reserve_base_xrp"`
		ReserveInc  json.Number `json:"reserve_inc_xrp"`
	} `json:"validated_ledger"`
}

// CompleteRange returns the range of CompleteLedgers (e.g. "32570-62341"
// or "1-5,9-40") that holds ledger idx, and whether one does.
func (i ServerInfo) CompleteRange(idx uint32) (first, last uint32, ok bool) {
	for _, r := range strings.Split(i.CompleteLedgers, ",") {
		lo, hi, found := strings.Cut(strings.TrimSpace(r), "-")
		if !found {
			hi = lo
		}
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := strconv.ParseUint(hi, 10, 32)
		if err1 == nil && err2 == nil && uint64(idx) >= a && uint64(idx) <= b {
			return uint32(a), uint32(b), true
		}
	}
	return 0, 0, false
}

// HasLedgers reports whether the node holds every ledger from from to to
// (one range of CompleteLedgers covers them), so that a search of that
// range (account_tx) misses nothing.
func (i ServerInfo) HasLedgers(from, to uint32) bool {
	a, b, ok := i.CompleteRange(to)
	return ok && a <= from && b >= to
}

// ServerInfo asks the node about itself.
func (c *Client) ServerInfo(ctx context.Context) (ServerInfo, error) {
	var r struct {
		Info struct {
			ServerInfo
			LoadFactor json.Number `json:"load_factor"`
		} `json:"info"`
	}
	if err := c.call(ctx, "server_info", nil, &r); err != nil {
		return ServerInfo{}, err
	}
	info := r.Info.ServerInfo
	info.LoadFactor, _ = r.Info.LoadFactor.Float64()
	return info, nil
}

// ServerDefinitions loads the node's binary-codec definitions, for a
// Network whose node knows types this SDK's built-in table does not.
func (c *Client) ServerDefinitions(ctx context.Context) (*Definitions, error) {
	var raw json.RawMessage
	if err := c.call(ctx, "server_definitions", nil, &raw); err != nil {
		return nil, err
	}
	return ParseDefinitions(raw)
}

// Fee is the answer of the fee command, in drops.
type Fee struct {
	BaseFee       uint64
	MedianFee     uint64
	MinimumFee    uint64
	OpenLedgerFee uint64
	CurrentLedger uint32
}

// Fee asks for the current fees. With a transaction blob (unsigned, Fee
// "0"), Xahau answers with a base fee that includes what the hooks it
// triggers cost.
func (c *Client) Fee(ctx context.Context, txBlob []byte) (Fee, error) {
	var params map[string]any
	if txBlob != nil {
		params = map[string]any{"tx_blob": upper(txBlob)}
	}
	var r struct {
		Drops struct {
			BaseFee       string `json:"base_fee"`
			MedianFee     string `json:"median_fee"`
			MinimumFee    string `json:"minimum_fee"`
			OpenLedgerFee string `json:"open_ledger_fee"`
		} `json:"drops"`
		LedgerCurrentIndex uint32 `json:"ledger_current_index"`
	}
	if err := c.call(ctx, "fee", params, &r); err != nil {
		return Fee{}, err
	}
	var f Fee
	var err error
	parse := func(s string) uint64 {
		if s == "" || err != nil {
			return 0
		}
		n, e := strconv.ParseUint(s, 10, 64)
		if e != nil {
			err = fmt.Errorf("evernode: fee: %q is not drops", s)
		}
		return n
	}
	f.BaseFee, f.MedianFee = parse(r.Drops.BaseFee), parse(r.Drops.MedianFee)
	f.MinimumFee, f.OpenLedgerFee = parse(r.Drops.MinimumFee), parse(r.Drops.OpenLedgerFee)
	f.CurrentLedger = r.LedgerCurrentIndex
	return f, err
}

// AccountRoot is an account's AccountRoot ledger entry.
type AccountRoot struct {
	Account       string `json:"Account"`
	Balance       string `json:"Balance"` // drops
	Sequence      uint32 `json:"Sequence"`
	Flags         uint32 `json:"Flags"`
	OwnerCount    uint32 `json:"OwnerCount"`
	MessageKey    string `json:"MessageKey,omitempty"`
	Domain        string `json:"Domain,omitempty"` // hex
	WalletLocator string `json:"WalletLocator,omitempty"`
	RegularKey    string `json:"RegularKey,omitempty"`
}

// AccountInfo is the answer of account_info.
type AccountInfo struct {
	AccountData AccountRoot `json:"account_data"`
	LedgerIndex uint32      `json:"ledger_index"`
	// LedgerCurrentIndex is set instead of LedgerIndex for the current ledger.
	LedgerCurrentIndex uint32 `json:"ledger_current_index"`
	Validated          bool   `json:"validated"`
}

// AccountInfo reads an account root; errors.Is(err, ErrNotFound) when the
// account does not exist.
func (c *Client) AccountInfo(ctx context.Context, account string, ledger LedgerSpec) (AccountInfo, error) {
	var r AccountInfo
	err := c.call(ctx, "account_info", map[string]any{"account": account, "ledger_index": ledger.param()}, &r)
	return r, err
}

// TrustLine is one entry of account_lines.
type TrustLine struct {
	Account   string `json:"account"` // the counterparty
	Balance   string `json:"balance"`
	Currency  string `json:"currency"`
	Limit     string `json:"limit"`
	LimitPeer string `json:"limit_peer"`
	NoRipple  bool   `json:"no_ripple"`
}

// AccountLines returns all of an account's trust lines, optionally only
// those with peer.
func (c *Client) AccountLines(ctx context.Context, account, peer string) ([]TrustLine, error) {
	var all []TrustLine
	params := map[string]any{"account": account, "ledger_index": "validated", "limit": 400}
	if peer != "" {
		params["peer"] = peer
	}
	err := c.pages(ctx, "account_lines", params, func(raw json.RawMessage) (json.RawMessage, error) {
		var r struct {
			Lines  []TrustLine     `json:"lines"`
			Marker json.RawMessage `json:"marker"`
		}
		err := json.Unmarshal(raw, &r)
		all = append(all, r.Lines...)
		return r.Marker, err
	})
	return all, err
}

// pages runs a paged command until its marker runs out, handing each page
// to page, in order, which returns the next marker. The next page is asked
// for as soon as a page arrives (its marker read with the scanner), so that
// the node builds it while page decodes this one; when page returns another
// marker (or none, to stop early) that request is dropped.
func (c *Client) pages(ctx context.Context, method string, params map[string]any, page func(json.RawMessage) (json.RawMessage, error)) error {
	type fetched struct {
		raw json.RawMessage
		err error
	}
	var inflight sync.WaitGroup
	defer inflight.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetch := func(marker json.RawMessage) <-chan fetched {
		p := maps.Clone(params)
		if marker != nil {
			p["marker"] = marker
		}
		ch := make(chan fetched, 1)
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			var raw json.RawMessage
			err := c.call(ctx, method, p, &raw)
			ch <- fetched{raw, err}
		}()
		return ch
	}
	next := fetch(nil)
	for range 100_000 {
		f := <-next
		if f.err != nil {
			return f.err
		}
		ahead := resultMarker(f.raw)
		next = nil
		if ahead != nil {
			next = fetch(ahead)
		}
		marker, err := page(f.raw)
		if err != nil {
			return fmt.Errorf("evernode: %s: %w", method, err)
		}
		if len(marker) == 0 || string(marker) == "null" {
			return nil
		}
		if next == nil || !bytes.Equal(marker, ahead) {
			next = fetch(marker)
		}
	}
	return fmt.Errorf("evernode: %s: too many pages", method)
}

// resultMarker is the paging marker of a raw result, or nil.
func resultMarker(raw json.RawMessage) json.RawMessage {
	var marker json.RawMessage
	jsonObjectEach(raw, func(key, val []byte) bool {
		if string(key) == "marker" && string(val) != "null" {
			marker = val
		}
		return true
	})
	return marker
}

// AccountObjects returns all ledger objects an account owns, optionally of
// one type ("uri_token", "state", "nft_offer", "ripple_state", …).
func (c *Client) AccountObjects(ctx context.Context, account, objType string) ([]map[string]any, error) {
	var all []map[string]any
	params := map[string]any{"account": account, "ledger_index": "validated", "limit": 400}
	if objType != "" {
		params["type"] = objType
	}
	err := c.pages(ctx, "account_objects", params, func(raw json.RawMessage) (json.RawMessage, error) {
		var r struct {
			Objects []map[string]any `json:"account_objects"`
			Marker  json.RawMessage  `json:"marker"`
		}
		err := unmarshalNumbers(raw, &r)
		all = append(all, r.Objects...)
		return r.Marker, err
	})
	return all, err
}

// NFToken is one entry of account_nfts.
type NFToken struct {
	NFTokenID    string `json:"NFTokenID"`
	Issuer       string `json:"Issuer"`
	URI          string `json:"URI"` // hex
	Flags        uint32 `json:"Flags"`
	TransferFee  uint32 `json:"TransferFee"`
	NFTokenTaxon uint32 `json:"NFTokenTaxon"`
	Serial       uint32 `json:"nft_serial"`
}

// AccountNFTs returns all NFTokens an account holds.
func (c *Client) AccountNFTs(ctx context.Context, account string) ([]NFToken, error) {
	var all []NFToken
	params := map[string]any{"account": account, "ledger_index": "validated", "limit": 400}
	err := c.pages(ctx, "account_nfts", params, func(raw json.RawMessage) (json.RawMessage, error) {
		var r struct {
			NFTs   []NFToken       `json:"account_nfts"`
			Marker json.RawMessage `json:"marker"`
		}
		err := json.Unmarshal(raw, &r)
		all = append(all, r.NFTs...)
		return r.Marker, err
	})
	return all, err
}

// HookState is one hook state entry of a namespace.
type HookState struct {
	Index string `json:"index"`
	Key   string `json:"HookStateKey"`  // hex, 32 bytes
	Data  string `json:"HookStateData"` // hex
}

// AccountNamespace returns every hook state entry an account holds in a
// namespace (Xahau's account_namespace, paged). namespace is 64 hex digits.
func (c *Client) AccountNamespace(ctx context.Context, account, namespace string) ([]HookState, error) {
	var all []HookState
	params := map[string]any{"account": account, "namespace_id": strings.ToUpper(namespace), "ledger_index": "validated", "limit": 400}
	err := c.pages(ctx, "account_namespace", params, func(raw json.RawMessage) (json.RawMessage, error) {
		n := len(all)
		if marker, ok := scanNamespacePage(raw, &all); ok {
			return marker, nil
		}
		all = all[:n]
		var r struct {
			Entries []HookState     `json:"namespace_entries"`
			Marker  json.RawMessage `json:"marker"`
		}
		err := json.Unmarshal(raw, &r)
		all = append(all, r.Entries...)
		return r.Marker, err
	})
	return all, err
}

// scanNamespacePage appends an account_namespace page's entries to all with
// the structural scanner (10,000 hosts are 20,000 entries). ok is false
// when the page needs encoding/json; all may then hold part of the page.
func scanNamespacePage(raw []byte, all *[]HookState) (marker json.RawMessage, ok bool) {
	// encoding/json matches field names without regard to case: a key
	// that does so only that way is left to it.
	odd := false
	folds := func(key []byte, names ...string) bool {
		for _, n := range names {
			if bytes.EqualFold(key, []byte(n)) {
				odd = true
			}
		}
		return !odd
	}
	var entries []byte
	if !jsonObjectEach(raw, func(key, val []byte) bool {
		switch string(key) {
		case "namespace_entries":
			entries = val
		case "marker":
			marker = val
		default:
			return folds(key, "namespace_entries", "marker")
		}
		return true
	}) || odd {
		return nil, false
	}
	if entries == nil {
		return marker, true
	}
	good := true
	if !jsonArrayEach(entries, func(e []byte) bool {
		var hs HookState
		if !jsonObjectEach(e, func(key, val []byte) bool {
			switch string(key) {
			case "index":
				hs.Index, good = jsonString(val)
			case "HookStateKey":
				hs.Key, good = jsonString(val)
			case "HookStateData":
				hs.Data, good = jsonString(val)
			default:
				good = folds(key, "index", "HookStateKey", "HookStateData")
			}
			return good
		}) || !good {
			good = false
			return false
		}
		*all = append(*all, hs)
		return true
	}) || !good {
		return nil, false
	}
	return marker, true
}

// LedgerEntry reads one ledger entry by its index (64 hex digits);
// errors.Is(err, ErrNotFound) when there is none.
func (c *Client) LedgerEntry(ctx context.Context, index string, ledger LedgerSpec) (map[string]any, error) {
	var r struct {
		Node map[string]any `json:"node"`
	}
	if err := c.call(ctx, "ledger_entry", map[string]any{"index": index, "ledger_index": ledger.param()}, &r); err != nil {
		return nil, err
	}
	if r.Node == nil {
		return nil, &RPCError{Method: "ledger_entry", Name: "entryNotFound"}
	}
	return r.Node, nil
}

// LedgerHeader is a ledger's header.
type LedgerHeader struct {
	Index      uint32 // ledger_index
	Hash       string
	ParentHash string
	CloseTime  uint32 // seconds since 2000-01-01 (the ripple epoch)
	Closed     bool
	Validated  bool
	// Transactions holds the ledger's transactions when asked for.
	Transactions []TxResult
}

// Ledger reads a ledger header, with its transactions (and their
// metadata) when withTxs is set.
func (c *Client) Ledger(ctx context.Context, ledger LedgerSpec, withTxs bool) (LedgerHeader, error) {
	params := map[string]any{"ledger_index": ledger.param()}
	if withTxs {
		params["transactions"], params["expand"] = true, true
	}
	var r struct {
		Ledger struct {
			Index        json.Number      `json:"ledger_index"`
			Hash         string           `json:"ledger_hash"`
			ParentHash   string           `json:"parent_hash"`
			CloseTime    uint32           `json:"close_time"`
			Closed       bool             `json:"closed"`
			Transactions []map[string]any `json:"transactions"`
		} `json:"ledger"`
		Validated bool `json:"validated"`
	}
	if err := c.call(ctx, "ledger", params, &r); err != nil {
		return LedgerHeader{}, err
	}
	idx, _ := toUint64(r.Ledger.Index)
	h := LedgerHeader{Index: uint32(idx), Hash: r.Ledger.Hash, ParentHash: r.Ledger.ParentHash,
		CloseTime: r.Ledger.CloseTime, Closed: r.Ledger.Closed, Validated: r.Validated}
	for _, t := range r.Ledger.Transactions {
		tr := parseTx(t)
		tr.LedgerIndex, tr.Validated = h.Index, r.Validated
		h.Transactions = append(h.Transactions, tr)
	}
	return h, nil
}

// Tx looks a transaction up by hash; errors.Is(err, ErrNotFound) when the
// node does not know it.
func (c *Client) Tx(ctx context.Context, hash string) (TxResult, error) {
	var raw map[string]any
	if err := c.call(ctx, "tx", map[string]any{"transaction": hash}, &raw); err != nil {
		return TxResult{}, err
	}
	return parseTx(raw), nil
}

// AccountTxOptions selects the transactions AccountTx returns. The zero
// value means the whole available history, oldest first.
type AccountTxOptions struct {
	// MinLedger and MaxLedger bound the ledger range; zero means the
	// node's earliest and latest validated ledger.
	MinLedger, MaxLedger uint32
	// Descending returns newest first.
	Descending bool
	// Limit stops after this many transactions; zero means no limit.
	Limit int
}

// AccountTx returns an account's validated transactions in a ledger range,
// following the node's paging markers.
func (c *Client) AccountTx(ctx context.Context, account string, opts *AccountTxOptions) ([]TxResult, error) {
	var o AccountTxOptions
	if opts != nil {
		o = *opts
	}
	params := map[string]any{"account": account, "forward": !o.Descending, "limit": 400,
		"ledger_index_min": -1, "ledger_index_max": -1}
	if o.MinLedger != 0 {
		params["ledger_index_min"] = o.MinLedger
	}
	if o.MaxLedger != 0 {
		params["ledger_index_max"] = o.MaxLedger
	}
	var all []TxResult
	err := c.pages(ctx, "account_tx", params, func(raw json.RawMessage) (json.RawMessage, error) {
		var r struct {
			Transactions []map[string]any `json:"transactions"`
			Marker       json.RawMessage  `json:"marker"`
			LedgerMin    uint32           `json:"ledger_index_min"`
		}
		if err := unmarshalNumbers(raw, &r); err != nil {
			return nil, err
		}
		if o.MinLedger != 0 && r.LedgerMin > o.MinLedger {
			// API v1 nodes narrow the range to the history they have.
			return nil, fmt.Errorf("%w: ledgers %d–%d", ErrHistoryMissing, o.MinLedger, r.LedgerMin-1)
		}
		for _, t := range r.Transactions {
			all = append(all, parseTx(t))
			if o.Limit > 0 && len(all) >= o.Limit {
				return nil, nil
			}
		}
		return r.Marker, nil
	})
	return all, err
}

// NFTOffer is one NFToken offer.
type NFTOffer struct {
	Index       string `json:"nft_offer_index"`
	Amount      any    `json:"amount"`
	Owner       string `json:"owner"`
	Destination string `json:"destination,omitempty"`
	Flags       uint32 `json:"flags"`
	Expiration  uint32 `json:"expiration,omitempty"`
}

// NFTSellOffers returns the sell offers for an NFToken.
func (c *Client) NFTSellOffers(ctx context.Context, nftID string) ([]NFTOffer, error) {
	return c.nftOffers(ctx, "nft_sell_offers", nftID)
}

// NFTBuyOffers returns the buy offers for an NFToken.
func (c *Client) NFTBuyOffers(ctx context.Context, nftID string) ([]NFTOffer, error) {
	return c.nftOffers(ctx, "nft_buy_offers", nftID)
}

func (c *Client) nftOffers(ctx context.Context, method, nftID string) ([]NFTOffer, error) {
	var all []NFTOffer
	params := map[string]any{"nft_id": nftID, "ledger_index": "validated", "limit": 400}
	err := c.pages(ctx, method, params, func(raw json.RawMessage) (json.RawMessage, error) {
		var r struct {
			Offers []NFTOffer      `json:"offers"`
			Marker json.RawMessage `json:"marker"`
		}
		err := unmarshalNumbers(raw, &r)
		all = append(all, r.Offers...)
		return r.Marker, err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return all, nil
}

// SubmitResult is the node's preliminary answer to a submission.
type SubmitResult struct {
	EngineResult        string `json:"engine_result"`
	EngineResultCode    int    `json:"engine_result_code"`
	EngineResultMessage string `json:"engine_result_message"`
	Accepted            bool   `json:"accepted"`
	Applied             bool   `json:"applied"`
	Queued              bool   `json:"queued"`
	Kept                bool   `json:"kept"`
}

// Submit sends a signed transaction blob and returns the preliminary result.
// The result is not final: use SubmitAndWait, or wait for validation.
func (c *Client) Submit(ctx context.Context, blob []byte) (SubmitResult, error) {
	var r SubmitResult
	err := c.call(ctx, "submit", map[string]any{"tx_blob": upper(blob)}, &r)
	return r, err
}
