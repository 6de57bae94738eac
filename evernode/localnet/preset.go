package localnet

import "time"

// FastCloseInterval is the close interval of the Fast preset: short enough
// that a test waiting for validation waits a few tens of milliseconds,
// long enough that a busy 2-core machine keeps up.
const FastCloseInterval = 50 * time.Millisecond

// FastHistory is how many closed ledgers the Fast preset keeps readable:
// about 14 minutes at FastCloseInterval, so a client or host daemon that
// reconnects or restarts after a while still finds what it missed in
// account_tx (the default 256 ledgers last 13 s at this pace).
const FastHistory = 1 << 14

// FastHotPocketConfig is the hp.cfg override of the Fast preset, for
// memo.Requirement.Config when a tenant acquires a lease on a localnet:
// HotPocket rounds of 200 ms instead of the default 2 s, so an input's
// output or an upload's confirmation comes back in well under a second.
// Hosts apply it at acquire time, as sashimono does.
const FastHotPocketConfig = `{"contract":{"consensus":{"roundtime":200}}}`

// Fast returns the preset for tests and demos: a Xahau network on a random
// 127.0.0.1 port closing a ledger every FastCloseInterval. Pair it with
// evhooks.Fast for the Evernode hooks and FastHotPocketConfig for
// instances. It keeps FastHistory ledgers readable. Each call returns a
// new Config the caller may change.
func Fast() *Config { return &Config{CloseInterval: FastCloseInterval, History: FastHistory} }
