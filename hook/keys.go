package hook

import (
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"

	"github.com/evernode-go/sdk/internal/codec"
)

// Namespaces of the Evernode hooks, as 64 hex digits.
const (
	// NamespaceHex holds all governor, registry, heartbeat and reputation
	// state: SHA-256("evernode.org|registry").
	NamespaceHex = "01EAF09326B4911554384121FF56FA8FECC215FDDE2EC35D9E59F2C53EC665A0"
	// HostReputationNamespaceHex is the namespace of a host's delegate
	// hook (reputation contract info): SHA-256("evernode.org|host-delegate").
	HostReputationNamespaceHex = "2BC6C2BBAC00E254AA5F2E855AD6F25BFF556EE8EEC9C82918EBCFA01FD05507"
)

// Namespace returns the Evernode registry namespace.
func Namespace() [32]byte { n, _ := decodeHex32(NamespaceHex); return n }

// HostReputationNamespace returns the host delegate hook's namespace.
func HostReputationNamespace() [32]byte { n, _ := decodeHex32(HostReputationNamespaceHex); return n }

// Key is a 32-byte hook state key.
type Key [32]byte

// String returns the key as upper-case hex, the form the ledger shows.
func (k Key) String() string { return upperHex(k[:]) }

// ParseKey reads a key from hex (either case). Keys shorter than 32 bytes
// are left-padded with zeros, as the hooks store them.
func ParseKey(s string) (Key, error) {
	var k Key
	b, err := hex.DecodeString(s)
	if err != nil || len(b) > 32 {
		return k, malformed("state key %q", s)
	}
	copy(k[32-len(b):], b)
	return k, nil
}

// Key type bytes (offset 3, after "EVR").
const (
	keyConfig         byte = 0x01
	keyTokenID        byte = 0x02
	keyHostAddr       byte = 0x03
	keyTransfereeAddr byte = 0x04
	keyCandidateOwner byte = 0x05
	keyCandidateID    byte = 0x06
	keyRepContract    byte = 0x02 // delegate hook, own namespace
)

// ConfigIndex is the last byte of a configuration key.
type ConfigIndex byte

// Configuration keys (EVR 01 00… index). The JS names are in comments.
const (
	ConfEVRIssuerAddr           ConfigIndex = 0x01 // EVR_ISSUER_ADDR
	ConfFoundationAddr          ConfigIndex = 0x02 // FOUNDATION_ADDR
	ConfMomentSize              ConfigIndex = 0x03 // MOMENT_SIZE
	ConfMintLimit               ConfigIndex = 0x04 // MINT_LIMIT
	ConfFixedRegFee             ConfigIndex = 0x05 // FIXED_REG_FEE
	ConfHostHeartbeatFreq       ConfigIndex = 0x06 // HOST_HEARTBEAT_FREQ
	ConfLeaseAcquireWindow      ConfigIndex = 0x07 // LEASE_ACQUIRE_WINDOW
	ConfRewardConfiguration     ConfigIndex = 0x08 // REWARD_CONFIGURATION
	ConfMaxTolerableDowntime    ConfigIndex = 0x09 // MAX_TOLERABLE_DOWNTIME
	ConfMomentTransitInfo       ConfigIndex = 0x0A // MOMENT_TRANSIT_INFO
	ConfMaxTrxEmissionFee       ConfigIndex = 0x0B // MAX_TRX_EMISSION_FEE
	ConfHeartbeatAddr           ConfigIndex = 0x0C // HEARTBEAT_ADDR
	ConfRegistryAddr            ConfigIndex = 0x0D // REGISTRY_ADDR
	ConfGovernanceConfiguration ConfigIndex = 0x0E // GOVERNANCE_CONFIGURATION
	ConfNetworkConfiguration    ConfigIndex = 0x0F // NETWORK_CONFIGURATION
	ConfReputationAddr          ConfigIndex = 0x10 // REPUTATION_ADDR
)

// Singleton is the type byte of a singleton key (EVR type 00…).
type Singleton byte

// Singleton keys. The JS names are in comments.
const (
	SingletonHostCount      Singleton = 0x32 // HOST_COUNT
	SingletonMomentBaseInfo Singleton = 0x33 // MOMENT_BASE_INFO
	SingletonHostRegFee     Singleton = 0x34 // HOST_REG_FEE
	SingletonMaxReg         Singleton = 0x35 // MAX_REG (deprecated)
	SingletonRewardInfo     Singleton = 0x36 // REWARD_INFO
	SingletonGovernanceInfo Singleton = 0x37 // GOVERNANCE_INFO
	SingletonTrxFeeBaseInfo Singleton = 0x38 // TRX_FEE_BASE_INFO
)

// ConfigName returns the JS HookStateKeys name of a configuration index
// ("MOMENT_SIZE"), or "" if unknown.
func ConfigName(i ConfigIndex) string {
	switch i {
	case ConfEVRIssuerAddr:
		return "EVR_ISSUER_ADDR"
	case ConfFoundationAddr:
		return "FOUNDATION_ADDR"
	case ConfMomentSize:
		return "MOMENT_SIZE"
	case ConfMintLimit:
		return "MINT_LIMIT"
	case ConfFixedRegFee:
		return "FIXED_REG_FEE"
	case ConfHostHeartbeatFreq:
		return "HOST_HEARTBEAT_FREQ"
	case ConfLeaseAcquireWindow:
		return "LEASE_ACQUIRE_WINDOW"
	case ConfRewardConfiguration:
		return "REWARD_CONFIGURATION"
	case ConfMaxTolerableDowntime:
		return "MAX_TOLERABLE_DOWNTIME"
	case ConfMomentTransitInfo:
		return "MOMENT_TRANSIT_INFO"
	case ConfMaxTrxEmissionFee:
		return "MAX_TRX_EMISSION_FEE"
	case ConfHeartbeatAddr:
		return "HEARTBEAT_ADDR"
	case ConfRegistryAddr:
		return "REGISTRY_ADDR"
	case ConfGovernanceConfiguration:
		return "GOVERNANCE_CONFIGURATION"
	case ConfNetworkConfiguration:
		return "NETWORK_CONFIGURATION"
	case ConfReputationAddr:
		return "REPUTATION_ADDR"
	}
	return ""
}

// SingletonName returns the JS HookStateKeys name of a singleton
// ("HOST_COUNT"), or "" if unknown.
func SingletonName(s Singleton) string {
	switch s {
	case SingletonHostCount:
		return "HOST_COUNT"
	case SingletonMomentBaseInfo:
		return "MOMENT_BASE_INFO"
	case SingletonHostRegFee:
		return "HOST_REG_FEE"
	case SingletonMaxReg:
		return "MAX_REG"
	case SingletonRewardInfo:
		return "REWARD_INFO"
	case SingletonGovernanceInfo:
		return "GOVERNANCE_INFO"
	case SingletonTrxFeeBaseInfo:
		return "TRX_FEE_BASE_INFO"
	}
	return ""
}

func evrKey(typ byte) Key {
	var k Key
	copy(k[:], "EVR")
	k[3] = typ
	return k
}

// ConfigKey returns the key of a configuration value.
func ConfigKey(i ConfigIndex) Key {
	k := evrKey(keyConfig)
	k[31] = byte(i)
	return k
}

// SingletonKey returns the key of a singleton value.
func SingletonKey(s Singleton) Key { return evrKey(byte(s)) }

// accountKey is EVR ‖ type ‖ 8 zero bytes ‖ account ID.
func accountKey(typ byte, a AccountID) Key {
	k := evrKey(typ)
	copy(k[12:], a[:])
	return k
}

// HostAddrKey returns the key of a host's registration entry (HOST_ADDR).
func HostAddrKey(host AccountID) Key { return accountKey(keyHostAddr, host) }

// TokenIDKey returns the key of a host's entry by registration URIToken id
// (TOKEN_ID): EVR 02 ‖ tokenID[4:32].
func TokenIDKey(tokenID [32]byte) Key {
	k := evrKey(keyTokenID)
	copy(k[4:], tokenID[4:])
	return k
}

// TransfereeAddrKey returns the key of a pending transfer to transferee.
func TransfereeAddrKey(transferee AccountID) Key { return accountKey(keyTransfereeAddr, transferee) }

// CandidateOwnerKey returns the key of a governance candidate by its owner.
func CandidateOwnerKey(owner AccountID) Key { return accountKey(keyCandidateOwner, owner) }

// CandidateIDKey returns the key of a governance candidate by its id:
// EVR 06 ‖ id[4:32].
func CandidateIDKey(id [32]byte) Key {
	k := evrKey(keyCandidateID)
	copy(k[4:], id[4:])
	return k
}

// ReputationHostAddrKey returns the reputation hook's key of a host's
// score (12 zero bytes ‖ account ID), on the reputation account.
func ReputationHostAddrKey(host AccountID) Key {
	var k Key
	copy(k[12:], host[:])
	return k
}

// ReputationOrderAddressKey returns the reputation hook's key of a host's
// ordered id in a moment (4 zero bytes ‖ moment LE ‖ account ID).
func ReputationOrderAddressKey(host AccountID, moment uint64) Key {
	var k Key
	binary.LittleEndian.PutUint64(k[4:], moment)
	copy(k[12:], host[:])
	return k
}

// ReputationOrderedIDKey returns the reputation hook's key of the host
// holding an ordered id in a moment (16 zero bytes ‖ moment ‖ id, LE).
func ReputationOrderedIDKey(orderedID, moment uint64) Key {
	var k Key
	binary.LittleEndian.PutUint64(k[16:], moment)
	binary.LittleEndian.PutUint64(k[24:], orderedID)
	return k
}

// ReputationHostCountKey returns the reputation hook's key of a moment's
// host count (24 zero bytes ‖ moment LE).
func ReputationHostCountKey(moment uint64) Key {
	var k Key
	binary.LittleEndian.PutUint64(k[24:], moment)
	return k
}

// ReputationContractInfoKey returns the delegate hook's key of a host's
// reputation contract info (EVR 02 ‖ 8 zero bytes ‖ account ID), stored on
// a one-to-many reputation account in HostReputationNamespace.
func ReputationContractInfoKey(host AccountID) Key { return accountKey(keyRepContract, host) }

// StateIndex returns the ledger index of a hook state entry:
// SHA-512Half(0x0076 ‖ account ‖ key ‖ namespace).
func StateIndex(account AccountID, key Key, namespace [32]byte) [32]byte {
	return codec.SHA512Half([]byte{0x00, 0x76}, account[:], key[:], namespace[:])
}

// StateIndexHex is StateIndex as upper-case hex, the form ledger_entry takes.
func StateIndexHex(account AccountID, key Key, namespace [32]byte) string {
	i := StateIndex(account, key, namespace)
	return upperHex(i[:])
}

// CandidateType is byte 4 of a governance candidate id.
type CandidateType byte

// Candidate types.
const (
	CandidateNewHook     CandidateType = 1
	CandidatePilotedMode CandidateType = 2
	CandidateDudHost     CandidateType = 3
)

// NewHookCandidateID returns the id of a hook-update proposal: type 1 and
// bytes 5–31 of SHA-512Half over the four 32-byte hook hashes (governor,
// registry, heartbeat, reputation).
func NewHookCandidateID(hashes [128]byte) [32]byte {
	return newHookCandidateID(hashes[:])
}

func newHookCandidateID(b []byte) [32]byte {
	h := sha512.Sum512(b)
	var id [32]byte
	id[4] = byte(CandidateNewHook)
	copy(id[5:], h[5:32])
	return id
}

// PilotedModeCandidateID returns the id of the vote to fall back to piloted
// governance: type 2 and bytes 5–31 of the namespace.
func PilotedModeCandidateID() [32]byte {
	ns := Namespace()
	var id [32]byte
	id[4] = byte(CandidatePilotedMode)
	copy(id[5:], ns[5:])
	return id
}

// DudHostCandidateID returns the id of a report against a dud host: type 3
// and the host's account ID in bytes 12–31.
func DudHostCandidateID(host AccountID) [32]byte {
	var id [32]byte
	id[4] = byte(CandidateDudHost)
	copy(id[12:], host[:])
	return id
}

// CandidateTypeOf returns the type byte of a candidate id.
func CandidateTypeOf(id [32]byte) CandidateType { return CandidateType(id[4]) }
