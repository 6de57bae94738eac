package evernode

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publishedDefinitions has the shape of evernode-resources
// definitions/definitions.json (3dd43c9), with a changed testnet and an
// extra network, as a future edition might publish.
const publishedDefinitions = `{
    "testnet": {
        "governorAddress": "rGVHr1PrfL93UAjyw3DWZoi9adz2sLp2yL",
        "rippledServer": "wss://testnet.example.org",
        "stateIndexId": "evernodeindex2",
        "networkID": 21339,
        "minVersions": {
            "reputationD": "0.13.0",
            "sashimono": "0.12.1"
        }
    },
    "mainnet": {
        "governorAddress": "rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg",
        "rippledServer": "wss://xahau.network",
        "stateIndexId": "evernodeprod",
        "networkID": 21337,
        "minVersions": {
            "reputationD": "0.11.0"
        }
    },
    "betanet": {
        "governorAddress": "rUZXZuqhjRP2ouHTmBncp2pmntt2WmNo9c",
        "rippledServer": "ws://127.0.0.1:6005",
        "networkID": 21400
    }
}`

func TestLoadNetworksFromPublishedShape(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		_, _ = w.Write([]byte(publishedDefinitions))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nets, err := LoadNetworks(ctx, srv.URL+"/definitions/definitions.json", nil)
	require.NoError(t, err)
	assert.Equal(t, "/definitions/definitions.json", path)

	tn := nets["testnet"]
	assert.Equal(t, "rGVHr1PrfL93UAjyw3DWZoi9adz2sLp2yL", tn.GovernorAddress)
	assert.Equal(t, "wss://testnet.example.org", tn.URL)
	assert.Equal(t, uint32(21339), tn.NetworkID)
	assert.Equal(t, Xahau, tn.Chain)
	assert.Equal(t, "testnet", tn.Name)
	assert.Equal(t, "evernodeindex2", tn.StateIndexID)
	v, ok := tn.MinVersion("sashimono")
	assert.True(t, ok)
	assert.Equal(t, "0.12.1", v)
	ok, err = tn.Accepts("reputationD", "0.12.9")
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = tn.Accepts("reputationD", "0.13")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = tn.Accepts("hostd", "0.0.1")
	assert.True(t, ok, "no minimum")
	_, err = tn.Accepts("reputationD", "x.1")
	assert.ErrorIs(t, err, ErrNetworks)

	assert.Equal(t, Mainnet(), nets["mainnet"].Network)
	assert.Equal(t, uint32(21400), nets["betanet"].NetworkID)
	assert.Nil(t, nets["betanet"].MinVersions)
	// Not in the file: the compiled-in preset stays.
	assert.Equal(t, Devnet(), nets["devnet"].Network)
}

func TestDefaultNetworksMatchPresets(t *testing.T) {
	d := DefaultNetworks()
	assert.Equal(t, Mainnet(), d["mainnet"].Network)
	assert.Equal(t, Testnet(), d["testnet"].Network)
	assert.Equal(t, Devnet(), d["devnet"].Network)
	for name, n := range d {
		v, ok := n.MinVersion("reputationD")
		assert.True(t, ok, name)
		assert.NotEmpty(t, v)
	}
	d["mainnet"].MinVersions["reputationD"] = "9"
	assert.Equal(t, "0.11.0", DefaultNetworks()["mainnet"].MinVersions["reputationD"], "no shared state")
}

func TestLoadNetworksFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for name, body := range map[string]string{
		"not json":       `<html>`,
		"bad governor":   `{"mainnet": {"governorAddress": "rNope", "rippledServer": "wss://x", "networkID": 1}}`,
		"http server":    `{"mainnet": {"governorAddress": "rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg", "rippledServer": "https://x", "networkID": 1}}`,
		"oversized file": `{"a":"` + strings.Repeat("x", maxDefinitionsSize) + `"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) }))
		_, err := LoadNetworks(ctx, srv.URL, nil)
		assert.ErrorIs(t, err, ErrNetworks, name)
		srv.Close()
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	_, err := LoadNetworks(ctx, srv.URL, &LoadNetworksOptions{HTTPClient: srv.Client()})
	assert.ErrorIs(t, err, ErrNetworks)
	srv.Close()

	block := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	_, err = LoadNetworks(short, srv.URL, nil)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
}

// FuzzParseNetworks: any input parses or fails with ErrNetworks, never
// panics, and what parses names valid governors and websocket URLs.
func FuzzParseNetworks(f *testing.F) {
	f.Add([]byte(publishedDefinitions))
	f.Add([]byte(`{"x": {"governorAddress": "rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg", "rippledServer": "ws://a", "networkID": 1, "minVersions": {"a": "1"}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		nets, err := ParseNetworks(b)
		if err != nil {
			if !errors.Is(err, ErrNetworks) {
				t.Fatalf("error %v does not wrap ErrNetworks", err)
			}
			return
		}
		for name, n := range nets {
			if !strings.HasPrefix(n.URL, "ws") || n.GovernorAddress == "" || n.Name != name {
				t.Fatalf("%s: %+v", name, n)
			}
			for c := range n.MinVersions {
				_, _ = n.Accepts(c, "1.2.3")
			}
		}
	})
}
