package hotpocket

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// HPVersion is the HotPocket version this node reports to users and contracts. The
// hotpocket-js-client refuses servers whose version does not start with "0.6.".
const HPVersion = "0.6.4"

// Config is hp.cfg as Go structs. Field names and nesting are exactly those of hp.cfg JSON
// (hpcore conf.cpp); the zero value is not a usable node config, start from DefaultConfig.
type Config struct {
	HPVersion string         `json:"hp_version"`
	Node      NodeConfig     `json:"node"`
	Contract  ContractConfig `json:"contract"`
	Mesh      MeshConfig     `json:"mesh"`
	User      UserConfig     `json:"user"`
	HPFS      HPFSConfig     `json:"hpfs"`
	Log       LogConfig      `json:"log"`
}

// NodeConfig is hp.cfg "node".
type NodeConfig struct {
	PublicKey     string        `json:"public_key"`  // "ed" + 64 hex
	PrivateKey    string        `json:"private_key"` // "ed" + 128 hex (seed ‖ public key)
	Role          string        `json:"role"`        // validator | observer
	History       string        `json:"history"`     // full | custom
	HistoryConfig HistoryConfig `json:"history_config"`
}

// HistoryConfig is hp.cfg "node.history_config".
type HistoryConfig struct {
	MaxPrimaryShards uint64 `json:"max_primary_shards"`
	MaxRawShards     uint64 `json:"max_raw_shards"`
}

// ContractConfig is hp.cfg "contract". The fields from Version on are the consensus-synced
// patch.cfg (see PatchConfig).
type ContractConfig struct {
	ID                   string            `json:"id"`
	Execute              bool              `json:"execute"`
	RunAs                string            `json:"run_as"` // "uid:gid" or ""; honoured only when the node runs as root
	Log                  ContractLogConfig `json:"log"`
	Version              string            `json:"version"`
	UNL                  []string          `json:"unl"`
	BinPath              string            `json:"bin_path"`
	BinArgs              string            `json:"bin_args"`
	Environment          map[string]string `json:"environment"`
	MaxInputLedgerOffset uint64            `json:"max_input_ledger_offset"`
	Consensus            ConsensusConfig   `json:"consensus"`
	NPL                  NPLConfig         `json:"npl"`
	RoundLimits          RoundLimits       `json:"round_limits"`
}

// ContractLogConfig is hp.cfg "contract.log".
type ContractLogConfig struct {
	Enable           bool   `json:"enable"`
	MaxMbytesPerFile uint64 `json:"max_mbytes_per_file"`
	MaxFileCount     uint64 `json:"max_file_count"`
}

// ConsensusConfig is hp.cfg "contract.consensus".
type ConsensusConfig struct {
	Mode       string          `json:"mode"`      // public | private
	Roundtime  uint64          `json:"roundtime"` // ms, 1..3600000
	StageSlice uint64          `json:"stage_slice"`
	Threshold  uint64          `json:"threshold"`
	Fallback   *FallbackConfig `json:"fallback,omitempty"`
}

// FallbackConfig is "contract.consensus.fallback" (newer bootstrap contracts only).
type FallbackConfig struct {
	Execute bool `json:"execute"`
}

// NPLConfig is hp.cfg "contract.npl".
type NPLConfig struct {
	Mode string `json:"mode"`
}

// RoundLimits is hp.cfg "contract.round_limits"; 0 means unlimited except ExecTimeout.
type RoundLimits struct {
	UserInputBytes  uint64 `json:"user_input_bytes"`
	UserOutputBytes uint64 `json:"user_output_bytes"`
	NPLOutputBytes  uint64 `json:"npl_output_bytes"`
	ProcCPUSeconds  uint64 `json:"proc_cpu_seconds"`
	ProcMemBytes    uint64 `json:"proc_mem_bytes"`
	ProcOFDCount    uint64 `json:"proc_ofd_count"`
	ExecTimeout     uint64 `json:"exec_timeout"` // ms; 0 means the hpcore default 300000
}

// MeshConfig is hp.cfg "mesh". This node has no peer network; the section is kept and
// reported but not used (one-node UNL).
type MeshConfig struct {
	Port                    int                 `json:"port"`
	Listen                  bool                `json:"listen"`
	IdleTimeout             uint64              `json:"idle_timeout"`
	KnownPeers              []string            `json:"known_peers"`
	MsgForwarding           bool                `json:"msg_forwarding"`
	MaxConnections          uint64              `json:"max_connections"`
	MaxKnownConnections     uint64              `json:"max_known_connections"`
	MaxInConnectionsPerHost uint64              `json:"max_in_connections_per_host"`
	MaxBytesPerMsg          uint64              `json:"max_bytes_per_msg"`
	MaxBytesPerMin          uint64              `json:"max_bytes_per_min"`
	MaxBadMsgsPerMin        uint64              `json:"max_bad_msgs_per_min"`
	MaxBadMsgSigsPerMin     uint64              `json:"max_bad_msgsigs_per_min"`
	MaxDupMsgsPerMin        uint64              `json:"max_dup_msgs_per_min"`
	PeerDiscovery           PeerDiscoveryConfig `json:"peer_discovery"`
}

// PeerDiscoveryConfig is hp.cfg "mesh.peer_discovery".
type PeerDiscoveryConfig struct {
	Enabled  bool   `json:"enabled"`
	Interval uint64 `json:"interval"`
}

// UserConfig is hp.cfg "user".
type UserConfig struct {
	Port                    int    `json:"port"` // 0: Start picks a free port
	Listen                  bool   `json:"listen"`
	IdleTimeout             uint64 `json:"idle_timeout"`      // ms, 0 = none
	MaxBytesPerMsg          uint64 `json:"max_bytes_per_msg"` // 0 = 5 MiB
	MaxBytesPerMin          uint64 `json:"max_bytes_per_min"`
	MaxBadMsgsPerMin        uint64 `json:"max_bad_msgs_per_min"`
	MaxConnections          uint64 `json:"max_connections"`
	MaxInConnectionsPerHost uint64 `json:"max_in_connections_per_host"`
	ConcurrentReadRequests  uint64 `json:"concurrent_read_requests"` // capped at 32
}

// HPFSConfig is hp.cfg "hpfs" (no hpfs here: the seed directories are used directly).
type HPFSConfig struct {
	External bool          `json:"external"`
	Log      HPFSLogConfig `json:"log"`
}

// HPFSLogConfig is hp.cfg "hpfs.log".
type HPFSLogConfig struct {
	LogLevel string `json:"log_level"`
}

// LogConfig is hp.cfg "log".
type LogConfig struct {
	LogLevel         string   `json:"log_level"`
	MaxMbytesPerFile uint64   `json:"max_mbytes_per_file"`
	MaxFileCount     uint64   `json:"max_file_count"`
	Loggers          []string `json:"loggers"`
}

const (
	defaultMaxMsgBytes     = 5 << 20 // hpcore DEFAULT_MAX_MSG_SIZE when user.max_bytes_per_msg is 0
	defaultExecTimeoutMS   = 300000
	maxRoundtimeMS         = 3600000
	maxConcurrentReadReqs  = 32
	evernodeMaxBytesPerMsg = 10 << 20
)

// DefaultConfig returns the Evernode instance template (sashimono dependencies/hp.cfg, spec
// §4.2): roundtime 2000 ms, public consensus, user.max_bytes_per_msg 10 MiB, ports 22860/8080.
// Keys, contract id, UNL and bin_path are empty: Provision fills them.
func DefaultConfig() Config {
	return Config{
		HPVersion: "0.6.3",
		Node: NodeConfig{
			Role: "validator", History: "custom",
			HistoryConfig: HistoryConfig{MaxPrimaryShards: 2, MaxRawShards: 2},
		},
		Contract: ContractConfig{
			Execute: true,
			Log:     ContractLogConfig{Enable: true, MaxMbytesPerFile: 5, MaxFileCount: 10},
			Version: "1.0", UNL: []string{}, Environment: map[string]string{},
			MaxInputLedgerOffset: 10,
			Consensus:            ConsensusConfig{Mode: "public", Roundtime: 2000, StageSlice: 25, Threshold: 80},
			NPL:                  NPLConfig{Mode: "public"},
			RoundLimits:          RoundLimits{ExecTimeout: defaultExecTimeoutMS},
		},
		Mesh: MeshConfig{
			Port: 22860, Listen: true, IdleTimeout: 120000, KnownPeers: []string{}, MsgForwarding: true,
			MaxBytesPerMsg: evernodeMaxBytesPerMsg,
			PeerDiscovery:  PeerDiscoveryConfig{Enabled: true, Interval: 30000},
		},
		User: UserConfig{
			Port: 8080, Listen: true, MaxBytesPerMsg: evernodeMaxBytesPerMsg, ConcurrentReadRequests: 4,
		},
		HPFS: HPFSConfig{External: true, Log: HPFSLogConfig{LogLevel: "wrn"}},
		Log:  LogConfig{LogLevel: "inf", MaxMbytesPerFile: 5, MaxFileCount: 10, Loggers: []string{"file", "console"}},
	}
}

// clone returns a deep copy so callers never share slices or maps with the node.
func (c Config) clone() Config {
	c.Contract.UNL = append([]string{}, c.Contract.UNL...)
	env := make(map[string]string, len(c.Contract.Environment))
	for k, v := range c.Contract.Environment {
		env[k] = v
	}
	c.Contract.Environment = env
	if c.Contract.Consensus.Fallback != nil {
		f := *c.Contract.Consensus.Fallback
		c.Contract.Consensus.Fallback = &f
	}
	c.Mesh.KnownPeers = append([]string{}, c.Mesh.KnownPeers...)
	c.Log.Loggers = append([]string{}, c.Log.Loggers...)
	return c
}

// Validate checks the rules hpcore applies when it reads hp.cfg (conf.cpp).
func (c Config) Validate() error {
	if _, err := parsePrivateKey(c.Node.PrivateKey); err != nil {
		return cfgErr("node.private_key", err.Error())
	}
	pub, err := hpwire.ParsePublicKey(c.Node.PublicKey)
	if err != nil {
		return cfgErr("node.public_key", err.Error())
	}
	priv, _ := parsePrivateKey(c.Node.PrivateKey)
	if !bytes.Equal(priv[32:], pub) {
		return cfgErr("node.public_key", "does not match node.private_key")
	}
	if c.Node.Role != "validator" && c.Node.Role != "observer" {
		return cfgErr("node.role", "must be validator or observer")
	}
	if c.Node.History != "full" && c.Node.History != "custom" {
		return cfgErr("node.history", "must be full or custom")
	}
	if c.Contract.ID == "" {
		return cfgErr("contract.id", "empty")
	}
	if err := c.Contract.patch().validate(); err != nil {
		return err
	}
	if c.User.Port < 0 || c.User.Port > 65535 {
		return cfgErr("user.port", "out of range")
	}
	if c.Contract.RunAs != "" {
		if _, _, err := parseRunAs(c.Contract.RunAs); err != nil {
			return cfgErr("contract.run_as", err.Error())
		}
	}
	return nil
}

func parseRunAs(s string) (uid, gid uint32, err error) {
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not uid:gid", s)
	}
	a, err1 := strconv.ParseUint(u, 10, 32)
	b, err2 := strconv.ParseUint(g, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not uid:gid", s)
	}
	return uint32(a), uint32(b), nil
}

// PatchConfig is the consensus-synced part of the contract section, stored as
// contract_fs/seed/patch.cfg ("../patch.cfg" from the contract's working directory).
type PatchConfig struct {
	Version              string            `json:"version"`
	UNL                  []string          `json:"unl"`
	BinPath              string            `json:"bin_path"`
	BinArgs              string            `json:"bin_args"`
	Environment          map[string]string `json:"environment"`
	MaxInputLedgerOffset uint64            `json:"max_input_ledger_offset"`
	Consensus            ConsensusConfig   `json:"consensus"`
	NPL                  NPLConfig         `json:"npl"`
	RoundLimits          RoundLimits       `json:"round_limits"`
}

func (c ContractConfig) patch() PatchConfig {
	return PatchConfig{
		Version: c.Version, UNL: c.UNL, BinPath: c.BinPath, BinArgs: c.BinArgs,
		Environment: c.Environment, MaxInputLedgerOffset: c.MaxInputLedgerOffset,
		Consensus: c.Consensus, NPL: c.NPL, RoundLimits: c.RoundLimits,
	}
}

func (c *ContractConfig) applyPatch(p PatchConfig) {
	c.Version, c.UNL, c.BinPath, c.BinArgs = p.Version, p.UNL, p.BinPath, p.BinArgs
	c.Environment, c.MaxInputLedgerOffset = p.Environment, p.MaxInputLedgerOffset
	c.Consensus, c.NPL, c.RoundLimits = p.Consensus, p.NPL, p.RoundLimits
}

func (p PatchConfig) validate() error {
	if p.Version == "" {
		return cfgErr("contract.version", "empty")
	}
	if len(p.UNL) == 0 {
		return cfgErr("contract.unl", "UNL cannot be empty")
	}
	for _, k := range p.UNL {
		if _, err := hpwire.ParsePublicKey(k); err != nil {
			return cfgErr("contract.unl", err.Error())
		}
	}
	if p.MaxInputLedgerOffset > 65535 {
		return cfgErr("contract.max_input_ledger_offset", "exceeds uint16")
	}
	cs := p.Consensus
	if cs.Mode != "public" && cs.Mode != "private" {
		return cfgErr("contract.consensus.mode", "must be public or private")
	}
	if cs.Roundtime < 1 || cs.Roundtime > maxRoundtimeMS {
		return cfgErr("contract.consensus.roundtime", "must be 1..3600000")
	}
	if cs.StageSlice < 1 || cs.StageSlice > 33 {
		return cfgErr("contract.consensus.stage_slice", "must be 1..33")
	}
	if cs.Threshold < 1 || cs.Threshold > 100 {
		return cfgErr("contract.consensus.threshold", "must be 1..100")
	}
	if p.NPL.Mode != "public" && p.NPL.Mode != "private" {
		return cfgErr("contract.npl.mode", "must be public or private")
	}
	return nil
}

// parsePatch decodes patch.cfg as hpcore does: every field is required.
func parsePatch(data []byte) (PatchConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return PatchConfig{}, cfgErr("patch.cfg", err.Error())
	}
	for _, k := range []string{"version", "unl", "bin_path", "bin_args", "environment", "max_input_ledger_offset", "consensus", "npl", "round_limits"} {
		if _, ok := raw[k]; !ok {
			return PatchConfig{}, cfgErr("patch.cfg", "missing "+k)
		}
	}
	var p PatchConfig
	if err := json.Unmarshal(data, &p); err != nil {
		return PatchConfig{}, cfgErr("patch.cfg", err.Error())
	}
	if p.Environment == nil {
		p.Environment = map[string]string{}
	}
	if p.RoundLimits.ExecTimeout == 0 {
		p.RoundLimits.ExecTimeout = defaultExecTimeoutMS
	}
	return p, p.validate()
}

func marshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeFileAtomic replaces path so that a crash never leaves a half-written config.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// LoadConfig reads and validates <dir>/cfg/hp.cfg.
func LoadConfig(dir string) (Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cfg", "hp.cfg"))
	if err != nil {
		return Config{}, fmt.Errorf("hotpocket: read hp.cfg: %w", err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, cfgErr("hp.cfg", err.Error())
	}
	if c.Contract.Environment == nil {
		c.Contract.Environment = map[string]string{}
	}
	if c.Contract.UNL == nil {
		c.Contract.UNL = []string{}
	}
	if c.Mesh.KnownPeers == nil {
		c.Mesh.KnownPeers = []string{}
	}
	if c.Log.Loggers == nil {
		c.Log.Loggers = []string{}
	}
	if c.Contract.RoundLimits.ExecTimeout == 0 {
		c.Contract.RoundLimits.ExecTimeout = defaultExecTimeoutMS
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// SaveConfig writes c to <dir>/cfg/hp.cfg (pretty JSON, like hpcore and sashimono).
func SaveConfig(dir string, c Config) error {
	data, err := marshalIndent(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "cfg", "hp.cfg"), data, 0o644)
}

// MergeOverride applies acquire-time overrides the way sashimono's write_json_values does
// (spec §5.4): only the listed fields are taken, unl/known_peers/environment replace the
// current value when non-empty, bin_path and bin_args cannot be overridden, unknown keys are
// ignored. A wrongly typed or invalid value returns an error wrapping ErrConfig. An empty or
// null override returns c unchanged.
func (c Config) MergeOverride(override json.RawMessage) (Config, error) {
	out := c.clone()
	trimmed := bytes.TrimSpace(override)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return out, nil
	}
	root, err := objOf(trimmed, "config")
	if err != nil {
		return c, err
	}
	if m, ok, err := sub(root, "contract", "contract"); err != nil {
		return c, err
	} else if ok {
		if err := mergeContract(&out.Contract, m); err != nil {
			return c, err
		}
	}
	if m, ok, err := sub(root, "node", "node"); err != nil {
		return c, err
	} else if ok {
		if err := mergeNode(&out.Node, m); err != nil {
			return c, err
		}
	}
	if m, ok, err := sub(root, "mesh", "mesh"); err != nil {
		return c, err
	} else if ok {
		if err := mergeMesh(&out.Mesh, m); err != nil {
			return c, err
		}
	}
	if m, ok, err := sub(root, "user", "user"); err != nil {
		return c, err
	} else if ok {
		u := &out.User
		for _, f := range []struct {
			k string
			p *uint64
		}{{"idle_timeout", &u.IdleTimeout}, {"max_bytes_per_msg", &u.MaxBytesPerMsg}, {"max_bytes_per_min", &u.MaxBytesPerMin},
			{"max_bad_msgs_per_min", &u.MaxBadMsgsPerMin}, {"max_connections", &u.MaxConnections},
			{"max_in_connections_per_host", &u.MaxInConnectionsPerHost}, {"concurrent_read_requests", &u.ConcurrentReadRequests}} {
			if err := optU64(m, f.k, "user."+f.k, f.p); err != nil {
				return c, err
			}
		}
	}
	if m, ok, err := sub(root, "hpfs", "hpfs"); err != nil {
		return c, err
	} else if ok {
		if l, ok, err := sub(m, "log", "hpfs.log"); err != nil {
			return c, err
		} else if ok {
			if err := optNonEmptyString(l, "log_level", "hpfs.log.log_level", &out.HPFS.Log.LogLevel); err != nil {
				return c, err
			}
		}
	}
	if m, ok, err := sub(root, "log", "log"); err != nil {
		return c, err
	} else if ok {
		if err := optNonEmptyString(m, "log_level", "log.log_level", &out.Log.LogLevel); err != nil {
			return c, err
		}
		if err := optU64(m, "max_mbytes_per_file", "log.max_mbytes_per_file", &out.Log.MaxMbytesPerFile); err != nil {
			return c, err
		}
		if err := optU64(m, "max_file_count", "log.max_file_count", &out.Log.MaxFileCount); err != nil {
			return c, err
		}
		if raw, ok := m["loggers"]; ok {
			var l []string
			if err := json.Unmarshal(raw, &l); err != nil {
				return c, cfgErr("log.loggers", "must be a list of strings")
			}
			if len(l) > 0 {
				out.Log.Loggers = l
			}
		}
	}
	if err := out.validateOverridable(); err != nil {
		return c, err
	}
	return out, nil
}

// validateOverridable checks what an override may break; keys are checked by Validate.
func (c Config) validateOverridable() error {
	if err := c.Contract.patch().validateLoose(); err != nil {
		return err
	}
	if c.Node.Role != "validator" && c.Node.Role != "observer" {
		return cfgErr("node.role", "must be validator or observer")
	}
	if c.Node.History != "full" && c.Node.History != "custom" {
		return cfgErr("node.history", "must be full or custom")
	}
	if c.Node.History == "custom" && c.Node.HistoryConfig.MaxPrimaryShards == 0 {
		return cfgErr("node.history_config.max_primary_shards", "cannot be zero in history=custom mode")
	}
	return nil
}

// validateLoose is validate without the UNL check (a template has an empty UNL).
func (p PatchConfig) validateLoose() error {
	if len(p.UNL) == 0 {
		p.UNL = []string{"ed" + strings.Repeat("00", 32)}
	}
	return p.validate()
}

func mergeContract(cc *ContractConfig, m map[string]json.RawMessage) error {
	if raw, ok := m["unl"]; ok && !isEmptyJSON(raw) {
		var unl []string
		if err := json.Unmarshal(raw, &unl); err != nil {
			return cfgErr("contract.unl", "must be a list of ed-hex public keys")
		}
		set := map[string]bool{}
		var out []string
		for _, k := range unl {
			pk, err := hpwire.ParsePublicKey(k)
			if err != nil {
				return cfgErr("contract.unl", err.Error())
			}
			h := hpwire.PublicKeyHex(pk)
			if !set[h] {
				set[h] = true
				out = append(out, h)
			}
		}
		if len(out) > 0 {
			cc.UNL = sortedStrings(out)
		}
	}
	if err := optBool(m, "execute", "contract.execute", &cc.Execute); err != nil {
		return err
	}
	if raw, ok := m["environment"]; ok {
		var env map[string]string
		if err := json.Unmarshal(raw, &env); err != nil || env == nil {
			return cfgErr("contract.environment", "must be an object of strings")
		}
		if len(env) > 0 {
			cc.Environment = env
		}
	}
	if err := optU64(m, "max_input_ledger_offset", "contract.max_input_ledger_offset", &cc.MaxInputLedgerOffset); err != nil {
		return err
	}
	if cs, ok, err := sub(m, "consensus", "contract.consensus"); err != nil {
		return err
	} else if ok {
		if err := optNonEmptyString(cs, "mode", "contract.consensus.mode", &cc.Consensus.Mode); err != nil {
			return err
		}
		for _, f := range []struct {
			k string
			p *uint64
		}{{"roundtime", &cc.Consensus.Roundtime}, {"stage_slice", &cc.Consensus.StageSlice}, {"threshold", &cc.Consensus.Threshold}} {
			if err := optU64(cs, f.k, "contract.consensus."+f.k, f.p); err != nil {
				return err
			}
		}
	}
	if n, ok, err := sub(m, "npl", "contract.npl"); err != nil {
		return err
	} else if ok {
		if err := optNonEmptyString(n, "mode", "contract.npl.mode", &cc.NPL.Mode); err != nil {
			return err
		}
	}
	if rl, ok, err := sub(m, "round_limits", "contract.round_limits"); err != nil {
		return err
	} else if ok {
		r := &cc.RoundLimits
		for _, f := range []struct {
			k string
			p *uint64
		}{{"user_input_bytes", &r.UserInputBytes}, {"user_output_bytes", &r.UserOutputBytes}, {"npl_output_bytes", &r.NPLOutputBytes},
			{"proc_cpu_seconds", &r.ProcCPUSeconds}, {"proc_mem_bytes", &r.ProcMemBytes}, {"proc_ofd_count", &r.ProcOFDCount},
			{"exec_timeout", &r.ExecTimeout}} {
			if err := optU64(rl, f.k, "contract.round_limits."+f.k, f.p); err != nil {
				return err
			}
		}
	}
	if l, ok, err := sub(m, "log", "contract.log"); err != nil {
		return err
	} else if ok {
		if err := optU64(l, "max_mbytes_per_file", "contract.log.max_mbytes_per_file", &cc.Log.MaxMbytesPerFile); err != nil {
			return err
		}
		if err := optU64(l, "max_file_count", "contract.log.max_file_count", &cc.Log.MaxFileCount); err != nil {
			return err
		}
	}
	return nil
}

func mergeNode(nc *NodeConfig, m map[string]json.RawMessage) error {
	if err := optNonEmptyString(m, "role", "node.role", &nc.Role); err != nil {
		return err
	}
	if err := optNonEmptyString(m, "history", "node.history", &nc.History); err != nil {
		return err
	}
	if h, ok, err := sub(m, "history_config", "node.history_config"); err != nil {
		return err
	} else if ok {
		if err := optU64(h, "max_primary_shards", "node.history_config.max_primary_shards", &nc.HistoryConfig.MaxPrimaryShards); err != nil {
			return err
		}
		if err := optU64(h, "max_raw_shards", "node.history_config.max_raw_shards", &nc.HistoryConfig.MaxRawShards); err != nil {
			return err
		}
	}
	return nil
}

func mergeMesh(mc *MeshConfig, m map[string]json.RawMessage) error {
	if err := optU64(m, "idle_timeout", "mesh.idle_timeout", &mc.IdleTimeout); err != nil {
		return err
	}
	if raw, ok := m["known_peers"]; ok && !isEmptyJSON(raw) {
		var peers []string
		if err := json.Unmarshal(raw, &peers); err != nil {
			return cfgErr("mesh.known_peers", "must be a list of host:port strings")
		}
		for _, p := range peers {
			h, port, ok := strings.Cut(p, ":")
			if !ok || h == "" || strings.Contains(port, ":") {
				return cfgErr("mesh.known_peers", fmt.Sprintf("invalid peer %q", p))
			}
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return cfgErr("mesh.known_peers", fmt.Sprintf("invalid peer port %q", p))
			}
		}
		if len(peers) > 0 {
			mc.KnownPeers = peers
		}
	}
	if err := optBool(m, "msg_forwarding", "mesh.msg_forwarding", &mc.MsgForwarding); err != nil {
		return err
	}
	for _, f := range []struct {
		k string
		p *uint64
	}{{"max_connections", &mc.MaxConnections}, {"max_known_connections", &mc.MaxKnownConnections},
		{"max_in_connections_per_host", &mc.MaxInConnectionsPerHost}, {"max_bytes_per_msg", &mc.MaxBytesPerMsg},
		{"max_bytes_per_min", &mc.MaxBytesPerMin}, {"max_bad_msgs_per_min", &mc.MaxBadMsgsPerMin},
		{"max_bad_msgsigs_per_min", &mc.MaxBadMsgSigsPerMin}, {"max_dup_msgs_per_min", &mc.MaxDupMsgsPerMin}} {
		if err := optU64(m, f.k, "mesh."+f.k, f.p); err != nil {
			return err
		}
	}
	if pd, ok, err := sub(m, "peer_discovery", "mesh.peer_discovery"); err != nil {
		return err
	} else if ok {
		if err := optBool(pd, "enabled", "mesh.peer_discovery.enabled", &mc.PeerDiscovery.Enabled); err != nil {
			return err
		}
		if err := optU64(pd, "interval", "mesh.peer_discovery.interval", &mc.PeerDiscovery.Interval); err != nil {
			return err
		}
	}
	return nil
}

func isEmptyJSON(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s == "null" || s == "[]" || s == "{}" || s == `""`
}

func objOf(raw []byte, field string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, cfgErr(field, "must be a JSON object")
	}
	return m, nil
}

func sub(m map[string]json.RawMessage, key, field string) (map[string]json.RawMessage, bool, error) {
	raw, ok := m[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false, nil
	}
	o, err := objOf(raw, field)
	if err != nil {
		return nil, false, err
	}
	return o, true, nil
}

func optU64(m map[string]json.RawMessage, key, field string, dst *uint64) error {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	v, err := strconv.ParseUint(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return cfgErr(field, "must be a non-negative integer")
	}
	*dst = v
	return nil
}

func optBool(m map[string]json.RawMessage, key, field string, dst *bool) error {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return cfgErr(field, "must be a boolean")
	}
	return nil
}

func optNonEmptyString(m map[string]json.RawMessage, key, field string, dst *string) error {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return cfgErr(field, "must be a string")
	}
	if s != "" {
		*dst = s
	}
	return nil
}
