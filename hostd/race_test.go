//go:build race

package hostd

// raceEnabled shortens the long crash test under the race detector (about
// ten times slower), to keep the package's tests within a minute.
const raceEnabled = true
