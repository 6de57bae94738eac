package memo

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// MaxParamValueLen is the longest hook parameter value the Evernode hooks read
// (MAX_HOOK_PARAM_SIZE); longer data is split across the data and data2
// parameters.
const MaxParamValueLen = 256

// Indexes of the Evernode hook parameter names: a name is "EVR", 0x01, 27 zero
// bytes and the index.
const (
	ParamStateHook  byte = 1 // governor account ID, on child hook installs only
	ParamEventType  byte = 2 // event type, ASCII
	ParamEventData  byte = 3 // event data
	ParamEventData2 byte = 4 // second chunk of event data
)

// ParamName returns the 32-byte hook parameter name for an Evernode index.
func ParamName(index byte) [32]byte {
	var k [32]byte
	copy(k[:], "EVR\x01")
	k[31] = index
	return k
}

// Param is one XRPL hook parameter as raw bytes.
type Param struct {
	Name  []byte
	Value []byte
}

// ParamWire is a hook parameter in the JSON form of the XRPL APIs (uppercase
// hex; an empty value is written as "", as the JS client does).
type ParamWire struct {
	HookParameterName  string `json:"HookParameterName"`
	HookParameterValue string `json:"HookParameterValue"`
}

// Wire returns the parameter in its hex JSON form.
func (p Param) Wire() ParamWire {
	return ParamWire{HookParameterName: upperHex(p.Name), HookParameterValue: upperHex(p.Value)}
}

// ParseParamWire decodes a hook parameter from its hex JSON form.
func ParseParamWire(w ParamWire) (Param, error) {
	name, err := hex.DecodeString(w.HookParameterName)
	if err != nil || len(name) == 0 || len(name) > 32 {
		return Param{}, fmt.Errorf("%w: HookParameterName %q", ErrMalformed, w.HookParameterName)
	}
	value, err := hex.DecodeString(w.HookParameterValue)
	if err != nil {
		return Param{}, fmt.Errorf("%w: HookParameterValue: %v", ErrMalformed, err)
	}
	return Param{Name: name, Value: value}, nil
}

// Params is the Evernode view of a transaction's hook parameters: the event
// type and up to two chunks of event data. A nil Data or Data2 is left out.
type Params struct {
	Event EventType
	Data  []byte
	Data2 []byte
}

// Encode returns the hook parameters in the order the JS client writes them:
// event type, data, data2. It fails when the event type is empty or too long,
// or a data chunk is longer than the hooks read.
func (p Params) Encode() ([]Param, error) {
	if p.Event == "" || len(p.Event) > MaxEventTypeLen {
		return nil, fmt.Errorf("memo: event type %q: want 1 to %d bytes", p.Event, MaxEventTypeLen)
	}
	if len(p.Data) > MaxParamValueLen || len(p.Data2) > MaxParamValueLen {
		return nil, fmt.Errorf("memo: %s: event data longer than %d bytes", p.Event, MaxParamValueLen)
	}
	if p.Data == nil && p.Data2 != nil {
		return nil, fmt.Errorf("memo: %s: data2 without data", p.Event)
	}
	out := []Param{paramOf(ParamEventType, []byte(p.Event))}
	if p.Data != nil {
		out = append(out, paramOf(ParamEventData, p.Data))
	}
	if p.Data2 != nil {
		out = append(out, paramOf(ParamEventData2, p.Data2))
	}
	return out, nil
}

func paramOf(index byte, v []byte) Param {
	name := ParamName(index)
	return Param{Name: name[:], Value: v}
}

// ParseParams reads the Evernode parameters from a transaction's hook
// parameters. Parameters with other names are ignored, as the hooks ignore
// them. ok is false when there is no event-type parameter: then the
// transaction is not an Evernode event. A repeated Evernode parameter is
// malformed.
func ParseParams(ps []Param) (p Params, ok bool, err error) {
	seen := map[byte]bool{}
	for _, q := range ps {
		idx, evr := evernodeIndex(q.Name)
		if !evr || idx < ParamEventType || idx > ParamEventData2 {
			continue
		}
		if seen[idx] {
			return Params{}, false, fmt.Errorf("%w: repeated hook parameter %d", ErrMalformed, idx)
		}
		seen[idx] = true
		switch idx {
		case ParamEventType:
			p.Event = EventType(q.Value)
		case ParamEventData:
			p.Data = q.Value
		case ParamEventData2:
			p.Data2 = q.Value
		}
	}
	if !seen[ParamEventType] {
		return Params{}, false, nil
	}
	if p.Event == "" || len(p.Event) > MaxEventTypeLen {
		return Params{}, false, fmt.Errorf("%w: event type of %d bytes", ErrMalformed, len(p.Event))
	}
	return p, true, nil
}

// evernodeIndex reports whether name is an Evernode parameter name and its
// index.
func evernodeIndex(name []byte) (byte, bool) {
	if len(name) != 32 {
		return 0, false
	}
	want := ParamName(name[31])
	return name[31], string(want[:]) == string(name)
}

// DataHex returns the event data as uppercase hex, the form the JS client
// reports (references, token ids).
func (p Params) DataHex() string {
	return strings.ToUpper(hex.EncodeToString(p.Data))
}
