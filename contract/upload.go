package contract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Bootstrap contract error codes (evernode-bootstrap-contract, spec §2.2), as reported in
// UploadError.Code. CodeBootstrapUnavailable is this package's own: the status probe was not
// answered by the bootstrap contract.
const (
	CodeUserNotAllowed           = hpwire.ErrCodeUserNotAllowed
	CodeInvalidMessageType       = hpwire.ErrCodeInvalidMsgType
	CodeInternalError            = hpwire.ErrCodeInternal
	CodeBundleFailed             = hpwire.ErrCodeBundleFailed
	CodeSyscallFailed            = hpwire.ErrCodeSyscallFailed
	CodeUnzipFailed              = hpwire.ErrCodeUnzipFailed
	CodeHpCfgReadFailed          = hpwire.ErrCodeHpCfgRead
	CodeHpCfgJSONFailed          = hpwire.ErrCodeHpCfgJSON
	CodeContractCfgReadFailed    = hpwire.ErrCodeContractCfgRead
	CodeContractCfgJSONFailed    = hpwire.ErrCodeContractCfgJSON
	CodeContractCfgCreateFailed  = hpwire.ErrCodeContractCfgCreat
	CodeContractCfgWriteFailed   = hpwire.ErrCodeContractCfgWrite
	CodePeerListUpdateFailed     = hpwire.ErrCodePeerListUpdate
	CodeScriptFailed             = hpwire.ErrCodeScriptFailed
	CodeJqBundleNotFound         = hpwire.ErrCodeJqNotFound
	CodeBinPathEmpty             = hpwire.ErrCodeBinPathEmpty
	CodeBinaryNotFound           = hpwire.ErrCodeBinaryNotFound
	CodeInvalidBinArgs           = hpwire.ErrCodeInvalidBinArgs
	CodeInvalidEnvFormat         = hpwire.ErrCodeInvalidEnvFormat
	CodeInvalidVersion           = hpwire.ErrCodeInvalidVersion
	CodeInvalidMaxInputOffset    = hpwire.ErrCodeInvalidMaxInputOffset
	CodeInvalidUnlPubkey         = hpwire.ErrCodeInvalidUNLPubkey
	CodeInvalidConsensusMode     = hpwire.ErrCodeInvalidConsensusMode
	CodeInvalidRoundtime         = hpwire.ErrCodeInvalidRoundtime
	CodeInvalidStageSlice        = hpwire.ErrCodeInvalidStageSlice
	CodeInvalidThreshold         = hpwire.ErrCodeInvalidThreshold
	CodeInvalidFallbackExecution = hpwire.ErrCodeInvalidFallbackExec
	CodeInvalidNplMode           = hpwire.ErrCodeInvalidNPLMode
	CodeInvalidUserInputBytes    = hpwire.ErrCodeInvalidUserInputBytes
	CodeInvalidUserOutputBytes   = hpwire.ErrCodeInvalidUserOutBytes
	CodeInvalidNplOutputBytes    = hpwire.ErrCodeInvalidNPLOutBytes
	CodeInvalidProcCPUSeconds    = hpwire.ErrCodeInvalidProcCPUSeconds
	CodeInvalidProcMemBytes      = hpwire.ErrCodeInvalidProcMemBytes
	CodeInvalidProcOfdCount      = hpwire.ErrCodeInvalidProcOFDCount
	CodeInstallScriptFailed      = hpwire.ErrCodeInstallScriptFailed
	CodeBootstrapUnavailable     = "BootstrapUnavailable"
)

var codeHelp = map[string]string{
	CodeUserNotAllowed:           "only the owner key given at acquire time may upload: dial with that key",
	CodeInvalidMessageType:       "the bootstrap contract did not understand the input type",
	CodeInternalError:            "the bootstrap contract failed on the input (is content binary? is hp.cfg.override's contract section an object and mesh.known_peers a list of strings?)",
	CodeBundleFailed:             "the instance could not save bundle.zip (disk quota or a read-only state directory)",
	CodeSyscallFailed:            "the instance could not run unzip",
	CodeUnzipFailed:              "bundle.zip could not be unzipped: send a valid zip with files at its root",
	CodeHpCfgReadFailed:          "hp.cfg.override could not be read",
	CodeHpCfgJSONFailed:          "hp.cfg.override is not valid JSON",
	CodeContractCfgReadFailed:    "contract.config (or patch.cfg) could not be read",
	CodeContractCfgJSONFailed:    "contract.config (or patch.cfg) is not valid JSON",
	CodeContractCfgCreateFailed:  "contract.config could not be created",
	CodeContractCfgWriteFailed:   "contract.config could not be written",
	CodePeerListUpdateFailed:     "mesh.known_peers could not be sent to HotPocket",
	CodeScriptFailed:             "the upgrade script could not be armed (post_exec.sh)",
	CodeJqBundleNotFound:         "the instance image lacks jq, which the upgrade script needs",
	CodeBinPathEmpty:             "set contract.bin_path in hp.cfg.override",
	CodeBinaryNotFound:           "contract.bin_path names no file of the bundle (paths are relative to the bundle root)",
	CodeInvalidBinArgs:           "contract.bin_args must be a string",
	CodeInvalidEnvFormat:         "contract.environment must be an object of strings",
	CodeInvalidVersion:           "contract.version must be a non-empty string",
	CodeInvalidMaxInputOffset:    "contract.max_input_ledger_offset must be a non-negative integer",
	CodeInvalidUnlPubkey:         "every contract.unl entry must be an \"ed\"-prefixed 66-char hex key",
	CodeInvalidConsensusMode:     "contract.consensus.mode must be public or private",
	CodeInvalidRoundtime:         "contract.consensus.roundtime must be 1..3600000 ms",
	CodeInvalidStageSlice:        "contract.consensus.stage_slice must be 1..33",
	CodeInvalidThreshold:         "contract.consensus.threshold must be 2..100",
	CodeInvalidFallbackExecution: "contract.consensus.fallback.execute must be a boolean",
	CodeInvalidNplMode:           "contract.npl.mode must be public or private",
	CodeInvalidUserInputBytes:    "contract.round_limits.user_input_bytes must be a non-negative integer",
	CodeInvalidUserOutputBytes:   "contract.round_limits.user_output_bytes must be a non-negative integer",
	CodeInvalidNplOutputBytes:    "contract.round_limits.npl_output_bytes must be a non-negative integer",
	CodeInvalidProcCPUSeconds:    "contract.round_limits.proc_cpu_seconds must be a non-negative integer",
	CodeInvalidProcMemBytes:      "contract.round_limits.proc_mem_bytes must be a non-negative integer",
	CodeInvalidProcOfdCount:      "contract.round_limits.proc_ofd_count must be a non-negative integer",
	CodeInstallScriptFailed:      "install.sh exited non-zero; the instance rolled back to the bootstrap contract: fix the script (it runs from the state directory) and upload again",
	CodeBootstrapUnavailable:     "the bootstrap contract did not answer the status probe: a contract is probably installed already (the bootstrap takes one upload)",
}

// UploadError is a failure reported by the bootstrap contract (or found by the status
// probe). Code is the bootstrap's message, one of the Code* constants.
type UploadError struct {
	Code string
	// Node is the node that reported it.
	Node string
	// Late is true for a failure reported one round after UploadSuccess: the upgrade script
	// (config validation, install.sh) failed and the instance rolled back to the bootstrap.
	Late bool
}

func (e *UploadError) Error() string {
	when := ""
	if e.Late {
		when = " after unpacking"
	}
	help := codeHelp[e.Code]
	if help == "" {
		help = "unknown bootstrap error"
	}
	return fmt.Sprintf("contract: upload to %s failed%s: %s: %s", e.Node, when, e.Code, help)
}

// Is makes errors.Is(err, ErrUpload) true.
func (e *UploadError) Is(target error) bool { return target == ErrUpload }

// Phase is a step of Upload, reported through UploadOptions.Progress.
type Phase int

const (
	// PhaseProbe: asking the bootstrap contract for its status.
	PhaseProbe Phase = iota
	// PhaseSend: the upload message is being written; Progress.Sent grows to Total.
	PhaseSend
	// PhaseSubmitted: sent, waiting for the node to accept it into a ledger.
	PhaseSubmitted
	// PhaseAccepted: accepted, waiting for the bootstrap's uploadResult.
	PhaseAccepted
	// PhaseConfirm: UploadSuccess received, waiting a round for a late failure.
	PhaseConfirm
	// PhaseDone: the upload succeeded.
	PhaseDone
)

func (p Phase) String() string {
	switch p {
	case PhaseProbe:
		return "probe"
	case PhaseSend:
		return "send"
	case PhaseSubmitted:
		return "submitted"
	case PhaseAccepted:
		return "accepted"
	case PhaseConfirm:
		return "confirm"
	case PhaseDone:
		return "done"
	}
	return "unknown"
}

// Progress is one progress report of Upload.
type Progress struct {
	Phase Phase
	// Sent and Total are the bytes of the upload message written so far and in all.
	Sent, Total int
}

// UploadOptions configures Upload; a nil *UploadOptions uses the defaults.
type UploadOptions struct {
	// Progress, if set, is called from Upload's goroutine at every phase and after every
	// chunk written.
	Progress func(Progress)
	// MaxMessageBytes is the node's user.max_bytes_per_msg; default
	// EvernodeMaxMessageBytes (10 MiB). A larger upload is refused before anything is sent.
	MaxMessageBytes int
	// ResultTimeout bounds each wait for the node (input status, bootstrap answer) in
	// addition to ctx; default 120 s, as evdevkit.
	ResultTimeout time.Duration
	// ProbeTimeout bounds the status probe as a read request, after which it is retried as
	// a contract input; default 5 s.
	ProbeTimeout time.Duration
	// SkipProbe skips the status probe.
	SkipProbe bool
	// ConfirmRounds is how many ledgers to wait after UploadSuccess for the failure the
	// bootstrap reports when its upgrade script fails; default 1 (enough: the report comes
	// with the next ledger). Negative returns at UploadSuccess.
	ConfirmRounds int
	// MaxLedgerOffset is the upload input's max-ledger offset; default 10.
	MaxLedgerOffset uint64
	// ChunkBytes is the write size between progress reports; default 256 KiB.
	ChunkBytes int
	// KeepResultOutputs also delivers the bootstrap contract's answers to Upload (its
	// statusResult and uploadResult outputs) to NextOutput. Default false: while Upload
	// runs, they reach Upload only; every other output still reaches NextOutput.
	KeepResultOutputs bool
}

// UploadResult describes a successful upload.
type UploadResult struct {
	// Node is the node's public key.
	Node string
	// InputHash is the hash of the upload input.
	InputHash []byte
	// LedgerSeqNo is the ledger that included the upload input.
	LedgerSeqNo uint64
	// ResultSeqNo is the ledger with which UploadSuccess was delivered.
	ResultSeqNo uint64
	// Confirmed is true when no failure came ConfirmRounds ledgers after UploadSuccess.
	Confirmed bool
	// ZipBytes and MessageBytes are the sizes sent.
	ZipBytes, MessageBytes int
}

// Upload zips b for the client's node (its key appended to the UNL, see Bundle.Zip) and
// uploads it with UploadZip.
func Upload(ctx context.Context, c *Client, b *Bundle, opts *UploadOptions) (*UploadResult, error) {
	var limit int
	if opts != nil {
		limit = opts.MaxMessageBytes
	}
	z, err := b.Zip(&ZipOptions{InstanceKeys: []string{c.NodeKey()}, MaxMessageBytes: limit})
	if err != nil {
		return nil, err
	}
	return UploadZip(ctx, c, z, opts)
}

// UploadZip uploads a bundle zip to the Evernode bootstrap contract on the client's node
// (spec §2.2): a status probe, the {type:"upload",content} BSON input, the bootstrap's
// uploadResult, then ConfirmRounds more ledgers watching for the late failure of the
// upgrade script. Bootstrap failures are *UploadError; a rejected input is an
// *InputRejectedError. The client must use ProtocolBSON and the owner key. Upload
// subscribes the client to ledger events and reads outputs alongside the caller: the
// bootstrap's answers are Upload's (see UploadOptions.KeepResultOutputs), every other output
// still reaches NextOutput.
//
// zip is sent and signed in place: do not change it before UploadZip returns. The input is
// signed while it is sent, with one SHA-512 pass instead of ed25519.Sign's two (the nonce
// comes from keyed BLAKE3, see signStreamed): the signature verifies as any ed25519
// signature does, but its bytes, and so the input hash, differ from those
// hotpocket-js-client would send for the same input. Inputs sent with SubmitInput are signed
// as RFC 8032 says, byte for byte as hotpocket-js-client signs them.
func UploadZip(ctx context.Context, c *Client, zip []byte, opts *UploadOptions) (*UploadResult, error) {
	if opts == nil {
		opts = &UploadOptions{}
	}
	if c.Protocol() != ProtocolBSON {
		return nil, fmt.Errorf("%w: the bootstrap contract takes BSON inputs only; dial with ProtocolBSON", ErrProtocol)
	}
	limit := opts.MaxMessageBytes
	if limit <= 0 {
		limit = EvernodeMaxMessageBytes
	}
	if err := CheckSize(len(zip), limit); err != nil {
		return nil, err
	}
	resTimeout := opts.ResultTimeout
	if resTimeout <= 0 {
		resTimeout = 120 * time.Second
	}
	chunk := opts.ChunkBytes
	if chunk <= 0 {
		chunk = 256 << 10
	}
	report := func(p Progress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	var claim func(*Output) bool
	if !opts.KeepResultOutputs {
		claim = isBootstrapAnswer
	}
	w := c.watch(claim)
	defer c.unwatch(w)
	if err := c.Subscribe(ctx, ChannelLedgerEvent, true); err != nil {
		return nil, err
	}

	if !opts.SkipProbe {
		report(Progress{Phase: PhaseProbe})
		if err := probe(ctx, c, w, opts, resTimeout); err != nil {
			return nil, err
		}
	}

	nonce, maxLedger, err := c.inputLimits(ctx, &InputOptions{MaxLedgerOffset: opts.MaxLedgerOffset})
	if err != nil {
		return nil, err
	}
	msg := bsonUploadParts(zip, nonce, maxLedger)
	total := msg.size()
	if total > limit { // CheckSize computed this; keep the exact check too
		return nil, &BundleTooLargeError{ZipBytes: len(zip), MessageBytes: total, Limit: limit}
	}
	report(Progress{Phase: PhaseSend, Total: total})
	sctx, cancel := context.WithTimeout(ctx, resTimeout)
	rec, err := c.submitUpload(sctx, msg, nonce, maxLedger, chunk, func(sent, total int) {
		report(Progress{Phase: PhaseSend, Sent: sent, Total: total})
		if sent == total {
			report(Progress{Phase: PhaseSubmitted, Sent: total, Total: total})
		}
	})
	cancel()
	if err != nil {
		return nil, err
	}
	report(Progress{Phase: PhaseAccepted, Sent: total, Total: total})
	res := &UploadResult{Node: c.NodeKey(), InputHash: rec.Hash, LedgerSeqNo: rec.LedgerSeqNo, ZipBytes: len(zip), MessageBytes: total}

	// The bootstrap answers in the output of the round that executed the input.
	wctx, cancel := context.WithTimeout(ctx, resTimeout)
	defer cancel()
	for res.ResultSeqNo == 0 {
		it, err := next(wctx, c, w)
		if err != nil {
			return nil, err
		}
		if it.err != nil {
			return nil, it.err
		}
		if it.out == nil {
			continue
		}
		for _, r := range bootstrapResults(it.out) {
			if r.typ != hpwire.BootstrapUploadResult {
				continue
			}
			if r.status != hpwire.BootstrapStatusOK {
				return nil, &UploadError{Code: r.msg, Node: c.NodeKey()}
			}
			res.ResultSeqNo = it.out.LedgerSeqNo
		}
	}
	if opts.ConfirmRounds < 0 {
		report(Progress{Phase: PhaseDone, Sent: total, Total: total})
		return res, nil
	}
	report(Progress{Phase: PhaseConfirm, Sent: total, Total: total})
	rounds := uint64(max(opts.ConfirmRounds, 1))
	if err := confirm(wctx, c, w, res.ResultSeqNo+rounds); err != nil {
		return nil, err
	}
	res.Confirmed = true
	report(Progress{Phase: PhaseDone, Sent: total, Total: total})
	return res, nil
}

// confirm waits for ledger target, then one LCL round trip (so that anything the node sent
// with that ledger has arrived), failing on an uploadResult fail meanwhile.
func confirm(ctx context.Context, c *Client, w *watcher, target uint64) error {
	check := func(it watchItem) error {
		if it.out == nil {
			return nil
		}
		for _, r := range bootstrapResults(it.out) {
			if r.typ == hpwire.BootstrapUploadResult && r.status != hpwire.BootstrapStatusOK {
				return &UploadError{Code: r.msg, Node: c.NodeKey(), Late: true}
			}
		}
		return nil
	}
	for {
		it, err := next(ctx, c, w)
		if err != nil {
			return err
		}
		if err := check(it); err != nil {
			return err
		}
		if it.event != nil && it.event.Kind == EventLedgerCreated && it.event.Ledger.SeqNo >= target {
			break
		}
	}
	if _, _, err := c.LCL(ctx); err != nil {
		return err
	}
	for {
		it, ok := w.q.tryPop()
		if !ok {
			return nil
		}
		if err := check(it); err != nil {
			return err
		}
	}
}

func next(ctx context.Context, c *Client, w *watcher) (watchItem, error) {
	it, err := w.q.pop(ctx, c.done, c.closedErr)
	if err != nil && ctx.Err() != nil {
		return it, fmt.Errorf("contract: waiting for the bootstrap contract: %w", err)
	}
	return it, err
}

type bootstrapResult struct{ typ, status, msg string }

// isBootstrapAnswer reports whether every output of o is a bootstrap contract answer.
func isBootstrapAnswer(o *Output) bool {
	rs := bootstrapResults(o)
	if len(rs) == 0 || len(rs) != len(o.Outputs) {
		return false
	}
	for _, r := range rs {
		switch r.typ {
		case hpwire.BootstrapStatusResult, hpwire.BootstrapUploadResult, hpwire.BootstrapUnknownResult:
		default:
			return false
		}
	}
	return true
}

// bootstrapResults decodes the BSON {type, status, message} outputs of the bootstrap.
func bootstrapResults(o *Output) []bootstrapResult {
	var rs []bootstrapResult
	for _, b := range o.Outputs {
		d := bson.Raw(b)
		if d.Validate() != nil {
			continue
		}
		typ, ok := hpwire.BSONString(d, "type")
		if !ok {
			continue
		}
		st, _ := hpwire.BSONString(d, "status")
		msg, _ := hpwire.BSONString(d, "message")
		rs = append(rs, bootstrapResult{typ, st, msg})
	}
	return rs
}

// probe asks the bootstrap for its status: as a read request (no consensus round), then, if
// the node does not answer reads, as a contract input, like evdevkit.
func probe(ctx context.Context, c *Client, w *watcher, opts *UploadOptions, resTimeout time.Duration) error {
	status, err := bson.Marshal(bson.D{{Key: "type", Value: "status"}})
	if err != nil {
		return err
	}
	pt := opts.ProbeTimeout
	if pt <= 0 {
		pt = 5 * time.Second
	}
	check := func(rs []bootstrapResult) (bool, error) {
		for _, r := range rs {
			if r.typ != hpwire.BootstrapStatusResult {
				continue
			}
			if r.status != hpwire.BootstrapStatusOK {
				return true, &UploadError{Code: r.msg, Node: c.NodeKey()}
			}
			return true, nil
		}
		return false, nil
	}
	rctx, cancel := context.WithTimeout(ctx, pt)
	content, err := c.Read(rctx, status)
	cancel()
	switch {
	case err == nil:
		ok, err := check(bootstrapResults(&Output{Outputs: [][]byte{content}}))
		if !ok {
			return &UploadError{Code: CodeBootstrapUnavailable, Node: c.NodeKey()}
		}
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	case !errors.Is(err, context.DeadlineExceeded):
		return err
	}
	ictx, cancel := context.WithTimeout(ctx, resTimeout)
	defer cancel()
	if _, err := c.SubmitInput(ictx, status, &InputOptions{MaxLedgerOffset: opts.MaxLedgerOffset}); err != nil {
		return err
	}
	for {
		it, err := next(ictx, c, w)
		if err != nil {
			return err
		}
		if it.err != nil {
			return it.err
		}
		if it.out == nil {
			continue
		}
		rs := bootstrapResults(it.out)
		if ok, err := check(rs); ok {
			return err
		}
		if len(rs) == 0 && len(it.out.Outputs) > 0 {
			return &UploadError{Code: CodeBootstrapUnavailable, Node: c.NodeKey()}
		}
	}
}
