package hostd

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// The database: one bbolt file in the data dir. Every record is JSON.
var (
	bMeta     = []byte("meta")     // "ledger": last fully processed ledger; "n": intent counter
	bLeases   = []byte("leases")   // acquire hash → Lease
	bTokens   = []byte("tokens")   // lease token id → acquire hash
	bRequests = []byte("requests") // request hash → request (handled)
	bAnswered = []byte("answered") // request hash → answer hash, as seen on the ledger
	bOutbox   = []byte("outbox")   // 8-byte queue number → intent
	bOpen     = []byte("open")     // 8-byte queue number of each intent not yet done → nothing
	bIntents  = []byte("intents")  // intent id → 8-byte queue number
	bOwed     = []byte("owed")     // request hash → EVR that could not be refunded

	keyLedger = []byte("ledger")
	keyN      = []byte("n")
)

// State is a lease's place in its life.
type State string

// Lease states. A lease is created when its acquire is accepted and deleted
// once its slot is queued for re-offer.
const (
	// Provisioning: the acquire was accepted; the instance is being made.
	Provisioning State = "provisioning"
	// Answering: the instance exists; the success answer is queued.
	Answering State = "answering"
	// Active: the tenant has its answer; the lease runs until Expiry.
	Active State = "active"
	// Refusing: the acquire is being refused after provisioning began; the
	// instance (if any) is being destroyed before the refund is queued.
	Refusing State = "refusing"
	// Refunding: the refusal and its refund are queued; the slot is
	// re-offered once it is on the ledger.
	Refunding State = "refunding"
	// Expiring: the lease ended (expiry or termination); the instance is
	// being destroyed, then the slot is re-offered.
	Expiring State = "expiring"
)

// Lease is one lease as the daemon keeps it.
type Lease struct {
	// Ref is the acquire transaction's hash.
	Ref   string `json:"ref"`
	State State  `json:"state"`
	// TokenID is the lease token (and the instance name); Index, Price
	// and OutboundIP are its URI's.
	TokenID    string `json:"token"`
	Index      uint16 `json:"index"`
	Price      string `json:"price"`
	OutboundIP string `json:"ip,omitempty"`
	Tenant     string `json:"tenant"`
	// Paid is the EVR the acquire delivered (what a refusal refunds).
	Paid amountJSON `json:"paid"`
	// Ledger is the acquire's ledger; Acquired its close time; Deadline
	// the end of the time the acquire window leaves for provisioning.
	Ledger   uint32    `json:"ledger"`
	Acquired time.Time `json:"acquired"`
	Deadline time.Time `json:"deadline"`
	// Requirement and ReplyKey are kept until the answer is queued.
	Requirement *memo.Requirement `json:"req,omitempty"`
	ReplyKey    string            `json:"replyKey,omitempty"`
	Instance    *memo.Instance    `json:"instance,omitempty"`
	// Expiry is when an Active lease ends; Activated is when it became
	// Active (zero in a database older than the field), so that Expiry −
	// Activated is exactly the moments it bought.
	Expiry    time.Time `json:"expiry"`
	Activated time.Time `json:"activated,omitzero"`
	// Reason is why an acquire is refused, or why an active lease ended
	// before its expiry (ReasonInstanceMissing; "" for the operator's
	// operations). Either early end refunds the moments left, the one
	// under way included.
	Reason  string    `json:"reason,omitempty"`
	Updated time.Time `json:"updated"`
}

// live reports whether the lease should have an instance.
func (l *Lease) live() bool {
	return l.State == Provisioning || l.State == Answering || l.State == Active
}

// amountJSON stores an evernode.Amount.
type amountJSON struct {
	Currency string `json:"currency,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	Value    string `json:"value"`
}

func toJSONAmount(a evernode.Amount) amountJSON {
	return amountJSON{Currency: a.Currency, Issuer: a.Issuer, Value: a.Value}
}

func (a amountJSON) amount() evernode.Amount {
	return evernode.Amount{Currency: a.Currency, Issuer: a.Issuer, Value: a.Value}
}

// request records a handled lease request.
type request struct {
	Type   memo.EventType `json:"type"`
	Ledger uint32         `json:"ledger"`
	// Outcome is what was done: "lease", "refuse", "extend", "refund",
	// "terminate", "ignore".
	Outcome string `json:"outcome"`
}

func openDB(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("hostd: opening %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		index := tx.Bucket(bOpen) == nil
		for _, b := range [][]byte{bMeta, bLeases, bTokens, bRequests, bAnswered, bOutbox, bOpen, bIntents, bOwed} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if index {
			return indexOpenIntents(tx)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("hostd: preparing %s: %w", path, err)
	}
	return db, nil
}

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, &corruptError{fmt.Errorf("hostd: corrupt record %q: %w", key, err)}
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

func getLease(tx *bolt.Tx, ref string) (*Lease, error) {
	var l Lease
	ok, err := getJSON(tx.Bucket(bLeases), ref, &l)
	if err != nil || !ok {
		return nil, err
	}
	return &l, nil
}

func putLease(tx *bolt.Tx, l *Lease, now time.Time) error {
	l.Updated = now
	if err := putJSON(tx.Bucket(bLeases), l.Ref, l); err != nil {
		return err
	}
	return tx.Bucket(bTokens).Put([]byte(l.TokenID), []byte(l.Ref))
}

func deleteLease(tx *bolt.Tx, l *Lease) error {
	if err := tx.Bucket(bLeases).Delete([]byte(l.Ref)); err != nil {
		return err
	}
	if ref := tx.Bucket(bTokens).Get([]byte(l.TokenID)); string(ref) == l.Ref {
		return tx.Bucket(bTokens).Delete([]byte(l.TokenID))
	}
	return nil
}

func leaseByToken(tx *bolt.Tx, token string) (*Lease, error) {
	ref := tx.Bucket(bTokens).Get([]byte(token))
	if ref == nil {
		return nil, nil
	}
	return getLease(tx, string(ref))
}

func allLeases(tx *bolt.Tx) ([]*Lease, error) {
	var out []*Lease
	err := tx.Bucket(bLeases).ForEach(func(k, v []byte) error {
		var l Lease
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("hostd: corrupt lease %s: %w", k, err)
		}
		out = append(out, &l)
		return nil
	})
	return out, err
}

func getLedger(tx *bolt.Tx) uint32 {
	v := tx.Bucket(bMeta).Get(keyLedger)
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func setLedger(tx *bolt.Tx, l uint32) error {
	if l <= getLedger(tx) {
		return nil
	}
	return tx.Bucket(bMeta).Put(keyLedger, binary.BigEndian.AppendUint32(nil, l))
}

func handled(tx *bolt.Tx, hash string) bool {
	return tx.Bucket(bRequests).Get([]byte(hash)) != nil
}

func markHandled(tx *bolt.Tx, hash string, r request) error {
	return putJSON(tx.Bucket(bRequests), hash, r)
}

func answeredBy(tx *bolt.Tx, ref string) string {
	return string(tx.Bucket(bAnswered).Get([]byte(ref)))
}
