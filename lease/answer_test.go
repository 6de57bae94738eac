package lease

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

const (
	ansHost   = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
	ansTenant = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"
	ansRef    = "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0"
)

// answerResult is a validated, successful answer tx with the given first memo.
func answerResult(t *testing.T, tx evernode.Payment, m *memo.Memo) evernode.TxResult {
	t.Helper()
	if m != nil {
		tx.Memos = []memo.Memo{*m}
	}
	js, err := evernode.JSON(evernode.Local("ws://127.0.0.1:1"), tx)
	require.NoError(t, err)
	return evernode.TxResult{Hash: strings.Repeat("AB", 32), LedgerIndex: 9, Validated: true, Tx: js,
		Meta: map[string]any{"TransactionResult": "tesSUCCESS"}}
}

// TestErrorReasonShapes: a reason may be a JSON string, a JSON object (what
// sashimono sends when an instance fails to start), another JSON value, a
// JSON payload without a reason, or not JSON at all; every one reaches the
// caller as text, with the raw value beside it.
func TestErrorReasonShapes(t *testing.T) {
	base, err := AcquireErrorTx(ansHost, ansTenant, ansRef, evernode.EVR("rI", "2"), "x")
	require.NoError(t, err)
	obj := `{"instance_name":"A1B2","error":"docker_pull_failed"}`
	for _, c := range []struct {
		name        string
		format, raw string
		text        string
		rawReason   string
	}{
		{"string", memo.FormatJSON, `{"type":"ACQUIRE_ERR","reason":"no_capacity"}`, "no_capacity", `"no_capacity"`},
		{"object", memo.FormatJSON, `{"type":"ACQUIRE_ERR","reason":` + obj + `}`, obj, obj},
		{"object spaced", memo.FormatJSON, `{"type":"ACQUIRE_ERR","reason": {"instance_name": "A1B2", "error": "docker_pull_failed"}}`, obj, `{"instance_name": "A1B2", "error": "docker_pull_failed"}`},
		{"number", memo.FormatJSON, `{"type":"ACQUIRE_ERR","reason":42}`, "42", "42"},
		{"no reason", memo.FormatJSON, `{"type":"ACQUIRE_ERR"}`, `{"type":"ACQUIRE_ERR"}`, `{"type":"ACQUIRE_ERR"}`},
		{"not JSON", memo.FormatJSON, `host exploded`, "host exploded", "host exploded"},
		{"plain text", "text/plain", `out of disk`, "out of disk", "out of disk"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := answerResult(t, base, &memo.Memo{Type: string(memo.EventAcquireError), Format: c.format, Data: []byte(c.raw)})
			ev, ok, err := ExtractEvent(context.Background(), r, ansTenant, nil)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, memo.EventAcquireError, ev.Type)
			require.Equal(t, c.text, ev.Reason)
			require.Equal(t, c.rawReason, string(ev.RawReason))
			require.NoError(t, ev.PayloadErr)
			require.Equal(t, "2", ev.Amount.Value)
		})
	}
}

// TestAnswerWithoutInstance: an evnAcquireSuccess whose payload has no
// instance content is malformed, not a success with an empty instance.
func TestAnswerWithoutInstance(t *testing.T) {
	for _, payload := range []string{
		`{"type":"create_res"}`,
		`{"type":"create_res","content":null}`,
		`{"type":"create_res","content":{}}`,
		`{"type":"create_res","content":{"name":"A1","pubkey":"","user_port":"26201"}}`,
		`{"type":"create_res","content":{"name":"A1","pubkey":"edab","user_port":""}}`,
	} {
		data := plainFrame(payload)
		tx, err := AcquireSuccessTx(ansHost, ansTenant, ansRef, data)
		require.NoError(t, err)
		ev, ok, err := ExtractEvent(context.Background(), answerResult(t, tx, nil), ansTenant, nil)
		require.True(t, ok, payload)
		require.ErrorIs(t, err, ErrMalformed, payload)
		require.Nil(t, ev.Instance, payload)
		require.ErrorIs(t, ev.PayloadErr, ErrMalformed)
	}
	good := plainFrame(`{"type":"create_res","content":{"name":"A1","pubkey":"edab","contract_id":"c","peer_port":"22861","user_port":"26201","ip":"1.2.3.4"}}`)
	tx, err := AcquireSuccessTx(ansHost, ansTenant, ansRef, good)
	require.NoError(t, err)
	ev, ok, err := ExtractEvent(context.Background(), answerResult(t, tx, nil), ansTenant, nil)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1.2.3.4", ev.Instance.Host())
}

// plainFrame is the base64 memo data of an unencrypted payload.
func plainFrame(js string) []byte {
	return []byte(base64.StdEncoding.EncodeToString(append([]byte{memo.FramePlain}, js...)))
}

// answerWith runs a host that answers every acquire with the transaction
// build returns, until the test ends.
func (e *env) answerWith(t *testing.T, build func(ev Event) evernode.Payment) {
	ctx, cancel := context.WithCancel(e.ctx)
	evs, err := e.host.Events(ctx, 0)
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		defer evs.Close()
		for {
			ev, err := evs.Next(ctx)
			if err != nil {
				return
			}
			if ev.Type != memo.EventAcquireLease {
				continue
			}
			if _, err := e.c.SubmitAndWait(ctx, e.hostW, build(ev)); err != nil && ctx.Err() == nil {
				t.Errorf("answer: %v", err)
			}
		}
	}()
}

// TestAcquireErrorObjectReasonOnLocalnet: sashimono's object reason reaches
// Tenant.Acquire's caller as text and raw JSON, with the refund.
func TestAcquireErrorObjectReasonOnLocalnet(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	_, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	obj := `{"instance_name":"A1B2","error":"docker_pull_failed"}`
	e.answerWith(t, func(ev Event) evernode.Payment {
		tx, err := AcquireErrorTx(e.hostW.Address(), ev.From, ev.Hash, ev.Amount, "x")
		require.NoError(t, err)
		tx.Memos = []memo.Memo{{Type: string(memo.EventAcquireError), Format: memo.FormatJSON,
			Data: []byte(`{"type":"ACQUIRE_ERR","reason":` + obj + `}`)}}
		return tx
	})
	_, err = e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	var ae *AcquireError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, obj, ae.Reason)
	require.JSONEq(t, obj, string(ae.RawReason))
	require.Equal(t, "2", ae.Refund)
	require.Contains(t, err.Error(), "docker_pull_failed")
}

// TestAcquireAnswerWithoutInstanceOnLocalnet: a success answer with no
// instance is an *AnswerError naming the token the tenant now holds.
func TestAcquireAnswerWithoutInstanceOnLocalnet(t *testing.T) {
	e := newEnv(t, evernode.Xahau)
	toks, err := e.host.MintN(e.ctx, 1, "2", nil)
	require.NoError(t, err)
	e.answerWith(t, func(ev Event) evernode.Payment {
		tx, err := AcquireSuccessTx(e.hostW.Address(), ev.From, ev.Hash, plainFrame(`{"type":"create_res"}`))
		require.NoError(t, err)
		return tx
	})
	res, err := e.tenant.Acquire(e.ctx, e.hostW.Address(), testReq, nil)
	require.Nil(t, res)
	var ae *AnswerError
	require.ErrorAs(t, err, &ae)
	require.ErrorIs(t, err, ErrMalformed)
	require.Equal(t, toks[0].ID, ae.TokenID)
	require.NotEmpty(t, ae.Ref)
	require.NotEmpty(t, ae.Payload)
}
