package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evernode-go/sdk/hook"
)

func TestParseVotes(t *testing.T) {
	id := "0000000003000000000000000100000000000000000000000000000000000001"
	got, err := parseVotes(map[string]string{id: "Support", id[:63] + "2": "reject"})
	require.NoError(t, err)
	require.Equal(t, map[string]hook.VoteValue{id: hook.VoteSupport, id[:63] + "2": hook.VoteReject}, got)
	_, err = parseVotes(map[string]string{id: "maybe"})
	require.ErrorContains(t, err, "want support or reject")
	got, err = parseVotes(nil)
	require.NoError(t, err)
	require.Nil(t, got)
}
