package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// zeros is a random source that is not: it makes the example's output
// repeatable.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func Example() {
	if err := run(context.Background(), os.Stdout, newDevice(zeros{}), zeros{}); err != nil {
		panic(err)
	}
	// Output:
	// account   rMmS2SnPF5ayxJtVBb8mpM9g8hnWrpcbny
	// signed    Payment, 227 bytes, hash BA93DFD2EB4A269237F83593831F667D74FE6667255DF31C5AFE42D739A8860D
	// network   mainnet (id 21337): submit the blob there
	// decrypted 69 sealed bytes: {"user_port":"26201"}
}

// TestDeviceMatchesWallet: the device signs exactly as a seed wallet with
// the same key, and its blob decodes to the payment built.
func TestDeviceMatchesWallet(t *testing.T) {
	ctx := context.Background()
	dev := newDevice(zeros{})
	require.NotNil(t, dev)
	w, err := evernode.WalletFromSeed("sEdSJHS4oiAdz7w2X2ni1gFiqtbJHqE") // any ed25519 wallet
	require.NoError(t, err)
	tx := evernode.Payment{Common: evernode.Common{Account: w.Address(), Sequence: 1, Fee: 12}, Destination: host, Amount: evernode.Drops(5)}
	signed, err := evernode.Sign(ctx, evernode.Testnet(), dev.Signer(), tx)
	require.NoError(t, err)
	m, err := evernode.Decode(evernode.Testnet(), signed.Blob)
	require.NoError(t, err)
	assert.Equal(t, strings.ToUpper(hex.EncodeToString(dev.Signer().PublicKey())), m["SigningPubKey"])
	msg, err := evernode.EncodeForSigning(evernode.Testnet(), tx, dev.Signer().PublicKey())
	require.NoError(t, err)
	sig, err := hex.DecodeString(m["TxnSignature"].(string))
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(dev.key.Public().(ed25519.PublicKey), msg, sig))

	// A wallet's own key and the device agree on sealed boxes both ways.
	sealed, err := memo.Seal(zeros{}, dev.KeyHolder().PublicKey(), []byte("to the device"), nil)
	require.NoError(t, err)
	got, err := memo.Open(ctx, dev.KeyHolder(), sealed)
	require.NoError(t, err)
	assert.Equal(t, "to the device", string(got))
	_, err = memo.Open(ctx, w.MessageKey(), sealed)
	assert.ErrorIs(t, err, memo.ErrDecrypt, "another key opens the device's box")
	sealed[len(sealed)-1] ^= 1
	_, err = memo.Open(ctx, dev.KeyHolder(), sealed)
	assert.ErrorIs(t, err, memo.ErrDecrypt, "a tampered box opens")
}

func TestCancelledSigner(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out, newDevice(zeros{}), zeros{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Error(t, run(context.Background(), &out, nil, zeros{}))
}
