package contract

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

type zipEntry struct {
	name string
	data []byte
	mode os.FileMode
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUploadEcho(t *testing.T) {
	n := startNode(t, "", false, nil)
	ctx := testCtx(t, hangTimeout)
	c := dialT(t, n, n.owner, ProtocolBSON)
	var phases []Phase
	var lastSent, total int
	res, err := Upload(ctx, c, echoBundle(t), &UploadOptions{ChunkBytes: 64 << 10, Progress: func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if p.Phase == PhaseSend {
			if p.Sent < lastSent {
				t.Errorf("progress went back: %d after %d", p.Sent, lastSent)
			}
			lastSent, total = p.Sent, p.Total
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Confirmed || res.Node != n.PublicKey() || res.ResultSeqNo <= res.LedgerSeqNo || res.MessageBytes != total || lastSent != total {
		t.Fatalf("result %+v, sent %d of %d", res, lastSent, total)
	}
	want := []Phase{PhaseProbe, PhaseSend, PhaseSubmitted, PhaseAccepted, PhaseConfirm, PhaseDone}
	if len(phases) != len(want) {
		t.Fatalf("phases %v", phases)
	}
	for i := range want {
		if phases[i] != want[i] {
			t.Fatalf("phases %v", phases)
		}
	}
	// The echo contract now runs and answers, its outputs verified against the new UNL.
	if _, err := c.SubmitInput(ctx, []byte("after upload"), nil); err != nil {
		t.Fatal(err)
	}
	if o := nextOutputWith(t, ctx, c, "after upload"); !o.Verified {
		t.Fatal("unverified")
	}
	if cfg := n.Config(); cfg.Contract.BinPath != "echocontract" || len(cfg.Contract.UNL) != 1 {
		t.Fatalf("config after upload: %+v", cfg.Contract)
	}
	// A second upload finds no bootstrap contract.
	_, err = Upload(ctx, c, echoBundle(t), &UploadOptions{ProbeTimeout: 2 * time.Second})
	var ue *UploadError
	if !errors.As(err, &ue) || ue.Code != CodeBootstrapUnavailable {
		t.Fatalf("second upload: %v", err)
	}
}

func TestUploadErrors(t *testing.T) {
	// None of these bundles runs its binary: a small stand-in keeps eleven parallel uploads
	// cheap under -race on a loaded machine.
	stub := bytes.Repeat([]byte("#!/bin/sh\n"), 100)
	ov := func(s string) zipEntry { return zipEntry{name: "hp.cfg.override", data: []byte(s)} }
	bin := zipEntry{name: "echocontract", data: stub, mode: 0o755}
	cases := []struct {
		name string
		zip  func(nodeKey string) []byte
		code string
		late bool
	}{
		{"unzip", func(string) []byte { return []byte("this is not a zip file") }, CodeUnzipFailed, false},
		{"override-json", func(string) []byte { return makeZip(t, bin, ov(`{"contract":`)) }, CodeHpCfgJSONFailed, false},
		{"known-peers-not-list", func(string) []byte {
			return makeZip(t, bin, ov(`{"contract":{"bin_path":"echocontract"},"mesh":{"known_peers":"x"}}`))
		}, CodeInternalError, false},
		{"binary-not-found", func(string) []byte { return makeZip(t, bin, ov(`{"contract":{"bin_path":"missing"}}`)) }, CodeBinaryNotFound, true},
		{"bin-path-empty", func(string) []byte { return makeZip(t, bin, ov(`{"contract":{"bin_args":""}}`)) }, CodeBinPathEmpty, true},
		{"bad-unl", func(string) []byte {
			return makeZip(t, bin, ov(`{"contract":{"bin_path":"echocontract","unl":["xx"]}}`))
		}, CodeInvalidUnlPubkey, true},
		{"bad-roundtime", func(k string) []byte {
			return makeZip(t, bin, ov(`{"contract":{"bin_path":"echocontract","unl":["`+k+`"],"consensus":{"roundtime":0}}}`))
		}, CodeInvalidRoundtime, true},
		{"bad-env", func(k string) []byte {
			return makeZip(t, bin, ov(`{"contract":{"bin_path":"echocontract","environment":{"A":1}}}`))
		}, CodeInvalidEnvFormat, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, "", false, nil)
			ctx := testCtx(t, hangTimeout)
			c := dialT(t, n, n.owner, ProtocolBSON)
			_, err := UploadZip(ctx, c, tc.zip(n.PublicKey()), nil)
			var ue *UploadError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUpload) || ue.Code != tc.code || ue.Late != tc.late || ue.Node != n.PublicKey() {
				t.Fatalf("want %s (late %v), got %v", tc.code, tc.late, err)
			}
			if !strings.Contains(err.Error(), tc.code) || strings.Contains(err.Error(), "unknown bootstrap error") {
				t.Fatalf("unhelpful message: %v", err)
			}
		})
	}
	t.Run("install-script-fails-then-retry", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Stat("/bin/sh"); err != nil {
			t.Skip("no /bin/sh: install.sh cannot run")
		}
		n := startNode(t, "", false, nil)
		ctx := testCtx(t, hangTimeout)
		c := dialT(t, n, n.owner, ProtocolBSON)
		b := echoBundle(t)
		b.InstallScript = []byte("#!/bin/sh\necho failing on purpose\nexit 1\n")
		_, err := Upload(ctx, c, b, nil)
		var ue *UploadError
		if !errors.As(err, &ue) || ue.Code != CodeInstallScriptFailed || !ue.Late {
			t.Fatalf("want a late InstallScriptFailed, got %v", err)
		}
		// The instance rolled back to the bootstrap: a good bundle goes in.
		if _, err := Upload(ctx, c, echoBundle(t), nil); err != nil {
			t.Fatalf("retry: %v", err)
		}
	})
	t.Run("not-owner", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, "", false, nil)
		ctx := testCtx(t, hangTimeout)
		b := &Bundle{Files: []File{{Name: "echocontract", Data: stub, Mode: 0o755}}, Config: Config{BinPath: "echocontract"}}
		for _, skip := range []bool{false, true} { // refused by the probe, then by the upload itself
			c := dialT(t, n, newKey(t), ProtocolBSON)
			_, err := Upload(ctx, c, b, &UploadOptions{SkipProbe: skip})
			var ue *UploadError
			if !errors.As(err, &ue) || ue.Code != CodeUserNotAllowed {
				t.Fatalf("skip probe %v: want UserNotAllowed, got %v", skip, err)
			}
		}
	})
	t.Run("json-protocol", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, "", false, nil)
		c := dialT(t, n, n.owner, ProtocolJSON)
		if _, err := Upload(testCtx(t, 5*time.Second), c, echoBundle(t), nil); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestUploadTooLarge(t *testing.T) {
	n := startNode(t, "", false, nil)
	ctx := testCtx(t, hangTimeout)
	c := dialT(t, n, n.owner, ProtocolBSON)
	big := make([]byte, EvernodeMaxMessageBytes)
	rand.Read(big)
	sent := false
	_, err := UploadZip(ctx, c, big, &UploadOptions{Progress: func(p Progress) { sent = sent || p.Phase >= PhaseSend }})
	var tl *BundleTooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrBundleTooLarge) || tl.ZipBytes != len(big) || tl.Limit != EvernodeMaxMessageBytes || tl.MessageBytes <= tl.Limit {
		t.Fatalf("got %v", err)
	}
	if sent {
		t.Fatal("an oversize bundle was sent")
	}
	t.Log(err)
	// A smaller limit of the node applies as given.
	if _, err := Upload(ctx, c, echoBundle(t), &UploadOptions{MaxMessageBytes: 1000}); !errors.As(err, &tl) || tl.Limit != 1000 {
		t.Fatalf("got %v", err)
	}
	// The connection is still usable.
	if _, _, err := c.LCL(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestUploadMessageSize checks the envelope arithmetic against real messages, and that a
// zip of exactly the largest size passes while one byte more fails.
func TestUploadMessageSize(t *testing.T) {
	key := newKey(t)
	for _, size := range []int{0, 1, 1000, 1 << 20} {
		zipData := make([]byte, size)
		inner := mustBSONUpload(t, zipData)
		si, err := signInput(ProtocolBSON, key, inner, 1<<50, 1<<40)
		if err != nil {
			t.Fatal(err)
		}
		if got := UploadMessageSize(size); got != len(si.msg) {
			t.Fatalf("size %d: UploadMessageSize %d, real message %d", size, got, len(si.msg))
		}
	}
	overhead := UploadMessageSize(0)
	maxZip := EvernodeMaxMessageBytes - overhead
	if err := CheckSize(maxZip, 0); err != nil {
		t.Fatal(err)
	}
	if err := CheckSize(maxZip+1, 0); !errors.Is(err, ErrBundleTooLarge) {
		t.Fatal("one byte over accepted")
	}
	if err := CheckSize(maxZip+1, -1); err != nil {
		t.Fatal("a disabled check refused")
	}
	t.Logf("upload envelope overhead: %d bytes; largest zip on Evernode: %d bytes", overhead, maxZip)
}

func mustBSONUpload(t testing.TB, zipData []byte) []byte {
	t.Helper()
	b, err := bson.Marshal(bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{Data: zipData}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUploadAnswersStayOutOfOutputs: the bootstrap's answers to Upload reach Upload, not the
// caller's NextOutput, unless KeepResultOutputs asks for them.
func TestUploadAnswersStayOutOfOutputs(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			n := startNode(t, "", false, nil)
			ctx := testCtx(t, hangTimeout)
			c := dialT(t, n, n.owner, ProtocolBSON)
			_, err := UploadZip(ctx, c, []byte("not a zip"), &UploadOptions{KeepResultOutputs: keep})
			var ue *UploadError
			if !errors.As(err, &ue) || ue.Code != CodeUnzipFailed {
				t.Fatalf("upload: %v", err)
			}
			status, _ := bson.Marshal(bson.D{{Key: "type", Value: "status"}})
			if _, err := c.SubmitInput(ctx, status, nil); err != nil {
				t.Fatal(err)
			}
			want := hpwire.BootstrapStatusResult // the caller's own input
			if keep {
				want = hpwire.BootstrapUploadResult
			}
			o, err := c.NextOutput(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rs := bootstrapResults(&o); len(rs) != 1 || rs[0].typ != want {
				t.Fatalf("first output %+v, want a %s", rs, want)
			}
		})
	}
}
