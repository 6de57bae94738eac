package memo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Memo formats that Evernode uses (MemoFormats in the JS client and FORMAT_*
// in the hooks).
const (
	FormatText   = "text/plain"
	FormatJSON   = "text/json"
	FormatBase64 = "base64"
	FormatHex    = "hex"
)

// ErrMalformed is wrapped by every decoding error in this package except
// decryption, which reports ErrDecrypt alone.
var ErrMalformed = errors.New("memo: malformed")

// Memo is one XRPL memo. Type and Format are text; Data is exactly the bytes
// of the ledger's MemoData field. For a base64 memo Data is the base64 text,
// for a hex memo it is the raw bytes, for JSON and text memos the UTF-8 text.
type Memo struct {
	Type   string
	Format string
	Data   []byte
}

// Wire is a memo in the JSON form of the XRPL APIs: each field is uppercase
// hex. An empty field is still written (as ""), as the JS client does, which
// puts an empty field in the binary form too.
type Wire struct {
	MemoType   string `json:"MemoType"`
	MemoFormat string `json:"MemoFormat"`
	MemoData   string `json:"MemoData"`
}

// Wire returns the memo in its hex JSON form, as TransactionHelper.formatMemos
// writes it.
func (m Memo) Wire() Wire {
	return Wire{MemoType: upperHex([]byte(m.Type)), MemoFormat: upperHex([]byte(m.Format)), MemoData: upperHex(m.Data)}
}

// ParseWire decodes a memo from its hex JSON form (either case).
func ParseWire(w Wire) (Memo, error) {
	typ, err := hex.DecodeString(w.MemoType)
	if err != nil {
		return Memo{}, fmt.Errorf("%w: MemoType: %v", ErrMalformed, err)
	}
	format, err := hex.DecodeString(w.MemoFormat)
	if err != nil {
		return Memo{}, fmt.Errorf("%w: MemoFormat: %v", ErrMalformed, err)
	}
	data, err := hex.DecodeString(w.MemoData)
	if err != nil {
		return Memo{}, fmt.Errorf("%w: MemoData: %v", ErrMalformed, err)
	}
	return Memo{Type: string(typ), Format: string(format), Data: data}, nil
}

// Find returns the first memo of the given type.
func Find(memos []Memo, typ EventType) (Memo, bool) {
	for _, m := range memos {
		if m.Type == string(typ) {
			return m, true
		}
	}
	return Memo{}, false
}

func upperHex(b []byte) string {
	return strings.ToUpper(hex.EncodeToString(b))
}
