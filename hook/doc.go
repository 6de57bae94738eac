// Package hook reads and writes the state and transactions of the Evernode
// hooks: the governor's configuration, the host registry, moments and host
// activeness, and the host-side transactions (register, update, heartbeat,
// deregister, transfer, rebate, reputation).
//
// Start with LoadConfig: the governor's configuration names the registry,
// heartbeat and EVR issuer accounts, the fees and the moment size that every
// other call here reads from. Then Hosts lists the registry for a tenant, and
// Register and Heartbeat build a host's transactions.
//
// # State
//
// All Evernode registry state lives on the governor account in the namespace
// SHA-256("evernode.org|registry"); the reputation hook keeps its rounds on
// the reputation account in the same namespace, and a host's delegate hook
// keeps its reputation contract info in SHA-256("evernode.org|host-delegate").
// Every key has a builder here (HostAddrKey, TokenIDKey, ConfigKey, …) and
// every value a typed Go struct with Decode and Encode. Integers are little
// endian and amounts XFL, as the hooks write them. Older, shorter entries
// decode the way evernode-js-client reads them: tail fields are optional, and
// Encode writes a value back at the length it was read.
//
// DecodeState dispatches on the key like the JS client's
// StateHelpers.decodeStateData, and its result marshals to the same JSON, so
// tools written against either SDK can exchange decoded state.
//
// # Reads and transactions
//
// LoadConfig, Host, Hosts and IsRegistered read over an *evernode.Client. The
// transaction builders (Register, UpdateRegInfo, Heartbeat, …) return
// unsigned typed evernode transactions with only Account set: the client's
// autofill adds Sequence, Fee and LastLedgerSequence at submission. Their hook
// parameters are byte-for-byte those of evernode-js-client 0.6.61.
//
// Nothing in this package holds global state; every function is safe for
// concurrent use.
package hook
