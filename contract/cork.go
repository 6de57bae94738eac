package contract

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

const (
	// corkBytes is how much a corked connection collects before it writes.
	corkBytes = 1 << 20
	// corkMinBytes is the message size from which Client.send corks.
	corkMinBytes = 64 << 10
)

// corkConn is the network connection under the websocket (and under TLS). coder/websocket
// masks a client frame through its own 4 KiB buffer, so a 9 MiB upload reaches the
// connection as some 2,300 small writes, each a syscall. While corked (a large message is
// being written), corkConn collects them and writes about corkBytes at a time; uncorked it
// writes straight through, so that small messages, pongs and close frames are never held.
// It is safe for concurrent use.
type corkConn struct {
	net.Conn

	mu     sync.Mutex
	corked int
	buf    []byte
	err    error // a failed collected write, returned by the next Write and by uncork

	writes atomic.Int64 // writes issued to Conn: tests count them
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if c.corked == 0 {
		return c.write(p)
	}
	if len(c.buf)+len(p) > corkBytes {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	if len(p) >= corkBytes {
		return c.write(p)
	}
	if c.buf == nil {
		c.buf = make([]byte, 0, corkBytes)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *corkConn) write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func (c *corkConn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.write(c.buf)
	c.buf = c.buf[:0]
	if err != nil {
		c.err = err
	}
	return err
}

// cork starts collecting writes; the returned uncork writes what was collected (its error is
// the first write error since cork) and, at the last uncork, returns to writing through and
// releases the buffer.
func (c *corkConn) cork() (uncork func() error) {
	c.mu.Lock()
	c.corked++
	c.mu.Unlock()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.corked--
			err = c.flushLocked()
			if c.corked == 0 {
				c.buf = nil
			}
			if err == nil {
				err = c.err
			}
		})
		return err
	}
}

// corkingClient returns an HTTP client like hc (nil: the default, which does not verify the
// node's certificate) whose connections are corkConns, and a function that returns the
// last connection it dialled. A client whose transport is not an *http.Transport is
// returned as it is, with no connection to cork.
func corkingClient(hc *http.Client, insecure func() *http.Transport) (*http.Client, func() *corkConn) {
	var t *http.Transport
	switch {
	case hc == nil:
		t = insecure()
		hc = &http.Client{}
	default:
		ht, ok := hc.Transport.(*http.Transport)
		if hc.Transport == nil {
			ht, ok = http.DefaultTransport.(*http.Transport)
		}
		if !ok {
			return hc, func() *corkConn { return nil }
		}
		t = ht.Clone()
		copied := *hc
		hc = &copied
	}
	var last atomic.Pointer[corkConn]
	wrap := func(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cc := &corkConn{Conn: conn}
			last.Store(cc)
			return cc, nil
		}
	}
	switch {
	case t.DialTLSContext != nil:
		// The transport does its own TLS: cork above it (TLS records of a few KiB, but few
		// writes into the transport's TLS connection).
		t.DialTLSContext = wrap(t.DialTLSContext)
		if t.DialContext != nil {
			t.DialContext = wrap(t.DialContext)
		}
	case t.DialContext != nil:
		t.DialContext = wrap(t.DialContext)
	default:
		t.DialContext = wrap((&net.Dialer{}).DialContext)
	}
	hc.Transport = t
	return hc, last.Load
}
