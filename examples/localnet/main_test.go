package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The demo is the end-to-end test of the SDK: hooks, leases, instances,
// contracts and the client on one localnet.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var out bytes.Buffer
	// Ports away from the defaults, so a running demo or other tests on
	// this machine do not collide.
	if err := run(ctx, &out, options{CloseInterval: 50 * time.Millisecond, UserPortBase: 31201, PeerPortBase: 31861}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"registered", "active=true", "3 lease tokens offered", "bought lease", "ledger(s) after the acquire",
		"accepted by the bootstrap contract", "confirmed=true", `input "hello from the tenant" came back`, "verified=true",
		"has seen 1 input(s)", "the lease now expires at moment", "all 3 leases on offer again", "done in"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
}
