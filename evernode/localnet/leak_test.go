package localnet_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/evernode-go/sdk/evernode/localnet"
)

// TestCloseStopsEverything checks that Close leaves no goroutine behind,
// with the timer running and clients connected and subscribed.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	n, err := localnet.Start(context.Background(), &localnet.Config{CloseInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c := dial(t, n)
		c.call("subscribe", map[string]any{"streams": []any{"ledger"}})
	}
	time.Sleep(50 * time.Millisecond)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The test clients' readers end once the server is gone.
		if runtime.NumGoroutine() <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
