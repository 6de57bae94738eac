package contract

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const benchRoundtime = 100 // ms

// benchZip is a bundle zip of about 9 MiB: the echo contract and incompressible data.
func benchZip(b *testing.B, nodeKey string) []byte {
	bu := echoBundle(b)
	small, err := bu.Zip(&ZipOptions{InstanceKeys: []string{nodeKey}})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 9<<20-len(small))
	rand.Read(data)
	bu.Files = append(bu.Files, File{Name: "data.bin", Data: data})
	z, err := bu.Zip(&ZipOptions{InstanceKeys: []string{nodeKey}})
	if err != nil {
		b.Fatal(err)
	}
	return z
}

// BenchmarkUpload9MiB uploads a 9 MiB bundle to a fresh in-process node (100 ms rounds) and
// reports the time to the node's acceptance (send + up to one round), to UploadSuccess (one
// more round) and to the end of the late-failure watch (one more). Compare ms/accepted with
// BenchmarkRawWebsocket9MiB: the target is at most twice the raw time plus one round.
func BenchmarkUpload9MiB(b *testing.B) {
	var sent, accepted, success, total time.Duration
	var msgBytes int
	for range b.N {
		b.StopTimer()
		n := startNode(b, `{"contract":{"consensus":{"roundtime":100}}}`, false, nil)
		z := benchZip(b, n.PublicKey())
		c := dialT(b, n, n.owner, ProtocolBSON)
		ctx := testCtx(b, 60*time.Second)
		b.StartTimer()
		start := time.Now()
		res, err := UploadZip(ctx, c, z, &UploadOptions{SkipProbe: true, Progress: func(p Progress) {
			switch p.Phase {
			case PhaseSubmitted:
				sent += time.Since(start)
			case PhaseAccepted:
				accepted += time.Since(start)
			case PhaseConfirm:
				success += time.Since(start)
			}
		}})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		msgBytes = res.MessageBytes
		b.StopTimer()
		c.Close()
		n.Close()
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(sent), "ms/sent")
	b.ReportMetric(ms(accepted), "ms/accepted")
	b.ReportMetric(ms(success), "ms/uploadsuccess")
	b.ReportMetric(ms(total), "ms/confirmed")
	b.ReportMetric(float64(msgBytes), "msgbytes")
	b.ReportMetric(benchRoundtime, "ms/round")
}

// BenchmarkRawWebsocket9MiB sends the same number of bytes over a loopback wss connection
// (coder/websocket on both ends, TLS like the node) and waits for a one-byte answer.
func BenchmarkRawWebsocket9MiB(b *testing.B) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(64 << 20)
		for {
			_, _, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), websocket.MessageBinary, []byte{1}) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "wss://"+strings.TrimPrefix(srv.URL, "https://"), &websocket.DialOptions{HTTPClient: hc, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	msg := make([]byte, UploadMessageSize(9<<20))
	rand.Read(msg)
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for range b.N {
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
