// Package instance is the host side's contract for running HotPocket
// instances: what a tenant asks for ([Requirements]), what it gets back
// ([Details]), and the [Provisioner] interface that backends implement.
//
// Use a backend to get a Provisioner: package
// github.com/evernode-go/sdk/instance/memory runs nodes in-process on
// 127.0.0.1 (tests, examples, localnet), package
// github.com/evernode-go/sdk/instance/docker runs one container per lease
// through the Docker Engine API. Every backend passes the conformance suite in
// github.com/evernode-go/sdk/instance/instancetest.
//
// # The contract
//
// A Provisioner has a small required core (Create, Inspect, Destroy, List)
// and optional capabilities found by type assertion: [Stopper], [Logger] and
// [Statter]. An instance is named after its lease (the URIToken id), and
// everything a host needs to carry on after a restart is held by the backend:
// a new Provisioner value over the same backing state lists the same
// instances, so List is how a daemon recovers.
//
// # Errors
//
// Backends wrap one small vocabulary of sentinels so callers branch with
// errors.Is whatever the backend: [ErrNotFound], [ErrExists], [ErrCapacity]
// and [ErrBadRequirements]. Failures of the engine underneath (Docker, the
// in-process node) are a [*BackendError] carrying the engine's own message.
//
// # Wire forms
//
// The tenant's acquire payload is a memo.Requirement and the answer a
// memo.Instance, both in sashimono's field names; [RequirementsFromMemo] and
// [Details.Memo] convert, so the wire logic stays in package memo.
package instance
