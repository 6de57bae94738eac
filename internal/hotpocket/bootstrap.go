package hotpocket

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

const (
	bundleName     = "bundle.zip"
	hpCfgOverride  = "hp.cfg.override"
	contractCfg    = "contract.config"
	postExecErr    = "post_exec.err"
	installScript  = "install.sh"
	patchBackupRel = "../patch.cfg.bk"

	// Zip guards: an upload is at most user.max_bytes_per_msg, but deflate can expand ~1000×.
	maxZipEntries    = 100000
	maxZipEntryBytes = 512 << 20
	maxZipTotalBytes = 1 << 30
)

func bootstrapResponse(typ, status, msg string) []byte {
	return encodeBSON(bson.D{{Key: "type", Value: typ}, {Key: "status", Value: status}, {Key: "message", Value: msg}})
}

// runBootstrap is the bootstrap contract, natively. A non-BSON input or one without "type"
// crashes the real contract (the decode is outside its try block): the run stops there, with
// the outputs already written kept and no post-exec stage.
func (n *Node) runBootstrap(req execRequest, state string) execResult {
	res := execResult{outputs: map[string][][]byte{}, exitedOK: true}
	args := strings.Fields(req.cfg.Contract.BinArgs)
	if len(args) != 1 {
		n.log.Error("bootstrap contract: owner pubkey not given (bin_args)")
		return res
	}
	owner := args[0]
	errLog, haveErrLog := readPostExecErr(state)
	if haveErrLog && !req.readonly {
		_ = os.Remove(filepath.Join(state, postExecErr))
	}
	for _, u := range req.users {
		key := string(u.pub)
		emit := func(typ, status, msg string) {
			res.outputs[key] = append(res.outputs[key], bootstrapResponse(typ, status, msg))
		}
		if haveErrLog {
			if e, ok := errLog[u.hex]; ok {
				delete(errLog, u.hex)
				if e != "" {
					emit(hpwire.BootstrapUploadResult, hpwire.BootstrapStatusFail, e)
				}
			}
		}
		for _, in := range u.inputs {
			doc := bson.Raw(in)
			if doc.Validate() != nil {
				n.log.Warn("bootstrap contract: input is not BSON; contract run aborted")
				res.exitedOK = false
				return res
			}
			tv, err := doc.LookupErr("type")
			if err != nil {
				n.log.Warn("bootstrap contract: input has no type; contract run aborted")
				res.exitedOK = false
				return res
			}
			typ, ok := tv.StringValueOK()
			if !ok {
				typ = tv.String()
			}
			resType := hpwire.BootstrapUnknownResult
			switch typ {
			case "upload":
				resType = hpwire.BootstrapUploadResult
			case "status":
				resType = hpwire.BootstrapStatusResult
			}
			if u.hex != owner {
				emit(resType, hpwire.BootstrapStatusFail, hpwire.ErrCodeUserNotAllowed)
				continue
			}
			switch typ {
			case "upload":
				code := n.bootstrapUpload(doc, state, req.readonly)
				if code != "" {
					emit(hpwire.BootstrapUploadResult, hpwire.BootstrapStatusFail, code)
					continue
				}
				emit(hpwire.BootstrapUploadResult, hpwire.BootstrapStatusOK, hpwire.BootstrapUploadSuccess)
				if errLog == nil {
					errLog = map[string]string{}
				}
				errLog[u.hex] = ""
				if err := writePostExecErr(state, errLog); err != nil {
					n.log.Error("bootstrap contract: write post_exec.err", "err", err)
				}
			case "status":
				emit(hpwire.BootstrapStatusResult, hpwire.BootstrapStatusOK, hpwire.BootstrapOnline)
				continue
			default:
				emit(hpwire.BootstrapUnknownResult, hpwire.BootstrapStatusFail, hpwire.ErrCodeInvalidMsgType)
				continue
			}
			break // the bundle was found: further inputs of this user are not processed
		}
	}
	return res
}

// bootstrapUpload unpacks the bundle and arms the upgrade; it returns an error code or "".
func (n *Node) bootstrapUpload(doc bson.Raw, state string, readonly bool) string {
	cv, err := doc.LookupErr("content")
	if err != nil {
		return hpwire.ErrCodeInternal
	}
	_, data, ok := cv.BinaryOK()
	if !ok {
		return hpwire.ErrCodeInternal
	}
	if readonly { // a read request runs on a read-only file system: saving the bundle fails
		return hpwire.ErrCodeBundleFailed
	}
	bundle := filepath.Join(state, bundleName)
	if err := os.WriteFile(bundle, data, 0o644); err != nil {
		n.log.Error("bootstrap contract: save bundle", "err", err)
		return hpwire.ErrCodeBundleFailed
	}
	if err := unzipInto(state, data); err != nil {
		n.log.Warn("bootstrap contract: bundle unzip failed", "err", err)
		return hpwire.ErrCodeUnzipFailed // like the real one, bundle.zip and partial files stay
	}
	_ = os.Remove(bundle)

	ovPath := filepath.Join(state, hpCfgOverride)
	if st, err := os.Stat(ovPath); err == nil && !st.IsDir() {
		buf, err := os.ReadFile(ovPath)
		if err != nil {
			clearExtracts(state)
			return hpwire.ErrCodeHpCfgRead
		}
		_ = os.Remove(ovPath)
		var ov any
		if err := strictJSON(buf, &ov); err != nil {
			clearExtracts(state)
			return hpwire.ErrCodeHpCfgJSON
		}
		if m, ok := ov.(map[string]any); ok {
			if c, ok := m["contract"]; ok {
				if code := mergeContractConfig(state, c); code != "" {
					if code != hpwire.ErrCodeInternal {
						clearExtracts(state)
					}
					return code
				}
			}
			if mesh, ok := m["mesh"].(map[string]any); ok {
				if kp, ok := mesh["known_peers"]; ok {
					peers, ok := kp.([]any)
					if !ok {
						return hpwire.ErrCodeInternal
					}
					for _, p := range peers {
						if _, ok := p.(string); !ok {
							return hpwire.ErrCodeInternal
						}
					}
					if len(peers) > 0 {
						n.log.Info("bootstrap contract: mesh.known_peers ignored: single node without a mesh", "peers", peers)
					}
				}
			}
		}
	}
	script := filepath.Join(state, postExecName)
	_ = os.Rename(filepath.Join(state, upgradeScript), script)
	if err := os.Chmod(script, 0o777); err != nil {
		return hpwire.ErrCodeScriptFailed
	}
	return ""
}

// mergeContractConfig shallow-merges the override's contract section into contract.config
// (jsoncons merge_or_update).
func mergeContractConfig(state string, c any) string {
	src, ok := c.(map[string]any)
	if !ok {
		return hpwire.ErrCodeInternal
	}
	p := filepath.Join(state, contractCfg)
	cfg := map[string]any{}
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		buf, err := os.ReadFile(p)
		if err != nil {
			return hpwire.ErrCodeContractCfgRead
		}
		var v any
		if err := strictJSON(buf, &v); err != nil {
			return hpwire.ErrCodeContractCfgJSON
		}
		m, ok := v.(map[string]any)
		if !ok {
			return hpwire.ErrCodeInternal
		}
		cfg = m
	}
	for k, v := range src {
		cfg[k] = v
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return hpwire.ErrCodeInternal
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o664)
	if err != nil {
		return hpwire.ErrCodeContractCfgCreat
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return hpwire.ErrCodeContractCfgWrite
	}
	return ""
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

func readPostExecErr(state string) (map[string]string, bool) {
	data, err := os.ReadFile(filepath.Join(state, postExecErr))
	if err != nil {
		return nil, false
	}
	var raw map[string]any
	if json.Unmarshal(data, &raw) != nil {
		return nil, false
	}
	m := map[string]string{}
	for k, v := range raw {
		s, _ := v.(string)
		m[k] = s
	}
	return m, true
}

func writePostExecErr(state string, m map[string]string) error {
	data, err := marshalIndent(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(state, postExecErr), data, 0o644)
}

// clearExtracts deletes everything in the state directory except the bootstrap contract,
// the upgrade script and post_exec.err.
func clearExtracts(state string) {
	ents, err := os.ReadDir(state)
	if err != nil {
		return
	}
	for _, e := range ents {
		switch e.Name() {
		case bootstrapBin, upgradeScript, postExecErr:
			continue
		}
		_ = os.RemoveAll(filepath.Join(state, e.Name()))
	}
}

// unzipInto extracts a zip into dir like "unzip -o": files overwrite, modes are kept. Every
// write goes through os.Root, so neither "../" names nor symlinks can reach outside dir; an
// escaping name fails the whole unzip (unzip exits non-zero on such warnings too).
func unzipInto(dir string, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	if len(zr.File) > maxZipEntries {
		return fmt.Errorf("zip has %d entries (max %d)", len(zr.File), maxZipEntries)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var total int64
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		clean := path.Clean(name)
		if strings.HasPrefix(name, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("zip entry %q escapes the target directory", f.Name)
		}
		if clean == "." {
			continue
		}
		mode := f.Mode()
		if mode.IsDir() || strings.HasSuffix(name, "/") {
			if err := root.MkdirAll(clean, 0o755); err != nil {
				return err
			}
			continue
		}
		if d := path.Dir(clean); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if mode&fs.ModeSymlink != 0 {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			target, err := io.ReadAll(io.LimitReader(rc, 4096))
			rc.Close()
			if err != nil {
				return err
			}
			_ = root.Remove(clean)
			if err := root.Symlink(string(target), clean); err != nil {
				return err
			}
			continue
		}
		if !mode.IsRegular() {
			continue
		}
		if f.UncompressedSize64 > maxZipEntryBytes {
			return fmt.Errorf("zip entry %q is too large (%d bytes)", f.Name, f.UncompressedSize64)
		}
		perm := mode.Perm()
		if perm == 0 {
			perm = 0o644
		}
		if err := extractFile(root, clean, f, perm, &total); err != nil {
			return err
		}
	}
	return nil
}

func extractFile(root *os.Root, name string, f *zip.File, perm fs.FileMode, total *int64) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	k, err := io.Copy(w, io.LimitReader(rc, maxZipEntryBytes+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	*total += k
	if k > maxZipEntryBytes || *total > maxZipTotalBytes {
		return fmt.Errorf("zip expands beyond the size limit")
	}
	return root.Chmod(name, perm)
}

// bootstrapUpgrade is bootstrap_upgrade.sh, natively: validate contract.config, deep-merge
// the allowed fields into ../patch.cfg, run install.sh; on failure write the error code to
// post_exec.err, restore patch.cfg and remove everything but the bootstrap files. Like the
// script it always exits 0, so the node deletes post_exec.sh.
func (n *Node) bootstrapUpgrade(ctx context.Context, req execRequest, state string) int {
	code := n.upgrade(ctx, req, state)
	if code == "" {
		n.log.Info("bootstrap upgrade successful")
		_ = os.Remove(filepath.Join(state, bootstrapBin))
		_ = os.Remove(filepath.Join(state, patchBackupRel))
		_ = os.Remove(filepath.Join(state, postExecErr))
		return 0
	}
	n.log.Warn("bootstrap upgrade failed; rolling back", "code", code)
	if m, ok := readPostExecErr(state); ok {
		for k := range m {
			m[k] = code
		}
		_ = writePostExecErr(state, m)
	}
	if data, err := os.ReadFile(filepath.Join(state, postExecName)); err == nil {
		_ = os.WriteFile(filepath.Join(state, upgradeScript), data, 0o755)
	}
	if _, err := os.Stat(filepath.Join(state, patchBackupRel)); err == nil {
		_ = os.Rename(filepath.Join(state, patchBackupRel), filepath.Join(state, "..", "patch.cfg"))
	}
	clearExtracts(state)
	return 0
}

func (n *Node) upgrade(ctx context.Context, req execRequest, state string) string {
	ccPath := filepath.Join(state, contractCfg)
	if _, err := os.Stat(ccPath); err == nil {
		patch, code := buildPatch(ccPath, state)
		if code != "" {
			return code
		}
		pp := filepath.Join(state, "..", "patch.cfg")
		cur, err := os.ReadFile(pp)
		if err != nil {
			return hpwire.ErrCodeContractCfgRead
		}
		var base map[string]any
		if err := strictJSON(cur, &base); err != nil || base == nil {
			return hpwire.ErrCodeContractCfgJSON
		}
		merged := deepMerge(base, patch)
		out, err := marshalIndent(merged)
		if err != nil {
			return hpwire.ErrCodeInternal
		}
		if err := os.WriteFile(filepath.Join(state, patchBackupRel), cur, 0o664); err != nil {
			return hpwire.ErrCodeInternal
		}
		if err := os.WriteFile(pp, out, 0o664); err != nil {
			return hpwire.ErrCodeInternal
		}
		_ = os.Remove(ccPath)
	}
	isPath := filepath.Join(state, installScript)
	if _, err := os.Stat(isPath); err == nil {
		err := n.runInstallScript(ctx, req, state, isPath)
		_ = os.Remove(isPath)
		if err != nil {
			n.log.Warn("install.sh failed", "err", err)
			return hpwire.ErrCodeInstallScriptFailed
		}
	}
	return ""
}

// runInstallScript runs install.sh from the state directory: directly when it has a "#!"
// line, else with /bin/sh. Without /bin/sh (a FROM-scratch image) it fails.
func (n *Node) runInstallScript(ctx context.Context, req execRequest, state, script string) error {
	if _, err := os.Stat("/bin/sh"); err != nil {
		return errors.New("install.sh found but /bin/sh is not available on this node")
	}
	_ = os.Chmod(script, 0o755)
	head := make([]byte, 2)
	if f, err := os.Open(script); err == nil {
		_, _ = io.ReadFull(f, head)
		f.Close()
	}
	timeout := time.Duration(req.cfg.Contract.RoundLimits.ExecTimeout) * time.Millisecond
	if timeout <= 0 {
		timeout = defaultExecTimeoutMS * time.Millisecond
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cmd *exec.Cmd
	if string(head) == "#!" {
		cmd = exec.CommandContext(cctx, script)
		cmd.Args[0] = "./" + installScript
	} else {
		cmd = exec.CommandContext(cctx, "/bin/sh", "./"+installScript)
	}
	cmd.Dir = state
	var done func()
	cmd.Stdout, cmd.Stderr, done = n.contractLogs(req)
	defer done()
	return cmd.Run()
}

// buildPatch validates contract.config as bootstrap_upgrade.sh does and returns the patch
// with the allowed fields only.
func buildPatch(ccPath, state string) (map[string]any, string) {
	data, err := os.ReadFile(ccPath)
	if err != nil {
		return nil, hpwire.ErrCodeContractCfgRead
	}
	var cc map[string]any
	if err := strictJSON(data, &cc); err != nil || cc == nil {
		return nil, hpwire.ErrCodeBinPathEmpty // jq cannot read bin_path from it
	}
	present := func(m map[string]any, k string) (any, bool) {
		v, ok := m[k]
		return v, ok && v != nil
	}
	patch := map[string]any{}
	bp, ok := present(cc, "bin_path")
	if !ok {
		return nil, hpwire.ErrCodeBinPathEmpty
	}
	bps, isStr := bp.(string)
	if isStr && bps == "" {
		return nil, hpwire.ErrCodeBinPathEmpty
	}
	if !isStr {
		return nil, hpwire.ErrCodeBinaryNotFound
	}
	check := bps
	if !filepath.IsAbs(check) {
		check = filepath.Join(state, check)
	}
	if st, err := os.Stat(check); err != nil || !st.Mode().IsRegular() {
		return nil, hpwire.ErrCodeBinaryNotFound
	}
	patch["bin_path"] = bps
	if v, ok := present(cc, "bin_args"); ok {
		if _, s := v.(string); !s {
			return nil, hpwire.ErrCodeInvalidBinArgs
		}
		patch["bin_args"] = v
	}
	if v, ok := present(cc, "environment"); ok {
		env, isObj := v.(map[string]any)
		if !isObj {
			return nil, hpwire.ErrCodeInvalidEnvFormat
		}
		for _, ev := range env {
			if _, s := ev.(string); !s {
				return nil, hpwire.ErrCodeInvalidEnvFormat
			}
		}
		patch["environment"] = env
	}
	if v, ok := present(cc, "version"); ok {
		if s, isS := v.(string); !isS || s == "" {
			return nil, hpwire.ErrCodeInvalidVersion
		}
		patch["version"] = v
	}
	if v, ok := present(cc, "max_input_ledger_offset"); ok {
		if _, ok := intIn(v, 0, 65535); !ok {
			return nil, hpwire.ErrCodeInvalidMaxInputOffset
		}
		patch["max_input_ledger_offset"] = v
	}
	if v, ok := present(cc, "unl"); ok {
		list, isArr := v.([]any)
		if !isArr || len(list) == 0 {
			return nil, hpwire.ErrCodeInvalidUNLPubkey
		}
		for _, k := range list {
			s, isS := k.(string)
			if !isS {
				return nil, hpwire.ErrCodeInvalidUNLPubkey
			}
			if _, err := hpwire.ParsePublicKey(s); err != nil || !strings.HasPrefix(s, "ed") {
				return nil, hpwire.ErrCodeInvalidUNLPubkey
			}
		}
		patch["unl"] = v
	}
	if v, ok := present(cc, "consensus"); ok {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, hpwire.ErrCodeInvalidConsensusMode
		}
		out := map[string]any{}
		if x, ok := present(m, "mode"); ok {
			if !isMode(x) {
				return nil, hpwire.ErrCodeInvalidConsensusMode
			}
			out["mode"] = x
		}
		for _, r := range []struct {
			k        string
			min, max int64
			code     string
		}{{"roundtime", 1, maxRoundtimeMS, hpwire.ErrCodeInvalidRoundtime}, {"stage_slice", 1, 33, hpwire.ErrCodeInvalidStageSlice}, {"threshold", 2, 100, hpwire.ErrCodeInvalidThreshold}} {
			if x, ok := present(m, r.k); ok {
				if _, ok := intIn(x, r.min, r.max); !ok {
					return nil, r.code
				}
				out[r.k] = x
			}
		}
		if x, ok := present(m, "fallback"); ok {
			fm, isObj := x.(map[string]any)
			if !isObj {
				return nil, hpwire.ErrCodeInvalidFallbackExec
			}
			fo := map[string]any{}
			if e, ok := present(fm, "execute"); ok {
				if _, isB := e.(bool); !isB {
					return nil, hpwire.ErrCodeInvalidFallbackExec
				}
				fo["execute"] = e
			}
			out["fallback"] = fo
		}
		patch["consensus"] = out
	}
	if v, ok := present(cc, "npl"); ok {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, hpwire.ErrCodeInvalidNPLMode
		}
		out := map[string]any{}
		if x, ok := present(m, "mode"); ok {
			if !isMode(x) {
				return nil, hpwire.ErrCodeInvalidNPLMode
			}
			out["mode"] = x
		}
		patch["npl"] = out
	}
	if v, ok := present(cc, "round_limits"); ok {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, hpwire.ErrCodeInvalidUserInputBytes
		}
		out := map[string]any{}
		for _, r := range []struct{ k, code string }{
			{"user_input_bytes", hpwire.ErrCodeInvalidUserInputBytes}, {"user_output_bytes", hpwire.ErrCodeInvalidUserOutBytes},
			{"npl_output_bytes", hpwire.ErrCodeInvalidNPLOutBytes}, {"proc_cpu_seconds", hpwire.ErrCodeInvalidProcCPUSeconds},
			{"proc_mem_bytes", hpwire.ErrCodeInvalidProcMemBytes}, {"proc_ofd_count", hpwire.ErrCodeInvalidProcOFDCount},
		} {
			if x, ok := present(m, r.k); ok {
				if _, ok := intIn(x, 0, 1<<62); !ok {
					return nil, r.code
				}
				out[r.k] = x
			}
		}
		patch["round_limits"] = out
	}
	return patch, ""
}

func isMode(v any) bool {
	s, ok := v.(string)
	return ok && (s == "public" || s == "private")
}

func intIn(v any, lo, hi int64) (int64, bool) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil || i < lo || i > hi {
		return 0, false
	}
	return i, true
}

// deepMerge is jq's "*": objects merge recursively, anything else is replaced.
func deepMerge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		bv := b[k]
		if am, ok := out[k].(map[string]any); ok {
			if bm, ok := bv.(map[string]any); ok {
				out[k] = deepMerge(am, bm)
				continue
			}
		}
		out[k] = bv
	}
	return out
}
