// prepare-reputation.js: runs evernode-js-client's
// HostClient.prepareReputationAccount against a running network, for
// hook's differential test (TestPrepareReputationAccountAgainstJS). It
// reads {url, governor, networkID, hostSeed, hostAddress, repSeed,
// repAddress, mode} from stdin and prints {"ok": true} when done.
const path = require('path');
const ev = require(path.resolve(process.argv[2]));

async function main() {
  const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const api = new ev.XrplApi(req.url);
  ev.Defaults.set({ governorAddress: req.governor, xrplApi: api, networkID: req.networkID });
  await api.connect();
  const host = new ev.HostClient(req.hostAddress, req.hostSeed);
  await host.connect();
  await host.prepareReputationAccount(req.repAddress, req.repSeed, req.mode || null, { retryOptions: { maxRetryAttempts: 1 } });
  await host.disconnect();
  await api.disconnect();
  console.log(JSON.stringify({ ok: true }));
}

main().then(() => process.exit(0)).catch(e => { console.error(e); process.exit(1); });
