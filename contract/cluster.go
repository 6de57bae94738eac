package contract

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/evernode-go/sdk/memo"
)

// Endpoint is one node of a cluster: where its user port is and, optionally, the public key
// it must prove.
type Endpoint struct {
	// Addr is "host:user_port".
	Addr string
	// Key is the node's expected public key ("ed" hex); "" accepts any.
	Key string
}

// EndpointOf returns the endpoint of an acquired instance: its domain (or IP) and user
// port, pinned to its public key.
func EndpointOf(in memo.Instance) Endpoint {
	return Endpoint{Addr: net.JoinHostPort(in.Host(), in.UserPort), Key: in.Pubkey}
}

// ClusterOptions configures DialCluster; a nil *ClusterOptions uses the defaults.
type ClusterOptions struct {
	// Dial is used for every node, with ServerKey set from the endpoint.
	Dial DialOptions
	// MinNodes is how many nodes must connect; default all of them.
	MinNodes int
}

// Cluster is a user connection to several nodes of one contract: inputs are signed once and
// sent to every node, and outputs are merged by (ledger, output hash), so each is delivered
// once. Its methods are safe for concurrent use; the caller must Close it. The Cluster reads
// its clients' outputs itself: use the Cluster's NextOutput, not the clients'.
type Cluster struct {
	clients []*Client
	merged  *queue[outputItem]
	done    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	seen     map[string]bool
	seenFIFO []string
}

const clusterSeenKeep = 4096

// DialCluster connects to every endpoint concurrently with key. Nodes that fail are left
// out; if fewer than MinNodes connect, everything is closed and the per-node errors are
// returned joined.
func DialCluster(ctx context.Context, eps []Endpoint, key ed25519.PrivateKey, opts *ClusterOptions) (*Cluster, error) {
	if opts == nil {
		opts = &ClusterOptions{}
	}
	if len(eps) == 0 {
		return nil, errors.New("contract: no endpoints")
	}
	need := opts.MinNodes
	if need <= 0 || need > len(eps) {
		need = len(eps)
	}
	clients := make([]*Client, len(eps))
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts.Dial
			o.ServerKey = ep.Key
			c, err := Dial(ctx, ep.Addr, key, &o)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", ep.Addr, err)
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	var ok []*Client
	for _, c := range clients {
		if c != nil {
			ok = append(ok, c)
		}
	}
	if len(ok) < need {
		for _, c := range ok {
			c.Close()
		}
		return nil, fmt.Errorf("contract: %d of %d nodes connected, %d needed: %w", len(ok), len(eps), need, errors.Join(errs...))
	}
	qs := opts.Dial.QueueSize
	if qs <= 0 {
		qs = DefaultQueueSize
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cl := &Cluster{clients: ok, merged: newQueue[outputItem](qs), done: make(chan struct{}), cancel: cancel, seen: map[string]bool{}}
	for _, c := range ok {
		cl.wg.Add(1)
		go func() {
			defer cl.wg.Done()
			cl.pump(rctx, c)
		}()
	}
	go func() {
		cl.wg.Wait()
		close(cl.done)
	}()
	return cl, nil
}

func (cl *Cluster) pump(ctx context.Context, c *Client) {
	for {
		o, err := c.NextOutput(ctx)
		if err != nil && !errors.Is(err, ErrOutputUnverified) {
			return
		}
		if err != nil {
			cl.merged.push(outputItem{err: err})
			continue
		}
		k := strconv.FormatUint(o.LedgerSeqNo, 10) + "/" + hex.EncodeToString(o.Hash)
		cl.mu.Lock()
		dup := cl.seen[k]
		if !dup {
			cl.seen[k] = true
			cl.seenFIFO = append(cl.seenFIFO, k)
			if len(cl.seenFIFO) > clusterSeenKeep {
				delete(cl.seen, cl.seenFIFO[0])
				cl.seenFIFO = cl.seenFIFO[1:]
			}
		}
		cl.mu.Unlock()
		if !dup {
			cl.merged.push(outputItem{out: o})
		}
	}
}

// Clients returns the connected nodes' clients (owned by the Cluster: do not Close them).
func (cl *Cluster) Clients() []*Client { return append([]*Client{}, cl.clients...) }

// Close closes every connection and waits for the Cluster's goroutines.
func (cl *Cluster) Close() error {
	cl.cancel()
	for _, c := range cl.clients {
		c.Close()
	}
	<-cl.done
	return nil
}

// ClusterReceipt is the outcome of a cluster input on each node.
type ClusterReceipt struct {
	// Hash is the input hash (the same on every node unless the nodes' ledgers were too far
	// apart for one max_ledger_seq_no, in which case each node got its own signature).
	Hash []byte
	// Accepted holds the receipts by node key.
	Accepted map[string]*Receipt
	// Failed holds the errors by node key.
	Failed map[string]error
}

// SubmitInput signs input once and sends it to every node, waiting for each node's status.
// It fails only if no node accepted it; per-node failures are in the receipt.
func (cl *Cluster) SubmitInput(ctx context.Context, input []byte, opts *InputOptions) (*ClusterReceipt, error) {
	if opts == nil {
		opts = &InputOptions{}
	}
	n := len(cl.clients)
	lcls := make([]uint64, n)
	errs := make([]error, n)
	if opts.MaxLedgerSeqNo == 0 {
		var wg sync.WaitGroup
		for i, c := range cl.clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lcls[i], _, errs[i] = c.LCL(ctx)
			}()
		}
		wg.Wait()
	}
	off := opts.MaxLedgerOffset
	if off == 0 {
		off = DefaultMaxLedgerOffset
	}
	lo, hi := uint64(0), uint64(0)
	first := true
	for i := range cl.clients {
		if errs[i] != nil {
			continue
		}
		if first || lcls[i] < lo {
			lo = lcls[i]
		}
		if first || lcls[i] > hi {
			hi = lcls[i]
		}
		first = false
	}
	nonce := opts.Nonce
	if nonce == 0 { // above every client's last nonce, so that every node takes it
		nonce = uint64(time.Now().UnixMilli())
		for _, c := range cl.clients {
			c.mu.Lock()
			nonce = max(nonce, c.lastNonce+1)
			c.mu.Unlock()
		}
	}
	for _, c := range cl.clients {
		c.nextNonce(nonce)
	}
	shared := opts.MaxLedgerSeqNo != 0 || lo+off > hi
	var common signedInput
	var err error
	if shared {
		maxLedger := opts.MaxLedgerSeqNo
		if maxLedger == 0 {
			maxLedger = lo + off
		}
		if common, err = signInput(cl.clients[0].proto, cl.clients[0].priv, input, nonce, maxLedger); err != nil {
			return nil, err
		}
	}
	rc := &ClusterReceipt{Accepted: map[string]*Receipt{}, Failed: map[string]error{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range cl.clients {
		if errs[i] != nil {
			rc.Failed[c.NodeKey()] = errs[i]
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			si := common
			var err error
			if !shared || c.proto != common.proto {
				si, err = signInput(c.proto, c.priv, input, nonce, lcls[i]+off)
			}
			var r *Receipt
			if err == nil {
				r, err = c.submitSigned(ctx, si, opts.NoWait, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if rc.Hash == nil || c == cl.clients[0] {
				rc.Hash = si.hash
			}
			if err != nil {
				rc.Failed[c.NodeKey()] = err
				return
			}
			rc.Accepted[c.NodeKey()] = r
		}()
	}
	wg.Wait()
	if len(rc.Accepted) == 0 {
		var all []error
		for k, e := range rc.Failed {
			all = append(all, fmt.Errorf("%s: %w", k, e))
		}
		return rc, errors.Join(all...)
	}
	return rc, nil
}

// NextOutput returns the next output delivered by any node, each (ledger, output hash)
// once; Output.Node is the first node that delivered it. Failed verifications are returned
// as *OutputError. After every connection has ended it returns ErrClosed.
func (cl *Cluster) NextOutput(ctx context.Context) (Output, error) {
	it, err := cl.merged.pop(ctx, cl.done, func() error { return ErrClosed })
	if err != nil {
		return Output{}, err
	}
	return it.out, it.err
}

// Outputs iterates over NextOutput until ctx ends, every connection ends or the loop breaks.
func (cl *Cluster) Outputs(ctx context.Context) iter.Seq2[Output, error] {
	return func(yield func(Output, error) bool) {
		for {
			o, err := cl.NextOutput(ctx)
			if !yield(o, err) {
				return
			}
			if err != nil && !errors.Is(err, ErrOutputUnverified) {
				return
			}
		}
	}
}

// DeployOptions configures Deploy; a nil *DeployOptions uses the defaults.
type DeployOptions struct {
	// Dial is used for every node (Protocol is forced to BSON, ServerKey to the instance's).
	Dial DialOptions
	// Upload is used for every node; its Progress callback is called from one goroutine
	// per node, concurrently.
	Upload UploadOptions
}

// DeployResult is the outcome of a deploy on one instance.
type DeployResult struct {
	Instance memo.Instance
	// Result is set on success.
	Result *UploadResult
	// Err is set on failure: a dial, upload (*UploadError) or input error.
	Err error
}

// ClusterConfig returns the UNL (every instance's key) and mesh.known_peers
// ("domain:peer_port" of every instance) of a cluster of instances.
func ClusterConfig(instances []memo.Instance) (unl, peers []string) {
	for _, in := range instances {
		unl = append(unl, in.Pubkey)
		peers = append(peers, net.JoinHostPort(in.Host(), in.PeerPort))
	}
	return unl, peers
}

// Deploy uploads one bundle to every instance concurrently, with one UNL made of all the
// instances' keys and every instance as a known peer (evdevkit cluster-create writes the
// same). owner is the owner key given at acquire. It returns a result per instance, in
// order, and an error joining the failures (nil if every node succeeded).
func Deploy(ctx context.Context, instances []memo.Instance, owner ed25519.PrivateKey, b *Bundle, opts *DeployOptions) ([]DeployResult, error) {
	if opts == nil {
		opts = &DeployOptions{}
	}
	if len(instances) == 0 {
		return nil, errors.New("contract: no instances")
	}
	unl, peers := ClusterConfig(instances)
	z, err := b.Zip(&ZipOptions{InstanceKeys: unl, KnownPeers: peers, MaxMessageBytes: opts.Upload.MaxMessageBytes})
	if err != nil {
		return nil, err
	}
	res := make([]DeployResult, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		res[i].Instance = in
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep := EndpointOf(in)
			d := opts.Dial
			d.Protocol, d.ServerKey = ProtocolBSON, ep.Key
			c, err := Dial(ctx, ep.Addr, owner, &d)
			if err != nil {
				res[i].Err = err
				return
			}
			defer c.Close()
			u := opts.Upload
			res[i].Result, res[i].Err = UploadZip(ctx, c, z, &u)
		}()
	}
	wg.Wait()
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			name := r.Instance.Name
			if name == "" {
				name = r.Instance.Pubkey
			}
			errs = append(errs, fmt.Errorf("instance %s: %w", name, r.Err))
		}
	}
	return res, errors.Join(errs...)
}
