package hotpocket

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"lukechampine.com/blake3"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// ledgerRecord is one closed ledger (hpcore ledger_record). Inputs and Outputs are kept in
// memory only, for ledger_query.
type ledgerRecord struct {
	SeqNo      uint64 `json:"seq_no"`
	Timestamp  uint64 `json:"timestamp"`
	Hash       []byte `json:"hash"`
	PrevHash   []byte `json:"prev_hash"`
	DataHash   []byte `json:"data_hash"`
	StateHash  []byte `json:"state_hash"`
	ConfigHash []byte `json:"config_hash"`
	UserHash   []byte `json:"user_hash"`
	InputHash  []byte `json:"input_hash"`
	OutputHash []byte `json:"output_hash"`
	GroupNonce []byte `json:"nonce,omitempty"` // hpcore ledger nonce: the round's group nonce

	Inputs  []ledgerInput  `json:"-"`
	Outputs []ledgerOutput `json:"-"`
}

type ledgerInput struct {
	PubKey, Hash []byte
	Nonce        uint64
	Blob         []byte
}

type ledgerOutput struct {
	PubKey, Hash []byte
	Blobs        [][]byte
}

var zeroHash = make([]byte, 32)

func genesisLedger() ledgerRecord {
	return ledgerRecord{Hash: zeroHash, PrevHash: zeroHash, DataHash: zeroHash, StateHash: zeroHash,
		ConfigHash: zeroHash, UserHash: zeroHash, InputHash: zeroHash, OutputHash: zeroHash}
}

// nextLedger computes ledger prev+1 as hpcore's insert_ledger_record does: data hash over
// prev seq, time, state, patch, group nonce, users, inputs and output root; ledger hash =
// BLAKE3(prev hash ‖ data hash).
func nextLedger(prev ledgerRecord, ts uint64, state, patch, nonce, users, inputs, outputs []byte) ledgerRecord {
	var seqb, tsb [8]byte
	binary.BigEndian.PutUint64(seqb[:], prev.SeqNo)
	binary.BigEndian.PutUint64(tsb[:], ts)
	data := hpwire.ListHash(seqb[:], tsb[:], state, patch, nonce, users, inputs, outputs)
	return ledgerRecord{
		SeqNo: prev.SeqNo + 1, Timestamp: ts, Hash: hpwire.Hash(prev.Hash, data), PrevHash: prev.Hash, DataHash: data,
		StateHash: state, ConfigHash: patch, UserHash: users, InputHash: inputs, OutputHash: outputs, GroupNonce: nonce,
	}
}

// groupNonce is the round's group nonce for a one-node UNL: hpcore's stage-0 proposal carries
// node nonce = BLAKE3(64 random bytes) (ROUND_NONCE_SIZE) and stage 3 sets group nonce =
// get_list_hash of the proposals' node nonces, here just this node's.
func groupNonce() []byte {
	var r [64]byte
	rand.Read(r[:]) // crypto/rand.Read does not return on failure
	return hpwire.ListHash(hpwire.Hash(r[:]))
}

func lclPath(dir string) string {
	return filepath.Join(dir, "ledger_fs", "seed", "primary", "lcl.json")
}

func loadLCL(dir string) (ledgerRecord, error) {
	data, err := os.ReadFile(lclPath(dir))
	if os.IsNotExist(err) {
		return genesisLedger(), nil
	}
	if err != nil {
		return ledgerRecord{}, err
	}
	var l ledgerRecord
	if err := json.Unmarshal(data, &l); err != nil || len(l.Hash) != 32 {
		return ledgerRecord{}, cfgErr("ledger_fs/seed/primary/lcl.json", "corrupt")
	}
	return l, nil
}

func saveLCL(dir string, l ledgerRecord) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(lclPath(dir)), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(lclPath(dir), data, 0o644)
}

// stateHasher hashes the state directory (hpfs would keep a Merkle hash; here a stable hash
// over relative path, type, mode and content). File content hashes are cached by size and
// mtime so an unchanged multi-megabyte bundle is not re-read every round.
type stateHasher struct {
	cache map[string]fileHash
}

type fileHash struct {
	size    int64
	modNano int64
	hash    []byte
}

func (s *stateHasher) hash(root string) []byte {
	if s.cache == nil {
		s.cache = map[string]fileHash{}
	}
	type ent struct {
		rel  string
		info fs.FileInfo
	}
	var ents []ent
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		ents = append(ents, ent{filepath.ToSlash(rel), info})
		return nil
	})
	sort.Slice(ents, func(i, j int) bool { return ents[i].rel < ents[j].rel })
	h := blake3.New(32, nil)
	seen := make(map[string]bool, len(ents))
	for _, e := range ents {
		var mode [4]byte
		binary.BigEndian.PutUint32(mode[:], uint32(e.info.Mode()))
		h.Write([]byte(e.rel))
		h.Write([]byte{0})
		h.Write(mode[:])
		switch {
		case e.info.Mode().IsRegular():
			p := filepath.Join(root, filepath.FromSlash(e.rel))
			seen[p] = true
			c, ok := s.cache[p]
			if !ok || c.size != e.info.Size() || c.modNano != e.info.ModTime().UnixNano() {
				c = fileHash{size: e.info.Size(), modNano: e.info.ModTime().UnixNano(), hash: hashFile(p)}
				s.cache[p] = c
			}
			h.Write(c.hash)
		case e.info.Mode()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(filepath.Join(root, filepath.FromSlash(e.rel)))
			h.Write([]byte(t))
		}
	}
	for p := range s.cache {
		if !seen[p] && strings.HasPrefix(p, root) {
			delete(s.cache, p)
		}
	}
	return h.Sum(nil)
}

func hashFile(p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		return zeroHash
	}
	defer f.Close()
	h := blake3.New(32, nil)
	if _, err := io.Copy(h, f); err != nil {
		return zeroHash
	}
	return h.Sum(nil)
}

func rawDir(dir string) string {
	return filepath.Join(dir, "ledger_fs", "seed", "raw", "evernode-go")
}

func rawPath(dir string, seq uint64) string {
	return filepath.Join(rawDir(dir), strconv.FormatUint(seq, 10)+".gob")
}

type rawLedger struct {
	Inputs  []ledgerInput
	Outputs []ledgerOutput
}

// saveRaw writes the ledger's raw inputs and outputs for ledger_query (hpcore keeps them in
// ledger_fs raw shards) and removes the file of the ledger keep closes before it.
func saveRaw(dir string, l *ledgerRecord, keep uint64) error {
	if l.SeqNo > keep {
		os.Remove(rawPath(dir, l.SeqNo-keep))
	}
	if len(l.Inputs) == 0 && len(l.Outputs) == 0 {
		return nil
	}
	if err := os.MkdirAll(rawDir(dir), 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(rawLedger{l.Inputs, l.Outputs}); err != nil {
		return err
	}
	return writeFileAtomic(rawPath(dir, l.SeqNo), b.Bytes(), 0o644)
}

// loadRaw fills l's raw inputs and outputs from disk; a ledger without a file had none (or
// is older than the raw history).
func loadRaw(dir string, l *ledgerRecord) {
	data, err := os.ReadFile(rawPath(dir, l.SeqNo))
	if err != nil {
		return
	}
	var r rawLedger
	if gob.NewDecoder(bytes.NewReader(data)).Decode(&r) == nil {
		l.Inputs, l.Outputs = r.Inputs, r.Outputs
	}
}
