package evernode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
)

// DefinitionsURL is where EvernodeXRPL publishes its network definitions
// (evernode-resources), the file evernode-js-client's Defaults.useNetwork
// fetches.
const DefinitionsURL = "https://raw.githubusercontent.com/EvernodeXRPL/evernode-resources/main/definitions/definitions.json"

// maxDefinitionsSize bounds the definitions file read (the real one is
// under 1 KiB).
const maxDefinitionsSize = 1 << 20

// ErrNetworks is wrapped by every error of LoadNetworks and ParseNetworks.
var ErrNetworks = errors.New("evernode: network definitions")

// NetworkDefinition is one network of the published definitions: the
// Network to dial, and what else the file says about it.
type NetworkDefinition struct {
	Network
	// StateIndexID names the network's Firestore state index (used by
	// Evernode's web tooling, not by this SDK).
	StateIndexID string
	// MinVersions are the lowest versions of Evernode software the
	// network accepts, by component ("reputationD": "0.11.0").
	MinVersions map[string]string
}

// MinVersion reports the lowest version of component the network accepts.
func (d NetworkDefinition) MinVersion(component string) (string, bool) {
	v, ok := d.MinVersions[component]
	return v, ok
}

// Accepts reports whether version of component is at least the network's
// minimum; a component without a minimum is accepted. Versions are
// dotted decimal ("0.12.1").
func (d NetworkDefinition) Accepts(component, version string) (bool, error) {
	min, ok := d.MinVersions[component]
	if !ok {
		return true, nil
	}
	c, err := compareVersions(version, min)
	return c >= 0, err
}

// compareVersions compares dotted decimal versions; missing parts are 0.
func compareVersions(a, b string) (int, error) {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y uint64
		var err error
		if i < len(pa) {
			if x, err = strconv.ParseUint(pa[i], 10, 32); err != nil {
				return 0, fmt.Errorf("%w: version %q", ErrNetworks, a)
			}
		}
		if i < len(pb) {
			if y, err = strconv.ParseUint(pb[i], 10, 32); err != nil {
				return 0, fmt.Errorf("%w: version %q", ErrNetworks, b)
			}
		}
		if x != y {
			if x < y {
				return -1, nil
			}
			return 1, nil
		}
	}
	return 0, nil
}

// Networks are network definitions by name ("mainnet", "testnet",
// "devnet").
type Networks map[string]NetworkDefinition

// DefaultNetworks returns the definitions compiled into this SDK: Mainnet,
// Testnet and Devnet with the minimum versions EvernodeXRPL published
// (evernode-resources 3dd43c9). It is the offline default; LoadNetworks
// gets the current ones.
func DefaultNetworks() Networks {
	return Networks{
		"mainnet": {Network: Mainnet(), StateIndexID: "evernodeprod", MinVersions: map[string]string{"reputationD": "0.11.0"}},
		"testnet": {Network: Testnet(), StateIndexID: "evernodeindex", MinVersions: map[string]string{"reputationD": "0.11.0"}},
		"devnet":  {Network: Devnet(), StateIndexID: "evernodev3devindex", MinVersions: map[string]string{"reputationD": "0.12.0"}},
	}
}

// wireDefinition is one entry of definitions.json.
type wireDefinition struct {
	GovernorAddress string            `json:"governorAddress"`
	RippledServer   string            `json:"rippledServer"`
	StateIndexID    string            `json:"stateIndexId"`
	NetworkID       uint32            `json:"networkID"`
	MinVersions     map[string]string `json:"minVersions"`
}

// ParseNetworks reads the definitions.json shape: an object of networks by
// name, each with governorAddress, rippledServer, networkID and optionally
// stateIndexId and minVersions. Every network must name a valid governor
// address and a ws:// or wss:// server. The networks are Xahau networks.
func ParseNetworks(b []byte) (Networks, error) {
	var raw map[string]wireDefinition
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNetworks, err)
	}
	out := make(Networks, len(raw))
	for name, w := range raw {
		if !addresscodec.IsValidClassicAddress(w.GovernorAddress) {
			return nil, fmt.Errorf("%w: %s: governor address %q", ErrNetworks, name, w.GovernorAddress)
		}
		if !strings.HasPrefix(w.RippledServer, "wss://") && !strings.HasPrefix(w.RippledServer, "ws://") {
			return nil, fmt.Errorf("%w: %s: server %q is not a websocket URL", ErrNetworks, name, w.RippledServer)
		}
		out[name] = NetworkDefinition{
			Network: Network{Name: name, Chain: Xahau, NetworkID: w.NetworkID, URL: w.RippledServer,
				GovernorAddress: w.GovernorAddress},
			StateIndexID: w.StateIndexID,
			MinVersions:  maps.Clone(w.MinVersions),
		}
	}
	return out, nil
}

// LoadNetworksOptions tunes LoadNetworks. A nil *LoadNetworksOptions
// means the defaults.
type LoadNetworksOptions struct {
	// HTTPClient fetches the file. Nil means a client without a timeout of
	// its own: bound the call with ctx.
	HTTPClient *http.Client
}

// LoadNetworks fetches EvernodeXRPL's published network definitions from
// url (DefinitionsURL when empty), as the JS client's Defaults.useNetwork
// does at run time, and returns them over DefaultNetworks: a network the
// file defines replaces the compiled-in one, the others stay. Nothing is
// cached or kept globally; on error the caller may fall back to
// DefaultNetworks itself.
func LoadNetworks(ctx context.Context, url string, opts *LoadNetworksOptions) (Networks, error) {
	if url == "" {
		url = DefinitionsURL
	}
	hc := &http.Client{}
	if opts != nil && opts.HTTPClient != nil {
		hc = opts.HTTPClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNetworks, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNetworks, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: %s", ErrNetworks, url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDefinitionsSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNetworks, err)
	}
	if len(b) > maxDefinitionsSize {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrNetworks, url, maxDefinitionsSize)
	}
	loaded, err := ParseNetworks(b)
	if err != nil {
		return nil, err
	}
	out := DefaultNetworks()
	maps.Copy(out, loaded)
	return out, nil
}
