// check.js: multi-signing with the JS xrpl library against a running
// localnet (TestJSMultisign starts it and passes the URL).
//
// A funded owner sets a 2-of-3 signer list (two funded signers and one
// phantom), then pays with a transaction autofilled for two signers, signed
// by each with sign(tx, true) and joined with multisign(); one signature
// alone must be refused with tefBAD_QUORUM; finally the signers delete the
// list. Prints "OK" and exits 0 on success.
//
//	LOCALNET_JS_DIR=/tmp/evjs go test ./evernode/localnet -run TestJSMultisign -v
const xrpl = require('xrpl');

function expect(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

async function run(url) {
  const client = new xrpl.Client(url);
  await client.connect();
  try {
    const genesis = xrpl.Wallet.fromSeed('snoPBrXtMeMyMHUVTgbuqAfg1SUTb', { algorithm: 'secp256k1' });
    const owner = xrpl.Wallet.generate();
    const signers = [xrpl.Wallet.generate(), xrpl.Wallet.generate(xrpl.ECDSA.secp256k1), xrpl.Wallet.generate()];
    for (const w of [owner, signers[0], signers[1]]) {
      const r = await client.submitAndWait({ TransactionType: 'Payment', Account: genesis.address, Destination: w.address, Amount: '50000000' }, { wallet: genesis });
      expect(r.result.meta.TransactionResult === 'tesSUCCESS', 'funding');
    }

    const list = await client.submitAndWait({
      TransactionType: 'SignerListSet', Account: owner.address, SignerQuorum: 2,
      SignerEntries: signers.map((s) => ({ SignerEntry: { Account: s.address, SignerWeight: 1 } })),
    }, { wallet: owner });
    expect(list.result.meta.TransactionResult === 'tesSUCCESS', 'SignerListSet');
    const objs = await client.request({ command: 'account_objects', account: owner.address, type: 'signer_list' });
    expect(objs.result.account_objects.length === 1 && objs.result.account_objects[0].SignerQuorum === 2, 'account_objects signer_list');
    const ai = await client.request({ command: 'account_info', account: owner.address, signer_lists: true });
    const lists = ai.result.signer_lists || ai.result.account_data.signer_lists;
    expect(lists.length === 1 && lists[0].SignerEntries.length === 3, 'account_info signer_lists');

    // Two of three (one of them the phantom) sign a payment.
    const pay = await client.autofill({ TransactionType: 'Payment', Account: owner.address, Destination: genesis.address, Amount: '1000000' }, 2);
    const blobs = [signers[2], signers[0]].map((s) => s.sign(pay, true).tx_blob);
    const paid = await client.submitAndWait(xrpl.multisign(blobs));
    expect(paid.result.meta.TransactionResult === 'tesSUCCESS', 'multi-signed payment: ' + paid.result.meta.TransactionResult);
    console.log('multi-signed payment fee', paid.result.Fee || (paid.result.tx_json || {}).Fee);

    // One of two: under quorum.
    const one = await client.autofill({ TransactionType: 'Payment', Account: owner.address, Destination: genesis.address, Amount: '1000' }, 1);
    const sub = await client.submit(xrpl.multisign([signers[1].sign(one, true).tx_blob]));
    expect(sub.result.engine_result === 'tefBAD_QUORUM', 'under quorum: ' + sub.result.engine_result);

    // The signers delete the list.
    const del = await client.autofill({ TransactionType: 'SignerListSet', Account: owner.address, SignerQuorum: 0 }, 2);
    const gone = await client.submitAndWait(xrpl.multisign(signers.slice(0, 2).map((s) => s.sign(del, true).tx_blob)));
    expect(gone.result.meta.TransactionResult === 'tesSUCCESS', 'deletion');
    const info = await client.request({ command: 'account_info', account: owner.address, signer_lists: true });
    expect(info.result.account_data.OwnerCount === 0, 'owner count after deletion');
  } finally {
    await client.disconnect();
  }
}

run(process.argv[2]).then(() => console.log('OK'), (e) => { console.error(e); process.exit(1); });
