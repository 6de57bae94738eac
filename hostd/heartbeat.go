package hostd

import (
	"context"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

var keyHeartbeat = []byte("heartbeat")

// heartbeat queues one heartbeat per heartbeat period (§7 E), when the
// hook configuration names a heartbeat account and no lease token is left
// unoffered (the JS client refuses to heartbeat then).
func (d *Daemon) heartbeat(ctx context.Context) error {
	if d.cfg.NoHeartbeat || d.hookCf.HeartbeatAddress == "" {
		return nil
	}
	moment := d.hookCf.Moments().MomentAt(uint64(d.now().Unix()), uint64(d.c.ValidatedLedger()))
	freq := uint64(max(d.hookCf.HostHeartbeatFreq, 1))
	id := "heartbeat/" + strconv.FormatUint(moment, 10)
	var queued bool
	if err := d.db.View(func(tx *bolt.Tx) error {
		queued = tx.Bucket(bIntents).Get([]byte(id)) != nil
		if queued {
			return nil
		}
		// Not while the inventory is being made whole: every token must
		// be on offer first (the JS client refuses otherwise, A11).
		open, err := openIntents(tx)
		for _, it := range open {
			if it.Kind == kMint || it.Kind == kOffer || it.Kind == kBurn {
				queued = true
			}
		}
		return err
	}); err != nil || queued {
		return err
	}
	last := d.lastHeartbeat()
	if !last.IsZero() && moment%freq != 0 {
		return nil
	}
	if !last.IsZero() {
		// Hosts spread their heartbeats over the moment (§7 E 29).
		ts := uint64(d.now().Unix())
		start := d.hookCf.Moments().StartAt(ts, uint64(d.c.ValidatedLedger()))
		if ts < start+uint64(heartbeatOffset(d.regToken, d.momentSize())/time.Second) {
			return nil
		}
	}
	un, err := d.host.Unoffered(ctx)
	if err != nil {
		return d.transient(ctx, "listing unoffered tokens", err)
	}
	if len(un) > 0 {
		return nil
	}
	return d.update(func(tx *bolt.Tx) error {
		_, err := d.enqueue(tx, &intent{ID: id, Kind: kHeartbeat})
		return err
	}, "heartbeat:queued")
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

func (d *Daemon) lastHeartbeat() time.Time {
	var t time.Time
	_ = d.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(keyHeartbeat); v != nil {
			if s, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				t = time.Unix(s, 0)
			}
		}
		return nil
	})
	return t
}
