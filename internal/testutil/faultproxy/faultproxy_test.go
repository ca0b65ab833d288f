package faultproxy_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/faultproxy"
)

// streamsVia returns a Streams client that reaches DynamoDB Local through p,
// without SDK retries, so every injected fault is seen.
func streamsVia(db *ddblocal.Server, p *faultproxy.Proxy) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(db.AWSConfig(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(p.URL)
		o.Retryer = aws.NopRetryer{}
	})
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestProxyInjectsEachFaultAsTheSDKSeesIt(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs DynamoDB Local")
	}
	db := ddblocal.Start(t)
	ctx := context.Background()
	_, streamARN := db.CreateTable(ctx, t, "proxied", types.StreamViewTypeNewImage)
	p := faultproxy.New(db.Endpoint, 1)
	t.Cleanup(p.Close)
	c := streamsVia(db, p)

	// Pass-through: the answer is DynamoDB Local's.
	desc, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		t.Fatalf("DescribeStream through the proxy: %v", err)
	}
	shard := desc.StreamDescription.Shards[0].ShardId
	it, err := c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(streamARN), ShardId: shard, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	getRecords := func() error {
		_, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
		return err
	}

	cases := []struct {
		name  string
		fault faultproxy.Fault
		check func(error) bool
	}{
		{"LimitExceeded is a LimitExceededException", faultproxy.LimitExceeded, func(err error) bool { return apiCode(err) == "LimitExceededException" }},
		{"InternalError is an InternalServerError", faultproxy.InternalError, func(err error) bool { return apiCode(err) == "InternalServerError" }},
		{"Expired is an ExpiredIteratorException", faultproxy.Expired, func(err error) bool { return apiCode(err) == "ExpiredIteratorException" }},
		{"Trimmed is a TrimmedDataAccessException", faultproxy.Trimmed, func(err error) bool { return apiCode(err) == "TrimmedDataAccessException" }},
		{"Reset is a connection reset", faultproxy.Reset, func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
		{"ResetAfter is a connection reset", faultproxy.ResetAfter, func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.Next("GetRecords", tc.fault)
			if err := getRecords(); err == nil || !tc.check(err) {
				t.Fatalf("GetRecords after Next(%v): error %v", tc.fault, err)
			}
			if err := getRecords(); err != nil {
				t.Fatalf("the fault outlived its one call: %v", err)
			}
			if n := p.Injected("GetRecords", tc.fault); n != 1 {
				t.Fatalf("Injected = %d, want 1", n)
			}
		})
	}
	// A one-shot fault of one operation leaves the others alone.
	p.Next("GetRecords", faultproxy.Expired)
	if _, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)}); err != nil {
		t.Fatalf("DescribeStream took GetRecords' fault: %v", err)
	}
	if p.Pending("GetRecords") != 1 {
		t.Fatal("the queued GetRecords fault was spent on another operation")
	}
}

func TestProxyRulesHitAboutTheirProbability(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs DynamoDB Local")
	}
	db := ddblocal.Start(t)
	ctx := context.Background()
	_, streamARN := db.CreateTable(ctx, t, "ruled", types.StreamViewTypeNewImage)
	p := faultproxy.New(db.Endpoint, 7)
	t.Cleanup(p.Close)
	c := streamsVia(db, p)
	p.SetRules(faultproxy.Rule{Op: "DescribeStream", Fault: faultproxy.LimitExceeded, Probability: 0.3})

	const n = 400
	failed := 0
	for range n {
		if _, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)}); err != nil {
			if apiCode(err) != "LimitExceededException" {
				t.Fatalf("unexpected error %v", err)
			}
			failed++
		}
	}
	if got := p.Calls("DescribeStream"); got != n {
		t.Fatalf("Calls = %d, want %d", got, n)
	}
	if int64(failed) != p.Injected("DescribeStream", faultproxy.LimitExceeded) {
		t.Fatalf("client saw %d faults, proxy counted %d", failed, p.Injected("DescribeStream", faultproxy.LimitExceeded))
	}
	// 30 % of 400 is 120; ±40 is over 4 standard deviations.
	if failed < 80 || failed > 160 {
		t.Fatalf("%d of %d calls faulted, want about 30 %%", failed, n)
	}
	// Rules of one operation leave the others alone, and switching them
	// off stops the faults.
	if _, err := c.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams took DescribeStream's rule: %v", err)
	}
	p.SetRules()
	for range 50 {
		if _, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)}); err != nil {
			t.Fatalf("fault after SetRules(): %v", err)
		}
	}
}
