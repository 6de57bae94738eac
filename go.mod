module github.com/evernode-go/sdk

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/Peersyst/xrpl-go v0.3.0 // indirect
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1 // indirect
	golang.org/x/crypto v0.56.0 // indirect
)
