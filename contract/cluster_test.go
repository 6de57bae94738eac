package contract

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evernode-go/sdk/internal/hotpocket"
	"github.com/evernode-go/sdk/memo"
)

// startOwnedNode is startNode with a given owner key (a tenant acquires every node of a
// cluster with one key).
func startOwnedNode(t *testing.T, owner ed25519.PrivateKey) *testNode {
	t.Helper()
	n := startNode(t, "", false, func(cfg *hotpocket.Config) { cfg.Contract.BinArgs = pubHex(owner) })
	n.owner = owner
	return n
}

func TestDeploy(t *testing.T) {
	owner := newKey(t)
	var nodes []*testNode
	var insts []memo.Instance
	for i := range 3 {
		n := startOwnedNode(t, owner)
		nodes = append(nodes, n)
		in := n.instance("NODE" + string(rune('A'+i)))
		in.PeerPort = string(rune('1'+i)) + "2861"
		insts = append(insts, in)
	}
	ctx := testCtx(t, hangTimeout)
	res, err := Deploy(ctx, insts, owner, echoBundle(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	unl, peers := ClusterConfig(insts)
	for i, r := range res {
		if r.Err != nil || r.Result == nil || !r.Result.Confirmed || r.Instance.Name != insts[i].Name {
			t.Fatalf("node %d: %+v", i, r)
		}
		cfg := nodes[i].Config()
		if cfg.Contract.BinPath != "echocontract" || !sameSet(cfg.Contract.UNL, unl) {
			t.Fatalf("node %d config after deploy: bin %s unl %v", i, cfg.Contract.BinPath, cfg.Contract.UNL)
		}
	}
	if len(peers) != 3 || !strings.HasSuffix(peers[2], ":32861") {
		t.Fatalf("peers %v", peers)
	}

	// Per-node errors: one instance pinned to a wrong key, one whose bootstrap is gone.
	fresh := startOwnedNode(t, owner)
	bad := fresh.instance("WRONGKEY")
	bad.Pubkey = pubHex(newKey(t))
	good := startOwnedNode(t, owner)
	res, err = Deploy(ctx, []memo.Instance{good.instance("GOOD"), bad, insts[0]}, owner, echoBundle(t), &DeployOptions{Upload: UploadOptions{ProbeTimeout: 2 * time.Second}})
	if err == nil || !strings.Contains(err.Error(), "WRONGKEY") {
		t.Fatalf("joined error %v", err)
	}
	var ue *UploadError
	switch {
	case res[0].Err != nil:
		t.Fatalf("good node: %v", res[0].Err)
	case !errors.Is(res[1].Err, ErrKeyMismatch):
		t.Fatalf("wrong key: %v", res[1].Err)
	case !errors.As(res[2].Err, &ue) || ue.Code != CodeBootstrapUnavailable:
		t.Fatalf("deployed node: %v", res[2].Err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestCluster(t *testing.T) {
	a, b := startNode(t, "", true, nil), startNode(t, "", true, nil)
	ctx := testCtx(t, hangTimeout)
	key := newKey(t)
	eps := []Endpoint{{Addr: a.addr(), Key: a.PublicKey()}, {Addr: b.addr(), Key: b.PublicKey()}}
	cl, err := DialCluster(ctx, eps, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if len(cl.Clients()) != 2 {
		t.Fatal("clients")
	}
	rc, err := cl.SubmitInput(ctx, []byte("to all"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Accepted) != 2 || len(rc.Failed) != 0 || len(rc.Hash) != 32 {
		t.Fatalf("receipt %+v", rc)
	}
	for _, r := range rc.Accepted {
		if string(r.Hash) != string(rc.Hash) {
			t.Fatal("the nodes got different signatures")
		}
	}
	o := nextOutputWith(t, ctx, cl, "to all")
	if !o.Verified {
		t.Fatal("unverified")
	}
	// Explicit nonces below the last one are refused everywhere.
	rc, err = cl.SubmitInput(ctx, []byte("old"), &InputOptions{Nonce: 1})
	if !errors.Is(err, ErrInputRejected) || len(rc.Failed) != 2 {
		t.Fatalf("old nonce: %+v %v", rc, err)
	}

	// A node that is down: MinNodes 1 connects to the rest, the default needs all.
	down := Endpoint{Addr: "127.0.0.1:1"}
	if _, err := DialCluster(ctx, append(eps[:1:1], down), newKey(t), nil); err == nil {
		t.Fatal("a cluster with a node down connected")
	}
	cl2, err := DialCluster(ctx, append(eps[:1:1], down), newKey(t), &ClusterOptions{MinNodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	cl2.Close()
}
