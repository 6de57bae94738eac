package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// args is the JSON document HotPocket writes to the contract's stdin (spec §3.2); only the
// fields this contract needs.
type args struct {
	Readonly bool                         `json:"readonly"`
	LCLSeqNo uint64                       `json:"lcl_seq_no"`
	UserInFD int                          `json:"user_in_fd"`
	Users    map[string][]json.RawMessage `json:"users"`
}

// env is what the contract touches, so that tests can supply their own.
type env struct {
	// stdin holds the arguments.
	stdin io.Reader
	// input returns the file that holds every user input (user_in_fd).
	input func(fd int) io.ReaderAt
	// output returns a user's output socket.
	output func(fd int) io.Writer
	// dir is the state directory (HotPocket runs the contract there).
	dir string
}

func processEnv() env {
	return env{
		stdin:  os.Stdin,
		input:  func(fd int) io.ReaderAt { return os.NewFile(uintptr(fd), "user_in") },
		output: func(fd int) io.Writer { return os.NewFile(uintptr(fd), "user_out") },
		dir:    ".",
	}
}

const countFile = "count"

// maxInput guards the allocation for one input (HotPocket's messages are far smaller).
const maxInput = 64 << 20

// run is one contract execution: a consensus round or a read request.
func run(e env) error {
	var a args
	if err := json.NewDecoder(e.stdin).Decode(&a); err != nil {
		return fmt.Errorf("reading arguments: %w", err)
	}
	count, err := readCount(e.dir)
	if err != nil {
		return err
	}
	in := e.input(a.UserInFD)
	users := make([]string, 0, len(a.Users))
	for u := range a.Users {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		fields := a.Users[u]
		var fd int
		if len(fields) == 0 || json.Unmarshal(fields[0], &fd) != nil {
			return fmt.Errorf("user %s: no output fd", u)
		}
		out := e.output(fd)
		for _, f := range fields[1:] {
			var loc [2]int64
			if err := json.Unmarshal(f, &loc); err != nil || loc[0] < 0 || loc[1] < 0 || loc[1] > maxInput {
				return fmt.Errorf("user %s: bad input location %s", u, f)
			}
			msg := make([]byte, loc[1])
			if _, err := in.ReadAt(msg, loc[0]); err != nil && !(errors.Is(err, io.EOF) && loc[1] == 0) {
				return fmt.Errorf("user %s: reading input: %w", u, err)
			}
			reply := msg
			switch {
			case a.Readonly && string(msg) == "count":
				reply = []byte(strconv.Itoa(count))
			case !a.Readonly:
				count++
			}
			if err := writeFrame(out, reply); err != nil {
				return fmt.Errorf("user %s: writing output: %w", u, err)
			}
		}
	}
	if a.Readonly {
		return nil
	}
	return os.WriteFile(filepath.Join(e.dir, countFile), []byte(strconv.Itoa(count)), 0o644)
}

func readCount(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, countFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// writeFrame writes one output: a 4-byte big-endian length, then the bytes (spec §3.3).
func writeFrame(w io.Writer, msg []byte) error {
	buf := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	_, err := w.Write(buf)
	return err
}
