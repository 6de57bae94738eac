package hook

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	addresscodec "github.com/Peersyst/xrpl-go/address-codec"
	"github.com/evernode-go/sdk/evernode"
)

func TestEncodeAddressMatchesCodec(t *testing.T) {
	ids := []AccountID{{}, {0, 0, 1}, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}}
	for range 500 {
		var a AccountID
		rand.Read(a[:])
		ids = append(ids, a)
	}
	for _, a := range ids {
		want, err := addresscodec.EncodeAccountIDToClassicAddress(a[:])
		if err != nil {
			t.Fatal(err)
		}
		if got := a.String(); got != want {
			t.Fatalf("%X: %s, want %s", a, got, want)
		}
	}
}

func TestMoments(t *testing.T) {
	ts := Moments{Base: MomentBaseInfo{BaseIndex: 1705302000, MomentType: MomentTimestamp}, Size: 3600}
	led := Moments{Base: MomentBaseInfo{BaseIndex: 1000, BaseTransitionMoment: 5, MomentType: MomentLedger}, Size: 100}
	trans := ts
	trans.Transit = MomentTransitInfo{TransitionIndex: 1705302000 + 10*3600 + 60, MomentSize: 1800, MomentType: MomentTimestamp}
	toLedger := ts
	toLedger.Transit = MomentTransitInfo{TransitionIndex: 1705302000 + 7200, MomentSize: 1190, MomentType: MomentLedger}
	for _, c := range []struct {
		name    string
		m       Moments
		ts, seq uint64
		moment  uint64
		start   uint64
	}{
		{"ts base", ts, 1705302000, 0, 0, 1705302000},
		{"ts mid", ts, 1705302000 + 3599, 0, 0, 1705302000},
		{"ts next", ts, 1705302000 + 3600, 0, 1, 1705302000 + 3600},
		{"ts before base", ts, 1705302000 - 1, 0, 0, 1705302000 - 3600},
		{"ledger", led, 1, 1250, 7, 1200},
		{"ledger ignores time", led, 99999999, 1000, 5, 1000},
		{"transit not due", trans, 1705302000 + 10*3600 + 59, 0, 10, 1705302000 + 10*3600},
		// Due: moment 10 (at the transition index) restarts there with 1800 s.
		{"transit due", trans, 1705302000 + 10*3600 + 60, 0, 10, 1705302000 + 10*3600 + 60},
		{"transit after", trans, 1705302000 + 10*3600 + 60 + 1800*3, 0, 13, 1705302000 + 10*3600 + 60 + 1800*3},
		// Switching to ledgers: compared in seconds, then counted in ledgers.
		{"to ledger due", toLedger, 1705302000 + 7200, 500, 2, 500},
		{"to ledger later", toLedger, 1705302000 + 9000, 500 + 2*1190 + 3, 4, 500 + 2*1190},
		{"zero size", Moments{Base: MomentBaseInfo{BaseIndex: 9, BaseTransitionMoment: 3}}, 50, 50, 3, 9},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			if c.name == "to ledger due" || c.name == "to ledger later" {
				// The transition index is a timestamp; the new base is that
				// number read as a ledger index, as the hook stores it.
				e := m.At(c.ts, c.seq)
				if e.Type() != MomentLedger || e.Base.BaseIndex != m.Transit.TransitionIndex || e.Base.BaseTransitionMoment != 2 {
					t.Fatalf("At = %+v", e)
				}
				return
			}
			if got := m.MomentAt(c.ts, c.seq); got != c.moment {
				t.Errorf("MomentAt = %d, want %d", got, c.moment)
			}
			if got := m.StartAt(c.ts, c.seq); got != c.start {
				t.Errorf("StartAt = %d, want %d", got, c.start)
			}
		})
	}
}

func TestActive(t *testing.T) {
	const start = 1_000_000
	for _, c := range []struct {
		last       uint64
		freq, size uint16
		want       bool
	}{
		{0, 1, 3600, false},
		{1, 1, 3600, true},    // below F: any heartbeat counts
		{3600, 1, 3600, true}, // equal to F: still the "any" branch
		{start - 3600, 1, 3600, true},
		{start - 3601, 1, 3600, false},
		{start + 10, 1, 3600, true},
		{start - 7200, 2, 3600, true},
		{start - 7201, 2, 3600, false},
		{5000, 1, 3600, true}, // cur start below F would be negative in JS
	} {
		cur := uint64(start)
		if c.last == 5000 {
			cur = 100
		}
		if got := Active(c.last, cur, c.freq, c.size); got != c.want {
			t.Errorf("Active(%d, %d, %d, %d) = %v, want %v", c.last, cur, c.freq, c.size, got, c.want)
		}
	}
}

func validRegistration() Registration {
	return Registration{CountryCode: "US", CPUMicrosec: 800000, RAMMB: 7000, DiskMB: 300000, TotalInstances: 8,
		CPUModel: "Intel", CPUCount: 4, CPUMHz: 2400, Description: "My host", Email: "a@b.c", LeaseAmount: "0.3"}
}

func TestRegistrationValidation(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*Registration)
	}{
		{"", func(*Registration) {}},
		{"CountryCode", func(r *Registration) { r.CountryCode = "us" }},
		{"CountryCode", func(r *Registration) { r.CountryCode = "USA" }},
		{"CPUMicrosec", func(r *Registration) { r.CPUMicrosec = 0 }},
		{"RAMMB", func(r *Registration) { r.RAMMB = 0 }},
		{"DiskMB", func(r *Registration) { r.DiskMB = 0 }},
		{"TotalInstances", func(r *Registration) { r.TotalInstances = 0 }},
		{"CPUCount", func(r *Registration) { r.CPUCount = 0 }},
		{"CPUMHz", func(r *Registration) { r.CPUMHz = 0 }},
		{"CPUModel", func(r *Registration) { r.CPUModel = "" }},
		{"Description", func(r *Registration) { r.Description = "a;b" }},
		{"Description", func(r *Registration) { r.Description = "ünicode" }},
		{"Description", func(r *Registration) { r.Description = "123456789012345678901234567" }},
		{"", func(r *Registration) { r.Description = "" }},
		{"", func(r *Registration) { r.Description = "12345678901234567890123456" }},
		{"Email", func(r *Registration) { r.Email = "nobody" }},
		{"Email", func(r *Registration) { r.Email = "@b" }},
		{"Email", func(r *Registration) { r.Email = "a\n@b" }},
		{"Email", func(r *Registration) { r.Email = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.c" }},
		{"", func(r *Registration) { r.Email = "x y@z" }},
		{"LeaseAmount", func(r *Registration) { r.LeaseAmount = "" }},
		{"LeaseAmount", func(r *Registration) { r.LeaseAmount = "abc" }},
		{"LeaseAmount", func(r *Registration) { r.LeaseAmount = "0" }},
		{"LeaseAmount", func(r *Registration) { r.LeaseAmount = "-1" }},
		{"LeaseAmount", func(r *Registration) { r.LeaseAmount = "1.23456789012345678" }},
		{"", func(r *Registration) { r.LeaseAmount = "0.00000001" }},
	} {
		r := validRegistration()
		c.edit(&r)
		err := r.Validate()
		var ve *ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v: %v", r, err)
		case c.field != "" && (!errors.Is(err, ErrInvalid) || !errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%+v: err %v, want invalid %s", r, err, c.field)
		}
	}
}

func TestRegistrationRoundTrip(t *testing.T) {
	r := validRegistration()
	b, err := r.EncodeParam()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != RegisterParamSize {
		t.Fatalf("%d bytes", len(b))
	}
	got, err := DecodeRegistration(b)
	if err != nil || got != r {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	u := RegUpdate{TokenID: [32]byte{1, 2, 3, 31: 9}, ActiveInstances: 2, Version: "0.12.1", LeaseAmount: "0.3"}
	b, err = u.EncodeParam()
	if err != nil || len(b) != UpdateRegParamSize {
		t.Fatalf("update: %d bytes, %v", len(b), err)
	}
	if b[31] != 0 || b[0] != 1 {
		t.Errorf("token id: JS sends only its first 16 bytes")
	}
	if _, err := (&RegUpdate{Version: "1.2"}).EncodeParam(); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad version accepted: %v", err)
	}
	if _, err := (&RegUpdate{Version: "1.2.256"}).EncodeParam(); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad version accepted: %v", err)
	}
}

func TestPrepareAccount(t *testing.T) {
	cfg := &Config{EVRIssuerAddress: "rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS", RegistryAddress: "rHH1fLR86zy5uZjZXT8iEa4CHK145ksjAK"}
	pub := make([]byte, 33)
	pub[0] = 2
	txs, err := PrepareAccount(cfg, AccountState{Account: "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", Flags: lsfDefaultRipple}, pub, "Host.Example.COM")
	if err != nil || len(txs) != 2 {
		t.Fatalf("%d txs, %v", len(txs), err)
	}
	set := txs[0].(evernode.AccountSet)
	if set.ClearFlag != evernode.AsfDefaultRipple || *set.Domain != "host.example.com" || len(set.MessageKey) != 33 {
		t.Errorf("AccountSet %+v", set)
	}
	ts := txs[1].(evernode.TrustSet)
	if ts.Flags != evernode.TfSetNoRipple || ts.LimitAmount != cfg.EVR(TrustLineLimit) {
		t.Errorf("TrustSet %+v", ts)
	}
	txs, err = PrepareAccount(cfg, AccountState{Account: "rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK", MessageKey: "02AA",
		Domain: "host.example.com", HasEVRTrustLine: true}, nil, "HOST.example.com")
	if err != nil || len(txs) != 0 {
		t.Fatalf("ready account: %d txs, %v", len(txs), err)
	}
}

// fakeRegistry builds governor namespace entries for n hosts.
func fakeRegistry(t testing.TB, n int) ([]evernode.HookState, *Config) {
	cfg := &Config{RegistryAddress: "rHH1fLR86zy5uZjZXT8iEa4CHK145ksjAK", MomentSize: 3600, HostHeartbeatFreq: 1,
		MomentBaseInfo: MomentBaseInfo{BaseIndex: 1705302000, MomentType: MomentTimestamp}}
	var states []evernode.HookState
	put := func(k Key, v []byte) {
		states = append(states, evernode.HookState{Key: k.String(), Data: hex.EncodeToString(v)})
	}
	reg := ConfigKey(ConfRegistryAddr)
	put(reg, mustAccount(t, cfg.RegistryAddress).slice())
	countries := []string{"US", "DE", "SG"}
	leases := []string{"0.1", "0.3", "1.5"}
	now := uint64(1705302000 + 100*3600 + 10)
	for i := range n {
		var a AccountID
		le.PutUint64(a[:], uint64(i)+1)
		a[19] = 0x5A
		var tok [32]byte
		copy(tok[:], a[:])
		tok[31] = 1
		lease, _ := ParseXFL(leases[i%3])
		hb := now - uint64(i%4)*2000 // 0, 2000, 4000, 6000 s ago
		ha := HostAddr{RegistrationTokenID: tok, CountryCode: countries[i%3], Description: fmt.Sprintf("host %d", i),
			MaxInstances: 3, ActiveInstances: uint32(i % 4), LastHeartbeatIndex: hb, Version: [3]byte{0, 12, 1},
			Reputation: 200, Flags: 1, LeaseAmount: lease}
		ht := HostToken{Account: a, CPUModel: "cpu", CPUCount: 4, CPUMHz: 2400, CPUMicrosec: 800000,
			RAMMB: uint32(1000 * (i%5 + 1)), DiskMB: 100000, Email: "h@x.y"}
		put(HostAddrKey(a), ha.Encode())
		put(TokenIDKey(tok), ht.Encode())
	}
	return states, cfg
}

func (a AccountID) slice() []byte { return a[:] }

func TestHostsFromStatesAndFilter(t *testing.T) {
	states, cfg := fakeRegistry(t, 12)
	got, err := ConfigFromStates(states)
	if err != nil || got.RegistryAddress != cfg.RegistryAddress {
		t.Fatalf("ConfigFromStates: %+v, %v", got, err)
	}
	now := time.Unix(1705302000+100*3600+10, 0)
	hosts, err := HostsFromStates(states, cfg, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 12 {
		t.Fatalf("%d hosts", len(hosts))
	}
	for i, h := range hosts {
		if h.CPUModel != "cpu" || h.Description != fmt.Sprintf("host %d", i) || h.Address != h.Account.String() {
			t.Fatalf("host %d not joined: %+v", i, h)
		}
		// Moment start is now−10; F = 3600: heartbeats 0 and 2000 s ago count.
		if want := i%4 < 2; h.Active != want {
			t.Errorf("host %d active = %v, want %v", i, h.Active, want)
		}
	}
	for _, c := range []struct {
		f    HostFilter
		want int
	}{
		{HostFilter{}, 12},
		{HostFilter{ActiveOnly: true}, 6},
		{HostFilter{Country: "de"}, 4},
		{HostFilter{MaxLeaseAmount: "0.3"}, 8},
		{HostFilter{MaxLeaseAmount: "0.09"}, 0},
		{HostFilter{MaxLeaseAmount: "x"}, 0},
		{HostFilter{MinFreeInstances: 1}, 9},
		{HostFilter{MinRAMMB: 4000}, 4},
		{HostFilter{ActiveOnly: true, MinFreeInstances: 1, Country: "US"}, 2},
	} {
		if got := FilterHosts(hosts, &c.f); len(got) != c.want {
			t.Errorf("%+v: %d hosts, want %d", c.f, len(got), c.want)
		}
	}
	if _, err := HostsFromStates([]evernode.HookState{{Key: HostAddrKey(AccountID{1}).String(), Data: "00"}}, cfg, now, 0); !errors.Is(err, ErrMalformed) {
		t.Errorf("short HOST_ADDR: %v", err)
	}
}

func TestConfigFromStatesNoConfig(t *testing.T) {
	if _, err := ConfigFromStates(nil); !errors.Is(err, ErrNoConfig) {
		t.Errorf("empty namespace: %v", err)
	}
}

func TestDecodeStateShortAndUnknown(t *testing.T) {
	if _, err := DecodeState(make([]byte, 32), nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("zero key: %v", err)
	}
	k := HostAddrKey(AccountID{1})
	for n := 0; n < HostAddrSize+2; n++ {
		_, err := DecodeState(k[:], make([]byte, n))
		ok := n == 125 || n == 126 || n == 127 || n == 135 || n >= 143
		if ok != (err == nil) {
			t.Errorf("HOST_ADDR of %d bytes: %v", n, err)
		}
	}
	short := MomentBaseInfo{BaseIndex: 5, BaseTransitionMoment: 2, Size: 12}
	st, err := DecodeState(SingletonKey(SingletonMomentBaseInfo).slice(), short.Encode())
	if err != nil || st.Value.(MomentBaseInfo).MomentType != MomentLedger {
		t.Errorf("12-byte MOMENT_BASE_INFO: %+v %v", st, err)
	}
}

func (k Key) slice() []byte { return k[:] }
