package hook

import (
	"testing"
	"time"
)

// BenchmarkHostsFromStates decodes and joins 10,000 hosts (20,000 HOST_ADDR
// and TOKEN_ID entries, hex as account_namespace returns them). The JS
// client's StateHelpers take about 207 ms for the same.
func BenchmarkHostsFromStates(b *testing.B) {
	states, cfg := fakeRegistry(b, 10_000)
	now := time.Unix(1705302000+100*3600, 0)
	b.ReportAllocs()
	for b.Loop() {
		hosts, err := HostsFromStates(states, cfg, now, 0)
		if err != nil || len(hosts) != 10_000 {
			b.Fatal(len(hosts), err)
		}
	}
}

// BenchmarkDecodeState is one generic decode of a HOST_ADDR entry.
func BenchmarkDecodeState(b *testing.B) {
	states, _ := fakeRegistry(b, 1)
	key, value := mustHex(b, states[1].Key), mustHex(b, states[1].Data)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeState(key, value); err != nil {
			b.Fatal(err)
		}
	}
}
