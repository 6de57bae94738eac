// Package vectors finds the Evernode compatibility vector files for tests.
//
// The project keeps a copy of the vectors generated with evernode-js-client
// 0.6.61 under testdata/evernode at the module root. When the environment
// variable EVERNODE_VECTORS names a directory laid out the same way, files are
// read from there instead, and a file absent there falls back to the copy, so
// another vector set in the same schema can be checked without code changes.
package vectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// EnvVar names the environment variable that points at another vector directory.
const EnvVar = "EVERNODE_VECTORS"

// Path returns the path of the vector file name (for example "xfl.json"):
// $EVERNODE_VECTORS/name if that file exists, else the project's testdata copy.
func Path(name string) (string, error) {
	if dir := os.Getenv(EnvVar); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("vectors: cannot locate the module root")
	}
	// file is <root>/internal/vectors/vectors.go.
	p := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "evernode", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("vectors: %s: %w", name, err)
	}
	return p, nil
}

// TB is the part of testing.TB that Load uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// Load reads the vector file name into v, failing the test when it cannot.
func Load(t TB, name string, v any) {
	t.Helper()
	p, err := Path(name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("vectors: %s: %v", p, err)
	}
	t.Logf("vectors: %s", p)
}
