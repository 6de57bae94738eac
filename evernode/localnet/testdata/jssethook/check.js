// check.js: xrpl.js installs a WebAssembly hook on a running localnet with
// a SetHook transaction, then a payment fires it.
//
// It loads the network's binary definitions (server_definitions), funds a
// wallet from the genesis account, signs a SetHook whose CreateCode is the
// wasm file given as the second argument with those definitions, submits
// it, waits for validation, pays the hook account and checks that the
// metadata records an accepting hook execution. It prints "OK" and exits 0
// on success, 1 otherwise. Run it through TestJSSetHook:
//
//	LOCALNET_JS_DIR=/tmp/evjs go test ./evernode/localnet -run TestJSSetHook -v
const fs = require('fs');
const xrpl = require('xrpl');
const { XrplDefinitions, encode, encodeForSigning } = require('ripple-binary-codec');
const keypairs = require('ripple-keypairs');

const GENESIS_SEED = 'snoPBrXtMeMyMHUVTgbuqAfg1SUTb';

async function waitTx(client, hash) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await client.request({ command: 'tx', transaction: hash });
      if (r.result.validated) return r.result;
    } catch (e) { /* not yet known */ }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('not validated: ' + hash);
}

async function main() {
  const [url, wasmPath] = process.argv.slice(2);
  if (!url || !wasmPath) throw new Error('usage: node check.js ws://127.0.0.1:PORT hook.wasm');
  const client = new xrpl.Client(url);
  await client.connect();
  try {
    const sd = (await client.request({ command: 'server_definitions' })).result;
    const defs = new XrplDefinitions({ TYPES: sd.TYPES, FIELDS: sd.FIELDS, LEDGER_ENTRY_TYPES: sd.LEDGER_ENTRY_TYPES,
      TRANSACTION_RESULTS: sd.TRANSACTION_RESULTS, TRANSACTION_TYPES: sd.TRANSACTION_TYPES });
    const genesis = xrpl.Wallet.fromSeed(GENESIS_SEED, { algorithm: 'secp256k1' });
    const owner = xrpl.Wallet.generate();
    const fund = await client.submitAndWait({ TransactionType: 'Payment', Account: genesis.address,
      Destination: owner.address, Amount: '100000000' }, { wallet: genesis, autofill: true });
    if (fund.result.meta.TransactionResult !== 'tesSUCCESS') throw new Error('fund: ' + fund.result.meta.TransactionResult);

    const wasm = fs.readFileSync(wasmPath);
    const info = (await client.request({ command: 'account_info', account: owner.address })).result;
    const server = (await client.request({ command: 'server_info' })).result;
    const tx = {
      TransactionType: 'SetHook', Account: owner.address, Sequence: info.account_data.Sequence,
      Fee: String(wasm.length * 500 + 1000), SigningPubKey: owner.publicKey,
      Hooks: [{ Hook: { CreateCode: wasm.toString('hex').toUpperCase(), HookOn: '0'.repeat(64),
        HookNamespace: 'AB'.repeat(32), HookApiVersion: 0, Flags: 1 } }],
    };
    if (server.info.network_id && server.info.network_id > 1024) tx.NetworkID = server.info.network_id;
    // xrpl.js's Wallet.sign refuses transaction types it does not model:
    // sign the canonical encoding under the network's definitions instead.
    tx.TxnSignature = keypairs.sign(encodeForSigning(tx, defs), owner.privateKey);
    const blob = encode(tx, defs);
    const sub = (await client.request({ command: 'submit', tx_blob: blob })).result;
    if (sub.engine_result !== 'tesSUCCESS') throw new Error('SetHook: ' + sub.engine_result);
    const signed = { hash: sub.tx_json.hash };
    await waitTx(client, signed.hash);

    // The hook's execution fee is on top of the base fee (xrpl.js's autofill
    // does not know it): pay a generous fee.
    const pay = await client.submitAndWait({ TransactionType: 'Payment', Account: genesis.address,
      Destination: owner.address, Amount: '1000', Fee: '100000' }, { wallet: genesis, autofill: true });
    const ex = pay.result.meta.HookExecutions || [];
    if (ex.length !== 1 || ex[0].HookExecution.HookResult !== 3) {
      throw new Error('hook executions: ' + JSON.stringify(ex));
    }
    console.log(JSON.stringify({ owner: owner.address, setHook: signed.hash, payment: pay.result.hash }));
    console.log('OK');
  } finally {
    await client.disconnect();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
