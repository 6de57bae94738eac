package contract

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// maxCandidateSets caps the JSON output interpretations tried (2^12).
const (
	maxCandidateSets  = 1 << 12
	maxCandidateBytes = 64 << 20
)

// checkOutput turns a contract_output into an Output, verified as hotpocket-js-client's
// verifyContractOutputTrust does unless verification is off: the user's output hash over
// its key and the outputs, the collapsed hash tree holding that hash exactly once, and
// valid signatures over the root from at least Threshold of the trusted UNL.
func (c *Client) checkOutput(m serverMsg) (Output, error) {
	out := Output{LedgerSeqNo: m.LedgerSeqNo, LedgerHash: m.LedgerHash, Hash: m.OutputHash, Node: c.nodeKey}
	fail := func(reason string) (Output, error) {
		return Output{}, &OutputError{LedgerSeqNo: m.LedgerSeqNo, Reason: reason, Node: c.nodeKey}
	}
	outputs, ok := matchOutputs(c.pub33, m)
	if !c.verify {
		out.Outputs = outputs
		return out, nil
	}
	if !ok {
		return fail("output hash does not match the outputs")
	}
	out.Outputs = outputs
	if !m.HashTree.array {
		return fail("hash tree is not an array")
	}
	found := 0
	root := m.HashTree.root(m.OutputHash, &found)
	if found != 1 {
		return fail("the user's output hash is not in the hash tree exactly once")
	}
	c.mu.Lock()
	trusted := c.trusted
	c.mu.Unlock()
	if len(trusted) == 0 {
		return fail("no UNL to verify against")
	}
	passed := map[string]bool{}
	for _, s := range m.UNLSig {
		k := hex.EncodeToString(s[0])
		if passed[k] || !trusted[k] || len(s[0]) != 33 || len(s[1]) != ed25519.SignatureSize {
			continue
		}
		if ed25519.Verify(ed25519.PublicKey(s[0][1:]), root, s[1]) {
			passed[k] = true
		}
	}
	if float64(len(passed))/float64(len(trusted)) < c.threshold {
		return fail(fmt.Sprintf("only %d of %d UNL signatures verify (threshold %.0f%%)", len(passed), len(trusted), c.threshold*100))
	}
	out.Verified = true
	return out, nil
}

// matchOutputs returns the raw outputs and whether they hash to the message's output hash.
// BSON carries them as they are. In JSON, a string token may be the output itself or its
// escaped text, so the interpretations are tried until one hashes right; without a match
// the most likely interpretation is returned.
func matchOutputs(pub33 []byte, m serverMsg) ([][]byte, bool) {
	check := func(outs [][]byte) bool {
		return bytes.Equal(hpwire.Hash(append([][]byte{pub33}, outs...)...), m.OutputHash)
	}
	if m.OutputTokens == nil {
		return m.Outputs, check(m.Outputs)
	}
	cands := make([][][]byte, len(m.OutputTokens))
	var amb []int
	first := make([][]byte, len(m.OutputTokens))
	for i, t := range m.OutputTokens {
		cands[i] = jsonOutputCandidates(t)
		first[i] = cands[i][0]
		if len(cands[i]) > 1 {
			amb = append(amb, i)
		}
	}
	if check(first) {
		return first, true
	}
	size := len(pub33)
	for _, f := range first {
		size += len(f) + 2
	}
	// Each try hashes every output again: bound the work a node can make us do.
	if len(amb) == 0 || len(amb) > 12 || size<<len(amb) > maxCandidateBytes {
		return first, false
	}
	try := make([][]byte, len(first))
	for mask := 1; mask < 1<<len(amb) && mask < maxCandidateSets; mask++ {
		copy(try, first)
		for j, i := range amb {
			if mask&(1<<j) != 0 {
				try[i] = cands[i][1]
			}
		}
		if check(try) {
			return try, true
		}
	}
	return first, false
}
