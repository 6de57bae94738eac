package contract

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// Protocol is the message encoding of a connection after the handshake.
type Protocol int

const (
	// ProtocolBSON encodes binary fields as BSON binary. It is the default, and the Evernode
	// bootstrap contract needs it for uploads.
	ProtocolBSON Protocol = iota
	// ProtocolJSON encodes binary fields as hex and inputs as UTF-8 strings (the
	// hotpocket-js-client default).
	ProtocolJSON
)

func (p Protocol) String() string {
	if p == ProtocolJSON {
		return "json"
	}
	return "bson"
}

const (
	maxTreeDepth = 64
)

var errMalformed = errors.New("malformed message")

// ---- JSON encoding byte-identical to JavaScript's JSON.stringify ----

// appendJSString appends s as JSON.stringify writes a string: only '"', '\\' and control
// characters are escaped (\b \f \n \r \t short forms, others \u00xx); everything else,
// including '<', '>', '&', U+2028 and U+2029, is written as is. s must be valid UTF-8.
func appendJSString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// ---- client → server ----

func encodeChallengeResponse(sig []byte, pubHex, serverChallenge string, p Protocol) []byte {
	b := []byte(`{"type":"user_challenge_response","sig":"`)
	b = append(b, hex.EncodeToString(sig)...)
	b = append(b, `","pubkey":"`...)
	b = append(b, pubHex...)
	b = append(b, `","server_challenge":"`...)
	b = append(b, serverChallenge...)
	b = append(b, `","protocol":"`...)
	b = append(b, p.String()...)
	return append(b, `"}`...)
}

// encodeInputContainer is the signed {input, nonce, max_ledger_seq_no} container exactly as
// hotpocket-js-client serialises it.
func encodeInputContainer(p Protocol, input []byte, nonce, maxSeq uint64) ([]byte, error) {
	if p == ProtocolBSON {
		return bson.Marshal(bson.D{
			{Key: "input", Value: bson.Binary{Data: input}},
			{Key: "nonce", Value: int64(nonce)},
			{Key: "max_ledger_seq_no", Value: int64(maxSeq)},
		})
	}
	if !utf8.Valid(input) {
		return nil, errors.Join(ErrProtocol, errors.New("contract: a JSON-protocol input must be valid UTF-8"))
	}
	b := []byte(`{"input":`)
	b = appendJSString(b, string(input))
	b = append(b, `,"nonce":`...)
	b = strconv.AppendUint(b, nonce, 10)
	b = append(b, `,"max_ledger_seq_no":`...)
	b = strconv.AppendUint(b, maxSeq, 10)
	return append(b, '}'), nil
}

func encodeInputMessage(p Protocol, container, sig []byte) ([]byte, error) {
	if p == ProtocolBSON {
		return bson.Marshal(bson.D{
			{Key: "type", Value: hpwire.MsgContractInput},
			{Key: "input_container", Value: bson.Binary{Data: container}},
			{Key: "sig", Value: bson.Binary{Data: sig}},
		})
	}
	b := []byte(`{"type":"contract_input","input_container":`)
	b = appendJSString(b, string(container))
	b = append(b, `,"sig":"`...)
	b = append(b, hex.EncodeToString(sig)...)
	return append(b, `"}`...), nil
}

func encodeReadRequest(p Protocol, id string, content []byte) ([]byte, error) {
	if p == ProtocolBSON {
		return bson.Marshal(bson.D{
			{Key: "type", Value: hpwire.MsgContractReadRequest},
			{Key: "id", Value: id},
			{Key: "content", Value: bson.Binary{Data: content}},
		})
	}
	if !utf8.Valid(content) || !utf8.ValidString(id) {
		return nil, errors.Join(ErrProtocol, errors.New("contract: a JSON-protocol read request must be valid UTF-8"))
	}
	b := []byte(`{"type":"contract_read_request","id":`)
	b = appendJSString(b, id)
	b = append(b, `,"content":`...)
	b = appendJSString(b, string(content))
	return append(b, '}'), nil
}

func encodeSimple(p Protocol, typ string) []byte {
	if p == ProtocolBSON {
		b, _ := bson.Marshal(bson.D{{Key: "type", Value: typ}})
		return b
	}
	return []byte(`{"type":"` + typ + `"}`)
}

func encodeSubscription(p Protocol, channel string, enabled bool) []byte {
	if p == ProtocolBSON {
		b, _ := bson.Marshal(bson.D{{Key: "type", Value: hpwire.MsgSubscription}, {Key: "channel", Value: channel}, {Key: "enabled", Value: enabled}})
		return b
	}
	return []byte(`{"type":"subscription","channel":"` + channel + `","enabled":` + strconv.FormatBool(enabled) + `}`)
}

// ---- handshake (always JSON) ----

type userChallenge struct {
	Type            string `json:"type"`
	HPVersion       string `json:"hp_version"`
	ContractID      string `json:"contract_id"`
	ContractVersion string `json:"contract_version"`
	Challenge       string `json:"challenge"`
}

func decodeUserChallenge(data []byte) (userChallenge, error) {
	var c userChallenge
	if err := json.Unmarshal(data, &c); err != nil {
		return c, errMalformed
	}
	if c.Type != hpwire.MsgUserChallenge || c.Challenge == "" || c.ContractID == "" || c.ContractVersion == "" || c.HPVersion == "" {
		return c, errMalformed
	}
	return c, nil
}

type serverChallengeResponse struct {
	Type   string   `json:"type"`
	Sig    string   `json:"sig"`
	PubKey string   `json:"pubkey"`
	UNL    []string `json:"unl"`
}

func decodeServerChallengeResponse(data []byte) (serverChallengeResponse, error) {
	var r serverChallengeResponse
	if err := json.Unmarshal(data, &r); err != nil || r.Type != hpwire.MsgServerChallengeResp || r.Sig == "" || r.PubKey == "" {
		return r, errMalformed
	}
	return r, nil
}

// ---- server → client ----

// treeNode is a received, collapsed output hash tree: an array of nodes, a hash, or the
// user's own leaf (null).
type treeNode struct {
	self     bool
	hash     []byte
	children []treeNode
	array    bool
}

// root computes the tree's root with self standing in for the null leaf; found counts the
// null leaves (hotpocket-js-client getMerkleHash).
func (t *treeNode) root(self []byte, found *int) []byte {
	if !t.array {
		if t.self {
			*found++
			return self
		}
		return t.hash
	}
	parts := make([][]byte, len(t.children))
	for i := range t.children {
		parts[i] = t.children[i].root(self, found)
	}
	return hpwire.Hash(parts...)
}

// serverMsg is a decoded post-handshake server message; only the fields of its Type are set.
type serverMsg struct {
	Type string
	// contract_input_status
	Status, Reason string
	InputHash      []byte
	// contract_input_status, contract_output, lcl_response
	LedgerSeqNo uint64
	LedgerHash  []byte
	// contract_output: Outputs in BSON; OutputTokens (raw JSON values) in JSON.
	Outputs      [][]byte
	OutputTokens []json.RawMessage
	OutputHash   []byte
	HashTree     treeNode
	UNLSig       [][2][]byte
	// contract_read_response
	ReplyFor string
	Content  []byte
	// stat_response
	Stat Stat
	// ledger_event
	Event      string
	Ledger     Ledger
	VoteStatus string
	// unl_change
	UNL [][]byte
}

func decodeServerMessage(p Protocol, data []byte) (serverMsg, error) {
	if p == ProtocolBSON {
		return decodeServerBSON(data)
	}
	return decodeServerJSON(data)
}

// ---- BSON ----

func binOf(v bson.RawValue) ([]byte, bool) {
	_, b, ok := v.BinaryOK()
	return b, ok
}

func bsonU64(d bson.Raw, k string) (uint64, bool) {
	v, err := d.LookupErr(k)
	if err != nil {
		return 0, false
	}
	return u64Of(v)
}

func u64Of(v bson.RawValue) (uint64, bool) {
	if n, ok := v.Int64OK(); ok && n >= 0 {
		return uint64(n), true
	}
	if n, ok := v.Int32OK(); ok && n >= 0 {
		return uint64(n), true
	}
	if f, ok := v.DoubleOK(); ok && f >= 0 && f < 1<<53 && f == float64(uint64(f)) {
		return uint64(f), true
	}
	return 0, false
}

func bsonBool(d bson.Raw, k string) bool {
	v, err := d.LookupErr(k)
	if err != nil {
		return false
	}
	b, _ := v.BooleanOK()
	return b
}

func bsonArray(d bson.Raw, k string) ([]bson.RawValue, bool) {
	v, err := d.LookupErr(k)
	if err != nil {
		return nil, false
	}
	a, ok := v.ArrayOK()
	if !ok {
		return nil, false
	}
	vals, err := a.Values()
	return vals, err == nil
}

func bsonBinList(d bson.Raw, k string) ([][]byte, bool) {
	vals, ok := bsonArray(d, k)
	if !ok {
		return nil, false
	}
	out := make([][]byte, 0, len(vals))
	for _, v := range vals {
		b, ok := binOf(v)
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}

func bsonPair(v bson.RawValue) ([]byte, []byte, bool) {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, nil, false
	}
	vals, err := arr.Values()
	if err != nil || len(vals) != 2 {
		return nil, nil, false
	}
	k, ok1 := binOf(vals[0])
	sg, ok2 := binOf(vals[1])
	return k, sg, ok1 && ok2
}

func bsonTree(v bson.RawValue, depth int) (treeNode, bool) {
	if depth > maxTreeDepth {
		return treeNode{}, false
	}
	if v.Type == bson.TypeNull {
		return treeNode{self: true}, true
	}
	if b, ok := binOf(v); ok {
		return treeNode{hash: b}, true
	}
	a, ok := v.ArrayOK()
	if !ok {
		return treeNode{}, false
	}
	vals, err := a.Values()
	if err != nil {
		return treeNode{}, false
	}
	t := treeNode{array: true, children: make([]treeNode, 0, len(vals))}
	for _, e := range vals {
		c, ok := bsonTree(e, depth+1)
		if !ok {
			return treeNode{}, false
		}
		t.children = append(t.children, c)
	}
	return t, true
}

func decodeServerBSON(data []byte) (serverMsg, error) {
	d := bson.Raw(data)
	if err := d.Validate(); err != nil {
		return serverMsg{}, errMalformed
	}
	typ, ok := hpwire.BSONString(d, "type")
	if !ok {
		return serverMsg{}, errMalformed
	}
	m := serverMsg{Type: typ}
	bad := false
	switch typ {
	case hpwire.MsgContractInputStatus:
		m.Status, ok = hpwire.BSONString(d, "status")
		bad = !ok
		m.Reason, _ = hpwire.BSONString(d, "reason")
		m.InputHash, _ = hpwire.BSONBinary(d, "input_hash")
		m.LedgerSeqNo, _ = bsonU64(d, "ledger_seq_no")
		m.LedgerHash, _ = hpwire.BSONBinary(d, "ledger_hash")
	case hpwire.MsgContractOutput:
		var ok1, ok2, ok3, ok4 bool
		m.LedgerSeqNo, ok1 = bsonU64(d, "ledger_seq_no")
		m.LedgerHash, _ = hpwire.BSONBinary(d, "ledger_hash")
		m.Outputs, ok2 = bsonBinList(d, "outputs")
		m.OutputHash, ok3 = hpwire.BSONBinary(d, "output_hash")
		if tv, err := d.LookupErr("hash_tree"); err == nil {
			m.HashTree, ok4 = bsonTree(tv, 0)
		}
		sigs, ok5 := bsonArray(d, "unl_sig")
		for _, s := range sigs {
			k, sg, ok := bsonPair(s)
			if !ok {
				ok5 = false
				break
			}
			m.UNLSig = append(m.UNLSig, [2][]byte{k, sg})
		}
		bad = !(ok1 && ok2 && ok3 && ok4 && ok5)
	case hpwire.MsgContractReadResponse:
		var ok1, ok2 bool
		m.ReplyFor, ok1 = hpwire.BSONString(d, "reply_for")
		m.Content, ok2 = hpwire.BSONBinary(d, "content")
		bad = !(ok1 && ok2)
	case hpwire.MsgStatResponse:
		s := &m.Stat
		s.HPVersion, _ = hpwire.BSONString(d, "hp_version")
		s.LedgerSeqNo, _ = bsonU64(d, "ledger_seq_no")
		s.LedgerHash, _ = hpwire.BSONBinary(d, "ledger_hash")
		s.VoteStatus, _ = hpwire.BSONString(d, "vote_status")
		s.RoundTime, _ = bsonU64(d, "round_time")
		s.ContractExecutionEnabled = bsonBool(d, "contract_execution_enabled")
		s.ReadRequestsEnabled = bsonBool(d, "read_requests_enabled")
		s.FullHistory = bsonBool(d, "is_full_history_node")
		s.WeaklyConnected = bsonBool(d, "weakly_connected")
		unl, _ := bsonBinList(d, "current_unl")
		for _, k := range unl {
			s.UNL = append(s.UNL, hex.EncodeToString(k))
		}
		if peers, ok := bsonArray(d, "peers"); ok {
			for _, p := range peers {
				if ps, ok := p.StringValueOK(); ok {
					s.Peers = append(s.Peers, ps)
				}
			}
		}
	case hpwire.MsgLCLResponse:
		var ok1 bool
		m.LedgerSeqNo, ok1 = bsonU64(d, "ledger_seq_no")
		m.LedgerHash, _ = hpwire.BSONBinary(d, "ledger_hash")
		bad = !ok1
	case hpwire.MsgUNLChange:
		m.UNL, ok = bsonBinList(d, "unl")
		bad = !ok
	case hpwire.MsgLedgerEvent:
		m.Event, _ = hpwire.BSONString(d, "event")
		m.VoteStatus, _ = hpwire.BSONString(d, "vote_status")
		if lv, err := d.LookupErr("ledger"); err == nil {
			if ld, ok := lv.DocumentOK(); ok {
				m.Ledger = ledgerBSON(ld)
			}
		}
	}
	if bad {
		return m, errMalformed
	}
	return m, nil
}

func ledgerBSON(d bson.Raw) Ledger {
	var l Ledger
	l.SeqNo, _ = bsonU64(d, "seq_no")
	l.Timestamp, _ = bsonU64(d, "timestamp")
	l.Hash, _ = hpwire.BSONBinary(d, "hash")
	l.PrevHash, _ = hpwire.BSONBinary(d, "prev_hash")
	l.StateHash, _ = hpwire.BSONBinary(d, "state_hash")
	l.ConfigHash, _ = hpwire.BSONBinary(d, "config_hash")
	l.UserHash, _ = hpwire.BSONBinary(d, "user_hash")
	l.InputHash, _ = hpwire.BSONBinary(d, "input_hash")
	l.OutputHash, _ = hpwire.BSONBinary(d, "output_hash")
	return l
}

// ---- JSON ----

type rawObj map[string]json.RawMessage

func (o rawObj) str(k string) (string, bool) {
	raw, ok := o[k]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (o rawObj) hex(k string) ([]byte, bool) {
	s, ok := o.str(k)
	if !ok {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

func (o rawObj) u64(k string) (uint64, bool) {
	n, err := strconv.ParseUint(string(o[k]), 10, 64)
	return n, err == nil
}

func (o rawObj) boolean(k string) bool { return string(o[k]) == "true" }

func (o rawObj) hexList(k string) ([][]byte, bool) {
	var ss []string
	if json.Unmarshal(o[k], &ss) != nil {
		return nil, false
	}
	out := make([][]byte, 0, len(ss))
	for _, s := range ss {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}

func jsonTree(raw json.RawMessage, depth int) (treeNode, bool) {
	if depth > maxTreeDepth {
		return treeNode{}, false
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return treeNode{self: true}, true
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return treeNode{}, false
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return treeNode{}, false
		}
		return treeNode{hash: b}, true
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil || arr == nil {
		return treeNode{}, false
	}
	t := treeNode{array: true, children: make([]treeNode, 0, len(arr))}
	for _, e := range arr {
		c, ok := jsonTree(e, depth+1)
		if !ok {
			return treeNode{}, false
		}
		t.children = append(t.children, c)
	}
	return t, true
}

func decodeServerJSON(data []byte) (serverMsg, error) {
	var o rawObj
	if err := json.Unmarshal(data, &o); err != nil || o == nil {
		return serverMsg{}, errMalformed
	}
	typ, ok := o.str("type")
	if !ok {
		return serverMsg{}, errMalformed
	}
	m := serverMsg{Type: typ}
	bad := false
	switch typ {
	case hpwire.MsgContractInputStatus:
		m.Status, ok = o.str("status")
		bad = !ok
		m.Reason, _ = o.str("reason")
		m.InputHash, _ = o.hex("input_hash")
		m.LedgerSeqNo, _ = o.u64("ledger_seq_no")
		m.LedgerHash, _ = o.hex("ledger_hash")
	case hpwire.MsgContractOutput:
		var ok1, ok3, ok4 bool
		m.LedgerSeqNo, ok1 = o.u64("ledger_seq_no")
		m.LedgerHash, _ = o.hex("ledger_hash")
		ok2 := json.Unmarshal(o["outputs"], &m.OutputTokens) == nil && m.OutputTokens != nil
		m.OutputHash, ok3 = o.hex("output_hash")
		m.HashTree, ok4 = jsonTree(o["hash_tree"], 0)
		var sigs [][]string
		ok5 := json.Unmarshal(o["unl_sig"], &sigs) == nil
		for _, s := range sigs {
			if len(s) != 2 {
				ok5 = false
				break
			}
			k, err1 := hex.DecodeString(s[0])
			sg, err2 := hex.DecodeString(s[1])
			if err1 != nil || err2 != nil {
				ok5 = false
				break
			}
			m.UNLSig = append(m.UNLSig, [2][]byte{k, sg})
		}
		bad = !(ok1 && ok2 && ok3 && ok4 && ok5)
	case hpwire.MsgContractReadResponse:
		var ok1 bool
		m.ReplyFor, ok1 = o.str("reply_for")
		c, ok2 := o["content"]
		if ok2 {
			m.Content = jsonOutputCandidates(c)[0]
		}
		bad = !(ok1 && ok2)
	case hpwire.MsgStatResponse:
		s := &m.Stat
		s.HPVersion, _ = o.str("hp_version")
		s.LedgerSeqNo, _ = o.u64("ledger_seq_no")
		s.LedgerHash, _ = o.hex("ledger_hash")
		s.VoteStatus, _ = o.str("vote_status")
		s.RoundTime, _ = o.u64("round_time")
		s.ContractExecutionEnabled = o.boolean("contract_execution_enabled")
		s.ReadRequestsEnabled = o.boolean("read_requests_enabled")
		s.FullHistory = o.boolean("is_full_history_node")
		s.WeaklyConnected = o.boolean("weakly_connected")
		_ = json.Unmarshal(o["current_unl"], &s.UNL)
		_ = json.Unmarshal(o["peers"], &s.Peers)
	case hpwire.MsgLCLResponse:
		var ok1 bool
		m.LedgerSeqNo, ok1 = o.u64("ledger_seq_no")
		m.LedgerHash, _ = o.hex("ledger_hash")
		bad = !ok1
	case hpwire.MsgUNLChange:
		m.UNL, ok = o.hexList("unl")
		bad = !ok
	case hpwire.MsgLedgerEvent:
		m.Event, _ = o.str("event")
		m.VoteStatus, _ = o.str("vote_status")
		var lo rawObj
		if json.Unmarshal(o["ledger"], &lo) == nil && lo != nil {
			m.Ledger.SeqNo, _ = lo.u64("seq_no")
			m.Ledger.Timestamp, _ = lo.u64("timestamp")
			m.Ledger.Hash, _ = lo.hex("hash")
			m.Ledger.PrevHash, _ = lo.hex("prev_hash")
			m.Ledger.StateHash, _ = lo.hex("state_hash")
			m.Ledger.ConfigHash, _ = lo.hex("config_hash")
			m.Ledger.UserHash, _ = lo.hex("user_hash")
			m.Ledger.InputHash, _ = lo.hex("input_hash")
			m.Ledger.OutputHash, _ = lo.hex("output_hash")
		}
	}
	if bad {
		return m, errMalformed
	}
	return m, nil
}

// jsonOutputCandidates returns what a JSON-protocol output token may stand for, most
// likely first. hpcore embeds outputs that look like JSON unescaped and escapes the rest
// into a string, so the token "abc" can be the output abc (escaped) or "abc" (embedded);
// a string whose content itself looks like JSON can only have been embedded.
func jsonOutputCandidates(tok json.RawMessage) [][]byte {
	tok = bytes.TrimSpace(tok)
	if len(tok) == 0 || tok[0] != '"' {
		return [][]byte{tok}
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return [][]byte{tok}
	}
	if hpwire.IsJSONLiteral([]byte(s)) {
		return [][]byte{tok}
	}
	return [][]byte{[]byte(s), tok}
}

// bsonInputHead returns the bytes of a BSON contract_input message that precede a container
// of contLen bytes (document length, the type field, the container's field header), and the
// message's total length. head ‖ container ‖ bsonInputTail(sig) equals
// encodeInputMessage(ProtocolBSON, container, sig).
func bsonInputHead(contLen int) (head []byte, total int) {
	const (
		typeField = 1 + len("type") + 1 + 4 + len(hpwire.MsgContractInput) + 1
		contHead  = 1 + len("input_container") + 1 + 4 + 1
		sigField  = 1 + len("sig") + 1 + 4 + 1 + ed25519.SignatureSize
	)
	total = 4 + typeField + contHead + contLen + sigField + 1
	b := binary.LittleEndian.AppendUint32(nil, uint32(total))
	b = append(b, 0x02)
	b = append(b, "type\x00"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hpwire.MsgContractInput)+1))
	b = append(b, hpwire.MsgContractInput+"\x00"...)
	b = append(b, 0x05)
	b = append(b, "input_container\x00"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(contLen))
	return append(b, 0x00), total
}

// bsonInputTailBytes is the length of bsonInputTail's result.
const bsonInputTailBytes = 1 + len("sig") + 1 + 4 + 1 + ed25519.SignatureSize + 1

// bsonInputTail returns the signature field and the document's end.
func bsonInputTail(sig []byte) []byte {
	b := append([]byte{0x05}, "sig\x00"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sig)))
	b = append(b, 0x00)
	b = append(b, sig...)
	return append(b, 0x00)
}

// uploadType is the type of the bootstrap contract's upload input.
const uploadType = "upload"

// uploadParts is the BSON contract_input message of the bootstrap contract's upload input
// {type:"upload",content:zip}, laid out around the caller's zip so that it is neither copied
// nor built in one buffer: the message is head ‖ contHead ‖ zip ‖ contTail ‖
// bsonInputTail(sig), and the container to sign is contHead ‖ zip ‖ contTail. The bytes are
// exactly those of bsonInputHead, encodeInputContainer and the BSON encoder's
// {type,content} document.
type uploadParts struct {
	head, contHead, zip, contTail []byte
}

// container returns the parts of the signed container.
func (u uploadParts) container() [][]byte { return [][]byte{u.contHead, u.zip, u.contTail} }

// size is the length of the whole message, signature field included.
func (u uploadParts) size() int {
	return len(u.head) + len(u.contHead) + len(u.zip) + len(u.contTail) + bsonInputTailBytes
}

// bsonUploadParts lays out the upload message for zip with nonce and maxSeq.
func bsonUploadParts(zip []byte, nonce, maxSeq uint64) uploadParts {
	const (
		innerFixed = 4 + (1 + len("type") + 1 + 4 + len(uploadType) + 1) + (1 + len("content") + 1 + 4 + 1) + 1
		contFixed  = 4 + (1 + len("input") + 1 + 4 + 1) + (1 + len("nonce") + 1 + 8) + (1 + len("max_ledger_seq_no") + 1 + 8) + 1
	)
	innerLen := innerFixed + len(zip)
	contLen := contFixed + innerLen
	head, _ := bsonInputHead(contLen)
	le := binary.LittleEndian
	b := le.AppendUint32(nil, uint32(contLen))
	b = append(b, 0x05)
	b = append(b, "input\x00"...)
	b = le.AppendUint32(b, uint32(innerLen))
	b = append(b, 0x00)
	b = le.AppendUint32(b, uint32(innerLen))
	b = append(b, 0x02)
	b = append(b, "type\x00"...)
	b = le.AppendUint32(b, uint32(len(uploadType)+1))
	b = append(b, uploadType+"\x00"...)
	b = append(b, 0x05)
	b = append(b, "content\x00"...)
	b = le.AppendUint32(b, uint32(len(zip)))
	b = append(b, 0x00)
	t := []byte{0x00}
	t = append(t, 0x12)
	t = append(t, "nonce\x00"...)
	t = le.AppendUint64(t, nonce)
	t = append(t, 0x12)
	t = append(t, "max_ledger_seq_no\x00"...)
	t = le.AppendUint64(t, maxSeq)
	t = append(t, 0x00)
	return uploadParts{head: head, contHead: b, zip: zip, contTail: t}
}
