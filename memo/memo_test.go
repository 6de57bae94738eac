package memo

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/evernode-go/sdk/internal/vectors"
)

type account struct {
	Seed       string `json:"seed"`
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
	Address    string `json:"address"`
}

type wireForm struct {
	HookParameters []struct {
		HookParameter ParamWire `json:"HookParameter"`
	} `json:"HookParameters"`
	Memos []struct {
		Memo Wire `json:"Memo"`
	} `json:"Memos"`
}

type jsMemo struct {
	Type   string          `json:"type"`
	Format string          `json:"format"`
	Data   json.RawMessage `json:"data"`
}

type jsParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// hostCase is one entry of host-transactions.json that records the wire form.
type hostCase struct {
	Args []json.RawMessage `json:"args"`
	Wire *wireForm         `json:"wire"`
}

// jsArgs finds the memos and hook parameters among the recorded arguments of
// an XrplAccount call: the options object is the last argument carrying
// hookParams, and the memos, when the method takes them, come just before it.
func jsArgs(t *testing.T, args []json.RawMessage) (memos []jsMemo, params []jsParam) {
	t.Helper()
	opt := -1
	for i := len(args) - 1; i >= 0; i-- {
		var o struct {
			HookParams []jsParam `json:"hookParams"`
		}
		if json.Unmarshal(args[i], &o) == nil && o.HookParams != nil {
			opt, params = i, o.HookParams
			break
		}
	}
	if opt > 0 {
		_ = json.Unmarshal(args[opt-1], &memos) // null or not an array: no memos
	}
	return memos, params
}

// jsMemoToMemo applies the JS client's formatMemos rules.
func jsMemoToMemo(t *testing.T, m jsMemo) Memo {
	t.Helper()
	var data []byte
	var s string
	switch {
	case json.Unmarshal(m.Data, &s) == nil && m.Format == FormatHex:
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		data = b
	case json.Unmarshal(m.Data, &s) == nil:
		data = []byte(s)
	default: // an object: JSON.stringify
		var buf bytes.Buffer
		if err := json.Compact(&buf, m.Data); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	return Memo{Type: m.Type, Format: m.Format, Data: data}
}

// jsParamsToParams applies the JS client's formatHookParams rules: the event
// type value is ASCII, every other value is hex.
func jsParamsToParams(t *testing.T, ps []jsParam) Params {
	t.Helper()
	var p Params
	for _, q := range ps {
		name, err := hex.DecodeString(q.Name)
		if err != nil || len(name) != 32 {
			t.Fatalf("bad parameter name %q", q.Name)
		}
		if name[31] == ParamEventType {
			p.Event = EventType(q.Value)
			continue
		}
		v, err := hex.DecodeString(q.Value)
		if err != nil {
			t.Fatalf("parameter %q: %v", q.Name, err)
		}
		switch name[31] {
		case ParamEventData:
			p.Data = v
		case ParamEventData2:
			p.Data2 = v
		default:
			t.Fatalf("unexpected parameter %q", q.Name)
		}
	}
	return p
}

func TestHostTransactionWireForms(t *testing.T) {
	var file map[string]json.RawMessage
	vectors.Load(t, "host-transactions.json", &file)
	n := 0
	for name, raw := range file {
		var c hostCase
		if json.Unmarshal(raw, &c) != nil || c.Wire == nil {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			memos, params := jsArgs(t, c.Args)
			p := jsParamsToParams(t, params)
			ps, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(c.Wire.HookParameters) {
				t.Fatalf("%d hook parameters, want %d", len(ps), len(c.Wire.HookParameters))
			}
			for i, q := range ps {
				if got, want := q.Wire(), c.Wire.HookParameters[i].HookParameter; got != want {
					t.Errorf("param %d = %+v, want %+v", i, got, want)
				}
			}
			back, ok, err := ParseParams(parseParamWires(t, c.Wire))
			if err != nil || !ok || !reflect.DeepEqual(back, p) {
				t.Errorf("ParseParams = %+v, %v, %v; want %+v", back, ok, err, p)
			}
			if len(memos) != len(c.Wire.Memos) {
				t.Fatalf("%d memos, want %d", len(memos), len(c.Wire.Memos))
			}
			for i, m := range memos {
				mm := jsMemoToMemo(t, m)
				want := c.Wire.Memos[i].Memo
				if got := mm.Wire(); got != want {
					t.Errorf("memo %d = %+v, want %+v", i, got, want)
				}
				back, err := ParseWire(want)
				if err != nil || back.Type != mm.Type || back.Format != mm.Format || !bytes.Equal(back.Data, mm.Data) {
					t.Errorf("ParseWire = %+v, %v; want %+v", back, err, mm)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no host transaction carried a wire form")
	}
}

func parseParamWires(t *testing.T, w *wireForm) []Param {
	t.Helper()
	var ps []Param
	for _, q := range w.HookParameters {
		p, err := ParseParamWire(q.HookParameter)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// hostCaseMemo returns the first memo of a named host-transactions case.
func hostCaseMemo(t *testing.T, file map[string]json.RawMessage, name string) (Memo, bool) {
	t.Helper()
	raw, ok := file[name]
	if !ok {
		return Memo{}, false
	}
	var c hostCase
	if err := json.Unmarshal(raw, &c); err != nil || c.Wire == nil || len(c.Wire.Memos) == 0 {
		t.Fatalf("%s: no memo", name)
	}
	m, err := ParseWire(c.Wire.Memos[0].Memo)
	if err != nil {
		t.Fatal(err)
	}
	return m, true
}

func TestHostTypedPayloads(t *testing.T) {
	var file map[string]json.RawMessage
	vectors.Load(t, "host-transactions.json", &file)
	var rawAccounts map[string]json.RawMessage
	if err := json.Unmarshal(file["accounts"], &rawAccounts); err != nil {
		t.Fatal(err)
	}
	accounts := map[string]account{}
	for name, raw := range rawAccounts {
		var a account
		if json.Unmarshal(raw, &a) == nil {
			accounts[name] = a
		}
	}
	for _, name := range []string{"acquireError", "extendError"} {
		m, ok := hostCaseMemo(t, file, name)
		if !ok {
			continue
		}
		var e ErrorPayload
		if err := m.DecodeJSON(&e); err != nil {
			t.Fatal(err)
		}
		again, err := NewJSON(EventType(m.Type), e)
		if err != nil || !bytes.Equal(again.Data, m.Data) || again.Format != m.Format {
			t.Errorf("%s: NewJSON = %q, want %q", name, again.Data, m.Data)
		}
	}
	if m, ok := hostCaseMemo(t, file, "extendSuccess"); ok {
		moment, err := DecodeExpiryMoment(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodeExpiryMoment(moment); !bytes.Equal(got, m.Data) || m.Format != FormatHex {
			t.Errorf("expiry moment %d encodes to %x, want %x", moment, got, m.Data)
		}
	}
	if m, ok := hostCaseMemo(t, file, "acquireSuccessUnencrypted"); ok {
		var r AcquireResponse
		enc, err := OpenPayload(context.Background(), nil, m.Data, &r)
		if err != nil || enc {
			t.Fatalf("OpenPayload = %v, encrypted %v", err, enc)
		}
		again, err := SealPayload(nil, nil, r, nil)
		if err != nil || !bytes.Equal(again, m.Data) {
			t.Errorf("plain payload re-encodes to %s, want %s", again, m.Data)
		}
	}
	if raw, ok := file["acquireSuccessEncryptedEd25519Tenant"]; ok {
		var c struct {
			MemoDataDecrypted AcquireResponse `json:"memoDataDecrypted"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		m, _ := hostCaseMemo(t, file, "acquireSuccessEncryptedEd25519Tenant")
		key, err := ParsePrivateKey(accounts["tenant"].PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		var r AcquireResponse
		enc, err := OpenPayload(context.Background(), key, m.Data, &r)
		if err != nil || !enc {
			t.Fatalf("OpenPayload = %v, encrypted %v", err, enc)
		}
		if r != c.MemoDataDecrypted {
			t.Errorf("decrypted %+v, want %+v", r, c.MemoDataDecrypted)
		}
		if r.Type != CreateResponseType || r.Content.Host() == "" {
			t.Errorf("unexpected answer %+v", r)
		}
	}
}

func TestTenantTransactions(t *testing.T) {
	var file struct {
		Accounts    map[string]json.RawMessage `json:"accounts"`
		LeaseOffer  struct{ Index string }     `json:"leaseOffer"`
		Requirement json.RawMessage            `json:"requirement"`
		Encrypted   *wireForm                  `json:"acquireLeaseEncrypted"`
		Plain       *wireForm                  `json:"acquireLeaseUnencrypted"`
		Extend      *wireForm                  `json:"extendLease3Moments"`
	}
	vectors.Load(t, "tenant-transactions.json", &file)
	var host account
	if err := json.Unmarshal(file.Accounts["host"], &host); err != nil {
		t.Fatal(err)
	}
	var want Requirement
	if err := json.Unmarshal(file.Requirement, &want); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, file.Requirement); err != nil {
		t.Fatal(err)
	}
	if got, err := json.Marshal(want); err != nil || !bytes.Equal(got, compact.Bytes()) {
		t.Errorf("Requirement marshals to %s, want %s", got, compact.Bytes())
	}
	acquireMemo := func(w *wireForm) Memo {
		t.Helper()
		if w == nil || len(w.Memos) != 1 {
			t.Fatal("acquire without one memo")
		}
		p, ok, err := ParseParams(parseParamWires(t, w))
		if err != nil || !ok || p.Event != EventAcquireLease || p.Data != nil {
			t.Fatalf("acquire params %+v %v %v", p, ok, err)
		}
		m, err := ParseWire(w.Memos[0].Memo)
		if err != nil || m.Type != string(EventAcquireLease) || m.Format != FormatBase64 {
			t.Fatalf("acquire memo %+v %v", m, err)
		}
		return m
	}

	// Encrypted to the host's secp256k1 MessageKey.
	m := acquireMemo(file.Encrypted)
	key, err := ParsePrivateKey(host.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	var got Requirement
	enc, err := OpenPayload(context.Background(), key, m.Data, &got)
	if err != nil || !enc {
		t.Fatalf("OpenPayload = %v, encrypted %v", err, enc)
	}
	if !reflect.DeepEqual(normalise(t, got), normalise(t, want)) {
		t.Errorf("requirement %+v, want %+v", got, want)
	}
	// The wrong key learns nothing and gets the opaque error.
	other, err := ParsePrivateKey("ED3778B3A424A323A7538B93F9CD03410D8AA5D79649992AC65759E55344A9F1B6")
	if err == nil {
		if _, err := OpenPayload(context.Background(), other, m.Data, &got); !errors.Is(err, ErrDecrypt) {
			t.Errorf("wrong key: %v, want ErrDecrypt", err)
		}
	}

	// In the clear: our framing is byte-identical.
	m = acquireMemo(file.Plain)
	if _, err := OpenPayload(context.Background(), nil, m.Data, &got); err != nil {
		t.Fatal(err)
	}
	again, err := SealPayload(nil, nil, want, nil)
	if err != nil || !bytes.Equal(again, m.Data) {
		t.Errorf("plain acquire payload %s, want %s", again, m.Data)
	}

	// Extend: event data is the lease URITokenID.
	if file.Extend != nil {
		p, ok, err := ParseParams(parseParamWires(t, file.Extend))
		if err != nil || !ok || p.Event != EventExtendLease || p.DataHex() != strings.ToUpper(file.LeaseOffer.Index) {
			t.Errorf("extend params %+v %v %v", p, ok, err)
		}
	}
}

func normalise(t *testing.T, r Requirement) Requirement {
	t.Helper()
	var buf bytes.Buffer
	if len(r.Config) > 0 {
		if err := json.Compact(&buf, r.Config); err != nil {
			t.Fatal(err)
		}
		r.Config = buf.Bytes()
	}
	return r
}

func TestParamName(t *testing.T) {
	k := ParamName(ParamEventType)
	if got := strings.ToUpper(hex.EncodeToString(k[:])); got != "4556520100000000000000000000000000000000000000000000000000000002" {
		t.Fatal(got)
	}
}

func TestParamsEncodeErrors(t *testing.T) {
	long := make([]byte, MaxParamValueLen+1)
	for _, p := range []Params{
		{},
		{Event: EventType(strings.Repeat("x", MaxEventTypeLen+1))},
		{Event: EventHeartbeat, Data: long},
		{Event: EventHeartbeat, Data2: []byte{1}},
	} {
		if _, err := p.Encode(); err == nil {
			t.Errorf("Encode(%+v) succeeded", p)
		}
	}
}

func TestParseParams(t *testing.T) {
	typ := ParamName(ParamEventType)
	data := ParamName(ParamEventData)
	foreign := []byte("some-other-hook-parameter")
	p, ok, err := ParseParams([]Param{{Name: foreign, Value: []byte("x")}, {Name: typ[:], Value: []byte("evnHeartbeat")}, {Name: data[:], Value: []byte{1, 2}}})
	if err != nil || !ok || p.Event != EventHeartbeat || !bytes.Equal(p.Data, []byte{1, 2}) {
		t.Fatalf("ParseParams = %+v %v %v", p, ok, err)
	}
	if _, ok, err := ParseParams([]Param{{Name: foreign}}); ok || err != nil {
		t.Errorf("no event type: ok=%v err=%v", ok, err)
	}
	if _, _, err := ParseParams([]Param{{Name: typ[:], Value: []byte("a")}, {Name: typ[:], Value: []byte("b")}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("repeated parameter: %v", err)
	}
	if _, _, err := ParseParams([]Param{{Name: typ[:]}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty event type: %v", err)
	}
}

func TestParseWireErrors(t *testing.T) {
	for _, w := range []Wire{{MemoType: "zz"}, {MemoFormat: "1"}, {MemoData: "0g"}} {
		if _, err := ParseWire(w); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseWire(%+v) = %v", w, err)
		}
	}
	for _, w := range []ParamWire{{HookParameterName: ""}, {HookParameterName: "zz"}, {HookParameterName: strings.Repeat("00", 33)}, {HookParameterName: "00", HookParameterValue: "0"}} {
		if _, err := ParseParamWire(w); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseParamWire(%+v) = %v", w, err)
		}
	}
}

func TestOpenPayloadErrors(t *testing.T) {
	ctx := context.Background()
	var v map[string]any
	for _, data := range []string{"", "!!!", "AA==", "Ag==", "AXs=", "AHs="} {
		if _, err := OpenPayload(ctx, nil, []byte(data), &v); !errors.Is(err, ErrMalformed) {
			t.Errorf("OpenPayload(%q) = %v, want ErrMalformed", data, err)
		}
	}
}

func TestRequirementValidate(t *testing.T) {
	good := Requirement{
		OwnerPubkey: "ed" + strings.Repeat("ab", 32),
		ContractID:  "dc411912-bcdd-4f73-af43-32ec45844b9a",
		Image:       "evernodedev/sashimono:hp.latest-ubt.20.04-njs.16",
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(good); !bytes.Contains(b, []byte(`"config":{}`)) {
		t.Errorf("nil config marshals to %s", b)
	}
	bad := []func(*Requirement){
		func(r *Requirement) { r.OwnerPubkey = strings.Repeat("ab", 33) },
		func(r *Requirement) { r.OwnerPubkey = "ed12" },
		func(r *Requirement) { r.ContractID = "not-a-uuid" },
		func(r *Requirement) { r.Image = "" },
		func(r *Requirement) { r.Config = json.RawMessage(`[1]`) },
		func(r *Requirement) { r.Config = json.RawMessage(`{`) },
		func(r *Requirement) { r.MessageKey = "ED12" },
	}
	for i, f := range bad {
		r := good
		f(&r)
		if err := r.Validate(); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: Validate = %v", i, err)
		}
	}
}

func TestExpiryMoment(t *testing.T) {
	if got := EncodeExpiryMoment(12345); !bytes.Equal(got, []byte{0, 0, 0x30, 0x39}) {
		t.Fatalf("%x", got)
	}
	if _, err := DecodeExpiryMoment([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Fatal(err)
	}
}

func FuzzParseWire(f *testing.F) {
	f.Add("65766E", "626173653634", "00")
	f.Fuzz(func(t *testing.T, typ, format, data string) {
		m, err := ParseWire(Wire{MemoType: typ, MemoFormat: format, MemoData: data})
		if err != nil {
			return
		}
		if back := m.Wire(); !strings.EqualFold(back.MemoType, typ) || !strings.EqualFold(back.MemoData, data) {
			t.Fatalf("round trip %+v", back)
		}
	})
}

func FuzzParseParams(f *testing.F) {
	typ := ParamName(ParamEventType)
	f.Add(typ[:], []byte("evnHeartbeat"), []byte("x"), []byte{1})
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 []byte) {
		p, ok, err := ParseParams([]Param{{Name: n1, Value: v1}, {Name: n2, Value: v2}})
		if err != nil || !ok {
			return
		}
		if len(p.Event) == 0 || len(p.Event) > MaxEventTypeLen {
			t.Fatalf("accepted event type %q", p.Event)
		}
	})
}

func FuzzOpenPayload(f *testing.F) {
	f.Add([]byte("AHsidHlwZSI6MX0="))
	f.Add([]byte("AQAAAA=="))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		_, err := OpenPayload(context.Background(), nil, data, &v)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("unexpected error kind %v", err)
		}
	})
}
