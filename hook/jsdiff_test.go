package hook

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// jsCheckScript feeds [key, value] hex pairs to the JS client's
// decodeStateData and prints the results (null where it throws).
const jsCheckScript = `
const {StateHelpers} = require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(([k, v]) => {
  try { return StateHelpers.decodeStateData(Buffer.from(k, 'hex'), Buffer.from(v, 'hex')); }
  catch (e) { return null; }
})));
`

// TestDecodeStateAgainstJS compares DecodeState with evernode-js-client on
// random values of every layout and length, when EVERNODE_JS_CLIENT names
// the installed package (see JSClient) and node is on PATH; it is skipped
// otherwise.
func TestDecodeStateAgainstJS(t *testing.T) {
	pkg, _ := JSClient(t)
	script := filepath.Join(t.TempDir(), "check.js")
	if err := os.WriteFile(script, []byte(jsCheckScript), 0o600); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var cases [][2]string
	keys := []Key{TransfereeAddrKey(AccountID{1, 2}), CandidateOwnerKey(AccountID{3}), CandidateIDKey(DudHostCandidateID(AccountID{4})),
		CandidateIDKey(PilotedModeCandidateID()), HostAddrKey(AccountID{5}), TokenIDKey([32]byte{6}), SingletonKey(SingletonGovernanceInfo),
		SingletonKey(SingletonRewardInfo), ConfigKey(ConfMomentTransitInfo), ConfigKey(ConfRewardConfiguration), SingletonKey(SingletonMomentBaseInfo)}
	for _, k := range keys {
		for _, n := range []int{8, 12, 13, 15, 16, 20, 21, 29, 60, 70, 74, 82, 90, 91, 125, 126, 127, 135, 143} {
			v := make([]byte, n)
			for i := range v {
				v[i] = byte(r.IntN(256))
				if r.IntN(3) == 0 {
					v[i] = 0
				}
			}
			// Keep amounts plausible (top bit clear) where XFL sits.
			for _, off := range []int{13, 21, 52, 116, 135} {
				if off+8 <= n {
					v[off+7] &= 0x7f
				}
			}
			cases = append(cases, [2]string{k.String(), hex.EncodeToString(v)})
		}
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command("node", script, pkg)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var want []json.RawMessage
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		k, _ := hex.DecodeString(c[0])
		v, _ := hex.DecodeString(c[1])
		st, err := DecodeState(k, v)
		if string(want[i]) == "null" {
			if err == nil {
				t.Errorf("%s/%d: JS throws, we decode", c[0][:8], len(v))
			}
			continue
		}
		if err != nil && (st.Kind == "" && (c[0][:8] == "45565204" || c[0][:8] == "45565205")) {
			// Known deviation: the JS client slices truncated transferee
			// and candidate-owner values into partial hex; we reject them.
			continue
		}
		if err != nil {
			t.Errorf("%s/%d: %v; JS %s", c[0][:8], len(v), err, want[i])
			continue
		}
		got, _ := json.Marshal(st)
		if !jsonEqual(t, got, want[i]) {
			t.Errorf("%s/%d:\n got %s\nwant %s", c[0][:8], len(v), got, want[i])
		}
	}
}
