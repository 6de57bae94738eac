package hotpocket

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/evernode-go/sdk/internal/hpwire"
	"github.com/evernode-go/sdk/internal/uuid"
)

// ProvisionOptions are the inputs of Provision; only OwnerPubkey is required.
type ProvisionOptions struct {
	// OwnerPubkey is the tenant's "ed"-prefixed hex user key; it becomes bin_args of the
	// bootstrap contract (stored lowercase, because the bootstrap compares hex strings).
	OwnerPubkey string
	// ContractID is the contract UUID; empty generates a random version-4 UUID.
	ContractID string
	// UserPort and PeerPort go to user.port and mesh.port; a zero UserPort makes Start pick a
	// free port.
	UserPort, PeerPort int
	// Override is the tenant's acquire-time config, applied with MergeOverride; may be nil.
	Override json.RawMessage
	// Rand is the randomness for the node key, contract id and TLS key; nil uses crypto/rand.
	Rand io.Reader
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// bootstrapMarker identifies the node's built-in bootstrap contract. The file is a shell
// script so that a real hpcore run on this directory fails loudly instead of silently.
const bootstrapMarker = "# evernode-go hotpocket: built-in bootstrap contract, executed natively by the node."

// upgradeMarker identifies the built-in bootstrap_upgrade.sh (renamed post_exec.sh).
const upgradeMarker = "# evernode-go hotpocket: built-in bootstrap upgrade, executed natively by the node."

func markerScript(marker string) []byte {
	return []byte("#!/bin/sh\n" + marker + "\necho 'this file is interpreted by the evernode-go hotpocket node' >&2\nexit 1\n")
}

// Provision creates a fresh contract directory as sashimono's create_contract does (spec
// §2.1, §5.2): the Evernode template config, a new node keypair, contract.id, unl=[own key],
// bin_path "bootstrap_contract" with the owner key as bin_args, the ports, a self-signed TLS
// certificate, the bootstrap files in the state directory, then the tenant overrides.
// contract.run_as is left empty (sashimono sets "10000:0"); this test runtime does not
// switch users. It returns ErrExists if dir already has cfg/hp.cfg.
func Provision(dir string, opts ProvisionOptions) (Config, error) {
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := hpwire.ParsePublicKey(opts.OwnerPubkey); err != nil {
		return Config{}, cfgErr("owner_pubkey", err.Error())
	}
	cid := opts.ContractID
	if cid == "" {
		var err error
		if cid, err = uuid.NewV4(r); err != nil {
			return Config{}, fmt.Errorf("hotpocket: contract id: %w", err)
		}
	} else if !uuidRE.MatchString(cid) {
		return Config{}, cfgErr("contract.id", "contractid_bad_format: must be a UUID")
	}
	for _, p := range []int{opts.UserPort, opts.PeerPort} {
		if p < 0 || p > 65535 {
			return Config{}, cfgErr("port", "out of range")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cfg", "hp.cfg")); err == nil {
		return Config{}, ErrExists
	}
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return Config{}, fmt.Errorf("hotpocket: node key: %w", err)
	}
	cfg := DefaultConfig()
	cfg.Node.PublicKey = hpwire.PublicKeyHex(pub)
	cfg.Node.PrivateKey = privKeyHex(priv)
	cfg.Contract.ID = cid
	cfg.Contract.UNL = []string{cfg.Node.PublicKey}
	cfg.Contract.BinPath = "bootstrap_contract"
	cfg.Contract.BinArgs = strings.ToLower(opts.OwnerPubkey)
	cfg.Mesh.Port = opts.PeerPort
	cfg.User.Port = opts.UserPort
	cfg.HPFS.External = true
	if cfg, err = cfg.MergeOverride(opts.Override); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}

	state := stateDir(dir)
	for _, d := range []string{filepath.Join(dir, "cfg"), state, filepath.Join(dir, "ledger_fs", "seed", "primary"),
		filepath.Join(dir, "ledger_fs", "seed", "raw"), filepath.Join(dir, "log", "contract")} {
		if err := os.MkdirAll(d, 0o775); err != nil {
			return Config{}, err
		}
	}
	certPEM, keyPEM, err := selfSignedCert(r, cid)
	if err != nil {
		return Config{}, err
	}
	files := []struct {
		path string
		data []byte
		perm os.FileMode
	}{
		{filepath.Join(dir, "cfg", "tlscert.pem"), certPEM, 0o644},
		{filepath.Join(dir, "cfg", "tlskey.pem"), keyPEM, 0o600},
		{filepath.Join(state, bootstrapBin), markerScript(bootstrapMarker), 0o755},
		{filepath.Join(state, upgradeScript), markerScript(upgradeMarker), 0o755},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, f.perm); err != nil {
			return Config{}, err
		}
	}
	if err := SaveConfig(dir, cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func stateDir(dir string) string  { return filepath.Join(dir, "contract_fs", "seed", "state") }
func patchPath(dir string) string { return filepath.Join(dir, "contract_fs", "seed", "patch.cfg") }

// selfSignedCert makes an ECDSA P-256 certificate valid for ten years. Node identity is
// proven by the signed challenge, not by TLS (spec §1.1).
func selfSignedCert(r io.Reader, cn string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, nil, fmt.Errorf("hotpocket: tls key: %w", err)
	}
	var sn [16]byte
	if _, err := io.ReadFull(r, sn[:]); err != nil {
		return nil, nil, fmt.Errorf("hotpocket: tls serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sn[:]),
		Subject:      pkix.Name{CommonName: "hotpocket " + cn, Organization: []string{"evernode-go"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(r, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("hotpocket: tls cert: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}
