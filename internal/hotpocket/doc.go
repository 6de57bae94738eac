// Package hotpocket is a single-node runtime that behaves like HotPocket 0.6.4 towards
// tenants and contracts. The in-memory instance provisioner uses it in process and
// cmd/hpnode runs it as a static binary inside the Docker test image.
//
// What it implements (spec/hotpocket.md):
//
//   - The user protocol on user.port over TLS (cfg/tlscert.pem, tlskey.pem), exactly as
//     hotpocket-js-client 0.5.7 speaks it: the JSON challenge handshake with the server's
//     signed challenge response, then JSON or BSON per connection; contract_input with all
//     reject reasons and statuses keyed by BLAKE3(sig); contract_output with the output hash,
//     the collapsed hash tree and the node signature; read requests; stat; lcl; ledger_event
//     and unl_change subscriptions; ledger_query; user.max_bytes_per_msg (the connection is
//     closed with status 1009).
//   - The hp.cfg user limits as hpcore enforces them: max_connections (verified users, checked
//     at connect), 64 users at most (MAX_USER_COUNT), max_in_connections_per_host,
//     max_bytes_per_msg, max_bytes_per_min and max_bad_msgs_per_min (hpcore's per-minute
//     windows; 0 disables and keeps nothing), idle_timeout (no message in or out for that
//     long closes the connection), concurrent_read_requests, and round_limits.user_input_bytes
//     per user and round at submission and again at round close.
//   - Bounds hpcore gets from running hpws per connection, made explicit because this node
//     serves every connection from one process: until the challenge is answered a frame may
//     hold 4 KiB; a connection has 5 s from TCP accept to answer (TLS and HTTP upgrade
//     included); at most 32 connections are unverified at once, and a new one beyond that
//     closes the oldest of the host holding the most; the owner key (the bootstrap contract's
//     bin_args, or Options.Owner) is admitted beyond the 64-user cap and max_connections;
//     while a round's submitted inputs reach 64 MiB, or a user's reach max_bytes_per_msg with
//     user_input_bytes 0 (unlimited), the node reads no further message from the user until
//     the round closes (TCP pushes back; nothing is rejected); queued read requests hold at
//     most 64 MiB and a client that does not read is dropped at 32 MiB queued.
//   - Rounds: a ledger closes at every contract.consensus.roundtime boundary of the clock
//     (hpcore's round windows; a round whose work runs past a boundary skips it), with a
//     BLAKE3 hash chain persisted in ledger_fs/seed/primary/lcl.json; accepted statuses and
//     the previous execution's outputs go out, a changed patch.cfg is applied to hp.cfg,
//     then the contract runs.
//   - The Evernode bootstrap contract, natively, when bin_path is "bootstrap_contract" and the
//     state directory holds the marker file written by Provision: status and upload from the
//     owner key only, BSON in and out, every error code of the real contract, the upgrade
//     script's validation and patch.cfg merge, install.sh, and the late failure report.
//   - Any other contract runs as a child process per round (and per read request) with the
//     HotPocket execution interface: stdin JSON arguments, inputs in a memfd, framed output
//     sockets, control and NPL sockets, working directory = state directory, environment =
//     contract.environment only, round_limits.exec_timeout and the proc_* rlimits.
//
// Ledgers hash as hpcore's do: get_list_hash of an empty user or input list is 32 zero bytes,
// the group nonce is the list hash of the node nonces (one node: BLAKE3 of its own
// BLAKE3(64 random bytes) nonce, fresh each round), and an input's nonce is checked at
// submission but recorded at round close (usr.cpp passes no_add=true), so two inputs with one
// nonce in one round are decided at close. What still differs from hpcore: the state hash
// is a hash over the state directory's paths, modes and contents, not hpfs's Merkle hash; the
// ledger time is the node's clock when the round closes, not a voted round start; unl_sig
// holds this node's signature only. An input is accepted with the first ledger that closes
// after it is in and its signature checked (the check runs on arrival, outside the node
// lock): between 0 and 1 round after arrival, where hpcore takes 1.5 to 2.5 rounds (its
// stage 2 or stage 0 non-UNL proposal carries the input into the next round's stage 0
// proposal, and that ledger closes at the stage 0 after). A ledger's raw inputs are written
// after its statuses are queued, still before any ledger_query can read the ledger.
//
// What it does not: there is no peer network, hpfs or multi-node consensus. Each node closes
// every round alone, as a one-node UNL would, whatever contract.unl lists; clusters built on
// it are configured (shared UNL, known peers) but every node runs on its own, and peer
// changesets and NPL messages are dropped. The hpfs seed directories are used directly as
// the live state (contract_fs/seed/state, patch file contract_fs/seed/patch.cfg). Ledger
// headers for ledger_query are kept in memory (256 ledgers) and the raw inputs and outputs of
// the last 16 on disk (ledger_fs/seed/raw/evernode-go), not in hpcore's shard format. There is
// no corebill: misbehaving hosts are not banned. The
// contract logs are not rotated and contract.run_as is honoured only when the node runs as
// root (Provision leaves it empty). Child processes need Linux.
package hotpocket
