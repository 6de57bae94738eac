package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// The host-side money-safety findings of issue 11: every acquire paid for is
// answered exactly once, EVR is never kept without service, and the slot
// always comes back.

// fakeProv records what HandleAcquire provisions and destroys.
type fakeProv struct {
	mu        sync.Mutex
	created   map[string]int
	destroyed map[string]int
	fail      error
	hang      bool
}

func newFakeProv() *fakeProv {
	return &fakeProv{created: map[string]int{}, destroyed: map[string]int{}}
}

func (p *fakeProv) provision(ctx context.Context, ev Event, tok Token) (memo.Instance, error) {
	if p.hang {
		<-ctx.Done()
		return memo.Instance{}, ctx.Err()
	}
	if p.fail != nil {
		return memo.Instance{}, p.fail
	}
	p.mu.Lock()
	p.created[tok.ID]++
	p.mu.Unlock()
	return memo.Instance{Name: tok.ID, Pubkey: "ed" + tok.ID, ContractID: ev.Requirement.ContractID, PeerPort: "22861", UserPort: "26201", Domain: "host.local"}, nil
}

func (p *fakeProv) opts(timeout time.Duration) *HandleOptions {
	return &HandleOptions{Timeout: timeout, Destroy: func(ctx context.Context, ev Event, tok Token) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.created[tok.ID] > p.destroyed[tok.ID] {
			p.destroyed[tok.ID]++
		}
		return nil
	}}
}

func (p *fakeProv) counts() (created, live int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, c := range p.created {
		created += c
		live += c - p.destroyed[id]
	}
	return created, live
}

// rawAcquire buys the host's first offer as w with req sealed to the host's
// MessageKey, skipping every tenant-side check (an attacker's client).
func (e *env) rawAcquire(w *evernode.Wallet, req memo.Requirement) evernode.TxResult {
	e.t.Helper()
	offers, err := Offers(e.ctx, e.c, e.hostW.Address(), e.std)
	require.NoError(e.t, err)
	require.NotEmpty(e.t, offers)
	key, err := messageKeyOf(e.ctx, e.c, e.hostW.Address())
	require.NoError(e.t, err)
	payload, err := memo.SealPayload(rand.Reader, &key, req, nil)
	require.NoError(e.t, err)
	tx, err := AcquireTx(w.Address(), offers[0], payload)
	require.NoError(e.t, err)
	res, err := e.c.SubmitAndWait(e.ctx, w, tx)
	require.NoError(e.t, err)
	return res
}

// hostEvent reads the lease event of hash as the host sees it.
func (e *env) hostEvent(hash string) Event {
	e.t.Helper()
	tx, err := e.c.Tx(e.ctx, hash)
	require.NoError(e.t, err)
	ev, ok, _ := ExtractEvent(e.ctx, tx, e.hostW.Address(), &ExtractOptions{Keys: e.hostW.MessageKey(), EVRIssuer: e.issuer.Address()})
	require.True(e.t, ok, "no lease event in %s", hash)
	return ev
}

// answersTo lists the host's successful answers to ref in tenant's history.
func (e *env) answersTo(tenant, ref string) []Event {
	e.t.Helper()
	txs, err := e.c.AccountTx(e.ctx, tenant, nil)
	require.NoError(e.t, err)
	var out []Event
	for _, tx := range txs {
		ev, ok, _ := ExtractEvent(e.ctx, tx, tenant, nil)
		if ok && ev.From == e.hostW.Address() && ev.Ref == ref {
			out = append(out, ev)
		}
	}
	return out
}

// fundedTenant is a new tenant holding 100 EVR, with or without a
// MessageKey.
func (e *env) fundedTenant(withKey bool) *evernode.Wallet {
	w := e.wallet()
	require.NoError(e.t, e.net.TrustAndFund(e.ctx, w, e.issuer, "EVR", "100"))
	if withKey {
		_, err := e.c.SubmitAndWait(e.ctx, w, evernode.AccountSet{Common: evernode.Common{Account: w.Address()}, MessageKey: w.PublicKey()})
		require.NoError(e.t, err)
	}
	return w
}

// requireRefused checks that ref got exactly one answer, an AcquireError
// refunding price, that the tenant has its 100 EVR back, that nothing
// provisioned is still alive, and that the slot is on offer again.
func requireRefused(t *testing.T, e *env, tenant *evernode.Wallet, ref, price, reason string, p *fakeProv) {
	t.Helper()
	answers := e.answersTo(tenant.Address(), ref)
	require.Len(t, answers, 1, "answers to %s", ref)
	require.Equal(t, memo.EventAcquireError, answers[0].Type)
	require.Equal(t, price, answers[0].Amount.Value)
	if reason != "" {
		require.Equal(t, reason, answers[0].Reason)
	}
	require.Equal(t, "100", e.evr(tenant.Address()))
	if p != nil {
		_, live := p.counts()
		require.Zero(t, live, "instances left alive")
	}
	offers := waitOffers(t, e, 1)
	require.Equal(t, price, offers[0].Amount.Value)
}

func TestHostRefusesUnusableReplyKeyBeforeProvisioning(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	req := testReq
	// 66 hex digits, so Requirement.Validate passes, but no key.
	req.MessageKey = "EF" + strings.Repeat("11", 32)
	acq := e.rawAcquire(e.tenantW, req)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(0))
	require.NoError(t, err)
	created, _ := p.counts()
	require.Zero(t, created, "provisioned for an answer nobody can read")
	requireRefused(t, e, e.tenantW, acq.Hash, "2", ReasonInvalidAcquire, p)
}

func TestHostRefusesTenantWithoutMessageKey(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	w := e.fundedTenant(false)
	acq := e.rawAcquire(w, testReq)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(0))
	require.NoError(t, err)
	created, _ := p.counts()
	require.Zero(t, created)
	requireRefused(t, e, w, acq.Hash, "2", ReasonInvalidAcquire, p)
}

func TestHostRefusesInvalidRequirementBeforeProvisioning(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	req := testReq
	req.OwnerPubkey = "nobody"
	acq := e.rawAcquire(e.tenantW, req)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(0))
	require.NoError(t, err)
	created, _ := p.counts()
	require.Zero(t, created)
	requireRefused(t, e, e.tenantW, acq.Hash, "2", ReasonInvalidAcquire, p)
}

// The success answer fails on the ledger: the instance is destroyed and the
// tenant refunded, once.
func TestHostAnswerFailureDestroysAndRefunds(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	acq := e.rawAcquire(e.tenantW, testReq)
	ev := e.hostEvent(acq.Hash)
	require.NoError(t, e.net.RejectNext(e.hostW.Address(), "tecUNFUNDED_PAYMENT"))
	_, err = e.host.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	require.NoError(t, err)
	created, _ := p.counts()
	require.Equal(t, 1, created)
	requireRefused(t, e, e.tenantW, acq.Hash, "2", ReasonAnswerFailed, p)
}

func TestHostProvisionTimeoutRefunds(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	p.hang = true
	acq := e.rawAcquire(e.tenantW, testReq)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(100*time.Millisecond))
	require.NoError(t, err)
	requireRefused(t, e, e.tenantW, acq.Hash, "2", ReasonTimeout, nil)
}

func TestHostProvisionErrorRefunds(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	p.fail = errors.New("no_capacity")
	acq := e.rawAcquire(e.tenantW, testReq)
	_, err = e.host.HandleAcquire(e.ctx, e.hostEvent(acq.Hash), p.provision, p.opts(0))
	require.NoError(t, err)
	requireRefused(t, e, e.tenantW, acq.Hash, "2", "no_capacity", p)
}

// A host restarted after answering handles the same acquire again: it finds
// its answer on the ledger and does nothing (no refund, no burn).
func TestHostRestartNeverAnswersTwice(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 2, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	acq := e.rawAcquire(e.tenantW, testReq)
	ev := e.hostEvent(acq.Hash)
	first, err := e.host.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	require.NoError(t, err)
	// A fresh Host (a restart) sees the same event again.
	h2, err := NewHost(e.c, e.hostW, &HostConfig{Hook: e.cfg})
	require.NoError(t, err)
	again, err := h2.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	require.NoError(t, err)
	require.Equal(t, first.Hash, again.Hash)
	answers := e.answersTo(e.tenantW.Address(), acq.Hash)
	require.Len(t, answers, 1)
	require.Equal(t, memo.EventAcquireSuccess, answers[0].Type)
	created, live := p.counts()
	require.Equal(t, 1, created)
	require.Equal(t, 1, live)
	_, err = e.host.Token(e.ctx, ev.TokenID, e.tenantW.Address())
	require.NoError(t, err, "the tenant's token was taken")
	require.Equal(t, "98", e.evr(e.tenantW.Address()))

	// The same for a refusal: one refund only.
	w := e.fundedTenant(false)
	acq2 := e.rawAcquire(w, testReq)
	ev2 := e.hostEvent(acq2.Hash)
	_, err = e.host.HandleAcquire(e.ctx, ev2, p.provision, p.opts(0))
	require.NoError(t, err)
	_, err = h2.HandleAcquire(e.ctx, ev2, p.provision, p.opts(0))
	require.NoError(t, err)
	require.Len(t, e.answersTo(w.Address(), acq2.Hash), 1)
	require.Equal(t, "100", e.evr(w.Address()))
}

// A tenant who passes the token on before the answer is refunded, the token
// is burned where it went, and the slot comes back on offer.
func TestHostTokenPassedOnIsRecycled(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	p := newFakeProv()
	acq := e.rawAcquire(e.tenantW, testReq)
	ev := e.hostEvent(acq.Hash)
	accomplice := e.wallet()
	_, err = e.c.SubmitAndWait(e.ctx, e.tenantW, evernode.URITokenCreateSellOffer{Common: evernode.Common{Account: e.tenantW.Address()},
		URITokenID: ev.TokenID, Amount: evernode.Drops(1), Destination: accomplice.Address()})
	require.NoError(t, err)
	_, err = e.c.SubmitAndWait(e.ctx, accomplice, evernode.URITokenBuy{Common: evernode.Common{Account: accomplice.Address()},
		URITokenID: ev.TokenID, Amount: evernode.Drops(1)})
	require.NoError(t, err)

	_, err = e.host.HandleAcquire(e.ctx, ev, p.provision, p.opts(0))
	require.NoError(t, err)
	created, _ := p.counts()
	require.Zero(t, created)
	requireRefused(t, e, e.tenantW, acq.Hash, "2", ReasonInvalidAcquire, p)
	_, err = e.c.LedgerEntry(e.ctx, ev.TokenID, evernode.Validated)
	require.ErrorIs(t, err, evernode.ErrNotFound, "the passed-on token still exists")
}

func TestMintIdempotentByIndex(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 2, "2", nil)
	require.NoError(t, err)
	// Slot 0 lost its offer (a crash between mint and offer).
	_, err = e.c.SubmitAndWait(e.ctx, e.hostW, evernode.URITokenCancelSellOffer{Common: evernode.Common{Account: e.hostW.Address()}, URITokenID: toks[0].ID})
	require.NoError(t, err)
	un, err := e.host.Unoffered(e.ctx)
	require.NoError(t, err)
	require.Len(t, un, 1)

	again, err := e.host.MintN(e.ctx, 2, "2", nil)
	require.NoError(t, err)
	require.Equal(t, toks[0].ID, again[0].ID)
	require.Equal(t, toks[1].ID, again[1].ID)
	all, err := e.host.Leases(e.ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	un, err = e.host.Unoffered(e.ctx)
	require.NoError(t, err)
	require.Empty(t, un)

	// The same index at another price replaces the token.
	t1, err := e.host.Mint(e.ctx, 1, "3", nil)
	require.NoError(t, err)
	require.NotEqual(t, toks[1].ID, t1.ID)
	all, err = e.host.Leases(e.ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
}

func TestRecycleOffersAtCurrentPrice(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	e.host.SetLeasePrice("2.5")
	tok, err := e.host.Recycle(e.ctx, toks[0])
	require.NoError(t, err)
	require.Equal(t, "2.5", tok.URI.Price)
	offers := waitOffers(t, e, 1)
	require.Equal(t, "2.5", offers[0].Amount.Value)
	require.Equal(t, "2.5", offers[0].URI.Price)
}
