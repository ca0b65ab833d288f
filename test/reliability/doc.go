// Package reliability is the fault suite of the source: it runs the real
// dynamodb-source binary against a real DynamoDB Local, through the
// fault-injecting proxy (internal/testutil/faultproxy) and the scripted
// Streams server (internal/testutil/fakestreams) where DynamoDB Local cannot
// produce a fault, and a real CloudEvents sink that fails on purpose
// (internal/testutil/cesink). Every scenario writes numbered changes, then
// compares what the sink received with what was written: lost changes,
// duplicates, per-item order violations and time to recover, printed as one
// table at the end of the run (and written to $RELIABILITY_REPORT when set).
//
// By default the scenarios run at reduced sizes that fit CI (part of
// go test ./...); RELIABILITY_FULL=1 runs them at the sizes of the issue
// (make reliability), and RELIABILITY_SOAK=1 runs the 30-minute soak.
// docs/reliability.md holds the figures and explains each scenario.
package reliability
