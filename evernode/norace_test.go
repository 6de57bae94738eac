//go:build !race

package evernode_test

// raceEnabled is true under the race detector, which makes the large-N
// tests about ten times slower: they run a smaller N there.
const raceEnabled = false
