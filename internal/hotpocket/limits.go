package hotpocket

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// Limits that hp.cfg does not set. hpcore leans on hpws (one process per connection, frames
// bounded by max_bytes_per_msg) and on corebill bans; this node runs every connection in one
// process, so it bounds what an unauthenticated peer can make it hold.
const (
	// maxUnverified is how many connections may be between TCP accept and an answered
	// challenge at once. A new connection beyond it closes the oldest unverified connection
	// of the host holding the most, so idle sockets cannot lock the owner out.
	maxUnverified = 32
	// preHandshakeReadLimit bounds a frame before the challenge is answered; a challenge
	// response is about 300 bytes.
	preHandshakeReadLimit = 4 << 10
	// maxHeaderBytes bounds the HTTP upgrade request.
	maxHeaderBytes = 8 << 10
	// sendQueueBytes is what a session may have queued for a client that does not read;
	// beyond it (with at least one message queued) the client is dropped.
	sendQueueBytes = 32 << 20
	// readQueueBytes bounds the content of queued read requests, node-wide; beyond it
	// requests are dropped, as hpcore drops them when its queue is full.
	readQueueBytes = 64 << 20
	// pendingInputBytes bounds the round's submitted input containers, node-wide. When it is
	// reached (or a user has max_bytes_per_msg pending while round_limits.user_input_bytes is
	// 0, unlimited), the node stops reading from users until the round closes: TCP pushes
	// back and nothing is rejected.
	pendingInputBytes = 64 << 20
	// thresholdWindow is hpcore's per-minute metric window (comm_session INTERVALMS).
	thresholdWindow = time.Minute
)

// threshold is hpcore's session_threshold: a counter over a window that starts at the first
// increment; a zero limit disables it (and it keeps nothing).
type threshold struct {
	limit uint64
	count uint64
	start time.Time
}

// add counts amount at now and reports whether the limit was exceeded within the window.
func (t *threshold) add(now time.Time, amount uint64) bool {
	if t.limit == 0 {
		return false
	}
	if t.start.IsZero() || now.Sub(t.start) > thresholdWindow {
		t.start, t.count = now, 0
	}
	t.count += amount
	if t.count > t.limit {
		t.start, t.count = time.Time{}, 0
		return true
	}
	return false
}

// gate tracks connections from TCP accept until their user answers the challenge: it closes
// them after handshakeTimeout (hpcore UNVERIFIED_INACTIVE_TIMEOUT, here counted from accept
// so that the TLS and HTTP stages are covered too) and holds at most maxUnverified.
type gate struct {
	quota   int
	timeout time.Duration

	mu      sync.Mutex
	pending map[*gateConn]struct{}
}

func newGate(quota int, timeout time.Duration) *gate {
	return &gate{quota: quota, timeout: timeout, pending: map[*gateConn]struct{}{}}
}

// gateConn is an accepted connection; Close is idempotent and safe for concurrent use.
type gateConn struct {
	net.Conn
	g        *gate
	host     string
	accepted time.Time
	timer    *time.Timer
	once     sync.Once
}

func (c *gateConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		c.g.forget(c)
		err = c.Conn.Close()
	})
	return err
}

// admit registers c and returns the connection it evicts, if any, already out of the count:
// the caller closes it.
func (g *gate) admit(c *gateConn) *gateConn {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending[c] = struct{}{}
	c.timer = time.AfterFunc(g.timeout, func() { c.Close() })
	if len(g.pending) <= g.quota {
		return nil
	}
	perHost := map[string]int{}
	for p := range g.pending {
		perHost[p.host]++
	}
	var victim *gateConn
	for p := range g.pending {
		if p == c {
			continue
		}
		if victim == nil || perHost[p.host] > perHost[victim.host] ||
			perHost[p.host] == perHost[victim.host] && p.accepted.Before(victim.accepted) {
			victim = p
		}
	}
	// Out of the count at once; Accept closes it.
	delete(g.pending, victim)
	victim.timer.Stop()
	return victim
}

// verified takes c out of the handshake accounting: its user answered the challenge.
func (g *gate) verified(c *gateConn) {
	g.forget(c)
}

func (g *gate) forget(c *gateConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pending[c]; ok {
		delete(g.pending, c)
		c.timer.Stop()
	}
}

func (g *gate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

// gateListener puts every accepted connection through the gate.
type gateListener struct {
	net.Listener
	g *gate
}

func (l gateListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	gc := &gateConn{Conn: c, g: l.g, host: host, accepted: time.Now()}
	if victim := l.g.admit(gc); victim != nil {
		victim.Close()
	}
	return gc, nil
}

type gateKey struct{}

// withGateConn is http.Server.ConnContext: it lets the handler find the connection's gate
// entry under the TLS layer.
func withGateConn(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if gc, ok := c.(*gateConn); ok {
		return context.WithValue(ctx, gateKey{}, gc)
	}
	return ctx
}

func gateConnFrom(ctx context.Context) *gateConn {
	gc, _ := ctx.Value(gateKey{}).(*gateConn)
	return gc
}
