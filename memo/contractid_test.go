package memo_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/evernode-go/sdk/memo"
)

func TestNewContractID(t *testing.T) {
	id, err := memo.NewContractID(bytes.NewReader(make([]byte, 16)))
	if err != nil || id != "00000000-0000-4000-8000-000000000000" {
		t.Fatalf("NewContractID(zeros) = %q, %v", id, err)
	}
	for range 100 {
		id, err := memo.NewContractID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		r := memo.Requirement{OwnerPubkey: "ed" + string(bytes.Repeat([]byte("ab"), 32)), ContractID: id, Image: "x"}
		if err := r.Validate(); err != nil || id[14] != '4' {
			t.Fatalf("%s: %v", id, err)
		}
	}
	boom := errors.New("boom")
	if _, err := memo.NewContractID(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("a failing reader gives %v", err)
	}
}
