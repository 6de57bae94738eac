module github.com/evernode-go/sdk

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/Peersyst/xrpl-go v0.3.0
	github.com/coder/websocket v1.8.15
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/stretchr/testify v1.12.1
	go.mongodb.org/mongo-driver/v2 v2.10.0
	golang.org/x/crypto v0.56.0
	golang.org/x/sys v0.47.0
	lukechampine.com/blake3 v1.4.1
)

require (
	github.com/decred/dcrd/crypto/ripemd160 v1.0.2 // indirect
	github.com/klauspost/cpuid/v2 v2.0.9 // indirect
	github.com/ugorji/go/codec v1.2.11 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
