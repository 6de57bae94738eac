package lease

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/internal/xfl"
)

// jsCreditScript is mb-xrpl's extension rule on the lease URI's XFL price:
// leaseAmount = parseFloat(XflHelpers.toString(xfl)) (decodeLeaseTokenUri),
// moments = Math.floor(parseFloat(paid) / leaseAmount) (handleExtendLease).
const jsCreditScript = `
const {XflHelpers} = require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(([x, paid]) =>
  Math.floor(parseFloat(paid) / parseFloat(XflHelpers.toString(BigInt(x)))))));
`

// TestExtendAmountAgainstJS checks ExtendAmount against evernode-js-client's
// XFL decoding and sashimono's float rule run by node, when
// EVERNODE_JS_CLIENT names the directory npm installed it into, or the
// package directory (node_modules/evernode-js-client); skipped otherwise.
func TestExtendAmountAgainstJS(t *testing.T) {
	pkg := os.Getenv("EVERNODE_JS_CLIENT")
	if pkg == "" {
		t.Skip("EVERNODE_JS_CLIENT not set")
	}
	// The directory npm installed into, as the other JS tests take it.
	if p := filepath.Join(pkg, "node_modules", "evernode-js-client"); dirExists(p) {
		pkg = p
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	script := filepath.Join(t.TempDir(), "credit.js")
	if err := os.WriteFile(script, []byte(jsCreditScript), 0o600); err != nil {
		t.Fatal(err)
	}
	var cases [][2]string
	var moments []uint64
	for i, price := range creditPrices() {
		x, err := xfl.Encode(price)
		if err != nil {
			t.Fatal(err)
		}
		for m := uint64(1 + i%7); m <= 1000; m += 37 {
			amt, err := ExtendAmount(URI{Price: price}, "rI", m)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, [2]string{strconv.FormatInt(x, 10), amt.Value})
			moments = append(moments, m)
		}
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command("node", script, pkg)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []float64
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node output: %v (%d of %d)", err, len(got), len(cases))
	}
	for i, c := range cases {
		if got[i] != float64(moments[i]) {
			t.Errorf("XFL %s, paid %s: sashimono credits %v, want %d", c[0], c[1], got[i], moments[i])
		}
	}
	t.Logf("%d extensions checked with node", len(cases))
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
