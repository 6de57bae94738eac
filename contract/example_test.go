package contract_test

import (
	"fmt"

	"github.com/evernode-go/sdk/contract"
)

// The hp.cfg.override of a bundle for a two-node cluster: the instances' keys are appended
// to the UNL and their peer ports become known peers, as evdevkit writes it.
func ExampleBundle_Override() {
	b := &contract.Bundle{
		Files:  []contract.File{{Name: "mycontract", Data: []byte("\x7fELF...")}},
		Config: contract.Config{BinPath: "mycontract", Consensus: &contract.Consensus{Roundtime: 2000}},
	}
	ov, err := b.Override(&contract.ZipOptions{
		InstanceKeys: []string{"ed" + fmt.Sprintf("%064x", 1), "ed" + fmt.Sprintf("%064x", 2)},
		KnownPeers:   []string{"host1.example:22861", "host2.example:22861"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(ov))
	// Output:
	// {
	//   "contract": {
	//     "bin_args": "",
	//     "bin_path": "mycontract",
	//     "consensus": {
	//       "roundtime": 2000
	//     },
	//     "unl": [
	//       "ed0000000000000000000000000000000000000000000000000000000000000001",
	//       "ed0000000000000000000000000000000000000000000000000000000000000002"
	//     ]
	//   },
	//   "mesh": {
	//     "known_peers": [
	//       "host1.example:22861",
	//       "host2.example:22861"
	//     ]
	//   }
	// }
}

// Sizes are checked before anything is sent: the bootstrap contract takes the bundle in one
// message of at most user.max_bytes_per_msg (10 MiB on Evernode).
func ExampleCheckSize() {
	err := contract.CheckSize(10<<20, 0)
	fmt.Println(err)
	// Output:
	// contract: bundle too large: the 10485760-byte zip makes a 10485981-byte upload message, over the node's 10485760-byte message limit (user.max_bytes_per_msg); the bootstrap contract takes the bundle in one message, so shrink it by 221 bytes
}
