// Package evhooks runs Go versions of the Evernode governor, registry and
// heartbeat hooks on a localnet, writing the same state, in the same
// layout (package hook's types), on the governor account in the Evernode
// namespace 01EAF093…: hook.LoadConfig, hook.Hosts, hook.Host,
// hook.IsRegistered and the host transaction builders work against it
// unchanged (evernode-js-client reads the same entries).
//
//	net, _ := localnet.Start(ctx, localnet.Fast())
//	d, _ := evhooks.Setup(ctx, net, evhooks.Fast()) // 60-second moments
//	client, _ := evernode.Dial(ctx, d.Network(), nil)
//	_ = d.FundEVR(ctx, hostWallet, "1000")
//
// Setup creates and funds the governor, registry, heartbeat, reputation
// and foundation accounts and an EVR issuer, attaches the hooks and sends
// the governor an evnInitialize that writes every configuration key and
// singleton of §6.3 with the governor's defaults: moment size 3600 s
// (timestamp moments, based at the last ledger close), mint limit
// 72,253,440, fixed fee 5 EVR, heartbeat frequency 1, lease acquire window
// 160 s, the default reward configuration (10 epochs, quota 5120, epoch
// amount 5,160,960, frequency 24, threshold 200, min 3 instances), max
// tolerable downtime 240, no scheduled moment transition, max emission fee
// 1000 drops, the governance and network configuration defaults, HOST_COUNT
// 0, HOST_REG_FEE 500, REWARD_INFO (epoch 1, pool 5,160,960), piloted
// GOVERNANCE_INFO and TRX_FEE_BASE_INFO (fee base 10 drops). Config
// changes the moment size, acquire window and initial fee.
//
// # What is emulated
//
// Every hook accepts without action a transaction it does not handle: one
// without an event-type parameter, an unknown event, an outgoing
// transaction; and rejects (rolls back) any Payment with tfPartialPayment.
// A rejection is tecHOOK_REJECTED with the hook's message as
// HookReturnString and no state change. Messages are the hooks'
// ASSERT_FAILURE_MSG texts ("This host is not registered.", …).
//
// Registry (registry.c):
//   - evnHostReg: an EVR payment (exact currency bytes 00×12 "EVR" 00×5 and
//     the configured issuer) of at least HOST_REG_FEE, or any amount from a
//     pending transferee. Writes HOST_ADDR (reputation = threshold when the
//     lease amount is in (0, REWARD_INFO's max lease amount] and the host
//     offers the minimum instance count, else 0; the max starts at 0) and
//     TOKEN_ID, HOST_COUNT+1, emits the URITokenMint ("evrhost" + hex of the
//     first and last 4 bytes of the tx hash, burnable) and a 1-drop sell
//     offer to the host, and halves HOST_REG_FEE by the §7.7 rule. The host
//     buys the offer (hook.Register's flow).
//   - Re-registration by a transferee: reuses the token (offered again for
//     1 drop), copies ledger, heartbeat, timestamps, reputation and flags,
//     deletes the previous HOST_ADDR (unless the same account) and
//     TRANSFEREE_ADDR; HOST_COUNT unchanged.
//   - evnHostUpdateReg: zero fields unchanged, active instances always
//     applied, the country-code quirk (two CPU-time bytes land in the
//     reserved field).
//   - evnHostDereg (33 bytes, or 53 from the reputation account named by
//     the host's WalletLocator): refund = rebate (fee/2 if above the fixed
//     fee; the whole current fee if the host never heartbeated since
//     registering) + pending rebate, paid in EVR with evnHostDeregSelfRes
//     (data = the dereg tx hash), or 1 drop if nothing is due; the rest
//     above the fixed fee goes to the heartbeat account (evnRewardPoolUpdate)
//     and into REWARD_INFO's pool; the token is burned; HOST_ADDR and
//     TOKEN_ID removed; HOST_COUNT−1. Refused after a transfer until a
//     newer heartbeat.
//   - evnTransfer (URITokenCreateSellOffer to the registry): stores
//     TRANSFEREE_ADDR, flags the host, and buys the token for 1 drop (an
//     emitted URITokenBuy applied right after the offer, where the real hook
//     uses hook_again).
//   - evnHostRebate: pays HOST_ADDR's fee − HOST_REG_FEE in EVR and lowers
//     the recorded fee; rejects when nothing is due, as the hook does.
//   - evnFoundationFundReq (from the heartbeat account only): forwards
//     FIXED_REG_FEE EVR to the foundation. evnHostUpdateReputation (from the
//     foundation only): sets a host's reputation byte.
//
// Heartbeat (heartbeat.c): evnHeartbeat (native payment) from a registered
// host owning its token records LastHeartbeatIndex = the last ledger close
// as unix time (timestamp moments). The first heartbeat of a moment sets or
// clears REPUTED_ON_HEARTBEAT, keeps REWARD_INFO's moment counters, epoch
// and max lease amount (1.1 × quota / host count), and sets the reputation
// from the reputation account's state (score × 255 / 100; 0 without
// reputation rounds, a zero or too high lease amount or too few
// instances). A host's very first heartbeat emits evnFoundationFundReq, so
// the registry forwards the 5 EVR fixed fee to the foundation. A due
// MOMENT_TRANSIT_INFO is applied lazily. A reputed host (as of before
// this heartbeat) past the eligibility period is counted in the voter base
// on its first heartbeat of a moment, and its vote (33 bytes) runs the
// hook's vote rules (governance.go): one vote per candidate a moment in
// candidate order ("Voting for already voted candidate is not allowed."),
// one new-hook support a moment ("Only one support vote is allowed per
// moment."), tallies and elections, "VOTE_VALIDATION_ERR - Vote skipped,
// …" for an unknown or closed candidate; other hosts' vote data is
// ignored; data of another length is rejected (an emulator check).
//
// Governor and foundation (governor.c, heartbeat.c OP_VOTE), in
// governance.go: evnCandidatePropose and evnDudHostReport (EVR of at least
// the epoch's reward quota, a quarter of it for a report; from the
// foundation or a registered host past the eligibility period and not
// prunable; the four HookDefinitions must exist, which on localnet they
// never do), evnCandidateWithdraw (half the fee rebated, half to the reward
// pool; all of it to the pool when due for purge), evnGovernanceModeChange
// (foundation only, upwards only, creating the piloted-mode candidate), the
// foundation's evnCandidateVote with the hook's election rules, and the
// evnCandidateStatusChange the heartbeat hook then emits to the governor
// (settling fees, emitting evnDudHostRemove or the hook-update triggers),
// with the hooks' messages.
//
// Stricter than the hooks, which read whatever bytes are there: event data
// of the wrong length for evnHostReg (136), evnHostUpdateReg (131),
// evnHostDereg (33/53), evnTransfer (20) and evnHeartbeat (0/33) is
// rejected with "Evernode: Invalid … data.".
//
// # What is not emulated
//
// Rewards (no accrual into TOKEN_ID, no evnHostReward payments, no pending
// reward requests), hook updates after a new-hook election (the triggers
// are emitted; no hook applies them), reputation rounds (no hook on the
// reputation account; evnHostSendReputation is not processed), dead-host
// pruning (the real registry does not dispatch evnDeadHostPrune either),
// fee-base tracking and emission fee limits, ACTIVATION_UNIXTIME, and the
// dud-host candidate cascade on transfer. (An elected dud host is removed
// through evnDudHostRemove, and a deregistered or removed host's
// candidates are settled through evnRemoveLinkedCandidate and
// evnRemoveOrphanCandidate, as the real hooks do.) Hooks here are Go code:
// no HookGrant is needed for foreign state and emitted transactions cost
// the base fee.
//
// Deployment.SetState writes governor state directly (a 1-drop payment from
// a private admin account carries the writes), for tests that change a fee
// or fill the registry with many hosts.
//
// # The real hooks
//
// SetupWasm deploys the WebAssembly of the four upstream hooks instead
// (LoadWasm reads governor.wasm, registry.wasm, heartbeat.wasm and
// reputation.wasm from a directory; FetchWasm reads the code from a live
// network's HookDefinition objects), installed with SetHook transactions
// and granted as upstream's sethook.js and setgrant.js do, then initialised
// by the initializer's evnInitialize; localnet runs them on internal/hookvm
// with xahaud's hook API. Everything above that the emulation leaves out
// then happens as on Xahau: rewards, vote tallies, the dud-host cascade,
// fee-base tracking and the emission fee guards. The governor's compiled-in
// initializer address is swapped for a localnet account's, so its hook hash
// differs from the file's. The hooks exit with their C file name and line
// (rollback("src/registry.c", 308)); WasmMessage turns that into upstream's
// message. Config's MomentSize, LeaseAcquireWindow and HostRegFee are
// written into the state after initialisation, as a governance change would.
package evhooks
