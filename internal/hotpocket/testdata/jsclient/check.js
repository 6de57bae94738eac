// Interop check: drives an internal/hotpocket node with the real hotpocket-js-client 0.5.7.
//
// How to run (outside the repo; Go tests never need node):
//   mkdir /tmp/hpjs && cd /tmp/hpjs && npm install hotpocket-js-client@0.5.7 bson@4.5.3
//   cd /work/main && HP_JS_CLIENT_DIR=/tmp/hpjs go test ./internal/hotpocket -run TestJSClient -v
// TestJSClient provisions a node, builds the echo contract bundle and runs
//   node check.js
// with NODE_PATH=$HP_JS_CLIENT_DIR/node_modules and these variables:
//   HP_URL          wss://127.0.0.1:<port>
//   HP_NODE_PUBKEY  the node's ed-hex public key (used as trustedServerKeys: outputs are verified)
//   HP_OWNER_PRIV   the owner's ed-hex private key (bin_args of the bootstrap contract)
//   HP_BUNDLE       path of the bundle zip (echo contract + hp.cfg.override)
// It exits 0 after printing "ALL OK", non-zero on the first failure.

const HotPocket = require("hotpocket-js-client");
const bson = require("bson");
const fs = require("fs");

const url = process.env.HP_URL;
const nodePub = process.env.HP_NODE_PUBKEY;
const ownerPriv = process.env.HP_OWNER_PRIV;
const bundle = process.env.HP_BUNDLE;
HotPocket.setLogLevel(1);

function fail(msg) {
    console.error("FAIL:", msg);
    process.exit(1);
}
function ok(msg) {
    console.log("ok:", msg);
}
function withTimeout(p, ms, what) {
    return Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error("timeout: " + what)), ms))]);
}

async function client(keys, protocol) {
    const c = await HotPocket.createClient([url], keys, { protocol, trustedServerKeys: [nodePub] });
    if (!await c.connect()) fail("connect (" + protocol + ")");
    return c;
}

// Submits an input and resolves with the first output for which pick returns a value,
// like evdevkit's instance manager.
function submitAndWait(c, input, pick, what) {
    return withTimeout(new Promise(async (resolve, reject) => {
        const handler = (r) => {
            for (const o of r.outputs) {
                const v = pick(o);
                if (v !== undefined) { resolve(v); return; }
            }
        };
        c.on(HotPocket.events.contractOutput, handler);
        const res = await c.submitContractInput(input);
        const st = await res.submissionStatus;
        if (st.status != "accepted") reject(new Error(what + ": submission " + st.status + " " + st.reason));
    }), 20000, what);
}

const bsonPick = (type) => (o) => {
    const d = bson.deserialize(o);
    return d.type == type ? d : undefined;
};

async function main() {
    const owner = await HotPocket.generateKeys(ownerPriv);
    const other = await HotPocket.generateKeys();

    // 1. BSON owner: status, lcl, stat, subscription, status as input and as read request.
    const oc = await client(owner, HotPocket.protocols.bson);
    ok("bson handshake (server signature verified)");
    const stat = await oc.getStatus();
    if (!stat || stat.hpVersion != "0.6.4" || !stat.contractExecutionEnabled) fail("stat " + JSON.stringify(stat));
    ok("stat: ledger " + stat.ledgerSeqNo + " vote " + stat.voteStatus + " round_time " + stat.roundTime);
    const lcl = await oc.getLcl();
    if (!lcl || typeof lcl.ledgerSeqNo != "number") fail("lcl");
    ok("lcl " + lcl.ledgerSeqNo);
    let ledgerEvents = 0;
    oc.on(HotPocket.events.ledgerEvent, (ev) => { if (ev.event == "ledger_created") ledgerEvents++; });
    await oc.subscribe(HotPocket.notificationChannels.ledgerEvent);

    const st = await submitAndWait(oc, bson.serialize({ type: "status" }), bsonPick("statusResult"), "status input");
    if (st.status != "ok") fail("status " + JSON.stringify(st));
    ok("bootstrap status via input (output hash tree + signature verified): " + st.message);
    const rr = await withTimeout(oc.submitContractReadRequest(bson.serialize({ type: "status" })), 10000, "read");
    if (!rr || bson.deserialize(rr).type != "statusResult") fail("status read request");
    ok("bootstrap status via read request");
    if (ledgerEvents == 0) fail("no ledger_created events");
    ok("ledger events: " + ledgerEvents);
    const led = await oc.getLedgerBySeqNo((await oc.getLcl()).ledgerSeqNo, true, true);
    if (!led || !led.hash) fail("ledger query");
    ok("ledger query seq " + led.seqNo);

    // 2. Another key is refused by the bootstrap.
    const xc = await client(other, HotPocket.protocols.bson);
    const no = await submitAndWait(xc, bson.serialize({ type: "status" }), bsonPick("statusResult"), "status other");
    if (no.status != "fail" || no.message != "UserNotAllowed") fail("other user " + JSON.stringify(no));
    ok("non-owner refused: " + no.message);
    await xc.close();

    // 3. Upload the bundle like evdevkit deploy.
    const zip = fs.readFileSync(bundle);
    const up = await submitAndWait(oc, bson.serialize({ type: "upload", content: zip }), bsonPick("uploadResult"), "upload");
    if (up.status != "ok") fail("upload " + JSON.stringify(up));
    ok("upload: " + up.message);
    await oc.close();

    // 4. The uploaded echo contract, JSON and BSON clients, with verified outputs.
    await new Promise(r => setTimeout(r, 1500));
    const jc = await client(other, HotPocket.protocols.json);
    const echo = await submitAndWait(jc, "hello json", (o) => (typeof o == "string" && o.startsWith("echo:")) ? o : undefined, "json echo");
    if (echo != "echo: hello json") fail("json echo " + echo);
    ok("json input → " + echo);
    const jr = await withTimeout(jc.submitContractReadRequest("ping"), 10000, "json read");
    if (jr != "read: ping") fail("json read " + jr);
    ok("json read request → " + jr);
    await jc.close();

    const bc = await client(owner, HotPocket.protocols.bson);
    const be = await submitAndWait(bc, Buffer.from("hello bson"), (o) => { const s = Buffer.from(o).toString(); return s.startsWith("echo:") ? s : undefined; }, "bson echo");
    if (be != "echo: hello bson") fail("bson echo " + be);
    ok("bson input → " + be);
    await bc.close();
    console.log("ALL OK");
    process.exit(0);
}

main().catch((e) => fail(e && e.stack || e));
