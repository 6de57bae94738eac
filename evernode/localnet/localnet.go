// Package localnet is an in-process XRPL-family network for tests, examples
// and CI: one node, no consensus, serving the real websocket JSON-RPC
// protocol on 127.0.0.1 so that this SDK's client, the JS libraries (xrpl,
// evernode-js-client) and other XRPL tools work against it unchanged.
//
// Start a network (Fast is the preset for tests: 50 ms ledgers), fund
// wallets, submit signed transactions, close ledgers
// with Commit (or let the timer do it), move time with AdvanceTime and make
// it fail on command:
//
//	net, err := localnet.Start(ctx, nil)
//	if err != nil { … }
//	defer net.Close()
//	alice, err := net.NewFundedWallet(ctx, 100_000_000)
//	…
//	net.Commit()
//
// Transactions are checked and applied as rippled and xahaud do where a
// client can tell (signatures, sequences, fees, NetworkID, reserves, result
// codes, object layouts and indexes, metadata). Simplifications: issued
// currencies move only along direct trust lines (through the issuer), with
// no order books, paths or transfer fees; the open ledger and the last
// Config.History closed ledgers can be read (older ledgers, and their
// transactions, are forgotten); terPRE_SEQ transactions are not queued; hooks are Go
// code (see Hook), not WebAssembly. As on Xahau, what hooks emit applies in
// a later ledger than the transaction that fired them (see Settle).
package localnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/ledger"
)

// DefaultNetworkID is the network id of a Xahau-mode localnet,
// evernode.LocalNetworkID. It is above 1024, so every transaction must carry
// it as on Xahau, but deliberately neither mainnet's 21337 nor testnet's
// 21338: a transaction signed for a localnet, even with a key that also
// holds real funds, can never be replayed on a public network. Clients take
// it from Net.Network().
const DefaultNetworkID = evernode.LocalNetworkID

// GenesisSeed is the seed of the genesis account, which holds every drop
// at start (rippled's standalone genesis: rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh).
const GenesisSeed = "snoPBrXtMeMyMHUVTgbuqAfg1SUTb"

// NoAutoClose, as Config.CloseInterval, disables the close timer: ledgers
// close only on Commit.
const NoAutoClose time.Duration = -1

// Config configures a network. The zero value (or a nil *Config) is a
// Xahau network on a random 127.0.0.1 port that closes a ledger every
// second.
type Config struct {
	// Chain is evernode.Xahau (the default) or evernode.XRPL.
	Chain evernode.Chain
	// NetworkID defaults to DefaultNetworkID on Xahau and 0 (none) on the
	// XRPL. Above 1024 every transaction must carry it.
	NetworkID uint32
	// CloseInterval is how often ledgers close on their own. Zero means
	// 1 s; a negative value (NoAutoClose) disables the timer.
	CloseInterval time.Duration
	// Addr is the listen address; empty means "127.0.0.1:0".
	Addr string
	// BaseFee defaults to 10 drops; ReserveBase and ReserveIncrement to
	// 1,000,000 and 200,000 drops.
	BaseFee, ReserveBase, ReserveIncrement int64
	// HookFee is the extra fee, in drops, for each hook a transaction fires;
	// the fee command with a tx_blob includes it. Defaults to 10.
	HookFee int64
	// History is how many closed ledgers stay readable by every command
	// that takes ledger_index or ledger_hash (their state, headers and
	// transactions); older ones answer lgrNotFound and their transactions
	// are forgotten, so a long-running network stays flat. Zero means 256.
	History uint32
	// Now is the clock ledger close times follow (plus AdvanceTime); nil
	// means time.Now.
	Now func() time.Time
	// Logger receives debug logs; nil means silent.
	Logger *slog.Logger
	// HookCache shares compiled WebAssembly hooks between networks (tests
	// that start many); nil means each network compiles its own.
	HookCache *HookCache
}

// Net is a running network. Its methods are safe for concurrent use.
// Close stops it.
type Net struct {
	eng     *ledger.Engine
	network evernode.Network
	genesis *evernode.Wallet
	log     *slog.Logger
	now     func() time.Time
	start   time.Time

	ln   net.Listener
	srv  *http.Server
	url  string
	subs *hub

	mu       sync.Mutex // guards offset, paused, closed
	offset   time.Duration
	paused   bool
	closed   bool
	closeSeq sync.Mutex // serialises closes with their stream messages
	fundMu   sync.Mutex // serialises genesis-signed helper transactions
	submitMu sync.Mutex // Submit: from reading the Sequence to applying
	stop     chan struct{}
	wg       sync.WaitGroup
}

// Start starts a network and its server. ctx bounds the start only.
func Start(ctx context.Context, cfg *Config) (*Net, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Chain == 0 {
		c.Chain = evernode.Xahau
	}
	if c.NetworkID == 0 && c.Chain == evernode.Xahau {
		c.NetworkID = DefaultNetworkID
	}
	if c.CloseInterval == 0 {
		c.CloseInterval = time.Second
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gen, err := evernode.WalletFromSeed(GenesisSeed)
	if err != nil {
		return nil, fmt.Errorf("localnet: genesis: %w", err)
	}
	n := &Net{
		log: log, now: c.Now, genesis: gen, stop: make(chan struct{}),
		network: evernode.Network{Name: "localnet", Chain: c.Chain, NetworkID: c.NetworkID},
	}
	n.start = c.Now()
	n.eng = ledger.New(ledger.Config{
		Xahau: c.Chain == evernode.Xahau, NetworkID: c.NetworkID,
		BaseFee: c.BaseFee, ReserveBase: c.ReserveBase, ReserveInc: c.ReserveIncrement, HookFee: c.HookFee,
		History: c.History, Start: n.start, Logger: log, HookRuntime: c.HookCache.runtime(),
	})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("localnet: listen: %w", err)
	}
	n.ln = ln
	n.url = "ws://" + ln.Addr().String()
	n.network.URL = n.url
	n.subs = newHub(n)
	n.srv = &http.Server{Handler: http.HandlerFunc(n.serveHTTP), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Debug("localnet: serve", "err", err)
		}
	}()
	if c.CloseInterval > 0 {
		n.wg.Add(1)
		go n.closeLoop(c.CloseInterval)
	}
	log.Debug("localnet started", "url", n.url, "chain", c.Chain, "network_id", c.NetworkID)
	return n, nil
}

func (n *Net) closeLoop(every time.Duration) {
	defer n.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.mu.Lock()
			paused := n.paused
			n.mu.Unlock()
			if !paused {
				n.Commit()
			}
		}
	}
}

// Close stops the timer, closes every connection and the listener, and
// waits for the network's goroutines. It is safe to call more than once.
func (n *Net) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	n.subs.closeAll()
	err := n.srv.Close()
	n.wg.Wait()
	n.subs.wait()
	if rerr := n.eng.ReleaseHooks(); err == nil {
		err = rerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// URL returns the websocket URL, ws://127.0.0.1:port.
func (n *Net) URL() string { return n.url }

// Network returns the network's description (chain, id, URL) for signing
// and for the SDK's client.
func (n *Net) Network() evernode.Network { return n.network }

// Genesis returns the genesis wallet, which holds the network's funds.
func (n *Net) Genesis() *evernode.Wallet { return n.genesis }

// clock is the time ledgers close at.
func (n *Net) clock() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.now().Add(n.offset)
}

// Commit closes the open ledger now, publishes it to subscribers and
// returns its index. It works while closes are paused.
func (n *Net) Commit() uint32 {
	n.closeSeq.Lock()
	defer n.closeSeq.Unlock()
	l := n.eng.Close(n.clock())
	n.subs.publishLedger(l)
	return l.Seq
}

// maxSettle bounds Settle: xahaud refuses emission generations from 10 on.
const maxSettle = 12

// Settle commits ledgers until no emitted transaction is on its way (queued
// or in the open ledger), at least one and at most 12, and returns the last
// index. Hooks emit into later ledgers, as on Xahau; tests use Settle to
// see all of a transaction's consequences validated.
func (n *Net) Settle() uint32 {
	seq := n.Commit()
	for range maxSettle - 1 {
		if !n.eng.EmissionsPending() {
			break
		}
		seq = n.Commit()
	}
	return seq
}

// AdvanceTime moves the network's clock forward by d: the next ledger
// closes at least d later than it would have, so time-based rules (lease
// expiry, Evernode moments) can be tested without waiting.
func (n *Net) AdvanceTime(d time.Duration) {
	if d <= 0 {
		return
	}
	n.mu.Lock()
	n.offset += d
	n.mu.Unlock()
}

// LedgerTime returns the close time of the last closed ledger.
func (n *Net) LedgerTime() time.Time {
	_, ct := n.eng.LastClose()
	return time.Unix(int64(ct)+ledger.RippleEpoch, 0).UTC()
}

// ValidatedLedger returns the index of the last closed ledger.
func (n *Net) ValidatedLedger() uint32 {
	seq, _ := n.eng.LastClose()
	return seq
}

// PauseCloses stops the close timer until ResumeCloses; Commit still works.
func (n *Net) PauseCloses() {
	n.mu.Lock()
	n.paused = true
	n.mu.Unlock()
}

// ResumeCloses restarts the close timer.
func (n *Net) ResumeCloses() {
	n.mu.Lock()
	n.paused = false
	n.mu.Unlock()
}

// DropConnections closes every client connection abruptly, as a node that
// went away would. The server keeps accepting new connections.
func (n *Net) DropConnections() { n.subs.dropAll() }

// RejectNext makes the next transaction submitted by addr get result (a
// name such as "tecNO_PERMISSION" or "telINSUF_FEE_P") after its signature
// checks. A tec result still takes the fee and the sequence; other classes
// leave the ledger untouched.
func (n *Net) RejectNext(addr, result string) error {
	a, ok := ledger.ParseAccount(addr)
	if !ok {
		return fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	if err := n.eng.RejectNext(a, result); err != nil {
		return fmt.Errorf("localnet: %w", err)
	}
	return nil
}

// Errors.
var (
	// ErrAddress is returned for a malformed classic address.
	ErrAddress = errors.New("localnet: bad address")
	// ErrClosed is returned by helpers after Close.
	ErrClosed = errors.New("localnet: closed")
)

// TxError is a helper transaction that did not succeed.
type TxError struct {
	TxType string
	Result string
	Hash   string
}

func (e *TxError) Error() string {
	return fmt.Sprintf("localnet: %s %s: %s", e.TxType, e.Hash, e.Result)
}

// Submit signs tx with signer and applies it to the open ledger, returning
// the hash. It fails with *TxError unless the result is tesSUCCESS. Sequence,
// Fee and NetworkID are filled in when zero.
func (n *Net) Submit(ctx context.Context, signer evernode.Signer, account string, tx evernode.Transaction) (string, error) {
	return n.submit(ctx, signer, account, tx)
}

func (n *Net) submit(ctx context.Context, signer evernode.Signer, account string, tx evernode.Transaction) (string, error) {
	// Two submits from one account must not read the same Sequence.
	n.submitMu.Lock()
	defer n.submitMu.Unlock()
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return "", ErrClosed
	}
	a, ok := ledger.ParseAccount(account)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrAddress, account)
	}
	var seq uint32
	n.eng.Read(ledger.Current, func(r ledger.Reader) {
		if ar := r.Get(ledger.AccountKey(a)); ar != nil {
			seq, _ = ar["Sequence"].(uint32)
		}
	})
	m, err := evernode.JSON(n.network, tx)
	if err != nil {
		return "", err
	}
	m["Account"] = account
	if s, _ := m["Sequence"].(uint32); s == 0 {
		m["Sequence"] = seq
	}
	if f, _ := m["Fee"].(string); f == "" || f == "0" {
		m["Fee"] = fmt.Sprint(n.eng.Fee(m))
	}
	signed, err := evernode.Sign(ctx, n.network, signer, evernode.Raw(m))
	if err != nil {
		return "", err
	}
	res, err := n.eng.Submit(signed.Blob)
	if err != nil {
		return "", fmt.Errorf("localnet: submit %s: %w", tx.TxType(), err)
	}
	n.subs.publishProposed(res)
	if res.Result != "tesSUCCESS" {
		return signed.HashHex(), &TxError{TxType: tx.TxType(), Result: res.Result, Hash: signed.HashHex()}
	}
	return signed.HashHex(), nil
}

// Fund pays drops from the genesis account to addr (creating the account
// if needed) with a signed Payment in the open ledger.
func (n *Net) Fund(ctx context.Context, addr string, drops uint64) error {
	n.fundMu.Lock()
	defer n.fundMu.Unlock()
	_, err := n.submit(ctx, n.genesis, n.genesis.Address(), evernode.Payment{
		Destination: addr, Amount: evernode.Drops(drops)})
	return err
}

// NewFundedWallet creates an ed25519 wallet and funds it with drops.
func (n *Net) NewFundedWallet(ctx context.Context, drops uint64) (*evernode.Wallet, error) {
	w, err := evernode.NewWallet(rand.Reader, evernode.Ed25519)
	if err != nil {
		return nil, err
	}
	if err := n.Fund(ctx, w.Address(), drops); err != nil {
		return nil, err
	}
	return w, nil
}

// IssuerFunding is what SetupIssuer funds a new issuer with, in drops.
const IssuerFunding = 1_000_000_000

// SetupIssuer creates a funded issuer account with DefaultRipple set (so
// holders can pay each other in its currency). currency is only checked.
func (n *Net) SetupIssuer(ctx context.Context, currency string) (*evernode.Wallet, error) {
	if len(currency) != 3 && len(currency) != 40 {
		return nil, fmt.Errorf("localnet: bad currency %q", currency)
	}
	w, err := n.NewFundedWallet(ctx, IssuerFunding)
	if err != nil {
		return nil, err
	}
	if _, err := n.submit(ctx, w, w.Address(), evernode.AccountSet{SetFlag: evernode.AsfDefaultRipple}); err != nil {
		return nil, err
	}
	return w, nil
}

// TrustLimit is the limit TrustAndFund sets on the holder's line.
const TrustLimit = "1000000000"

// TrustAndFund makes holder trust issuer for currency (limit TrustLimit)
// and pays it value from the issuer: two signed transactions.
func (n *Net) TrustAndFund(ctx context.Context, holder, issuer *evernode.Wallet, currency, value string) error {
	if _, err := n.submit(ctx, holder, holder.Address(), evernode.TrustSet{
		LimitAmount: evernode.Amount{Currency: currency, Issuer: issuer.Address(), Value: TrustLimit}}); err != nil {
		return err
	}
	_, err := n.submit(ctx, issuer, issuer.Address(), evernode.Payment{
		Destination: holder.Address(), Amount: evernode.Amount{Currency: currency, Issuer: issuer.Address(), Value: value}})
	return err
}
