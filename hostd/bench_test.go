package hostd

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/memory"
	"github.com/evernode-go/sdk/lease"
	"github.com/evernode-go/sdk/memo"
)

// BenchmarkAcquire100 submits 100 acquires in one ledger to a daemon with
// 100 slots and reports the ledgers and the wall time until the last one
// is answered: with the memory provisioner (real in-process HotPocket
// nodes) and with an instant fake one (the daemon alone), on ledgers
// closing every second (Xahau closes every 3–4 s).
//
//	go test ./hostd -run '^$' -bench Acquire100 -benchtime 1x
func BenchmarkAcquire100(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchAcquire(b, true) })
	b.Run("fake", func(b *testing.B) { benchAcquire(b, false) })
}

func benchAcquire(b *testing.B, real bool) {
	const n = 100
	for range b.N {
		tn := newTestNetClosing(b, 5*time.Minute, time.Second)
		h := tn.host(b, n, "1")
		var prov instance.Provisioner = h.prov
		if real {
			mp, err := memory.New(tn.ctx, memory.Config{Root: b.TempDir(), MaxInstances: n, UserPortBase: 31500, PeerPortBase: 32100})
			if err != nil {
				b.Fatal(err)
			}
			defer mp.Close()
			prov = mp
		}
		d, err := New(h.c, h.w, prov, &h.cfg)
		if err != nil {
			b.Fatal(err)
		}
		r := tn.runs.start(tn.ctx, d)
		tn.waitFor(b, "offers", func() bool { return h.offers() == n })
		offers, err := lease.Offers(tn.ctx, h.c, h.w.Address(), lease.URIToken)
		if err != nil {
			b.Fatal(err)
		}
		// 100 funded tenants, set up in the open ledger.
		key, err := memo.ParsePublicKey(h.w.PublicKeyHex())
		if err != nil {
			b.Fatal(err)
		}
		var buys []evernode.Transaction
		var tenants []*evernode.Wallet
		for i := range n {
			w, err := tn.net.NewFundedWallet(tn.ctx, 100_000_000)
			if err != nil {
				b.Fatal(err)
			}
			if err := tn.net.TrustAndFund(tn.ctx, w, tn.issuer, "EVR", "10"); err != nil {
				b.Fatal(err)
			}
			if _, err := tn.net.Submit(tn.ctx, w, w.Address(), evernode.AccountSet{MessageKey: w.PublicKey()}); err != nil {
				b.Fatal(err)
			}
			payload, err := memo.SealPayload(nil, &key, testReq, nil)
			if err != nil {
				b.Fatal(err)
			}
			tx, err := lease.AcquireTx(w.Address(), offers[i], payload)
			if err != nil {
				b.Fatal(err)
			}
			buys = append(buys, tx)
			tenants = append(tenants, w)
		}
		tn.waitFor(b, "tenants", func() bool { return tn.c.ValidatedLedger() > 0 })
		if err := tn.c.WaitLedger(tn.ctx, tn.c.ValidatedLedger()+2); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		tn.net.PauseCloses()
		refs := make([]string, n)
		for i, tx := range buys {
			if refs[i], err = tn.net.Submit(tn.ctx, tenants[i], tenants[i].Address(), tx); err != nil {
				b.Fatal(err)
			}
		}
		acqLedger := tn.net.Commit()
		tn.net.ResumeCloses()
		last := uint32(0)
		for i := range n {
			var ans []lease.Event
			tn.waitFor(b, "answer", func() bool { ans = h.answers(tenants[i].Address(), refs[i]); return len(ans) > 0 })
			if ans[0].Type != memo.EventAcquireSuccess {
				b.Fatalf("acquire %d: %s %s", i, ans[0].Type, ans[0].Reason)
			}
			last = max(last, ans[0].LedgerIndex)
		}
		wall := time.Since(start)
		b.StopTimer()
		b.Logf("acquires in ledger %d, last answer in ledger %d", acqLedger, last)
		b.ReportMetric(float64(last-acqLedger), "ledgers")
		b.ReportMetric(float64(wall.Milliseconds()), "ms-to-last-answer")
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
		<-r.done
	}
}

// BenchmarkMemory1000Leases reports the heap a running daemon holds with
// 1,000 active leases in its database and 1,000 instances.
//
//	go test ./hostd -run '^$' -bench Memory1000 -benchtime 1x
func BenchmarkMemory1000Leases(b *testing.B) {
	const n = 1000
	for range b.N {
		tn := newTestNet(b, 2*time.Minute)
		h := tn.host(b, n, "1")
		h.cfg.Instances = 0 // the inventory repair is not what is measured
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err := New(h.c, h.w, h.prov, &h.cfg)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		err = d.db.Update(func(tx *bolt.Tx) error {
			for i := range n {
				tok := fmt.Sprintf("%064X", i+1)
				if _, err := h.prov.Create(context.Background(), instanceReq(tok)); err != nil {
					return err
				}
				inst := memo.Instance{Name: tok, Pubkey: "ed" + tok, ContractID: testReq.ContractID, UserPort: "26201", PeerPort: "22861", Domain: "127.0.0.1"}
				l := &Lease{Ref: fmt.Sprintf("%064X", 1<<32+i), State: Active, TokenID: tok, Index: uint16(i), Price: "1",
					Tenant: h.w.Address(), Paid: amountJSON{Currency: "EVR", Issuer: tn.issuer.Address(), Value: "1"},
					Acquired: now, Deadline: now, Instance: &inst, Expiry: now.Add(24 * time.Hour)}
				if err := putLease(tx, l, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- d.Run(tn.ctx) }()
		for range 10 { // a few scheduler rounds over every lease
			if err := h.c.WaitLedger(tn.ctx, h.c.ValidatedLedger()+5); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, "KiB-heap")
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
		<-done
	}
}
