// Command echo is a tiny HotPocket contract used by the tests: for every input it writes
// "echo: <input>" (consensus runs) or "read: <input>" (read requests) to the sender, keeps a
// counter of consensus inputs in the state file "count" and answers the input "count" with
// "count: <n>". The input "sleep" sleeps 30 s (exec_timeout tests). The input "env" answers
// with the GREETING environment variable.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type args struct {
	Readonly bool                         `json:"readonly"`
	LCLSeq   uint64                       `json:"lcl_seq_no"`
	UserInFD int                          `json:"user_in_fd"`
	Users    map[string][]json.RawMessage `json:"users"`
}

func main() {
	var a args
	if err := json.NewDecoder(os.Stdin).Decode(&a); err != nil {
		fmt.Fprintln(os.Stderr, "bad args:", err)
		os.Exit(1)
	}
	in := os.NewFile(uintptr(a.UserInFD), "inputs")
	data, _ := os.ReadFile("count")
	count, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for _, arr := range a.Users {
		var fd int
		if len(arr) == 0 || json.Unmarshal(arr[0], &fd) != nil {
			continue
		}
		out := os.NewFile(uintptr(fd), "out")
		for _, raw := range arr[1:] {
			var ol [2]int64
			if json.Unmarshal(raw, &ol) != nil {
				continue
			}
			buf := make([]byte, ol[1])
			if _, err := in.ReadAt(buf, ol[0]); err != nil {
				continue
			}
			s := string(buf)
			var msg string
			switch {
			case s == "sleep":
				time.Sleep(30 * time.Second)
			case s == "count":
				msg = "count: " + strconv.Itoa(count)
			case s == "env":
				msg = "env: " + os.Getenv("GREETING")
			case a.Readonly:
				msg = "read: " + s
			default:
				count++
				msg = "echo: " + s
			}
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], uint32(len(msg)))
			out.Write(append(hdr[:], msg...))
		}
	}
	if !a.Readonly {
		os.WriteFile("count", []byte(strconv.Itoa(count)), 0o644)
	}
}
