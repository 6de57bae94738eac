package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frames splits framed outputs.
func frames(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		if len(b) < 4 {
			t.Fatalf("truncated frame header")
		}
		n := binary.BigEndian.Uint32(b)
		if int(n) > len(b)-4 {
			t.Fatalf("truncated frame")
		}
		out = append(out, string(b[4:4+n]))
		b = b[4+n:]
	}
	return out
}

func runWith(t *testing.T, dir string, readonly bool, inputs map[string][]string) map[string][]string {
	t.Helper()
	var data bytes.Buffer
	outs := map[int]*bytes.Buffer{}
	byFD := map[int]string{}
	var users []string
	fd := 10
	for u, ins := range inputs {
		fields := []string{fmt.Sprint(fd)}
		for _, in := range ins {
			off := data.Len()
			data.WriteString(in)
			for data.Len()%4096 != 0 { // inputs sit at 4 KiB boundaries, as HotPocket writes them
				data.WriteByte(0)
			}
			fields = append(fields, fmt.Sprintf("[%d,%d]", off, len(in)))
		}
		users = append(users, fmt.Sprintf("%q:[%s]", u, strings.Join(fields, ",")))
		outs[fd] = &bytes.Buffer{}
		byFD[fd] = u
		fd++
	}
	stdin := fmt.Sprintf(`{"hp_version":"0.6.4","contract_id":"x","public_key":"ed00","private_key":"ed00","timestamp":1,"readonly":%t,"lcl_seq_no":5,"lcl_hash":"00","npl_fd":4,"control_fd":5,"user_in_fd":3,"users":{%s},"unl":{}}`,
		readonly, strings.Join(users, ","))
	in := bytes.NewReader(data.Bytes())
	err := run(env{
		stdin:  strings.NewReader(stdin),
		input:  func(int) io.ReaderAt { return in },
		output: func(fd int) io.Writer { return outs[fd] },
		dir:    dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string][]string{}
	for fd, b := range outs {
		res[byFD[fd]] = frames(t, b.Bytes())
	}
	return res
}

func TestEchoAndCount(t *testing.T) {
	dir := t.TempDir()
	got := runWith(t, dir, false, map[string][]string{"edaa": {"hello", "world"}, "edbb": {"x"}})
	if strings.Join(got["edaa"], "|") != "hello|world" || strings.Join(got["edbb"], "|") != "x" {
		t.Fatalf("outputs %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "count")); string(b) != "3" {
		t.Fatalf("count file %q", b)
	}
	got = runWith(t, dir, true, map[string][]string{"edaa": {"count", "ping"}})
	if strings.Join(got["edaa"], "|") != "3|ping" {
		t.Fatalf("read outputs %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "count")); string(b) != "3" {
		t.Fatalf("a read request changed the state: %q", b)
	}
	runWith(t, dir, false, map[string][]string{"edaa": {"again"}})
	if b, _ := os.ReadFile(filepath.Join(dir, "count")); string(b) != "4" {
		t.Fatalf("count file %q", b)
	}
}

func TestBadArgs(t *testing.T) {
	err := run(env{stdin: strings.NewReader("not json"), dir: t.TempDir()})
	if err == nil {
		t.Fatal("bad arguments accepted")
	}
	err = run(env{stdin: strings.NewReader(`{"users":{"edaa":[]}}`), dir: t.TempDir(),
		input: func(int) io.ReaderAt { return bytes.NewReader(nil) }})
	if err == nil {
		t.Fatal("a user without an output fd accepted")
	}
}
