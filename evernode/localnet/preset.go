package localnet

import "time"

// FastCloseInterval is the close interval of the Fast preset: short enough
// that a test waiting for validation waits a few tens of milliseconds,
// long enough that a busy 2-core machine keeps up.
const FastCloseInterval = 50 * time.Millisecond

// FastHistory is the Fast preset's History: at FastCloseInterval, 256
// ledgers would be under 13 s, less than a slow test may need to look back
// (a host catching up after a restart); 4096 are about 3.4 minutes.
const FastHistory = 4096

// FastHotPocketConfig is the hp.cfg override of the Fast preset, for
// memo.Requirement.Config when a tenant acquires a lease on a localnet:
// HotPocket rounds of 200 ms instead of the default 2 s, so an input's
// output or an upload's confirmation comes back in well under a second.
// An input may name a last ledger up to FastMaxLedgerOffset rounds ahead,
// which keeps HotPocket's usual 20 s for a slow upload. Hosts apply it at
// acquire time, as sashimono does.
const FastHotPocketConfig = `{"contract":{"consensus":{"roundtime":200},"max_input_ledger_offset":100}}`

// FastMaxLedgerOffset is the max-ledger offset for inputs and uploads to
// instances made with FastHotPocketConfig (contract.InputOptions and
// contract.UploadOptions MaxLedgerOffset): 100 rounds of 200 ms.
const FastMaxLedgerOffset = 100

// Fast returns the preset for tests and demos: a Xahau network on a random
// 127.0.0.1 port closing a ledger every FastCloseInterval and keeping
// FastHistory closed ledgers readable. Pair it with
// evhooks.Fast for the Evernode hooks and FastHotPocketConfig for
// instances. Each call returns a new Config the caller may change.
func Fast() *Config { return &Config{CloseInterval: FastCloseInterval, History: FastHistory} }
