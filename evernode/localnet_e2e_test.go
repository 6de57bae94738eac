package evernode_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/evernode/localnet"
	"github.com/evernode-go/sdk/memo"
)

// startNet runs a localnet closing ledgers every 20 ms and a client on it.
func startNet(t *testing.T) (*localnet.Net, *evernode.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	// Ledgers close every 20 ms: keep far more than the default 256 so
	// that history reads do not depend on how fast the machine is.
	n, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond, History: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	// 10 ledgers (the default LedgerOffset) last 200 ms here: a loaded
	// machine can miss that, and the tests below are not about expiry.
	c, err := evernode.Dial(ctx, n.Network(), &evernode.ClientOptions{ReconnectMin: 10 * time.Millisecond, LedgerOffset: 500})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return n, c, ctx
}

func fundedWallet(t *testing.T, ctx context.Context, n *localnet.Net, c *evernode.Client) *evernode.Wallet {
	t.Helper()
	w, err := n.NewFundedWallet(ctx, 100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the funding is validated.
	for {
		if _, err := c.AccountInfo(ctx, w.Address(), evernode.Validated); err == nil {
			return w
		}
		if err := c.WaitLedger(ctx, c.ValidatedLedger()+1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLocalnetSubmitAndWait(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)

	tx := evernode.Payment{Common: evernode.Common{Account: a.Address()}, Destination: b.Address(), Amount: evernode.Drops(1_000_000)}
	if err := tx.SetParams(memo.Params{Event: memo.EventHeartbeat}); err != nil {
		t.Fatal(err)
	}
	res, err := c.SubmitAndWait(ctx, a, tx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Succeeded() || res.LedgerIndex == 0 || res.Hash == "" {
		t.Fatalf("result %+v", res)
	}
	if d, err := res.DeliveredAmount(); err != nil || d.Value != "1000000" {
		t.Fatalf("delivered %v %v", d, err)
	}
	p, ok, err := res.EvernodeParams()
	if err != nil || !ok || p.Event != memo.EventHeartbeat {
		t.Fatalf("params %+v %v %v", p, ok, err)
	}
	got, err := c.Tx(ctx, res.Hash)
	if err != nil || !got.Validated || got.Result() != "tesSUCCESS" {
		t.Fatalf("Tx = %+v, %v", got, err)
	}
	info, err := c.AccountInfo(ctx, b.Address(), evernode.Validated)
	if err != nil || info.AccountData.Balance != "101000000" {
		t.Fatalf("balance %+v %v", info.AccountData, err)
	}
}

func TestLocalnetTypedErrors(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	issuer, err := n.SetupIssuer(ctx, "EVR")
	if err != nil {
		t.Fatal(err)
	}

	// No trust line: a tec result, validated, fee taken.
	_, err = c.SubmitAndWait(ctx, a, evernode.Payment{Common: evernode.Common{Account: a.Address()},
		Destination: issuer.Address(), Amount: evernode.EVR(issuer.Address(), "5")})
	var te *evernode.TxError
	if !errors.As(err, &te) || !te.Validated || te.Result[:3] != "tec" || te.Code < 100 {
		t.Fatalf("unfunded IOU payment: %v", err)
	}

	// A fault injected by the network surfaces with its result code.
	if err := n.RejectNext(a.Address(), "tecNO_PERMISSION"); err != nil {
		t.Fatal(err)
	}
	_, err = c.SubmitAndWait(ctx, a, evernode.AccountSet{Common: evernode.Common{Account: a.Address()}})
	if !errors.As(err, &te) || te.Result != "tecNO_PERMISSION" {
		t.Fatalf("injected fault: %v", err)
	}

	// Not found answers match ErrNotFound.
	fresh, _ := evernode.NewWallet(nilReader{}, evernode.Ed25519)
	if _, err := c.AccountInfo(ctx, fresh.Address(), evernode.Validated); !errors.Is(err, evernode.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err := c.Tx(ctx, fmt.Sprintf("%064X", 1)); !errors.Is(err, evernode.ErrNotFound) {
		t.Fatalf("unknown tx: %v", err)
	}
}

// nilReader yields zero bytes, for a deterministic wallet nobody funds.
type nilReader struct{}

func (nilReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0xAB
	}
	return len(p), nil
}

// A fee the network wants above the submitted one is retried on the same
// sequence, so the payment applies once.
func TestLocalnetFeeRetrySpendsOnce(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	if err := n.RejectNext(a.Address(), "telINSUF_FEE_P"); err != nil {
		t.Fatal(err)
	}
	before, _ := c.AccountInfo(ctx, b.Address(), evernode.Validated)
	if _, err := c.SubmitAndWait(ctx, a, evernode.Payment{Common: evernode.Common{Account: a.Address()},
		Destination: b.Address(), Amount: evernode.Drops(7)}); err != nil {
		t.Fatal(err)
	}
	after, _ := c.AccountInfo(ctx, b.Address(), evernode.Validated)
	if before.AccountData.Balance != "100000000" || after.AccountData.Balance != "100000007" {
		t.Fatalf("balance %s → %s", before.AccountData.Balance, after.AccountData.Balance)
	}
}

func TestLocalnetConcurrentSubmits(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.SubmitAndWait(ctx, a, evernode.Payment{Common: evernode.Common{Account: a.Address()},
				Destination: b.Address(), Amount: evernode.Drops(1)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	info, _ := c.AccountInfo(ctx, b.Address(), evernode.Validated)
	if info.AccountData.Balance != "100000006" {
		t.Fatalf("balance %s", info.AccountData.Balance)
	}
}

func TestLocalnetAccountTxPaging(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	const count = 450 // more than one 400-transaction page
	for i := range count {
		if _, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(uint64(i + 1))}); err != nil {
			t.Fatal(err)
		}
	}
	last := n.Commit()
	if err := c.WaitLedger(ctx, last); err != nil {
		t.Fatal(err)
	}
	txs, err := c.AccountTx(ctx, b.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != count+1 { // the funding payment and ours
		t.Fatalf("%d transactions, want %d", len(txs), count+1)
	}
	desc, err := c.AccountTx(ctx, b.Address(), &evernode.AccountTxOptions{Descending: true, Limit: 10})
	if err != nil || len(desc) != 10 || desc[0].Hash != txs[len(txs)-1].Hash {
		t.Fatalf("descending page: %d, %v", len(desc), err)
	}
}

// A subscription across a dropped connection misses nothing and doubles
// nothing.
func TestLocalnetSubscriptionAcrossDrop(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	sub, err := c.SubscribeAccounts(ctx, []string{b.Address()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pay := func(drops uint64) string {
		t.Helper()
		h, err := n.Submit(ctx, a, a.Address(), evernode.Payment{Destination: b.Address(), Amount: evernode.Drops(drops)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	want := []string{pay(1)}
	got, err := sub.Next(ctx)
	if err != nil || got.Hash != want[0] {
		t.Fatalf("first = %s, %v", got.Hash, err)
	}
	n.DropConnections()
	for i := 2; i <= 6; i++ {
		want = append(want, pay(uint64(i)))
		n.Commit()
	}
	for _, w := range want[1:] {
		got, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash != w || !got.Validated {
			t.Fatalf("got %s, want %s", got.Hash, w)
		}
	}
	// Nothing more: no duplicate arrives.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if extra, err := sub.Next(short); err == nil {
		t.Fatalf("duplicate or unexpected transaction %s", extra.Hash)
	}
}

func TestTwoNetworksOneProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	xa, err := localnet.Start(ctx, &localnet.Config{CloseInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer xa.Close()
	xr, err := localnet.Start(ctx, &localnet.Config{Chain: evernode.XRPL, CloseInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer xr.Close()
	for _, n := range []*localnet.Net{xa, xr} {
		c, err := evernode.Dial(ctx, n.Network(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		w := fundedWallet(t, ctx, n, c)
		var tx evernode.Transaction = evernode.URITokenMint{Common: evernode.Common{Account: w.Address(), Flags: evernode.TfBurnable}, URI: []byte("evrlease-test")}
		if n.Network().Chain == evernode.XRPL {
			tx = evernode.NFTokenMint{Common: evernode.Common{Account: w.Address(), Flags: evernode.TfBurnable}, URI: []byte("evrlease-test")}
		}
		if _, err := c.SubmitAndWait(ctx, w, tx); err != nil {
			t.Fatalf("%s: %v", n.Network().Chain, err)
		}
	}
}

func TestLocalPreset(t *testing.T) {
	_, c, ctx := startNet(t)
	n := evernode.Local(c.Network().URL)
	if n != c.Network() {
		t.Fatalf("Local(%s) = %+v, localnet says %+v", n.URL, n, c.Network())
	}
	info, err := c.ServerInfo(ctx)
	if err != nil || info.NetworkID != evernode.LocalNetworkID {
		t.Fatalf("server_info network id %d, %v", info.NetworkID, err)
	}
}

// A Sequence that Prepare handed out and the caller dropped, or that a
// SubmitAndWait reserved for a transaction that never reached the ledger,
// must not leave a gap before the next SubmitAndWait of that account.
func TestLocalnetDroppedReservationLeavesNoGap(t *testing.T) {
	n, c, ctx := startNet(t)
	a := fundedWallet(t, ctx, n, c)
	b := fundedWallet(t, ctx, n, c)
	pay := func(drops uint64) evernode.Payment {
		return evernode.Payment{Common: evernode.Common{Account: a.Address()}, Destination: b.Address(), Amount: evernode.Drops(drops)}
	}
	// submitWithin fails unless SubmitAndWait succeeds within a few
	// validated ledgers (a gapped Sequence would wait out its
	// LastLedgerSequence, 500 ledgers, with terPRE_SEQ).
	submitWithin := func(tx evernode.Payment) {
		t.Helper()
		start := c.ValidatedLedger()
		done := make(chan error, 1)
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			_, err := c.SubmitAndWait(sctx, a, tx)
			done <- err
		}()
		for l := start + 1; ; l++ {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				return
			default:
			}
			if l > start+30 {
				cancel()
				t.Fatalf("SubmitAndWait still waiting %d ledgers later: %v", l-start, <-done)
			}
			if err := c.WaitLedger(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Prepare, then drop the prepared transaction.
	r, err := c.Prepare(ctx, pay(1))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.AccountInfo(ctx, a.Address(), evernode.Current)
	if err != nil {
		t.Fatal(err)
	}
	if r["Sequence"] != info.AccountData.Sequence {
		t.Fatalf("Prepare Sequence %v, account Sequence %d", r["Sequence"], info.AccountData.Sequence)
	}
	submitWithin(pay(2))

	// A SubmitAndWait cut off before it signed (a signer that fails)
	// reserved a Sequence it never used.
	if _, err := c.SubmitAndWait(ctx, failingSigner{a}, pay(4)); err == nil {
		t.Fatal("failing signer: no error")
	}
	submitWithin(pay(8))

	got, err := c.AccountInfo(ctx, b.Address(), evernode.Validated)
	if err != nil || got.AccountData.Balance != "100000010" {
		t.Fatalf("balance %+v %v", got.AccountData, err)
	}
}

// failingSigner has a's key but refuses to sign.
type failingSigner struct{ *evernode.Wallet }

func (failingSigner) Sign(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("signer offline")
}
