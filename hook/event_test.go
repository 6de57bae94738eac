package hook

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/internal/vectors"
	"github.com/evernode-go/sdk/memo"
)

// governanceVectors is testdata/evernode/governance.json, made by
// testdata/evernode/gen/governance.js from evernode-js-client 0.6.61.
type governanceVectors struct {
	Accounts map[string]struct {
		Seed    string `json:"seed"`
		Address string `json:"address"`
	} `json:"accounts"`
	Config       Config `json:"config"`
	Hashes       string `json:"hashes"`
	Transactions map[string]struct {
		Sender      string         `json:"sender"`
		Destination string         `json:"destination"`
		Amount      string         `json:"amount"`
		Currency    *string        `json:"currency"`
		Issuer      *string        `json:"issuer"`
		HookParams  []hookParamArg `json:"hookParams"`
		Returned    *string        `json:"returned"`
	} `json:"transactions"`
	Events map[string]struct {
		Tx struct {
			TransactionType string         `json:"TransactionType"`
			Account         string         `json:"Account"`
			Destination     string         `json:"Destination"`
			HookParameters  []hookParamArg `json:"HookParameters"`
		} `json:"tx"`
		Event *struct {
			Name string         `json:"name"`
			Data map[string]any `json:"data"`
		} `json:"event"`
	} `json:"events"`
	StateKeys []struct {
		Key     string `json:"key"`
		Decoded *struct {
			Type string `json:"type"`
		} `json:"decoded"`
	} `json:"stateKeys"`
	XFL []struct {
		Text     string `json:"text"`
		XFL      string `json:"xfl"`
		Exponent string `json:"exponent"`
		Mantissa string `json:"mantissa"`
		Negative bool   `json:"negative"`
	} `json:"xfl"`
	EpochRewardQuota []struct {
		Epoch   uint8  `json:"epoch"`
		First   uint32 `json:"firstEpochRewardQuota"`
		Quota   string `json:"quota"`
		Quarter string `json:"quarter"`
	} `json:"epochRewardQuota"`
}

func loadGovernance(t *testing.T) governanceVectors {
	t.Helper()
	var v governanceVectors
	vectors.Load(t, "governance.json", &v)
	return v
}

// jsTx turns a vector's JS-side transaction (event type as text, data as
// hex) into a validated, successful TxResult.
func jsTx(t *testing.T, typ, account, dest string, ps []hookParamArg) evernode.TxResult {
	t.Helper()
	var wire []any
	for _, p := range ps {
		v := p.Value
		if name := mustHex(t, p.Name); name[31] == memo.ParamEventType {
			v = strings.ToUpper(hex.EncodeToString([]byte(v)))
		}
		wire = append(wire, map[string]any{"HookParameter": map[string]any{"HookParameterName": p.Name, "HookParameterValue": v}})
	}
	return evernode.TxResult{Hash: strings.Repeat("AB", 32), LedgerIndex: 9, Validated: true,
		Tx:   map[string]any{"TransactionType": typ, "Account": account, "Destination": dest, "HookParameters": wire},
		Meta: map[string]any{"TransactionResult": "tesSUCCESS"}}
}

// eventFields flattens a Go event into the JS event's data fields.
func eventFields(ev Event) map[string]any {
	id := func(b [32]byte) string { return strings.ToUpper(hex.EncodeToString(b[:])) }
	switch e := ev.(type) {
	case *HostRegisteredEvent:
		return map[string]any{"host": e.Host}
	case *HostDeregisteredEvent:
		return map[string]any{"host": e.Host}
	case *HostRegUpdatedEvent:
		return map[string]any{"host": e.Host}
	case *DeadHostPruneEvent:
		return map[string]any{"host": e.Host}
	case *HostRebateEvent:
		return map[string]any{"host": e.Host}
	case *HostTransferEvent:
		return map[string]any{"transferee": e.Transferee}
	case *HostReputationUpdatedEvent:
		return map[string]any{"host": e.Host, "reputation": float64(e.Reputation)}
	case *HeartbeatEvent:
		m := map[string]any{"host": e.Host}
		if e.Vote != nil {
			m["voteInfo"] = map[string]any{"candidateId": id(e.Vote.Candidate), "vote": float64(e.Vote.Value)}
		}
		return m
	case *FoundationVotedEvent:
		return map[string]any{"candidateId": id(e.CandidateID), "vote": float64(e.Vote)}
	case *CandidateProposedEvent:
		return map[string]any{"owner": e.Owner, "candidateId": id(e.CandidateID)}
	case *CandidateWithdrawnEvent:
		return map[string]any{"owner": e.Owner, "candidateId": id(e.CandidateID)}
	case *DudHostReportedEvent:
		return map[string]any{"candidateId": id(e.CandidateID), "host": e.Host}
	case *DudHostRemovedEvent:
		return map[string]any{"candidateId": id(e.CandidateID), "host": e.Host}
	case *DudHostStatusChangedEvent:
		return map[string]any{"candidateId": id(e.CandidateID), "host": e.Host}
	case *LinkedDudHostCandidateRemovedEvent:
		return map[string]any{"candidateId": id(e.CandidateID), "host": e.Host}
	case *FallbackToPilotedEvent:
		return map[string]any{"candidateId": id(e.CandidateID)}
	case *NewHookStatusChangedEvent:
		return map[string]any{"candidateId": id(e.CandidateID)}
	case *ChildHookUpdatedEvent:
		return map[string]any{"account": e.Account, "candidateId": id(e.CandidateID)}
	case *GovernanceModeChangedEvent:
		return map[string]any{"mode": float64(e.Mode)}
	case *InitializedEvent:
		return map[string]any{}
	}
	return nil
}

// TestExtractEventVectors decodes every event evernode-js-client decoded
// from the same transactions, with the same name and fields, except where
// the JS client is wrong (HostDeregistered by a reputation account, the
// candidate id of CandidateProposed).
func TestExtractEventVectors(t *testing.T) {
	v := loadGovernance(t)
	require.NotEmpty(t, v.Events)
	for name, c := range v.Events {
		t.Run(name, func(t *testing.T) {
			tx := jsTx(t, c.Tx.TransactionType, c.Tx.Account, c.Tx.Destination, c.Tx.HookParameters)
			ev, ok, err := ExtractEvent(tx)
			require.NoError(t, err)
			if c.Event == nil {
				assert.False(t, ok, "JS decodes no event")
				return
			}
			require.True(t, ok, "JS decodes %s", c.Event.Name)
			assert.Equal(t, EventName(c.Event.Name), ev.Name())
			assert.Equal(t, tx.Hash, ev.Tx().Hash)
			assert.Equal(t, c.Tx.Account, ev.Tx().Account)
			want := c.Event.Data
			for k, x := range want {
				if s, ok := x.(string); ok && k == "candidateId" {
					want[k] = strings.ToUpper(s)
				}
			}
			switch name {
			case "hostDeregisteredFromReputation":
				// Audit A4: JS reports the sender; the host is in the data.
				want["host"] = v.Accounts["host"].Address
			case "candidateProposed":
				// JS reads the id past the first 256-byte parameter.
				assert.Equal(t, "", want["candidateId"])
				id := NewHookCandidateID([128]byte(mustHex(t, v.Hashes)))
				want["candidateId"] = strings.ToUpper(hex.EncodeToString(id[:]))
			}
			assert.Equal(t, want, eventFields(ev))
		})
	}
}

func TestExtractEventIgnoresFailuresAndMalformed(t *testing.T) {
	ps := []hookParamArg{{Name: hex.EncodeToString(sliceOf(memo.ParamName(memo.ParamEventType))), Value: "evnTransfer"},
		{Name: hex.EncodeToString(sliceOf(memo.ParamName(memo.ParamEventData))), Value: "0102"}}
	tx := jsTx(t, "URITokenCreateSellOffer", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "", ps)
	_, ok, err := ExtractEvent(tx)
	assert.False(t, ok)
	assert.True(t, errors.Is(err, ErrMalformed), "%v", err)

	tx.Meta["TransactionResult"] = "tecHOOK_REJECTED"
	_, ok, err = ExtractEvent(tx)
	assert.False(t, ok)
	assert.NoError(t, err)

	ps[0].Value = "evnAcquireLease"
	tx = jsTx(t, "URITokenBuy", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "", ps)
	_, ok, err = ExtractEvent(tx)
	assert.False(t, ok, "lease events belong to package lease")
	assert.NoError(t, err)

	tx = jsTx(t, "AccountSet", "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "", ps[:1])
	_, ok, _ = ExtractEvent(tx)
	assert.False(t, ok)
}

func sliceOf(b [32]byte) []byte { return b[:] }

// FuzzExtractEvent: any event type and data decode or fail cleanly.
func FuzzExtractEvent(f *testing.F) {
	f.Add("evnCandidateStatusChange", []byte{0, 0, 0, 0, 3}, []byte(nil))
	f.Add("evnCandidatePropose", make([]byte, 256), make([]byte, 60))
	f.Add("evnHeartbeat", []byte{1}, []byte(nil))
	f.Fuzz(func(t *testing.T, ev string, data, data2 []byte) {
		p := memo.Params{Event: memo.EventType(ev), Data: data, Data2: data2}
		ps, err := p.Encode()
		if err != nil {
			return
		}
		var wire []any
		for _, q := range ps {
			w := q.Wire()
			wire = append(wire, map[string]any{"HookParameter": map[string]any{"HookParameterName": w.HookParameterName, "HookParameterValue": w.HookParameterValue}})
		}
		tx := evernode.TxResult{Validated: true, Tx: map[string]any{"TransactionType": "Payment", "Account": "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "HookParameters": wire},
			Meta: map[string]any{"TransactionResult": "tesSUCCESS"}}
		ev2, ok, err := ExtractEvent(tx)
		if ok && (err != nil || ev2 == nil) {
			t.Fatalf("ok with %v, %v", ev2, err)
		}
		if ok {
			_, _ = json.Marshal(ev2)
		}
	})
}

// BenchmarkExtractEvent decodes a heartbeat with a vote, the most common
// governance event on a busy registry.
func BenchmarkExtractEvent(b *testing.B) {
	ps, _ := memo.Params{Event: memo.EventHeartbeat, Data: make([]byte, VoteParamSize)}.Encode()
	var wire []any
	for _, p := range ps {
		w := p.Wire()
		wire = append(wire, map[string]any{"HookParameter": map[string]any{"HookParameterName": w.HookParameterName, "HookParameterValue": w.HookParameterValue}})
	}
	tx := evernode.TxResult{Validated: true, Hash: strings.Repeat("AB", 32),
		Tx:   map[string]any{"TransactionType": "Payment", "Account": "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", "HookParameters": wire},
		Meta: map[string]any{"TransactionResult": "tesSUCCESS"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := ExtractEvent(tx); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
