// host.js: evernode-js-client's HostClient registers, heartbeats and
// deregisters against a localnet running the real Evernode hooks.
//
//	node host.js WS_URL GOVERNOR NETWORK_ID HOST_SEED
//
// It prints "OK" and exits 0 on success, 1 otherwise. Run it through
// TestWasmJSHostClient (EVERNODE_JS_CLIENT names the directory holding
// node_modules/evernode-js-client).
const evernode = require('evernode-js-client');

async function main() {
  const [url, governor, networkID, seed] = process.argv.slice(2);
  evernode.Defaults.set({ governorAddress: governor, rippledServer: url, networkID: Number(networkID) });
  const xrplApi = new evernode.XrplApi(url);
  evernode.Defaults.set({ xrplApi });
  await xrplApi.connect();
  const wallet = require('xrpl').Wallet.fromSeed(seed);
  const host = new evernode.HostClient(wallet.classicAddress, seed);
  await host.connect();
  try {
    await host.prepareAccount('localnet.example.org');
    await host.register('SG', 800000, 4096, 40000, 3, 'Intel Xeon', 4, 2400, 'js host', 'host@example.org', '0.5');
    if (!(await host.isRegistered())) throw new Error('not registered after register()');
    console.log('registered');
    await host.heartbeat();
    console.log('heartbeat');
    await host.deregister();
    if (await host.isRegistered()) throw new Error('still registered after deregister()');
    console.log('deregistered');
    console.log('OK');
  } finally {
    await host.disconnect();
    await xrplApi.disconnect();
  }
}

main().then(() => process.exit(0)).catch((e) => { console.error(e); process.exit(1); });
