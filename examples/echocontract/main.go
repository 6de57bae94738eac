// Command echocontract is a HotPocket smart contract in Go (a static binary, no cgo): every
// contract input is written back to its sender unchanged and counted in the state file
// "count"; a read request "count" answers with that number, any other read request is
// echoed back. Upload it with package contract (bin_path "echocontract").
//
//	CGO_ENABLED=0 go build -o echocontract ./examples/echocontract
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(processEnv()); err != nil {
		fmt.Fprintln(os.Stderr, "echocontract:", err)
		os.Exit(1)
	}
}
