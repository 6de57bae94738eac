package evhooks

// FastMomentSize is the moment size of the Fast preset, in seconds: a lease
// bought for one moment lasts a minute, so extending and expiring mean
// something without waiting an hour.
const FastMomentSize = 60

// Fast returns the hook settings for tests and demos that go with
// localnet.Fast: FastMomentSize moments, every other setting the governor's
// default. Each call returns a new Config the caller may change.
func Fast() *Config { return &Config{MomentSize: FastMomentSize} }
