// Package memo is the Evernode message codec: event type names, XRPL memos and
// hook parameters in the exact wire forms of evernode-js-client 0.6.61, the
// acquire payload framing, the typed payloads that tenants and hosts exchange,
// and encryption of those payloads to an account key.
//
// Most programs use it through package lease. Call it directly to read
// Evernode memos and hook parameters (ParseWire, Params), or to seal and open
// payloads (Seal, Open) with a KeyHolder of your own.
//
// The package is pure: it does no I/O and imports nothing networked, so a
// wallet can embed it. Every decoder returns an error on bad input and never
// panics.
//
// # Memos and hook parameters
//
// Since protocol 0.6 the hooks read only hook parameters: the event type
// (ASCII), its data and a second data chunk, under 32-byte names "EVR" 0x01
// … index. Memos carry what the hooks never read: acquire requests and
// answers, errors and the new expiry of an extension. A Memo holds the bytes
// that go on the ledger; Memo.Wire and ParseWire convert to and from the hex
// JSON form (MemoType, MemoFormat, MemoData). A "base64" memo carries the
// base64 text itself as its data, which the JS client then hex-encodes again.
//
// # Encryption
//
// Payloads are sealed to the receiver's MessageKey: a libsodium sealed box for
// ed25519 keys, eccrypto-style ECIES for secp256k1 keys. Open takes a
// KeyHolder, so the private key can stay in a hardware wallet.
package memo
