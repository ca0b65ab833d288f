package fakestreams_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// What issue 14 needs of the server: thousands of shards, splits while a
// shard is read, ShardFilter, steady writers and who read which shard.

func TestThousandsOfShardsPageByHundred(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "big"})
	var want []string
	for _, sh := range st.AddShards(1050) {
		want = append(want, sh.ID)
	}
	c := srv.Client()
	var got []string
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN)}
	pages := 0
	for {
		out, err := c.DescribeStream(ctx, in)
		if errors.Is(err, net.ErrClosed) {
			// Go's transport now and then closes a connection under a
			// read (aws/aws-sdk-go-v2#2737); the SDK's retryer, off here,
			// retries it.
			continue
		}
		if err != nil {
			t.Fatalf("DescribeStream page %d: %v", pages+1, err)
		}
		pages++
		if n := len(out.StreamDescription.Shards); n > 100 {
			t.Fatalf("page %d has %d shards, AWS gives at most 100", pages, n)
		}
		for _, s := range out.StreamDescription.Shards {
			got = append(got, aws.ToString(s.ShardId))
		}
		if out.StreamDescription.LastEvaluatedShardId == nil {
			break
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
	if pages != 11 || !slices.Equal(got, want) {
		t.Errorf("%d pages, %d shards (in order: %v); want 11 pages listing the 1050 shards in creation order",
			pages, len(got), slices.Equal(got, want))
	}
	_, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN), Limit: aws.Int32(101)})
	wantAPIError(t, err, "ValidationException", 400)

	// Every shard can be read; the server keeps no state per iterator.
	it := iterator(ctx, t, c, st.ARN, want[1049], types.ShardIteratorTypeTrimHorizon, "")
	if out := getRecords(ctx, t, c, it); out.NextShardIterator == nil {
		t.Error("an open shard answered no next iterator")
	}
	_, err = c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String("arn:aws:dynamodb:us-east-1:123456789012:iterator/garbage")})
	wantAPIError(t, err, "ValidationException", 400)
}

func TestShardSplitsWhileReadAndShardFilterListsItsChildren(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{MaxRecordsPerCall: 1})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	other := st.AddShard("shardId-00000000000000000000-other", "")
	parent := st.AddShard("shardId-00000000000000000001-parent", "")
	parent.Append(fakestreams.Put("a"), fakestreams.Put("b"))
	c := srv.Client()

	it := iterator(ctx, t, c, st.ARN, parent.ID, types.ShardIteratorTypeTrimHorizon, "")
	out := getRecords(ctx, t, c, it)
	children := parent.Split(2)
	other.Split(1)
	// The reader in the middle of the parent reads it to its end.
	if out = getRecords(ctx, t, c, out.NextShardIterator); len(out.Records) != 1 || out.NextShardIterator != nil {
		t.Fatalf("after the split: %d records, next %v; want b and the end (null)", len(out.Records), out.NextShardIterator)
	}
	children[0].Append(fakestreams.Put("c"))

	describe := func(c *dynamodbstreams.Client, filter *types.ShardFilter) ([]string, error) {
		out, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(st.ARN), ShardFilter: filter})
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, s := range out.StreamDescription.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		return ids, nil
	}
	childFilter := &types.ShardFilter{Type: types.ShardFilterTypeChildShards, ShardId: aws.String(parent.ID)}
	got, err := describe(c, childFilter)
	if want := []string{children[0].ID, children[1].ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("CHILD_SHARDS of the parent = %v, %v; want %v", got, err, want)
	}
	if got, err := describe(c, &types.ShardFilter{Type: types.ShardFilterTypeChildShards, ShardId: aws.String(children[0].ID)}); err != nil || len(got) != 0 {
		t.Errorf("CHILD_SHARDS of an open shard = %v, %v; want none", got, err)
	}
	_, err = describe(c, &types.ShardFilter{Type: "PARENT_SHARDS", ShardId: aws.String(parent.ID)})
	wantAPIError(t, err, "ValidationException", 400)
	if got := srv.Log(); got[len(got)-1].Filter != parent.ID {
		t.Errorf("the log shows filter %q, want %s", got[len(got)-1].Filter, parent.ID)
	}

	rejecting := fakestreams.New(t, fakestreams.Options{ShardFilter: fakestreams.ShardFilterRejected})
	st = rejecting.AddStream(fakestreams.StreamSpec{Table: "orders"})
	st.AddShard(parent.ID, "").Split(2)
	_, err = describe(rejecting.Client(), childFilter)
	wantAPIError(t, err, "ValidationException", 400)
	if got, err := describe(rejecting.Client(), nil); err != nil || len(got) != 3 {
		t.Errorf("no filter on a rejecting server = %v, %v; want all 3 shards", got, err)
	}

	ignoring := fakestreams.New(t, fakestreams.Options{ShardFilter: fakestreams.ShardFilterIgnored})
	st = ignoring.AddStream(fakestreams.StreamSpec{Table: "orders"})
	st.AddShard("unrelated", "")
	st.AddShard(parent.ID, "").Split(1)
	if got, err := describe(ignoring.Client(), childFilter); err != nil || len(got) != 3 {
		t.Errorf("CHILD_SHARDS on an ignoring server = %v, %v; want the whole stream (3 shards)", got, err)
	}
}

func TestGeneratorWritesLargeItemsToEveryOpenShard(t *testing.T) {
	ctx := context.Background()
	srv := fakestreams.New(t, fakestreams.Options{MaxRecordsPerCall: 10})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders", ViewType: types.StreamViewTypeNewImage})
	shards := st.AddShards(3)
	g := st.Generate(fakestreams.WriteSpec{PerSecond: 200, ItemSize: fakestreams.MaxItemSize, PerShard: 4})
	poll.Until(t, "4 records in each of the 3 shards", func() bool { return countAtLeast(g.Written(), 3, 4) })
	// A child opened by a split gets records too; its closed parent no more.
	child := shards[0].Split(1)[0]
	poll.Until(t, "4 records in the child", func() bool { return g.Written()[child.ID] == 4 })
	g.Stop()
	g.Stop() // idempotent
	if w := g.Written(); w[shards[0].ID] != 4 || len(w) != 4 {
		t.Errorf("written = %v, want 4 in each of the 4 shards", w)
	}

	c := srv.Client()
	it := iterator(ctx, t, c, st.ARN, child.ID, types.ShardIteratorTypeTrimHorizon, "")
	var recs []types.Record
	for len(recs) < 4 {
		out := getRecords(ctx, t, c, it)
		// AWS answers at most 1 MB of records: two 400 KB items.
		if n := len(out.Records); n == 0 || n > 2 {
			t.Fatalf("a page of %d records of 400 KB, want 1 or 2 (1 MB a call)", n)
		}
		recs, it = append(recs, out.Records...), out.NextShardIterator
	}
	for i, r := range recs {
		img := r.Dynamodb.NewImage
		pk, _ := img["pk"].(*types.AttributeValueMemberS)
		n, _ := img["n"].(*types.AttributeValueMemberN)
		pad, _ := img["pad"].(*types.AttributeValueMemberS)
		if pk == nil || pk.Value != fmt.Sprintf("%s#%d", child.ID, i) || n == nil || n.Value != fmt.Sprint(i) {
			t.Errorf("record %d: pk %v n %v; want %s#%d and n %d", i, img["pk"], img["n"], child.ID, i, i)
		}
		if size := len("pk") + len(pk.Value) + len("pad") + len(pad.Value); size != fakestreams.MaxItemSize {
			t.Errorf("record %d: item of %d bytes, want %d", i, size, fakestreams.MaxItemSize)
		}
		if s := aws.ToInt64(r.Dynamodb.SizeBytes); s < fakestreams.MaxItemSize {
			t.Errorf("record %d: SizeBytes %d, want at least %d", i, s, fakestreams.MaxItemSize)
		}
	}
}

func TestLogRecordsWhoReadEachShardAndWhen(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := fakestreams.New(t, fakestreams.Options{Now: clock})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	a, b := srv.ClientAs("replica-a"), srv.ClientAs("replica-b")
	poll := func(c *dynamodbstreams.Client) {
		getRecords(ctx, t, c, iterator(ctx, t, c, st.ARN, sh.ID, types.ShardIteratorTypeTrimHorizon, ""))
	}
	poll(a)
	now = now.Add(time.Second)
	poll(a)
	now = now.Add(time.Second)
	poll(b) // b starts while a still reads
	now = now.Add(time.Second)
	poll(a) // a's last read
	now = now.Add(time.Second)
	poll(b)
	poll(srv.Client())

	log := srv.Log()
	reads := slices.DeleteFunc(slices.Clone(log), func(c fakestreams.Call) bool { return c.Op != fakestreams.OpGetRecords })
	var callers []string
	for _, c := range reads {
		callers = append(callers, c.Caller)
	}
	if want := []string{"replica-a", "replica-a", "replica-b", "replica-a", "replica-b", fakestreams.DefaultAccessKeyID}; !slices.Equal(callers, want) {
		t.Errorf("callers = %v, want %v", callers, want)
	}
	if !reads[2].Time.Equal(time.Date(2026, 1, 2, 3, 4, 7, 0, time.UTC)) {
		t.Errorf("b's first read at %v, want 03:04:07", reads[2].Time)
	}
	if n := srv.ShardCalls(fakestreams.OpGetRecords)["s"]; n != 6 {
		t.Errorf("GetRecords on s = %d, want 6", n)
	}
	over := fakestreams.Overlaps(reads[:5], 2500*time.Millisecond)
	if len(over) != 1 || over[0].Callers != [2]string{"replica-a", "replica-b"} || over[0].Duration() != time.Second {
		t.Errorf("overlaps = %+v, want a then b reading s together for 1s", over)
	}
}

func TestOverlaps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(shard, caller string, sec float64) fakestreams.Call {
		return fakestreams.Call{Op: fakestreams.OpGetRecords, Shard: shard, Caller: caller, Time: t0.Add(time.Duration(sec * float64(time.Second)))}
	}
	const gap = time.Second
	for _, tc := range []struct {
		name  string
		calls []fakestreams.Call
		want  []time.Duration
	}{
		{"one reader polling is no overlap", []fakestreams.Call{at("s", "a", 0), at("s", "a", 0.5), at("s", "a", 1)}, nil},
		{"a clean handover is no overlap", []fakestreams.Call{at("s", "a", 0), at("s", "a", 1), at("s", "b", 1.5), at("s", "b", 2)}, nil},
		{"readers of different shards do not overlap", []fakestreams.Call{at("s", "a", 0), at("t", "b", 0), at("s", "a", 1), at("t", "b", 1)}, nil},
		{"two readers at once overlap while both read", []fakestreams.Call{at("s", "a", 0), at("s", "a", 1), at("s", "b", 1.5), at("s", "a", 2), at("s", "b", 2.5), at("s", "a", 3), at("s", "b", 3.5)}, []time.Duration{1500 * time.Millisecond}},
		{"a reader back after a silence longer than gap is a new span", []fakestreams.Call{at("s", "a", 0), at("s", "b", 2), at("s", "b", 3), at("s", "a", 10)}, nil},
		{"other operations are not reads", []fakestreams.Call{at("s", "a", 0), {Op: fakestreams.OpGetShardIterator, Shard: "s", Caller: "b", Time: t0}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []time.Duration
			for _, o := range fakestreams.Overlaps(tc.calls, gap) {
				got = append(got, o.Duration())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("overlaps = %v, want %v", got, tc.want)
			}
		})
	}
}

func countAtLeast(written map[string]int, shards, n int) bool {
	k := 0
	for _, v := range written {
		if v >= n {
			k++
		}
	}
	return k >= shards
}
