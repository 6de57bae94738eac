// tenant.js: evernode-js-client 0.6.61's TenantClient acquires, extends
// and terminates a lease from a host run by examples/host, for the opt-in
// interoperability test (TestJSTenant). It reads a JSON request from stdin:
//
//	{url, governor, networkID, host, tenant, secret, requirement, moments}
//
// and prints one JSON object with the acquire and extend answers.
//
//	EVERNODE_JS_CLIENT=/tmp/evjs go test ./examples/host -run TestJSTenant -v
const path = require('path');
const ev = require(path.join(process.argv[2], 'node_modules', 'evernode-js-client'));

async function main() {
  const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const api = new ev.XrplApi(req.url);
  ev.Defaults.set({ governorAddress: req.governor, xrplApi: api, networkID: req.networkID });
  await api.connect();
  const tenant = new ev.TenantClient(req.tenant, req.secret);
  await tenant.connect();
  await tenant.prepareAccount();
  const t0 = Date.now();
  const acq = await tenant.acquireLease(req.host, req.requirement, { timeout: 120000 });
  const acquireMs = Date.now() - t0;
  const ext = await tenant.extendLease(req.host, req.moments, acq.instance.name, { timeout: 120000 });
  await tenant.terminateLease(acq.instance.name);
  await tenant.disconnect();
  await api.disconnect();
  console.log(JSON.stringify({ instance: acq.instance, acquireRefId: acq.acquireRefId, acquireMs,
    expiryMoment: ext.expiryMoment, extendRefId: ext.extendRefId }));
}

main().then(() => process.exit(0)).catch(e => { console.error(JSON.stringify(e) || e); process.exit(1); });
