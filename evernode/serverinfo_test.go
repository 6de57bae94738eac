package evernode

import "testing"

func TestServerInfoCompleteLedgers(t *testing.T) {
	cases := []struct {
		complete string
		from, to uint32
		has      bool
	}{
		{"32570-62341", 32570, 62341, true},
		{"32570-62341", 32569, 62341, false},
		{"32570-62341", 40000, 62342, false},
		{"1-5,9-40", 9, 40, true},
		{"1-5,9-40", 5, 40, false}, // the gap 6–8
		{"1-5, 9-40", 2, 5, true},
		{"7", 7, 7, true},
		{"empty", 1, 1, false},
		{"", 1, 1, false},
	}
	for _, c := range cases {
		i := ServerInfo{CompleteLedgers: c.complete}
		if got := i.HasLedgers(c.from, c.to); got != c.has {
			t.Errorf("%q HasLedgers(%d, %d) = %v", c.complete, c.from, c.to, got)
		}
	}
	if a, b, ok := (ServerInfo{CompleteLedgers: "1-5,9-40"}).CompleteRange(12); !ok || a != 9 || b != 40 {
		t.Errorf("CompleteRange(12) = %d, %d, %v", a, b, ok)
	}
}
