// Package lease is the Evernode lease protocol for both sides: lease token
// URIs and ids, offers, the tenant's acquire / extend / terminate with their
// answers awaited on a subscription, the host's mint-and-offer, answers,
// refunds and expiry, and lease events read from validated transactions.
//
// Start with NewTenant (acquire, extend, terminate) or NewHost (mint, offer,
// answer) over an evernode.Client; ExampleTenant_Acquire shows both sides on
// a localnet.
//
// # Tokens
//
// Leases are URITokens on Xahau (protocol v0.6, wire-compatible with
// evernode-js-client 0.6.61 and sashimono's message board) or XLS-20
// NFTokens with a DEX sell offer (the original design). Host and Tenant pick
// the standard from the network's chain unless told; the API is the same.
// NFToken payloads follow the 0.5 client: always encrypted, with no
// 0x00/0x01 frame byte; their URIs are the 34-byte NFT layout. The hook
// parameters (evnAcquireLease, …) and memos are the same for both.
//
// # Money
//
// Amounts are exact decimals, never floats. Sashimono hosts credit an
// extension as floor(float64(paid) / float64(price)) (MomentsPaid), which
// under-credits the exact moments × price for many prices, so ExtendAmount
// pays the smallest exact amount, not below that price, that they credit as
// the moments asked for (3 × 0.1 costs 0.3000000000000001). Only EVR from the
// configured issuer counts: ExtractEvent with ExtractOptions.EVRIssuer
// ignores look-alike currencies and issuers, counts a partial payment at
// what it delivered, and the host refuses with a refund an acquire whose
// paid amount differs from the URI price.
//
// # Waiting
//
// Tenant.Acquire and Tenant.Extend subscribe to the tenant's account before
// submitting and read the host's answer from that subscription (no polling),
// accepting only an answer sent by the host that references the request.
// They wait TenantConfig.Timeout (default 300 s, as the JS client).
//
// Nothing here holds global state or logs unless given a *slog.Logger.
// Decoders never panic on input.
package lease
