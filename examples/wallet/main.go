// Command wallet is what a wallet embeds from the SDK, with no network: it
// builds an Evernode transaction, has an external signer sign it (a stand-in
// for a hardware wallet that never shows its private key), and decrypts a
// message sealed to the account's key through a memo.KeyHolder on the same
// device, the way a tenant's wallet opens a host's answer.
//
//	go run ./examples/wallet
//
// device.go is the part a wallet replaces with its own key store; wallet.go
// is the part it copies.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Stdout, newDevice(rand.Reader), rand.Reader); err != nil {
		fmt.Fprintln(os.Stderr, "wallet:", err)
		os.Exit(1)
	}
}
