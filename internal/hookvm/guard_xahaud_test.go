package hookvm_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/internal/hookvm"
	w "github.com/evernode-go/sdk/internal/hookvm/wasmtest"
)

// guardCorpusDir, when set, makes TestGuardMatchesXahaud write its modules
// there (NAME.wasm) so that xahaud's guard_checker can be run on them to
// regenerate testdata/guard_xahaud.txt.
var guardCorpusDir = flag.String("guard-corpus", "", "write the guard corpus modules to this directory")

// guardCorpus is a deterministic set of modules: small hooks with loops,
// nesting, bans and excess, then random byte mutations and truncations
// of them.
func guardCorpus() (names []string, mods [][]byte) {
	bodies := []struct {
		name string
		body []byte
	}{
		{"straight", acceptTail},
		{"loop", w.Cat(w.Loop(guardIdx, 1, 10, []byte{0x01}), acceptTail)},
		{"nested", w.Cat(w.Loop(guardIdx, 1, 10, w.Loop(guardIdx, 2, 100, []byte{0x01})), acceptTail)},
		{"inner", w.Cat(w.Loop(guardIdx, 1, 10, w.Loop(guardIdx, 2, 3, nil)), acceptTail)},
		{"inner7", w.Cat(w.Loop(guardIdx, 1, 7, w.Loop(guardIdx, 2, 3, w.Block([]byte{1, 1, 1}))), acceptTail)},
		{"unguarded", w.Cat([]byte{0x03, 0x40, 0x01, 0x0b}, acceptTail)},
		{"grow", w.Cat(w.I32(1), []byte{0x40, 0x00, 0x1a}, acceptTail)},
		{"own", w.Cat(w.I32(0), w.Call(2), []byte{0x1a}, acceptTail)},
		{"excess", w.Cat(w.Loop(guardIdx, 1, 30000, []byte{0x01}), acceptTail)},
	}
	for _, b := range bodies {
		names = append(names, b.name)
		mods = append(mods, w.BuildWithCallback([]w.Import{gAccept}, b.body, acceptTail, []byte("data")))
	}
	seeds := len(mods)
	r := rand.New(rand.NewSource(7))
	for i := range 1000 {
		m := bytes.Clone(mods[r.Intn(seeds)])
		for range 1 + r.Intn(3) {
			m[8+r.Intn(len(m)-8)] = byte(r.Intn(256))
		}
		if i%5 == 0 {
			m = m[:8+r.Intn(len(m)-8)]
		}
		names = append(names, fmt.Sprintf("m%04d", i))
		mods = append(mods, m)
	}
	return names, mods
}

// verdict is one line of testdata/guard_xahaud.txt: "NAME OK HOOKCOUNT" or
// "NAME FAIL LOGCODE".
func verdict(name string, wasm []byte) string {
	h, _, err := hookvm.ValidateGuards(wasm)
	if err != nil {
		var code int
		fmt.Sscanf(strings.TrimPrefix(err.Error(), "hookvm: "), "HookSet(%d)", &code)
		return fmt.Sprintf("%s FAIL %d", name, code)
	}
	return fmt.Sprintf("%s OK %d", name, h)
}

// The guard analysis agrees with xahaud's own guard_checker (Guard.h at
// Xahau/xahaud 08f13b7cf, built with g++ -std=c++17) on every module of the
// corpus: accept or reject, the HookSet log code of a rejection (81 where
// xahaud's LEB parser throws) and the hook's worst-case instruction count.
func TestGuardMatchesXahaud(t *testing.T) {
	names, mods := guardCorpus()
	if *guardCorpusDir != "" {
		for i, m := range mods {
			require.NoError(t, os.WriteFile(filepath.Join(*guardCorpusDir, names[i]+".wasm"), m, 0o644))
		}
	}
	f, err := os.Open(filepath.Join("testdata", "guard_xahaud.txt"))
	require.NoError(t, err)
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			want[strings.Fields(line)[0]] = line
		}
	}
	require.NoError(t, sc.Err())
	require.Len(t, want, len(mods))
	bad := 0
	for i, m := range mods {
		if got := verdict(names[i], m); got != want[names[i]] && bad < 10 {
			t.Errorf("got %q, xahaud %q", got, want[names[i]])
			bad++
		}
	}
}
