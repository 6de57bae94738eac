package memo_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/edwards25519"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/memo"
)

// sboxJSScript runs evernode-js-client's EncryptionHelper on the cases it
// reads as JSON from stdin: it decrypts what Go sealed and seals to the
// given public keys, null where the helper throws.
const sboxJSScript = `
const { EncryptionHelper } = require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const out = { opened: [], sealed: [] };
  for (const c of cases.open) {
    try { out.opened.push(await EncryptionHelper.decrypt(c.priv, c.ct)); } catch (e) { out.opened.push(null); }
  }
  for (const c of cases.seal) {
    try { out.sealed.push(await EncryptionHelper.encrypt(c.pub, c.msg)); } catch (e) { out.sealed.push(null); }
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestSealedBoxAgainstJS checks the sealed box both ways against
// evernode-js-client's EncryptionHelper (libsodium-wrappers) run by node:
// JS opens what Seal made, Open opens what JS sealed, and the keys JS
// refuses to seal to (small order, outside the prime-order subgroup, not a
// point) are exactly those ParsePublicKey refuses. It runs when
// EVERNODE_JS_CLIENT names the directory npm installed the client into
// (holding node_modules/evernode-js-client), or that package directory.
func TestSealedBoxAgainstJS(t *testing.T) {
	dir := os.Getenv("EVERNODE_JS_CLIENT")
	if dir == "" {
		t.Skip("EVERNODE_JS_CLIENT not set")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	pkg := filepath.Join(dir, "node_modules", "evernode-js-client")
	if _, err := os.Stat(pkg); err != nil {
		pkg = dir
	}
	ctx := context.Background()
	rnd := cryptRand(151)
	type openCase struct {
		Priv string `json:"priv"`
		Ct   string `json:"ct"`
	}
	type sealCase struct {
		Pub string `json:"pub"`
		Msg any    `json:"msg"`
	}
	var cases struct {
		Open []openCase `json:"open"`
		Seal []sealCase `json:"seal"`
	}
	var keys []*memo.PrivateKey
	var msgs []map[string]any
	for i := range 8 {
		seed := make([]byte, 32)
		io.ReadFull(rnd, seed)
		priv := "ED" + strings.ToUpper(hex.EncodeToString(seed))
		k, err := memo.ParsePrivateKey(priv)
		require.NoError(t, err)
		msg := map[string]any{"i": float64(i), "image": strings.Repeat("é", 40*i), "messageKey": k.PublicKey().String()}
		ct, err := memo.EncryptJSON(rnd, k.PublicKey(), msg, nil)
		require.NoError(t, err)
		keys, msgs = append(keys, k), append(msgs, msg)
		cases.Open = append(cases.Open, openCase{Priv: priv, Ct: ct})
		cases.Seal = append(cases.Seal, sealCase{Pub: k.PublicKey().String(), Msg: msg})
	}
	// Keys for the validation check: small order, a point plus a point of
	// order 8, random strings (about half not points), y not reduced.
	var odd []memo.PublicKey
	for _, h := range sboxSmallOrder {
		var k memo.PublicKey
		k[0] = 0xED
		copy(k[1:], cryptHex(t, h))
		odd = append(odd, k)
	}
	torsion, err := new(edwards25519.Point).SetBytes(cryptHex(t, sboxSmallOrder[4]))
	require.NoError(t, err)
	for i := range 24 {
		seed, b := make([]byte, 32), make([]byte, 32)
		io.ReadFull(rnd, seed)
		io.ReadFull(rnd, b)
		var k memo.PublicKey
		k[0] = 0xED
		if i%2 == 0 {
			p, _ := new(edwards25519.Point).SetBytes(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
			b = p.Add(p, torsion).Bytes()
		}
		copy(k[1:], b)
		odd = append(odd, k)
	}
	var k memo.PublicKey
	k[0] = 0xED
	copy(k[1:], cryptHex(t, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")) // y = p+1
	odd = append(odd, k)
	for _, k := range odd {
		cases.Seal = append(cases.Seal, sealCase{Pub: k.String(), Msg: "x"})
	}

	in, err := json.Marshal(cases)
	require.NoError(t, err)
	script := filepath.Join(t.TempDir(), "sbox.js")
	require.NoError(t, os.WriteFile(script, []byte(sboxJSScript), 0o600))
	cmd := exec.Command("node", script, pkg)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var out struct {
		Opened []any     `json:"opened"`
		Sealed []*string `json:"sealed"`
	}
	require.NoError(t, json.Unmarshal(outb, &out), "node printed %s", outb)
	require.Len(t, out.Opened, len(cases.Open))
	require.Len(t, out.Sealed, len(cases.Seal))

	for i, k := range keys {
		require.Equal(t, msgs[i], out.Opened[i], "JS opening Go's box %d", i)
		require.NotNil(t, out.Sealed[i], "JS sealing to %s", k.PublicKey())
		var got map[string]any
		require.NoError(t, memo.DecryptJSON(ctx, k, *out.Sealed[i], &got), "Go opening JS's box %d", i)
		require.Equal(t, msgs[i], got)
	}
	refused := 0
	for i, k := range odd {
		jsOK := out.Sealed[len(keys)+i] != nil
		_, perr := memo.ParsePublicKey(k.String())
		require.Equal(t, jsOK, perr == nil, "key %s: JS seals %v, ParsePublicKey error %v", k, jsOK, perr)
		if !jsOK {
			refused++
			continue
		}
		_, serr := memo.Seal(rnd, k, []byte("x"), nil)
		require.NoError(t, serr, "key %s: JS seals to it", k)
	}
	require.Greater(t, refused, len(sboxSmallOrder), "the odd keys must include some JS refuses beyond the small-order ones")
}
