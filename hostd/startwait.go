package hostd

import (
	"context"
	"errors"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// maxNotFoundSteps caps the start-up backoff at this many NotFoundWait
// units (mb-xrpl: 150 × 2 s = 300 s).
const maxNotFoundSteps = 150

// startupRetry runs the start-up until it succeeds, waiting attempt ×
// Config.NotFoundWait (at most maxNotFoundSteps units) between attempts
// while the host account is not ready (§7 A 2): the ledger does not know it
// (a network reset) or, when the daemon registers the host, it cannot pay
// the registration yet. After a reset an account comes back in steps (XAH,
// then the EVR trust line, then EVR), and a start-up may look at any of
// them: each is a reason to wait, not to fail. Every start-up step is safe
// to repeat (a restart repeats them too).
func (d *Daemon) startupRetry(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := d.startup(ctx)
		why, wait := d.notReady(ctx, err)
		if !wait {
			return err
		}
		delay := time.Duration(min(attempt, maxNotFoundSteps)) * d.cfg.NotFoundWait
		d.log.Warn("hostd: the host account is not ready; retrying", "why", why, "in", delay, "attempt", attempt, "err", err)
		if err := d.point("startup:wait:" + why); err != nil {
			return err
		}
		if !sleepCtx(ctx, delay) {
			return ctx.Err()
		}
	}
}

// notReady reports whether a start-up error means the host account is not
// ready yet, and why: "account" (actNotFound) or "funds" (the registration
// cannot be paid yet). An unregistered host whose account does not exist
// waits for it too, as mb-xrpl connects (waiting out actNotFound) before
// it requires the registration.
func (d *Daemon) notReady(ctx context.Context, err error) (string, bool) {
	if err == nil {
		return "", false
	}
	if isActNotFound(err) {
		return "account", true
	}
	if errors.Is(err, ErrNotRegistered) {
		if _, aerr := d.c.AccountInfo(ctx, d.addr, evernode.Validated); isActNotFound(aerr) {
			return "account", true
		}
	}
	if d.cfg.Register != nil && errors.Is(err, hook.ErrInsufficientFunds) {
		return "funds", true
	}
	return "", false
}

func isActNotFound(err error) bool {
	var rpc *evernode.RPCError
	return errors.As(err, &rpc) && rpc.Name == "actNotFound"
}
