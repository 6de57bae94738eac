package lease

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/memo"
)

// Reasons the host gives in error answers (mb-xrpl's).
const (
	ReasonInvalidAcquire = "invalid_acquire_lease"
	ReasonInvalidExtend  = "invalid_extend_lease"
)

// NFTOfferExpiration is the Expiration of NFToken lease sell offers (the
// largest value: never, in practice), as the 0.5 host client set it.
const NFTOfferExpiration = 4294967295

// HostConfig configures a Host. The zero value works for a Wallet signer on
// a network whose GovernorAddress is set.
type HostConfig struct {
	// Account is the host's address. Default: the signer's Address().
	Account string
	// Hook is the Evernode configuration (EVR issuer). Default: loaded
	// from the network's governor on first use.
	Hook *hook.Config
	// Keys opens tenants' encrypted requirements. Default: the signer's
	// MessageKey().
	Keys memo.KeyHolder
	// Standard is the lease token standard. Default: NFToken on an XRPL
	// network, URIToken otherwise.
	Standard Standard
	// TOSHash is the hosting terms hash (64 hex digits) whose first half
	// goes in lease URIs. Default DefaultTOSHash.
	TOSHash string
	// Rand supplies encryption randomness. Default crypto/rand.
	Rand io.Reader
	// LeasePrice is the host's current per-moment price in EVR: Recycle and
	// a refused acquire re-offer a slot at it. Default: the recycled
	// token's own URI price. SetLeasePrice changes it later.
	LeasePrice string
	// Logger receives debug logs. Default: silent.
	Logger *slog.Logger
}

// Host runs the host side of leases: mint and offer lease tokens, read lease
// events, answer them, refund, expire. It is safe for concurrent use; it
// does not own the client.
type Host struct {
	c      *evernode.Client
	s      evernode.Signer
	addr   string
	keys   memo.KeyHolder
	std    Standard
	tos    [16]byte
	rand   io.Reader
	log    *slog.Logger
	mu     sync.Mutex
	hookCf *hook.Config
	price  string
}

// NewHost returns a Host acting through c and signing with s.
func NewHost(c *evernode.Client, s evernode.Signer, cfg *HostConfig) (*Host, error) {
	var o HostConfig
	if cfg != nil {
		o = *cfg
	}
	if c == nil || s == nil {
		return nil, fmt.Errorf("%w: nil client or signer", ErrInvalid)
	}
	h := &Host{c: c, s: s, addr: o.Account, keys: o.Keys, std: standardFor(o.Standard, c.Network()),
		rand: o.Rand, log: o.Logger, hookCf: o.Hook, price: o.LeasePrice}
	if h.addr == "" {
		a, ok := s.(addresser)
		if !ok {
			return nil, fmt.Errorf("%w: HostConfig.Account is required for this signer", ErrInvalid)
		}
		h.addr = a.Address()
	}
	if h.keys == nil {
		if k, ok := s.(messageKeyer); ok {
			h.keys = k.MessageKey()
		}
	}
	tos := o.TOSHash
	if tos == "" {
		tos = DefaultTOSHash
	}
	var err error
	if h.tos, err = HalfTOS(tos); err != nil {
		return nil, err
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// Address returns the host's account.
func (h *Host) Address() string { return h.addr }

// Standard returns the token standard the host uses.
func (h *Host) Standard() Standard { return h.std }

// SetLeasePrice sets the host's current per-moment price (EVR), at which
// recycled slots are offered from now on. An empty price restores the
// default (a recycled token's own price).
func (h *Host) SetLeasePrice(price string) {
	h.mu.Lock()
	h.price = price
	h.mu.Unlock()
}

// leasePrice is the price to re-offer a slot at: the host's current price,
// or old when none is set.
func (h *Host) leasePrice(old string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.price != "" {
		return h.price
	}
	return old
}

func (h *Host) config(ctx context.Context) (*hook.Config, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hookCf != nil {
		return h.hookCf, nil
	}
	cf, err := hook.LoadConfig(ctx, h.c, h.c.Network().GovernorAddress)
	if err != nil {
		return nil, fmt.Errorf("lease: loading the Evernode configuration: %w", err)
	}
	h.hookCf = cf
	return cf, nil
}

// MintOptions tunes Mint. A nil *MintOptions means the defaults.
type MintOptions struct {
	// OutboundIP is the lease's outbound IPv6 address. Default: none.
	OutboundIP netip.Addr
}

// Mint puts lease index on sale at price EVR per moment. It is idempotent
// by index, as the JS client's offerLease: when the host already holds a
// lease token with that index at that price, it only adds the sell offer if
// the token has none; a held token of that index at another price is burned
// first. Otherwise it mints a new token and offers it. For URITokens the
// URI's identifier is the host's account Sequence; if an identical URI
// still exists (tecDUPLICATE: a sold token never burned), that token is
// burned and the mint retried, as the JS client does.
func (h *Host) Mint(ctx context.Context, index uint16, price string, opts *MintOptions) (Token, error) {
	held, err := h.Leases(ctx)
	if err != nil {
		return Token{}, err
	}
	return h.mint(ctx, index, price, opts, held)
}

// mint is Mint with the host's lease tokens already listed.
func (h *Host) mint(ctx context.Context, index uint16, price string, opts *MintOptions, held []Token) (Token, error) {
	var o MintOptions
	if opts != nil {
		o = *opts
	}
	cf, err := h.config(ctx)
	if err != nil {
		return Token{}, err
	}
	amt := cf.EVR(price)
	if r, err := amt.Rat(); err != nil || r.Sign() <= 0 {
		return Token{}, fmt.Errorf("%w: price %q", ErrInvalid, price)
	}
	for _, t := range held {
		if t.URI.Index != index || t.Owner != h.addr {
			continue
		}
		if c, err := amt.Cmp(cf.EVR(t.URI.Price)); err == nil && c == 0 && t.URI.OutboundIP == o.OutboundIP {
			if t.Offered() && t.Destination == "" {
				if c, err := t.Amount.Cmp(amt); err == nil && c == 0 {
					return t, nil
				}
			}
			h.log.Debug("lease: offering the held token of this index", "index", index, "id", t.ID)
			return h.Offer(ctx, t)
		}
		// Same slot at another price or address: replace it.
		h.log.Debug("lease: burning a held token of this index at another price", "index", index, "id", t.ID, "price", t.URI.Price)
		if err := h.Burn(ctx, t); err != nil {
			return Token{}, err
		}
	}
	u := URI{Index: index, HalfTOS: h.tos, Price: price, OutboundIP: o.OutboundIP}
	if h.std == NFToken {
		u.Layout = LayoutNFT
		if o.OutboundIP.IsValid() {
			return Token{}, fmt.Errorf("%w: NFToken leases carry no outbound IP", ErrInvalid)
		}
		return h.mintNFT(ctx, u, amt)
	}
	info, err := h.c.AccountInfo(ctx, h.addr, evernode.Current)
	if err != nil {
		return Token{}, fmt.Errorf("lease: reading the host account: %w", err)
	}
	u.Layout, u.Identifier = LayoutLTV1, info.AccountData.Sequence
	field, err := u.Field()
	if err != nil {
		return Token{}, err
	}
	id, err := TokenID(h.addr, field)
	if err != nil {
		return Token{}, err
	}
	mint := evernode.URITokenMint{Common: evernode.Common{Account: h.addr, Flags: evernode.TfBurnable}, URI: field}
	_, err = h.c.SubmitAndWait(ctx, h.s, mint)
	var te *evernode.TxError
	if errors.As(err, &te) && te.Result == "tecDUPLICATE" {
		h.log.Debug("lease: burning a stale token with the same URI", "id", id)
		if _, err := h.c.SubmitAndWait(ctx, h.s, evernode.URITokenBurn{Common: evernode.Common{Account: h.addr}, URITokenID: id}); err != nil {
			return Token{}, fmt.Errorf("lease: burning stale token %s: %w", id, err)
		}
		_, err = h.c.SubmitAndWait(ctx, h.s, mint)
	}
	if err != nil {
		return Token{}, fmt.Errorf("lease: minting lease %d: %w", index, err)
	}
	tok := Token{Standard: URIToken, ID: id, Issuer: h.addr, Owner: h.addr, Field: field, URI: u}
	return h.Offer(ctx, tok)
}

func (h *Host) mintNFT(ctx context.Context, u URI, amt evernode.Amount) (Token, error) {
	field, err := u.Field()
	if err != nil {
		return Token{}, err
	}
	res, err := h.c.SubmitAndWait(ctx, h.s, evernode.NFTokenMint{Common: evernode.Common{Account: h.addr, Flags: evernode.TfBurnable}, URI: field})
	if err != nil {
		return Token{}, fmt.Errorf("lease: minting lease %d: %w", u.Index, err)
	}
	id := str(res.Meta["nftoken_id"])
	if id == "" {
		id = mintedNFT(res.Meta)
	}
	if id == "" {
		return Token{}, fmt.Errorf("lease: minted lease %d but the metadata has no nftoken_id", u.Index)
	}
	tok := Token{Standard: NFToken, ID: strings.ToUpper(id), Issuer: h.addr, Owner: h.addr, Field: field, URI: u}
	return h.Offer(ctx, tok)
}

// MintN mints and offers leases 0…n−1 at price, as host setup does; like
// Mint it reuses the tokens of those indexes the host already holds.
func (h *Host) MintN(ctx context.Context, n int, price string, opts *MintOptions) ([]Token, error) {
	held, err := h.Leases(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, n)
	for i := range n {
		t, err := h.mint(ctx, uint16(i), price, opts, held)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Offer puts a minted lease token the host holds on sale at its URI price
// (URITokenCreateSellOffer, or an NFToken sell offer expiring never).
func (h *Host) Offer(ctx context.Context, tok Token) (Token, error) {
	cf, err := h.config(ctx)
	if err != nil {
		return Token{}, err
	}
	amt := cf.EVR(tok.URI.Price)
	if tok.Standard == NFToken {
		res, err := h.c.SubmitAndWait(ctx, h.s, evernode.NFTokenCreateOffer{Common: evernode.Common{Account: h.addr, Flags: evernode.TfSellNFToken},
			NFTokenID: tok.ID, Amount: amt, Expiration: NFTOfferExpiration})
		if err != nil {
			return Token{}, fmt.Errorf("lease: offering %s: %w", tok.ID, err)
		}
		tok.OfferID = strings.ToUpper(str(res.Meta["offer_id"]))
		if tok.OfferID == "" {
			tok.OfferID = createdIndex(res.Meta, "NFTokenOffer")
		}
	} else {
		if _, err := h.c.SubmitAndWait(ctx, h.s, evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: h.addr},
			URITokenID: tok.ID, Amount: amt}); err != nil {
			return Token{}, fmt.Errorf("lease: offering %s: %w", tok.ID, err)
		}
	}
	tok.Amount = amt
	return tok, nil
}

// mintedNFT finds the NFToken a mint added: in an NFTokenPage's final or new
// tokens but not its previous ones.
func mintedNFT(meta map[string]any) string {
	ids := func(fields map[string]any) map[string]bool {
		out := map[string]bool{}
		list, _ := fields["NFTokens"].([]any)
		for _, it := range list {
			w, _ := it.(map[string]any)
			tok, _ := w["NFToken"].(map[string]any)
			if id := str(tok["NFTokenID"]); id != "" {
				out[strings.ToUpper(id)] = true
			}
		}
		return out
	}
	for _, n := range affected(meta) {
		for _, kind := range []string{"ModifiedNode", "CreatedNode"} {
			m, _ := n[kind].(map[string]any)
			if m == nil || m["LedgerEntryType"] != "NFTokenPage" {
				continue
			}
			now, _ := m["FinalFields"].(map[string]any)
			if now == nil {
				now, _ = m["NewFields"].(map[string]any)
			}
			prev, _ := m["PreviousFields"].(map[string]any)
			if kind == "ModifiedNode" && prev == nil {
				continue
			}
			before := ids(prev)
			for id := range ids(now) {
				if !before[id] {
					return id
				}
			}
		}
	}
	return ""
}

func createdIndex(meta map[string]any, typ string) string {
	for _, n := range affected(meta) {
		if m, _ := n["CreatedNode"].(map[string]any); m != nil && m["LedgerEntryType"] == typ {
			return strings.ToUpper(str(m["LedgerIndex"]))
		}
	}
	return ""
}

// Leases lists the lease tokens the host holds, offered or not.
func (h *Host) Leases(ctx context.Context) ([]Token, error) { return Leases(ctx, h.c, h.addr, h.std) }

// Offers lists the host's lease tokens on offer.
func (h *Host) Offers(ctx context.Context) ([]Token, error) { return Offers(ctx, h.c, h.addr, h.std) }

// Unoffered lists the host's lease tokens without an offer (the JS client
// skips heartbeats while there are any).
func (h *Host) Unoffered(ctx context.Context) ([]Token, error) {
	all, err := h.Leases(ctx)
	if err != nil {
		return nil, err
	}
	var out []Token
	for _, t := range all {
		if !t.Offered() {
			out = append(out, t)
		}
	}
	return out, nil
}

// Token reads the lease token id held by owner (the tenant after a sale).
func (h *Host) Token(ctx context.Context, id, owner string) (Token, error) {
	return ownedToken(ctx, h.c, h.std, id, owner)
}

// IssuedToken reads the URIToken lease token id the host issued, whoever
// holds it now (Token.Owner): errors.Is ErrNoToken when it does not exist
// (burned), ErrNotLease when it is not a lease the host issued. NFToken
// hosts cannot look a token up by id alone: use Token.
func (h *Host) IssuedToken(ctx context.Context, id string) (Token, error) {
	if h.std == NFToken {
		return Token{}, fmt.Errorf("%w: an NFToken is found by its owner (use Token)", ErrInvalid)
	}
	return h.tokenByID(ctx, id, "")
}

// AnswerOptions tunes AcquireSuccess. A nil *AnswerOptions means the
// defaults.
type AnswerOptions struct {
	// MessageKey is the key to encrypt the answer to: empty for the
	// tenant's MessageKey, 66 hex digits for another key (a requirement's
	// messageKey), "none" for the clear (URITokens only).
	MessageKey string
	// Seal fixes the secp256k1 IV and ephemeral key (tests).
	Seal *memo.SealOptions
}

// SealAnswer returns the memo payload of an evnAcquireSuccess for tenant:
// {"type":"create_res","content":inst}, framed and sealed as opts say.
func (h *Host) SealAnswer(ctx context.Context, tenant string, inst memo.Instance, opts *AnswerOptions) ([]byte, error) {
	var o AnswerOptions
	if opts != nil {
		o = *opts
	}
	to, err := h.replyKey(ctx, tenant, o.MessageKey)
	if err != nil {
		return nil, err
	}
	return h.seal(to, inst, o.Seal)
}

// replyKey resolves the key an answer to tenant is encrypted to: nil for
// the clear (URITokens only), the given 66-hex key, or the tenant's
// MessageKey. It fails with ErrInvalid or ErrNoMessageKey when there is no
// usable key: then no answer can be read and the host must refuse.
func (h *Host) replyKey(ctx context.Context, tenant, messageKey string) (*memo.PublicKey, error) {
	switch {
	case messageKey == memo.MessageKeyNone && h.std != NFToken:
		return nil, nil
	case messageKey != "" && messageKey != memo.MessageKeyNone:
		k, err := memo.ParsePublicKey(messageKey)
		if err != nil {
			return nil, fmt.Errorf("%w: MessageKey: %v", ErrInvalid, err)
		}
		return &k, nil
	}
	k, err := messageKeyOf(ctx, h.c, tenant)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func (h *Host) seal(to *memo.PublicKey, inst memo.Instance, so *memo.SealOptions) ([]byte, error) {
	resp := memo.AcquireResponse{Type: memo.CreateResponseType, Content: inst}
	if h.std == NFToken {
		s, err := memo.EncryptJSON(h.rand, *to, resp, so)
		return []byte(s), err
	}
	return memo.SealPayload(h.rand, to, resp, so)
}

// AcquireSuccess answers the acquire ref from tenant with the instance.
func (h *Host) AcquireSuccess(ctx context.Context, ref, tenant string, inst memo.Instance, opts *AnswerOptions) (evernode.TxResult, error) {
	payload, err := h.SealAnswer(ctx, tenant, inst, opts)
	if err != nil {
		return evernode.TxResult{}, err
	}
	tx, err := AcquireSuccessTx(h.addr, tenant, ref, payload)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "acquire success", tx)
}

// AcquireError refuses the acquire ref, refunding refund (the lease amount).
// Re-offer the lease afterwards with Recycle.
func (h *Host) AcquireError(ctx context.Context, ref, tenant string, refund evernode.Amount, reason string) (evernode.TxResult, error) {
	tx, err := AcquireErrorTx(h.addr, tenant, ref, refund, reason)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "acquire error", tx)
}

// ExtendSuccess confirms the extension ref with the lease's new expiry
// moment.
func (h *Host) ExtendSuccess(ctx context.Context, ref, tenant string, expiryMoment uint32) (evernode.TxResult, error) {
	tx, err := ExtendSuccessTx(h.addr, tenant, ref, expiryMoment)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "extend success", tx)
}

// ExtendError refuses the extension ref, refunding refund.
func (h *Host) ExtendError(ctx context.Context, ref, tenant, reason string, refund evernode.Amount) (evernode.TxResult, error) {
	tx, err := ExtendErrorTx(h.addr, tenant, ref, refund, reason)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "extend error", tx)
}

// Refund pays amount back to tenant for the transaction ref (evnRefund).
func (h *Host) Refund(ctx context.Context, ref, tenant string, amount evernode.Amount) (evernode.TxResult, error) {
	tx, err := RefundTx(h.addr, tenant, ref, amount)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "refund", tx)
}

func (h *Host) submit(ctx context.Context, what string, tx evernode.Transaction) (evernode.TxResult, error) {
	res, err := h.c.SubmitAndWait(ctx, h.s, tx)
	if err != nil {
		return res, fmt.Errorf("lease: %s: %w", what, err)
	}
	return res, nil
}

// Burn burns a lease token the host issued, wherever it is (issuer rights of
// a burnable token): the end of a lease at expiry or termination.
func (h *Host) Burn(ctx context.Context, tok Token) error {
	var tx evernode.Transaction = evernode.URITokenBurn{Common: evernode.Common{Account: h.addr}, URITokenID: tok.ID}
	if tok.Standard == NFToken {
		b := evernode.NFTokenBurn{Common: evernode.Common{Account: h.addr}, NFTokenID: tok.ID}
		if tok.Owner != h.addr {
			b.Owner = tok.Owner
		}
		tx = b
	}
	_, err := h.submit(ctx, "burn "+tok.ID, tx)
	return err
}

// Recycle ends a lease and puts its slot back on offer: it burns tok
// (wherever it is: the issuer may burn a burnable token) and mints the same
// index and IP at the host's current price (HostConfig.LeasePrice, else the
// token's own), with a new identifier (so a new token id), then offers it.
func (h *Host) Recycle(ctx context.Context, tok Token) (Token, error) {
	if err := h.Burn(ctx, tok); err != nil {
		return Token{}, err
	}
	return h.Mint(ctx, tok.URI.Index, h.leasePrice(tok.URI.Price), &MintOptions{OutboundIP: tok.URI.OutboundIP})
}

// Events subscribes to the host's lease events from fromLedger (zero: from
// the next validated ledger). Close the stream when done.
func (h *Host) Events(ctx context.Context, fromLedger uint32) (*Events, error) {
	cf, err := h.config(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := h.c.SubscribeAccounts(ctx, []string{h.addr}, &evernode.SubscribeOptions{FromLedger: fromLedger})
	if err != nil {
		return nil, err
	}
	return &Events{sub: sub, self: h.addr, opts: ExtractOptions{Keys: h.keys, EVRIssuer: cf.EVRIssuerAddress, Standard: h.std}}, nil
}

// Events is a stream of lease events addressed to one account.
type Events struct {
	sub  *evernode.TxSubscription
	self string
	opts ExtractOptions
}

// Next returns the next lease event. A payload that could not be opened
// gives the event with PayloadErr set and a nil error; a *evernode.GapError
// is passed on.
func (e *Events) Next(ctx context.Context) (Event, error) {
	for {
		r, err := e.sub.Next(ctx)
		if err != nil {
			return Event{}, err
		}
		ev, ok, _ := ExtractEvent(ctx, r, e.self, &e.opts)
		if ok {
			return ev, nil
		}
	}
}

// Close ends the stream.
func (e *Events) Close() error { return e.sub.Close() }

// Provision creates an instance for an acquire; an error makes the host
// refuse and refund. It must give up when ctx ends.
type Provision func(ctx context.Context, ev Event, tok Token) (memo.Instance, error)

// HandleOptions tunes HandleAcquire. A nil *HandleOptions means the
// defaults.
type HandleOptions struct {
	// Destroy removes the instance Provision made for ev, when the acquire
	// is refused after all: provisioning failed or timed out (a backend may
	// have left something behind), or the success answer could not be
	// delivered. Default: nothing to destroy.
	Destroy func(ctx context.Context, ev Event, tok Token) error
	// Timeout bounds Provision. Default: 80 % of the governor's lease
	// acquire window (mb-xrpl's limit), or of 160 s when the configuration
	// has none.
	Timeout time.Duration
}

// DefaultAcquireWindow is the governor's default lease acquire window.
const DefaultAcquireWindow = 160 * time.Second

// ReasonAnswerFailed is the reason of the refund sent when the success
// answer could not be delivered.
const ReasonAnswerFailed = "answer_failed"

// ReasonTimeout is the reason of the refund sent when provisioning took
// longer than the acquire window allows.
const ReasonTimeout = "acquire_timeout"

// answerTypes are the host's answers, each quoting its request's hash.
var answerTypes = map[memo.EventType]bool{memo.EventAcquireSuccess: true, memo.EventAcquireError: true,
	memo.EventExtendSuccess: true, memo.EventExtendError: true, memo.EventRefund: true}

// Answered looks for the host's validated answer to the request ref (an
// evnAcquireSuccess/Error, evnExtendSuccess/Error or evnRefund quoting it)
// in the host's transactions from ledger since (the request's ledger; zero
// for all history) to the latest validated ledger. It is how a restarted
// host decides from the ledger, not from memory, whether a request still
// needs an answer. A submission not yet validated is not seen: a daemon
// records its own (hostd does).
//
// "Not answered" is only reported when the node holds every ledger of that
// range (server_info complete_ledgers; since 0 means from ledger 2, the
// genesis ledger holding no transactions): a node with a short history, or
// one with a gap, could hide an earlier answer, and answering again would
// pay twice. Then Answered returns a *HistoryError (errors.Is
// evernode.ErrHistoryMissing) and the caller must not answer; ask a node
// with the history (a full-history node) instead. An answer found is
// returned whatever the history.
func (h *Host) Answered(ctx context.Context, ref string, since uint32) (evernode.TxResult, bool, error) {
	from := max(since, 2)
	// The range's end first: the answer, if any, is validated by then.
	to := h.c.ValidatedLedger()
	if to == 0 {
		hd, err := h.c.Ledger(ctx, evernode.Validated, false)
		if err != nil {
			return evernode.TxResult{}, false, fmt.Errorf("lease: reading the validated ledger: %w", err)
		}
		to = hd.Index
	}
	to = max(to, from)
	txs, err := h.c.AccountTx(ctx, h.addr, &evernode.AccountTxOptions{MinLedger: since, MaxLedger: to})
	if errors.Is(err, evernode.ErrHistoryMissing) {
		return evernode.TxResult{}, false, &HistoryError{Ref: ref, From: from, To: to, Err: err}
	}
	if err != nil {
		return evernode.TxResult{}, false, fmt.Errorf("lease: reading the host's transactions: %w", err)
	}
	for _, t := range txs {
		if r, ok := AnswerRef(t, h.addr); ok && strings.EqualFold(r, ref) {
			return t, true, nil
		}
	}
	// Read after the search: ledgers a node forgets go from the bottom, so
	// a range it still holds now was there during the search.
	info, err := h.c.ServerInfo(ctx)
	if err != nil {
		return evernode.TxResult{}, false, fmt.Errorf("lease: reading the node's history: %w", err)
	}
	if !info.HasLedgers(from, to) {
		return evernode.TxResult{}, false, &HistoryError{Ref: ref, From: from, To: to, Complete: info.CompleteLedgers,
			Err: evernode.ErrHistoryMissing}
	}
	return evernode.TxResult{}, false, nil
}

// AnswerRef reports the request hash a validated, successful answer sent by
// host quotes, and whether tx is such an answer.
func AnswerRef(tx evernode.TxResult, host string) (string, bool) {
	if !tx.Succeeded() || tx.String("Account") != host || tx.Type() != "Payment" {
		return "", false
	}
	p, ok, err := tx.EvernodeParams()
	if err != nil || !ok || !answerTypes[p.Event] || len(p.Data) != 32 {
		return "", false
	}
	return hexUpper(p.Data), true
}

// tokenByID reads a lease token the host issued, wherever it is now. For
// NFTokens, which cannot be found by id alone, it looks in owner's account.
func (h *Host) tokenByID(ctx context.Context, id, owner string) (Token, error) {
	if h.std == NFToken {
		return ownedToken(ctx, h.c, h.std, id, owner)
	}
	e, err := h.c.LedgerEntry(ctx, id, evernode.Validated)
	if errors.Is(err, evernode.ErrNotFound) {
		return Token{}, fmt.Errorf("%w: %s", ErrNoToken, id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("lease: reading token %s: %w", id, err)
	}
	if str(e["LedgerEntryType"]) != "URIToken" {
		return Token{}, ErrNotLease
	}
	if e["index"] == nil && e["LedgerIndex"] == nil {
		e["index"] = id
	}
	t, ok := uriTokenFrom(e)
	if !ok || t.Issuer != h.addr {
		return Token{}, ErrNotLease
	}
	return t, nil
}

// AcquireCheck is the verdict on an acquire before anything is
// provisioned.
type AcquireCheck struct {
	// Token is the lease token bought, wherever it is now; TokenErr is set
	// when it could not be read (then there is no slot to take back).
	Token    Token
	TokenErr error
	// Reason is empty when the acquire may be served, else the reason to
	// refuse it with (the payment is refunded).
	Reason string
	// ReplyKey is what to encrypt the answer to, as
	// AnswerOptions.MessageKey takes it: 66 hex digits, or "none" for the
	// clear. Set only when Reason is empty.
	ReplyKey string
}

// CheckAcquire decides, before anything is provisioned, whether an acquire
// paid in EVR can be served: the tenant still holds the token (not passed
// on), paid exactly the URI's per-moment price, sent a requirement that was
// readable and passes Requirement.Validate, and there is a key to answer
// to (the requirement's messageKey, else the tenant's MessageKey). An
// error means the ledger could not be read; nothing was decided.
func (h *Host) CheckAcquire(ctx context.Context, ev Event) (AcquireCheck, error) {
	cf, err := h.config(ctx)
	if err != nil {
		return AcquireCheck{}, err
	}
	var chk AcquireCheck
	chk.Token, chk.TokenErr = h.tokenByID(ctx, ev.TokenID, ev.From)
	if chk.TokenErr != nil && !errors.Is(chk.TokenErr, ErrNoToken) && !errors.Is(chk.TokenErr, ErrNotLease) {
		return AcquireCheck{}, chk.TokenErr
	}
	switch {
	case chk.TokenErr != nil:
		chk.Reason = ReasonInvalidAcquire
	case chk.Token.Owner != ev.From:
		// Passed on before the answer: refund, and take the slot back.
		chk.Reason = ReasonInvalidAcquire
	case !ev.Amount.IsEVR(cf.EVRIssuerAddress):
		chk.Reason = ReasonInvalidAcquire
	case ev.PayloadErr != nil || ev.Requirement == nil || ev.Requirement.Validate() != nil:
		chk.Reason = ReasonInvalidAcquire
	default:
		if c, err := ev.Amount.Cmp(cf.EVR(chk.Token.URI.Price)); err != nil || c != 0 {
			chk.Reason = ReasonInvalidAcquire
			break
		}
		mk := ev.Requirement.MessageKey
		if h.std == NFToken && mk == memo.MessageKeyNone {
			mk = ""
		}
		to, err := h.replyKey(ctx, ev.From, mk)
		switch {
		case err != nil && (errors.Is(err, ErrInvalid) || errors.Is(err, ErrNoMessageKey)):
			h.log.Debug("lease: no key to answer to", "ref", ev.Hash, "err", err)
			chk.Reason = ReasonInvalidAcquire
		case err != nil:
			return AcquireCheck{}, err
		case to == nil:
			chk.ReplyKey = memo.MessageKeyNone
		default:
			chk.ReplyKey = strings.ToUpper(hex.EncodeToString(to[:]))
		}
	}
	return chk, nil
}

// HandleAcquire answers an evnAcquireLease exactly once, and never keeps EVR
// without service:
//
//   - when the ledger already holds the host's answer to it (a restart), it
//     returns that answer and does nothing else;
//   - it checks, before provisioning anything, that the tenant paid exactly
//     the URI's per-moment price in real EVR, still holds the token, sent a
//     requirement that could be read and passes Requirement.Validate, and
//     that there is a key to encrypt the answer to (the requirement's
//     messageKey, else the tenant's MessageKey);
//   - it calls provision (bounded by HandleOptions.Timeout) and answers
//     AcquireSuccess;
//   - on any failure (a check, provisioning, its timeout, or the success
//     answer not applying) it destroys what was provisioned and answers one
//     AcquireError refunding what was paid, then re-offers the slot
//     (Recycle), burning the token wherever it went.
//
// If the success answer's fate cannot be known (ctx ended while it was in
// flight) it returns the error without refunding; calling HandleAcquire
// again later finds the answer on the ledger or sends the refund. It returns
// the answer's transaction.
func (h *Host) HandleAcquire(ctx context.Context, ev Event, provision Provision, opts *HandleOptions) (evernode.TxResult, error) {
	var o HandleOptions
	if opts != nil {
		o = *opts
	}
	if ev.Type != memo.EventAcquireLease || ev.To != h.addr {
		return evernode.TxResult{}, fmt.Errorf("%w: not an acquire addressed to this host", ErrInvalid)
	}
	cf, err := h.config(ctx)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if !ev.Amount.IsEVR(cf.EVRIssuerAddress) {
		// Never refund EVR for what was not paid in EVR.
		return evernode.TxResult{}, fmt.Errorf("%w: acquire %s not paid in EVR", ErrInvalid, ev.Hash)
	}
	if prev, ok, err := h.Answered(ctx, ev.Hash, ev.LedgerIndex); err != nil {
		return evernode.TxResult{}, err
	} else if ok {
		h.log.Debug("lease: acquire already answered", "ref", ev.Hash, "answer", prev.Hash)
		return prev, nil
	}
	if o.Timeout <= 0 {
		w := DefaultAcquireWindow
		if cf.LeaseAcquireWindow > 0 {
			w = time.Duration(cf.LeaseAcquireWindow) * time.Second
		}
		o.Timeout = w * 8 / 10
	}
	chk, err := h.CheckAcquire(ctx, ev)
	if err != nil {
		return evernode.TxResult{}, err
	}
	tok, terr, reason := chk.Token, chk.TokenErr, chk.Reason
	var to *memo.PublicKey
	if reason == "" {
		if to, err = h.replyKey(ctx, ev.From, chk.ReplyKey); err != nil {
			return evernode.TxResult{}, err
		}
	}
	var destroyErr error
	destroy := func() {
		if o.Destroy == nil {
			return
		}
		if err := o.Destroy(ctx, ev, tok); err != nil {
			h.log.Debug("lease: destroying a refused acquire's instance", "ref", ev.Hash, "err", err)
			destroyErr = err
		}
	}
	if reason == "" {
		pctx, cancel := context.WithTimeout(ctx, o.Timeout)
		inst, err := provision(pctx, ev, tok)
		timedOut := pctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return evernode.TxResult{}, err
		case err != nil || timedOut:
			h.log.Debug("lease: provisioning failed", "ref", ev.Hash, "err", err, "timeout", timedOut)
			reason = ReasonTimeout
			if !timedOut {
				reason = err.Error()
			}
			destroy()
		default:
			res, err := h.answerSuccess(ctx, ev, inst, to)
			var te *evernode.TxError
			if err == nil || !(errors.As(err, &te) || errors.Is(err, evernode.ErrExpired) || errors.Is(err, ErrInvalid)) {
				// Delivered, or unknown (in flight): never answer twice.
				return res, err
			}
			h.log.Debug("lease: the success answer did not apply", "ref", ev.Hash, "err", err)
			reason = ReasonAnswerFailed
			destroy()
		}
	}
	res, err := h.AcquireError(ctx, ev.Hash, ev.From, ev.Amount, reason)
	if err != nil {
		return res, err
	}
	if terr == nil {
		if _, err := h.Recycle(ctx, tok); err != nil {
			return res, err
		}
	}
	if destroyErr != nil {
		return res, fmt.Errorf("lease: refunded %s but its instance may remain: %w", ev.Hash, destroyErr)
	}
	return res, nil
}

func (h *Host) answerSuccess(ctx context.Context, ev Event, inst memo.Instance, to *memo.PublicKey) (evernode.TxResult, error) {
	payload, err := h.seal(to, inst, nil)
	if err != nil {
		return evernode.TxResult{}, fmt.Errorf("%w: sealing the answer: %v", ErrInvalid, err)
	}
	tx, err := AcquireSuccessTx(h.addr, ev.From, ev.Hash, payload)
	if err != nil {
		return evernode.TxResult{}, err
	}
	return h.submit(ctx, "acquire success", tx)
}

// ExtendFunc extends the lease tokenID by moments and returns its new expiry
// moment; an error makes the host refuse and refund. HandleExtend calls it
// again for an extension whose answer is not on the ledger (the success
// answer failed, or the host stopped before it was validated), so it must
// extend once per ev.Hash: called again for an extension it already made,
// it returns that expiry without extending further.
type ExtendFunc func(ctx context.Context, ev Event, tok Token, moments uint64) (expiryMoment uint32, err error)

// HandleExtend answers an evnExtendLease: it counts CreditMoments(delivered,
// per-moment price) moments (the delivered EVR only, so a partial payment
// counts what it delivered), calls extend, and answers ExtendSuccess, or
// ExtendError refunding the delivered amount when the token is not leased
// by the sender, less than one moment was paid, or extend failed. Like
// HandleAcquire it answers once: when the ledger already holds its answer
// it returns that and calls nothing.
func (h *Host) HandleExtend(ctx context.Context, ev Event, extend ExtendFunc) (evernode.TxResult, error) {
	if ev.Type != memo.EventExtendLease || ev.To != h.addr {
		return evernode.TxResult{}, fmt.Errorf("%w: not an extension addressed to this host", ErrInvalid)
	}
	cf, err := h.config(ctx)
	if err != nil {
		return evernode.TxResult{}, err
	}
	if !ev.Amount.IsEVR(cf.EVRIssuerAddress) {
		return evernode.TxResult{}, fmt.Errorf("%w: extension %s not paid in EVR", ErrInvalid, ev.Hash)
	}
	if prev, ok, err := h.Answered(ctx, ev.Hash, ev.LedgerIndex); err != nil {
		return evernode.TxResult{}, err
	} else if ok {
		// Seen again (a restart, a replayed stream): never credit or
		// refund twice.
		return prev, nil
	}
	reason := ReasonInvalidExtend
	tok, err := h.Token(ctx, ev.TokenID, ev.From)
	if err == nil && tok.Issuer == h.addr {
		if n := CreditMoments(ev.Amount, tok.URI.Price); n >= 1 {
			exp, err := extend(ctx, ev, tok, n)
			if err == nil {
				return h.ExtendSuccess(ctx, ev.Hash, ev.From, exp)
			}
			reason = err.Error()
		}
	}
	return h.ExtendError(ctx, ev.Hash, ev.From, reason, ev.Amount)
}

// CreditMoments is what a host of this SDK credits for an extension that
// delivered paid at a per-moment price: the larger of the exact floor of
// paid ÷ price and sashimono's float64 floor (MomentsPaid), so a tenant who
// paid for n moments by either rule gets n. 0 for anything unreadable.
func CreditMoments(paid evernode.Amount, price string) uint64 {
	f := MomentsPaid(paid, price)
	p, err := paid.Rat()
	if err != nil || p.Sign() <= 0 {
		return f
	}
	q, ok := new(big.Rat).SetString(price)
	if !ok || q.Sign() <= 0 {
		return f
	}
	r := new(big.Rat).Quo(p, q)
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsUint64() {
		return f
	}
	return max(n.Uint64(), f)
}
