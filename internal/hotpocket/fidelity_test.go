package hotpocket

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// manualNode starts a node whose round timer never fires within a test: the test closes
// rounds itself with closeRound, so what lands in a round is decided by the test, not by
// the clock.
func manualNode(t *testing.T) *testNode {
	t.Helper()
	return startNode(t, `{"contract":{"consensus":{"roundtime":3600000}}}`)
}

func (n *testNode) close1(t *testing.T) ledgerRecord {
	t.Helper()
	n.closeRound(n.ctx)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.history[len(n.history)-1]
}

func TestEmptyListsHashToZero(t *testing.T) {
	n := manualNode(t)
	l := n.close1(t) // no user connected, no input
	assert.Equal(t, zeroHash, l.UserHash, "user_hash of no users")
	assert.Equal(t, zeroHash, l.InputHash, "input_hash of no inputs")

	c := dial(t, n.Node, newKey(t), protoJSON)
	c.stat() // the session is registered before the round closes
	l = n.close1(t)
	assert.Equal(t, hpwire.Hash(c.pub33), l.UserHash)
	assert.Equal(t, zeroHash, l.InputHash)
}

func TestGroupNonceIsHashOfNodeNonces(t *testing.T) {
	n := manualNode(t)
	a, b := n.close1(t), n.close1(t)
	require.Len(t, a.GroupNonce, 32)
	assert.NotEqual(t, zeroHash, a.GroupNonce)
	assert.NotEqual(t, a.GroupNonce, b.GroupNonce, "a fresh node nonce every round")
	var seq, ts [8]byte
	binary.BigEndian.PutUint64(seq[:], b.SeqNo-1)
	binary.BigEndian.PutUint64(ts[:], b.Timestamp)
	data := hpwire.ListHash(seq[:], ts[:], b.StateHash, b.ConfigHash, b.GroupNonce, b.UserHash, b.InputHash, b.OutputHash)
	assert.Equal(t, data, b.DataHash)
	assert.Equal(t, hpwire.Hash(a.Hash, data), b.Hash)
}

// TestNonceCheckedAtSubmissionRecordedAtClose pins hpcore's input_nonce_map use: at
// submission usr.cpp calls check(..., no_add=true), so the nonce is checked but not recorded;
// consensus records it (validate_user_input_submission). Two inputs with one nonce in one
// round both pass submission; at close the first in ordered-hash order wins, the other is
// nonce_expired, and an identical resubmission is already_submitted with no status.
func TestNonceCheckedAtSubmissionRecordedAtClose(t *testing.T) {
	n := manualNode(t)
	n.close1(t)
	c := dial(t, n.Node, newKey(t), protoBSON)
	lcl := c.lcl()
	contA, sigA := c.container([]byte("a"), 7, lcl+3)
	contB, sigB := c.container([]byte("b"), 7, lcl+4)
	ha := c.sendInput(contA, sigA)
	hb := c.sendInput(contB, sigB)
	c.sendInput(contA, sigA) // the same message again
	c.stat()                 // all three are processed: no status came back at submission
	for len(c.msgs) > 0 {
		m := c.decode(<-c.msgs)
		require.NotEqual(t, "contract_input_status", m["type"], "status at submission: %v", m)
	}
	l := n.close1(t)
	win, lose := ha, hb
	if bytes.Compare(hb, ha) < 0 {
		win, lose = hb, ha
	}
	assert.Equal(t, hpwire.ListHash(win), l.InputHash)

	// Recorded at close: the same nonce is now refused at submission.
	contC, sigC := c.container([]byte("c"), 7, lcl+5)
	hc := c.sendInput(contC, sigC)
	statuses := map[string][]msg{}
	c.waitFor(5*time.Second, "status of the third nonce", func(m msg) bool {
		if m["type"] != "contract_input_status" {
			return false
		}
		h := string(c.binField(m, "input_hash"))
		statuses[h] = append(statuses[h], m)
		return h == string(hc)
	})
	// A's duplicate matches the recorded entry only if A won: then it is already_submitted
	// (no status); otherwise it is nonce_expired like A.
	wantLose := 1
	if bytes.Equal(lose, ha) {
		wantLose = 2
	}
	require.Len(t, statuses[string(win)], 1, "one status for the winner, none for a duplicate")
	assert.Equal(t, "accepted", statuses[string(win)][0]["status"])
	require.Len(t, statuses[string(lose)], wantLose)
	for _, st := range statuses[string(lose)] {
		assert.Equal(t, hpwire.ReasonNonceExpired, st["reason"])
	}
	assert.Equal(t, hpwire.ReasonNonceExpired, statuses[string(hc)][0]["reason"])
}

func TestPaceRoundsWork(t *testing.T) {
	n := manualNode(t)
	assert.True(t, n.hasWork(), "the first ledger")
	n.close1(t)
	assert.False(t, n.hasWork(), "idle")
	c := dial(t, n.Node, newKey(t), protoBSON)
	c.submit(bsonDoc(t, bson.D{{Key: "type", Value: "status"}})) // not the owner: still an output
	c.stat()
	assert.True(t, n.hasWork(), "submitted input")
	n.close1(t)
	assert.True(t, n.hasWork(), "outputs to deliver")
	n.close1(t)
	assert.False(t, n.hasWork(), "idle again")
	c.send(bson.D{{Key: "type", Value: "subscription"}, {Key: "channel", Value: "ledger_event"}, {Key: "enabled", Value: true}})
	c.stat()
	assert.True(t, n.hasWork(), "someone watches ledgers")
	c.send(bson.D{{Key: "type", Value: "subscription"}, {Key: "channel", Value: "ledger_event"}, {Key: "enabled", Value: false}})
	c.stat()
	require.NoError(t, os.WriteFile(patchPath(n.dir), []byte(`{"version":"2.0"}`), 0o644))
	assert.True(t, n.hasWork(), "patch.cfg changed")
}

// Rounds close on the clock's roundtime boundaries, as hpcore's windows do.
func TestUntilBoundary(t *testing.T) {
	rt := 100 * time.Millisecond
	for _, c := range []struct{ at, want time.Duration }{
		{0, rt}, {time.Millisecond, 99 * time.Millisecond}, {99 * time.Millisecond, time.Millisecond}, {250 * time.Millisecond, 50 * time.Millisecond},
	} {
		if got := untilBoundary(time.Unix(1_700_000_000, 0).Add(c.at), rt); got != c.want {
			t.Errorf("%v past a boundary: %v to the next, want %v", c.at, got, c.want)
		}
	}
}
