package hotpocket

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// protocol is the per-connection encoding chosen in the challenge response.
type protocol int

const (
	protoJSON protocol = iota
	protoBSON
)

// Message types and fields of the user protocol (hpcore usrmsg_common.hpp).
const (
	statusAccepted = "accepted"
	statusRejected = "rejected"

	challengeBytes                  = 16
	maxServerChallengeLen           = 32
	errWireFormat         wireError = "malformed message"
)

type wireError string

func (e wireError) Error() string { return "hotpocket: " + string(e) }

// challengeResponse is the decoded user_challenge_response.
type challengeResponse struct {
	Sig             []byte
	PubKey          []byte // 33 bytes, 0xED-prefixed
	PubKeyHex       string
	ServerChallenge string
	Protocol        protocol
}

// parseChallengeResponse decodes and checks the JSON challenge response, including the
// signature over the ASCII challenge string (usrmsg_json.cpp verify_user_challenge).
func parseChallengeResponse(data []byte, challenge string) (challengeResponse, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return challengeResponse{}, errWireFormat
	}
	var r challengeResponse
	typ, ok := jsonString(m, "type")
	if !ok || typ != hpwire.MsgUserChallengeResponse {
		return r, errWireFormat
	}
	sigHex, ok1 := jsonString(m, "sig")
	pkHex, ok2 := jsonString(m, "pubkey")
	if !ok1 || !ok2 {
		return r, errWireFormat
	}
	if _, present := m["server_challenge"]; present {
		sc, ok := jsonString(m, "server_challenge")
		if !ok || sc == "" || len(sc) > maxServerChallengeLen {
			return r, errWireFormat
		}
		r.ServerChallenge = sc
	}
	p, ok := jsonString(m, "protocol")
	switch {
	case !ok:
		return r, errWireFormat
	case p == "json":
		r.Protocol = protoJSON
	case p == "bson":
		r.Protocol = protoBSON
	default:
		return r, errWireFormat
	}
	pub, err := hpwire.ParsePublicKey(pkHex)
	if err != nil {
		return r, errWireFormat
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || !verifySig(pub, []byte(challenge), sig) {
		return r, wireError("challenge signature verification failed")
	}
	r.Sig, r.PubKey, r.PubKeyHex = sig, prefixed(pub), hpwire.PublicKeyHex(pub)
	return r, nil
}

// userMsg is a decoded authenticated user message. Only the fields of its type are set.
type userMsg struct {
	Type string
	// contract_input
	Container []byte
	Sig       []byte
	// contract_read_request
	ID      string
	Content []byte
	// subscription
	Channel string
	Enabled bool
	// ledger_query
	FilterBy       string
	SeqNo          uint64
	IncludeInputs  bool
	IncludeOutputs bool

	fieldsOK bool // false: the type was readable but its fields were not
}

// decodeUserMessage parses a post-handshake message. An error means bad_msg_format for the
// whole message (no readable "type"); a message with a type but bad fields has fieldsOK=false.
func decodeUserMessage(p protocol, data []byte) (userMsg, error) {
	if p == protoBSON {
		return decodeUserBSON(data)
	}
	return decodeUserJSON(data)
}

func decodeUserJSON(data []byte) (userMsg, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return userMsg{}, errWireFormat
	}
	typ, ok := jsonString(m, "type")
	if !ok {
		return userMsg{}, errWireFormat
	}
	u := userMsg{Type: typ}
	switch typ {
	case hpwire.MsgContractInput:
		c, ok1 := jsonString(m, "input_container")
		s, ok2 := jsonString(m, "sig")
		if ok1 && ok2 {
			u.Container = []byte(c)
			u.Sig, _ = hex.DecodeString(s) // bad hex → empty sig → bad_sig later, as hpcore's to_bin
			u.fieldsOK = true
		}
	case hpwire.MsgContractReadRequest:
		id, ok1 := jsonString(m, "id")
		c, ok2 := jsonString(m, "content")
		if ok1 && ok2 {
			u.ID, u.Content, u.fieldsOK = id, []byte(c), true
		}
	case hpwire.MsgSubscription:
		ch, ok1 := jsonString(m, "channel")
		en, ok2 := jsonBool(m, "enabled")
		if ok1 && ok2 {
			u.Channel, u.Enabled, u.fieldsOK = ch, en, true
		}
	case hpwire.MsgLedgerQuery:
		id, ok1 := jsonString(m, "id")
		fb, ok2 := jsonString(m, "filter_by")
		var params map[string]json.RawMessage
		ok3 := json.Unmarshal(m["params"], &params) == nil && params != nil
		var inc []json.RawMessage
		ok4 := json.Unmarshal(m["include"], &inc) == nil && inc != nil
		if ok1 && ok2 && ok3 && ok4 && id != "" {
			u.ID, u.FilterBy = id, fb
			for _, v := range inc {
				var s string
				if json.Unmarshal(v, &s) == nil {
					u.IncludeInputs = u.IncludeInputs || s == "inputs"
					u.IncludeOutputs = u.IncludeOutputs || s == "outputs"
				}
			}
			if fb == "seq_no" {
				if n, ok := jsonUint(params, "seq_no"); ok {
					u.SeqNo, u.fieldsOK = n, true
				}
			}
		}
	default:
		u.fieldsOK = true
	}
	return u, nil
}

func decodeUserBSON(data []byte) (userMsg, error) {
	doc := bson.Raw(data)
	if err := doc.Validate(); err != nil {
		return userMsg{}, errWireFormat
	}
	typ, ok := hpwire.BSONString(doc, "type")
	if !ok {
		return userMsg{}, errWireFormat
	}
	u := userMsg{Type: typ}
	switch typ {
	case hpwire.MsgContractInput:
		c, ok1 := hpwire.BSONBinary(doc, "input_container")
		s, ok2 := hpwire.BSONBinary(doc, "sig")
		if ok1 && ok2 {
			u.Container, u.Sig, u.fieldsOK = c, s, true
		}
	case hpwire.MsgContractReadRequest:
		id, ok1 := hpwire.BSONString(doc, "id")
		c, ok2 := hpwire.BSONBinary(doc, "content")
		if ok1 && ok2 {
			u.ID, u.Content, u.fieldsOK = id, c, true
		}
	case hpwire.MsgSubscription:
		ch, ok1 := hpwire.BSONString(doc, "channel")
		v, err := doc.LookupErr("enabled")
		en, ok2 := v.BooleanOK()
		if ok1 && err == nil && ok2 {
			u.Channel, u.Enabled, u.fieldsOK = ch, en, true
		}
	case hpwire.MsgLedgerQuery:
		id, ok1 := hpwire.BSONString(doc, "id")
		fb, ok2 := hpwire.BSONString(doc, "filter_by")
		pv, err1 := doc.LookupErr("params")
		params, ok3 := pv.DocumentOK()
		iv, err2 := doc.LookupErr("include")
		inc, ok4 := iv.ArrayOK()
		if ok1 && ok2 && err1 == nil && ok3 && err2 == nil && ok4 && id != "" {
			u.ID, u.FilterBy = id, fb
			if vals, err := inc.Values(); err == nil {
				for _, v := range vals {
					s, _ := v.StringValueOK()
					u.IncludeInputs = u.IncludeInputs || s == "inputs"
					u.IncludeOutputs = u.IncludeOutputs || s == "outputs"
				}
			}
			if fb == "seq_no" {
				if n, ok := bsonUint(params, "seq_no"); ok {
					u.SeqNo, u.fieldsOK = n, true
				}
			}
		}
	default:
		u.fieldsOK = true
	}
	return u, nil
}

// inputContainer is the signed {input, nonce, max_ledger_seq_no} container.
type inputContainer struct {
	Input        []byte
	Nonce        uint64
	MaxLedgerSeq uint64
}

// decodeInputContainer parses the container bytes as hpcore's extract_input_container does.
func decodeInputContainer(p protocol, data []byte) (inputContainer, error) {
	var c inputContainer
	if p == protoBSON {
		doc := bson.Raw(data)
		if err := doc.Validate(); err != nil {
			return c, errWireFormat
		}
		in, ok1 := hpwire.BSONBinary(doc, "input")
		n, ok2 := bsonUint(doc, "nonce")
		mx, ok3 := bsonUint(doc, "max_ledger_seq_no")
		if !ok1 || !ok2 || !ok3 || n == 0 {
			return c, errWireFormat
		}
		return inputContainer{Input: in, Nonce: n, MaxLedgerSeq: mx}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return c, errWireFormat
	}
	in, ok1 := jsonString(m, "input")
	n, ok2 := jsonUint(m, "nonce")
	mx, ok3 := jsonUint(m, "max_ledger_seq_no")
	if !ok1 || !ok2 || !ok3 || n == 0 {
		return c, errWireFormat
	}
	return inputContainer{Input: []byte(in), Nonce: n, MaxLedgerSeq: mx}, nil
}

func jsonString(m map[string]json.RawMessage, k string) (string, bool) {
	raw, ok := m[k]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func jsonBool(m map[string]json.RawMessage, k string) (bool, bool) {
	switch string(m[k]) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// jsonUint accepts only a plain non-negative integer literal, as jsoncons is<uint64_t>.
func jsonUint(m map[string]json.RawMessage, k string) (uint64, bool) {
	n, err := strconv.ParseUint(string(m[k]), 10, 64)
	return n, err == nil
}

// bsonUint accepts int32 or int64 ≥ 0 (jsoncons is_uint64 on decoded BSON).
func bsonUint(doc bson.Raw, k string) (uint64, bool) {
	v, err := doc.LookupErr(k)
	if err != nil {
		return 0, false
	}
	if n, ok := v.Int64OK(); ok && n >= 0 {
		return uint64(n), true
	}
	if n, ok := v.Int32OK(); ok && n >= 0 {
		return uint64(n), true
	}
	return 0, false
}

// ---- server → client builders ----

func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func encodeBSON(d bson.D) []byte {
	b, err := bson.Marshal(d)
	if err != nil {
		return nil
	}
	return b
}

func bin(b []byte) bson.Binary { return bson.Binary{Subtype: 0, Data: b} }

func buildUserChallenge(contractID, version, challenge string) []byte {
	return encodeJSON(struct {
		HPVersion       string `json:"hp_version"`
		Type            string `json:"type"`
		ContractID      string `json:"contract_id"`
		ContractVersion string `json:"contract_version"`
		Challenge       string `json:"challenge"`
	}{HPVersion, hpwire.MsgUserChallenge, contractID, version, challenge})
}

func buildServerChallengeResponse(sig []byte, pubHex string, unl []string) []byte {
	return encodeJSON(struct {
		Type   string   `json:"type"`
		Sig    string   `json:"sig"`
		PubKey string   `json:"pubkey"`
		UNL    []string `json:"unl"`
	}{hpwire.MsgServerChallengeResp, lowerHex(sig), pubHex, unl})
}

func buildInputStatus(p protocol, status, reason string, inputHash []byte, seq uint64, ledgerHash []byte) []byte {
	if p == protoBSON {
		d := bson.D{{Key: "type", Value: hpwire.MsgContractInputStatus}, {Key: "status", Value: status}}
		if reason != "" {
			d = append(d, bson.E{Key: "reason", Value: reason})
		}
		d = append(d, bson.E{Key: "input_hash", Value: bin(inputHash)})
		if seq > 0 {
			d = append(d, bson.E{Key: "ledger_seq_no", Value: int64(seq)}, bson.E{Key: "ledger_hash", Value: bin(ledgerHash)})
		}
		return encodeBSON(d)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"contract_input_status","status":"` + status + `",`)
	if reason != "" {
		b.WriteString(`"reason":"` + reason + `",`)
	}
	b.WriteString(`"input_hash":"` + lowerHex(inputHash) + `"`)
	if seq > 0 {
		b.WriteString(`,"ledger_seq_no":` + strconv.FormatUint(seq, 10) + `,"ledger_hash":"` + lowerHex(ledgerHash) + `"`)
	}
	b.WriteString("}")
	return b.Bytes()
}

func writeJSONOutput(b *bytes.Buffer, out []byte) {
	if hpwire.IsJSONLiteral(out) {
		b.Write(out)
		return
	}
	b.Write(encodeJSON(string(out)))
}

func buildContractOutput(p protocol, seq uint64, ledgerHash []byte, outputs [][]byte, outHash []byte, tree *mnode, sigs [][2][]byte) []byte {
	if p == protoBSON {
		outs := bson.A{}
		for _, o := range outputs {
			outs = append(outs, bin(o))
		}
		us := bson.A{}
		for _, s := range sigs {
			us = append(us, bson.A{bin(s[0]), bin(s[1])})
		}
		return encodeBSON(bson.D{
			{Key: "type", Value: hpwire.MsgContractOutput}, {Key: "ledger_seq_no", Value: int64(seq)},
			{Key: "ledger_hash", Value: bin(ledgerHash)}, {Key: "outputs", Value: outs},
			{Key: "output_hash", Value: bin(outHash)}, {Key: "hash_tree", Value: tree.bsonValue()},
			{Key: "unl_sig", Value: us},
		})
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"contract_output","ledger_seq_no":` + strconv.FormatUint(seq, 10) + `,"ledger_hash":"` + lowerHex(ledgerHash) + `","outputs":[`)
	for i, o := range outputs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONOutput(&b, o)
	}
	b.WriteString(`],"output_hash":"` + lowerHex(outHash) + `","hash_tree":`)
	b.Write(encodeJSON(tree.jsonValue()))
	b.WriteString(`,"unl_sig":[`)
	for i, s := range sigs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`["` + lowerHex(s[0]) + `","` + lowerHex(s[1]) + `"]`)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func buildReadResponse(p protocol, replyFor string, content []byte) []byte {
	if p == protoBSON {
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgContractReadResponse}, {Key: "reply_for", Value: replyFor}, {Key: "content", Value: bin(content)}})
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"contract_read_response","reply_for":`)
	b.Write(encodeJSON(replyFor))
	b.WriteString(`,"content":`)
	writeJSONOutput(&b, content)
	b.WriteString("}")
	return b.Bytes()
}

type statInfo struct {
	seq          uint64
	hash         []byte
	voteStatus   string
	roundtime    uint64
	execute      bool
	readRequests bool
	fullHistory  bool
	unl          [][]byte
}

func buildStatResponse(p protocol, s statInfo) []byte {
	if p == protoBSON {
		unl := bson.A{}
		for _, k := range s.unl {
			unl = append(unl, bin(k))
		}
		return encodeBSON(bson.D{
			{Key: "type", Value: hpwire.MsgStatResponse}, {Key: "hp_version", Value: HPVersion},
			{Key: "ledger_seq_no", Value: int64(s.seq)}, {Key: "ledger_hash", Value: bin(s.hash)},
			{Key: "vote_status", Value: s.voteStatus}, {Key: "round_time", Value: int64(s.roundtime)},
			{Key: "contract_execution_enabled", Value: s.execute}, {Key: "read_requests_enabled", Value: s.readRequests},
			{Key: "is_full_history_node", Value: s.fullHistory}, {Key: "weakly_connected", Value: false},
			{Key: "current_unl", Value: unl}, {Key: "peers", Value: bson.A{}},
		})
	}
	unl := make([]string, len(s.unl))
	for i, k := range s.unl {
		unl[i] = lowerHex(k)
	}
	return encodeJSON(struct {
		Type      string   `json:"type"`
		HPVersion string   `json:"hp_version"`
		Seq       uint64   `json:"ledger_seq_no"`
		Hash      string   `json:"ledger_hash"`
		Vote      string   `json:"vote_status"`
		RoundTime uint64   `json:"round_time"`
		Exec      bool     `json:"contract_execution_enabled"`
		ReadReq   bool     `json:"read_requests_enabled"`
		Full      bool     `json:"is_full_history_node"`
		Weak      bool     `json:"weakly_connected"`
		UNL       []string `json:"current_unl"`
		Peers     []string `json:"peers"`
	}{hpwire.MsgStatResponse, HPVersion, s.seq, lowerHex(s.hash), s.voteStatus, s.roundtime, s.execute, s.readRequests, s.fullHistory, false, unl, []string{}})
}

func buildLCLResponse(p protocol, seq uint64, hash []byte) []byte {
	if p == protoBSON {
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgLCLResponse}, {Key: "ledger_seq_no", Value: int64(seq)}, {Key: "ledger_hash", Value: bin(hash)}})
	}
	return encodeJSON(struct {
		Type string `json:"type"`
		Seq  uint64 `json:"ledger_seq_no"`
		Hash string `json:"ledger_hash"`
	}{hpwire.MsgLCLResponse, seq, lowerHex(hash)})
}

func buildUNLChange(p protocol, unl [][]byte) []byte {
	if p == protoBSON {
		a := bson.A{}
		for _, k := range unl {
			a = append(a, bin(k))
		}
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgUNLChange}, {Key: "unl", Value: a}})
	}
	s := make([]string, len(unl))
	for i, k := range unl {
		s[i] = lowerHex(k)
	}
	return encodeJSON(struct {
		Type string   `json:"type"`
		UNL  []string `json:"unl"`
	}{hpwire.MsgUNLChange, s})
}

func ledgerFieldsBSON(l *ledgerRecord) bson.D {
	return bson.D{
		{Key: "seq_no", Value: int64(l.SeqNo)}, {Key: "timestamp", Value: int64(l.Timestamp)},
		{Key: "hash", Value: bin(l.Hash)}, {Key: "prev_hash", Value: bin(l.PrevHash)},
		{Key: "state_hash", Value: bin(l.StateHash)}, {Key: "config_hash", Value: bin(l.ConfigHash)},
		{Key: "user_hash", Value: bin(l.UserHash)}, {Key: "input_hash", Value: bin(l.InputHash)},
		{Key: "output_hash", Value: bin(l.OutputHash)},
	}
}

type ledgerJSON struct {
	SeqNo      uint64 `json:"seq_no"`
	Timestamp  uint64 `json:"timestamp"`
	Hash       string `json:"hash"`
	PrevHash   string `json:"prev_hash"`
	StateHash  string `json:"state_hash"`
	ConfigHash string `json:"config_hash"`
	UserHash   string `json:"user_hash"`
	InputHash  string `json:"input_hash"`
	OutputHash string `json:"output_hash"`
}

func ledgerFieldsJSON(l *ledgerRecord) ledgerJSON {
	return ledgerJSON{l.SeqNo, l.Timestamp, lowerHex(l.Hash), lowerHex(l.PrevHash), lowerHex(l.StateHash),
		lowerHex(l.ConfigHash), lowerHex(l.UserHash), lowerHex(l.InputHash), lowerHex(l.OutputHash)}
}

func buildLedgerCreated(p protocol, l *ledgerRecord) []byte {
	if p == protoBSON {
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgLedgerEvent}, {Key: "event", Value: "ledger_created"}, {Key: "ledger", Value: ledgerFieldsBSON(l)}})
	}
	return encodeJSON(struct {
		Type   string     `json:"type"`
		Event  string     `json:"event"`
		Ledger ledgerJSON `json:"ledger"`
	}{hpwire.MsgLedgerEvent, "ledger_created", ledgerFieldsJSON(l)})
}

func buildVoteStatus(p protocol, status string) []byte {
	if p == protoBSON {
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgLedgerEvent}, {Key: "event", Value: "vote_status"}, {Key: "vote_status", Value: status}})
	}
	return encodeJSON(struct {
		Type  string `json:"type"`
		Event string `json:"event"`
		Vote  string `json:"vote_status"`
	}{hpwire.MsgLedgerEvent, "vote_status", status})
}

func buildLedgerQueryResult(p protocol, replyFor string, results []*ledgerRecord, inputs, outputs bool) []byte {
	if p == protoBSON {
		rs := bson.A{}
		for _, l := range results {
			d := ledgerFieldsBSON(l)
			if inputs {
				a := bson.A{}
				for _, in := range l.Inputs {
					a = append(a, bson.D{{Key: "pubkey", Value: bin(in.PubKey)}, {Key: "hash", Value: bin(in.Hash)}, {Key: "nonce", Value: int64(in.Nonce)}, {Key: "blob", Value: bin(in.Blob)}})
				}
				d = append(d, bson.E{Key: "inputs", Value: a})
			}
			if outputs {
				a := bson.A{}
				for _, o := range l.Outputs {
					blobs := bson.A{}
					for _, b := range o.Blobs {
						blobs = append(blobs, bin(b))
					}
					a = append(a, bson.D{{Key: "pubkey", Value: bin(o.PubKey)}, {Key: "hash", Value: bin(o.Hash)}, {Key: "blobs", Value: blobs}})
				}
				d = append(d, bson.E{Key: "outputs", Value: a})
			}
			rs = append(rs, d)
		}
		return encodeBSON(bson.D{{Key: "type", Value: hpwire.MsgLedgerQueryResult}, {Key: "reply_for", Value: replyFor}, {Key: "error", Value: nil}, {Key: "results", Value: rs}})
	}
	type inJ struct {
		PubKey string `json:"pubkey"`
		Hash   string `json:"hash"`
		Nonce  uint64 `json:"nonce"`
		Blob   string `json:"blob"`
	}
	type outJ struct {
		PubKey string   `json:"pubkey"`
		Hash   string   `json:"hash"`
		Blobs  []string `json:"blobs"`
	}
	type resJ struct {
		ledgerJSON
		Inputs  *[]inJ  `json:"inputs,omitempty"`
		Outputs *[]outJ `json:"outputs,omitempty"`
	}
	rs := []resJ{}
	for _, l := range results {
		r := resJ{ledgerJSON: ledgerFieldsJSON(l)}
		if inputs {
			a := []inJ{}
			for _, in := range l.Inputs {
				a = append(a, inJ{lowerHex(in.PubKey), lowerHex(in.Hash), in.Nonce, lowerHex(in.Blob)})
			}
			r.Inputs = &a
		}
		if outputs {
			a := []outJ{}
			for _, o := range l.Outputs {
				blobs := []string{}
				for _, b := range o.Blobs {
					blobs = append(blobs, lowerHex(b))
				}
				a = append(a, outJ{lowerHex(o.PubKey), lowerHex(o.Hash), blobs})
			}
			r.Outputs = &a
		}
		rs = append(rs, r)
	}
	return encodeJSON(struct {
		Type     string  `json:"type"`
		ReplyFor string  `json:"reply_for"`
		Error    *string `json:"error"`
		Results  []resJ  `json:"results"`
	}{hpwire.MsgLedgerQueryResult, replyFor, nil, rs})
}
