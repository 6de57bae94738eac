package docker

import (
	"math/rand/v2"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/instancetest"
)

// freePortBases picks user and peer port bases whose first n pairs are free on the host, at
// random, so that test runs sharing one engine (or one host) do not collide.
func freePortBases(t testing.TB, hostIP string, n int) (user, peer int) {
	t.Helper()
	for range 200 {
		user = 20000 + rand.IntN(2000)*10
		peer = user + 20000
		ok := true
		for i := range n {
			if !hostPortsFree(hostIP, instance.Ports{User: user + i, Peer: peer + i}) {
				ok = false
				break
			}
		}
		if ok {
			return user, peer
		}
	}
	t.Fatal("no free port range")
	return 0, 0
}

func TestCreateSkipsPortsTakenOnTheHost(t *testing.T) {
	f := newFakeEngine(t)
	cfg := fakeConfig(t, f)
	// Another process holds the first user port and, one pair later, the peer port on UDP.
	l, err := net.Listen("tcp", net.JoinHostPort(cfg.HostIP, strconv.Itoa(cfg.UserPortBase)))
	require.NoError(t, err)
	defer l.Close()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(cfg.HostIP, strconv.Itoa(cfg.PeerPortBase+1)))
	require.NoError(t, err)
	defer pc.Close()
	p, err := New(t.Context(), cfg)
	require.NoError(t, err)
	defer p.Close()
	info, err := p.Create(t.Context(), instancetest.Request(""))
	require.NoError(t, err)
	assert.Equal(t, cfg.UserPortBase+2, info.Details.UserPort)
	assert.Equal(t, cfg.PeerPortBase+2, info.Details.PeerPort)
}

func TestCreateRetriesWhenTheEngineFindsAPortTaken(t *testing.T) {
	f, p, cfg := newFake(t)
	req := instancetest.Request("")
	f.failNext("POST /containers/"+req.Name+"/start", 500, "driver failed programming external connectivity on endpoint x: Bind for 0.0.0.0:"+
		strconv.Itoa(cfg.PeerPortBase)+" failed: port is already allocated")
	info, err := p.Create(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, cfg.UserPortBase+1, info.Details.UserPort)
	assert.Equal(t, cfg.PeerPortBase+1, info.Details.PeerPort)
	list, err := p.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, list, 1, "the first attempt's container was removed")

}
