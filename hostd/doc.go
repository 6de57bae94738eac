// Package hostd is the Evernode host daemon as a library: everything
// sashimono's message board (mb-xrpl) does for a host operator, crash-safe.
//
// A Daemon follows the host's account on the ledger and answers every lease
// request exactly once: an acquire gets an instance from the
// instance.Provisioner and an encrypted evnAcquireSuccess, or an
// evnAcquireError refunding what it paid; an extension is credited and
// confirmed, or refunded; a termination or the end of a lease destroys the
// instance, burns the token and offers the slot again. It keeps the lease
// inventory at Config.Instances tokens, prunes orphan instances, and sends
// heartbeats carrying the operator's governance votes (Config.Votes). It
// follows the registry account too: when a host registration lowers the
// registration fee below what this host paid, it asks for the difference
// back (a rebate), once. At start-up it waits, with backoff, for a host
// account the ledger does not know yet (a network reset) or, with
// Config.Register, one that cannot pay yet.
//
// Every decision is committed to a bbolt database in Config.DataDir before
// the transaction that carries it out is signed, and every signed
// transaction's hash is committed before it is submitted. A daemon stopped
// anywhere (crash, kill -9, power loss) resumes with Run: it looks up what
// it had submitted, catches up on the ledgers it missed from account_tx
// (answers found on the ledger are never sent again) and carries on. EVR is
// never kept without service: every failure after payment ends in a refund.
//
// A database that is lost (a replaced disk, a deleted data dir) is rebuilt
// from the ledger at the next start, as on a first start: the leases
// tenants hold come back with their expiries and instances, answered
// requests are never answered again, and the unanswered ones are handled
// as the catch-up handles them. A node whose history does not reach a live
// lease's acquire makes Run fail with a *RebuildError rather than guess.
//
// A lease whose instance is gone (a provisioner that keeps nothing across a
// restart, as instance/memory; a Docker engine that lost its containers; an
// operator's docker rm) is ended with Reason ReasonInstanceMissing, and its
// tenant refunded the moments left before its expiry at the lease's price,
// the moment under way included (nobody knows how much of it the lost
// instance served), exactly once; the slot is offered again. Every start
// checks all active leases (so a restart on an empty provisioner refunds
// them all), every prune round (2 h) again, and each lease once more as
// soon as its success answer applies. Only an instance the provisioner reports not
// found counts as gone: one it cannot inspect keeps its lease meanwhile.
//
//	d, err := hostd.New(client, wallet, provisioner, &hostd.Config{DataDir: dir})
//	if err != nil { … }
//	defer d.Close()
//	err = d.Run(ctx) // until ctx ends
//
// The operator's operations (sashimono's setup commands) run on a stopped
// daemon's database and account, through the same queue and with the same
// guarantees: DeleteInstance ends one lease with a refund of its unused
// moments, Reconfig changes the lease price or the instance count (and the
// next Run keeps it), Transfer and Deregister wind the host down (running
// leases refunded, every lease token burned) before handing the
// registration to the registry. Every lease the host ends early (these
// operations, a lost instance) is refunded the moment under way too (which
// upstream keeps): a tenant never pays a moment for a few seconds of
// service. New fails with ErrLocked while another process's daemon holds
// the database.
//
// Only URIToken leases (Xahau) are served.
package hostd
