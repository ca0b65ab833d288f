// Package fakestreams is a scripted DynamoDB Streams endpoint for tests: an
// HTTP server on loopback that speaks the real JSON 1.0 wire protocol
// (X-Amz-Target DynamoDBStreams_20120810.*, application/x-amz-json-1.0,
// errors as {"__type": "...#Code", "message": "..."}), so the code under test
// drives it through the real aws-sdk-go-v2 dynamodbstreams client.
//
// It exists for what DynamoDB Local cannot do in test time: several shards
// and shard lineage, iterators that expire on demand, trimmed records,
// vanishing shards and streams, throttling, 5xx answers and reset
// connections; and scale: thousands of shards (AddShards) listed 100 per
// DescribeStream page, shards closing into one or two children while read
// (Split), DescribeStream's ShardFilter CHILD_SHARDS (or, per Options, an
// endpoint that refuses or ignores it), steady per-shard writers of items
// up to 400 KB (Generate), and a log of who called what when (Call.Caller,
// Call.Time; Overlaps tells whether two readers read one shard at once). For everything the emulator can do, prefer ddblocal: this
// server only mimics the AWS behaviours listed in its comments.
//
// Typical use:
//
//	srv := fakestreams.New(t, fakestreams.Options{PageSize: 2})
//	st := srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
//	parent := st.AddShard("shard-p", "")
//	parent.Append(fakestreams.Put("a"), fakestreams.Put("b"))
//	parent.Close()
//	st.AddShard("shard-c", "shard-p").Append(fakestreams.Put("c"))
//	srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
//		if c.Op == "GetRecords" && c.N%3 == 0 {
//			return fakestreams.Fail("LimitExceededException")
//		}
//		return fakestreams.Fault{}
//	})
//	client := srv.Client() // *dynamodbstreams.Client, no SDK retries
//
// Everything is safe for concurrent use: scripts may append records, add
// and close shards or expire iterators while a reader is running.
package fakestreams
