package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// loadWorkers is how many BatchWriteItem calls are in flight while loading.
// DynamoDB Local serialises writes to one table, so more only adds
// contention; 4 keeps its JVM busy on both cores.
const loadWorkers = 4

// item is the benchmark's item: a typical order-like record of about 300
// bytes in its stream record, with a string set and a nested map so the
// conversion walks every kind of attribute value. Each item has its own key,
// so a backlog of n items is n INSERT records of n distinct items.
func item(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":       &types.AttributeValueMemberS{Value: fmt.Sprintf("order-%08d", i)},
		"sk":       &types.AttributeValueMemberS{Value: "v0"},
		"customer": &types.AttributeValueMemberS{Value: fmt.Sprintf("customer-%05d@example.com", i%50000)},
		"amount":   &types.AttributeValueMemberN{Value: strconv.Itoa(1000+i%9000) + ".25"},
		"items":    &types.AttributeValueMemberN{Value: strconv.Itoa(1 + i%7)},
		"paid":     &types.AttributeValueMemberBOOL{Value: i%3 != 0},
		"tags":     &types.AttributeValueMemberSS{Value: []string{"web", "priority-" + strconv.Itoa(i%4)}},
		"address": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"street": &types.AttributeValueMemberS{Value: strconv.Itoa(i%300) + " Market Street"},
			"city":   &types.AttributeValueMemberS{Value: "San Francisco"},
			"zip":    &types.AttributeValueMemberS{Value: "94103"},
		}},
		"note": &types.AttributeValueMemberS{Value: "Leave the parcel at the front desk if nobody answers."},
	}
}

// load writes items 0..n-1 with BatchWriteItem from loadWorkers goroutines
// and returns how long it took.
func load(ctx context.Context, tb testing.TB, db *ddblocal.Server, table string, n int) time.Duration {
	tb.Helper()
	client := db.DynamoDB()
	start := time.Now()
	batches := make(chan int)
	errc := make(chan error, loadWorkers)
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for first := range batches {
				if err := writeBatch(ctx, client, table, first, min(first+25, n)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
feed:
	for first := 0; first < n; first += 25 {
		select {
		case batches <- first:
		case err := <-errc:
			errc <- err
			break feed
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errc:
		tb.Fatalf("loading %d items: %v", n, err)
	default:
	}
	return time.Since(start)
}

func writeBatch(ctx context.Context, client *dynamodb.Client, table string, from, to int) error {
	reqs := make([]types.WriteRequest, 0, to-from)
	for i := from; i < to; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(i)}})
	}
	in := &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}}
	for attempt := 0; attempt < 20; attempt++ {
		out, err := client.BatchWriteItem(ctx, in)
		if err != nil {
			return fmt.Errorf("writing items %d-%d: %w", from, to-1, err)
		}
		if len(out.UnprocessedItems[table]) == 0 {
			return nil
		}
		in.RequestItems = out.UnprocessedItems
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return fmt.Errorf("writing items %d-%d: still unprocessed after 20 attempts", from, to-1)
}

// readCeiling reads every record of the stream with a plain GetRecords loop
// (no conversion, no delivery): the fastest the stream can be read from
// this machine, and so the ceiling a source's drain is compared with. Shards
// are read one after another from TRIM_HORIZON; an open shard ends at its
// first empty page. It returns the records read and the time taken.
func readCeiling(ctx context.Context, tb testing.TB, db *ddblocal.Server, streamARN string) (int, time.Duration) {
	tb.Helper()
	client := db.Streams()
	start := time.Now()
	var shards []streamtypes.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)}
	for {
		out, err := client.DescribeStream(ctx, in)
		if err != nil {
			tb.Fatalf("describing stream: %v", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		last := out.StreamDescription.LastEvaluatedShardId
		if last == nil {
			break
		}
		in.ExclusiveStartShardId = last
	}
	total := 0
	for _, sh := range shards {
		it, err := client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(streamARN), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			tb.Fatalf("getting an iterator: %v", err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				tb.Fatalf("reading records: %v", err)
			}
			total += len(out.Records)
			if len(out.Records) == 0 && sh.SequenceNumberRange.EndingSequenceNumber == nil {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return total, time.Since(start)
}

// shardCount returns how many shards the stream has.
func shardCount(ctx context.Context, tb testing.TB, db *ddblocal.Server, streamARN string) int {
	tb.Helper()
	out, err := db.Streams().DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		tb.Fatalf("describing stream: %v", err)
	}
	return len(out.StreamDescription.Shards)
}
