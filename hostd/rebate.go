package hostd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// DefaultRebateDelay is the most a rebate request waits after the
// registration fee changed (mb-xrpl: a random 0–60 s, so that the hosts do
// not all ask in the same ledger).
const DefaultRebateDelay = 60 * time.Second

// rebates is the rebate state of a run (§7 E 28). The start-up sets it
// before the workers start; then only the rebate worker uses it.
type rebates struct {
	from  uint32 // the first ledger the registry subscription must cover
	fee   uint64 // the registration fee at the last check
	retry bool   // the start-up check failed: the worker checks at once
}

// rebate is the start-up check: it notes the ledger the registry
// subscription starts from, then asks for the fee paid above the current
// one, if any. The ledger is read before the registry state, so a fee
// change after the read is in a ledger the subscription covers.
func (d *Daemon) rebate(ctx context.Context) error {
	if !d.registered {
		return nil
	}
	h, err := d.c.Ledger(ctx, evernode.Validated, false)
	if err != nil {
		d.reb.retry = true
		return d.transient(ctx, "reading the validated ledger", err)
	}
	d.reb.from = h.Index + 1
	err = d.checkRebate(ctx, true)
	if err == nil || errors.Is(err, errCrash) {
		return err
	}
	// Not worth failing the start-up: the rebate worker checks again
	// as soon as it runs (the fee it last saw, none, differs).
	d.reb.retry = true
	return d.transient(ctx, "checking for a rebate", err)
}

// checkRebate reads the current registration fee and, at start-up or when
// the fee changed since the last check, the host's registration; when the
// host paid more than the fee it queues a rebate request. The intent is
// named after the registration and both fees, so however often this runs
// (a restart, another event) one request is sent per fee, through the
// outbox: a crash never sends it twice, a restart finds out whether it
// applied.
func (d *Daemon) checkRebate(ctx context.Context, startup bool) error {
	fee, err := d.hostRegFee(ctx)
	if err != nil {
		return err
	}
	if !startup && fee == d.reb.fee {
		return d.point("rebate:unchanged")
	}
	info, err := hook.Host(ctx, d.c, d.hookCf, d.addr)
	if errors.Is(err, hook.ErrNotRegistered) {
		// Deregistered or transferred meanwhile: nothing is owed.
		d.reb.fee = fee
		return d.point("rebate:none")
	}
	if err != nil {
		return fmt.Errorf("hostd: reading the registration: %w", err)
	}
	d.reb.fee = fee
	if info.RegistrationFee <= fee {
		return d.point("rebate:none")
	}
	d.log.Info("hostd: requesting a rebate", "paid", info.RegistrationFee, "fee", fee)
	if err := d.update(func(tx *bolt.Tx) error {
		_, err := d.enqueue(tx, &intent{ID: fmt.Sprintf("rebate/%d/%d/%d", info.RegistrationLedger, info.RegistrationFee, fee), Kind: kRebate})
		return err
	}, "rebate:queued"); err != nil {
		return err
	}
	d.kick()
	return nil
}

// hostRegFee reads the registry's current registration fee (the
// governor's HOST_REG_FEE) with one ledger_entry: the start-up
// configuration may be stale, and the full configuration is a read of the
// whole governor namespace (every host, on mainnet).
func (d *Daemon) hostRegFee(ctx context.Context) (uint64, error) {
	gov := d.hookCf.Governor
	if gov == "" {
		gov = d.c.Network().GovernorAddress
	}
	id, err := hook.ParseAccountID(gov)
	if err != nil {
		return 0, fmt.Errorf("hostd: the governor address: %w", err)
	}
	key := hook.SingletonKey(hook.SingletonHostRegFee)
	node, err := d.c.LedgerEntry(ctx, hook.StateIndexHex(id, key, hook.Namespace()), evernode.Validated)
	if err != nil {
		return 0, fmt.Errorf("hostd: reading the registration fee: %w", err)
	}
	data, _ := node["HookStateData"].(string)
	raw, err := hex.DecodeString(data)
	if err != nil {
		return 0, fmt.Errorf("hostd: the registration fee state: %w", err)
	}
	st, err := hook.DecodeState(key[:], raw)
	if err != nil {
		return 0, fmt.Errorf("hostd: the registration fee state: %w", err)
	}
	fee, ok := st.Value.(uint64)
	if !ok {
		return 0, fmt.Errorf("hostd: the registration fee state is a %T", st.Value)
	}
	return fee, nil
}

// runRebates checks for a rebate each time check fires (the registry saw
// a registration), after a random delay below Config.RebateDelay. Checks
// asked for during a delay are one check (mb-xrpl skips events while a
// request is pending). A failed check is retried every Tick.
func (d *Daemon) runRebates(ctx context.Context, check <-chan struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-check:
		}
		if !sleepCtx(ctx, d.rebateDelay()) {
			return nil
		}
		for {
			err := d.checkRebate(ctx, false)
			if err == nil || errors.Is(err, errCrash) {
				if err != nil {
					return err
				}
				break
			}
			if ctx.Err() != nil {
				return nil
			}
			d.log.Warn("hostd: checking for a rebate; retrying", "err", err)
			if !sleepCtx(ctx, d.cfg.Tick) {
				return nil
			}
		}
	}
}

// rebateDelay draws the wait before a rebate request: uniform in
// [0, Config.RebateDelay), none when RebateDelay is negative.
func (d *Daemon) rebateDelay() time.Duration {
	m := d.cfg.RebateDelay
	switch {
	case m < 0:
		return 0
	case m == 0:
		m = DefaultRebateDelay
	}
	return rand.N(m)
}

// sleepCtx waits for t, and reports false if ctx ended first.
func sleepCtx(ctx context.Context, t time.Duration) bool {
	if t <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(t)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
