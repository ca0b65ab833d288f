package stream

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Runnable returns, in the order given, the shards that may be read now.
//
// A shard may be read when it is not finished, is not being read already,
// and its parent is finished or no longer listed. Holding a child back until
// its parent is finished is what keeps each item's changes in order across a
// shard split or rollover: an item's earlier changes are in the parent. A
// parent that is no longer listed expired with the stream's 24-hour
// retention, so there is nothing left in it to wait for — but only a
// complete listing shows that: when shards may lack some of the stream's
// (complete false: a listing cut short, an error midway), a parent not in
// it may just be on a page not read, and its child waits.
func Runnable(shards []types.Shard, complete bool, finished, running func(id string) bool) []types.Shard {
	listed := make(map[string]bool, len(shards))
	for _, s := range shards {
		listed[aws.ToString(s.ShardId)] = true
	}
	var out []types.Shard
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		if finished(id) || running(id) {
			continue
		}
		if p := aws.ToString(s.ParentShardId); p != "" && (listed[p] || !complete) && !finished(p) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// closed reports whether a shard has ended: DynamoDB gives it an ending
// sequence number once no more records will be written to it.
func closed(s types.Shard) bool {
	return s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil
}
