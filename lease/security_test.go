package lease

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

func TestAcquireErrors(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	host := e.hostW.Address()

	// No offers yet.
	if _, err := e.tenant.Acquire(e.ctx, host, testReq, nil); !errors.Is(err, ErrNoOffer) {
		t.Fatalf("no offer: %v", err)
	}
	toks, err := e.host.MintN(e.ctx, 1, "2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{OfferID: strings.Repeat("AB", 32)}); !errors.Is(err, ErrNoOffer) {
		t.Fatalf("unknown offer: %v", err)
	}
	// Registry says no.
	stranger := e.wallet().Address()
	if _, err := e.tenant.Acquire(e.ctx, stranger, testReq, nil); !errors.Is(err, ErrHostInvalid) {
		t.Fatalf("unregistered: %v", err)
	}
	e.reg.mu.Lock()
	e.reg.active[host] = false
	e.reg.mu.Unlock()
	if _, err := e.tenant.Acquire(e.ctx, host, testReq, nil); !errors.Is(err, ErrHostInactive) {
		t.Fatalf("inactive: %v", err)
	}
	e.reg.mu.Lock()
	e.reg.active[host] = true
	e.reg.mu.Unlock()
	// Bad options.
	if _, err := e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{MessageKey: "zz"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad key: %v", err)
	}
	// The purchase fails on the ledger.
	if err := e.net.RejectNext(e.tenantW.Address(), "tecNO_PERMISSION"); err != nil {
		t.Fatal(err)
	}
	var te *evernode.TxError
	if _, err := e.tenant.Acquire(e.ctx, host, testReq, nil); !errors.As(err, &te) || te.Result != "tecNO_PERMISSION" {
		t.Fatalf("tx failure: %v", err)
	}
	// A host that never answers.
	stop := e.runHost(e.ctx, hostScript{ignore: true})
	_, err = e.tenant.Acquire(e.ctx, host, testReq, &AcquireOptions{Timeout: 300 * time.Millisecond})
	stop()
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	_ = toks
}

func TestAcquireRefusedAndRefunded(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	if _, err := e.host.MintN(e.ctx, 1, "2", nil); err != nil {
		t.Fatal(err)
	}
	stop := e.runHost(e.ctx, hostScript{failProvision: true})
	defer stop()
	_, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	var ae *AcquireError
	if !errors.As(err, &ae) || ae.Reason != "no_capacity" || ae.Refund != "2" {
		t.Fatalf("got %v", err)
	}
	if got := e.evr(e.tenantW.Address()); got != "100" {
		t.Fatalf("tenant EVR %s after refund", got)
	}
	waitOffers(t, e, 1)
}

func waitOffers(t *testing.T, e *env, n int) []Token {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		offers, err := e.host.Offers(e.ctx)
		if err == nil && len(offers) == n {
			return offers
		}
		if time.Now().After(deadline) {
			t.Fatalf("offers %d %v", len(offers), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An offer priced differently from its URI is refused with a refund.
func TestAcquirePriceMismatch(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 1, "2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.SubmitAndWait(e.ctx, e.hostW, evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: e.hostW.Address()},
		URITokenID: toks[0].ID, Amount: evernode.EVR(e.issuer.Address(), "3")}); err != nil {
		t.Fatal(err)
	}
	stop := e.runHost(e.ctx, hostScript{})
	defer stop()
	_, err = e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	var ae *AcquireError
	if !errors.As(err, &ae) || ae.Reason != ReasonInvalidAcquire || ae.Refund != "3" {
		t.Fatalf("got %v", err)
	}
	if got := e.evr(e.tenantW.Address()); got != "100" {
		t.Fatalf("tenant EVR %s", got)
	}
}

// Requirement messageKey "none" gets a plain answer; MessageKey "none"
// sends a plain request.
func TestAcquirePlain(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	if _, err := e.host.MintN(e.ctx, 1, "1", nil); err != nil {
		t.Fatal(err)
	}
	stop := e.runHost(e.ctx, hostScript{})
	defer stop()
	req := testReq
	req.MessageKey = memo.MessageKeyNone
	res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), req, &AcquireOptions{MessageKey: memo.MessageKeyNone})
	if err != nil {
		t.Fatal(err)
	}
	if res.Answer.Encrypted || res.Instance.UserPort != "26201" {
		t.Fatalf("answer %+v", res.Answer)
	}
}

// Look-alike EVR never counts, partial payments count what they delivered,
// and extensions below one moment are refused.
func TestExtendSecurity(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 1, "1.5", nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := e.runHost(e.ctx, hostScript{})
	res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	id := res.Token.ID
	_ = toks
	host := e.hostW.Address()
	opts := &ExtractOptions{EVRIssuer: e.issuer.Address()}

	// A fake issuer's "EVR" and the real issuer's other currency.
	fake, err := e.net.SetupIssuer(e.ctx, "EVR")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []evernode.Amount{evernode.EVR(fake.Address(), "3"), {Currency: "EVX", Issuer: e.issuer.Address(), Value: "3"}} {
		iss := e.issuer
		if a.Issuer == fake.Address() {
			iss = fake
		}
		for _, w := range []*evernode.Wallet{e.hostW} {
			if _, err := e.c.SubmitAndWait(e.ctx, w, evernode.TrustSet{Common: evernode.Common{Account: w.Address()},
				LimitAmount: evernode.Amount{Currency: a.Currency, Issuer: a.Issuer, Value: "1000"}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.net.TrustAndFund(e.ctx, e.tenantW, iss, a.Currency, "10"); err != nil {
			t.Fatal(err)
		}
		tx, _ := ExtendTx(e.tenantW.Address(), host, id, a)
		r, err := e.c.SubmitAndWait(e.ctx, e.tenantW, tx)
		if err != nil {
			t.Fatal(err)
		}
		if ev, ok, _ := ExtractEvent(e.ctx, r, host, opts); ok {
			t.Fatalf("look-alike %v counted: %+v", a, ev)
		}
		if _, ok, _ := ExtractEvent(e.ctx, r, host, nil); !ok {
			t.Fatal("without an issuer the event is seen")
		}
	}

	// A real extension, then the same transaction as a partial payment that
	// delivered less.
	tx, _ := ExtendTx(e.tenantW.Address(), host, id, evernode.EVR(e.issuer.Address(), "3"))
	r, err := e.c.SubmitAndWait(e.ctx, e.tenantW, tx)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok, err := ExtractEvent(e.ctx, r, host, opts)
	if !ok || err != nil || ev.Amount.Value != "3" || ev.TokenID != id || CreditMoments(ev.Amount, "1.5") != 2 {
		t.Fatalf("extend %+v %v %v", ev, ok, err)
	}
	p := clone(t, r)
	p.Tx["Flags"] = json.Number("131072")
	p.Meta["delivered_amount"] = map[string]any{"currency": "EVR", "issuer": e.issuer.Address(), "value": "1"}
	ev, ok, _ = ExtractEvent(e.ctx, p, host, opts)
	if !ok || ev.Amount.Value != "1" || CreditMoments(ev.Amount, "1.5") != 0 {
		t.Fatalf("partial %+v", ev)
	}
	delete(p.Meta, "delivered_amount")
	if _, ok, _ := ExtractEvent(e.ctx, p, host, opts); ok {
		t.Fatal("partial payment without delivered amount counted")
	}
	// Not addressed to self, not validated, failed: ignored.
	if _, ok, _ := ExtractEvent(e.ctx, r, e.tenantW.Address(), opts); ok {
		t.Fatal("counted for the sender")
	}
	q := clone(t, r)
	q.Validated = false
	if _, ok, _ := ExtractEvent(e.ctx, q, host, opts); ok {
		t.Fatal("unvalidated counted")
	}
	q = clone(t, r)
	q.Meta["TransactionResult"] = "tecPATH_DRY"
	if _, ok, _ := ExtractEvent(e.ctx, q, host, opts); ok {
		t.Fatal("failed counted")
	}

	// Paying less than one moment through the whole flow: refused, refunded.
	stop = e.runHost(e.ctx, hostScript{})
	defer stop()
	before := e.evr(e.tenantW.Address())
	sub, err := e.c.SubscribeAccounts(e.ctx, []string{e.tenantW.Address()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	tx, _ = ExtendTx(e.tenantW.Address(), host, id, evernode.EVR(e.issuer.Address(), "1"))
	r, err = e.c.SubmitAndWait(e.ctx, e.tenantW, tx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		x, err := sub.Next(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		ev, ok, _ := ExtractEvent(e.ctx, x, e.tenantW.Address(), nil)
		if ok && ev.Ref == r.Hash {
			if ev.Type != memo.EventExtendError || ev.Reason != ReasonInvalidExtend || ev.Amount.Value != "1" {
				t.Fatalf("answer %+v", ev)
			}
			break
		}
	}
	if after := e.evr(e.tenantW.Address()); after != before {
		t.Fatalf("EVR %s → %s", before, after)
	}
	// Extend via the Tenant API: success, and 0 moments is refused locally.
	if _, err := e.tenant.Extend(e.ctx, id, 0, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero moments: %v", err)
	}
}

func clone(t *testing.T, r evernode.TxResult) evernode.TxResult {
	t.Helper()
	out := r
	b, _ := json.Marshal(r.Tx)
	out.Tx = nil
	dec := json.NewDecoder(bytesReader(b))
	dec.UseNumber()
	dec.Decode(&out.Tx)
	b, _ = json.Marshal(r.Meta)
	dec = json.NewDecoder(bytesReader(b))
	dec.UseNumber()
	dec.Decode(&out.Meta)
	return out
}

// CreditMoments gives the larger of the exact and the float floor.
func TestCreditMoments(t *testing.T) {
	for _, c := range []struct {
		paid, price string
		want        uint64
	}{{"3", "1", 3}, {"0.3", "0.1", 3}, {"0.29999", "0.1", 2}, {"4.5", "1.5", 3}, {"1", "0", 0}, {"-1", "1", 0}, {"x", "1", 0}, {"0.3000000000000001", "0.1", 3}, {"0.7", "0.1", 7}} {
		if got := CreditMoments(evernode.Amount{Currency: "EVR", Issuer: "r", Value: c.paid}, c.price); got != c.want {
			t.Errorf("%s/%s = %d", c.paid, c.price, got)
		}
	}
	amt, err := ExtendAmount(URI{Price: "0.1"}, "rI", 3)
	if err != nil || amt.Value != "0.3000000000000001" { // 0.3 is credited as 2 moments (TestExtendAmountFloatRule)
		t.Fatalf("%v %v", amt, err)
	}
}
