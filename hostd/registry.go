package hostd

import (
	"context"
	"errors"
	"sync"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// runRegistry follows the registry account (§7 A 4) and asks for a rebate
// check on every host registration (§7 E 28): a registration is what
// halves the fee. It starts at the ledger after the one the start-up
// rebate check read, so no registration falls between the two; one that
// is delivered twice only checks twice. Lost transactions (a gap) count as
// a registration. The loop never waits on the check: the check runs in its
// own goroutine, and the signal is dropped while one is already due.
func (d *Daemon) runRegistry(ctx context.Context) error {
	if !d.registered || d.hookCf.RegistryAddress == "" {
		return nil
	}
	sub, err := hook.SubscribeEvents(ctx, d.c, []string{d.hookCf.RegistryAddress}, &evernode.SubscribeOptions{FromLedger: d.reb.from})
	if err != nil {
		return err
	}
	defer sub.Close()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	check := make(chan struct{}, 1)
	wg.Go(func() { d.fail(d.runRebates(ctx, check)) })
	due := func() {
		select {
		case check <- struct{}{}:
		default:
		}
	}
	if d.reb.retry {
		due()
	}
	for {
		ev, err := sub.Next(ctx)
		var gap *evernode.GapError
		switch {
		case errors.As(err, &gap):
			d.log.Warn("hostd: the registry stream lost transactions; checking the fee", "from", gap.From, "to", gap.To)
			due()
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if ev.Name() == hook.EventHostRegistered {
			d.log.Debug("hostd: a host registered; checking the fee", "host", ev.Tx().Account, "ledger", ev.Tx().LedgerIndex)
			due()
		}
	}
}
