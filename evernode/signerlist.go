package evernode

import "fmt"

// SignerListEntry is one member of a signer list: an account (any classic
// address, funded or not) and the weight its signature adds toward the
// quorum.
type SignerListEntry struct {
	Account      string
	SignerWeight uint16
	// WalletLocator is optional, 32 bytes the owner may attach to the entry.
	WalletLocator []byte
}

// SignerListSet gives the account a signer list, so that transactions
// multi-signed by members whose weights reach SignerQuorum act for it
// (SignFor, Multisign). A new list replaces the old one. SignerQuorum 0
// with no entries deletes the list. The list costs one owner reserve.
type SignerListSet struct {
	Common
	SignerQuorum  uint32
	SignerEntries []SignerListEntry
}

// TxType returns "SignerListSet".
func (SignerListSet) TxType() string { return "SignerListSet" }

func (t SignerListSet) txJSON(Chain) (map[string]any, error) {
	m := t.Common.json(t.TxType(), false, false)
	// Always written: a zero quorum is how the list is deleted.
	m["SignerQuorum"] = t.SignerQuorum
	if len(t.SignerEntries) == 0 {
		return m, nil
	}
	list := make([]any, len(t.SignerEntries))
	for i, s := range t.SignerEntries {
		e := map[string]any{"Account": s.Account, "SignerWeight": uint32(s.SignerWeight)}
		if s.WalletLocator != nil {
			if len(s.WalletLocator) != 32 {
				return nil, fmt.Errorf("evernode: SignerEntry %d WalletLocator of %d bytes, want 32", i, len(s.WalletLocator))
			}
			e["WalletLocator"] = upper(s.WalletLocator)
		}
		list[i] = map[string]any{"SignerEntry": e}
	}
	m["SignerEntries"] = list
	return m, nil
}
