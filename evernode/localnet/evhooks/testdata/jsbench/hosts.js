// hosts.js: times evernode-js-client's RegistryClient.getAllHostsFromLedger
// against a running localnet, for BenchmarkHosts10kJS. Arguments: the
// node_modules directory holding evernode-js-client, the websocket URL, the
// governor and registry addresses, the network id and how many listings to
// time. Domains are not fetched (getAllHostsFromLedger(false)), as
// hook.Hosts does not by default. It prints {"ms":[…],"cpu_ms":[…],"hosts":N}:
// the duration and the CPU time of each listing, and the host count of the
// last.
//
// Run it through the Go benchmark, which fills the registry:
//
//	EVERNODE_JS_CLIENT=/tmp/evjs go test ./evernode/localnet/evhooks -run '^$' -bench Hosts10k -benchtime 5x
const path = require('path');
const ev = require(path.join(process.argv[2], 'evernode-js-client'));

async function main() {
  const [url, governor, registry, networkID, n] = process.argv.slice(3);
  const api = new ev.XrplApi(url);
  ev.Defaults.set({ governorAddress: governor, xrplApi: api, networkID: Number(networkID) });
  await api.connect();
  const reg = new ev.RegistryClient({ registryAddress: registry });
  await reg.connect();
  const ms = [], cpu_ms = [];
  let hosts = 0;
  for (let i = 0; i < Number(n); i++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const list = await reg.getAllHostsFromLedger(false);
    const used = process.cpuUsage(cpu);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu_ms.push((used.user + used.system) / 1e3);
    hosts = list.length;
  }
  await reg.disconnect();
  await api.disconnect();
  console.log(JSON.stringify({ ms, cpu_ms, hosts }));
}

main().then(() => process.exit(0)).catch(e => { console.error(e); process.exit(1); });
