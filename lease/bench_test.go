package lease

import (
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// BenchmarkAcquireToAnswer measures a whole acquire against the scripted
// host on localnet (20 ms ledgers) and reports how many ledgers after the
// acquire's the answer validated in (target: 1).
func BenchmarkAcquireToAnswer(b *testing.B) {
	for _, chain := range []evernode.Chain{evernode.Xahau, evernode.XRPL} {
		b.Run(chain.String(), func(b *testing.B) {
			e := newEnv(b, chain)
			if _, err := e.host.MintN(e.ctx, b.N, "1", nil); err != nil {
				b.Fatal(err)
			}
			stop := e.runHost(e.ctx, hostScript{})
			defer stop()
			var ledgers uint64
			b.ResetTimer()
			for range b.N {
				res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
				if err != nil {
					b.Fatal(err)
				}
				ledgers += uint64(res.Answer.LedgerIndex - res.Tx.LedgerIndex)
			}
			b.ReportMetric(float64(ledgers)/float64(b.N), "ledgers/answer")
		})
	}
}
