package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/hook"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// op runs a sub-command of the program to its end.
func (w *world) op(args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(os.Args[0], append([]string{args[0], "-config", w.config}, args[1:]...)...)
	cmd.Env = append(os.Environ(), "EVERNODE_HOST_CHILD=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// The operator sub-commands on the stopped host: delete-instance (killed
// with SIGKILL at a random point, then run again) refunds the unused
// moments, the one under way included, once and offers the slot again;
// reconfig re-prices and re-counts the slots, and the next run keeps that;
// deregister ends the registration. Each is refused while the daemon
// runs, and a seed given as an argument is refused without being echoed.
func TestOperatorCommands(t *testing.T) {
	w := newWorld(t, 30301, 50*time.Millisecond)
	cmd := w.start()
	w.waitFor("registered and offering", func() bool { return w.offers() == 2 })

	tw, _ := w.tenant()
	offer, acq := w.acquire(tw)
	offers := []lease.Token{offer}
	w.waitFor("acquire answered", func() bool { return len(w.answers(tw.Address(), acq.Hash)) > 0 })
	amt, err := lease.ExtendAmount(offers[0].URI, w.cfg.EVRIssuerAddress, 2)
	require.NoError(t, err)
	ext, err := lease.ExtendTx(tw.Address(), w.hostW.Address(), offers[0].ID, amt)
	require.NoError(t, err)
	er, err := w.c.SubmitAndWait(w.ctx, tw, ext)
	require.NoError(t, err)
	w.waitFor("extend answered", func() bool { return len(w.answers(tw.Address(), er.Hash)) > 0 })
	w.waitFor("registry counts the instance", func() bool { return w.activeInstances() == 1 })

	_, stderr, err := w.op("delete-instance", offers[0].ID)
	require.Error(t, err, "refused while the daemon runs")
	require.Contains(t, stderr, "in use")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())

	// delete-instance: 3 moments bought at 2 EVR, seconds ago: 2 whole
	// ones left and the one under way. It is killed (SIGKILL) at a random
	// point, then run again.
	killed := exec.Command(os.Args[0], "delete-instance", "-config", w.config, offers[0].ID)
	killed.Env = append(os.Environ(), "EVERNODE_HOST_CHILD=1")
	require.NoError(t, killed.Start())
	kill(t, killed, 500*time.Millisecond)
	stdout, stderr, err := w.op("delete-instance", offers[0].ID)
	require.NoError(t, err, stderr)
	var del struct {
		Result struct {
			Moments uint64
			Amount  struct{ Value string }
			Result  string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &del), stdout)
	require.Equal(t, uint64(3), del.Result.Moments, "2 whole moments and the one under way")
	require.Equal(t, "6", del.Result.Amount.Value, "3 moments at 2 EVR")
	require.Equal(t, "100", w.evr(tw.Address()), "94 + 6: everything paid, seconds of service")
	refunds := 0
	for _, ev := range w.answers(tw.Address(), acq.Hash) {
		if ev.Type == memo.EventRefund {
			refunds++
		}
	}
	require.Equal(t, 1, refunds, "one refund")
	w.waitFor("registry counts no instance", func() bool { return w.activeInstances() == 0 })
	o, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
	require.NoError(t, err)
	require.Len(t, o, 2)

	// reconfig: 4 slots at 3 EVR, in the registry too.
	_, stderr, err = w.op("reconfig", "-price", "3", "-instances", "4")
	require.NoError(t, err, stderr)
	checkOffers := func() {
		t.Helper()
		o, err := lease.Offers(w.ctx, w.c, w.hostW.Address(), lease.URIToken)
		require.NoError(t, err)
		require.Len(t, o, 4)
		for _, x := range o {
			require.Equal(t, "3", x.URI.Price)
		}
	}
	checkOffers()
	info, err := hook.Host(w.ctx, w.c, w.cfg, w.hostW.Address())
	require.NoError(t, err)
	require.Equal(t, uint32(4), info.MaxInstances)
	price, _ := info.LeaseAmount.Rat()
	require.Equal(t, "3/1", price.String())

	// The next run, with the same configuration file, keeps it.
	w.mu.Lock()
	mark := w.logs.Len()
	w.mu.Unlock()
	cmd = w.start()
	w.waitFor("the daemon started", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, l := range strings.Split(w.logs.String()[mark:], "\n") {
			if strings.Contains(l, `"msg":"hostd: starting"`) && strings.Contains(l, `"price":"3","instances":4,`) {
				return true
			}
		}
		return false
	})
	for range 10 {
		require.NoError(t, w.c.WaitLedger(w.ctx, w.c.ValidatedLedger()+1))
	}
	checkOffers()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())
	w.mu.Lock()
	restart := w.logs.String()[mark:]
	w.mu.Unlock()
	require.NotContains(t, restart, "burning a surplus lease token")
	require.NotContains(t, restart, "minting a missing lease slot")

	// A seed where the transferee goes: refused, never echoed.
	stdout, stderr, err = w.op("transfer", w.hostW.Seed())
	require.Error(t, err)
	require.NotContains(t, stdout+stderr, w.hostW.Seed())
	require.Contains(t, stderr, "not a valid account address")

	// cancel: nothing to cancel.
	stdout, stderr, err = w.op("cancel")
	require.NoError(t, err, stderr)
	require.JSONEq(t, `{"command":"cancel","result":false}`, stdout)

	// deregister.
	_, stderr, err = w.op("deregister")
	require.NoError(t, err, stderr)
	ok, err := hook.IsRegistered(w.ctx, w.c, w.cfg, w.hostW.Address())
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, 0, w.offers())
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotContains(t, w.logs.String(), w.hostW.Seed())
}

// evr is the account's EVR balance.
func (w *world) evr(addr string) string {
	lines, err := w.c.AccountLines(w.ctx, addr, w.cfg.EVRIssuerAddress)
	require.NoError(w.t, err)
	for _, l := range lines {
		if l.Currency == "EVR" {
			return l.Balance
		}
	}
	return "none"
}
