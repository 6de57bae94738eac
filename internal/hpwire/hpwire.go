// Package hpwire holds what the HotPocket node (internal/hotpocket) and the
// client (package contract) must agree on: key text forms, the list hash,
// the JSON embedding rule for outputs, input reject reasons and the
// bootstrap contract's message types and error codes. It is small on
// purpose: a wallet that embeds package contract links this, not the node.
package hpwire

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"lukechampine.com/blake3"
)

// ErrKey is returned for a malformed ed-hex key.
var ErrKey = errors.New("hotpocket: invalid key")

// keyPrefix is HotPocket's key-type byte for ed25519 (crypto::KEYPFX_ed25519).
const keyPrefix = 0xED

// Message types of the user protocol (hpcore usrmsg_common.hpp).
const (
	MsgUserChallenge         = "user_challenge"
	MsgUserChallengeResponse = "user_challenge_response"
	MsgServerChallengeResp   = "server_challenge_response"
	MsgContractInput         = "contract_input"
	MsgContractInputStatus   = "contract_input_status"
	MsgContractOutput        = "contract_output"
	MsgContractReadRequest   = "contract_read_request"
	MsgContractReadResponse  = "contract_read_response"
	MsgStat                  = "stat"
	MsgStatResponse          = "stat_response"
	MsgLCL                   = "lcl"
	MsgLCLResponse           = "lcl_response"
	MsgSubscription          = "subscription"
	MsgUNLChange             = "unl_change"
	MsgLedgerEvent           = "ledger_event"
	MsgHealthEvent           = "health_event"
	MsgLedgerQuery           = "ledger_query"
	MsgLedgerQueryResult     = "ledger_query_result"
)

// Input reject reasons (spec §1.6).
const (
	ReasonBadMsgFormat            = "bad_msg_format"
	ReasonInvalidMsgType          = "invalid_msg_type"
	ReasonBadSig                  = "bad_sig"
	ReasonMaxLedgerExpired        = "max_ledger_expired"
	ReasonMaxLedgerOffsetExceeded = "max_ledger_offset_exceeded"
	ReasonNonceExpired            = "nonce_expired"
	ReasonAlreadySubmitted        = "already_submitted"
	ReasonRoundInputsOverflow     = "round_inputs_overflow"
)

// Bootstrap contract protocol (evernode-bootstrap-contract bootstrap_contract.cpp and
// bootstrap_upgrade.sh, spec §2.2). Inputs and outputs are BSON {type, status, message}.
const (
	BootstrapStatusOK   = "ok"
	BootstrapStatusFail = "fail"

	BootstrapUploadResult  = "uploadResult"
	BootstrapStatusResult  = "statusResult"
	BootstrapUnknownResult = "unknownResult"

	BootstrapUploadSuccess  = "UploadSuccess"
	BootstrapOnline         = "Bootstrap contract is online"
	ErrCodeUserNotAllowed   = "UserNotAllowed"
	ErrCodeInvalidMsgType   = "InvalidMessageType"
	ErrCodeInternal         = "InternalError"
	ErrCodeBundleFailed     = "BundleFailed"
	ErrCodeSyscallFailed    = "SyscallFailed" // never produced: unzip runs in-process
	ErrCodeUnzipFailed      = "UnzipFailed"
	ErrCodeHpCfgRead        = "HpCfgReadFailed"
	ErrCodeHpCfgJSON        = "HpCfgJsonFailed"
	ErrCodeContractCfgRead  = "ContractCfgReadFailed"
	ErrCodeContractCfgJSON  = "ContractCfgJsonFailed"
	ErrCodeContractCfgCreat = "ContractCfgCreateFailed"
	ErrCodeContractCfgWrite = "ContractCfgWriteFailed"
	ErrCodePeerListUpdate   = "PeerListUpdateFailed" // never produced: the control channel is in-process
	ErrCodeScriptFailed     = "ScriptFailed"

	// Late failures, reported one round after UploadSuccess.
	ErrCodeJqNotFound            = "JqBundleNotFound" // never produced: the upgrade runs natively
	ErrCodeBinPathEmpty          = "BinPathEmpty"
	ErrCodeBinaryNotFound        = "BinaryNotFound"
	ErrCodeInvalidBinArgs        = "InvalidBinArgs"
	ErrCodeInvalidEnvFormat      = "InvalidEnvFormat"
	ErrCodeInvalidVersion        = "InvalidVersion"
	ErrCodeInvalidMaxInputOffset = "InvalidMaxInputLedgerOffset"
	ErrCodeInvalidUNLPubkey      = "InvalidUnlPubkey"
	ErrCodeInvalidConsensusMode  = "InvalidConsensusMode"
	ErrCodeInvalidRoundtime      = "InvalidConsensusRoundtime"
	ErrCodeInvalidStageSlice     = "InvalidConsensusStageSlice"
	ErrCodeInvalidThreshold      = "InvalidConsensusThreshold"
	ErrCodeInvalidFallbackExec   = "InvalidConsensusFallbackExecution"
	ErrCodeInvalidNPLMode        = "InvalidNplMode"
	ErrCodeInvalidUserInputBytes = "InvalidUserInputBytes"
	ErrCodeInvalidUserOutBytes   = "InvalidUserOutputBytes"
	ErrCodeInvalidNPLOutBytes    = "InvalidNplOutputBytes"
	ErrCodeInvalidProcCPUSeconds = "InvalidProcCpuSeconds"
	ErrCodeInvalidProcMemBytes   = "InvalidProcMemBytes"
	ErrCodeInvalidProcOFDCount   = "InvalidProcOfdCount"
	ErrCodeInstallScriptFailed   = "InstallScriptFailed"
)

// ParsePublicKey decodes an "ed"-prefixed hex public key (66 chars) to the raw 32-byte key.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	if len(s) != 66 {
		return nil, fmt.Errorf("%w: public key must be 66 hex chars", ErrKey)
	}
	b, err := hex.DecodeString(s)
	if err != nil || b[0] != keyPrefix {
		return nil, fmt.Errorf("%w: public key must be ed-prefixed hex", ErrKey)
	}
	return ed25519.PublicKey(b[1:]), nil
}

// PublicKeyHex returns the "ed"-prefixed lowercase hex form of a public key.
func PublicKeyHex(pub ed25519.PublicKey) string { return "ed" + hex.EncodeToString(pub) }

// Hash is BLAKE3-256 over the concatenation of parts: HotPocket's crypto::get_hash and what
// hotpocket-js-client computes for input and output hashes and hash trees.
func Hash(parts ...[]byte) []byte {
	h := blake3.New(32, nil)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// ListHash is HotPocket's crypto::get_list_hash, used for ledger fields: Hash of the parts,
// except that an empty list hashes to 32 zero bytes.
func ListHash(parts ...[]byte) []byte {
	if len(parts) == 0 {
		return make([]byte, 32)
	}
	return Hash(parts...)
}

// IsJSONLiteral is the inverse of hpcore's is_json_string: such outputs are embedded raw in
// JSON messages, everything else is escaped into a JSON string.
func IsJSONLiteral(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	first, last := s[0], s[len(s)-1]
	if len(s) >= 2 && ((first == '"' && last == '"') || (first == '{' && last == '}') || (first == '[' && last == ']')) {
		return true
	}
	if string(s) == "true" || string(s) == "false" {
		return true
	}
	dot := false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// BSONString returns the string field k of a BSON document.
func BSONString(doc bson.Raw, k string) (string, bool) {
	v, err := doc.LookupErr(k)
	if err != nil {
		return "", false
	}
	return v.StringValueOK()
}

// BSONBinary returns the binary field k of a BSON document.
func BSONBinary(doc bson.Raw, k string) ([]byte, bool) {
	v, err := doc.LookupErr(k)
	if err != nil {
		return nil, false
	}
	_, b, ok := v.BinaryOK()
	return b, ok
}
