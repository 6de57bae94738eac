// Drives hotpocket-js-client 0.5.7 against the Go test's fake node (contract/interop_test.go)
// so that the Go test can compare, byte for byte, the messages both clients send for the
// same key and the same deterministic fields, and check that both accept and reject the
// same contract outputs.
//
// Environment: NODE_PATH (a node_modules holding hotpocket-js-client), HP_URL, HP_PRIV (ed
// hex private key), HP_PROTOCOL (json|bson), HP_SERVER_CHALLENGE (32 hex chars: stands in
// for the client's random server challenge), HP_INPUT, HP_NONCE, HP_MAX_LEDGER, HP_READ,
// HP_READ_ID, HP_MODE ("messages" or "verify"; verify sets trustedServerKeys=[HP_NODE_KEY]
// and prints every contract output the client accepts as a JSON line).
const path = require("path");
const HotPocket = require("hotpocket-js-client");

// The client draws the server challenge from its own libsodium copy: make it fixed.
const libDir = path.dirname(require.resolve("hotpocket-js-client"));
const sodium = require(require.resolve("libsodium-wrappers", { paths: [libDir] }));

async function main() {
    await sodium.ready;
    const fixed = Buffer.from(process.env.HP_SERVER_CHALLENGE, "hex");
    sodium.randombytes_buf = (n) => new Uint8Array(fixed.subarray(0, n));

    const keys = await HotPocket.generateKeys(process.env.HP_PRIV);
    const mode = process.env.HP_MODE || "messages";
    const opts = { protocol: process.env.HP_PROTOCOL };
    if (mode == "verify")
        opts.trustedServerKeys = [process.env.HP_NODE_KEY];
    const client = await HotPocket.createClient([process.env.HP_URL], keys, opts);
    if (mode == "verify") {
        client.on(HotPocket.events.contractOutput, (r) => {
            const outs = r.outputs.map(o => Buffer.from(o).toString("hex"));
            console.log(JSON.stringify({ ledgerSeqNo: r.ledgerSeqNo, outputs: outs }));
        });
    }
    if (!await client.connect())
        throw new Error("connect failed");
    if (mode == "verify") {
        await new Promise(r => setTimeout(r, 1500));
        await client.close();
        return;
    }
    const input = process.env.HP_PROTOCOL == "bson" ? Buffer.from(process.env.HP_INPUT) : process.env.HP_INPUT;
    const sub = await client.submitContractInput(input, Number(process.env.HP_NONCE), Number(process.env.HP_MAX_LEDGER), false);
    const status = await sub.submissionStatus;
    if (status.status != "accepted")
        throw new Error("input not accepted: " + JSON.stringify(status));
    const read = process.env.HP_PROTOCOL == "bson" ? Buffer.from(process.env.HP_READ) : process.env.HP_READ;
    await client.submitContractReadRequest(read, process.env.HP_READ_ID, 2000);
    await client.getStatus();
    await client.getLcl();
    await client.subscribe(HotPocket.notificationChannels.ledgerEvent);
    await new Promise(r => setTimeout(r, 200));
    await client.close();
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
