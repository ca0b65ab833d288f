package fakestreams_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
)

// These tests drive the server through the real SDK client, so they pin
// that the wire protocol is one the SDK accepts, and the AWS behaviours the
// stream reader's tests rely on.

func TestListStreamsPaginatesAndFiltersByTable(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{PageSize: 2})
	var want []string
	for range 5 {
		want = append(want, srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).ARN)
	}
	srv.AddStream(fakestreams.StreamSpec{Table: "other"})
	c := srv.Client()

	var got []string
	in := &dynamodbstreams.ListStreamsInput{TableName: aws.String("orders")}
	for pages := 1; ; pages++ {
		out, err := c.ListStreams(ctx, in)
		if err != nil {
			t.Fatalf("ListStreams: %v", err)
		}
		if len(out.Streams) > 2 {
			t.Fatalf("page of %d streams, want at most PageSize 2", len(out.Streams))
		}
		for _, s := range out.Streams {
			got = append(got, aws.ToString(s.StreamArn))
			if aws.ToString(s.TableName) != "orders" || aws.ToString(s.StreamLabel) == "" {
				t.Errorf("stream %+v: want table orders and a label", s)
			}
		}
		if out.LastEvaluatedStreamArn == nil {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		in.ExclusiveStartStreamArn = out.LastEvaluatedStreamArn
	}
	if !slices.Equal(got, want) {
		t.Errorf("streams = %v, want %v", got, want)
	}

	_, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("missing")})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
	srv.AddTable("empty")
	out, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("empty")})
	if err != nil || len(out.Streams) != 0 {
		t.Errorf("ListStreams of a table without stream = %v, %v; want no stream, no error", out, err)
	}
}

func TestDescribeStreamPaginatesAndShowsLineage(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{PageSize: 2})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	p.Append(fakestreams.Put("a"))
	p.Close()
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		st.AddShard(id, "p")
	}
	c := srv.Client()

	var shards []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN)}
	for {
		out, err := c.DescribeStream(ctx, in)
		if err != nil {
			t.Fatalf("DescribeStream: %v", err)
		}
		d := out.StreamDescription
		if d.StreamStatus != types.StreamStatusEnabled || aws.ToString(d.TableName) != "orders" {
			t.Errorf("status %s table %s, want ENABLED orders", d.StreamStatus, aws.ToString(d.TableName))
		}
		shards = append(shards, d.Shards...)
		if d.LastEvaluatedShardId == nil {
			break
		}
		in.ExclusiveStartShardId = d.LastEvaluatedShardId
	}
	if len(shards) != 5 {
		t.Fatalf("%d shards, want 5", len(shards))
	}
	if shards[0].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Error("closed shard p has no EndingSequenceNumber")
	}
	for _, s := range shards[1:] {
		if aws.ToString(s.ParentShardId) != "p" || s.SequenceNumberRange.EndingSequenceNumber != nil {
			t.Errorf("shard %s: parent %q, ending %v; want parent p, open", aws.ToString(s.ShardId),
				aws.ToString(s.ParentShardId), s.SequenceNumberRange.EndingSequenceNumber)
		}
	}

	st.Disable()
	out, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN)})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	if out.StreamDescription.StreamStatus != types.StreamStatusDisabled || out.StreamDescription.Shards[1].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Error("a disabled stream must be DISABLED with every shard closed")
	}
	st.Delete()
	_, err = c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN)})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
}

func TestGetRecordsReadsToTheEndOfAClosedShard(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{MaxRecordsPerCall: 2})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	created := time.Date(2024, 5, 6, 7, 8, 9, 500e6, time.UTC)
	seqs := sh.Append(fakestreams.Record{
		EventName: types.OperationTypeModify, Created: created,
		Keys:     map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}},
		NewImage: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "n": &types.AttributeValueMemberN{Value: "1"}},
	}, fakestreams.Put("b"), fakestreams.Put("c"))
	c := srv.Client()

	it := iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeTrimHorizon, "")
	out := getRecords(ctx, t, c, it)
	if len(out.Records) != 2 || out.NextShardIterator == nil {
		t.Fatalf("first page: %d records, next %v; want 2 (MaxRecordsPerCall) and a next iterator", len(out.Records), out.NextShardIterator)
	}
	r := out.Records[0]
	if r.EventName != types.OperationTypeModify || aws.ToString(r.Dynamodb.SequenceNumber) != seqs[0] ||
		!aws.ToTime(r.Dynamodb.ApproximateCreationDateTime).Equal(created.Truncate(time.Second)) {
		t.Errorf("record = %s %s %v; want MODIFY %s %v", r.EventName, aws.ToString(r.Dynamodb.SequenceNumber),
			r.Dynamodb.ApproximateCreationDateTime, seqs[0], created.Truncate(time.Second))
	}
	if n, ok := r.Dynamodb.NewImage["n"].(*types.AttributeValueMemberN); !ok || n.Value != "1" {
		t.Errorf("NewImage n = %#v, want N 1", r.Dynamodb.NewImage["n"])
	}

	// Open shard: an empty page keeps an iterator.
	out = getRecords(ctx, t, c, out.NextShardIterator)
	if len(out.Records) != 1 || out.NextShardIterator == nil {
		t.Fatalf("second page: %d records, want 1 and a next iterator", len(out.Records))
	}
	last := out.NextShardIterator
	if out = getRecords(ctx, t, c, last); len(out.Records) != 0 || out.NextShardIterator == nil {
		t.Fatalf("open shard at its end: %d records, next %v; want none and an iterator", len(out.Records), out.NextShardIterator)
	}
	// Closed: the same position now ends the shard.
	sh.Close()
	if out = getRecords(ctx, t, c, last); len(out.Records) != 0 || out.NextShardIterator != nil {
		t.Fatalf("closed shard at its end: %d records, next %v; want none and null", len(out.Records), aws.ToString(out.NextShardIterator))
	}
	if got := srv.Log(); !got[len(got)-1].End {
		t.Error("the log does not show the end of the shard")
	}

	it = iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeAfterSequenceNumber, seqs[1])
	if out = getRecords(ctx, t, c, it); len(out.Records) != 1 || aws.ToString(out.Records[0].Dynamodb.SequenceNumber) != seqs[2] || out.NextShardIterator != nil {
		t.Errorf("AFTER_SEQUENCE_NUMBER %s: got %d records, want only %s and the end", seqs[1], len(out.Records), seqs[2])
	}
	it = iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeLatest, "")
	if out = getRecords(ctx, t, c, it); len(out.Records) != 0 || out.NextShardIterator != nil {
		t.Errorf("LATEST on a closed shard: %d records, want none and the end", len(out.Records))
	}
}

func TestIteratorsExpireTrimAndVanish(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	seqs := sh.Append(fakestreams.Put("a"), fakestreams.Put("b"), fakestreams.Put("c"))
	c := srv.Client()

	it := iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeTrimHorizon, "")
	srv.ExpireIterators()
	_, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	wantAPIError(t, err, "ExpiredIteratorException", 400)

	it = iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeAfterSequenceNumber, seqs[0])
	sh.TrimBefore(seqs[2])
	_, err = c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	wantAPIError(t, err, "TrimmedDataAccessException", 400)
	_, err = c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(st.ARN), ShardId: aws.String("s"),
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(seqs[0])})
	wantAPIError(t, err, "TrimmedDataAccessException", 400)
	it = iterator(ctx, t, c, st.ARN, "s", types.ShardIteratorTypeTrimHorizon, "")
	if out := getRecords(ctx, t, c, it); len(out.Records) != 1 || aws.ToString(out.Records[0].Dynamodb.SequenceNumber) != seqs[2] {
		t.Errorf("TRIM_HORIZON after the trim: %d records, want only %s", len(out.Records), seqs[2])
	}
	_, err = c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(st.ARN), ShardId: aws.String("s"),
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("1")})
	wantAPIError(t, err, "ValidationException", 400)

	sh.Delete()
	_, err = c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
	_, err = c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(st.ARN), ShardId: aws.String("s"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
}

func TestFaultsAuthAndCallCounts(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{})
	srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	c := srv.Client()
	list := func() error {
		_, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("orders")})
		return err
	}

	srv.SetFault(func(call fakestreams.Call) fakestreams.Fault {
		switch call.N {
		case 1:
			return fakestreams.Fail("LimitExceededException")
		case 2:
			return fakestreams.Fail("InternalServerError")
		case 3:
			return fakestreams.ConnectionReset
		}
		return fakestreams.Fault{}
	})
	wantAPIError(t, list(), "LimitExceededException", 400)
	wantAPIError(t, list(), "InternalServerError", 500)
	var netErr net.Error
	if err := list(); !errors.As(err, &netErr) || !strings.Contains(err.Error(), "reset") {
		t.Errorf("reset connection: err = %v, want a net.Error saying reset", err)
	}
	if err := list(); err != nil {
		t.Errorf("fourth call: %v, want success", err)
	}

	bad := srv.ClientWithCredentials("AKIDWRONG", "wrong-secret")
	_, err := bad.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{})
	wantAPIError(t, err, "UnrecognizedClientException", 400)

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown target: HTTP %d, want 400", resp.StatusCode)
	}
	if got := srv.CallCount(fakestreams.OpListStreams); got != 5 {
		t.Errorf("ListStreams calls = %d, want 5", got)
	}
	if got := srv.OtherTargets(); !slices.Equal(got, []string{"DynamoDB_20120810.DescribeTable"}) {
		t.Errorf("OtherTargets = %v, want the DescribeTable call", got)
	}
}

func iterator(ctx context.Context, t *testing.T, c *dynamodbstreams.Client, arn, shard string, typ types.ShardIteratorType, seq string) *string {
	t.Helper()
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: typ}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	out, err := c.GetShardIterator(ctx, in)
	if err != nil || out.ShardIterator == nil {
		t.Fatalf("GetShardIterator %s %s: %v, %v", typ, seq, out, err)
	}
	return out.ShardIterator
}

func getRecords(ctx context.Context, t *testing.T, c *dynamodbstreams.Client, it *string) *dynamodbstreams.GetRecordsOutput {
	t.Helper()
	out, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	return out
}

func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var api smithy.APIError
	var resp *awshttp.ResponseError
	if !errors.As(err, &api) || !errors.As(err, &resp) {
		t.Errorf("err = %v, want API error %s", err, code)
		return
	}
	if api.ErrorCode() != code || resp.HTTPStatusCode() != status {
		t.Errorf("got HTTP %d %s, want HTTP %d %s", resp.HTTPStatusCode(), api.ErrorCode(), status, code)
	}
}
