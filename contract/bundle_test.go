package contract

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func unzipAll(t *testing.T, z []byte) map[string]*zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*zip.File{}
	for _, f := range zr.File {
		if f.Method != zip.Deflate {
			t.Errorf("%s not deflated", f.Name)
		}
		m[f.Name] = f
	}
	return m
}

func readZipFile(t *testing.T, f *zip.File) []byte {
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

func TestBundleZip(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "app"), []byte("#!/bin/sh\necho hi\n"), 0o700)
	os.WriteFile(filepath.Join(dir, "lib", "data.txt"), []byte("data"), 0o644)
	os.WriteFile(filepath.Join(dir, "hp.cfg.override"), []byte(`{"contract":{"unl":["edaa"],"consensus":{"roundtime":3000}},"mesh":{"known_peers":["a:1"]},"user":{"x":1}}`), 0o644)
	off := uint64(5)
	b, err := LoadDir(dir, Config{BinPath: "app", BinArgs: "--x 1", Environment: map[string]string{"K": "v"},
		MaxInputLedgerOffset: &off, NPLMode: "private", KnownPeers: []string{"b:2"}})
	if err != nil {
		t.Fatal(err)
	}
	opts := &ZipOptions{InstanceKeys: []string{"edbb", "EDAA"}, KnownPeers: []string{"c:3", "a:1"}}
	z, err := b.Zip(opts)
	if err != nil {
		t.Fatal(err)
	}
	z2, _ := b.Zip(opts)
	if !bytes.Equal(z, z2) {
		t.Fatal("the same bundle zipped to different bytes")
	}
	files := unzipAll(t, z)
	want := map[string]os.FileMode{"app": 0o700, "lib/data.txt": 0o644, "hp.cfg.override": 0o644, "install.sh": 0o755}
	if len(files) != len(want) {
		t.Fatalf("files %v", files)
	}
	for name, mode := range want {
		f := files[name]
		if f == nil || f.Mode().Perm() != mode {
			t.Fatalf("%s: %v", name, f)
		}
	}
	if string(readZipFile(t, files["install.sh"])) != DefaultInstallScript {
		t.Fatal("install.sh")
	}
	var ov struct {
		Contract map[string]any `json:"contract"`
		Mesh     struct {
			KnownPeers []string `json:"known_peers"`
		} `json:"mesh"`
		User map[string]any `json:"user"`
	}
	if err := json.Unmarshal(readZipFile(t, files["hp.cfg.override"]), &ov); err != nil {
		t.Fatal(err)
	}
	c := ov.Contract
	got := fmt.Sprint(c["bin_path"], c["bin_args"], c["unl"], c["environment"], c["max_input_ledger_offset"], c["npl"], c["consensus"], ov.Mesh.KnownPeers, ov.User)
	const exp = "app--x 1[edaa edbb] map[K:v] 5 map[mode:private] map[roundtime:3000] [a:1 b:2 c:3] map[x:1]"
	if got != exp {
		t.Fatalf("override:\n got %s\nwant %s", got, exp)
	}
}

func TestBundleErrors(t *testing.T) {
	cases := map[string]*Bundle{
		"no-bin-path":     {Files: []File{{Name: "a", Data: []byte("x")}}},
		"bin-not-in-zip":  {Config: Config{BinPath: "missing"}},
		"escaping-name":   {Files: []File{{Name: "../x"}, {Name: "a"}}, Config: Config{BinPath: "a"}},
		"absolute-name":   {Files: []File{{Name: "/etc/x"}, {Name: "a"}}, Config: Config{BinPath: "a"}},
		"bad-override":    {Files: []File{{Name: "a"}, {Name: "hp.cfg.override", Data: []byte("[1]")}}, Config: Config{BinPath: "a"}},
		"override-syntax": {Files: []File{{Name: "a"}, {Name: "hp.cfg.override", Data: []byte("{")}}, Config: Config{BinPath: "a"}},
	}
	for name, b := range cases {
		if _, err := b.Zip(nil); !errors.Is(err, ErrBundle) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// An absolute bin_path (an interpreter of the image) needs no file; a user install.sh
	// is kept.
	b := &Bundle{Files: []File{{Name: "index.js", Data: []byte("1")}, {Name: "install.sh", Data: []byte("exit 0\n")}}, Config: Config{BinPath: "/usr/bin/node", BinArgs: "index.js"}}
	z, err := b.Zip(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := unzipAll(t, z)["install.sh"]
	if string(readZipFile(t, f)) != "exit 0\n" || f.Mode().Perm() != 0o755 {
		t.Fatal("user install.sh not kept")
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "none"), Config{}); err == nil {
		t.Fatal("LoadDir of a missing directory")
	}
}
