package vectors

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPathFallsBackToTestdata(t *testing.T) {
	t.Setenv(EnvVar, t.TempDir())
	p, err := Path("xfl.json")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(filepath.Dir(p)) != "evernode" {
		t.Fatalf("got %s, want the testdata copy", p)
	}
}

func TestPathPrefersEnvironment(t *testing.T) {
	dir := t.TempDir()
	want := filepath.Join(dir, "xfl.json")
	if err := os.WriteFile(want, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, dir)
	got, err := Path("xfl.json")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPathMissing(t *testing.T) {
	t.Setenv(EnvVar, "")
	if _, err := Path("no-such-file.json"); err == nil {
		t.Fatal("want an error for a missing vector file")
	}
}
