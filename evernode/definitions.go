package evernode

import "github.com/evernode-go/sdk/internal/codec"

// Definitions is a set of binary-codec definitions: the types, fields,
// transaction types and result codes of one network. It is immutable and
// safe for concurrent use.
type Definitions struct {
	d *codec.Definitions
}

// ParseDefinitions reads definitions in the JSON form that a node's
// server_definitions command returns (the same form as definitions.json).
func ParseDefinitions(b []byte) (*Definitions, error) {
	d, err := codec.ParseDefinitions(b)
	if err != nil {
		return nil, err
	}
	return &Definitions{d: d}, nil
}

// defs returns the codec definitions for the network.
func (n Network) defs() *codec.Definitions {
	if n.Definitions != nil {
		return n.Definitions.d
	}
	if n.chain() == XRPL {
		return codec.XRPL()
	}
	return codec.Xahau()
}

// ResultCode returns the numeric code of an engine result name on the
// network ("tecHOOK_REJECTED" exists only on Xahau).
func (n Network) ResultCode(name string) (int, bool) {
	return n.defs().ResultCode(name)
}
