package reliability

import (
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// TestFaults runs every scenario, one after another so that the timings of
// one do not bend another's. Run one with -run 'TestFaults/<name>'.
//
// At CI sizes the scenarios share one DynamoDB Local (a table each): a JVM
// start costs seconds. At full sizes each gets its own, because DynamoDB
// Local slows down as stream records pile up in its database (deleted
// tables included): after ~40,000 changes a scenario ran ~15 times slower.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault suite runs DynamoDB Local and the binary for minutes")
	}
	var shared *ddblocal.Server
	if !full {
		shared = ddblocal.Start(t) // stopped when TestFaults ends
	}
	dbFor := func(t *testing.T) *ddblocal.Server {
		if full {
			return ddblocal.Start(t) // stopped when the scenario ends
		}
		return shared
	}
	scenarios := []struct {
		name string
		run  func(*testing.T, *ddblocal.Server)
	}{
		{"kill9", testKill9},
		{"snapshot-kill9", testSnapshotKill9},
		{"sink-down", testSinkDown},
		{"sink-503-half", testSink503Half},
		{"sink-slow", testSinkSlow},
		{"sink-400", testSink400},
		{"sink-400-dead-letter", testSink400DeadLetter},
		{"streams-limit-exceeded", testStreamsLimitExceeded},
		{"streams-500", testStreams500},
		{"streams-reset", testStreamsReset},
		{"streams-expired-iterator", testStreamsExpired},
		{"streams-trimmed-proxy", testStreamsTrimmedProxy},
		{"stream-replaced", testStreamReplaced},
		{"scripted-split", func(t *testing.T, _ *ddblocal.Server) { testScriptedSplit(t) }},
		{"scripted-trimmed", func(t *testing.T, _ *ddblocal.Server) { testScriptedTrimmed(t) }},
		{"bad-input", testBadInput},
		{"security-secrets", testSecretsNeverAppear},
		{"security-tls", testSinkTLS},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var db *ddblocal.Server
			if sc.name != "scripted-split" && sc.name != "scripted-trimmed" {
				db = dbFor(t)
			}
			sc.run(t, db)
		})
	}
}
