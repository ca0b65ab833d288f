package stream

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// latestMargin is how far before its first look at a stream a LATEST start
// reaches back when it must recover a shard that never got a checkpoint
// (killed before the first acknowledgement, or the first iterator expired).
// AWS rounds record timestamps down to the second, DynamoDB Local down to
// the minute, and the host clock may be a little ahead of the service's: a
// few duplicates in this rare case beat a lost change.
const latestMargin = 65 * time.Second

// Position is where a shard is read from.
type Position struct {
	Type types.ShardIteratorType
	// Sequence goes with AFTER_SEQUENCE_NUMBER.
	Sequence string
	// NotBefore skips records created before it, until the first record that
	// is not: the stream API has no timestamp iterator, so AT_TIMESTAMP and a
	// LATEST recovery read from the trim horizon and skip.
	NotBefore time.Time
}

// ResumeInput is what the resume decision looks at.
type ResumeInput struct {
	// LastRead is the newest record of the shard handed to delivery in this
	// run; it wins, since everything up to it is already on its way.
	LastRead string
	// Checkpoint is the newest acknowledged record saved for the shard.
	Checkpoint string
	// Latest is set when the shard may start at LATEST: the source's first
	// look at the table, starting position LATEST, the shard open, and no
	// iterator of it acquired yet in this run.
	Latest bool
	// ReadFrom is the stream's ReadFrom (see checkpoint.Stream).
	ReadFrom time.Time
}

// Resume decides where a shard is read from.
func Resume(in ResumeInput) Position {
	switch {
	case in.LastRead != "":
		return Position{Type: types.ShardIteratorTypeAfterSequenceNumber, Sequence: in.LastRead}
	case in.Checkpoint != "":
		return Position{Type: types.ShardIteratorTypeAfterSequenceNumber, Sequence: in.Checkpoint}
	case in.Latest:
		return Position{Type: types.ShardIteratorTypeLatest}
	default:
		return Position{Type: types.ShardIteratorTypeTrimHorizon, NotBefore: in.ReadFrom}
	}
}

// AfterTrim is where a shard continues when its position was trimmed away:
// the oldest record left, all of which is newer than what was lost.
func AfterTrim() Position {
	return Position{Type: types.ShardIteratorTypeTrimHorizon}
}

// ReadFrom decides a stream's ReadFrom when the source first sees it.
// A stream that replaces one the source was already reading is read whole:
// every record in it is newer than anything delivered before.
func ReadFrom(startingPosition string, startingTimestamp, now time.Time, replacement bool) time.Time {
	if replacement {
		return time.Time{}
	}
	switch startingPosition {
	case v1alpha1.StartingPositionAtTimestamp:
		return startingTimestamp
	case v1alpha1.StartingPositionTrimHorizon:
		return time.Time{}
	default:
		return now.Truncate(time.Second).Add(-latestMargin)
	}
}

// FirstLook decides what to do with a shard on the source's first look at a
// table's stream: skip it (mark it finished without reading), start it at
// LATEST, or read it from its trim horizon. With LATEST, a closed shard holds
// only the past, so it is skipped.
func FirstLook(startingPosition string, shardClosed bool) (skip, latest bool) {
	if startingPosition != v1alpha1.StartingPositionLatest && startingPosition != "" {
		return false, false
	}
	return shardClosed, !shardClosed
}
