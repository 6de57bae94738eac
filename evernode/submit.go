package evernode

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// Submission errors.
var (
	// ErrFeeTooHigh is returned when the fee the node asks for exceeds
	// ClientOptions.MaxFee.
	ErrFeeTooHigh = errors.New("evernode: fee above the configured maximum")
	// ErrExpired is returned when a transaction's LastLedgerSequence passed
	// without it validating, and no further attempt was allowed.
	ErrExpired = errors.New("evernode: transaction expired unvalidated")
)

// TxError is a transaction that failed: a final engine result other than
// tesSUCCESS (a validated tec result, which took the fee), or a preliminary
// rejection (tem, tef, tel, ter) after which it can never apply.
type TxError struct {
	// Result is the engine result name, e.g. "tecNO_PERMISSION".
	Result string
	// Code is its numeric code, when known.
	Code int
	// Message is the node's explanation, when given.
	Message string
	// Hash is the transaction hash.
	Hash string
	// Validated is true for a result in a validated ledger (fee charged).
	Validated bool
	// Tx is the validated transaction, for a validated failure.
	Tx *TxResult
}

func (e *TxError) Error() string {
	s := "evernode: transaction " + e.Hash + ": " + e.Result
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Prepare fills in what the network needs and returns the transaction ready
// to sign: Sequence (the account's current Sequence, or past those of this
// client's SubmitAndWait calls in flight for the account), Fee (the node's fee for this very
// transaction, which on Xahau includes hook fees; at most MaxFee),
// LastLedgerSequence (current validated ledger + LedgerOffset) and NetworkID.
// Fields already set are kept.
//
// Prepare reserves nothing: a prepared transaction that is dropped leaves no
// gap, and two Prepare calls for one account before either is submitted get
// the same Sequence (set Sequence yourself to prepare several at once).
func (c *Client) Prepare(ctx context.Context, tx Transaction) (Raw, error) {
	return c.prepare(ctx, tx, false, nil)
}

// seqHold is one SubmitAndWait call's hold on its account's Sequence cache:
// while any call holds it, the cache is trusted.
type seqHold struct {
	account string
	held    bool
}

func (c *Client) prepare(ctx context.Context, tx Transaction, escalate bool, hold *seqHold) (Raw, error) {
	m, err := JSON(c.net, tx)
	if err != nil {
		return nil, err
	}
	r := Raw(m)
	account, _ := r["Account"].(string)
	if account == "" {
		return nil, errors.New("evernode: transaction without Account")
	}
	if seq, _ := toUint64(r["Sequence"]); seq == 0 {
		if _, ticket := r["TicketSequence"]; !ticket {
			n, err := c.reserveSequence(ctx, account, hold)
			if err != nil {
				return nil, err
			}
			r["Sequence"] = n
		}
	}
	if lls, _ := toUint64(r["LastLedgerSequence"]); lls == 0 {
		v := c.ValidatedLedger()
		if v == 0 {
			h, err := c.Ledger(ctx, Validated, false)
			if err != nil {
				return nil, err
			}
			v = h.Index
		}
		r["LastLedgerSequence"] = v + c.opts.LedgerOffset
	}
	if fee, _ := r["Fee"].(string); fee == "" || fee == "0" {
		f, err := c.fee(ctx, r, escalate)
		if err != nil {
			return nil, err
		}
		r["Fee"] = strconv.FormatUint(f, 10)
	}
	return r, nil
}

// fee asks the node what this transaction costs, sending it unsigned with
// Fee "0", as evernode-js-client does, so that Xahau adds hook fees. With
// escalate it pays the open-ledger fee when that is higher.
func (c *Client) fee(ctx context.Context, r Raw, escalate bool) (uint64, error) {
	probe := maps.Clone(r)
	probe["Fee"], probe["SigningPubKey"] = "0", ""
	delete(probe, "TxnSignature")
	blob, err := c.net.defs().Encode(probe)
	if err != nil {
		return 0, err
	}
	f, err := c.Fee(ctx, blob)
	if err != nil {
		return 0, err
	}
	// base_fee is what evernode-js-client pays; under load the node may
	// want more to get into the open ledger now (telINSUF_FEE_P).
	fee := max(f.BaseFee, f.MinimumFee)
	if escalate {
		fee = max(fee, f.OpenLedgerFee)
	}
	if fee > c.opts.MaxFee {
		return 0, fmt.Errorf("%w: %d drops > %d", ErrFeeTooHigh, fee, c.opts.MaxFee)
	}
	return fee, nil
}

// reserveSequence returns the account's next Sequence. The cached next
// Sequence is trusted only while some SubmitAndWait call of this client holds
// the account (has a Sequence reserved and has not returned); otherwise the
// node's current Sequence is taken, so that a reservation nobody follows
// (a dropped Prepare, a call that ended unsubmitted) never leaves a gap.
// With hold, the Sequence is reserved for the calling SubmitAndWait, which
// then holds the account until it calls releaseSequence; without hold
// (Prepare) nothing is reserved.
func (c *Client) reserveSequence(ctx context.Context, account string, hold *seqHold) (uint32, error) {
	info, err := c.AccountInfo(ctx, account, Current)
	if err != nil {
		return 0, err
	}
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	seq := info.AccountData.Sequence
	if c.seqHolds[account] > 0 {
		seq = max(seq, c.nextSeq[account])
	}
	if hold == nil {
		return seq, nil
	}
	if !hold.held {
		hold.account, hold.held = account, true
		c.seqHolds[account]++
	}
	c.nextSeq[account] = seq + 1
	return seq, nil
}

// releaseSequence ends a SubmitAndWait call's hold on its account; the last
// hold drops the cached next Sequence.
func (c *Client) releaseSequence(hold *seqHold) {
	if !hold.held {
		return
	}
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	hold.held = false
	if c.seqHolds[hold.account]--; c.seqHolds[hold.account] <= 0 {
		delete(c.seqHolds, hold.account)
		delete(c.nextSeq, hold.account)
	}
}

// forgetSequence drops the cached next sequence of an account after a
// submission that did not consume its sequence.
func (c *Client) forgetSequence(account string) {
	c.seqMu.Lock()
	delete(c.nextSeq, account)
	c.seqMu.Unlock()
}

// UnresolvedError is returned by SubmitAndWait when it had to stop (its
// ctx ended, the client closed, the node gave an unexpected answer) before
// it could tell whether the transaction applied. Hashes are every blob the
// call signed, oldest first: at most one of them can ever apply, and none
// can once the network's validated ledger passes LastLedgerSequence. Look
// them up (Client.Tx) to learn the outcome.
type UnresolvedError struct {
	Hashes []string
	// LastLedgerSequence is the highest LastLedgerSequence of the blobs.
	LastLedgerSequence uint32
	Err                error
}

func (e *UnresolvedError) Error() string {
	return fmt.Sprintf("evernode: outcome of transaction %s unknown (LastLedgerSequence %d): %v",
		strings.Join(e.Hashes, ", "), e.LastLedgerSequence, e.Err)
}

func (e *UnresolvedError) Unwrap() error { return e.Err }

// SubmitAndWait prepares, signs and submits tx, then waits until it is in a
// validated ledger. It returns the validated transaction when the result is
// tesSUCCESS, else a *TxError, ErrExpired (no attempt applied, proven by a
// validated ledger past every LastLedgerSequence) or an *UnresolvedError
// carrying every hash it signed (it could not tell).
//
// It never spends twice. Every blob it signs is remembered; before it
// re-signs, moves to another Sequence or gives up, it looks all of them up.
// A lookup that gets no answer (a dropped connection) is "unknown", never
// "absent". A blob is only taken as dead when a validated ledger past its
// LastLedgerSequence does not hold it, or when the account's Sequence moved
// past it and the account's history shows another transaction with that
// Sequence (a node whose history no longer reaches it gives an
// *UnresolvedError: the blob may have applied there). Results
// that leave the blob unapplied and can change (tefMAX_LEDGER, fee too low)
// are retried with a fresh blob, up to ClientOptions.SubmitAttempts blobs.
func (c *Client) SubmitAndWait(ctx context.Context, s Signer, tx Transaction) (TxResult, error) {
	since := c.ValidatedLedger()
	var hold seqHold
	defer c.releaseSequence(&hold)
	r, err := c.prepareRetrying(ctx, tx, false, &hold)
	if err != nil {
		return TxResult{}, err
	}
	sub := &submission{c: c, account: r["Account"].(string), since: since}
	for {
		signed, err := Sign(ctx, c.net, s, r)
		if err != nil {
			if len(sub.blobs) == 0 {
				c.forgetSequence(sub.account)
			}
			return TxResult{}, sub.unresolved(err)
		}
		sub.add(signed)
		res, next, err := sub.follow(ctx, signed)
		if next == nil {
			return res, err
		}
		// Every blob is dead: sign a new one if allowed.
		if len(sub.blobs) >= c.opts.SubmitAttempts {
			if next.newSeq {
				c.forgetSequence(sub.account)
			}
			return TxResult{}, err
		}
		if next.newSeq {
			c.forgetSequence(sub.account)
			r["Sequence"] = 0
		}
		r["LastLedgerSequence"], r["Fee"] = 0, ""
		if r, err = c.prepareRetrying(ctx, r, next.escalate, &hold); err != nil {
			return TxResult{}, sub.dead(err)
		}
	}
}

// prepareRetrying is prepare that rides out dropped connections: nothing
// is signed yet, so asking again is safe.
func (c *Client) prepareRetrying(ctx context.Context, tx Transaction, escalate bool, hold *seqHold) (Raw, error) {
	for {
		r, err := c.prepare(ctx, tx, escalate, hold)
		if !errors.Is(err, ErrDisconnected) {
			return r, err
		}
	}
}

// submission is one SubmitAndWait call: the blobs it signed.
type submission struct {
	c       *Client
	account string
	blobs   []Signed
	seqs    []uint32
	maxLLS  uint32
	// since is the validated ledger before the first Sequence was chosen:
	// neither a blob nor another transaction taking its Sequence can be
	// in a ledger before it.
	since uint32
}

// resign says that every blob is dead and how to sign the next.
type resign struct {
	newSeq   bool // the Sequence was taken: take a new one
	escalate bool // pay the open-ledger fee
}

func (s *submission) add(b Signed) {
	s.blobs = append(s.blobs, b)
	seq, _ := toUint64(b.JSON["Sequence"])
	s.seqs = append(s.seqs, uint32(seq))
	lls, _ := toUint64(b.JSON["LastLedgerSequence"])
	s.maxLLS = max(s.maxLLS, uint32(lls))
}

func (s *submission) hashes() []string {
	out := make([]string, len(s.blobs))
	for i, b := range s.blobs {
		out[i] = b.HashHex()
	}
	return out
}

// unresolved wraps err for a call that stops without knowing the outcome.
func (s *submission) unresolved(err error) error {
	if len(s.blobs) == 0 {
		return err
	}
	return &UnresolvedError{Hashes: s.hashes(), LastLedgerSequence: s.maxLLS, Err: err}
}

// dead wraps err for a call that stops after every blob was proven dead:
// nothing applied.
func (s *submission) dead(err error) error {
	return fmt.Errorf("%w (signed and proven unapplied: %s)", err, strings.Join(s.hashes(), ", "))
}

// follow submits the newest blob and follows all blobs until one is
// validated (next nil, the result), all are dead (next set, err the reason)
// or the call must stop (next nil, an error).
func (s *submission) follow(ctx context.Context, signed Signed) (TxResult, *resign, error) {
	c := s.c
	hash := signed.HashHex()
	sr, err := c.Submit(ctx, signed.Blob)
	var pre *TxError
	escalate := false
	switch {
	case errors.Is(err, ErrDisconnected):
		// It may or may not have arrived: resolve by hash.
	case err != nil:
		return TxResult{}, nil, s.unresolved(err)
	default:
		pre = &TxError{Result: sr.EngineResult, Code: sr.EngineResultCode, Message: sr.EngineResultMessage, Hash: hash}
		switch r := sr.EngineResult; {
		case r == "tesSUCCESS", strings.HasPrefix(r, "tec"), r == "terQUEUED", r == "terPRE_SEQ",
			r == "tefPAST_SEQ", r == "tefALREADY", r == "tefMAX_LEDGER":
			// Applied, queued, waiting for an earlier sequence, or
			// possibly one of our own earlier blobs that is in: resolve.
		case r == "telINSUF_FEE_P", r == "telCAN_NOT_QUEUE_FEE":
			// Neither applied nor relayed; earlier blobs may still be.
			escalate = true
		default:
			// tem, tef, tel and other ter results: this blob will never
			// apply. Earlier blobs were proven dead before it was signed;
			// resolve looks them up once more before giving up.
			res, next, err := s.resolve(ctx, signed, pre, true)
			if next != nil {
				if len(s.blobs) == 1 {
					c.forgetSequence(s.account)
				}
				return TxResult{}, nil, pre
			}
			return res, next, err
		}
	}
	return s.resolve(ctx, signed, pre, escalate)
}

// resolve waits, one validated ledger at a time, until one blob is in a
// validated ledger or all of them are proven dead. refused means the node
// refused the latest blob outright (it is neither applied nor relayed):
// then the blobs are dead as soon as none of them is found.
func (s *submission) resolve(ctx context.Context, latest Signed, pre *TxError, refused bool) (TxResult, *resign, error) {
	c := s.c
	latestLLS, _ := toUint64(latest.JSON["LastLedgerSequence"])
	seq := s.seqs[len(s.seqs)-1]
	for {
		// First the validated ledger and the account's Sequence in it,
		// then the lookups, all on one connection: a blob validated at or
		// before that ledger is then surely found. (Over a reconnection
		// the answers may come from different nodes, one lagging.)
		gen := c.connGen()
		var v uint32
		seqTaken := false
		info, err := c.AccountInfo(ctx, s.account, Validated)
		switch {
		case err == nil:
			// The ledger the answer was read from; a node that does not
			// say is taken at its ledger stream's word.
			v = info.LedgerIndex
			if v == 0 {
				v = c.ValidatedLedger()
			}
			seqTaken = info.AccountData.Sequence > seq
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrDisconnected):
			// No account yet, or no answer: decide nothing this round.
		default:
			return TxResult{}, nil, s.unresolved(err)
		}
		unknown := v == 0
		for _, b := range s.blobs {
			h := b.HashHex()
			t, err := c.Tx(ctx, h)
			switch {
			case err == nil && t.Validated:
				return s.final(t, h)
			case err == nil:
				unknown = true // known to the node, not yet validated
			case errors.Is(err, ErrNotFound):
			case errors.Is(err, ErrDisconnected):
				unknown = true
			default:
				return TxResult{}, nil, s.unresolved(err)
			}
		}
		if c.connGen() != gen {
			unknown = true
		}
		if !unknown && seqTaken {
			// Not found by hash, yet the Sequence is used: by another
			// transaction, or by one of ours in a ledger this node no
			// longer holds (a short history). Only the account's history
			// can tell; without it the outcome is unknown.
			t, found, err := s.bySequence(ctx, seq, v)
			switch {
			case errors.Is(err, ErrDisconnected):
				unknown = true
			case err != nil:
				return TxResult{}, nil, s.unresolved(err)
			case found && s.ours(t.Hash):
				return s.final(t, t.Hash)
			case !found:
				return TxResult{}, nil, s.unresolved(fmt.Errorf("evernode: Sequence %d of %s was used in a ledger the node no longer holds", seq, s.account))
			}
		}
		if !unknown {
			switch {
			case seqTaken:
				reason := error(pre)
				if pre == nil || pre.Result != "tefPAST_SEQ" {
					reason = &TxError{Result: "tefPAST_SEQ", Hash: latest.HashHex(),
						Message: "the Sequence was used by another transaction"}
				}
				return TxResult{}, &resign{newSeq: true}, s.dead(reason)
			case v > s.maxLLS:
				return TxResult{}, &resign{escalate: refused},
					s.dead(fmt.Errorf("%w: LastLedgerSequence %d, validated %d", ErrExpired, s.maxLLS, v))
			case refused:
				// Earlier blobs were proven dead before the latest was
				// signed, and none of them turned up since.
				return TxResult{}, &resign{escalate: true}, s.dead(pre)
			}
		}
		if err := c.WaitLedger(ctx, c.ValidatedLedger()+1); err != nil {
			return TxResult{}, nil, s.unresolved(err)
		}
		if !refused && uint64(c.ValidatedLedger()) < latestLLS {
			// A node may drop a transaction (a terPRE_SEQ one it did not
			// hold, a lost relay); the same blob applies at most once.
			_, _ = c.Submit(ctx, latest.Blob)
		}
	}
}

// bySequence finds the account's validated transaction with Sequence seq in
// ledgers since s.since … v; found is false when the node's history shows
// none.
func (s *submission) bySequence(ctx context.Context, seq, v uint32) (TxResult, bool, error) {
	txs, err := s.c.AccountTx(ctx, s.account, &AccountTxOptions{MinLedger: max(s.since, 1), MaxLedger: v})
	if err != nil {
		return TxResult{}, false, err
	}
	for _, t := range txs {
		if n, _ := t.Uint("Sequence"); t.String("Account") == s.account && uint32(n) == seq {
			return t, true, nil
		}
	}
	return TxResult{}, false, nil
}

// ours reports whether hash is one of the blobs this call signed.
func (s *submission) ours(hash string) bool {
	for _, b := range s.blobs {
		if strings.EqualFold(b.HashHex(), hash) {
			return true
		}
	}
	return false
}

// final turns a validated transaction into SubmitAndWait's result.
func (s *submission) final(t TxResult, hash string) (TxResult, *resign, error) {
	if t.Result() == "tesSUCCESS" {
		return t, nil, nil
	}
	code := 0
	if n, ok := s.c.net.ResultCode(t.Result()); ok {
		code = n
	}
	return t, nil, &TxError{Result: t.Result(), Code: code, Hash: hash, Validated: true, Tx: &t}
}

// connGen is the connection generation: it changes at every reconnection.
func (c *Client) connGen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}
