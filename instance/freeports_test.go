package instance_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/evernode-go/sdk/instance"
)

func TestFreePortBases(t *testing.T) {
	u, p, err := instance.FreePortBases("", 3)
	if err != nil {
		t.Fatal(err)
	}
	if p != u+3 || u < 20000 || p+3 > 32768 {
		t.Fatalf("bases %d, %d: want adjacent runs of 3 in [20000, 32768)", u, p)
	}
	for port := u; port < p+3; port++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("port %d is not free: %v", port, err)
		}
		l.Close()
	}
	for _, n := range []int{0, -1, 10000} {
		if _, _, err := instance.FreePortBases("", n); err == nil {
			t.Errorf("FreePortBases(%d) succeeded", n)
		}
	}
}
