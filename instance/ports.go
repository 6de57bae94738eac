package instance

import (
	"fmt"
	"sync"
)

// Default first ports, as sashimono allocates them.
const (
	DefaultUserPortBase = 26201
	DefaultPeerPortBase = 22861
)

// Ports is one instance's port pair.
type Ports struct {
	User, Peer int
}

// PortAllocator hands out port pairs the way sashimono does: the n-th pair
// is (UserBase+n, PeerBase+n), and the lowest free pair is handed out first,
// so ports vacated by a destroyed instance are reused. After a restart,
// rebuild it from List with Rebuild.
//
// The zero value is ready to use. A PortAllocator is safe for concurrent use;
// set its fields before first use.
type PortAllocator struct {
	// UserBase is the first user port; 0 means DefaultUserPortBase.
	UserBase int
	// PeerBase is the first peer port; 0 means DefaultPeerPortBase.
	PeerBase int
	// Max is the number of pairs it may hand out; 0 means as many as fit
	// below port 65536.
	Max int

	mu     sync.Mutex
	user   map[int]bool
	peer   map[int]bool
	byName map[string]Ports
}

func (a *PortAllocator) init() {
	if a.byName == nil {
		a.user, a.peer, a.byName = map[int]bool{}, map[int]bool{}, map[string]Ports{}
	}
}

func (a *PortAllocator) bases() (int, int) {
	u, p := a.UserBase, a.PeerBase
	if u == 0 {
		u = DefaultUserPortBase
	}
	if p == 0 {
		p = DefaultPeerPortBase
	}
	return u, p
}

// Allocate gives name the lowest free pair. It fails with ErrExists if name
// holds ports already and with ErrCapacity when no pair is free.
func (a *PortAllocator) Allocate(name string) (Ports, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	if _, ok := a.byName[name]; ok {
		return Ports{}, fmt.Errorf("%w: %s already holds ports", ErrExists, name)
	}
	ub, pb := a.bases()
	for i := 0; a.Max == 0 || i < a.Max; i++ {
		p := Ports{User: ub + i, Peer: pb + i}
		if p.User > 65535 || p.Peer > 65535 {
			break
		}
		if a.user[p.User] || a.peer[p.Peer] {
			continue
		}
		a.user[p.User], a.peer[p.Peer] = true, true
		a.byName[name] = p
		return p, nil
	}
	return Ports{}, fmt.Errorf("%w: no free port pair", ErrCapacity)
}

// Reserve records that name holds p, which need not be a pair Allocate
// would give (the bases may have changed since). It fails with ErrExists if
// name holds other ports or either port is held by another name.
func (a *PortAllocator) Reserve(name string, p Ports) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	if old, ok := a.byName[name]; ok {
		if old == p {
			return nil
		}
		return fmt.Errorf("%w: %s already holds ports %v", ErrExists, name, old)
	}
	if a.user[p.User] || a.peer[p.Peer] {
		return fmt.Errorf("%w: ports %v are taken", ErrExists, p)
	}
	a.user[p.User], a.peer[p.Peer] = true, true
	a.byName[name] = p
	return nil
}

// Release frees name's ports; releasing a name that holds none does
// nothing.
func (a *PortAllocator) Release(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.byName[name]
	if !ok {
		return
	}
	delete(a.user, p.User)
	delete(a.peer, p.Peer)
	delete(a.byName, name)
}

// Lookup returns the ports name holds.
func (a *PortAllocator) Lookup(name string) (Ports, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.byName[name]
	return p, ok
}

// Rebuild forgets every allocation and reserves the ports of infos, as
// listed after a restart. It reports the first conflict but reserves
// everything it can.
func (a *PortAllocator) Rebuild(infos []Info) error {
	a.mu.Lock()
	a.user, a.peer, a.byName = nil, nil, nil
	a.mu.Unlock()
	var first error
	for _, in := range infos {
		err := a.Reserve(in.Details.Name, Ports{User: in.Details.UserPort, Peer: in.Details.PeerPort})
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}
