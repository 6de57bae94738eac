package memo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// Frame prefixes of an acquire payload (tenant → host and host → tenant).
const (
	FramePlain     byte = 0x00
	FrameEncrypted byte = 0x01
)

// Error payload types (the "type" field of an error memo).
const (
	AcquireErr = "ACQUIRE_ERR"
	ExtendErr  = "EXTEND_ERR"
)

// CreateResponseType is the type of the host's acquire answer.
const CreateResponseType = "create_res"

// SealPayload frames v for an acquire memo: the JSON text of v sealed to the
// key (0x01 ‖ ciphertext), or in the clear (0x00 ‖ JSON) when to is nil. It
// returns the base64 text that is the memo's data. opts only matters for
// secp256k1 keys (deterministic output for tests).
func SealPayload(rand io.Reader, to *PublicKey, v any, opts *SealOptions) ([]byte, error) {
	js, err := stringify(v)
	if err != nil {
		return nil, err
	}
	var framed []byte
	if to == nil {
		framed = append([]byte{FramePlain}, js...)
	} else {
		ct, err := Seal(rand, *to, js, opts)
		if err != nil {
			return nil, err
		}
		framed = append([]byte{FrameEncrypted}, ct...)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(framed)))
	base64.StdEncoding.Encode(out, framed)
	return out, nil
}

// OpenPayload reverses SealPayload: it base64-decodes data, then decrypts an
// encrypted frame with kh (which may be nil for a plain frame) and unmarshals
// the JSON into v. It reports whether the payload was encrypted. A bad
// ciphertext or the wrong key gives ErrDecrypt; anything else malformed wraps
// ErrMalformed.
func OpenPayload(ctx context.Context, kh KeyHolder, data []byte, v any) (encrypted bool, err error) {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(raw, data)
	if err != nil {
		return false, fmt.Errorf("%w: payload is not base64", ErrMalformed)
	}
	raw = raw[:n]
	if len(raw) == 0 {
		return false, fmt.Errorf("%w: empty payload", ErrMalformed)
	}
	body := raw[1:]
	switch raw[0] {
	case FramePlain:
	case FrameEncrypted:
		if kh == nil {
			return true, fmt.Errorf("%w: encrypted payload and no key", ErrMalformed)
		}
		if body, err = Open(ctx, kh, body); err != nil {
			return true, err
		}
	default:
		return false, fmt.Errorf("%w: payload frame byte %#02x", ErrMalformed, raw[0])
	}
	if err := json.Unmarshal(body, v); err != nil {
		return raw[0] == FrameEncrypted, fmt.Errorf("%w: payload JSON: %v", ErrMalformed, err)
	}
	return raw[0] == FrameEncrypted, nil
}

// Requirement is what a tenant asks for in an acquire: the JSON object that
// the host's message board hands to sashimono. Field order follows the JS
// tenant tooling, so a marshalled Requirement is byte-identical to theirs.
type Requirement struct {
	// OwnerPubkey is the hex ed25519 HotPocket user key of the instance
	// owner ("ed" + 64 hex digits).
	OwnerPubkey string `json:"owner_pubkey"`
	// ContractID is the HotPocket contract id, a UUID.
	ContractID string `json:"contract_id"`
	// Image is the instance image the host should run.
	Image string `json:"image"`
	// Config holds HotPocket configuration overrides (sections node,
	// contract, mesh, user, hpfs, log). Sashimono requires the field, so a
	// nil Config is sent as {}.
	Config json.RawMessage `json:"config"`
	// MessageKey, when set, asks the host to encrypt its answer to this
	// 66-hex-digit key instead of the tenant account's MessageKey, or to
	// answer in the clear when it is "none".
	MessageKey string `json:"messageKey,omitempty"`
}

// MessageKeyNone asks for an answer in the clear.
const MessageKeyNone = "none"

// isHex reports whether s is n hex digits of either case.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isUUID reports whether s is a UUID in its 8-4-4-4-12 text form.
func isUUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	return isHex(s[0:8], 8) && isHex(s[9:13], 4) && isHex(s[14:18], 4) && isHex(s[19:23], 4) && isHex(s[24:], 12)
}

// isJSONObject reports whether b is valid JSON whose top level is an object.
func isJSONObject(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return json.Valid(b) && len(t) > 0 && t[0] == '{'
}

// MarshalJSON writes the requirement with config defaulting to {}.
func (r Requirement) MarshalJSON() ([]byte, error) {
	type plain Requirement
	if len(r.Config) == 0 {
		r.Config = json.RawMessage(`{}`)
	}
	return stringify(plain(r))
}

// Validate checks the fields a host needs before it provisions anything.
func (r Requirement) Validate() error {
	switch {
	case len(r.OwnerPubkey) != 66 || r.OwnerPubkey[:2] != "ed" || !isHex(r.OwnerPubkey[2:], 64):
		return fmt.Errorf("%w: owner_pubkey %q is not an ed25519 user key", ErrMalformed, r.OwnerPubkey)
	case !isUUID(r.ContractID):
		return fmt.Errorf("%w: contract_id %q is not a UUID", ErrMalformed, r.ContractID)
	case r.Image == "":
		return fmt.Errorf("%w: image is empty", ErrMalformed)
	case len(r.Config) > 0 && !isJSONObject(r.Config):
		return fmt.Errorf("%w: config is not a JSON object", ErrMalformed)
	case r.MessageKey != "" && r.MessageKey != MessageKeyNone && !isHex(r.MessageKey, 66):
		return fmt.Errorf("%w: messageKey %q", ErrMalformed, r.MessageKey)
	}
	return nil
}

// Instance is what a host tells a tenant about a new instance (the content of
// sashimono's create response). Every field is a JSON string, as sashimono
// sends it; ports are decimal text.
type Instance struct {
	// Name is the instance name, the lease URITokenID.
	Name string `json:"name"`
	// Pubkey is the instance's HotPocket node key (hex, "ed…").
	Pubkey     string `json:"pubkey"`
	ContractID string `json:"contract_id"`
	PeerPort   string `json:"peer_port"`
	UserPort   string `json:"user_port"`
	GPTCPPort  string `json:"gp_tcp_port,omitempty"`
	GPUDPPort  string `json:"gp_udp_port,omitempty"`
	// Domain is the host's domain; older hosts send IP instead.
	Domain     string `json:"domain,omitempty"`
	IP         string `json:"ip,omitempty"`
	OutboundIP string `json:"outbound_ip,omitempty"`
}

// Host returns where the instance listens: Domain, or IP from older hosts.
func (in Instance) Host() string {
	if in.Domain != "" {
		return in.Domain
	}
	return in.IP
}

// AcquireResponse is the payload of an evnAcquireSuccess memo.
type AcquireResponse struct {
	Type    string   `json:"type"`
	Content Instance `json:"content"`
}

// ErrorPayload is the JSON payload of evnAcquireError and evnExtendError.
type ErrorPayload struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// ErrorReason is a host's reason for refusing a request, as it reached the
// ledger. Sashimono hosts send a string ("invalid_acquire_lease"), or an
// object {"instance_name":…,"error":…} when an instance failed to start;
// other hosts may send text that is not JSON at all.
type ErrorReason struct {
	// Text is the reason as text: a JSON string's value, any other JSON
	// value compacted ({"instance_name":"…","error":"…"}), or the memo's
	// data itself when it is not a JSON payload with a reason.
	Text string
	// Raw is the reason as sent: the reason's JSON, or the memo's data.
	Raw []byte
	// Type is the payload's type ("ACQUIRE_ERR"), when it has one.
	Type string
}

// ParseErrorReason reads the reason of an evnAcquireError or
// evnExtendError memo as evernode-js-client does, JSON.parse(data).reason
// for a text/json memo and the data itself otherwise, and also keeps the
// data where the JS client would throw (JSON that does not parse or has no
// reason). It never fails: every answer's reason reaches the caller.
func ParseErrorReason(m Memo) ErrorReason {
	whole := ErrorReason{Text: string(m.Data), Raw: m.Data}
	if m.Format != FormatJSON {
		return whole
	}
	var p struct {
		Type   any             `json:"type"`
		Reason json.RawMessage `json:"reason"`
	}
	if json.Unmarshal(m.Data, &p) != nil {
		return whole
	}
	typ, _ := p.Type.(string)
	whole.Type = typ
	if len(p.Reason) == 0 {
		return whole
	}
	r := ErrorReason{Raw: p.Reason, Type: typ}
	var text string
	if json.Unmarshal(p.Reason, &text) == nil {
		r.Text = text
		return r
	}
	var b bytes.Buffer
	if json.Compact(&b, p.Reason) == nil {
		r.Text = b.String()
	} else {
		r.Text = string(p.Reason)
	}
	return r
}

// Validate reports whether a success answer describes an instance a tenant
// can use: sashimono always sends its name, its node key and its user
// port. An answer without them is malformed, never an empty success.
func (in Instance) Validate() error {
	switch {
	case in.Name == "":
		return fmt.Errorf("%w: answer without an instance name", ErrMalformed)
	case in.Pubkey == "":
		return fmt.Errorf("%w: answer without the instance's key", ErrMalformed)
	case in.UserPort == "":
		return fmt.Errorf("%w: answer without the instance's user port", ErrMalformed)
	}
	return nil
}

// EncodeExpiryMoment is the data of an evnExtendSuccess memo: the new expiry
// moment as a 4-byte big-endian integer.
func EncodeExpiryMoment(m uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, m)
}

// DecodeExpiryMoment reads the data of an evnExtendSuccess memo.
func DecodeExpiryMoment(b []byte) (uint32, error) {
	if len(b) != 4 {
		return 0, fmt.Errorf("%w: expiry moment of %d bytes", ErrMalformed, len(b))
	}
	return binary.BigEndian.Uint32(b), nil
}

// NewJSON returns a text/json memo with v marshalled as JSON.stringify would.
func NewJSON(typ EventType, v any) (Memo, error) {
	js, err := stringify(v)
	if err != nil {
		return Memo{}, err
	}
	return Memo{Type: string(typ), Format: FormatJSON, Data: js}, nil
}

// DecodeJSON unmarshals the data of a text/json memo.
func (m Memo) DecodeJSON(v any) error {
	if m.Format != FormatJSON {
		return fmt.Errorf("%w: memo format %q, want %q", ErrMalformed, m.Format, FormatJSON)
	}
	if err := json.Unmarshal(m.Data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}
