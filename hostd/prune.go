package hostd

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/instance"
)

// ReasonInstanceMissing is the Reason of a lease ended because its instance
// was gone.
const ReasonInstanceMissing = "instance_missing"

// pruneMissing ends the active leases whose instance is gone (§7 F 33:
// mb-xrpl's "record without an instance"): each goes to Expiring, so the
// expiry worker destroys what is left, deletes the lease, burns and
// re-mints its token (re-offered at the current price) and updates the
// registry's active count, every step committed before the transaction
// it needs. The tenant had its success answer and its moments of service,
// so there is no refund (mb-xrpl refunds only a lease still Acquiring).
//
// The other states need nothing here. A Provisioning lease is mb-xrpl's
// Acquiring: its worker makes the instance again, or refuses and refunds
// the acquire once the acquire window is over. An Answering lease waits
// for its queued success answer: applied, it becomes Active (and is ended
// here on the next round); failed, it is refused and refunded. Refusing,
// Refunding and Expiring leases are already on their way out.
//
// have holds the names the provisioner listed. A lease missing from the
// list is ended only when Inspect confirms the instance is not found, so a
// backend that lists nothing while it restarts does not end every lease.
func (d *Daemon) pruneMissing(ctx context.Context, active []*Lease, have map[string]bool) error {
	ended := false
	for _, l := range active {
		if have[l.TokenID] {
			continue
		}
		if _, err := d.p.Inspect(ctx, l.TokenID); !errors.Is(err, instance.ErrNotFound) {
			if err != nil && ctx.Err() == nil {
				d.log.Warn("hostd: an active lease's instance is not listed and cannot be inspected", "ref", l.Ref, "token", l.TokenID, "err", err)
			}
			continue
		}
		if err := d.transition(l.Ref, Active, "prune:missing-marked", func(tx *bolt.Tx, cur *Lease) error {
			cur.State, cur.Reason = Expiring, ReasonInstanceMissing
			d.log.Warn("hostd: an active lease has no instance; ending it and re-offering its slot", "ref", cur.Ref,
				"token", cur.TokenID, "tenant", cur.Tenant, "expiry", cur.Expiry)
			return putLease(tx, cur, d.now())
		}); err != nil {
			return err
		}
		ended = true
	}
	if ended {
		d.wake()
	}
	return nil
}
