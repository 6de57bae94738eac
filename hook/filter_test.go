package hook

import (
	"context"
	"errors"
	"testing"
)

// TestHostFilterValidate: a price filter that does not parse (or a
// country that is not two letters) is an error, not a filter that
// silently matches no host; Hosts refuses it before reading.
func TestHostFilterValidate(t *testing.T) {
	for _, f := range []*HostFilter{nil, {}, {MaxLeaseAmount: "0.5", Country: "sg"}, {MaxLeaseAmount: "0"}, {MaxLeaseAmount: "1e-6"}} {
		if err := f.Validate(); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	for _, f := range []*HostFilter{{MaxLeaseAmount: "abc"}, {MaxLeaseAmount: "-1"}, {MaxLeaseAmount: "1/2"}, {MaxLeaseAmount: "0x10"},
		{Country: "SGP"}, {Country: "1A"}} {
		err := f.Validate()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", f, err)
		}
		if _, err := Hosts(context.Background(), nil, &Config{}, &HostsOptions{Filter: f}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Hosts with %+v: %v", f, err)
		}
	}
}
