package memory_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/memory"
)

func Example() {
	ctx := context.Background()
	p, err := memory.New(ctx, memory.Config{UserPortBase: 28901, PeerPortBase: 28951})
	if err != nil {
		panic(err)
	}
	defer p.Close()

	per, _ := instance.PerInstance(instance.DefaultTotals(2), memory.DefaultMaxInstances)
	info, err := p.Create(ctx, instance.CreateRequest{
		Name:   "9B0C6E8D41D0B2D1A9F1E0E5C3A3F0A7D6F5E4C3B2A1908F7E6D5C4B3A291807",
		Tenant: "rTenant",
		Requirements: instance.Requirements{
			OwnerPubkey: "ed0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			ContractID:  "3c349abe-4d70-4f50-9fa6-018f1f2530ab",
		},
		Resources: per,
	})
	if err != nil {
		panic(err)
	}
	// What the host sends back to the tenant (sashimono's field names).
	m := info.Details.Memo()
	m.Pubkey = m.Pubkey[:2] + "…" // a fresh key every run
	// The ports are the lowest pair from the bases whose user port no other
	// process holds: 28901 and 28951 on an idle machine, later ones if
	// something else listens there.
	fmt.Println("ports from the bases:", info.Details.UserPort >= 28901 && info.Details.PeerPort >= 28951)
	m.PeerPort, m.UserPort = "…", "…"
	b, _ := json.Marshal(m)
	fmt.Println(info.Status)
	fmt.Println(string(b))
	// Output:
	// ports from the bases: true
	// running
	// {"name":"9B0C6E8D41D0B2D1A9F1E0E5C3A3F0A7D6F5E4C3B2A1908F7E6D5C4B3A291807","pubkey":"ed…","contract_id":"3c349abe-4d70-4f50-9fa6-018f1f2530ab","peer_port":"…","user_port":"…","domain":"127.0.0.1"}
}
