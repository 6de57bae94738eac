package hostd

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/lease"
)

// ReasonRefundFailed is the reason of the 1-drop refusal sent when the
// refund itself could not be paid (the tenant removed its trust line); the
// amount is kept in Owed.
const ReasonRefundFailed = "refund_failed"

// runScheduler moves leases along: it starts a worker for every lease with
// work to do (provision, destroy), expires leases, and now and then prunes
// orphans and repairs the inventory.
func (d *Daemon) runScheduler(ctx context.Context) error {
	for {
		if err := d.schedule(ctx); err != nil {
			return err
		}
		if err := d.checkActivated(ctx); err != nil {
			return err
		}
		if err := d.maintain(ctx, false); err != nil {
			return err
		}
		if err := d.heartbeat(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.wakeC:
		case <-d.tickC(ctx):
		}
	}
}

// maintenanceEvery is how often orphans are pruned and the inventory
// repaired (mb-xrpl: 2 h).
const maintenanceEvery = 2 * time.Hour

// maintain prunes orphans and repairs the inventory when it is due: every
// maintenanceEvery, and on every tick after a round the network or the
// provisioner did not let finish. now forces a round.
func (d *Daemon) maintain(ctx context.Context, now bool) error {
	d.mu.Lock()
	due := now || !d.maintOK || time.Since(d.maintAt) > maintenanceEvery
	d.mu.Unlock()
	if !due {
		return nil
	}
	pruned, err := d.prune(ctx)
	if err != nil {
		return err
	}
	repaired, err := d.repair(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.maintAt, d.maintOK = time.Now(), pruned && repaired
	d.mu.Unlock()
	return nil
}

func (d *Daemon) schedule(ctx context.Context) error {
	var leases []*Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		leases, err = allLeases(tx)
		return err
	}); err != nil {
		return err
	}
	d.metrics.observeLeases(leases)
	canExpire := d.canExpire()
	for _, l := range leases {
		switch l.State {
		case Provisioning, Refusing, Expiring:
			d.startWorker(ctx, l.Ref)
		case Active:
			if canExpire && d.now().After(l.Expiry) {
				ref := l.Ref
				if err := d.update(func(tx *bolt.Tx) error {
					cur, err := getLease(tx, ref)
					if err != nil || cur == nil || cur.State != Active || !d.now().After(cur.Expiry) {
						return err
					}
					cur.State = Expiring
					d.log.Info("hostd: lease expired", "ref", cur.Ref, "token", cur.TokenID, "expiry", cur.Expiry)
					return putLease(tx, cur, d.now())
				}, "expire:marked"); err != nil {
					return err
				}
				d.startWorker(ctx, ref)
			}
		}
	}
	return nil
}

func (d *Daemon) startWorker(ctx context.Context, ref string) {
	d.mu.Lock()
	if d.workers[ref] || ctx.Err() != nil {
		d.mu.Unlock()
		return
	}
	d.workers[ref] = true
	d.mu.Unlock()
	d.workersWG.Go(func() {
		err := d.work(ctx, ref)
		d.mu.Lock()
		delete(d.workers, ref)
		d.mu.Unlock()
		if err != nil && ctx.Err() == nil && !errors.Is(err, errCrash) {
			d.log.Warn("hostd: lease step failed; will retry", "ref", ref, "err", err)
			return
		}
		if errors.Is(err, errCrash) {
			d.fail(err)
		}
	})
}

func (d *Daemon) waitWorkers() { d.workersWG.Wait() }

// work does the next non-ledger step of a lease.
func (d *Daemon) work(ctx context.Context, ref string) error {
	var l *Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		l, err = getLease(tx, ref)
		return err
	}); err != nil || l == nil {
		return err
	}
	switch l.State {
	case Provisioning:
		return d.provision(ctx, l)
	case Refusing:
		return d.refuse(ctx, l)
	case Expiring:
		return d.expire(ctx, l)
	}
	return nil
}

// transition commits a lease's move from one state to another (and what
// goes with it), unless something else moved it first.
func (d *Daemon) transition(ref string, from State, point string, fn func(tx *bolt.Tx, l *Lease) error) error {
	return d.update(func(tx *bolt.Tx) error {
		l, err := getLease(tx, ref)
		if err != nil || l == nil || l.State != from {
			return err
		}
		return fn(tx, l)
	}, point)
}

// provision makes the lease's instance within the acquire window and
// queues the success answer; on failure the lease goes to Refusing.
func (d *Daemon) provision(ctx context.Context, l *Lease) error {
	d.log.Debug("hostd: provisioning", "ref", l.Ref, "deadline", l.Deadline)
	if err := d.point("provision:start"); err != nil {
		return err
	}
	if !d.now().Before(l.Deadline) || l.Requirement == nil {
		return d.toRefusing(l, lease.ReasonTimeout)
	}
	pctx, cancel := context.WithTimeout(ctx, l.Deadline.Sub(d.now()))
	defer cancel()
	info, err := d.p.Inspect(pctx, l.TokenID)
	if errors.Is(err, instance.ErrNotFound) {
		info, err = d.p.Create(pctx, instance.CreateRequest{Name: l.TokenID, Tenant: l.Tenant,
			Requirements: instance.RequirementsFromMemo(*l.Requirement), Resources: d.cfg.Resources,
			Expiry: d.now().Add(d.momentSize()), OutboundIPv6: l.OutboundIP})
		if errors.Is(err, instance.ErrExists) {
			info, err = d.p.Inspect(pctx, l.TokenID)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		reason := err.Error()
		switch {
		case pctx.Err() != nil:
			reason = lease.ReasonTimeout
		case errors.Is(err, instance.ErrBadRequirements):
			reason = lease.ReasonInvalidAcquire
		case errors.Is(err, instance.ErrCapacity):
			reason = "no_capacity"
		}
		d.log.Info("hostd: provisioning failed", "ref", l.Ref, "err", err)
		return d.toRefusing(l, reason)
	}
	if err := d.point("provision:created"); err != nil {
		return err
	}
	inst := info.Details.Memo()
	if d.cfg.Domain != "" {
		inst.Domain = d.cfg.Domain
	}
	payload, err := d.host.SealAnswer(ctx, l.Tenant, inst, &lease.AnswerOptions{MessageKey: l.ReplyKey})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return d.toRefusing(l, lease.ReasonAnswerFailed)
	}
	return d.transition(l.Ref, Provisioning, "provision:answer-queued", func(tx *bolt.Tx, cur *Lease) error {
		cur.State, cur.Instance, cur.Requirement = Answering, &inst, nil
		if err := putLease(tx, cur, d.now()); err != nil {
			return err
		}
		d.log.Info("hostd: instance created, answering", "ref", cur.Ref, "token", cur.TokenID, "userPort", inst.UserPort)
		_, err := d.enqueue(tx, &intent{ID: "acqok/" + cur.Ref, Kind: kAcquireSuccess, Ref: cur.Ref, Lease: cur.Ref,
			Tenant: cur.Tenant, Payload: payload})
		return err
	})
}

func (d *Daemon) toRefusing(l *Lease, reason string) error {
	err := d.transition(l.Ref, l.State, "refuse:marked", func(tx *bolt.Tx, cur *Lease) error {
		cur.State, cur.Reason = Refusing, reason
		d.log.Info("hostd: refusing acquire", "ref", cur.Ref, "reason", reason)
		return putLease(tx, cur, d.now())
	})
	if err == nil {
		d.wake()
	}
	return err
}

// refuse destroys whatever was provisioned for a refused acquire, then
// queues the refusal with its refund. Money first: when the instance cannot
// be destroyed, the refund goes anyway and pruning removes the instance.
func (d *Daemon) refuse(ctx context.Context, l *Lease) error {
	if err := d.point("refuse:destroy"); err != nil {
		return err
	}
	if err := d.p.Destroy(ctx, l.TokenID); err != nil && !errors.Is(err, instance.ErrNotFound) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.Error("hostd: destroying a refused acquire's instance; refunding anyway", "ref", l.Ref, "err", err)
	}
	if err := d.point("refuse:destroyed"); err != nil {
		return err
	}
	return d.transition(l.Ref, Refusing, "refuse:queued", func(tx *bolt.Tx, cur *Lease) error {
		cur.State, cur.Instance = Refunding, nil
		if err := putLease(tx, cur, d.now()); err != nil {
			return err
		}
		_, err := d.enqueue(tx, &intent{ID: "acqerr/" + cur.Ref, Kind: kAcquireError, Ref: cur.Ref, Lease: cur.Ref,
			Tenant: cur.Tenant, Amount: cur.Paid, Reason: cur.Reason})
		return err
	})
}

// expire destroys an ended lease's instance, then deletes the lease and
// queues the burn and re-offer of its slot.
func (d *Daemon) expire(ctx context.Context, l *Lease) error {
	if err := d.point("expire:destroy"); err != nil {
		return err
	}
	if err := d.p.Destroy(ctx, l.TokenID); err != nil && !errors.Is(err, instance.ErrNotFound) {
		return fmt.Errorf("destroying %s: %w", l.TokenID, err)
	}
	if err := d.point("expire:destroyed"); err != nil {
		return err
	}
	return d.transition(l.Ref, Expiring, "expire:recycle-queued", func(tx *bolt.Tx, cur *Lease) error {
		if err := deleteLease(tx, cur); err != nil {
			return err
		}
		d.log.Info("hostd: lease ended, slot recycling", "ref", cur.Ref, "token", cur.TokenID, "index", cur.Index)
		if err := d.recycle(tx, cur); err != nil {
			return err
		}
		return d.updateActive(tx)
	})
}

// recycle queues the burn of a lease's token and the re-offer of its slot
// at the current price; only the burn when the slot is closed (beyond
// Config.Instances after a reconfiguration, or the host winding down).
func (d *Daemon) recycle(tx *bolt.Tx, l *Lease) error {
	_, err := d.enqueue(tx, &intent{ID: "burn/" + l.TokenID, Kind: kBurn, Token: l.TokenID, Index: l.Index,
		Price: d.leasePrice(), IP: l.OutboundIP, Final: d.closing || int(l.Index) >= d.cfg.Instances})
	return err
}

// onResult advances the state an intent belongs to, in the database
// transaction that marks it done.
func (d *Daemon) onResult(tx *bolt.Tx, it *intent, ok bool) error {
	switch it.Kind {
	case kRefund:
		return d.onRefund(tx, it, ok)
	case kAcquireSuccess:
		if ok {
			return d.activate(tx, it.Lease)
		}
		l, err := getLease(tx, it.Lease)
		if err != nil || l == nil || l.State != Answering {
			return err
		}
		// The answer never applied: destroy and refund.
		l.State, l.Reason = Refusing, lease.ReasonAnswerFailed
		d.log.Info("hostd: the success answer failed; refusing", "ref", l.Ref, "result", it.Result)
		return putLease(tx, l, d.now())
	case kAcquireError:
		if !ok {
			if err := d.owe(tx, it); err != nil {
				return err
			}
		}
		if it.Lease == "" {
			return nil
		}
		l, err := getLease(tx, it.Lease)
		if err != nil || l == nil {
			return err
		}
		if err := deleteLease(tx, l); err != nil {
			return err
		}
		d.log.Info("hostd: acquire refused and refunded, slot recycling", "ref", l.Ref, "reason", l.Reason, "ok", ok)
		return d.recycle(tx, l)
	case kExtendSuccess:
		if ok {
			return nil
		}
		// The confirmation never applied: take the credit back, refund.
		if l, err := getLease(tx, it.Lease); err != nil {
			return err
		} else if l != nil && l.State == Active {
			l.Expiry = l.Expiry.Add(-time.Duration(it.Seconds) * time.Second)
			if err := putLease(tx, l, d.now()); err != nil {
				return err
			}
		}
		_, err := d.enqueue(tx, &intent{ID: "exterr/" + it.Ref, Kind: kExtendError, Ref: it.Ref, Tenant: it.Tenant,
			Amount: it.Amount, Reason: lease.ReasonInvalidExtend})
		return err
	case kExtendError:
		if !ok {
			return d.owe(tx, it)
		}
	case kBurn:
		if ok || it.Result == "tecNO_ENTRY" {
			if it.Final {
				return nil
			}
			_, err := d.enqueue(tx, &intent{ID: "mint/" + it.Token, Kind: kMint, Index: it.Index, Price: it.Price, IP: it.IP})
			return err
		}
		d.log.Error("hostd: burning a lease token failed; the inventory repair will retry", "token", it.Token, "result", it.Result)
	case kMint:
		switch {
		case ok:
			_, err := d.enqueue(tx, &intent{ID: "offer/" + it.Token, Kind: kOffer, Token: it.Token, Index: it.Index, Price: it.Price})
			return err
		case it.Result == "tecDUPLICATE":
			// A token with this very URI exists: burn it, then mint again.
			_, err := d.enqueue(tx, &intent{ID: "burn/" + it.Token, Kind: kBurn, Token: it.Token, Index: it.Index, Price: it.Price, IP: it.IP})
			return err
		}
		d.log.Error("hostd: minting a lease token failed; the inventory repair will retry", "index", it.Index, "result", it.Result)
	case kOffer:
		if !ok {
			d.log.Error("hostd: offering a lease token failed; the inventory repair will retry", "token", it.Token, "result", it.Result)
		}
	case kHeartbeat:
		return d.heartbeatResult(tx, it, ok)
	}
	return nil
}

// activate starts a lease whose success answer is on the ledger: it runs
// one moment from now. Only the first call (from the queue or from the
// ledger stream) counts. Once committed, the scheduler checks that its
// instance still exists (checkActivated).
func (d *Daemon) activate(tx *bolt.Tx, ref string) error {
	l, err := getLease(tx, ref)
	if err != nil || l == nil || l.State != Answering {
		return err
	}
	tx.OnCommit(func() { d.checkSoon(ref) })
	l.State, l.Activated = Active, d.now()
	l.Expiry = l.Activated.Add(d.momentSize())
	d.log.Info("hostd: lease active", "ref", l.Ref, "token", l.TokenID, "tenant", l.Tenant, "expiry", l.Expiry)
	if err := putLease(tx, l, d.now()); err != nil {
		return err
	}
	return d.updateActive(tx)
}

// updateActive queues a registry update with the number of active
// instances (mb-xrpl's updateRegInfo(activeInstanceCount)), when the host is
// registered.
func (d *Daemon) updateActive(tx *bolt.Tx) error {
	if !d.registered {
		return nil
	}
	n, err := activeCount(tx)
	if err != nil {
		return err
	}
	v := tx.Bucket(bMeta).Get(keyN)
	_, err = d.enqueue(tx, &intent{ID: fmt.Sprintf("reginfo/%x", v), Kind: kRegInfo, Active: n})
	return err
}

// activeCount is the number of Active leases, the registry's active
// instances.
func activeCount(tx *bolt.Tx) (uint32, error) {
	ls, err := allLeases(tx)
	var n uint32
	for _, l := range ls {
		if l.State == Active {
			n++
		}
	}
	return n, err
}

// owe records a refund that could not be paid and queues a 1-drop refusal
// so the tenant still gets its one answer.
func (d *Daemon) owe(tx *bolt.Tx, it *intent) error {
	if it.Amount.Currency == "" || it.Reason == ReasonRefundFailed {
		d.log.Error("hostd: the refusal could not be delivered", "ref", it.Ref, "result", it.Result)
		return nil
	}
	d.log.Error("hostd: refund failed; recorded as owed", "ref", it.Ref, "amount", it.Amount.amount().String(), "result", it.Result)
	if err := putJSON(tx.Bucket(bOwed), it.Ref, it.Amount); err != nil {
		return err
	}
	k := kAcquireError
	if it.Kind == kExtendError {
		k = kExtendError
	}
	_, err := d.enqueue(tx, &intent{ID: string(k) + "-nofunds/" + it.Ref, Kind: k, Ref: it.Ref, Tenant: it.Tenant,
		Amount: toJSONAmount(evernode.Drops(1)), Reason: ReasonRefundFailed})
	return err
}

var leaseName = regexp.MustCompile(`^[0-9A-F]{64}$`)

// prune destroys instances no lease needs (§7 F): named like a lease id,
// with no lease that is provisioning, answering or active.
// Active leases whose instance is gone are ended (pruneMissing).
func (d *Daemon) prune(ctx context.Context) (bool, error) {
	insts, err := d.p.List(ctx)
	if err != nil {
		return false, d.transient(ctx, "listing instances", err)
	}
	keep := map[string]bool{}
	var active []*Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		ls, err := allLeases(tx)
		for _, l := range ls {
			if l.live() {
				keep[l.TokenID] = true
			}
			if l.State == Active {
				active = append(active, l)
			}
		}
		return err
	}); err != nil {
		return false, err
	}
	have := map[string]bool{}
	for _, in := range insts {
		name := in.Lease()
		have[name] = true
		if keep[name] || !leaseName.MatchString(name) {
			continue
		}
		d.log.Info("hostd: destroying an orphan instance", "name", name)
		if err := d.p.Destroy(ctx, name); err != nil && !errors.Is(err, instance.ErrNotFound) {
			d.log.Warn("hostd: destroying an orphan instance", "name", name, "err", err)
		}
	}
	// A lease whose instance could not be inspected is checked again on
	// the next tick, not at the next prune round hours later.
	unsure, err := d.pruneMissing(ctx, active, have)
	d.checkLater(unsure)
	return true, err
}

// repair makes sold + unsold lease tokens equal Config.Instances (§7 F):
// it offers held tokens without an offer, burns surplus ones and mints the
// missing slots, skipping every slot with a queued step.
func (d *Daemon) repair(ctx context.Context) (bool, error) {
	held, err := d.host.Leases(ctx)
	if err != nil {
		return false, d.transient(ctx, "listing lease tokens", err)
	}
	busy := map[uint16]bool{}
	busyTok := map[string]bool{}
	if err := d.db.View(func(tx *bolt.Tx) error {
		ls, err := allLeases(tx)
		if err != nil {
			return err
		}
		for _, l := range ls {
			busy[l.Index] = true
		}
		open, err := openIntents(tx)
		for _, it := range open {
			switch it.Kind {
			case kBurn, kMint, kOffer:
				busy[it.Index] = true
				busyTok[it.Token] = true
			}
		}
		return err
	}); err != nil {
		return false, err
	}
	n := uint16(min(d.cfg.Instances, 65535))
	price := d.leasePrice()
	seen := map[uint16]bool{}
	return true, d.update(func(tx *bolt.Tx) error {
		for _, t := range held {
			i := t.URI.Index
			switch {
			case busyTok[t.ID]:
			case i >= n || seen[i] || busy[i]:
				d.log.Info("hostd: burning a surplus lease token", "token", t.ID, "index", i)
				if _, err := d.enqueue(tx, &intent{ID: "burn/" + t.ID, Kind: kBurn, Token: t.ID, Index: i, Final: true}); err != nil {
					return err
				}
			case !t.Offered():
				d.log.Info("hostd: offering an unoffered lease token", "token", t.ID, "index", i)
				if _, err := d.enqueue(tx, &intent{ID: "offer/" + t.ID, Kind: kOffer, Token: t.ID, Index: i, Price: t.URI.Price}); err != nil {
					return err
				}
			}
			seen[i] = true
		}
		for i := range n {
			if seen[i] || busy[i] {
				continue
			}
			d.log.Info("hostd: minting a missing lease slot", "index", i, "price", price)
			ip := ""
			if d.cfg.OutboundIPv6.IsValid() {
				ip = slotIP(d.cfg.OutboundIPv6, i).String()
			}
			id := fmt.Sprintf("mint/slot%d/%d", i, d.now().UnixNano())
			if _, err := d.enqueue(tx, &intent{ID: id, Kind: kMint, Index: i, Price: price, IP: ip}); err != nil {
				return err
			}
		}
		return nil
	}, "repair:queued")
}

// slotIP is the subnet's first address + index (mb-xrpl's per-lease IPv6).
func slotIP(p netip.Prefix, index uint16) netip.Addr {
	b := p.Masked().Addr().As16()
	v := uint32(b[14])<<8 | uint32(b[15])
	v += uint32(index)
	b[14], b[15] = byte(v>>8), byte(v)
	if v > 0xffff {
		b[13]++
	}
	return netip.AddrFrom16(b)
}

func parseIP(s string) (netip.Addr, error) { return netip.ParseAddr(s) }

// runLedgerWatch notes when validated ledgers arrive, for halt detection.
func (d *Daemon) runLedgerWatch(ctx context.Context) error {
	ls := d.c.SubscribeLedgers()
	defer ls.Close()
	for {
		lc, err := ls.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		now := time.Now()
		d.mu.Lock()
		if !d.haltedSince.IsZero() {
			halt := now.Sub(d.haltedSince)
			d.graceUntil = now.Add(halt / 4)
			d.log.Info("hostd: ledgers again after a halt; expiries wait out the grace", "halt", halt, "grace", halt/4)
			d.haltedSince = time.Time{}
		}
		d.lastLedger = now
		d.mu.Unlock()
		d.metrics.ledger.Set(float64(lc.Index))
	}
}

// canExpire reports whether expiries may run: the network is not halted
// (no ledger for HaltAfter) and any post-halt grace is over (§7 D 27).
func (d *Daemon) canExpire() bool {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.haltedSince.IsZero() && now.Sub(d.lastLedger) > d.cfg.HaltAfter {
		d.haltedSince = d.lastLedger
		d.log.Warn("hostd: no ledger; the network looks halted, expiries paused", "since", d.lastLedger)
	}
	return d.haltedSince.IsZero() && now.After(d.graceUntil)
}
