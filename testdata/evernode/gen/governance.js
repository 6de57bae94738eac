// governance.js: regenerates testdata/evernode/governance.json from the
// installed evernode-js-client 0.6.61 (and the xrpl package next to it).
//
//	NODE_PATH=/tmp/evjs/node_modules node testdata/evernode/gen/governance.js > testdata/evernode/governance.json
//
// It runs offline, as the other vector files were made: the client gets a
// stub XrplApi (ledger 1000, no ledger entries except hook definitions), and
// the XrplAccount methods that would submit are replaced by recorders, so
// every hook parameter comes from the unmodified library code. Events are
// decoded by extractEvernodeEvent from hand-built transactions; multisign
// vectors come from xrpl.js's Wallet.sign(tx, true) and multisign().
const evernode = require('evernode-js-client');
const xrpl = require('xrpl');
const keypairs = require('ripple-keypairs');
const codec = require('ripple-address-codec');

const { FoundationClient, HostClient, StateHelpers, XflHelpers, EvernodeHelpers, HookParamKeys } = evernode;

function account(byte, algorithm) {
  const seed = keypairs.generateSeed({ entropy: Buffer.alloc(16, byte), algorithm });
  const kp = keypairs.deriveKeypair(seed);
  return { seed, algorithm, publicKey: kp.publicKey, address: keypairs.deriveAddress(kp.publicKey) };
}

const accounts = {
  foundation: account(0xa1, 'ed25519'),
  host: account(0x11, 'ecdsa-secp256k1'),
  dudHost: account(0xa2, 'ecdsa-secp256k1'),
  governor: account(0xa3, 'ed25519'),
  registry: account(0x55, 'ecdsa-secp256k1'),
  heartbeat: account(0x77, 'ecdsa-secp256k1'),
  reputation: account(0x88, 'ecdsa-secp256k1'),
  evrIssuer: account(0x66, 'ecdsa-secp256k1'),
  signer1: account(0xb1, 'ecdsa-secp256k1'),
  signer2: account(0xb2, 'ed25519'),
  signer3: account(0xb3, 'ecdsa-secp256k1'),
};

const config = {
  registryAddress: accounts.registry.address,
  heartbeatAddress: accounts.heartbeat.address,
  reputationAddress: accounts.reputation.address,
  evrIssuerAddress: accounts.evrIssuer.address,
  foundationAddress: accounts.foundation.address,
  rewardInfo: { epoch: 3 },
  rewardConfiguration: { firstEpochRewardQuota: 5120 },
};

const stubApi = {
  ledgerIndex: 1000,
  on() { }, off() { },
  async getLedgerEntry() { return { LedgerEntryType: 'HookDefinition' }; },
};

function recorder(client) {
  const calls = [];
  client.xrplAcc.makePayment = async (...args) => { calls.push({ method: 'makePayment', args }); return { code: 'tesSUCCESS' }; };
  client.isRegistered = async () => true;
  return calls;
}

const hashes = ['A1', 'B2', 'C3', 'D4'].map(b => b.repeat(32)).join('');

async function transactions() {
  const out = {};
  const f = new FoundationClient(accounts.foundation.address, accounts.foundation.seed, { xrplApi: stubApi, config, governorAddress: accounts.governor.address });
  const h = new HostClient(accounts.host.address, accounts.host.seed, { xrplApi: stubApi, config, governorAddress: accounts.governor.address });
  const cand = StateHelpers.getDudHostCandidateId(accounts.dudHost.address);
  const cases = [
    ['foundationPropose', f, c => c.propose(hashes, 'upgrade-v4-hooks-with-a-long-name')],
    ['foundationWithdraw', f, c => c.withdraw(cand)],
    ['foundationVoteSupport', f, c => c.vote(cand, 1)],
    ['foundationVoteReject', f, c => c.vote(cand, 0)],
    ['foundationReportDudHost', f, c => c.reportDudHost(accounts.dudHost.address)],
    ['foundationVoteDudHost', f, c => c.voteDudHost(accounts.dudHost.address, 1)],
    ['foundationVotePilotedMode', f, c => c.votePilotedMode(0)],
    ['foundationChangeGovernanceMode', f, c => c.changeGovernanceMode(2)],
    ['foundationUpdateHostReputation', f, c => c.updateHostReputation(accounts.dudHost.address, 200)],
    ['hostPropose', h, c => c.propose(hashes, 'short')],
    ['hostWithdraw', h, c => c.withdraw(cand)],
    ['hostReportDudHost', h, c => c.reportDudHost(accounts.dudHost.address)],
    ['pruneDeadHost', h, c => { c.getHostInfo = async () => ({ isATransferer: 1 }); return c.pruneDeadHost(accounts.dudHost.address); }],
  ];
  for (const [name, client, fn] of cases) {
    const calls = recorder(client);
    const ret = await fn(client);
    const call = calls[0];
    const opts = call.args[5] || {};
    out[name] = {
      sender: client.xrplAcc.address,
      method: call.method,
      destination: call.args[0], amount: call.args[1], currency: call.args[2], issuer: call.args[3],
      hookParams: opts.hookParams,
      returned: typeof ret === 'string' ? ret : null,
    };
  }
  return out;
}

function tx(type, account, dest, params, extra = {}) {
  const hookParams = params.map(([k, v]) => ({ name: HookParamKeys[k], value: v }));
  return { TransactionType: type, Account: account, Destination: dest, hash: 'AB'.repeat(32), HookParameters: hookParams, Memos: [], ...extra };
}

async function events() {
  const client = new FoundationClient(accounts.foundation.address, null, { xrplApi: stubApi, config, governorAddress: accounts.governor.address });
  const A = accounts;
  const idHex = a => codec.decodeAccountID(a).toString('hex').toUpperCase();
  const dud = StateHelpers.getDudHostCandidateId(A.dudHost.address).toUpperCase();
  const piloted = StateHelpers.getPilotedModeCandidateId().toUpperCase();
  const newHook = StateHelpers.getNewHookCandidateId(Buffer.from(hashes, 'hex')).toUpperCase();
  const propose = Buffer.alloc(316);
  Buffer.from(hashes, 'hex').copy(propose, 0);
  Buffer.from(newHook, 'hex').copy(propose, 264);
  Buffer.from('name').copy(propose, 296);
  const ev = (t, p) => [['PARAM_EVENT_TYPE_KEY', t], ...(p === undefined ? [] : [['PARAM_EVENT_DATA_KEY', p]])];
  const cases = {
    hostRegistered: tx('Payment', A.host.address, A.registry.address, ev('evnHostReg', '00'.repeat(136))),
    hostRegisteredNoData: tx('Payment', A.host.address, A.registry.address, ev('evnHostReg')),
    hostDeregistered: tx('Payment', A.host.address, A.registry.address, ev('evnHostDereg', 'CD'.repeat(32) + '00')),
    hostDeregisteredFromReputation: tx('Payment', A.reputation.address, A.registry.address, ev('evnHostDereg', idHex(A.host.address) + 'CD'.repeat(32) + '01')),
    hostRegUpdated: tx('Payment', A.host.address, A.registry.address, ev('evnHostUpdateReg', '00'.repeat(131))),
    deadHostPrune: tx('Payment', A.host.address, A.registry.address, ev('evnDeadHostPrune', idHex(A.dudHost.address))),
    hostRebate: tx('Payment', A.host.address, A.registry.address, ev('evnHostRebate')),
    hostTransfer: tx('URITokenCreateSellOffer', A.host.address, A.registry.address, ev('evnTransfer', idHex(A.dudHost.address))),
    hostReputationUpdated: tx('Payment', A.foundation.address, A.registry.address, ev('evnHostUpdateReputation', idHex(A.dudHost.address) + 'C8')),
    heartbeat: tx('Payment', A.host.address, A.heartbeat.address, ev('evnHeartbeat')),
    heartbeatWithVote: tx('Payment', A.host.address, A.heartbeat.address, ev('evnHeartbeat', dud + '01')),
    foundationVoted: tx('Payment', A.foundation.address, A.heartbeat.address, ev('evnCandidateVote', piloted + '00')),
    candidateProposed: tx('Payment', A.host.address, A.governor.address, [...ev('evnCandidatePropose', propose.slice(0, 256).toString('hex').toUpperCase()), ['PARAM_EVENT_DATA2_KEY', propose.slice(256).toString('hex').toUpperCase()]]),
    candidateWithdrawn: tx('Payment', A.host.address, A.governor.address, ev('evnCandidateWithdraw', newHook)),
    dudHostReported: tx('Payment', A.host.address, A.governor.address, ev('evnDudHostReport', dud)),
    dudHostRemoved: tx('Payment', A.heartbeat.address, A.governor.address, ev('evnCandidateStatusChange', dud + '02')),
    dudHostStatusChanged: tx('Payment', A.heartbeat.address, A.governor.address, ev('evnCandidateStatusChange', dud + '03')),
    fallbackToPiloted: tx('Payment', A.heartbeat.address, A.governor.address, ev('evnCandidateStatusChange', piloted + '02')),
    newHookStatusChanged: tx('Payment', A.heartbeat.address, A.governor.address, ev('evnCandidateStatusChange', newHook + '03')),
    linkedDudHostCandidateRemoved: tx('Payment', A.registry.address, A.governor.address, ev('evnRemoveLinkedCandidate', dud)),
    linkedNewHookCandidate: tx('Payment', A.registry.address, A.governor.address, ev('evnRemoveLinkedCandidate', newHook)),
    childHookUpdated: tx('Payment', A.registry.address, A.governor.address, ev('evnHookUpdateRes', newHook)),
    governanceModeChanged: tx('Payment', A.foundation.address, A.governor.address, ev('evnGovernanceModeChange', '03')),
    initialized: tx('Payment', A.foundation.address, A.governor.address, ev('evnInitialize', '00'.repeat(100))),
    unknownEvent: tx('Payment', A.host.address, A.governor.address, ev('evnSomethingElse', '00')),
  };
  const out = {};
  for (const [name, t] of Object.entries(cases)) {
    let res;
    try { res = await client.extractEvernodeEvent(t); } catch (e) { res = { thrown: String(e) }; }
    if (res && res.data) delete res.data.transaction;
    out[name] = { tx: { TransactionType: t.TransactionType, Account: t.Account, Destination: t.Destination, HookParameters: t.HookParameters }, event: res || null };
  }
  return out;
}

function helpers() {
  const keys = ['4556520300000000000000001111111111111111111111111111111111111111',
    '4556520200000000000000001111111111111111111111111111111111111111',
    '4556520400000000000000001111111111111111111111111111111111111111',
    '4556520500000000000000001111111111111111111111111111111111111111',
    '4556520600000000000000001111111111111111111111111111111111111111',
    '4556523200000000000000000000000000000000000000000000000000000000',
    '4556523800000000000000000000000000000000000000000000000000000000',
    '4556520100000000000000000000000000000000000000000000000000000003',
    '4556520100000000000000000000000000000000000000000000000000000010',
    '4556523900000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000001111111111111111111111111111111111111111'];
  const stateKeys = keys.map(k => {
    try { return { key: k, decoded: StateHelpers.decodeStateKey(Buffer.from(k, 'hex')) }; }
    catch (e) { return { key: k, decoded: null }; }
  });
  const xfls = ['0', '1', '0.25', '-1.5', '5120', '123456789012345', '0.000001', '-7e-20'].map(s => {
    const x = XflHelpers.getXfl(s);
    return { text: s, xfl: x.toString(), exponent: XflHelpers.getExponent(x).toString(), mantissa: XflHelpers.getMantissa(x).toString(), negative: XflHelpers.isNegative(x) };
  });
  const quotas = [];
  for (let epoch = 0; epoch <= 12; epoch++)
    for (const first of [5120, 10000, 7])
      quotas.push({ epoch, firstEpochRewardQuota: first, quota: EvernodeHelpers.getEpochRewardQuota(epoch, first).toString(), quarter: (EvernodeHelpers.getEpochRewardQuota(epoch, first) / 4).toString() });
  return { stateKeys, xfl: xfls, epochRewardQuota: quotas };
}

function multisign() {
  const tx = {
    TransactionType: 'Payment', Account: accounts.host.address, Destination: accounts.registry.address,
    Amount: '1000000', Fee: '48', Sequence: 7, LastLedgerSequence: 1030, NetworkID: 21337, SigningPubKey: '',
  };
  const signers = ['signer1', 'signer2', 'signer3'].map(n => xrpl.Wallet.fromSeed(accounts[n].seed, { algorithm: accounts[n].algorithm }));
  const blobs = signers.map(w => w.sign(tx, true).tx_blob);
  const combined = xrpl.multisign(blobs);
  return { tx, signers: ['signer1', 'signer2', 'signer3'], signedBlobs: blobs, combinedBlob: combined, combinedHash: xrpl.hashes.hashSignedTx(combined), combined: xrpl.decode(combined) };
}

(async () => {
  const out = {
    note: 'Generated by testdata/evernode/gen/governance.js from evernode-js-client 0.6.61 and xrpl, offline.',
    accounts, config, hashes,
    transactions: await transactions(),
    events: await events(),
    ...helpers(),
    multisign: multisign(),
  };
  console.log(JSON.stringify(out, null, 1));
})().catch(e => { console.error(e); process.exit(1); });
