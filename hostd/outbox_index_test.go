package hostd

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// The outbox keeps every intent ever queued; the open ones are found
// through the bOpen index, which every write keeps in step and which a
// database written before the index existed gets at open.
func TestOpenIntentsIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostd.db")
	db, err := openDB(path)
	require.NoError(t, err)
	states := []istate{iDone, iPending, iFailed, iSubmitted, iDone, iPending}
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		for i, st := range states {
			if err := putIntent(tx, &intent{ID: string(rune('a' + i)), N: uint64(i + 1), State: st}); err != nil {
				return err
			}
		}
		// A pending intent that finishes leaves the index.
		return putIntent(tx, &intent{ID: "f", N: 6, State: iDone})
	}))
	want := []string{"b", "d"}
	ids := func() []string {
		var got []string
		require.NoError(t, db.View(func(tx *bolt.Tx) error {
			its, err := openIntents(tx)
			for _, it := range its {
				got = append(got, it.ID)
			}
			return err
		}))
		return got
	}
	require.Equal(t, want, ids())

	// A database from before the index: the index is rebuilt at open.
	require.NoError(t, db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bOpen) }))
	require.NoError(t, db.Close())
	db, err = openDB(path)
	require.NoError(t, err)
	defer db.Close()
	require.Equal(t, want, ids())

	// An index entry without its intent is a corrupt store, not a skip.
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bOpen).Put(binary.BigEndian.AppendUint64(nil, 99), nil)
	}))
	require.Error(t, db.View(func(tx *bolt.Tx) error { _, err := openIntents(tx); return err }))
}

// BenchmarkOpenIntents: one outbox step's read of the open intents with a
// year of finished ones (hourly heartbeats and lease traffic) behind them.
func BenchmarkOpenIntents(b *testing.B) {
	db, err := openDB(filepath.Join(b.TempDir(), "hostd.db"))
	require.NoError(b, err)
	defer db.Close()
	require.NoError(b, db.Update(func(tx *bolt.Tx) error {
		for i := range 20000 {
			st := iDone
			if i%5000 == 0 {
				st = iPending
			}
			if err := putIntent(tx, &intent{ID: string(binary.BigEndian.AppendUint64(nil, uint64(i))), N: uint64(i + 1), Kind: kHeartbeat, State: st}); err != nil {
				return err
			}
		}
		return nil
	}))
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, db.View(func(tx *bolt.Tx) error {
				its, err := openIntents(tx)
				if len(its) != 4 {
					b.Fatalf("%d open", len(its))
				}
				return err
			}))
		}
	})
	// What openIntents cost before the index: decoding every intent.
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, db.View(func(tx *bolt.Tx) error {
				return tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
					var it intent
					return json.Unmarshal(v, &it)
				})
			}))
		}
	})
}
