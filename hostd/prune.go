package hostd

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/instance"
)

// ReasonInstanceMissing is the Reason of an active lease ended because its
// instance was gone; its tenant is refunded the moments left, the one
// under way included (pruneMissing).
const ReasonInstanceMissing = "instance_missing"

// pruneMissing ends the active leases whose instance is gone (§7 F 33:
// mb-xrpl's "record without an instance") and refunds their tenants the
// moments left before expiry at the lease's own price through endLease,
// the moment under way included, as DeleteInstance does (nobody knows how
// much of it the lost instance served, and the tenant does not pay for the
// host's failure): no EVR is kept for moments the host did not serve.
// mb-xrpl ends such a lease without a refund (it refunds only a lease
// still Acquiring); we do not copy that.
//
// Each lease goes to Expiring with ReasonInstanceMissing, its refund
// queued (an evnRefund quoting the acquire, recorded in Owed when the
// tenant cannot receive it) in the same database transaction, so a crash
// anywhere refunds it exactly once; the expiry worker then destroys what
// is left, deletes the lease, burns and re-mints its token (re-offered at
// the current price) and updates the registry's active count, every step
// committed before the transaction it needs.
//
// The other states need nothing here. A Provisioning lease is mb-xrpl's
// Acquiring: its worker makes the instance again, or refuses and refunds
// the acquire once the acquire window is over. An Answering lease waits
// for its queued success answer (which may be signed already, so it is
// never cancelled): applied, the lease becomes Active and checkActivated
// looks for its instance at once; failed, it is refused and refunded.
// Refusing, Refunding and Expiring leases are already on their way out.
//
// have holds the names the provisioner listed (nil: none). A lease missing
// from it is ended only when Inspect confirms the instance is not found,
// so a backend that lists nothing while it restarts does not end every
// lease. unsure lists the leases whose instance could not be inspected.
func (d *Daemon) pruneMissing(ctx context.Context, active []*Lease, have map[string]bool) (unsure []string, err error) {
	ended := false
	defer func() {
		if ended {
			d.wake()
		}
	}()
	for _, l := range active {
		if have[l.TokenID] {
			continue
		}
		if _, err := d.p.Inspect(ctx, l.TokenID); !errors.Is(err, instance.ErrNotFound) {
			if err != nil {
				unsure = append(unsure, l.Ref)
				if ctx.Err() == nil {
					d.log.Warn("hostd: an active lease's instance is not listed and cannot be inspected", "ref", l.Ref, "token", l.TokenID, "err", err)
				}
			}
			continue
		}
		if err := d.point("prune:missing-found"); err != nil {
			return unsure, err
		}
		if err := d.transition(l.Ref, Active, "prune:missing-marked", func(tx *bolt.Tx, cur *Lease) error {
			d.log.Warn("hostd: an active lease has no instance; ending it, refunding its unused moments and re-offering its slot",
				"ref", cur.Ref, "token", cur.TokenID, "tenant", cur.Tenant, "expiry", cur.Expiry)
			_, err := d.endLease(tx, cur, ReasonInstanceMissing)
			return err
		}); err != nil {
			return unsure, err
		}
		ended = true
	}
	return unsure, nil
}

// checkSoon asks the scheduler to check that the instance of lease ref,
// just activated, exists (checkActivated). activate calls it once its
// database transaction has committed.
func (d *Daemon) checkSoon(ref string) {
	d.checkLater([]string{ref})
	d.wake()
}

// checkLater has the scheduler's next tick check the instances of refs
// (checkActivated): the leases just activated, or those whose instance
// could not be inspected.
func (d *Daemon) checkLater(refs []string) {
	if len(refs) == 0 {
		return
	}
	d.mu.Lock()
	if d.activated == nil {
		d.activated = map[string]bool{}
	}
	for _, ref := range refs {
		d.activated[ref] = true
	}
	d.mu.Unlock()
}

// checkActivated ends, with pruneMissing, the leases activated since its
// last call whose instance is gone: an instance lost while its success
// answer was queued (which cannot be taken back once it may have been
// signed) would otherwise keep its lease until the next prune round, up to
// maintenanceEvery later. One Inspect per activation; a lease whose
// instance cannot be inspected is checked again on the next tick. A crash
// before the check loses nothing: every start prunes all active leases.
func (d *Daemon) checkActivated(ctx context.Context) error {
	d.mu.Lock()
	refs := d.activated
	d.activated = nil
	d.mu.Unlock()
	if len(refs) == 0 {
		return nil
	}
	var active []*Lease
	if err := d.db.View(func(tx *bolt.Tx) error {
		for ref := range refs {
			l, err := getLease(tx, ref)
			if err != nil {
				return err
			}
			if l != nil && l.State == Active {
				active = append(active, l)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	unsure, err := d.pruneMissing(ctx, active, nil)
	d.checkLater(unsure)
	return err
}
