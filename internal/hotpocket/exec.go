package hotpocket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// execRequest is one contract execution: a consensus round or a read request.
type execRequest struct {
	cfg       Config
	readonly  bool
	timestamp uint64 // consensus time in ms; 0 for read requests (as hpcore)
	lclSeq    uint64
	lclHash   []byte
	users     []execUser // sorted by key, like hpcore's std::map
}

type execUser struct {
	pub    []byte // 33-byte key
	hex    string
	inputs [][]byte
}

type execResult struct {
	outputs  map[string][][]byte // 33-byte key → outputs in order
	exitedOK bool                // WIFEXITED: post_exec.sh runs only then
}

const (
	bootstrapBin  = "bootstrap_contract"
	upgradeScript = "bootstrap_upgrade.sh"
	postExecName  = "post_exec.sh"
	// Read from a contract's user sockets after it exits, at most this long (grandchildren
	// may keep the sockets open).
	drainAfterExit = 200 * time.Millisecond
)

func isMarkerFile(path, marker string) bool {
	data, err := os.ReadFile(path)
	return err == nil && bytes.Contains(data, []byte(marker))
}

// execute runs the contract for req and, for consensus runs that exited normally, the
// post-exec script. Outputs are dropped when the post-exec script fails (hpcore returns
// before extracting them).
func (n *Node) execute(ctx context.Context, req execRequest) execResult {
	state := stateDir(n.dir)
	var res execResult
	if req.cfg.Contract.BinPath == bootstrapBin && isMarkerFile(filepath.Join(state, bootstrapBin), bootstrapMarker) {
		res = n.runBootstrap(req, state)
	} else {
		var err error
		res, err = n.runProcess(ctx, req, state)
		if err != nil {
			n.log.Error("contract execution failed", "err", err, "readonly", req.readonly)
		}
	}
	if req.readonly || !res.exitedOK || ctx.Err() != nil {
		return res
	}
	if err := n.runPostExec(ctx, req, state); err != nil {
		n.log.Error("post-exec script failed", "err", err)
		res.outputs = nil
	}
	return res
}

// argsJSON is the stdin document of a contract process (hpcore write_contract_args).
func argsJSON(req execRequest, nodePub, nodePriv string, userFD map[string]int, offsets map[string][][2]int64, controlFD, nplFD, inFD int) []byte {
	var b bytes.Buffer
	w := func(s string) { b.WriteString(s) }
	w(`{"hp_version":"` + HPVersion + `","contract_id":`)
	b.Write(encodeJSON(req.cfg.Contract.ID))
	w(`,"public_key":"` + nodePub + `","private_key":"` + nodePriv + `","timestamp":` + strconv.FormatUint(req.timestamp, 10))
	w(`,"readonly":` + strconv.FormatBool(req.readonly))
	if !req.readonly {
		w(`,"lcl_seq_no":` + strconv.FormatUint(req.lclSeq, 10) + `,"lcl_hash":"` + lowerHex(req.lclHash) + `","npl_fd":` + strconv.Itoa(nplFD))
	}
	w(`,"control_fd":` + strconv.Itoa(controlFD) + `,"user_in_fd":` + strconv.Itoa(inFD) + `,"users":{`)
	for i, u := range req.users {
		if i > 0 {
			w(",")
		}
		w(`"` + u.hex + `":[` + strconv.Itoa(userFD[string(u.pub)]))
		for _, o := range offsets[string(u.pub)] {
			w(`,[` + strconv.FormatInt(o[0], 10) + `,` + strconv.FormatInt(o[1], 10) + `]`)
		}
		w("]")
	}
	w(`},"unl":{`)
	for i, k := range sortedStrings(req.cfg.Contract.UNL) {
		if i > 0 {
			w(",")
		}
		w(`"` + strings.ToLower(k) + `":{"active_on":` + strconv.FormatUint(req.timestamp, 10) + `}`)
	}
	w("}}")
	return b.Bytes()
}

// runPostExec runs post_exec.sh from the state directory with "<lcl seq> <lcl hash>": the
// built-in bootstrap upgrade natively, anything else as a program. Exit 0 deletes the
// script, 3..125 keeps it, anything else is a failure (hpcore run_post_exec_script).
func (n *Node) runPostExec(ctx context.Context, req execRequest, state string) error {
	script := filepath.Join(state, postExecName)
	if _, err := os.Stat(script); err != nil {
		return nil
	}
	code := 0
	if isMarkerFile(script, upgradeMarker) {
		code = n.bootstrapUpgrade(ctx, req, state)
	} else {
		timeout := time.Duration(req.cfg.Contract.RoundLimits.ExecTimeout) * time.Millisecond
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmd := exec.CommandContext(cctx, script, strconv.FormatUint(req.lclSeq, 10)+" "+lowerHex(req.lclHash))
		cmd.Args[0] = postExecName
		cmd.Dir = state
		var done func()
		cmd.Stdout, cmd.Stderr, done = n.contractLogs(req)
		err := cmd.Run()
		done()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee) && ee.Exited():
			code = ee.ExitCode()
		default:
			return err
		}
	}
	switch {
	case code == 0:
		if err := os.Remove(script); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	case code > 2 && code < 126:
		return nil
	default:
		return errors.New("post_exec.sh exit code " + strconv.Itoa(code))
	}
}

// contractLogs returns the contract log writers: log/contract/rw.stdout.log and
// rw.stderr.log when contract.log.enable (consensus runs only), else nil (discarded). Each
// run starts with hpcore's demarcation line. Files are not rotated. done closes them.
func (n *Node) contractLogs(req execRequest) (stdout, stderr io.Writer, done func()) {
	done = func() {}
	if req.readonly || !req.cfg.Contract.Log.Enable {
		return nil, nil, done
	}
	dir := filepath.Join(n.dir, "log", "contract")
	if err := os.MkdirAll(dir, 0o775); err != nil {
		return nil, nil, done
	}
	line := "Execution lcl " + strconv.FormatUint(req.lclSeq, 10) + "-" + lowerHex(req.lclHash) + "\n"
	var files []*os.File
	open := func(name string) io.Writer {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil
		}
		_, _ = f.WriteString(line)
		files = append(files, f)
		return f
	}
	stdout, stderr = open("rw.stdout.log"), open("rw.stderr.log")
	return stdout, stderr, func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
}

// peerChangeset is the only control message a contract sends.
type peerChangeset struct {
	Type   string          `json:"type"`
	Add    []string        `json:"add"`
	Remove json.RawMessage `json:"remove"`
}
