package hookvm

import "errors"

// Serialised type codes (rippled's SerializedTypeID).
const (
	stiUInt16    = 1
	stiUInt32    = 2
	stiUInt64    = 3
	stiHash128   = 4
	stiHash256   = 5
	stiAmount    = 6
	stiVL        = 7
	stiAccount   = 8
	stiObject    = 14
	stiArray     = 15
	stiUInt8     = 16
	stiHash160   = 17
	stiPathSet   = 18
	stiVector256 = 19
	stiUInt96    = 20
	stiUInt192   = 21
	stiUInt384   = 22
	stiUInt512   = 23

	stiTransaction = 10001
	stiLedgerEntry = 10002
)

var errSTO = errors.New("hookvm: malformed serialized object")

// stNode is one serialised field as a hook sees it through a slot: its type
// and field code and its value in rippled's "add" form (what slot() and
// otxn_field() return): a VL field keeps its length prefix, an object is its
// fields without the end marker, an array is its elements (each with header
// and end marker) without the array end marker.
type stNode struct {
	typ, nth int
	val      []byte
}

// fieldCode is the SField code the hook API uses: type << 16 | nth.
func (n stNode) fieldCode() int64 { return int64(n.typ)<<16 | int64(n.nth) }

// readHeader parses a field header at b.
func readHeader(b []byte) (typ, nth, n int, err error) {
	if len(b) < 1 {
		return 0, 0, 0, errSTO
	}
	typ, nth, n = int(b[0]>>4), int(b[0]&0xF), 1
	if typ == 0 {
		if len(b) <= n {
			return 0, 0, 0, errSTO
		}
		typ = int(b[n])
		n++
	}
	if nth == 0 {
		if len(b) <= n {
			return 0, 0, 0, errSTO
		}
		nth = int(b[n])
		n++
	}
	return typ, nth, n, nil
}

// vlLength decodes a VL prefix: the payload length and the prefix size.
func vlLength(b []byte) (int, int, error) {
	if len(b) < 1 {
		return 0, 0, errSTO
	}
	b0 := int(b[0])
	switch {
	case b0 <= 192:
		return b0, 1, nil
	case b0 <= 240:
		if len(b) < 2 {
			return 0, 0, errSTO
		}
		return 193 + (b0-193)*256 + int(b[1]), 2, nil
	case b0 <= 254:
		if len(b) < 3 {
			return 0, 0, errSTO
		}
		return 12481 + (b0-241)*65536 + int(b[1])*256 + int(b[2]), 3, nil
	}
	return 0, 0, errSTO
}

// readField parses the field at the start of b. It returns the node, the
// bytes the field used (header, value and any end marker), and whether b
// started with an object (0xE1) or array (0xF1) end marker instead.
func readField(b []byte, depth int) (stNode, int, error) {
	if depth > 16 {
		return stNode{}, 0, errSTO
	}
	typ, nth, h, err := readHeader(b)
	if err != nil {
		return stNode{}, 0, err
	}
	rest := b[h:]
	size := 0
	switch typ {
	case stiUInt8:
		size = 1
	case stiUInt16:
		size = 2
	case stiUInt32:
		size = 4
	case stiUInt64:
		size = 8
	case stiHash128:
		size = 16
	case stiHash160:
		size = 20
	case stiUInt96:
		size = 12
	case stiUInt192:
		size = 24
	case stiHash256:
		size = 32
	case stiUInt384:
		size = 48
	case stiUInt512:
		size = 64
	case stiAmount:
		if len(rest) < 1 {
			return stNode{}, 0, errSTO
		}
		size = 8
		if rest[0]&0x80 != 0 {
			size = 48
		}
	case stiVL, stiAccount, stiVector256:
		l, p, err := vlLength(rest)
		if err != nil {
			return stNode{}, 0, err
		}
		size = p + l
	case stiObject:
		n, err := objectLen(rest, depth+1)
		if err != nil {
			return stNode{}, 0, err
		}
		return stNode{typ, nth, rest[:n]}, h + n + 1, nil
	case stiArray:
		n, err := arrayLen(rest, depth+1)
		if err != nil {
			return stNode{}, 0, err
		}
		return stNode{typ, nth, rest[:n]}, h + n + 1, nil
	case stiPathSet:
		n, err := pathSetLen(rest)
		if err != nil {
			return stNode{}, 0, err
		}
		size = n
	default:
		return stNode{}, 0, errSTO
	}
	if len(rest) < size {
		return stNode{}, 0, errSTO
	}
	return stNode{typ, nth, rest[:size]}, h + size, nil
}

// objectLen is the length of an inner object's fields up to its 0xE1 end
// marker (not included).
func objectLen(b []byte, depth int) (int, error) {
	n := 0
	for {
		if n >= len(b) {
			return 0, errSTO
		}
		if b[n] == 0xE1 {
			return n, nil
		}
		_, used, err := readField(b[n:], depth)
		if err != nil {
			return 0, err
		}
		n += used
	}
}

// arrayLen is the length of an array's elements up to its 0xF1 end marker.
func arrayLen(b []byte, depth int) (int, error) {
	n := 0
	for {
		if n >= len(b) {
			return 0, errSTO
		}
		if b[n] == 0xF1 {
			return n, nil
		}
		f, used, err := readField(b[n:], depth)
		if err != nil {
			return 0, err
		}
		if f.typ != stiObject {
			return 0, errSTO
		}
		n += used
	}
}

func pathSetLen(b []byte) (int, error) {
	n := 0
	for {
		if n >= len(b) {
			return 0, errSTO
		}
		t := b[n]
		n++
		if t == 0x00 {
			return n, nil
		}
		if t == 0xFF {
			continue
		}
		for _, bit := range []byte{0x01, 0x10, 0x20} {
			if t&bit != 0 {
				n += 20
			}
		}
		if n > len(b) {
			return 0, errSTO
		}
	}
}

// children lists the fields of an object node or the elements of an array
// node.
func (n stNode) children() ([]stNode, error) {
	var out []stNode
	b := n.val
	for len(b) > 0 {
		f, used, err := readField(b, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		b = b[used:]
	}
	return out, nil
}

// isObject reports whether the node is an object (a transaction and a
// ledger entry are objects too).
func (n stNode) isObject() bool {
	return n.typ == stiObject || n.typ == stiTransaction || n.typ == stiLedgerEntry
}

// subfield finds field code fc in an object node.
func (n stNode) subfield(fc int64) (stNode, bool, error) {
	kids, err := n.children()
	if err != nil {
		return stNode{}, false, err
	}
	for _, k := range kids {
		if k.fieldCode() == fc {
			return k, true, nil
		}
	}
	return stNode{}, false, nil
}

// rootNode wraps a whole serialised transaction or ledger entry.
func rootNode(typ int, b []byte) stNode { return stNode{typ: typ, nth: 1, val: b} }
