package evernode_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
)

// cut is what the relay does with one request.
type cut int

const (
	pass      cut = iota
	cutBefore     // drop the connection instead of forwarding the request
	cutAnswer     // forward the request, then drop the connection instead of its answer
)

// relay is a websocket proxy in front of a node that cuts connections at
// the points its plan chooses, so tests can drop a client exactly after a
// submit applied, during a lookup or during a resubscription.
type relay struct {
	upstream string
	srv      *httptest.Server

	mu   sync.Mutex
	plan func(command string) cut
	cuts int
	wg   sync.WaitGroup
}

func newRelay(t *testing.T, upstream string) *relay {
	t.Helper()
	r := &relay{upstream: upstream, plan: func(string) cut { return pass }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.srv.CloseClientConnections()
		r.srv.Close()
		r.wg.Wait()
	})
	return r
}

func (r *relay) url() string { return "ws" + strings.TrimPrefix(r.srv.URL, "http") }

// setPlan replaces the plan; it is called for every client request.
func (r *relay) setPlan(p func(command string) cut) {
	r.mu.Lock()
	r.plan = p
	r.mu.Unlock()
}

func (r *relay) decide(command string) cut {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.plan(command)
	if c != pass {
		r.cuts++
	}
	return c
}

func (r *relay) serve(w http.ResponseWriter, req *http.Request) {
	r.wg.Add(1)
	defer r.wg.Done()
	down, err := websocket.Accept(w, req, nil)
	if err != nil {
		return
	}
	defer down.CloseNow()
	down.SetReadLimit(64 << 20)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	up, _, err := websocket.Dial(ctx, r.upstream, nil)
	if err != nil {
		return
	}
	defer up.CloseNow()
	up.SetReadLimit(64 << 20)

	var mu sync.Mutex
	doomed := map[string]bool{} // request ids whose answer ends the connection
	go func() {
		defer cancel()
		for {
			typ, b, err := up.Read(ctx)
			if err != nil {
				return
			}
			var msg struct {
				ID json.RawMessage `json:"id"`
			}
			_ = json.Unmarshal(b, &msg)
			mu.Lock()
			kill := len(msg.ID) > 0 && doomed[string(msg.ID)]
			mu.Unlock()
			if kill {
				return
			}
			if err := down.Write(ctx, typ, b); err != nil {
				return
			}
		}
	}()
	for {
		typ, b, err := down.Read(ctx)
		if err != nil {
			return
		}
		var msg struct {
			ID      json.RawMessage `json:"id"`
			Command string          `json:"command"`
		}
		_ = json.Unmarshal(b, &msg)
		switch r.decide(msg.Command) {
		case cutBefore:
			return
		case cutAnswer:
			mu.Lock()
			doomed[string(msg.ID)] = true
			mu.Unlock()
		}
		if err := up.Write(ctx, typ, b); err != nil {
			return
		}
	}
}

// SubmitAndWait through a relay that cuts the connection after a submit,
// during lookups and during resubscriptions: over many seeds every call
// either applies exactly once or reports that it did not, and the
// destination's balance proves which.
func TestSubmitAndWaitNeverPaysTwice(t *testing.T) {
	ctx, n, direct, rl, relayed := startRelayed(t, 120*time.Second)

	balance := func(addr string) int64 {
		t.Helper()
		info, err := direct.AccountInfo(ctx, addr, evernode.Validated)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := strconv.ParseInt(info.AccountData.Balance, 10, 64)
		return b
	}
	const amount = 5_000_000
	seeds := 40
	if testing.Short() || raceEnabled {
		seeds = 12
	}
	var applied, notApplied int
	for seed := range seeds {
		rnd := rand.New(rand.NewPCG(uint64(seed), 10))
		a := fundedWallet(t, ctx, n, direct)
		b := fundedWallet(t, ctx, n, direct)
		before := balance(b.Address())

		c, err := evernode.Dial(ctx, relayed, &evernode.ClientOptions{ReconnectMin: time.Millisecond,
			ReconnectMax: 5 * time.Millisecond, LedgerOffset: uint32(1 + rnd.IntN(3)), SubmitAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		budget := 1 + rnd.IntN(5)
		rl.setPlan(func(cmd string) cut {
			switch cmd {
			case "submit", "tx", "subscribe", "account_info", "fee", "ledger":
			default:
				return pass
			}
			if budget == 0 || rnd.IntN(2) != 0 {
				return pass
			}
			budget--
			return cut(1 + rnd.IntN(2))
		})
		_, err = c.SubmitAndWait(ctx, a, evernode.Payment{Common: evernode.Common{Account: a.Address()},
			Destination: b.Address(), Amount: evernode.Drops(amount)})
		rl.setPlan(func(string) cut { return pass })
		c.Close()

		var ue *evernode.UnresolvedError
		var te *evernode.TxError
		want := int64(0)
		switch {
		case err == nil:
			want = amount
			applied++
		case errors.Is(err, evernode.ErrExpired), errors.As(err, &te):
			notApplied++
		case errors.As(err, &ue):
			t.Fatalf("seed %d: cut off for good although the relay reconnects: %v", seed, err)
		default:
			t.Fatalf("seed %d: unexpected error %v", seed, err)
		}
		// Let every LastLedgerSequence pass before reading the balance.
		if err := direct.WaitLedger(ctx, direct.ValidatedLedger()+6); err != nil {
			t.Fatal(err)
		}
		if got := balance(b.Address()) - before; got != want {
			t.Fatalf("seed %d: destination received %d drops, want %d (err %v)", seed, got, want, err)
		}
	}
	t.Logf("%d applied, %d reported not applied, %d cuts", applied, notApplied, rl.cuts)
	if applied == 0 {
		t.Fatal("no payment applied: the relay plan is too harsh to test anything")
	}
}

// A call cut off for good says which blobs it signed, so the caller can
// find out later that the payment did apply.
func TestSubmitAndWaitCutOffCarriesHashes(t *testing.T) {
	ctx, n, direct, rl, relayed := startRelayed(t, 30*time.Second)
	a := fundedWallet(t, ctx, n, direct)
	b := fundedWallet(t, ctx, n, direct)
	c, err := evernode.Dial(ctx, relayed, &evernode.ClientOptions{ReconnectMin: time.Millisecond, ReconnectMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	submitted := false
	rl.setPlan(func(cmd string) cut {
		switch {
		case cmd == "submit" && !submitted:
			submitted = true
			return cutAnswer
		case submitted:
			return cutBefore // the node is gone for good
		}
		return pass
	})
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	_, err = c.SubmitAndWait(short, a, evernode.Payment{Common: evernode.Common{Account: a.Address()},
		Destination: b.Address(), Amount: evernode.Drops(1)})
	var ue *evernode.UnresolvedError
	if !errors.As(err, &ue) || len(ue.Hashes) != 1 || ue.LastLedgerSequence == 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	for {
		tx, err := direct.Tx(ctx, ue.Hashes[0])
		if err == nil && tx.Validated {
			if !tx.Succeeded() {
				t.Fatalf("result %s", tx.Result())
			}
			return
		}
		if err := direct.WaitLedger(ctx, direct.ValidatedLedger()+1); err != nil {
			t.Fatal(err)
		}
	}
}

// startRelayed starts a localnet closing a ledger every 5 ms, a client
// connected to it directly and a relay in front of it, all ended with the
// test. It keeps every ledger readable: at this pace the default 256
// ledgers last about a second, and a lookup must not miss a payment
// because a slow run let it age out of history.
func startRelayed(t *testing.T, timeout time.Duration) (context.Context, *localnet.Net, *evernode.Client, *relay, evernode.Network) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 5 * time.Millisecond, History: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	direct, err := evernode.Dial(ctx, n.Network(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	rl := newRelay(t, n.URL())
	relayed := n.Network()
	relayed.URL = rl.url()
	return ctx, n, direct, rl, relayed
}
