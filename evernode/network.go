package evernode

import "fmt"

// Chain is the ledger family a network belongs to. It decides the binary
// definitions, the native currency and which transaction types exist.
type Chain int

const (
	// Xahau is the hooks-enabled network live Evernode runs on: XAH,
	// URITokens, hooks.
	Xahau Chain = iota + 1
	// XRPL is the XRP Ledger: XRP and NFTokens (XLS-20).
	XRPL
)

// String returns "xahau" or "xrpl".
func (c Chain) String() string {
	switch c {
	case Xahau:
		return "xahau"
	case XRPL:
		return "xrpl"
	}
	return fmt.Sprintf("chain(%d)", int(c))
}

// NativeCurrency returns "XAH" or "XRP".
func (c Chain) NativeCurrency() string {
	if c == XRPL {
		return "XRP"
	}
	return "XAH"
}

// Network describes one ledger network. The zero value is not usable; start
// from a preset (Mainnet, Testnet, Devnet) or fill in Chain and NetworkID.
type Network struct {
	// Name is a label for logs and errors.
	Name string
	// Chain selects the binary definitions; zero means Xahau.
	Chain Chain
	// NetworkID is the network identifier. Networks above 1024 require it
	// in every transaction; Sign fills it in when a transaction has none.
	NetworkID uint32
	// URL is the websocket endpoint of a node.
	URL string
	// GovernorAddress is the Evernode governor hook account, the only
	// address an Evernode client needs up front.
	GovernorAddress string
	// Definitions overrides the built-in binary definitions, for example
	// with a node's server_definitions. Nil means the built-in table of
	// Chain.
	Definitions *Definitions
}

// chain returns the network's chain, Xahau when unset.
func (n Network) chain() Chain {
	if n.Chain == 0 {
		return Xahau
	}
	return n.Chain
}

// Mainnet is Evernode on Xahau mainnet.
func Mainnet() Network {
	return Network{Name: "mainnet", Chain: Xahau, NetworkID: 21337, URL: "wss://xahau.network",
		GovernorAddress: "rBvKgF3jSZWdJcwSsmoJspoXLLDVLDp6jg"}
}

// Testnet is Evernode on the Xahau testnet.
func Testnet() Network {
	return Network{Name: "testnet", Chain: Xahau, NetworkID: 21338, URL: "wss://hooks-testnet-v3.xrpl-labs.com",
		GovernorAddress: "rUZXZuqhjRP2ouHTmBncp2pmntt2WmNo9c"}
}

// Devnet is the Evernode development network on the Xahau testnet.
func Devnet() Network {
	return Network{Name: "devnet", Chain: Xahau, NetworkID: 21338, URL: "wss://hooks-testnet-v3.xrpl-labs.com",
		GovernorAddress: "rwBigRmbdi4CwtdS9yV9f7YqaZbzVbnvrt"}
}

// LocalNetworkID is the network id of a local Xahau network (what
// evernode/localnet runs by default): above 1024 like Xahau's, but neither
// mainnet's nor testnet's, so nothing signed for it replays on them.
const LocalNetworkID = 21465

// Local is a Xahau network on this machine at url (ws://127.0.0.1:…), such
// as an evernode/localnet; its governor address is whatever the local
// Evernode hooks were set up on, so fill in GovernorAddress.
func Local(url string) Network {
	return Network{Name: "localnet", Chain: Xahau, NetworkID: LocalNetworkID, URL: url}
}
