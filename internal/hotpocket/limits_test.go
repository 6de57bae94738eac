package hotpocket

import (
	"context"
	"crypto/ed25519"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// closedWithin waits for the client's reader to stop.
func closedWithin(t *testing.T, c *tclient, d time.Duration) bool {
	t.Helper()
	select {
	case <-c.done:
		return true
	case <-time.After(d):
		return false
	}
}

// stat round-trips a stat request: the session is verified and served.
func (c *tclient) stat() {
	c.t.Helper()
	c.send(bson.D{{Key: "type", Value: "stat"}})
	c.waitType("stat_response")
}

func TestFrameBeforeChallengeIsTiny(t *testing.T) {
	n := startNode(t, "")
	c := rawDial(t, n.Node)
	readOne(t, c) // the challenge
	require.NoError(t, c.Write(context.Background(), websocket.MessageBinary, make([]byte, preHandshakeReadLimit+1)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err))

	// Once verified, max_bytes_per_msg applies.
	u := dial(t, n.Node, newKey(t), protoBSON)
	u.submit(make([]byte, 64<<10))
	u.stat()
}

func TestIdleUnverifiedSocketsDoNotLockOutTheOwner(t *testing.T) {
	n := startNode(t, "")
	var held []net.Conn
	for range 2 * maxUnverified { // plain TCP, never a TLS hello
		c, err := net.Dial("tcp", n.Addr().String())
		require.NoError(t, err)
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// Accept is asynchronous: wait until the node holds its quota of them.
	for deadline := time.Now().Add(5 * time.Second); n.gate.count() < maxUnverified && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	assert.LessOrEqual(t, n.gate.count(), maxUnverified)
	c := dial(t, n.Node, n.owner, protoBSON) // same host as the idle sockets
	c.stat()
}

func TestOwnerAdmittedWhenUsersAreFull(t *testing.T) {
	t.Run("64 users", func(t *testing.T) {
		n := startNode(t, "")
		for range maxUserCount {
			dial(t, n.Node, newKey(t), protoJSON).stat()
		}
		extra := dial(t, n.Node, newKey(t), protoJSON) // gets the server response, stays unverified
		extra.send(bson.D{{Key: "type", Value: "stat"}})
		assert.True(t, closedWithin(t, extra, 5*time.Second), "65th user served")
		dial(t, n.Node, n.owner, protoBSON).stat()
	})
	t.Run("max_connections", func(t *testing.T) {
		n := startNode(t, `{"contract":{"consensus":{"roundtime":60}},"user":{"max_connections":2}}`)
		for range 2 {
			dial(t, n.Node, newKey(t), protoJSON).stat()
		}
		dial(t, n.Node, n.owner, protoBSON).stat()
		// Owner and two users in: a third user is refused at connect, as hpcore does.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _, err := websocket.Dial(ctx, "wss://"+n.Addr().String(), &websocket.DialOptions{HTTPClient: rawHTTPClient()})
		assert.Error(t, err)
	})
}

func TestUserIdleTimeout(t *testing.T) {
	n := startNode(t, `{"contract":{"consensus":{"roundtime":60}},"user":{"idle_timeout":300}}`)
	start := time.Now()
	c := dial(t, n.Node, newKey(t), protoJSON)
	require.True(t, closedWithin(t, c, 5*time.Second), "idle user not disconnected")
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
}

func TestBadMessagesCounted(t *testing.T) {
	t.Run("unlimited keeps nothing", func(t *testing.T) {
		n := startNode(t, "")
		key := newKey(t)
		c := dial(t, n.Node, key, protoJSON)
		for range 200 {
			c.sendRaw([]byte("not json"))
		}
		c.stat() // still served
		n.mu.Lock()
		s := n.users[string(prefixed(key.Public().(ed25519.PublicKey)))]
		require.NotNil(t, s)
		assert.Zero(t, s.badMin.count)
		n.mu.Unlock()
	})
	t.Run("limit drops", func(t *testing.T) {
		n := startNode(t, `{"contract":{"consensus":{"roundtime":60}},"user":{"max_bad_msgs_per_min":5}}`)
		c := dial(t, n.Node, newKey(t), protoJSON)
		for range 6 {
			c.sendRaw([]byte("not json"))
		}
		assert.True(t, closedWithin(t, c, 5*time.Second), "sixth bad message did not drop the user")
	})
}

func TestThresholdWindow(t *testing.T) {
	th := threshold{limit: 3}
	t0 := time.Unix(1000, 0)
	assert.False(t, th.add(t0, 3))
	assert.True(t, th.add(t0.Add(time.Second), 1))
	assert.False(t, th.add(t0.Add(2*time.Second), 3), "counter restarts after exceeding")
	assert.False(t, th.add(t0.Add(2*time.Second+thresholdWindow+time.Millisecond), 3), "window elapsed")
	off := threshold{}
	for range 1000 {
		assert.False(t, off.add(t0, 1<<40))
	}
	assert.Zero(t, off.count)
}

// TestInputFloodStaysBounded: one user streams 1 MiB inputs as fast as the node reads them,
// with round_limits.user_input_bytes 0 (unlimited, the default). The node's live heap after
// GC stays bounded: reads pause while a round's inputs are at their bound, and the raw
// inputs of past ledgers are on disk.
func TestInputFloodStaysBounded(t *testing.T) {
	n := startNode(t, `{"contract":{"consensus":{"roundtime":50},"max_input_ledger_offset":0}}`)
	c := dial(t, n.Node, newKey(t), protoBSON)
	lcl := c.lcl()
	input := make([]byte, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	sent := make(chan int)
	go func() {
		count := 0
		defer func() { sent <- count }()
		for ctx.Err() == nil {
			c.nonce++
			cont, sig := c.container(input, c.nonce, lcl+10_000) // never expires within the test
			m, _ := bson.Marshal(bson.D{{Key: "type", Value: "contract_input"}, {Key: "input_container", Value: bson.Binary{Data: cont}}, {Key: "sig", Value: bson.Binary{Data: sig}}})
			if c.c.Write(ctx, websocket.MessageBinary, m) != nil {
				return
			}
			count++
		}
	}()
	var peak uint64
	for range 5 {
		time.Sleep(500 * time.Millisecond)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	cancel()
	count := <-sent
	t.Logf("%d inputs of 1 MiB sent; live heap after GC peaked at %d MiB", count, peak>>20)
	assert.Less(t, peak, uint64(96<<20))
}

func TestLedgerQueryReadsRawDataFromDisk(t *testing.T) {
	n := manualNode(t)
	c := dial(t, n.Node, newKey(t), protoBSON)
	h := c.submit([]byte("hello"))
	c.stat()
	l := n.close1(t)
	assert.Nil(t, l.Inputs, "raw inputs are not kept in memory")
	assert.Equal(t, "accepted", c.status(h)["status"])
	c.send(bson.D{{Key: "type", Value: "ledger_query"}, {Key: "id", Value: "q"}, {Key: "filter_by", Value: "seq_no"},
		{Key: "params", Value: bson.D{{Key: "seq_no", Value: int64(l.SeqNo)}}}, {Key: "include", Value: bson.A{"inputs"}}})
	r := c.waitType("ledger_query_result")
	res := r["results"].([]any)
	require.Len(t, res, 1)
	ins := res[0].(map[string]any)["inputs"].([]any)
	require.Len(t, ins, 1)
	in := ins[0].(map[string]any)
	assert.Equal(t, "hello", string(c.binField(in, "blob")))
	assert.Equal(t, h, c.binField(in, "hash"))
}
