// Uploads a bundle zip to a HotPocket node's bootstrap contract with hotpocket-js-client 0.5.7,
// the way Evernode's tools do ({type:"upload",content} as one BSON contract input), and prints
// {"ms": …}: the time from before the input is built until the node accepts it (the same span
// BenchmarkUpload9MiB reports as ms/accepted). Connecting is not timed.
//
// Run through the Go benchmark, which starts the node and writes the zip:
//
//	HP_JS_CLIENT_DIR=/tmp/evjs go test ./contract -run '^$' -bench Upload9MiBJS -benchtime 3x
//
// Environment: NODE_PATH (a node_modules holding hotpocket-js-client), HP_URL (wss://…),
// HP_PRIV ("ed" + hex of the owner's 64-byte ed25519 private key), HP_ZIP (the zip's path).
const fs = require("fs");
const HotPocket = require("hotpocket-js-client");
const bson = require("bson");

async function main() {
    const keys = await HotPocket.generateKeys(process.env.HP_PRIV);
    const zip = fs.readFileSync(process.env.HP_ZIP);
    const client = await HotPocket.createClient([process.env.HP_URL], keys, { protocol: "bson" });
    if (!await client.connect())
        throw new Error("connect failed");
    const start = process.hrtime.bigint();
    // A max ledger offset of 100 rounds (the default is 10), as the Go benchmark uses: on a
    // loaded machine 10 rounds of 100 ms can pass before a 9 MiB input is in.
    const input = await client.submitContractInput(bson.serialize({ type: "upload", content: zip }), null, 100);
    const status = await input.submissionStatus;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (status.status != "accepted")
        throw new Error("input " + status.status + ": " + status.reason);
    console.log(JSON.stringify({ ms: ms, bytes: zip.length }));
    await client.close();
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
