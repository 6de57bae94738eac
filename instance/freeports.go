package instance

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
)

// Port bases FreePortBases picks from: above the well-known services and
// below Linux's ephemeral range (32768), where the kernel hands out client
// ports and would make a probe's answer stale at once.
const (
	freePortLow  = 20000
	freePortHigh = 32768
)

// FreePortBases finds a user and a peer port base, each followed by n
// ports that are free on host ("" means 127.0.0.1) right now, for
// PortAllocator (or a provisioner's port bases) when several programs or
// test runs share a machine. Another program may still take a port between
// this check and its use; the bases are random, so that is unlikely.
func FreePortBases(host string, n int) (userBase, peerBase int, err error) {
	if host == "" {
		host = "127.0.0.1"
	}
	if n < 1 || 2*n > freePortHigh-freePortLow {
		return 0, 0, fmt.Errorf("instance: cannot find %d free ports", n)
	}
	for range 64 {
		u := freePortLow + rand.IntN(freePortHigh-freePortLow-2*n)
		p := u + n // the two runs are adjacent, so they never overlap
		if portsFree(host, u, 2*n) {
			return u, p, nil
		}
	}
	return 0, 0, fmt.Errorf("instance: no %d free ports found on %s", 2*n, host)
}

// portsFree reports whether count ports from first can all be listened on.
func portsFree(host string, first, count int) bool {
	ls := make([]net.Listener, 0, count)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for port := first; port < first+count; port++ {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}
