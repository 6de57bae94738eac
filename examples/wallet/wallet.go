package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/Peersyst/xrpl-go/keypairs"

	"github.com/evernode-go/sdk/evernode"
	"github.com/evernode-go/sdk/memo"
)

// The accounts of the example: the EVR issuer on Xahau mainnet (an online
// wallet reads it from the governor with hook.LoadConfig) and a host to pay.
const (
	evrIssuer = "rEvernodee8dJLaFsujS6q1EiXvZYmHXr8"
	host      = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
)

// run signs a payment and opens a sealed message with dev. Sequence, Fee
// and LastLedgerSequence would come from the wallet's backend; here they
// are fixed, so nothing touches a network.
func run(ctx context.Context, out io.Writer, dev *device, rand io.Reader) error {
	if dev == nil {
		return errors.New("no key: the random source failed")
	}
	net := evernode.Mainnet()
	signer := dev.Signer()
	addr, err := keypairs.DeriveClassicAddress(hex.EncodeToString(signer.PublicKey()))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "account   %s\n", addr)

	// Build: 2 EVR to a host, with the fields a backend would fill in.
	tx := evernode.Payment{
		Common:      evernode.Common{Account: addr, Sequence: 7, Fee: 20, LastLedgerSequence: 1_000_000},
		Destination: host,
		Amount:      evernode.EVR(evrIssuer, "2"),
	}
	// Sign: the device sees exactly the bytes of EncodeForSigning; Sign
	// checks the signature it returns before building the blob.
	signed, err := evernode.Sign(ctx, net, signer, tx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "signed    %s, %d bytes, hash %s\n", tx.TxType(), len(signed.Blob), signed.HashHex())
	fmt.Fprintf(out, "network   %s (id %d): submit the blob there\n", net.Name, signed.JSON["NetworkID"])

	// Decrypt: a host seals instance details to the account's key (the
	// MessageKey it reads from the ledger); the device opens them without
	// showing its key.
	sealed, err := memo.Seal(rand, dev.KeyHolder().PublicKey(), []byte(`{"user_port":"26201"}`), nil)
	if err != nil {
		return err
	}
	plain, err := memo.Open(ctx, dev.KeyHolder(), sealed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "decrypted %d sealed bytes: %s\n", len(sealed), plain)
	return nil
}
