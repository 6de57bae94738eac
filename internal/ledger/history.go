package ledger

// History: the engine keeps the last Config.History closed ledgers readable.
// Closed states share their entries (entries are never modified in place),
// and each closed ledger keeps an undo log: the value every key it changed
// had before (nil: absent). Reading ledger M looks a key up in the undo logs
// of the ledgers after M, oldest first, and falls back to the last closed
// state. Memory grows with what changed, not with the number of ledgers
// times the state size. Ledgers that leave the window take their headers,
// transactions and undo logs with them, so a long-running engine stays flat.

// DefaultHistory is how many closed ledgers stay readable by default.
const DefaultHistory = 256

// undoLog is what one ledger's close overwrote.
type undoLog map[Hash]Entry

// histReader reads the state of retained closed ledger seq.
type histReader struct {
	e   *Engine
	seq uint32
}

func (h histReader) get(k Hash) Entry {
	e := h.e
	first := e.ledgers[0].Seq
	for i := int(h.seq-first) + 1; i < len(e.undo); i++ {
		if v, ok := e.undo[i][k]; ok {
			return v
		}
	}
	return e.closed.get(k)
}

// each calls fn for every entry of the state.
func (h histReader) each(fn func(k Hash, v Entry)) {
	seen := map[Hash]bool{}
	first := h.e.ledgers[0].Seq
	for i := int(h.seq-first) + 1; i < len(h.e.undo); i++ {
		for k, v := range h.e.undo[i] {
			if seen[k] {
				continue
			}
			seen[k] = true
			if v != nil {
				fn(k, v)
			}
		}
	}
	for k, v := range h.e.closed {
		if !seen[k] {
			fn(k, v)
		}
	}
}

// retainLocked drops the ledgers that left the window, with their
// transactions and undo logs.
func (e *Engine) retainLocked() {
	keep := int(e.cfg.History)
	for len(e.ledgers) > keep {
		old := e.ledgers[0]
		for _, t := range old.Txs {
			delete(e.txs, t.Hash)
			for _, a := range t.Accounts {
				list := e.acctTxs[a]
				i := 0
				for i < len(list) && list[i].LedgerSeq <= old.Seq {
					i++
				}
				clear(list[:i]) // let the dropped records go
				if i == len(list) {
					delete(e.acctTxs, a)
				} else {
					e.acctTxs[a] = list[i:]
				}
			}
		}
		e.ledgers[0], e.undo[0] = nil, nil
		e.ledgers, e.undo = e.ledgers[1:], e.undo[1:]
	}
}

// Retained returns the first and last closed ledger the engine can still
// read (rippled's complete_ledgers).
func (e *Engine) Retained() (first, last uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ledgers[0].Seq, e.ledgers[len(e.ledgers)-1].Seq
}

// ReadLedger calls fn with the state of closed ledger seq, the engine
// locked. It reports false, without calling fn, when seq is not retained.
func (e *Engine) ReadLedger(seq uint32, fn func(r Reader)) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.ledgerLocked(seq)
	if l == nil {
		return false
	}
	var r reader = histReader{e: e, seq: seq}
	if seq == e.openSeq-1 {
		r = e.closed
	}
	fn(Reader{e: e, r: r, Seq: seq, LedgerHash: l.Hash})
	return true
}

func (e *Engine) ledgerLocked(seq uint32) *Ledger {
	if len(e.ledgers) == 0 || seq < e.ledgers[0].Seq {
		return nil
	}
	i := int(seq - e.ledgers[0].Seq)
	if i >= len(e.ledgers) {
		return nil
	}
	return e.ledgers[i]
}

// HistoryStats is what the engine holds for its retained window.
type HistoryStats struct {
	Ledgers      int // closed ledgers retained
	Transactions int // transactions retained (closed and open)
	UndoEntries  int // undo-log entries over the window
	StateEntries int // entries in the last closed state
}

// Stats reports the size of the retained window.
func (e *Engine) Stats() HistoryStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := HistoryStats{Ledgers: len(e.ledgers), Transactions: len(e.txs), StateEntries: len(e.closed)}
	for _, u := range e.undo {
		s.UndoEntries += len(u)
	}
	return s
}
