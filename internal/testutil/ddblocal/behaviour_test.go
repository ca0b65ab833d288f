package ddblocal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// TestEmulatorStreamBehaviour pins the DynamoDB Local 1.25.1 behaviours that
// the stream reader's tests rely on, some of which differ from AWS. The jar is
// pinned by sha256, so a failure here means the emulator was upgraded and the
// reader's assumptions must be re-checked.
func TestEmulatorStreamBehaviour(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := ddblocal.Start(t)
	ddb, streams := srv.DynamoDB(), srv.Streams()
	// No SDK retries, so a 500 surfaces at once (the default streams
	// retryer makes 4 attempts at InternalFailure).
	noRetry := dynamodbstreams.NewFromConfig(srv.AWSConfig(), func(o *dynamodbstreams.Options) { o.Retryer = aws.NopRetryer{} })

	tableARN, oldStream := srv.CreateTable(ctx, t, "quirks", types.StreamViewTypeNewImage)
	// Unlike AWS, ARNs carry region "ddblocal" and account 000000000000,
	// whatever region the client uses.
	if want := "arn:aws:dynamodb:ddblocal:000000000000:table/quirks"; tableARN != want {
		t.Errorf("tableARN = %q, want %q", tableARN, want)
	}
	before := time.Now()
	putKey(ctx, t, ddb, "quirks", "a")
	putKey(ctx, t, ddb, "quirks", "b")
	oldShard := onlyShard(ctx, t, streams, oldStream)

	t.Run("ApproximateCreationDateTime is truncated to the minute", func(t *testing.T) {
		recs := readAll(ctx, t, streams, oldStream, oldShard)
		if len(recs) != 2 {
			t.Fatalf("got %d records, want 2", len(recs))
		}
		at := aws.ToTime(recs[0].Dynamodb.ApproximateCreationDateTime)
		if !at.Equal(at.Truncate(time.Minute)) {
			t.Errorf("ApproximateCreationDateTime = %v, want whole minutes", at)
		}
		if at.Before(before.Truncate(time.Minute)) || at.After(time.Now()) {
			t.Errorf("ApproximateCreationDateTime = %v, want the minute the item was written (after %v)", at, before)
		}
	})

	// AWS answers CHILD_SHARDS (DescribeStream's ShardFilter, 2025) with the
	// shard's children only; DynamoDB Local ignores the filter and lists the
	// whole stream, the asked shard itself included. The reader tells the
	// two apart by the parents it gets back (stream.filterUnsupported).
	t.Run("ShardFilter is ignored", func(t *testing.T) {
		out, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(oldStream),
			ShardFilter: &stypes.ShardFilter{Type: stypes.ShardFilterTypeChildShards, ShardId: aws.String(oldShard)}})
		if err != nil {
			t.Fatalf("DescribeStream with CHILD_SHARDS: %v", err)
		}
		if sh := out.StreamDescription.Shards; len(sh) != 1 || aws.ToString(sh[0].ShardId) != oldShard {
			t.Errorf("CHILD_SHARDS of %s listed %d shards, want the stream's one shard, %s itself", oldShard, len(sh), oldShard)
		}
	})

	t.Run("GetShardIterator errors", func(t *testing.T) {
		cases := []struct {
			name, shard, seq string
			status           int
			code, msg        string
		}{
			{"unknown shard", "shardId-00000000000000000000-00000000", "", 400, "ResourceNotFoundException", "Shard does not exist"},
			{"sequence number below the shard's start", oldShard, "000000000000000000000", 400, "ValidationException", "Invalid SequenceNumber for the shard"},
			{"sequence number shorter than 21 chars", oldShard, "1", 400, "ValidationException",
				"1 validation error detected: Value '1' at 'sequenceNumber' failed to satisfy constraint: Member must have length greater than or equal to 21"},
			// AWS answers a malformed sequence number with a 400; DynamoDB
			// Local fails with a 500, which the SDK treats as retryable.
			{"non-numeric sequence number", oldShard, "abcdefghijklmnopqrstu", 500, "InternalFailure",
				"The request processing has failed because of an unknown error, exception or failure."},
		}
		for _, c := range cases {
			in := &dynamodbstreams.GetShardIteratorInput{
				StreamArn:         aws.String(oldStream),
				ShardId:           aws.String(c.shard),
				ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
			}
			if c.seq != "" {
				in.ShardIteratorType = stypes.ShardIteratorTypeAfterSequenceNumber
				in.SequenceNumber = aws.String(c.seq)
			}
			_, err := noRetry.GetShardIterator(ctx, in)
			var ae smithy.APIError
			var re *awshttp.ResponseError
			if !errors.As(err, &ae) || !errors.As(err, &re) {
				t.Errorf("%s: err = %v, want an API error", c.name, err)
				continue
			}
			if re.HTTPStatusCode() != c.status || ae.ErrorCode() != c.code || ae.ErrorMessage() != c.msg {
				t.Errorf("%s: got HTTP %d %s %q, want HTTP %d %s %q", c.name, re.HTTPStatusCode(), ae.ErrorCode(), ae.ErrorMessage(), c.status, c.code, c.msg)
			}
		}
		// A well-formed sequence number past the end is accepted.
		if _, err := noRetry.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(oldStream), ShardId: aws.String(oldShard),
			ShardIteratorType: stypes.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("000000000000000000999"),
		}); err != nil {
			t.Errorf("AFTER_SEQUENCE_NUMBER past the end: %v", err)
		}
	})

	// An iterator taken while the stream is enabled, positioned at its end.
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(oldStream), ShardId: aws.String(oldShard), ShardIteratorType: stypes.ShardIteratorTypeLatest,
	})
	if err != nil {
		t.Fatalf("GetShardIterator LATEST: %v", err)
	}
	setStream(ctx, t, ddb, "quirks", false, "")

	t.Run("disabling closes the shard", func(t *testing.T) {
		d := describe(ctx, t, streams, oldStream)
		if d.StreamStatus != stypes.StreamStatusDisabled {
			t.Errorf("StreamStatus = %s, want DISABLED", d.StreamStatus)
		}
		end := aws.ToString(d.Shards[0].SequenceNumberRange.EndingSequenceNumber)
		if end != "000000000000000000002" {
			t.Errorf("EndingSequenceNumber = %q, want the last record's, 000000000000000000002", end)
		}
		out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		if len(out.Records) != 0 || out.NextShardIterator != nil {
			t.Errorf("GetRecords at the end of a closed shard: %d records, NextShardIterator %v; want none and nil", len(out.Records), aws.ToString(out.NextShardIterator))
		}
	})

	setStream(ctx, t, ddb, "quirks", true, types.StreamViewTypeKeysOnly)

	t.Run("re-enabling creates a new stream", func(t *testing.T) {
		out, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("quirks")})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		newStream := aws.ToString(out.Table.LatestStreamArn)
		if newStream == oldStream || newStream == "" {
			t.Fatalf("LatestStreamArn = %q after re-enabling, want a new ARN", newStream)
		}
		ls, err := streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("quirks")})
		if err != nil {
			t.Fatalf("ListStreams: %v", err)
		}
		got := map[string]bool{}
		for _, s := range ls.Streams {
			got[aws.ToString(s.StreamArn)] = true
		}
		if len(got) != 2 || !got[oldStream] || !got[newStream] {
			t.Errorf("ListStreams = %v, want both %s and %s", got, oldStream, newStream)
		}
		if s := describe(ctx, t, streams, oldStream).StreamStatus; s != stypes.StreamStatusDisabled {
			t.Errorf("old stream status = %s, want DISABLED", s)
		}
		if s := describe(ctx, t, streams, newStream).StreamStatus; s != stypes.StreamStatusEnabled {
			t.Errorf("new stream status = %s, want ENABLED", s)
		}
		// The old shard stays readable to its end, then reports closed.
		if recs := readAll(ctx, t, streams, oldStream, oldShard); len(recs) != 2 {
			t.Errorf("old shard: got %d records, want 2", len(recs))
		}
	})
}

func putKey(ctx context.Context, t *testing.T, ddb *dynamodb.Client, table, pk string) {
	t.Helper()
	if err := ddblocal.PutItem(ctx, ddb, table, ddblocal.VersionItem(pk, 0)); err != nil {
		t.Fatalf("PutItem %s: %v", pk, err)
	}
}

func setStream(ctx context.Context, t *testing.T, ddb *dynamodb.Client, table string, enabled bool, view types.StreamViewType) {
	t.Helper()
	_, err := ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:           aws.String(table),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(enabled), StreamViewType: view},
	})
	if err != nil {
		t.Fatalf("UpdateTable stream enabled=%v: %v", enabled, err)
	}
}

func describe(ctx context.Context, t *testing.T, streams *dynamodbstreams.Client, arn string) *stypes.StreamDescription {
	t.Helper()
	out, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStream %s: %v", arn, err)
	}
	if len(out.StreamDescription.Shards) != 1 {
		t.Fatalf("DescribeStream %s: %d shards, want 1", arn, len(out.StreamDescription.Shards))
	}
	return out.StreamDescription
}

func onlyShard(ctx context.Context, t *testing.T, streams *dynamodbstreams.Client, arn string) string {
	t.Helper()
	return aws.ToString(describe(ctx, t, streams, arn).Shards[0].ShardId)
}

// readAll reads a shard from TRIM_HORIZON until GetRecords returns no
// records; on a closed shard it also requires the nil NextShardIterator that
// marks the end.
func readAll(ctx context.Context, t *testing.T, streams *dynamodbstreams.Client, arn, shard string) []stypes.Record {
	t.Helper()
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("GetShardIterator: %v", err)
	}
	closed := describe(ctx, t, streams, arn).Shards[0].SequenceNumberRange.EndingSequenceNumber != nil
	var recs []stypes.Record
	iter := it.ShardIterator
	for range 10 {
		out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil {
			return recs
		}
		if len(out.Records) == 0 && !closed {
			return recs
		}
		iter = out.NextShardIterator
	}
	t.Fatalf("closed shard %s never returned a nil NextShardIterator", shard)
	return nil
}
