module github.com/evernode-go/sdk

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/Peersyst/xrpl-go v0.3.0
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	golang.org/x/crypto v0.56.0
)

require (
	github.com/decred/dcrd/crypto/ripemd160 v1.0.2 // indirect
	github.com/ugorji/go/codec v1.2.11 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
