package awsconfig

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/netcount"
)

// Every call of a client made by Load goes on the wire in one write:
// headers and body together, not the headers flushed first.
func TestLoadedClientsWriteEachCallAtOnce(t *testing.T) {
	srv := fakestreams.New(t, fakestreams.Options{})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "t", ViewType: types.StreamViewTypeKeysOnly})
	sh := st.AddShards(1)[0]
	sh.Append(fakestreams.Put("a"))
	cfg, err := Load(context.Background(), Settings{
		Table: v1alpha1.TableARN{Partition: "aws", Region: fakestreams.DefaultRegion, Account: fakestreams.DefaultAccount, Table: "t"},
		Credentials: Credentials{AccessKeyID: fakestreams.DefaultAccessKeyID,
			SecretAccessKey: fakestreams.DefaultSecretAccessKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	ow, ok := cfg.HTTPClient.(oneWrite)
	if !ok {
		t.Fatalf("Load's HTTP client is %T, want oneWrite", cfg.HTTPClient)
	}
	var writes atomic.Int64
	ow.next = ow.next.(*awshttp.BuildableClient).WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = netcount.Dial(&writes)
	})
	cfg.HTTPClient = ow
	client := NewStreamsClient(cfg, srv.URL)
	ctx := context.Background()

	check := func(op string, do func() error) {
		t.Helper()
		before := writes.Load()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if n := writes.Load() - before; n != 1 {
			t.Errorf("%s took %d writes, want 1", op, n)
		}
	}
	var arn, iter *string
	check("ListStreams", func() error {
		out, err := client.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("t")})
		if err == nil {
			arn = out.Streams[0].StreamArn
		}
		return err
	})
	check("GetShardIterator", func() error {
		out, err := client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn,
			ShardId: aws.String(sh.ID), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err == nil {
			iter = out.ShardIterator
		}
		return err
	})
	for range 3 {
		check("GetRecords", func() error {
			out, err := client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err == nil {
				iter = out.NextShardIterator
			}
			return err
		})
	}
}
