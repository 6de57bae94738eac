// Package contract deploys and talks to HotPocket smart contracts on Evernode instances.
//
// Start with Deploy to upload a Bundle to the instances a tenant acquired (package lease),
// or Dial to talk to one node with the owner key; DialCluster talks to all of them.
//
//   - Bundles: a Bundle (files, or LoadDir) with its hp.cfg.override Config and install.sh
//     zips into the bundle.zip the Evernode bootstrap contract unpacks, checked against
//     the instance's message limit before anything is sent (*BundleTooLargeError).
//   - Client: Dial speaks the HotPocket user protocol over wss (JSON or BSON, challenge
//     and response both ways, the node optionally pinned to the key from the acquire
//     answer). SubmitInput, Read, Stat, LCL, Subscribe; contract outputs from NextOutput or
//     Outputs, verified against the hash tree and the UNL signatures.
//   - Upload: the bootstrap contract's status probe, upload and uploadResult, then one more
//     ledger for the failure its upgrade script reports late; every bootstrap error code
//     is an *UploadError that says what to fix.
//   - Clusters: DialCluster sends one signed input to several nodes and merges their
//     outputs; Deploy uploads one bundle with a shared UNL and peer list to N instances.
//
// Everything that does I/O takes a ctx first. The package is silent unless given a
// *slog.Logger and keeps no global state.
package contract
