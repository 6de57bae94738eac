package hook

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/vectors"
	"github.com/evernode-go/sdk/memo"
)

type hookParamArg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type txCase struct {
	Method string            `json:"method"`
	Args   []json.RawMessage `json:"args"`
	Wire   *struct {
		HookParameters json.RawMessage `json:"HookParameters"`
		Memos          json.RawMessage `json:"Memos"`
	} `json:"wire"`
}

// leaseEvents are answered by package lease, not here.
func isLeaseEvent(ev memo.EventType) bool {
	switch ev {
	case memo.EventAcquireLease, memo.EventAcquireSuccess, memo.EventAcquireError, memo.EventExtendLease,
		memo.EventExtendSuccess, memo.EventExtendError, memo.EventTerminateLease, memo.EventRefund:
		return true
	}
	return false
}

// caseParams finds the hookParams of a case's options argument.
func caseParams(t *testing.T, c txCase) (ev memo.EventType, data []byte, ok bool) {
	t.Helper()
	for _, a := range c.Args {
		var o struct {
			HookParams []hookParamArg `json:"hookParams"`
		}
		if json.Unmarshal(a, &o) != nil || o.HookParams == nil {
			continue
		}
		for _, p := range o.HookParams {
			name := mustHex(t, p.Name)
			switch name[31] {
			case memo.ParamEventType:
				ev = memo.EventType(p.Value)
			case memo.ParamEventData:
				data = mustHex(t, p.Value)
			}
		}
		return ev, data, true
	}
	return "", nil, false
}

func argString(t *testing.T, c txCase, i int) string {
	t.Helper()
	if i >= len(c.Args) {
		t.Fatalf("%s: no argument %d", c.Method, i)
	}
	var s *string
	if err := json.Unmarshal(c.Args[i], &s); err != nil {
		t.Fatalf("%s: argument %d: %v", c.Method, i, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// canonJSON re-marshals a JSON fragment; absent and [] are the same.
func canonJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	if x == nil {
		x = []any{}
	}
	b, _ = json.Marshal(x)
	return string(b)
}

func TestHostTransactionVectors(t *testing.T) {
	var raw map[string]json.RawMessage
	vectors.Load(t, "host-transactions.json", &raw)
	var accounts map[string]json.RawMessage
	if err := json.Unmarshal(raw["accounts"], &accounts); err != nil {
		t.Fatal(err)
	}
	addr := func(name string) string {
		var a struct {
			Address string `json:"address"`
		}
		_ = json.Unmarshal(accounts[name], &a)
		return a.Address
	}
	var vc struct {
		RegistryAddress   string `json:"registryAddress"`
		HeartbeatAddress  string `json:"heartbeatAddress"`
		ReputationAddress string `json:"reputationAddress"`
		EVRIssuerAddress  string `json:"evrIssuerAddress"`
		FoundationAddress string `json:"foundationAddress"`
		HostRegFee        uint64 `json:"hostRegFee"`
	}
	if err := json.Unmarshal(raw["config"], &vc); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{RegistryAddress: vc.RegistryAddress, HeartbeatAddress: vc.HeartbeatAddress,
		ReputationAddress: vc.ReputationAddress, EVRIssuerAddress: vc.EVRIssuerAddress,
		FoundationAddress: vc.FoundationAddress, HostRegFee: vc.HostRegFee}
	host := addr("host")
	rep := addr("reputationDelegate")
	net := evernode.Mainnet()
	seen := 0
	for name, msg := range raw {
		var c txCase
		if json.Unmarshal(msg, &c) != nil || c.Method == "" {
			continue
		}
		seen++
		t.Run(name, func(t *testing.T) {
			ev, data, hasParams := caseParams(t, c)
			if isLeaseEvent(ev) {
				t.Skipf("%s is a lease message (package lease)", ev)
			}
			var tx evernode.Transaction
			var err error
			switch {
			case !hasParams && strings.HasSuffix(c.Method, "setAccountFields"):
				// One-to-one contract info: the info hex is the Domain text.
				var fields struct{ Domain string }
				if err := json.Unmarshal(c.Args[0], &fields); err != nil {
					t.Fatal(err)
				}
				info, err := DecodeReputationContractInfo(mustHex(t, fields.Domain))
				if err != nil {
					t.Fatal(err)
				}
				set, err := SetReputationContractInfo(rep, host, ReputationOneToOne, info)
				if err != nil {
					t.Fatal(err)
				}
				if set.Domain == nil || *set.Domain != fields.Domain {
					t.Errorf("Domain = %v, want %s", set.Domain, fields.Domain)
				}
				tx = set
			case ev == memo.EventHostReg:
				r, err := DecodeRegistration(data)
				if err != nil {
					t.Fatal(err)
				}
				tx, err = Register(cfg, host, r, &RegisterOptions{Transferee: argString(t, c, 1) == NowInEVRs})
				if err != nil {
					t.Fatal(err)
				}
			case ev == memo.EventHostUpdateReg:
				u, err := DecodeRegUpdate(data)
				if err != nil {
					t.Fatal(err)
				}
				tx, err = UpdateRegInfo(cfg, host, u)
				if err != nil {
					t.Fatal(err)
				}
			case ev == memo.EventHeartbeat:
				var vote *Vote
				if data != nil {
					v := Vote{Value: VoteValue(data[32])}
					copy(v.Candidate[:], data)
					vote = &v
				}
				tx, err = Heartbeat(cfg, host, vote)
			case ev == memo.EventHostDereg && len(data) == DeregisterParamSize:
				tok, _ := decodeHex32(hex.EncodeToString(data[:32]))
				tx, err = Deregister(cfg, host, tok, data[32] == 1)
			case ev == memo.EventHostDereg && len(data) == DeregisterFromRepSize:
				var h AccountID
				copy(h[:], data)
				tok, _ := decodeHex32(hex.EncodeToString(data[20:52]))
				tx, err = DeregisterFromReputation(cfg, rep, h.String(), tok, data[52] == 1)
			case ev == memo.EventTransfer:
				var to AccountID
				copy(to[:], data)
				tok, _ := decodeHex32(argString(t, c, 0))
				offer, err := Transfer(cfg, host, tok, to.String())
				if err != nil {
					t.Fatal(err)
				}
				if offer.URITokenID != strings.ToUpper(argString(t, c, 0)) || offer.Destination != argString(t, c, 4) {
					t.Errorf("offer %s to %s, want %s to %s", offer.URITokenID, offer.Destination, argString(t, c, 0), argString(t, c, 4))
				}
				tx = offer
			case ev == memo.EventHostRebate:
				tx, err = RequestRebate(cfg, host)
			case ev == memo.EventRepConInfoUpdate:
				var h AccountID
				copy(h[:], data)
				info, err := DecodeReputationContractInfo(data[20:])
				if err != nil {
					t.Fatal(err)
				}
				tx, err = SetReputationContractInfo(rep, h.String(), ReputationOneToMany, info)
				if err != nil {
					t.Fatal(err)
				}
			case ev == memo.EventHostSendReputation:
				var h AccountID
				copy(h[:], data)
				var blob struct {
					Data string `json:"data"`
				}
				_ = json.Unmarshal(c.Args[1], &blob)
				inv, err := SendReputations(cfg, rep, h.String(), mustHex(t, blob.Data))
				if err != nil {
					t.Fatal(err)
				}
				if inv.Destination != argString(t, c, 0) || upperHex(inv.Blob) != strings.ToUpper(blob.Data) {
					t.Errorf("invoke %s blob %X, want %s %s", inv.Destination, inv.Blob, argString(t, c, 0), blob.Data)
				}
				tx = inv
			default:
				t.Fatalf("no builder for %s (%q)", c.Method, ev)
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := evernode.JSON(net, tx)
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := tx.(evernode.Payment); ok {
				checkPayment(t, c, p)
			}
			if c.Wire != nil {
				if got, want := canonJSON(t, m["HookParameters"]), canonJSON(t, c.Wire.HookParameters); got != want {
					t.Errorf("HookParameters\n got %s\nwant %s", got, want)
				}
				if got, want := canonJSON(t, m["Memos"]), canonJSON(t, c.Wire.Memos); got != want {
					t.Errorf("Memos\n got %s\nwant %s", got, want)
				}
			}
		})
	}
	if seen == 0 {
		t.Fatal("no cases")
	}
}

// checkPayment compares destination and amount with makePayment's
// arguments (to, amount, currency, issuer).
func checkPayment(t *testing.T, c txCase, p evernode.Payment) {
	t.Helper()
	if !strings.HasSuffix(c.Method, "makePayment") {
		t.Fatalf("built a Payment for %s", c.Method)
	}
	to, value, currency, issuer := argString(t, c, 0), argString(t, c, 1), argString(t, c, 2), argString(t, c, 3)
	if p.Destination != to {
		t.Errorf("Destination = %s, want %s", p.Destination, to)
	}
	if p.Amount.Value != value || p.Amount.Currency != currency || p.Amount.Issuer != issuer {
		t.Errorf("Amount = %+v, want %s %s %s", p.Amount, value, currency, issuer)
	}
}
