package docker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evernode-go/sdk/instance"
	"github.com/evernode-go/sdk/instance/docker"
)

// New fails with an *instance.BackendError naming the operation when no
// engine answers on the socket, so a host can report it and stop; nothing is
// left behind. (This example points at a socket that does not exist, so it
// runs the same on any machine.)
func ExampleNew() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := docker.New(ctx, docker.Config{Socket: "/nonexistent/docker.sock"})
	var be *instance.BackendError
	if errors.As(err, &be) {
		fmt.Println("no engine:", be.Backend, "backend could not", be.Op)
		return
	}
	if err == nil {
		p.Close()
	}
	fmt.Println("unexpected:", err)
	// Output: no engine: docker backend could not ping
}

// The lease lifecycle against a real engine: Create when a tenant acquires,
// Inspect for status, Destroy at expiry or termination. It needs an engine
// and the instance image, so it is compiled here and run by the package's
// integration tests (CI runs them with EVERNODE_REQUIRE_DOCKER=1).
func Example_lifecycle() {
	ctx := context.Background()
	p, err := docker.New(ctx, docker.Config{MaxInstances: 3})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	per, err := instance.PerInstance(instance.DefaultTotals(3), 3)
	if err != nil {
		panic(err)
	}
	info, err := p.Create(ctx, instance.CreateRequest{
		Name:   "9B0C6E8D41D0B2D1A9F1E0E5C3A3F0A7D6F5E4C3B2A1908F7E6D5C4B3A291807", // the lease token id
		Tenant: "rTenant…",
		Requirements: instance.Requirements{
			OwnerPubkey: "ed0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			ContractID:  "3c349abe-4d70-4f50-9fa6-018f1f2530ab",
		},
		Resources: per,
		Expiry:    time.Now().Add(time.Hour),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Status, info.Details.UserPort)
	if err := p.Destroy(ctx, info.Details.Name); err != nil && !errors.Is(err, instance.ErrNotFound) {
		panic(err)
	}
}
