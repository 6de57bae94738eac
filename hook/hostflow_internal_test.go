package hook

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
)

// TestVoteMessage finds the heartbeat hook's VOTE_VALIDATION_ERR among the
// hook executions, NUL padding and all, and nothing else.
func TestVoteMessage(t *testing.T) {
	exec := func(msg string) any {
		return map[string]any{"HookExecution": map[string]any{"HookReturnString": strings.ToUpper(hex.EncodeToString([]byte(msg)))}}
	}
	skipped := "VOTE_VALIDATION_ERR - Vote skipped, Invalid or vote closed candidate."
	r := evernode.TxResult{Meta: map[string]any{"HookExecutions": []any{exec("Evernode: Heartbeat accepted."), exec(skipped + "\x00\x00")}}}
	if msg, ok := VoteSkipped(r); !ok || msg != skipped {
		t.Fatalf("VoteSkipped = %q, %v", msg, ok)
	}
	for _, m := range []map[string]any{nil, {"HookExecutions": "x"}, {"HookExecutions": []any{exec("Evernode: Heartbeat accepted."), "junk",
		map[string]any{"HookExecution": map[string]any{"HookReturnString": "zz"}}}}} {
		if msg, ok := voteMessage(evernode.TxResult{Meta: m}); ok {
			t.Errorf("voteMessage(%v) = %q", m, msg)
		}
	}
}

// TestIsLeaseToken: base64 "evrlease…" URIs (v0.6) and raw ones, issued by
// the host; registration tokens and other issuers are not leases.
func TestIsLeaseToken(t *testing.T) {
	const host = "rHost"
	tok := func(issuer string, uri []byte) map[string]any {
		return map[string]any{"Issuer": issuer, "URI": hex.EncodeToString(uri)}
	}
	b64 := []byte(base64.StdEncoding.EncodeToString([]byte("evrleaseLTV\x00\x01")))
	for _, c := range []struct {
		t    map[string]any
		want bool
	}{
		{tok(host, b64), true},
		{tok(host, []byte("evrlease\x00\x01")), true},
		{tok("rOther", b64), false},
		{tok(host, []byte("evrhost0102030405060708")), false},
		{map[string]any{"Issuer": host, "URI": "not hex"}, false},
		{map[string]any{}, false},
	} {
		if got := isLeaseToken(c.t, host); got != c.want {
			t.Errorf("isLeaseToken(%v) = %v", c.t, got)
		}
	}
}
