package docker

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/instancetest"
)

// freePortBases picks port bases with n free pairs (instance.FreePortBases), so
// that runs sharing a host or an engine do not collide.
func freePortBases(t testing.TB, hostIP string, n int) (user, peer int) {
	t.Helper()
	user, peer, err := instance.FreePortBases(hostIP, n)
	if err != nil {
		t.Fatal(err)
	}
	return user, peer
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
