// Package evernode is the root of the Evernode Go SDK: networks, amounts,
// signers and wallets, the XRPL/Xahau transactions that every other package
// builds and signs, and the client that talks to a node.
//
// Start with a Network (Mainnet, Testnet, Devnet, or Local for a node of
// your own), Dial it for a Client, and sign with a Signer: a Wallet from
// WalletFromSeed, or your own (a hardware wallet). For tests, package
// github.com/evernode-go/sdk/evernode/localnet runs a network in-process.
//
// # Networks and encodings
//
// Xahau and the XRP Ledger share the binary format but not its definitions:
// transaction codes 45–49, several field codes and many result codes differ.
// Every encoding here is chosen per Network, never by patching a process-wide
// table, so one program can hold a Xahau and an XRPL connection at the same
// time (a wallet does).
//
// # Transactions
//
// Each transaction type is a struct (Payment, URITokenBuy, NFTokenMint, …)
// whose Common part carries the account, sequence, fee, memos and hook
// parameters. Sign fills in the signing key, asks a Signer for the signature
// and returns the blob and hash; EncodeForSigning gives the bytes an external
// signer (a hardware wallet) signs. Raw carries any other transaction as its
// JSON form.
//
// # The client
//
// Dial connects to a node over websocket JSON-RPC (API version 1 by
// default; results of version 2 are understood too). Its typed calls page
// through results; Prepare fills in Sequence, the hook-aware Fee,
// LastLedgerSequence and NetworkID; SubmitAndWait signs, submits and follows
// a transaction to its validated result, retrying only in ways that can
// never apply two of its blobs. SubscribeAccounts delivers an account's
// validated transactions in ledger order, each once, across reconnections.
// A Client is safe for concurrent use; Close releases it.
//
// On Xahau, Payment and TrustSet always carry Memos and HookParameters, and
// AccountSet HookParameters, possibly empty, exactly as evernode-js-client
// builds them, so that the same transaction gives the same hash from either
// SDK.
package evernode
