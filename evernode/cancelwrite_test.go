package evernode

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// A caller that gives up while its request is being written must not take
// the shared connection down with it: coder/websocket closes a connection
// whose write context ends, and every other caller's request in flight
// would fail with ErrDisconnected (seen as hostd tests failing
// "disconnected: account_objects: failed to write msg: use of closed
// network connection" after a crashed daemon's context was cancelled).
func TestCancelledWriteKeepsConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gate := make(chan struct{})
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(64 << 20)
		conns.Add(1)
		for {
			_, data, err := ws.Read(r.Context())
			if err != nil {
				return
			}
			var req struct {
				ID      uint64 `json:"id"`
				Command string `json:"command"`
			}
			if json.Unmarshal(data, &req) != nil {
				return
			}
			if req.Command == "block" {
				// Stop reading: the next request's write fills the
				// socket's buffers and blocks.
				<-gate
			}
			res := map[string]any{"id": req.ID, "type": "response", "status": "success",
				"result": map[string]any{"ledger_index": 100}}
			b, _ := json.Marshal(res)
			if ws.Write(r.Context(), websocket.MessageText, b) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	n := Mainnet()
	n.URL = "ws" + strings.TrimPrefix(srv.URL, "http")
	c, err := Dial(ctx, n, nil)
	require.NoError(t, err)
	defer c.Close()

	blocked := make(chan error, 1)
	go func() { blocked <- c.call(ctx, "block", nil, nil) }()
	bctx, bcancel := context.WithCancel(ctx)
	big := make(chan error, 1)
	go func() {
		big <- c.call(bctx, "big", map[string]any{"blob": strings.Repeat("A", 32<<20)}, nil)
	}()
	for {
		c.mu.Lock()
		inFlight := len(c.pending)
		c.mu.Unlock()
		if inFlight == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the two requests never went out")
		case <-time.After(time.Millisecond):
		}
	}
	// The big write is under way (32 MiB cannot fit in loopback buffers
	// while the server does not read). Were the cancel to come before it
	// started, the test would pass either way; it cannot fail wrongly.
	time.Sleep(100 * time.Millisecond)
	bcancel()
	time.Sleep(50 * time.Millisecond) // the old client closed the connection here, at once
	close(gate)

	require.NoError(t, <-blocked, "the other caller's request survives")
	require.ErrorIs(t, <-big, context.Canceled)
	require.NoError(t, c.call(ctx, "after", nil, nil))
	require.Equal(t, int32(1), conns.Load(), "no reconnect")
	require.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
}
