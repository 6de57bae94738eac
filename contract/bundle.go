package contract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// EvernodeMaxMessageBytes is user.max_bytes_per_msg of an Evernode instance (the sashimono
// hp.cfg template); hpcore's own default is 5 MiB.
const EvernodeMaxMessageBytes = 10 << 20

// DefaultInstallScript is the install.sh put in a bundle that has none: it prints and exits
// 0, like evdevkit's.
const DefaultInstallScript = "#!/bin/sh\necho \"Prerequisite installer script\"\nexit 0\n"

const (
	overrideName = "hp.cfg.override"
	installName  = "install.sh"
)

// File is one file of a bundle.
type File struct {
	// Name is the path inside the bundle, with '/' separators, relative to the zip root
	// (which becomes the contract's state directory).
	Name string
	Data []byte
	// Mode is the file mode; 0 means 0644 (0755 for the file named by Config.BinPath and for
	// install.sh).
	Mode fs.FileMode
}

// Consensus is hp.cfg contract.consensus; zero fields are left out.
type Consensus struct {
	Mode       string `json:"mode,omitempty"`        // public | private
	Roundtime  uint64 `json:"roundtime,omitempty"`   // ms
	StageSlice uint64 `json:"stage_slice,omitempty"` // percent, 1..33
	Threshold  uint64 `json:"threshold,omitempty"`   // percent
}

// RoundLimits is hp.cfg contract.round_limits; nil fields are left out.
type RoundLimits struct {
	UserInputBytes  *uint64 `json:"user_input_bytes,omitempty"`
	UserOutputBytes *uint64 `json:"user_output_bytes,omitempty"`
	NPLOutputBytes  *uint64 `json:"npl_output_bytes,omitempty"`
	ProcCPUSeconds  *uint64 `json:"proc_cpu_seconds,omitempty"`
	ProcMemBytes    *uint64 `json:"proc_mem_bytes,omitempty"`
	ProcOFDCount    *uint64 `json:"proc_ofd_count,omitempty"`
}

// Config is what a bundle's hp.cfg.override sets, as evdevkit writes it: the contract
// section the bootstrap merges into the instance's config, and mesh.known_peers. Zero fields
// are left out (the instance keeps its value), except BinPath, which is required.
type Config struct {
	// BinPath is the contract program, relative to the bundle root (or absolute, such as
	// /usr/bin/node). Required.
	BinPath string
	// BinArgs are the program's arguments, separated by spaces.
	BinArgs string
	// UNL is the contract's UNL. The instance keys given to Zip are appended (the instance
	// must stay in its own UNL to keep validating).
	UNL []string
	// Environment is the contract process environment (it inherits nothing else).
	Environment map[string]string
	// Version is contract.version.
	Version string
	// MaxInputLedgerOffset is contract.max_input_ledger_offset.
	MaxInputLedgerOffset *uint64
	Consensus            *Consensus
	// NPLMode is contract.npl.mode: public | private.
	NPLMode     string
	RoundLimits *RoundLimits
	// KnownPeers are mesh.known_peers ("host:peer_port"); the bootstrap sends them to
	// HotPocket as a peer changeset (ignored while peer discovery is enabled).
	KnownPeers []string
}

// Bundle is a contract bundle: the files the bootstrap contract unpacks into the state
// directory, the hp.cfg.override it applies and the install.sh it runs.
type Bundle struct {
	// Files are the contract files. A file named hp.cfg.override is the base override that
	// Config is merged into; a file named install.sh replaces InstallScript.
	Files []File
	// Config becomes hp.cfg.override.
	Config Config
	// InstallScript is install.sh; nil means DefaultInstallScript.
	InstallScript []byte
}

// LoadDir reads every file under dir into a bundle with cfg (evdevkit bundles the contents
// of the contract directory). Symlinks are followed; other special files are an error.
func LoadDir(dir string, cfg Config) (*Bundle, error) {
	b := &Bundle{Config: cfg}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%w: %s is not a regular file", ErrBundle, rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b.Files = append(b.Files, File{Name: filepath.ToSlash(rel), Data: data, Mode: st.Mode().Perm()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("contract: bundle from %s: %w", dir, err)
	}
	return b, nil
}

// ZipOptions configures Bundle.Zip; a nil *ZipOptions uses the defaults.
type ZipOptions struct {
	// InstanceKeys are appended to contract.unl when missing: the key of the instance the
	// bundle goes to (evdevkit), or every node of a cluster. Default none.
	InstanceKeys []string
	// KnownPeers are appended to mesh.known_peers when missing. Default none.
	KnownPeers []string
	// MaxMessageBytes is the node's message limit the upload must fit in; default
	// EvernodeMaxMessageBytes (10 MiB); negative disables the check.
	MaxMessageBytes int
}

// Override returns the hp.cfg.override JSON for opts (see Zip).
func (b *Bundle) Override(opts *ZipOptions) ([]byte, error) {
	if opts == nil {
		opts = &ZipOptions{}
	}
	cfg := b.Config
	if cfg.BinPath == "" {
		return nil, fmt.Errorf("%w: Config.BinPath is required", ErrBundle)
	}
	root := map[string]any{}
	for _, f := range b.Files {
		if f.Name == overrideName {
			if err := json.Unmarshal(f.Data, &root); err != nil || root == nil {
				return nil, fmt.Errorf("%w: the bundle's hp.cfg.override is not a JSON object", ErrBundle)
			}
		}
	}
	contract, _ := root["contract"].(map[string]any)
	if contract == nil {
		contract = map[string]any{}
	}
	contract["bin_path"] = cfg.BinPath
	contract["bin_args"] = cfg.BinArgs
	var unl []string
	if cfg.UNL != nil {
		unl = append(unl, cfg.UNL...)
	} else if old, ok := contract["unl"].([]any); ok {
		for _, k := range old {
			if s, ok := k.(string); ok {
				unl = append(unl, s)
			}
		}
	}
	unl = appendMissing(unl, opts.InstanceKeys...)
	if unl != nil {
		contract["unl"] = unl
	}
	if cfg.Environment != nil {
		contract["environment"] = cfg.Environment
	}
	if cfg.Version != "" {
		contract["version"] = cfg.Version
	}
	if cfg.MaxInputLedgerOffset != nil {
		contract["max_input_ledger_offset"] = *cfg.MaxInputLedgerOffset
	}
	if cfg.Consensus != nil {
		contract["consensus"] = cfg.Consensus
	}
	if cfg.NPLMode != "" {
		contract["npl"] = map[string]string{"mode": cfg.NPLMode}
	}
	if cfg.RoundLimits != nil {
		contract["round_limits"] = cfg.RoundLimits
	}
	root["contract"] = contract
	var peers []string
	mesh, _ := root["mesh"].(map[string]any)
	if mesh != nil {
		if old, ok := mesh["known_peers"].([]any); ok {
			for _, p := range old {
				if s, ok := p.(string); ok {
					peers = append(peers, s)
				}
			}
		}
	}
	peers = appendMissing(peers, cfg.KnownPeers...)
	peers = appendMissing(peers, opts.KnownPeers...)
	if peers != nil {
		if mesh == nil {
			mesh = map[string]any{}
		}
		mesh["known_peers"] = peers
		root["mesh"] = mesh
	}
	return json.MarshalIndent(root, "", "  ")
}

func appendMissing(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, x := range list {
			if strings.EqualFold(x, a) {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// Zip builds bundle.zip: the files at the zip root (deflate, sorted by name, fixed
// timestamps, so the same bundle always gives the same bytes), hp.cfg.override and
// install.sh (0755). It checks that Config.BinPath is in the bundle (or absolute) and that
// the upload message fits opts.MaxMessageBytes: a *BundleTooLargeError otherwise.
func (b *Bundle) Zip(opts *ZipOptions) ([]byte, error) {
	if opts == nil {
		opts = &ZipOptions{}
	}
	ov, err := b.Override(opts)
	if err != nil {
		return nil, err
	}
	bin := path.Clean(strings.TrimPrefix(b.Config.BinPath, "./"))
	files := map[string]File{}
	for _, f := range b.Files {
		name := path.Clean(strings.ReplaceAll(f.Name, "\\", "/"))
		if name == "." || strings.HasPrefix(name, "/") || name == ".." || strings.HasPrefix(name, "../") {
			return nil, fmt.Errorf("%w: file name %q is outside the bundle root", ErrBundle, f.Name)
		}
		if name == overrideName {
			continue
		}
		f.Name = name
		if f.Mode == 0 {
			f.Mode = 0o644
			if name == bin || name == installName {
				f.Mode = 0o755
			}
		}
		files[name] = f
	}
	if !path.IsAbs(b.Config.BinPath) {
		if _, ok := files[bin]; !ok {
			return nil, fmt.Errorf("%w: bin_path %q is not a file of the bundle", ErrBundle, b.Config.BinPath)
		}
	}
	files[overrideName] = File{Name: overrideName, Data: ov, Mode: 0o644}
	if _, ok := files[installName]; !ok {
		is := b.InstallScript
		if is == nil {
			is = []byte(DefaultInstallScript)
		}
		files[installName] = File{Name: installName, Data: is, Mode: 0o755}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.DefaultCompression)
	})
	mod := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range names {
		f := files[n]
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: mod}
		h.SetMode(f.Mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	z := buf.Bytes()
	if err := CheckSize(len(z), opts.MaxMessageBytes); err != nil {
		return nil, err
	}
	return z, nil
}

// UploadMessageSize is the size of the BSON contract_input message that uploads a zip of
// zipBytes: the zip inside {type:"upload",content}, inside the signed input container,
// inside the contract_input message.
func UploadMessageSize(zipBytes int) int {
	inner := bsonLen(bson.D{{Key: "type", Value: "upload"}, {Key: "content", Value: bson.Binary{}}}) + zipBytes
	cont := bsonLen(bson.D{{Key: "input", Value: bson.Binary{}}, {Key: "nonce", Value: int64(0)}, {Key: "max_ledger_seq_no", Value: int64(0)}}) + inner
	return bsonLen(bson.D{{Key: "type", Value: hpwire.MsgContractInput}, {Key: "input_container", Value: bson.Binary{}}, {Key: "sig", Value: bson.Binary{Data: make([]byte, 64)}}}) + cont
}

func bsonLen(d bson.D) int {
	b, _ := bson.Marshal(d)
	return len(b)
}

// CheckSize returns a *BundleTooLargeError when a zip of zipBytes does not fit an upload
// message of limit bytes; limit 0 means EvernodeMaxMessageBytes, negative disables.
func CheckSize(zipBytes, limit int) error {
	if limit < 0 {
		return nil
	}
	if limit == 0 {
		limit = EvernodeMaxMessageBytes
	}
	if n := UploadMessageSize(zipBytes); n > limit {
		return &BundleTooLargeError{ZipBytes: zipBytes, MessageBytes: n, Limit: limit}
	}
	return nil
}
