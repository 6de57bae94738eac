// Verifies ed25519 signatures with libsodium (crypto_sign_verify_detached, what hpcore uses
// to check a contract input's signature). Reads one JSON object per line on stdin,
// {"pub":hex,"msg":hex,"sig":hex}, and prints "ok" or "bad" per line.
//
// Environment: NODE_PATH (a node_modules holding libsodium-wrappers, installed with
// hotpocket-js-client).
const sodium = require("libsodium-wrappers");
const readline = require("readline");

sodium.ready.then(() => {
    const rl = readline.createInterface({ input: process.stdin });
    const out = [];
    rl.on("line", (line) => {
        const v = JSON.parse(line);
        const ok = sodium.crypto_sign_verify_detached(sodium.from_hex(v.sig), sodium.from_hex(v.msg), sodium.from_hex(v.pub));
        out.push(ok ? "ok" : "bad");
    });
    rl.on("close", () => { console.log(out.join("\n")); process.exit(0); });
});
