package evhooks_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/hook"
)

// Registrations and heartbeats per second under the Go emulation and
// under the real hooks (hookvm): each registration is the registration
// payment (whose hook execution emits the URIToken mint) and the token
// purchase; ledgers close every ten registrations.
//
//	go test -run '^$' -bench 'Registrations|Heartbeats' -benchtime=100x ./evernode/localnet/evhooks/

func BenchmarkRegistrationsEmulation(b *testing.B) { benchRegistrations(b, newEnv(b)) }
func BenchmarkRegistrationsWasm(b *testing.B)      { benchRegistrations(b, newWasmEnv(b)) }
func BenchmarkHeartbeatsEmulation(b *testing.B)    { benchHeartbeats(b, newEnv(b)) }
func BenchmarkHeartbeatsWasm(b *testing.B)         { benchHeartbeats(b, newWasmEnv(b)) }

// fastRegister sends the registrations of ws, closes the ledger (the
// next one applies the emitted URIToken mints and sell offers) and buys the
// tokens, without waiting for clients.
func (e *env) fastRegister(cfg *hook.Config, ws ...*evernode.Wallet) {
	e.t.Helper()
	reg, _ := hook.ParseAccountID(e.d.Registry.Address())
	ids := make([][32]byte, len(ws))
	for i, w := range ws {
		tx, err := hook.Register(cfg, w.Address(), sampleReg, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		hash, err := e.n.Submit(e.ctx, w, w.Address(), tx)
		if err != nil {
			e.t.Fatal(err)
		}
		h, _ := hex.DecodeString(hash)
		ids[i] = hook.RegistrationTokenID(reg, [32]byte(h))
	}
	e.n.Commit()
	for i, w := range ws {
		if _, err := e.n.Submit(e.ctx, w, w.Address(), evernode.URITokenBuy{
			URITokenID: strings.ToUpper(hex.EncodeToString(ids[i][:])), Amount: evernode.Drops(1)}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) hosts(n int) []*evernode.Wallet {
	out := make([]*evernode.Wallet, n)
	for i := range out {
		w, err := e.n.NewFundedWallet(e.ctx, 100_000_000)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.d.FundEVR(e.ctx, w, "1000"); err != nil {
			e.t.Fatal(err)
		}
		out[i] = w
	}
	e.n.Commit()
	return out
}

func benchRegistrations(b *testing.B, e *env) {
	hosts := e.hosts(b.N)
	cfg := e.config()
	b.ResetTimer()
	for i := 0; i < b.N; i += 10 {
		e.fastRegister(cfg, hosts[i:min(i+10, b.N)]...)
	}
	e.n.Commit()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "registrations/s")
}

func benchHeartbeats(b *testing.B, e *env) {
	const k = 20
	hosts := e.hosts(k)
	cfg := e.config()
	e.fastRegister(cfg, hosts...)
	e.n.Commit()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%k == 0 {
			b.StopTimer()
			e.n.AdvanceTime(testMoment * time.Second)
			e.n.Commit()
			b.StartTimer()
		}
		w := hosts[i%k]
		tx, err := hook.Heartbeat(cfg, w.Address(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.n.Submit(e.ctx, w, w.Address(), tx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "heartbeats/s")
}
