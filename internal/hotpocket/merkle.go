package hotpocket

import (
	"bytes"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/evernode-go/sdk/internal/hpwire"
)

// mnode is a node of hpcore's user-output hash tree (util/merkle_hash_tree.cpp).
type mnode struct {
	hash     []byte
	children []*mnode
	retained bool
}

const merkleBlockSize = 16

// buildMerkle groups leaves bottom-up in blocks of 16; a parent's hash is BLAKE3 of its
// children's hashes and a parent with one child is replaced by that child.
func buildMerkle(leaves [][]byte) *mnode {
	nodes := make([]*mnode, len(leaves))
	for i, l := range leaves {
		nodes[i] = &mnode{hash: l}
	}
	if len(nodes) == 0 {
		return &mnode{hash: make([]byte, 32)}
	}
	for len(nodes) > 1 {
		var parents []*mnode
		for i := 0; i < len(nodes); i += merkleBlockSize {
			end := min(i+merkleBlockSize, len(nodes))
			group := nodes[i:end]
			if len(group) == 1 {
				parents = append(parents, group[0])
				continue
			}
			hs := make([][]byte, len(group))
			for j, c := range group {
				hs[j] = c.hash
			}
			parents = append(parents, &mnode{hash: hpwire.Hash(hs...), children: append([]*mnode{}, group...)})
		}
		nodes = parents
	}
	return nodes[0]
}

// collapse returns a copy of the tree in which every subtree not holding retain is a single
// hash and the retained leaf is marked (serialised as null).
func (n *mnode) collapse(retain []byte) *mnode {
	c := n.clone()
	c.retain(retain)
	return c
}

func (n *mnode) clone() *mnode {
	c := &mnode{hash: n.hash}
	for _, ch := range n.children {
		c.children = append(c.children, ch.clone())
	}
	return c
}

func (n *mnode) retain(h []byte) bool {
	if h == nil || bytes.Equal(n.hash, h) {
		n.children = nil
		n.retained = h != nil
		return true
	}
	found := false
	for _, ch := range n.children {
		var want []byte
		if !found {
			want = h
		}
		if ch.retain(want) {
			found = true
		}
	}
	if !found {
		n.children = nil
	}
	return found
}

func (n *mnode) jsonValue() any {
	if len(n.children) == 0 {
		if n.retained {
			return nil
		}
		return lowerHex(n.hash)
	}
	a := make([]any, len(n.children))
	for i, c := range n.children {
		a[i] = c.jsonValue()
	}
	return a
}

func (n *mnode) bsonValue() any {
	if len(n.children) == 0 {
		if n.retained {
			return nil
		}
		return bin(n.hash)
	}
	a := bson.A{}
	for _, c := range n.children {
		a = append(a, c.bsonValue())
	}
	return a
}
