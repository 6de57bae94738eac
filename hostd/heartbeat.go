package hostd

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// Heartbeat defaults (mb-xrpl's heartbeat action).
const (
	// DefaultHeartbeatRetries is how many times a moment's heartbeat is
	// tried again when it failed on the ledger (mb-xrpl queues it with
	// three more attempts).
	DefaultHeartbeatRetries = 3
	// DefaultHeartbeatRetryDelay is the wait after a failed attempt.
	DefaultHeartbeatRetryDelay = 5 * time.Minute
)

var (
	keyHeartbeat = []byte("heartbeat")
	// bBeats: 8-byte moment → beat. bVotes: candidate id (hex) →
	// droppedVote. Both are created on first write.
	bBeats = []byte("heartbeats")
	bVotes = []byte("votes")
)

// beat is one heartbeat moment's progress. An attempt queues one heartbeat
// per vote, or a plain one; it fails when none of them applied.
type beat struct {
	// Attempt counts the attempts started.
	Attempt int `json:"attempt"`
	// Open lists the current attempt's intents not finished yet.
	Open []string `json:"open,omitempty"`
	// Plain: the current attempt's plain heartbeat is queued.
	Plain bool `json:"plain,omitempty"`
	// VoteFailed: a vote heartbeat of the current attempt failed for
	// another reason than its vote (the attempt fails, as mb-xrpl's).
	VoteFailed bool `json:"voteFailed,omitempty"`
	// Sent: a heartbeat of this moment applied; the moment is done.
	Sent bool `json:"sent,omitempty"`
	// Retry is when the next attempt may start.
	Retry time.Time `json:"retry,omitzero"`
}

// droppedVote is a configured vote the daemon no longer sends: its
// candidate was gone, or the heartbeat hook refused the vote. It stays
// dropped for candidates created up to Before (a candidate proposed again
// with the same id gets the vote again).
type droppedVote struct {
	Reason string `json:"reason"`
	Before int64  `json:"before"`
}

func momentKey(m uint64) []byte { return binary.BigEndian.AppendUint64(nil, m) }

func getBeat(tx *bolt.Tx, m uint64) (*beat, error) {
	b := tx.Bucket(bBeats)
	if b == nil {
		return nil, nil
	}
	var r beat
	ok, err := getJSON(b, string(momentKey(m)), &r)
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
}

func putBeat(tx *bolt.Tx, m uint64, r *beat) error {
	b, err := tx.CreateBucketIfNotExists(bBeats)
	if err != nil {
		return err
	}
	return putJSON(b, string(momentKey(m)), r)
}

func droppedVotes(tx *bolt.Tx) (map[string]droppedVote, error) {
	out := map[string]droppedVote{}
	b := tx.Bucket(bVotes)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var dv droppedVote
		if err := jsonUnmarshal(v, &dv); err != nil {
			return &corruptError{fmt.Errorf("hostd: corrupt dropped vote %s: %w", k, err)}
		}
		out[string(k)] = dv
		return nil
	})
	return out, err
}

func (d *Daemon) dropVote(tx *bolt.Tx, id, reason string, before int64) error {
	b, err := tx.CreateBucketIfNotExists(bVotes)
	if err != nil {
		return err
	}
	d.log.Info("hostd: governance vote dropped", "candidate", id, "reason", reason)
	return putJSON(b, id, droppedVote{Reason: reason, Before: before})
}

// checkVotes validates Config.Votes: 64-hex-digit candidate ids.
func checkVotes(votes map[string]hook.VoteValue) error {
	for id := range votes {
		if b, err := hex.DecodeString(id); err != nil || len(b) != 32 {
			return fmt.Errorf("hostd: Config.Votes: %q is not a 64-hex-digit candidate id", id)
		}
	}
	return nil
}

// Votes returns the configured governance votes the daemon still sends,
// by candidate id (upper-case hex): Config.Votes without the votes it
// dropped (candidate gone, or vote refused by the heartbeat hook).
func (d *Daemon) Votes() (map[string]hook.VoteValue, error) {
	out := map[string]hook.VoteValue{}
	err := d.db.View(func(tx *bolt.Tx) error {
		dropped, err := droppedVotes(tx)
		for id, v := range d.cfg.Votes {
			if _, ok := dropped[strings.ToUpper(id)]; !ok {
				out[strings.ToUpper(id)] = v
			}
		}
		return err
	})
	return out, err
}

// heartbeatAttempts is the most tries of a moment's heartbeat.
func (d *Daemon) heartbeatAttempts() int {
	switch r := d.cfg.HeartbeatRetries; {
	case r < 0:
		return 1
	case r > 0:
		return 1 + r
	}
	return 1 + DefaultHeartbeatRetries
}

func (d *Daemon) heartbeatRetryDelay() time.Duration {
	if d.cfg.HeartbeatRetryDelay > 0 {
		return d.cfg.HeartbeatRetryDelay
	}
	return DefaultHeartbeatRetryDelay
}

// heartbeat starts a heartbeat attempt when one is due (§7 E 29-30): once
// per heartbeat period, at the host's offset in the moment, when the hook
// configuration names a heartbeat account and no lease token is left
// unoffered (the JS client refuses to heartbeat then); again after a
// failed attempt, HeartbeatRetryDelay later, up to HeartbeatRetries
// times. The moment counts as sent only once a heartbeat applied.
func (d *Daemon) heartbeat(ctx context.Context) error {
	if d.cfg.NoHeartbeat || d.hookCf.HeartbeatAddress == "" {
		return nil
	}
	moment := d.hookCf.Moments().MomentAt(uint64(d.now().Unix()), uint64(d.c.ValidatedLedger()))
	freq := uint64(max(d.hookCf.HostHeartbeatFreq, 1))
	var rec *beat
	var last time.Time
	var skip bool
	if err := d.db.View(func(tx *bolt.Tx) error {
		// A heartbeat queued by an older version of the daemon.
		if tx.Bucket(bIntents).Get([]byte("heartbeat/"+strconv.FormatUint(moment, 10))) != nil {
			skip = true
			return nil
		}
		last = lastHeartbeatTx(tx)
		var err error
		rec, err = getBeat(tx, moment)
		return err
	}); err != nil || skip {
		return err
	}
	if rec != nil {
		if rec.Sent || len(rec.Open) > 0 || rec.Attempt >= d.heartbeatAttempts() || d.now().Before(rec.Retry) {
			return nil
		}
	} else {
		if !last.IsZero() {
			if moment%freq != 0 || d.hookCf.Moments().MomentAt(uint64(last.Unix()), uint64(d.c.ValidatedLedger())) == moment {
				return nil
			}
			// Hosts spread their heartbeats over the moment (§7 E 29).
			ts := uint64(d.now().Unix())
			start := d.hookCf.Moments().StartAt(ts, uint64(d.c.ValidatedLedger()))
			if ts < start+uint64(heartbeatOffset(d.regToken, d.momentSize())/time.Second) {
				return nil
			}
		}
	}
	// Due: only now read the open intents (not on every tick).
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		skip, err = inventoryBusy(tx)
		return err
	}); err != nil || skip {
		return err
	}
	un, err := d.host.Unoffered(ctx)
	if err != nil {
		return d.transient(ctx, "listing unoffered tokens", err)
	}
	if len(un) > 0 {
		return nil
	}
	votes, err := d.resolveVotes(ctx)
	if err != nil {
		return d.transient(ctx, "reading the governance candidates", err)
	}
	return d.update(func(tx *bolt.Tx) error {
		cur, err := getBeat(tx, moment)
		if err != nil {
			return err
		}
		if (cur == nil) != (rec == nil) || (cur != nil && cur.Attempt != rec.Attempt) {
			return nil // another pass started it
		}
		if busy, err := inventoryBusy(tx); err != nil || busy {
			return err // an expiry queued a burn meanwhile
		}
		r := beat{}
		if cur != nil {
			r.Attempt = cur.Attempt
		} else if err := forgetBeats(tx, moment); err != nil {
			return err
		}
		r.Attempt++
		d.log.Info("hostd: heartbeat", "moment", moment, "attempt", r.Attempt, "votes", len(votes))
		for _, v := range votes {
			id := fmt.Sprintf("heartbeat/%d/%d/vote/%X", moment, r.Attempt, v[:32])
			if _, err := d.enqueue(tx, &intent{ID: id, Kind: kHeartbeat, Moment: uint32(moment), Payload: v}); err != nil {
				return err
			}
			r.Open = append(r.Open, id)
		}
		if len(votes) == 0 {
			if err := d.queuePlainBeat(tx, moment, &r); err != nil {
				return err
			}
		}
		return putBeat(tx, moment, &r)
	}, "heartbeat:queued")
}

// inventoryBusy reports whether a burn, mint or offer is queued: no
// heartbeat then, every token must be on offer first (the JS client
// refuses otherwise, A11).
func inventoryBusy(tx *bolt.Tx) (bool, error) {
	open, err := openIntents(tx)
	for _, it := range open {
		if it.Kind == kMint || it.Kind == kOffer || it.Kind == kBurn {
			return true, err
		}
	}
	return false, err
}

func (d *Daemon) queuePlainBeat(tx *bolt.Tx, moment uint64, r *beat) error {
	id := fmt.Sprintf("heartbeat/%d/%d", moment, r.Attempt)
	if _, err := d.enqueue(tx, &intent{ID: id, Kind: kHeartbeat, Moment: uint32(moment)}); err != nil {
		return err
	}
	r.Open, r.Plain = append(r.Open, id), true
	return nil
}

// forgetBeats deletes the records of moments before the previous one.
func forgetBeats(tx *bolt.Tx, moment uint64) error {
	b := tx.Bucket(bBeats)
	if b == nil || moment < 2 {
		return nil
	}
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < moment-1; k, _ = c.Next() {
		old = append(old, k)
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// resolveVotes reads the candidates of the configured votes not dropped,
// drops (for good) the votes whose candidate no longer exists, and returns
// the others in candidate index order, as mb-xrpl sends them (the hook
// takes a host's votes of a moment in that order only).
//
// Each vote comes as a vote heartbeat intent's payload: the 33-byte vote,
// then the candidate's creation time (8 bytes, big endian), which bounds
// the vote's drop when the hook refuses it.
func (d *Daemon) resolveVotes(ctx context.Context) ([][]byte, error) {
	if len(d.cfg.Votes) == 0 {
		return nil, nil
	}
	var dropped map[string]droppedVote
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		dropped, err = droppedVotes(tx)
		return err
	}); err != nil {
		return nil, err
	}
	type cand struct {
		v       hook.Vote
		index   uint32
		created uint64
	}
	var out []cand
	var gone []string
	for _, key := range slices.Sorted(maps.Keys(d.cfg.Votes)) {
		id := strings.ToUpper(key)
		var cid [32]byte
		hex.Decode(cid[:], []byte(id)) // checked by New
		info, found, err := hook.CandidateByID(ctx, d.c, d.hookCf, cid)
		if err != nil {
			return nil, err
		}
		if dv, ok := dropped[id]; ok && (!found || int64(info.CreatedTimestamp) <= dv.Before) {
			continue
		}
		if !found {
			gone = append(gone, id)
			continue
		}
		v := hook.VoteReject
		if d.cfg.Votes[key] == hook.VoteSupport {
			v = hook.VoteSupport
		}
		out = append(out, cand{hook.Vote{Candidate: cid, Value: v}, info.Index, info.CreatedTimestamp})
	}
	if len(gone) > 0 {
		if err := d.update(func(tx *bolt.Tx) error {
			for _, id := range gone {
				if err := d.dropVote(tx, id, "candidate not found", d.now().Unix()); err != nil {
					return err
				}
			}
			return nil
		}, "heartbeat:votes-dropped"); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b cand) int { return cmp.Compare(a.index, b.index) })
	votes := make([][]byte, len(out))
	for i, c := range out {
		votes[i] = binary.BigEndian.AppendUint64(c.v.Encode(), c.created)
	}
	return votes, nil
}

// heartbeatTx builds a heartbeat intent's transaction: a vote when its
// payload holds one.
func (d *Daemon) heartbeatTx(it *intent) (evernode.Transaction, error) {
	var v *hook.Vote
	if len(it.Payload) >= hook.VoteParamSize {
		v = &hook.Vote{Candidate: [32]byte(it.Payload[:32]), Value: hook.VoteValue(it.Payload[32])}
	}
	return hook.Heartbeat(d.hookCf, d.addr, v)
}

// noteHeartbeat keeps, in the intent's Reason, the heartbeat hook's
// message when it skipped the heartbeat's vote.
func noteHeartbeat(it *intent, t *evernode.TxResult) {
	if it.Kind == kHeartbeat && t != nil {
		it.Reason, _ = hook.VoteSkipped(*t)
	}
}

// heartbeatResult settles one heartbeat of an attempt, in the database
// transaction that marks it done: a refused vote is dropped for good; an
// applied heartbeat makes the moment sent, a vote heartbeat too when the
// hook skipped its vote (the hook counted the heartbeat; mb-xrpl, whose
// client sees VOTE_VALIDATION_ERR only in a failed transaction, counts it
// too); when the attempt's votes all failed and were refused, the plain
// heartbeat follows; when nothing
// applied, the next attempt waits HeartbeatRetryDelay, and after
// HeartbeatRetries the moment stays unsent.
func (d *Daemon) heartbeatResult(tx *bolt.Tx, it *intent, ok bool) error {
	vote := len(it.Payload) >= hook.VoteParamSize
	if vote && it.Reason != "" {
		before := d.now().Unix()
		if len(it.Payload) == hook.VoteParamSize+8 {
			before = int64(binary.BigEndian.Uint64(it.Payload[hook.VoteParamSize:]))
		}
		if err := d.dropVote(tx, fmt.Sprintf("%X", it.Payload[:32]), it.Reason, before); err != nil {
			return err
		}
	}
	if ok {
		if err := tx.Bucket(bMeta).Put(keyHeartbeat, []byte(strconv.FormatInt(d.now().Unix(), 10))); err != nil {
			return err
		}
	}
	m := uint64(it.Moment)
	r, err := getBeat(tx, m)
	if err != nil || r == nil {
		return err
	}
	r.Open = slices.DeleteFunc(r.Open, func(id string) bool { return id == it.ID })
	switch {
	case ok:
		r.Sent = true
	case vote && it.Reason == "":
		r.VoteFailed = true
	}
	if len(r.Open) == 0 && !r.Sent {
		switch {
		case !r.Plain && !r.VoteFailed:
			// Every vote was refused: a plain heartbeat now.
			if err := d.queuePlainBeat(tx, m, r); err != nil {
				return err
			}
		case r.Attempt < d.heartbeatAttempts():
			r.Retry = d.now().Add(d.heartbeatRetryDelay())
			d.log.Warn("hostd: heartbeat failed; will retry", "moment", m, "attempt", r.Attempt, "result", it.Result, "retry", r.Retry)
		default:
			d.log.Error("hostd: heartbeat failed; the moment is left unsent", "moment", m, "attempts", r.Attempt, "result", it.Result)
		}
	}
	return putBeat(tx, m, r)
}

func (d *Daemon) lastHeartbeat() time.Time {
	var t time.Time
	_ = d.db.View(func(tx *bolt.Tx) error { t = lastHeartbeatTx(tx); return nil })
	return t
}

// lastHeartbeatTx is when the last heartbeat applied (zero: never).
func lastHeartbeatTx(tx *bolt.Tx) time.Time {
	if v := tx.Bucket(bMeta).Get(keyHeartbeat); v != nil {
		if s, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return time.Unix(s, 0)
		}
	}
	return time.Time{}
}

// heartbeatOffset is when in its moment a host heartbeats, as mb-xrpl
// schedules it: the last two bytes of the registration token id (big
// endian) over 0xFFFF, times 75 % of the moment (the hook's acceptance
// limit), plus 60 s when that falls in the first half of the moment (so
// the ledger never counts it in the previous moment).
func heartbeatOffset(regToken [32]byte, moment time.Duration) time.Duration {
	limit := moment * 3 / 4
	frac := float64(uint16(regToken[30])<<8|uint16(regToken[31])) / 0xFFFF
	off := time.Duration(frac * float64(limit))
	if off < moment/2 {
		off += time.Minute
	}
	return min(off, limit)
}
