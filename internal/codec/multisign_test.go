package codec

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestEncodeForMultisigning compares with ripple-binary-codec's
// encodeForMultisigning of the same payment for the same signer.
func TestEncodeForMultisigning(t *testing.T) {
	tx := map[string]any{
		"TransactionType": "Payment", "Account": "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
		"Destination": "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe", "Amount": "1000", "Fee": "40",
		"Sequence": uint32(7), "SigningPubKey": "",
		// Non-signing fields are left out, as for single signing.
		"Signers": []any{map[string]any{"Signer": map[string]any{
			"Account": "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe", "SigningPubKey": "ED00", "TxnSignature": "00"}}},
	}
	signer, ok := DecodeAddress("rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe")
	if !ok {
		t.Fatal("address")
	}
	got, err := XRPL().EncodeForMultisigning(tx, signer[:])
	if err != nil {
		t.Fatal(err)
	}
	const want = "534D540012000024000000076140000000000003E868400000000000002873008114B5F762798A53D543A014CAF8B297CFF8F2F937E88314F667B0CA50CC7709A220B0561B85E53A48461FA8F667B0CA50CC7709A220B0561B85E53A48461FA8"
	if g := strings.ToUpper(hex.EncodeToString(got)); g != want {
		t.Fatalf("got  %s\nwant %s", g, want)
	}
}
