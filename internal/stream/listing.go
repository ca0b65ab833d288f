package stream

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// This file is what discovery knows of a stream's shards, and the rules by
// which a listing changes it. A large table's stream has thousands of
// shards, 100 per DescribeStream page, and DescribeStream allows 10 calls a
// second per account: listing the whole stream every discovery tick does not
// scale. So at a shard's end discovery asks for its children only
// (ShardFilter CHILD_SHARDS), and lists the whole stream at a slow pace.

// listing is what one DescribeStream pass (its pages) saw.
type listing struct {
	shards []types.Shard
	status types.StreamStatus
	// full: the whole stream was asked for; otherwise the children of one
	// shard (ShardFilter CHILD_SHARDS).
	full bool
	// complete: every page was read (no error midway, no cut pagination).
	complete bool
}

// fullListingEvery is how many discovery ticks pass between two full
// listings of a stream larger than one page, when the endpoint answers
// ShardFilter: 30, five minutes at the default 10 s discovery interval.
// Children are found at their parent's end, so the full listing only
// catches what a child query could miss: a shard with no parent (a new
// stream has those only) and a vanished (expired) shard to forget.
const fullListingEvery = 30

// onePage is DescribeStream's page size on AWS: a stream that fits in one
// page is listed whole at every tick, one call, as it always was.
const onePage = 100

// known is what discovery knows of a stream's shards: the last full
// listing, and what partial listings and child queries added since.
type known struct {
	shards []types.Shard // in the order listed
	index  map[string]int
	// complete: shards holds every shard of the stream. Only a complete
	// full listing makes it so; a partial listing unmakes it. Lineage lets
	// a child whose parent is not known start only when it is complete.
	complete bool
}

// apply merges l into what is known:
//   - a complete full listing replaces it: a shard it lacks expired;
//   - a partial full listing (an error midway, cut pagination) only adds
//     and updates shards, and leaves the set incomplete: what it lacks may
//     just be on a page it did not read;
//   - a child query only adds and updates: the children of a known shard
//     keep a complete set complete.
func (k *known) apply(l listing) {
	if l.full && l.complete {
		k.shards, k.index, k.complete = nil, nil, true
	} else if l.full {
		k.complete = false
	}
	if k.index == nil {
		k.index = make(map[string]int, len(l.shards))
	}
	for _, s := range l.shards {
		id := aws.ToString(s.ShardId)
		if i, ok := k.index[id]; ok {
			k.shards[i] = s // a shard closed since: its ending sequence number
			continue
		}
		k.index[id] = len(k.shards)
		k.shards = append(k.shards, s)
	}
}

// prunes reports whether l may prune progress: only a complete full
// listing shows which shards no longer exist.
func prunes(l listing) bool { return l.full && l.complete }

// tickState is what decides whether a discovery tick lists the stream.
type tickState struct {
	noFilter  bool // the endpoint does not answer ShardFilter
	childless bool // a shard ended and no child of it was found since
	shards    int  // shards known
	complete  bool // the known shards are the whole stream
	sinceFull int  // ticks since the last complete full listing
}

// fullListingDue decides whether a discovery tick lists the whole stream.
// It does when the endpoint lacks ShardFilter (children are found no other
// way), when a finished shard's children were not found (they may have
// appeared since, or the stream was disabled), when the stream fits in one
// page (one call, as before ShardFilter), when the last listing was
// partial, and otherwise every fullListingEvery ticks.
func fullListingDue(t tickState) bool {
	return t.noFilter || t.childless || t.shards <= onePage || !t.complete || t.sinceFull >= fullListingEvery
}

// filterUnsupported reports whether the answer to a CHILD_SHARDS query of
// parent shows that the endpoint lacks ShardFilter: it refused the request
// as invalid (an endpoint whose API predates the filter), or it listed a
// shard that is not a child of parent (it ignored the filter, as DynamoDB
// Local does).
func filterUnsupported(parent string, l listing, err error) bool {
	if err != nil {
		return errorCode(err) == "ValidationException"
	}
	for _, s := range l.shards {
		if aws.ToString(s.ParentShardId) != parent {
			return true
		}
	}
	return false
}

// describeStream lists the shards of the stream, page by page: every shard,
// or with a non-empty parent only its children (ShardFilter CHILD_SHARDS).
// On an error midway it returns what it read with the error; the listing
// is complete only when the last page said so.
func (r *Reader) describeStream(ctx context.Context, arn, parent string) (listing, error) {
	l := listing{full: parent == ""}
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}
	if parent != "" {
		in.ShardFilter = &types.ShardFilter{Type: types.ShardFilterTypeChildShards, ShardId: aws.String(parent)}
	}
	for page := 0; page < maxPages; page++ {
		res, err := call(ctx, r, "DescribeStream", func(ctx context.Context) (*dynamodbstreams.DescribeStreamOutput, error) {
			return r.client.DescribeStream(ctx, in)
		})
		if err != nil {
			return l, err
		}
		if res.StreamDescription == nil {
			return l, nil
		}
		l.status = res.StreamDescription.StreamStatus
		l.shards = append(l.shards, res.StreamDescription.Shards...)
		next := aws.ToString(res.StreamDescription.LastEvaluatedShardId)
		if next == "" {
			l.complete = true
			return l, nil
		}
		if next == aws.ToString(in.ExclusiveStartShardId) {
			return l, nil // a repeated cursor: stop, with a partial listing
		}
		in.ExclusiveStartShardId = aws.String(next)
	}
	return l, nil
}
