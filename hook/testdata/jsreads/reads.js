// reads.js: the read calls of evernode-js-client against a running
// network, for hook's differential test (TestReadsAgainstJS). It reads a
// JSON request from stdin:
//
//	{url, governor, networkID, moment, hosts: [...], foundation, dudHost,
//	 proposer, candidateIds: [...], scoreHost, scores: {pubkey: score}}
//
// and prints one JSON object with every answer. Run through the Go test:
//
//	EVERNODE_JS_CLIENT=/tmp/evjs go test ./hook -run TestReadsAgainstJS -v
const path = require('path');
const ev = require(path.resolve(process.argv[2]));

async function main() {
  const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const api = new ev.XrplApi(req.url);
  ev.Defaults.set({ governorAddress: req.governor, xrplApi: api, networkID: req.networkID });
  await api.connect();
  const out = { hosts: {}, orderedIds: {}, candidates: {} };
  const f = new ev.FoundationClient(req.foundation);
  await f.connect();
  out.allCandidates = await f.getAllCandidatesFromLedger();
  out.foundationBalance = await f.getEVRBalance();
  out.dudHostVoteInfo = await f.getDudHostVoteInfo(req.dudHost);
  out.pilotedModeVoteInfo = await f.getPilotedModeVoteInfo();
  out.dudHostCandidatesByOwner = await f.getDudHostCandidatesByOwner(req.foundation);
  for (const id of req.candidateIds) out.candidates[id] = await f.getCandidateById(id);
  out.candidateByOwner = await f.getCandidateByOwner(req.proposer);
  for (const h of req.hosts) {
    const c = new ev.HostClient(h);
    await c.connect();
    out.hosts[h] = {
      order: await c.getReputationOrderByAddress(h, req.moment),
      info: await c.getReputationInfoByAddress(h),
      contract: await c.getReputationContractInfoByAddress(h, req.moment),
      reputationInfo: await c.getReputationInfo(req.moment),
      reputationAccount: c.reputationAcc ? c.reputationAcc.address : null,
    };
    if (h === req.scoreHost) {
      out.scores = (await c.prepareHostReputationScores(3, 3, req.scores)).toString('hex');
      out.noScores = (await c.prepareHostReputationScores(3, 3)).toString('hex');
    }
    await c.disconnect();
  }
  const rep = await ev.HookClientFactory.create(ev.HookTypes.reputation);
  await rep.connect();
  out.hostCount = await rep.getReputationInfo(req.moment);
  for (let i = 0; i < req.hosts.length + 1; i++) {
    out.orderedIds[i] = {
      address: await rep.getReputationAddressByOrderedId(i, req.moment),
      contract: await rep.getReputationContractInfoByOrderedId(i, req.moment),
    };
  }
  await rep.disconnect();
  await f.disconnect();
  await api.disconnect();
  console.log(JSON.stringify(out));
}

main().then(() => process.exit(0)).catch(e => { console.error(e); process.exit(1); });
