// check.js: the JS xrpl library against a running localnet.
//
// It connects, funds a fresh wallet from the genesis account with a signed
// Payment (xrpl's autofill: fee, sequence, NetworkID, LastLedgerSequence),
// waits for validation with submitAndWait, pays back part of it, and reads
// account_info. It prints "OK" and exits 0 on success, 1 otherwise.
//
// Run it through the Go test (the test starts localnet and passes the URL):
//
//	LOCALNET_JS_DIR=/tmp/evjs go test ./evernode/localnet -run TestJSXRPL -v
//
// where /tmp/evjs has node_modules/xrpl (npm install xrpl). By hand:
//
//	NODE_PATH=/tmp/evjs/node_modules node check.js ws://127.0.0.1:PORT
const xrpl = require('xrpl');

const GENESIS_SEED = 'snoPBrXtMeMyMHUVTgbuqAfg1SUTb';

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: node check.js ws://127.0.0.1:PORT');
  const client = new xrpl.Client(url);
  await client.connect();
  try {
    const genesis = xrpl.Wallet.fromSeed(GENESIS_SEED, { algorithm: 'secp256k1' });
    const alice = xrpl.Wallet.generate();

    const fund = await client.submitAndWait({
      TransactionType: 'Payment',
      Account: genesis.address,
      Destination: alice.address,
      Amount: '25000000',
    }, { wallet: genesis, autofill: true });
    if (fund.result.meta.TransactionResult !== 'tesSUCCESS') {
      throw new Error('fund: ' + fund.result.meta.TransactionResult);
    }

    const pay = await client.submitAndWait({
      TransactionType: 'Payment',
      Account: alice.address,
      Destination: genesis.address,
      Amount: '1000000',
    }, { wallet: alice, autofill: true });
    if (pay.result.meta.TransactionResult !== 'tesSUCCESS') {
      throw new Error('pay: ' + pay.result.meta.TransactionResult);
    }

    const info = await client.request({ command: 'account_info', account: alice.address, ledger_index: 'validated' });
    const bal = info.result.account_data.Balance;
    const fee = BigInt(pay.result.tx_json.Fee);
    const want = (25000000n - 1000000n - fee).toString();
    if (bal !== want) throw new Error(`balance ${bal}, want ${want}`);

    const balances = await client.getXrpBalance(alice.address);
    console.log(JSON.stringify({ address: alice.address, balance: bal, xrp: balances, hash: pay.result.hash }));
    console.log('OK');
  } finally {
    await client.disconnect();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
