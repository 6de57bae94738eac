package hook

import "github.com/evernode-go/sdk/evernode"

// Validate checks what a caller put in the filter, since Match quietly
// matches nothing for a value it cannot use: MaxLeaseAmount must be a
// non-negative decimal and Country two letters. A nil filter is valid.
// Hosts and ActiveHosts call it before reading anything.
func (f *HostFilter) Validate() error {
	if f == nil {
		return nil
	}
	if f.MaxLeaseAmount != "" {
		r, err := evernode.EVR("-", f.MaxLeaseAmount).Rat()
		if err != nil || r.Sign() < 0 {
			return invalid("MaxLeaseAmount", "%q is not a non-negative decimal", f.MaxLeaseAmount)
		}
	}
	if c := f.Country; c != "" {
		if len(c) != 2 || !isLetter(c[0]) || !isLetter(c[1]) {
			return invalid("Country", "%q: want two letters", c)
		}
	}
	return nil
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }
