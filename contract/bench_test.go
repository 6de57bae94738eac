package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const (
	benchRoundtime = 100 // ms
	// benchMaxLedgerOffset is the upload input's max ledger offset (rounds), in Go and JS
	// alike: on a loaded machine the default 10 rounds of 100 ms can pass before a 9 MiB
	// input is in, and the node rejects it.
	benchMaxLedgerOffset = 100
	// benchNodeConfig is the node's hp.cfg override: 100 ms rounds, and inputs accepted
	// up to benchMaxLedgerOffset rounds ahead.
	benchNodeConfig = `{"contract":{"max_input_ledger_offset":100,"consensus":{"roundtime":100}}}`
)

// benchZip is a bundle zip of about 9 MiB: the echo contract and incompressible data.
func benchZip(b testing.TB, nodeKey string) []byte { return benchZipSize(b, nodeKey, 9<<20) }

// benchZipSize is a bundle zip of about size bytes.
func benchZipSize(b testing.TB, nodeKey string, size int) []byte {
	bu := echoBundle(b)
	small, err := bu.Zip(&ZipOptions{InstanceKeys: []string{nodeKey}})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size-len(small))
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
// netwrites counts the writes that reached the network connection (coder/websocket alone
// makes one per 4 KiB).
func BenchmarkUpload9MiB(b *testing.B) {
	var sent, accepted, success, total time.Duration
	var msgBytes int
	var writes int64
	for range b.N {
		b.StopTimer()
		n := startNode(b, benchNodeConfig, false, nil)
		z := benchZip(b, n.PublicKey())
		c := dialT(b, n, n.owner, ProtocolBSON)
		ctx := testCtx(b, 60*time.Second)
		before := c.raw.writes.Load()
		b.StartTimer()
		start := time.Now()
		res, err := UploadZip(ctx, c, z, &UploadOptions{SkipProbe: true, MaxLedgerOffset: benchMaxLedgerOffset, Progress: func(p Progress) {
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
		writes += c.raw.writes.Load() - before
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
	b.ReportMetric(float64(writes)/float64(b.N), "netwrites")
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

// BenchmarkUpload9MiBJS is BenchmarkUpload9MiB's ms/accepted for hotpocket-js-client 0.5.7
// (testdata/jsbench/upload.js) against the same in-process node and bundle size. It needs
// HP_JS_CLIENT_DIR and node (see jsClient) and is skipped otherwise.
func BenchmarkUpload9MiBJS(b *testing.B) {
	nodeBin, mods := jsClient(b)
	script, err := filepath.Abs(filepath.Join("testdata", "jsbench", "upload.js"))
	if err != nil {
		b.Fatal(err)
	}
	var accepted float64
	for range b.N {
		b.StopTimer()
		n := startNode(b, benchNodeConfig, false, nil)
		zipPath := filepath.Join(b.TempDir(), "bundle.zip")
		if err := os.WriteFile(zipPath, benchZip(b, n.PublicKey()), 0o600); err != nil {
			b.Fatal(err)
		}
		ctx := testCtx(b, 60*time.Second)
		cmd := exec.CommandContext(ctx, nodeBin, script)
		cmd.Env = append(os.Environ(), "NODE_PATH="+mods, "HP_URL=wss://"+n.addr(),
			"HP_PRIV=ed"+hex.EncodeToString(n.owner), "HP_ZIP="+zipPath)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b.StartTimer()
		out, err := cmd.Output()
		b.StopTimer()
		if err != nil {
			b.Fatalf("upload.js: %v\n%s", err, stderr.Bytes())
		}
		// The client logs its connection on stdout too: the result is the line with "ms".
		var r struct{ MS float64 }
		for line := range bytes.Lines(out) {
			if bytes.HasPrefix(line, []byte(`{"ms"`)) {
				err = json.Unmarshal(line, &r)
			}
		}
		if err != nil || r.MS == 0 {
			b.Fatalf("upload.js printed %q: %v", out, err)
		}
		accepted += r.MS
		n.Close()
		b.StartTimer()
	}
	b.ReportMetric(accepted/float64(b.N), "ms/accepted")
}
