package evernode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrSubscriptionClosed is returned by Next after Close.
var ErrSubscriptionClosed = errors.New("evernode: subscription closed")

// GapError reports validated ledgers whose transactions a subscription could
// not fetch after a reconnection (the node lacks that history). Next returns
// it once, then goes on with later ledgers.
type GapError struct {
	From, To uint32
	Err      error
}

func (e *GapError) Error() string {
	return fmt.Sprintf("evernode: transactions of ledgers %d–%d missed: %v", e.From, e.To, e.Err)
}

func (e *GapError) Unwrap() error { return e.Err }

// queue is an unbounded FIFO between the connection's reader and a
// subscriber, so that a slow subscriber never stalls the connection.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	errs   []error
	closed error
	notify chan struct{}
}

func newQueue[T any]() *queue[T] { return &queue[T]{notify: make(chan struct{}, 1)} }

func (q *queue[T]) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.wake()
}

// pushErr queues an error to be returned by next in its turn.
func (q *queue[T]) pushErr(err error) {
	q.mu.Lock()
	q.errs = append(q.errs, err)
	q.mu.Unlock()
	q.wake()
}

func (q *queue[T]) close(err error) {
	q.mu.Lock()
	if q.closed == nil {
		q.closed = err
	}
	q.mu.Unlock()
	q.wake()
}

func (q *queue[T]) next(ctx context.Context) (T, error) {
	var zero T
	for {
		q.mu.Lock()
		if len(q.errs) > 0 {
			err := q.errs[0]
			q.errs = q.errs[1:]
			q.mu.Unlock()
			return zero, err
		}
		if len(q.items) > 0 {
			v := q.items[0]
			q.items[0] = zero
			q.items = q.items[1:]
			q.mu.Unlock()
			return v, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed != nil {
			return zero, closed
		}
		select {
		case <-q.notify:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// LedgerClosed is a validated ledger close.
type LedgerClosed struct {
	Index     uint32
	Hash      string
	CloseTime uint32 // seconds since 2000-01-01
	TxCount   int
	// Skipped counts the ledgers that closed since the previous event
	// without being reported (a reconnection).
	Skipped uint32
}

// LedgerSubscription delivers validated ledger closes.
type LedgerSubscription struct {
	c    *Client
	q    *queue[LedgerClosed]
	last uint32
}

// SubscribeLedgers delivers every validated ledger close from now on. The
// client is always subscribed to the ledger stream, so this sends nothing.
func (c *Client) SubscribeLedgers() *LedgerSubscription {
	s := &LedgerSubscription{c: c, q: newQueue[LedgerClosed]()}
	c.mu.Lock()
	s.last = c.validated
	if c.ctx.Err() != nil {
		s.q.close(ErrClosed)
	} else {
		c.ledgers[s] = struct{}{}
	}
	c.mu.Unlock()
	return s
}

// Next waits for the next ledger close.
func (s *LedgerSubscription) Next(ctx context.Context) (LedgerClosed, error) { return s.q.next(ctx) }

// Close ends the subscription.
func (s *LedgerSubscription) Close() {
	s.c.mu.Lock()
	delete(s.c.ledgers, s)
	s.c.mu.Unlock()
	s.q.close(ErrSubscriptionClosed)
}

func (c *Client) onLedger(msg map[string]any) {
	idx, _ := toUint64(msg["ledger_index"])
	ct, _ := toUint64(msg["ledger_time"])
	n, _ := toUint64(msg["txn_count"])
	hash, _ := msg["ledger_hash"].(string)
	ev := LedgerClosed{Index: uint32(idx), Hash: hash, CloseTime: uint32(ct), TxCount: int(n)}
	c.setValidated(ev.Index)
	c.mu.Lock()
	for s := range c.ledgers {
		if ev.Index <= s.last {
			continue
		}
		e := ev
		if s.last != 0 {
			e.Skipped = ev.Index - s.last - 1
		}
		s.last = ev.Index
		s.q.push(e)
	}
	c.mu.Unlock()
}

// SubscribeOptions configures SubscribeAccounts. The zero value delivers
// transactions from the next validated ledger on.
type SubscribeOptions struct {
	// FromLedger, when set, first delivers the accounts' validated
	// transactions from this ledger on (from account_tx), then the live
	// stream: a daemon resumes where it stopped.
	FromLedger uint32
}

// txKey orders transactions: by ledger, then position in the ledger.
type txKey struct{ ledger, index uint32 }

func (a txKey) less(b txKey) bool {
	return a.ledger < b.ledger || a.ledger == b.ledger && a.index < b.index
}

// TxSubscription delivers the validated transactions that affect a set of
// accounts, in ledger order, each exactly once, across reconnections: after
// every reconnection it fills the gap from account_tx before it delivers
// live transactions again.
type TxSubscription struct {
	c        *Client
	accounts []string
	q        *queue[TxResult]
	trigger  chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	last    txKey      // the last delivered transaction
	filling bool       // buffering live transactions while filling a gap
	gap     uint64     // counts reconnections, so a fill knows it is stale
	buf     []TxResult // live transactions received while filling
}

// SubscribeAccounts subscribes to the validated transactions of accounts.
// Close the subscription when done.
func (c *Client) SubscribeAccounts(ctx context.Context, accounts []string, opts *SubscribeOptions) (*TxSubscription, error) {
	if len(accounts) == 0 {
		return nil, errors.New("evernode: no accounts to subscribe")
	}
	from := uint32(0)
	if opts != nil {
		from = opts.FromLedger
	}
	s := &TxSubscription{c: c, accounts: slices.Clone(accounts), q: newQueue[TxResult](),
		trigger: make(chan struct{}, 1), done: make(chan struct{}), filling: true}

	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	var added []string
	for _, a := range accounts {
		if c.accounts[a] == 0 {
			added = append(added, a)
		}
		c.accounts[a]++
	}
	c.txSubs[s] = struct{}{}
	c.mu.Unlock()

	// Subscribing first and reading the validated ledger afterwards means
	// no transaction falls between history and stream.
	if len(added) > 0 {
		if err := c.call(ctx, "subscribe", map[string]any{"accounts": added}, nil); err != nil && !errors.Is(err, ErrDisconnected) {
			s.Close()
			return nil, err
		}
	}
	if from == 0 {
		from = c.ValidatedLedger() + 1
	}
	s.last = txKey{ledger: from - 1, index: ^uint32(0)}
	go s.run()
	s.kick()
	return s, nil
}

// Next waits for the next transaction. It returns a *GapError when
// transactions could not be recovered after a reconnection, and
// ErrSubscriptionClosed or ErrClosed once the subscription or client ends.
func (s *TxSubscription) Next(ctx context.Context) (TxResult, error) { return s.q.next(ctx) }

// Close ends the subscription and unsubscribes accounts no other
// subscription of the client needs.
func (s *TxSubscription) Close() error {
	c := s.c
	c.mu.Lock()
	_, live := c.txSubs[s]
	delete(c.txSubs, s)
	var removed []string
	if live {
		for _, a := range s.accounts {
			c.accounts[a]--
			if c.accounts[a] <= 0 {
				delete(c.accounts, a)
				removed = append(removed, a)
			}
		}
		close(s.done)
	}
	c.mu.Unlock()
	s.q.close(ErrSubscriptionClosed)
	if len(removed) > 0 && c.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		_ = c.call(ctx, "unsubscribe", map[string]any{"accounts": removed}, nil) // best effort
	}
	return nil
}

func (s *TxSubscription) kick() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

// run fills gaps whenever kicked: at the start and after each reconnection.
func (s *TxSubscription) run() {
	for {
		select {
		case <-s.done:
			return
		case <-s.c.ctx.Done():
			return
		case <-s.trigger:
		}
		s.fill()
	}
}

// fillWindow is how many ledgers one gap-fill step covers: each step is
// delivered on its own, so a connection that drops during a long fill
// loses only the step under way.
const fillWindow = 32

// fill delivers the accounts' transactions from the last delivered ledger up
// to the validated ledger from account_tx, then the live transactions that
// arrived meanwhile. It stops, still buffering, when the connection drops:
// the reconnection kicks it again.
func (s *TxSubscription) fill() {
	s.mu.Lock()
	s.filling = true
	gap := s.gap
	// A ledger may have been cut off mid-way: refetch it unless it was
	// marked complete.
	from := s.last.ledger
	if s.last.index == ^uint32(0) {
		from++
	}
	s.mu.Unlock()
	from = max(from, 1)
	to := s.c.ValidatedLedger()
	if from <= to {
		// A node answers account_tx for the ledgers it has and (API v1)
		// silently narrows the range to them: what it lacks is a gap.
		first, err := s.c.firstComplete(to)
		switch {
		case err != nil && (errors.Is(err, ErrDisconnected) || errors.Is(err, ErrClosed) || s.c.ctx.Err() != nil):
			return
		case err == nil && first > from:
			s.q.pushErr(&GapError{From: from, To: first - 1, Err: errors.New("the node does not have these ledgers")})
			s.mu.Lock()
			if done := (txKey{ledger: first - 1, index: ^uint32(0)}); s.last.less(done) {
				s.last = done
			}
			s.mu.Unlock()
			from = first
		}
	}
	for lo := from; lo <= to && lo != 0; lo += fillWindow {
		hi := min(to, lo+fillWindow-1)
		var found []TxResult
		var ferr error
		for _, a := range s.accounts {
			txs, err := s.c.AccountTx(s.c.ctx, a, &AccountTxOptions{MinLedger: lo, MaxLedger: hi})
			if err != nil {
				ferr = err
				break
			}
			found = append(found, txs...)
		}
		if ferr != nil && (errors.Is(ferr, ErrDisconnected) || errors.Is(ferr, ErrClosed) || s.c.ctx.Err() != nil) {
			return // the next reconnection kicks us again; keep buffering
		}
		if ferr != nil {
			s.q.pushErr(&GapError{From: lo, To: to, Err: ferr})
			s.mu.Lock()
			s.last = txKey{ledger: to, index: ^uint32(0)}
			s.mu.Unlock()
			break
		}
		slices.SortFunc(found, func(a, b TxResult) int {
			return cmp.Or(cmp.Compare(a.LedgerIndex, b.LedgerIndex), cmp.Compare(a.Index(), b.Index()))
		})
		s.mu.Lock()
		for _, t := range found {
			t.Validated = true
			s.deliverLocked(t)
		}
		// Ledgers lo..hi are complete: whatever the buffer holds of them
		// is a duplicate.
		if done := (txKey{ledger: hi, index: ^uint32(0)}); s.last.less(done) {
			s.last = done
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gap != gap {
		return // a newer reconnection: its fill (already kicked) goes on
	}
	for _, t := range s.buf {
		s.deliverLocked(t)
	}
	s.buf, s.filling = nil, false
}

// deliverLocked passes a transaction on unless it is not newer than the
// last one delivered: that check alone removes duplicates between history,
// buffer and stream, and between accounts.
func (s *TxSubscription) deliverLocked(t TxResult) {
	k := txKey{t.LedgerIndex, t.Index()}
	if !s.last.less(k) {
		return
	}
	s.last = k
	s.q.push(t)
}

func (c *Client) onTransaction(msg map[string]any) {
	if v, _ := msg["validated"].(bool); !v {
		return
	}
	t := parseTx(msg)
	t.Validated = true
	c.mu.Lock()
	subs := make([]*TxSubscription, 0, len(c.txSubs))
	for s := range c.txSubs {
		subs = append(subs, s)
	}
	c.mu.Unlock()
	for _, s := range subs {
		if !mentionsAny(msg, s.accounts) {
			continue
		}
		s.mu.Lock()
		if s.filling {
			s.buf = append(s.buf, t)
		} else {
			s.deliverLocked(t)
		}
		s.mu.Unlock()
	}
}

// holdLive makes every subscription buffer live transactions from a new
// connection until the gap before it is filled. It runs before the
// connection subscribes, so nothing live can overtake the fill.
func (c *Client) holdLive(gen uint64) {
	if gen == 1 {
		return // the first connection has no gap
	}
	c.mu.Lock()
	for s := range c.txSubs {
		s.mu.Lock()
		s.filling = true
		s.gap++
		s.mu.Unlock()
	}
	c.mu.Unlock()
}

// notifyReconnect makes every subscription fill the gap of a reconnection.
func (c *Client) notifyReconnect(gen uint64) {
	if gen == 1 {
		return // the first connection has no gap
	}
	c.mu.Lock()
	for s := range c.txSubs {
		s.kick()
	}
	c.mu.Unlock()
}

func (c *Client) closeSubscriptions() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.txSubs {
		s.q.close(ErrClosed)
	}
	for s := range c.ledgers {
		s.q.close(ErrClosed)
	}
}

// mentionsAny reports whether any of the accounts appears as a value in the
// transaction message (transaction or metadata), which is how the node
// decides that a transaction affects an account.
func mentionsAny(v any, accounts []string) bool {
	switch x := v.(type) {
	case string:
		return slices.Contains(accounts, x)
	case map[string]any:
		for _, e := range x {
			if mentionsAny(e, accounts) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if mentionsAny(e, accounts) {
				return true
			}
		}
	}
	return false
}

// firstComplete returns the first ledger of the node's complete range that
// holds ledger to (server_info complete_ledgers, e.g. "32570-62341" or
// "1-5,9-40"). A node that does not say is taken to have them all.
func (c *Client) firstComplete(to uint32) (uint32, error) {
	info, err := c.ServerInfo(c.ctx)
	if err != nil {
		return 0, err
	}
	first, _, _ := info.CompleteRange(to)
	return first, nil
}
