package hook

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/evernode-go/sdk/evernode"
)

// Config is the Evernode configuration held in the governor's state, the
// object evernode-js-client keeps as client.config. Fields whose entry is
// absent stay zero. JSON tags give the JS names.
type Config struct {
	RegistryAddress   string `json:"registryAddress"`
	HeartbeatAddress  string `json:"heartbeatAddress"`
	ReputationAddress string `json:"reputationAddress"`
	EVRIssuerAddress  string `json:"evrIssuerAddress"`
	FoundationAddress string `json:"foundationAddress"`
	// HostRegFee is the current registration fee in whole EVR.
	HostRegFee uint64 `json:"hostRegFee"`
	// MomentSize is in ledgers or seconds, per MomentBaseInfo.MomentType.
	MomentSize uint16 `json:"momentSize"`
	// HostHeartbeatFreq is in moments.
	HostHeartbeatFreq uint16         `json:"hostHeartbeatFreq"`
	MomentBaseInfo    MomentBaseInfo `json:"momentBaseInfo"`
	// LeaseAcquireWindow is in seconds.
	LeaseAcquireWindow      uint16                  `json:"leaseAcquireWindow"`
	RewardInfo              RewardInfo              `json:"rewardInfo"`
	RewardConfiguration     RewardConfiguration     `json:"rewardConfiguration"`
	HostCount               uint32                  `json:"hostCount"`
	MomentTransitInfo       MomentTransitInfo       `json:"momentTransitInfo"`
	RegistryMaxTrxEmitFee   uint64                  `json:"registryMaxTrxEmitFee"`
	GovernanceConfiguration GovernanceConfiguration `json:"governanceConfiguration"`
	GovernanceInfo          GovernanceInfo          `json:"governanceInfo"`
	TransactionFeeBaseInfo  TrxFeeBaseInfo          `json:"transactionFeeBaseInfo"`
	NetworkConfiguration    NetworkConfiguration    `json:"networkConfiguration"`

	// Governor is the governor account the configuration was read from
	// (set by LoadConfig). Host reads look up state there; when empty they
	// use the client's Network().GovernorAddress.
	Governor string `json:"-"`

	// Not in the JS client's config object, but in the same state.
	MintLimit            uint64 `json:"-"`
	FixedRegFee          uint64 `json:"-"`
	MaxTolerableDowntime uint16 `json:"-"`
}

// ConfigFromStates builds the configuration from governor namespace
// entries (as account_namespace returns them). Entries that are not
// configuration (hosts, candidates) are skipped; a configuration entry that
// does not decode is an error. It fails with ErrNoConfig when there is no
// registry address, the one entry every deployment has.
func ConfigFromStates(states []evernode.HookState) (*Config, error) {
	c := &Config{}
	for _, hs := range states {
		if len(hs.Key) != 64 || hs.Key[:6] != "455652" {
			continue
		}
		// Only fixed keys: the config index is 01, singletons 32–38.
		t := hs.Key[6:8]
		if t != "01" && (t < "32" || t > "38") {
			continue
		}
		key, err := hex.DecodeString(hs.Key)
		if err != nil {
			continue
		}
		value, err := hex.DecodeString(hs.Data)
		if err != nil {
			return nil, malformed("state %s: data is not hex", hs.Key)
		}
		st, err := DecodeState(key, value)
		if err != nil {
			if isUnknown(err) {
				continue
			}
			return nil, fmt.Errorf("hook: config entry %s: %w", hs.Key, err)
		}
		c.set(st)
	}
	if c.RegistryAddress == "" {
		return nil, ErrNoConfig
	}
	return c, nil
}

func (c *Config) set(st State) {
	k := st.Key
	if st.Kind == KindSingleton {
		switch Singleton(k[3]) {
		case SingletonHostCount:
			c.HostCount = st.Value.(uint32)
		case SingletonMomentBaseInfo:
			c.MomentBaseInfo = st.Value.(MomentBaseInfo)
		case SingletonHostRegFee:
			c.HostRegFee = st.Value.(uint64)
		case SingletonRewardInfo:
			c.RewardInfo = st.Value.(RewardInfo)
		case SingletonGovernanceInfo:
			c.GovernanceInfo = st.Value.(GovernanceInfo)
		case SingletonTrxFeeBaseInfo:
			c.TransactionFeeBaseInfo = st.Value.(TrxFeeBaseInfo)
		}
		return
	}
	if st.Kind != KindConfiguration {
		return
	}
	switch ConfigIndex(k[31]) {
	case ConfEVRIssuerAddr:
		c.EVRIssuerAddress = st.Value.(AccountID).String()
	case ConfFoundationAddr:
		c.FoundationAddress = st.Value.(AccountID).String()
	case ConfHeartbeatAddr:
		c.HeartbeatAddress = st.Value.(AccountID).String()
	case ConfRegistryAddr:
		c.RegistryAddress = st.Value.(AccountID).String()
	case ConfReputationAddr:
		c.ReputationAddress = st.Value.(AccountID).String()
	case ConfMomentSize:
		c.MomentSize = st.Value.(uint16)
	case ConfHostHeartbeatFreq:
		c.HostHeartbeatFreq = st.Value.(uint16)
	case ConfLeaseAcquireWindow:
		c.LeaseAcquireWindow = st.Value.(uint16)
	case ConfMaxTolerableDowntime:
		c.MaxTolerableDowntime = st.Value.(uint16)
	case ConfMintLimit:
		c.MintLimit = st.Value.(uint64)
	case ConfFixedRegFee:
		c.FixedRegFee = st.Value.(uint64)
	case ConfMaxTrxEmissionFee:
		c.RegistryMaxTrxEmitFee = st.Value.(uint64)
	case ConfRewardConfiguration:
		c.RewardConfiguration = st.Value.(RewardConfiguration)
	case ConfMomentTransitInfo:
		c.MomentTransitInfo = st.Value.(MomentTransitInfo)
	case ConfGovernanceConfiguration:
		c.GovernanceConfiguration = st.Value.(GovernanceConfiguration)
	case ConfNetworkConfiguration:
		c.NetworkConfiguration = st.Value.(NetworkConfiguration)
	}
}

// LoadConfig reads the configuration from the governor's namespace with
// account_namespace (paged; on mainnet this includes every host entry).
func LoadConfig(ctx context.Context, c *evernode.Client, governor string) (*Config, error) {
	states, err := c.AccountNamespace(ctx, governor, NamespaceHex)
	if err != nil {
		return nil, fmt.Errorf("hook: load config from %s: %w", governor, err)
	}
	cfg, err := ConfigFromStates(states)
	if err != nil {
		return nil, err
	}
	cfg.Governor = governor
	return cfg, nil
}

func (c *Config) governor(cl *evernode.Client) string {
	if c.Governor != "" {
		return c.Governor
	}
	return cl.Network().GovernorAddress
}

// EVR returns an amount of EVR issued by the configured issuer.
func (c *Config) EVR(value string) evernode.Amount {
	return evernode.EVR(c.EVRIssuerAddress, value)
}

// Moments returns the moment arithmetic of this configuration.
func (c *Config) Moments() Moments {
	return Moments{Base: c.MomentBaseInfo, Size: c.MomentSize, Transit: c.MomentTransitInfo}
}
