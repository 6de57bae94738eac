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
// to sign: Sequence (from the account, and distinct for concurrent
// submissions from one account), Fee (the node's fee for this very
// transaction, which on Xahau includes hook fees; at most MaxFee),
// LastLedgerSequence (current validated ledger + LedgerOffset) and NetworkID.
// Fields already set are kept.
func (c *Client) Prepare(ctx context.Context, tx Transaction) (Raw, error) {
	return c.prepare(ctx, tx, false)
}

func (c *Client) prepare(ctx context.Context, tx Transaction, escalate bool) (Raw, error) {
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
			n, err := c.reserveSequence(ctx, account)
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

// reserveSequence hands out the account's next sequence, never the same one
// twice in this client while the ledger has not caught up.
func (c *Client) reserveSequence(ctx context.Context, account string) (uint32, error) {
	info, err := c.AccountInfo(ctx, account, Current)
	if err != nil {
		return 0, err
	}
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	seq := max(info.AccountData.Sequence, c.nextSeq[account])
	c.nextSeq[account] = seq + 1
	return seq, nil
}

// forgetSequence drops the cached next sequence of an account after a
// submission that did not consume its sequence.
func (c *Client) forgetSequence(account string) {
	c.seqMu.Lock()
	delete(c.nextSeq, account)
	c.seqMu.Unlock()
}

// SubmitAndWait prepares, signs and submits tx, then waits until it is in a
// validated ledger. It returns the validated transaction when the result is
// tesSUCCESS, else a *TxError.
//
// It never spends twice: every attempt of one call uses the same Sequence
// while that sequence is still free, so at most one can apply; it moves to a
// new sequence only after the ledger proves the old one taken by something
// else (tefPAST_SEQ and the transaction absent), and re-signs only after a
// LastLedgerSequence has passed (the old blob can then never apply).
func (c *Client) SubmitAndWait(ctx context.Context, s Signer, tx Transaction) (TxResult, error) {
	r, err := c.Prepare(ctx, tx)
	if err != nil {
		return TxResult{}, err
	}
	account, _ := r["Account"].(string)
	var lastErr error
	for attempt := 0; attempt < c.opts.SubmitAttempts; attempt++ {
		signed, err := Sign(ctx, c.net, s, r)
		if err != nil {
			c.forgetSequence(account)
			return TxResult{}, err
		}
		res, retry, err := c.submitOnce(ctx, signed)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if !retry {
			return res, err
		}
		// Re-prepare: a new LastLedgerSequence and fee, and a new
		// sequence only when the old one is gone.
		var te *TxError
		escalate := false
		if errors.As(err, &te) {
			switch te.Result {
			case "tefPAST_SEQ":
				c.forgetSequence(account)
				r["Sequence"] = 0
			case "telINSUF_FEE_P", "telCAN_NOT_QUEUE_FEE":
				escalate = true
			}
		}
		r["LastLedgerSequence"], r["Fee"] = 0, ""
		if r, err = c.prepare(ctx, r, escalate); err != nil {
			return TxResult{}, err
		}
	}
	return TxResult{}, lastErr
}

// submitOnce submits one signed blob and follows it to a final result.
// retry reports that this blob can no longer apply and a re-signed one
// may be tried.
func (c *Client) submitOnce(ctx context.Context, signed Signed) (res TxResult, retry bool, err error) {
	hash := signed.HashHex()
	lls, _ := toUint64(signed.JSON["LastLedgerSequence"])
	account, _ := signed.JSON["Account"].(string)
	sr, err := c.Submit(ctx, signed.Blob)
	if err != nil && !errors.Is(err, ErrDisconnected) {
		return TxResult{}, false, err
	}
	if err == nil {
		pre := &TxError{Result: sr.EngineResult, Code: sr.EngineResultCode, Message: sr.EngineResultMessage, Hash: hash}
		switch {
		case sr.EngineResult == "tesSUCCESS", strings.HasPrefix(sr.EngineResult, "tec"),
			sr.EngineResult == "terQUEUED", sr.EngineResult == "terPRE_SEQ":
			// Applied, queued or waiting for an earlier sequence: wait.
		case sr.EngineResult == "tefPAST_SEQ", sr.EngineResult == "tefALREADY":
			// Either this very transaction is already in (a resubmission
			// after a lost answer) or another took the sequence.
			if _, err := c.Tx(ctx, hash); err == nil {
				return c.waitValidated(ctx, signed, uint32(lls))
			}
			if sr.EngineResult == "tefPAST_SEQ" {
				return TxResult{}, true, pre
			}
		case sr.EngineResult == "telINSUF_FEE_P", sr.EngineResult == "telCAN_NOT_QUEUE_FEE":
			// Not applied and not relayed: safe to raise the fee.
			return TxResult{}, true, pre
		default:
			// tem, tef, tel and other ter results: it will not apply.
			c.forgetSequence(account)
			return TxResult{}, false, pre
		}
	}
	return c.waitValidated(ctx, signed, uint32(lls))
}

// waitValidated waits until the transaction is in a validated ledger, or its
// LastLedgerSequence is validated without it. While the node does not know
// the transaction it submits the same blob again each ledger: a node may
// drop a transaction (a terPRE_SEQ one it did not hold, a lost relay), and
// the same signed blob can apply at most once.
func (c *Client) waitValidated(ctx context.Context, signed Signed, lls uint32) (TxResult, bool, error) {
	hash := signed.HashHex()
	for {
		t, err := c.Tx(ctx, hash)
		switch {
		case err == nil && t.Validated:
			if t.Result() == "tesSUCCESS" {
				return t, false, nil
			}
			code := 0
			if n, ok := c.net.ResultCode(t.Result()); ok {
				code = n
			}
			return t, false, &TxError{Result: t.Result(), Code: code, Hash: hash, Validated: true, Tx: &t}
		case err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrDisconnected):
			return TxResult{}, false, err
		}
		unknown := errors.Is(err, ErrNotFound)
		v := c.ValidatedLedger()
		if lls != 0 && v > lls {
			// One more look: the ledger stream may be ahead of tx.
			if t, err := c.Tx(ctx, hash); err == nil && t.Validated {
				continue
			}
			return TxResult{}, true, fmt.Errorf("%w: %s (LastLedgerSequence %d, validated %d)", ErrExpired, hash, lls, v)
		}
		if err := c.WaitLedger(ctx, v+1); err != nil {
			return TxResult{}, false, err
		}
		if unknown && (lls == 0 || c.ValidatedLedger() < lls) {
			_, _ = c.Submit(ctx, signed.Blob) // best effort; the result is read by hash
		}
	}
}
