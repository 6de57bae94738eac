package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The demo is the end-to-end test of the SDK: hooks, leases, instances,
// contracts and the client on one localnet, with three hosts.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := cli(ctx, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"3 hosts", "registered, heartbeat sent", "3 of 3 instances free", "answer", "ledger(s) later",
		"accepted by node", "confirmed=true", "UNL of 3", `"hello from the tenant" from node`, "verified",
		"has seen 2 input(s)", "now expires at moment", "all 3 leases on offer again", "every step succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "  acquire "); n != 3 {
		t.Errorf("%d acquires, want 3:\n%s", n, out.String())
	}
	t.Log("\n" + out.String())
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-hosts", "0"}, {"-hosts", "x"}, {"extra"}, {"-nope"}} {
		var out, errOut bytes.Buffer
		if code := cli(context.Background(), args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}
