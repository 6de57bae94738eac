package hook

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/vectors"
)

type stateKeysFile struct {
	Note   string `json:"note"`
	Inputs struct {
		HostAddress           string `json:"hostAddress"`
		TransfereeAddress     string `json:"transfereeAddress"`
		RegTokenID            string `json:"regTokenId"`
		ProposalHashes        string `json:"proposalHashes"`
		ReputationHookAddress string `json:"reputationHookAddress"`
		ReputationDelegate    string `json:"reputationDelegate"`
	} `json:"inputs"`
	Keys          map[string]string `json:"keys"`
	LedgerIndexes map[string]string `json:"ledgerIndexes"`
}

func mustAccount(t testing.TB, a string) AccountID {
	t.Helper()
	id, err := ParseAccountID(a)
	if err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if id.String() != a {
		t.Fatalf("address round trip: %s != %s", id, a)
	}
	return id
}

var numSuffix = regexp.MustCompile(`_(m|id)(\d+)`)

// buildKey rebuilds a named key of state-keys.json from the inputs: the
// name says which builder, with _m<moment> and _id<orderedId> parameters.
func buildKey(t *testing.T, f *stateKeysFile, name string) (Key, bool) {
	t.Helper()
	host := mustAccount(t, f.Inputs.HostAddress)
	var moment, id uint64
	for _, m := range numSuffix.FindAllStringSubmatch(name, -1) {
		n, _ := strconv.ParseUint(m[2], 10, 64)
		if m[1] == "m" {
			moment = n
		} else {
			id = n
		}
	}
	base := numSuffix.ReplaceAllString(name, "")
	tok, _ := decodeHex32(f.Inputs.RegTokenID)
	var hashes [128]byte
	copy(hashes[:], mustHex(t, f.Inputs.ProposalHashes))
	switch base {
	case "hostAddr":
		return HostAddrKey(host), true
	case "tokenId":
		return TokenIDKey(tok), true
	case "transfereeAddr":
		return TransfereeAddrKey(mustAccount(t, f.Inputs.TransfereeAddress)), true
	case "candidateOwner":
		return CandidateOwnerKey(host), true
	case "newHookCandidateId":
		return Key(NewHookCandidateID(hashes)), true
	case "pilotedModeCandidateId":
		return Key(PilotedModeCandidateID()), true
	case "candidateIdKey_newHook":
		return CandidateIDKey(NewHookCandidateID(hashes)), true
	case "reputationHostAddr":
		return ReputationHostAddrKey(host), true
	case "reputationHostOrderAddress":
		return ReputationOrderAddressKey(host, moment), true
	case "reputationHostOrderedId":
		return ReputationOrderedIDKey(id, moment), true
	case "reputationHostCount":
		return ReputationHostCountKey(moment), true
	case "reputationContractInfo":
		return ReputationContractInfoKey(host), true
	}
	return Key{}, false
}

func governorFrom(note string) string {
	if m := regexp.MustCompile(`Governor account used: (r[1-9A-HJ-NP-Za-km-z]{24,34})`).FindStringSubmatch(note); m != nil {
		return m[1]
	}
	return evernode.Mainnet().GovernorAddress
}

func TestStateKeysVectors(t *testing.T) {
	var f stateKeysFile
	vectors.Load(t, "state-keys.json", &f)
	if len(f.Keys) == 0 || len(f.LedgerIndexes) == 0 {
		t.Fatal("empty vector file")
	}
	for name, want := range f.Keys {
		if name == "dudHostCandidateId" {
			// The file does not say whose: accept any input account.
			ok := false
			for _, a := range []string{f.Inputs.HostAddress, f.Inputs.TransfereeAddress, f.Inputs.ReputationHookAddress, f.Inputs.ReputationDelegate} {
				id := DudHostCandidateID(mustAccount(t, a))
				ok = ok || upperHex(id[:]) == want
			}
			if !ok {
				t.Errorf("%s: %s is no input account's dud host id", name, want)
			}
			continue
		}
		k, ok := buildKey(t, &f, name)
		if !ok {
			t.Errorf("key %s: no builder", name)
			continue
		}
		if k.String() != want {
			t.Errorf("key %s = %s, want %s", name, k, want)
		}
	}
	gov := mustAccount(t, governorFrom(f.Note))
	configKeys := map[string]Key{}
	for i := ConfigIndex(0); i < 0x20; i++ {
		if n := ConfigName(i); n != "" {
			configKeys[n] = ConfigKey(i)
		}
	}
	for s := Singleton(0x30); s < 0x40; s++ {
		if n := SingletonName(s); n != "" {
			configKeys[n] = SingletonKey(s)
		}
	}
	for name, want := range f.LedgerIndexes {
		account, ns := gov, Namespace()
		base := name
		if i := strings.IndexByte(name, '@'); i >= 0 {
			base = name[:i]
			switch where := name[i+1:]; {
			case strings.HasPrefix(where, "reputationHook"):
				account = mustAccount(t, f.Inputs.ReputationHookAddress)
			case strings.HasPrefix(where, "delegate"):
				account = mustAccount(t, f.Inputs.ReputationDelegate)
				if strings.Contains(where, "hostReputationNamespace") {
					ns = HostReputationNamespace()
				}
			default:
				t.Errorf("%s: unknown account suffix", name)
				continue
			}
		}
		var key Key
		if c, ok := strings.CutPrefix(base, "config:"); ok {
			k, found := configKeys[c]
			if !found {
				t.Errorf("%s: unknown configuration key", name)
				continue
			}
			key = k
		} else {
			k, found := buildKey(t, &f, base)
			if !found {
				t.Errorf("%s: no builder", name)
				continue
			}
			key = k
		}
		if got := StateIndexHex(account, key, ns); got != want {
			t.Errorf("index %s = %s, want %s", name, got, want)
		}
	}
}

func TestRegistrationURIVector(t *testing.T) {
	var v struct {
		HostRegTxHash   string `json:"hostRegTxHash"`
		RegistryAddress string `json:"registryAddress"`
		URIAscii        string `json:"uriAscii"`
		URIHex          string `json:"uriHex"`
		URITokenID      string `json:"uriTokenId"`
		TokenIDStateKey string `json:"tokenIdStateKey"`
	}
	vectors.Load(t, "registration-uri.json", &v)
	hash, ok := decodeHex32(v.HostRegTxHash)
	if !ok {
		t.Fatal("bad hash")
	}
	uri := RegistrationTokenURI(hash)
	if string(uri) != v.URIAscii || upperHex(uri) != strings.ToUpper(v.URIHex) {
		t.Errorf("URI = %s (%X), want %s (%s)", uri, uri, v.URIAscii, v.URIHex)
	}
	id := RegistrationTokenID(mustAccount(t, v.RegistryAddress), hash)
	if upperHex(id[:]) != v.URITokenID {
		t.Errorf("token id = %X, want %s", id, v.URITokenID)
	}
	if k := TokenIDKey(id); k.String() != v.TokenIDStateKey {
		t.Errorf("TOKEN_ID key = %s, want %s", k, v.TokenIDStateKey)
	}
}

func TestParseAccountIDRejects(t *testing.T) {
	for _, a := range []string{"", "r", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZx", "xPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK",
		// Non-ASCII once panicked inside the base58 decoder.
		"r€", "r\xff\xfe", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdV€", "€€€€€€€€€€€€€€€€€€€€€€€€€€€"} {
		if _, err := ParseAccountID(a); err == nil {
			t.Errorf("ParseAccountID(%q) succeeded", a)
		}
	}
}
