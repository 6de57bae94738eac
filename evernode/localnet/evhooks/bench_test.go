package evhooks_test

import (
	"encoding/binary"
	"testing"

	"github.com/evernode-go/sdk/evernode/localnet/evhooks"
	"github.com/evernode-go/sdk/hook"
)

// BenchmarkHosts10k lists 10,000 hosts (20,000 registry entries plus the
// configuration) over websocket with hook.Hosts. The hosts are written
// directly with Deployment.SetState.
func BenchmarkHosts10k(b *testing.B) {
	const hosts = 10_000
	e := newEnv(b)
	cfg := e.config()
	now := uint64(e.n.LedgerTime().Unix())
	lease, _ := hook.ParseXFL("0.5")
	entries := make([]evhooks.StateEntry, 0, 2*hosts)
	for i := range hosts {
		var acct hook.AccountID
		binary.BigEndian.PutUint32(acct[16:], uint32(i+1))
		var tok [32]byte
		binary.BigEndian.PutUint32(tok[28:], uint32(i+1))
		tok[4] = 0xEE
		ha := hook.HostAddr{RegistrationTokenID: tok, CountryCode: "SG", Description: "bench", MaxInstances: 3,
			RegistrationFee: 500, LastHeartbeatIndex: now, RegistrationTimestamp: now, LeaseAmount: lease}
		ht := hook.HostToken{Account: acct, CPUModel: "cpu", CPUCount: 2, CPUMHz: 2000, CPUMicrosec: 500000,
			RAMMB: 2048, DiskMB: 20000, Email: "h@example.org"}
		entries = append(entries, evhooks.StateEntry{Key: hook.HostAddrKey(acct), Value: ha.Encode()},
			evhooks.StateEntry{Key: hook.TokenIDKey(tok), Value: ht.Encode()})
	}
	if err := e.d.SetState(e.ctx, entries...); err != nil {
		b.Fatal(err)
	}
	e.commit()
	opts := &hook.HostsOptions{Now: e.n.LedgerTime()}
	b.ResetTimer()
	for b.Loop() {
		got, err := hook.Hosts(e.ctx, e.c, cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != hosts || !got[0].Active {
			b.Fatalf("%d hosts", len(got))
		}
	}
}
