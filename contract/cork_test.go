package contract

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// recConn records the writes that reach the network.
type recConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	fail   error
}

func (r *recConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func (r *recConn) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []int
	for _, w := range r.writes {
		s = append(s, len(w))
	}
	return s
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantSizes(t *testing.T, rec *recConn, want ...int) {
	t.Helper()
	if got := rec.sizes(); !slices.Equal(got, want) {
		t.Fatalf("writes of %v bytes, want %v", got, want)
	}
}

func TestCorkConn(t *testing.T) {
	rec := &recConn{}
	c := &corkConn{Conn: rec}
	page := make([]byte, 4096)

	// Uncorked, every write goes out at once (pongs, small messages).
	_, err := c.Write(page[:10])
	noErr(t, err)
	wantSizes(t, rec, 10)

	// Corked, 3 MiB and 4 KiB in 4 KiB writes leave in 1 MiB pieces, the rest at uncork.
	uncork := c.cork()
	for range 3*256 + 1 {
		_, err := c.Write(page)
		noErr(t, err)
	}
	wantSizes(t, rec, 10, corkBytes, corkBytes, corkBytes)
	noErr(t, uncork())
	wantSizes(t, rec, 10, corkBytes, corkBytes, corkBytes, 4096)
	noErr(t, uncork()) // a second uncork is a no-op
	if got := c.writes.Load(); got != 5 {
		t.Fatalf("counted %d writes, want 5", got)
	}

	// A write as large as the buffer is not copied.
	uncork = c.cork()
	_, err = c.Write(make([]byte, corkBytes))
	noErr(t, err)
	noErr(t, uncork())
	wantSizes(t, rec, 10, corkBytes, corkBytes, corkBytes, 4096, corkBytes)

	// Uncorked again: straight through.
	_, err = c.Write(page[:1])
	noErr(t, err)
	wantSizes(t, rec, 10, corkBytes, corkBytes, corkBytes, 4096, corkBytes, 1)
}

func TestCorkConnNested(t *testing.T) {
	rec := &recConn{}
	c := &corkConn{Conn: rec}
	outer := c.cork()
	inner := c.cork()
	c.Write([]byte("ab"))
	noErr(t, inner())
	wantSizes(t, rec, 2)
	c.Write([]byte("cd"))
	wantSizes(t, rec, 2)
	noErr(t, outer())
	wantSizes(t, rec, 2, 2)
}

func TestCorkConnWriteError(t *testing.T) {
	boom := errors.New("boom")
	rec := &recConn{fail: boom}
	c := &corkConn{Conn: rec}
	uncork := c.cork()
	_, err := c.Write([]byte("collected"))
	noErr(t, err) // the failure shows when the bytes go out
	if err := uncork(); !errors.Is(err, boom) {
		t.Fatalf("uncork: %v", err)
	}
	_, err = c.Write([]byte("x"))
	if !errors.Is(err, boom) {
		t.Fatalf("the connection should stay failed: %v", err)
	}
}

// corkingClient keeps a custom transport's settings and leaves a transport it cannot wrap
// alone.
func TestCorkingClient(t *testing.T) {
	custom := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 7}}
	hc, last := corkingClient(custom, nil)
	if hc == custom || hc.Timeout != time.Minute || hc.Transport.(*http.Transport).MaxIdleConns != 7 {
		t.Fatal("the custom client's settings are lost")
	}
	if custom.Transport.(*http.Transport).DialContext != nil {
		t.Fatal("the caller's transport was changed")
	}
	if last() != nil {
		t.Fatal("a connection before any dial")
	}

	other := &http.Client{Transport: roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("no") })}
	hc, last = corkingClient(other, nil)
	if hc != other || last() != nil {
		t.Fatal("a transport that is not an *http.Transport was wrapped")
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestUploadWritesWholeFrames uploads a 4 MiB bundle and counts the writes that reach the
// network: coder/websocket alone issues one per 4 KiB (over a thousand here).
func TestUploadWritesWholeFrames(t *testing.T) {
	n := startNode(t, "", false, nil)
	zip := benchZipSize(t, n.PublicKey(), 4<<20)
	c := dialT(t, n, n.owner, ProtocolBSON)
	if c.raw == nil {
		t.Fatal("the default client has no corkConn")
	}
	before := c.raw.writes.Load()
	_, err := UploadZip(testCtx(t, 30*time.Second), c, zip, &UploadOptions{SkipProbe: true, ConfirmRounds: -1})
	noErr(t, err)
	writes := c.raw.writes.Load() - before
	t.Logf("%d writes for a %d-byte upload", writes, len(zip))
	if writes > int64(len(zip)/corkBytes+8) {
		t.Fatalf("%d writes for a %d-byte upload", writes, len(zip))
	}
}

// A large input through SubmitInput is corked too.
func TestSubmitLargeInputCorked(t *testing.T) {
	n := startNode(t, "", false, nil)
	c := dialT(t, n, n.owner, ProtocolBSON)
	before := c.raw.writes.Load()
	_, err := c.SubmitInput(testCtx(t, 30*time.Second), make([]byte, 2<<20), &InputOptions{NoWait: true})
	noErr(t, err)
	writes := c.raw.writes.Load() - before
	if writes > 2+4 { // the LCL request, the input in two pieces, and slack
		t.Fatalf("%d writes for a 2 MiB input", writes)
	}
}
