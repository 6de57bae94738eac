//go:build linux

package hotpocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const inputBlock = 4096 // hpcore buffer_store BLOCK_SIZE: inputs start at 4 KiB boundaries

// socketPair returns (node end, contract end).
func socketPair(typ int) (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "hp"), os.NewFile(uintptr(fds[1]), "sc"), nil
}

// inputFile holds every input at 4 KiB-aligned offsets, like hpcore's memfd input store.
func inputFile(req execRequest) (*os.File, map[string][][2]int64, error) {
	fd, err := unix.MemfdCreate("hp_user_inputs", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "hp_user_inputs")
	offs := map[string][][2]int64{}
	var off int64
	for _, u := range req.users {
		for _, in := range u.inputs {
			if _, err := f.WriteAt(in, off); err != nil {
				f.Close()
				return nil, nil, err
			}
			offs[string(u.pub)] = append(offs[string(u.pub)], [2]int64{off, int64(len(in))})
			off += (int64(len(in)) + inputBlock - 1) / inputBlock * inputBlock
		}
	}
	return f, offs, nil
}

// runProcess executes bin_path as hpcore does (spec §3): working directory = state dir, env
// = contract.environment only, argv = bin_path + bin_args split on spaces, the args JSON on
// stdin, inputs in a memfd, one SOCK_STREAM socket per user with 4-byte big-endian framed
// outputs, SEQPACKET control and NPL sockets, killed after round_limits.exec_timeout.
func (n *Node) runProcess(ctx context.Context, req execRequest, state string) (execResult, error) {
	res := execResult{outputs: map[string][][]byte{}}
	cc := req.cfg.Contract
	if cc.BinPath == "" {
		return res, errors.New("contract.bin_path is empty")
	}
	in, offs, err := inputFile(req)
	if err != nil {
		return res, err
	}
	defer in.Close()

	var parentEnds, childEnds []*os.File
	defer func() {
		for _, f := range append(parentEnds, childEnds...) {
			f.Close()
		}
	}()
	pair := func(typ int) (*os.File, *os.File, error) {
		p, c, err := socketPair(typ)
		if err == nil {
			parentEnds, childEnds = append(parentEnds, p), append(childEnds, c)
		}
		return p, c, err
	}
	extra := []*os.File{in}
	ctlP, ctlC, err := pair(unix.SOCK_SEQPACKET)
	if err != nil {
		return res, err
	}
	extra = append(extra, ctlC)
	controlFD, nplFD := 2+len(extra), -1
	var nplP *os.File
	if !req.readonly {
		var nplC *os.File
		if nplP, nplC, err = pair(unix.SOCK_SEQPACKET); err != nil {
			return res, err
		}
		extra = append(extra, nplC)
		nplFD = 2 + len(extra)
	}
	userFD := map[string]int{}
	userP := map[string]*os.File{}
	for _, u := range req.users {
		p, c, err := pair(unix.SOCK_STREAM)
		if err != nil {
			return res, err
		}
		extra = append(extra, c)
		userFD[string(u.pub)] = 2 + len(extra)
		userP[string(u.pub)] = p
	}

	path := cc.BinPath
	if !filepath.IsAbs(path) {
		path = filepath.Join(state, path)
	}
	args := []string{cc.BinPath}
	for _, a := range strings.Split(cc.BinArgs, " ") {
		if a != "" {
			args = append(args, a)
		}
	}
	env := []string{}
	keys := make([]string, 0, len(cc.Environment))
	for k := range cc.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+cc.Environment[k])
	}
	stdout, stderr, closeLogs := n.contractLogs(req)
	defer closeLogs()
	cmd := &exec.Cmd{
		Path: path, Args: args, Env: env, Dir: state,
		Stdin:  bytes.NewReader(argsJSON(req, n.pubHex, privKeyHex(n.priv), userFD, offs, controlFD, nplFD, 3)),
		Stdout: stdout, Stderr: stderr, ExtraFiles: extra,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if cc.RunAs != "" && os.Geteuid() == 0 {
		if uid, gid, err := parseRunAs(cc.RunAs); err == nil {
			cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
		}
	}
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("start %s: %w", cc.BinPath, err)
	}
	pid := cmd.Process.Pid
	n.setRlimits(pid, cc.RoundLimits)
	for _, c := range childEnds {
		c.Close()
	}
	childEnds = nil

	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, u := range req.users {
		wg.Add(1)
		go func(key string, f *os.File) {
			defer wg.Done()
			outs := readFramed(f, cc.RoundLimits.UserOutputBytes)
			mu.Lock()
			res.outputs[key] = outs
			mu.Unlock()
		}(string(u.pub), userP[string(u.pub)])
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		n.readControl(ctlP)
	}()
	if nplP != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			drainPackets(nplP) // one-node UNL: nobody to broadcast NPL messages to
		}()
	}

	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	timeout := time.Duration(cc.RoundLimits.ExecTimeout) * time.Millisecond
	if timeout <= 0 {
		timeout = defaultExecTimeoutMS * time.Millisecond
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var werr error
	select {
	case werr = <-waitErr:
	case <-timer.C:
		n.log.Warn("contract exceeded exec_timeout; killed", "timeout", timeout)
		_ = unix.Kill(-pid, unix.SIGKILL)
		werr = <-waitErr
	case <-ctx.Done():
		_ = unix.Kill(-pid, unix.SIGKILL)
		werr = <-waitErr
	}
	deadline := time.Now().Add(drainAfterExit)
	for _, f := range parentEnds {
		_ = f.SetReadDeadline(deadline)
	}
	wg.Wait()
	var ee *exec.ExitError
	switch {
	case werr == nil:
		res.exitedOK = true
	case errors.As(werr, &ee) && ee.Exited():
		res.exitedOK = true
		n.log.Debug("contract exited", "code", ee.ExitCode())
	default:
		n.log.Warn("contract process ended prematurely", "err", werr)
	}
	return res, nil
}

func (n *Node) setRlimits(pid int, rl RoundLimits) {
	set := func(res int, v uint64) {
		if v > 0 {
			lim := unix.Rlimit{Cur: v, Max: v}
			if err := unix.Prlimit(pid, res, &lim, nil); err != nil {
				n.log.Warn("prlimit failed", "err", err)
			}
		}
	}
	set(unix.RLIMIT_CPU, rl.ProcCPUSeconds)
	set(unix.RLIMIT_DATA, rl.ProcMemBytes)
	set(unix.RLIMIT_NOFILE, rl.ProcOFDCount)
}

// readFramed reads 4-byte big-endian length-prefixed messages until EOF or the deadline. Once
// the cumulative bytes exceed limit (0 = none) the rest is discarded, as hpcore closes the fd.
func readFramed(f *os.File, limit uint64) [][]byte {
	var outs [][]byte
	var buf []byte
	var total uint64
	chunk := make([]byte, 128<<10)
	for {
		k, err := f.Read(chunk)
		if k > 0 {
			total += uint64(k)
			if limit > 0 && total > limit {
				return outs
			}
			buf = append(buf, chunk[:k]...)
			for len(buf) >= 4 {
				l := binary.BigEndian.Uint32(buf)
				if uint64(len(buf)-4) < uint64(l) {
					break
				}
				outs = append(outs, append([]byte{}, buf[4:4+l]...))
				buf = buf[4+l:]
			}
		}
		if err != nil {
			return outs
		}
	}
}

func (n *Node) readControl(f *os.File) {
	buf := make([]byte, 128<<10)
	for {
		k, err := f.Read(buf)
		if k > 0 {
			var m peerChangeset
			if json.Unmarshal(buf[:k], &m) == nil && m.Type == "peer_changeset" {
				n.log.Info("peer_changeset from contract ignored: single node without a mesh", "add", m.Add)
			}
		}
		if err != nil {
			return
		}
	}
}

func drainPackets(f *os.File) {
	buf := make([]byte, 128<<10)
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}
