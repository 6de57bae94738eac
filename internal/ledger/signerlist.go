package ledger

import (
	"maps"
	"slices"

	"github.com/evernode-go/sdk/evernode"
)

// Multi-signing, as rippled and xahaud: SignerListSet keeps one SignerList
// per account (SetSignerList.cpp), and a transaction with an empty
// SigningPubKey and a Signers array is checked twice: its signatures before
// it reaches the engine (STTx::checkMultiSign, a "fails local checks" RPC
// error), then its signers against the account's SignerList
// (Transactor::checkMultiSign, a tef result).

const (
	// spaceSignerList is rippled's LedgerNameSpace::SIGNER_LIST.
	spaceSignerList = 'S'
	// lsfOneOwnerCount marks a SignerList that costs one owner count
	// (the MultiSignReserve amendment, enabled on both networks).
	lsfOneOwnerCount = 0x00010000
	// maxMultiSigners is STTx::maxMultiSigners with ExpandedSignerList,
	// enabled on Xahau and the XRP Ledger.
	maxMultiSigners = 32
)

// SignerListKey is the index of a's SignerList: SHA-512Half(0x0053 ‖
// account ‖ SignerListID), the list id always 0 as in rippled.
func SignerListKey(a AccountID) Hash { return indexHash(spaceSignerList, a[:], []byte{0, 0, 0, 0}) }

// signerEntry is one SignerEntry of a list.
type signerEntry struct {
	acct    AccountID
	weight  uint32
	locator string // WalletLocator, optional
}

// signerEntries decodes a SignerEntries array (of a transaction or a
// SignerList) and returns it sorted by account, as rippled keeps it.
func signerEntries(v any) ([]signerEntry, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]signerEntry, 0, len(arr))
	for _, x := range arr {
		wrap, _ := x.(map[string]any)
		inner, ok := wrap["SignerEntry"].(map[string]any)
		if !ok || len(wrap) != 1 {
			return nil, false
		}
		a, ok := ParseAccount(str(inner, "Account"))
		w, okw := inner["SignerWeight"].(uint32)
		if !ok || !okw {
			return nil, false
		}
		out = append(out, signerEntry{acct: a, weight: w, locator: str(inner, "WalletLocator")})
	}
	slices.SortStableFunc(out, func(a, b signerEntry) int { return compareAccount(a.acct, b.acct) })
	return out, true
}

func compareAccount(a, b AccountID) int {
	switch {
	case lessAccount(a, b):
		return -1
	case a == b:
		return 0
	}
	return 1
}

// preflightSignerListSet is SetSignerList::preflight: a non-zero quorum with
// entries sets the list, a zero quorum without entries deletes it, anything
// else is malformed.
func (e *Engine) preflightSignerListSet(tx map[string]any) string {
	quorum, ok := tx["SignerQuorum"].(uint32)
	if !ok {
		return "temMALFORMED" // a required field
	}
	raw, hasEntries := tx["SignerEntries"]
	switch {
	case quorum == 0 && !hasEntries:
		return ""
	case quorum == 0 || !hasEntries:
		return "temMALFORMED"
	}
	entries, ok := signerEntries(raw)
	if !ok {
		return "temMALFORMED"
	}
	if len(entries) < 1 || len(entries) > maxMultiSigners {
		return "temMALFORMED"
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].acct == entries[i-1].acct {
			return "temBAD_SIGNER"
		}
	}
	self := mustAccount(tx)
	var total uint64
	for _, s := range entries {
		if s.weight == 0 {
			return "temBAD_WEIGHT"
		}
		total += uint64(s.weight)
		if s.acct == self {
			return "temBAD_SIGNER"
		}
	}
	if total < uint64(quorum) {
		return "temBAD_QUORUM"
	}
	return ""
}

// signerListSet creates, replaces or deletes the account's SignerList.
func (c *applyCtx) signerListSet() string {
	entries, set := signerEntries(c.tx["SignerEntries"])
	if !set {
		ar := c.account(c.acct)
		// Without a list, a master-disabled account with no regular key
		// could never sign again.
		if u32(ar, "Flags")&lsfDisableMaster != 0 && str(ar, "RegularKey") == "" {
			return "tecNO_ALTERNATIVE_KEY"
		}
		c.removeSignerList()
		return "tesSUCCESS"
	}
	// A replacement first drops the old list, which may lower the reserve.
	c.removeSignerList()
	ar := c.account(c.acct)
	// Checked against the balance before the fee, as rippled does.
	if c.priorBalance < c.e.reserve(u32(ar, "OwnerCount")+1) {
		return "tecINSUFFICIENT_RESERVE"
	}
	list := make([]any, len(entries))
	for i, s := range entries {
		m := map[string]any{"Account": s.acct.String(), "SignerWeight": s.weight}
		if s.locator != "" {
			m["WalletLocator"] = s.locator
		}
		list[i] = map[string]any{"SignerEntry": m}
	}
	k := SignerListKey(c.acct)
	sl := Entry{
		"LedgerEntryType": "SignerList", "Flags": uint32(lsfOneOwnerCount),
		"SignerQuorum": u32(c.tx, "SignerQuorum"), "SignerListID": uint32(0), "SignerEntries": list,
	}
	sl["OwnerNode"] = fmtHexU64(c.ownerInsert(c.acct, k))
	c.v.put(k, sl)
	c.adjustOwnerCount(c.acct, 1)
	return "tesSUCCESS"
}

// removeSignerList deletes the account's SignerList, if any, and gives back
// its owner count: one, or 2 + entries for a list from before
// MultiSignReserve.
func (c *applyCtx) removeSignerList() {
	k := SignerListKey(c.acct)
	sl := c.v.get(k)
	if sl == nil {
		return
	}
	n := 1
	if u32(sl, "Flags")&lsfOneOwnerCount == 0 {
		arr, _ := sl["SignerEntries"].([]any)
		n = 2 + len(arr)
	}
	c.ownerRemove(c.acct, hexU64(sl, "OwnerNode"), k)
	c.adjustOwnerCount(c.acct, -n)
	c.v.erase(k)
}

// hasSignerList reports whether a has a SignerList in r.
func hasSignerList(r reader, a AccountID) bool { return r.get(SignerListKey(a)) != nil }

// txSigner is one entry of a transaction's Signers array.
type txSigner struct {
	acct     AccountID
	pub, sig []byte
}

// isMultiSigned reports whether tx asks to be multi-signed: rippled
// decides on an empty SigningPubKey alone.
func isMultiSigned(tx map[string]any) bool {
	pk, ok := tx["SigningPubKey"].(string)
	return ok && pk == ""
}

// txSigners decodes the Signers array, in its order.
func txSigners(tx map[string]any) ([]txSigner, bool) {
	arr, ok := tx["Signers"].([]any)
	if !ok {
		return nil, false
	}
	out := make([]txSigner, 0, len(arr))
	for _, x := range arr {
		wrap, _ := x.(map[string]any)
		inner, ok := wrap["Signer"].(map[string]any)
		if !ok || len(wrap) != 1 {
			return nil, false
		}
		a, ok := ParseAccount(str(inner, "Account"))
		pub, err1 := hexDecode(str(inner, "SigningPubKey"))
		sig, err2 := hexDecode(str(inner, "TxnSignature"))
		if !ok || err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, txSigner{acct: a, pub: pub, sig: sig})
	}
	return out, true
}

// signerCount is the number of entries in tx's Signers array, each of which
// adds one base fee.
func signerCount(tx map[string]any) int {
	arr, _ := tx["Signers"].([]any)
	return len(arr)
}

// checkMultiSignature is STTx::checkMultiSign: the Signers array is sorted
// by account without duplicates nor the sending account, and every
// signature verifies over the multi-signing data with its signer's account.
// The reasons are rippled's.
func (e *Engine) checkMultiSignature(tx map[string]any) (bool, string) {
	if _, ok := tx["Signers"]; !ok {
		return false, "Empty SigningPubKey."
	}
	if _, ok := tx["TxnSignature"]; ok {
		return false, "Cannot both single- and multi-sign."
	}
	signers, ok := txSigners(tx)
	if !ok {
		return false, "Invalid Signers array."
	}
	if len(signers) < 1 || len(signers) > maxMultiSigners {
		return false, "Invalid Signers array size."
	}
	m := maps.Clone(tx)
	delete(m, "Signers")
	self := mustAccount(tx)
	var last AccountID
	for _, s := range signers {
		switch {
		case s.acct == self:
			return false, "Invalid multisigner."
		case s.acct == last:
			return false, "Duplicate Signers not allowed."
		case lessAccount(s.acct, last):
			return false, "Unsorted Signers array."
		}
		last = s.acct
		msg, err := e.defs.EncodeForMultisigning(m, s.acct[:])
		if err != nil || !evernode.VerifySignature(s.pub, msg, s.sig) {
			return false, "Invalid signature on account " + s.acct.String() + "."
		}
	}
	return true, ""
}

// checkMultiSign is Transactor::checkMultiSign: every signer is in the
// account's SignerList and signs with its master key (not disabled; an
// account not in the ledger signs with its master key) or its regular key,
// and the signers' weights reach the quorum.
func (e *Engine) checkMultiSign(r reader, tx map[string]any) string {
	sl := r.get(SignerListKey(mustAccount(tx)))
	if sl == nil {
		return "tefNOT_MULTI_SIGNING"
	}
	entries, ok := signerEntries(sl["SignerEntries"])
	if !ok || len(entries) == 0 {
		return "tefINTERNAL"
	}
	signers, _ := txSigners(tx)
	var sum uint64
	i := 0
	for _, s := range signers {
		for lessAccount(entries[i].acct, s.acct) {
			if i++; i == len(entries) {
				return "tefBAD_SIGNATURE"
			}
		}
		if entries[i].acct != s.acct {
			return "tefBAD_SIGNATURE" // not in the list
		}
		if len(s.pub) != 33 || (s.pub[0] != 0x02 && s.pub[0] != 0x03 && s.pub[0] != 0xED) {
			return "tefBAD_SIGNATURE"
		}
		key := accountOfKey(s.pub)
		root := r.get(AccountKey(s.acct))
		if key == s.acct {
			if root != nil && u32(root, "Flags")&lsfDisableMaster != 0 {
				return "tefMASTER_DISABLED"
			}
		} else {
			rk, ok := ParseAccount(str(root, "RegularKey"))
			if root == nil || !ok || rk != key {
				return "tefBAD_SIGNATURE"
			}
		}
		sum += uint64(entries[i].weight)
	}
	if sum < uint64(u32(sl, "SignerQuorum")) {
		return "tefBAD_QUORUM"
	}
	return ""
}

// disableMasterCheck is what SetAccount asks before asfDisableMaster: the
// transaction is signed with the master key itself (not a regular key, not
// multi-signed), and a regular key or a signer list remains to sign with.
func (c *applyCtx) disableMasterCheck(ar Entry) string {
	pub, err := hexDecode(str(c.tx, "SigningPubKey"))
	if err != nil || len(pub) != 33 || accountOfKey(pub) != c.acct {
		return "tecNEED_MASTER_KEY"
	}
	if str(ar, "RegularKey") == "" && !hasSignerList(c.v, c.acct) {
		return "tecNO_ALTERNATIVE_KEY"
	}
	return ""
}
