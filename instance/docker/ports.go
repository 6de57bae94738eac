package docker

import (
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/evernode-go/sdk/instance"
)

const (
	// maxPortAttempts bounds the creates retried because the engine found a port taken.
	maxPortAttempts = 5
	// blockedFor is how long a port the engine reported taken is skipped.
	blockedFor = 10 * time.Minute
)

// hostPortsFree reports whether the host can bind the pair as the container would publish it:
// the user port on TCP, the peer port on TCP and UDP. A port held by another process (or by
// another engine user's docker-proxy) is skipped before the engine is asked.
func hostPortsFree(hostIP string, ports instance.Ports) bool {
	for _, c := range []struct {
		network string
		port    int
	}{{"tcp", ports.User}, {"tcp", ports.Peer}, {"udp", ports.Peer}} {
		addr := net.JoinHostPort(hostIP, strconv.Itoa(c.port))
		if c.network == "udp" {
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return false
			}
			pc.Close()
			continue
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// allocatedRE finds the port in the engine's "Bind for 0.0.0.0:30861 failed: port is already
// allocated".
var allocatedRE = regexp.MustCompile(`:(\d+) failed: port is already allocated`)

// portConflict reports whether err is the engine refusing to publish a port that is taken,
// and which of the pair's ports it named (both when it did not say).
func portConflict(err error, ports instance.Ports) ([]int, bool) {
	var be *instance.BackendError
	if err == nil || !errors.As(err, &be) {
		return nil, false
	}
	msg := be.Message + " " + be.Error()
	if !strings.Contains(msg, "port is already allocated") && !strings.Contains(msg, "address already in use") {
		return nil, false
	}
	if m := allocatedRE.FindStringSubmatch(msg); m != nil {
		if n, _ := strconv.Atoi(m[1]); n == ports.User || n == ports.Peer {
			return []int{n}, true
		}
	}
	return []int{ports.User, ports.Peer}, true
}

// block makes allocation skip ports for blockedFor.
func (p *Provisioner) block(ports []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Now().Add(blockedFor)
	for _, n := range ports {
		p.blocked[n] = until
	}
}

// usableLocked reports whether the pair is neither blocked nor taken on the host.
func (p *Provisioner) usableLocked(ports instance.Ports) bool {
	now := time.Now()
	for _, n := range []int{ports.User, ports.Peer} {
		if until, ok := p.blocked[n]; ok {
			if now.Before(until) {
				return false
			}
			delete(p.blocked, n)
		}
	}
	return hostPortsFree(p.cfg.HostIP, ports)
}
