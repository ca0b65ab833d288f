package stream_test

import (
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// A stream of hundreds of shards: at a shard's end its children are asked
// for alone (ShardFilter CHILD_SHARDS), not found by listing the whole
// stream; where the endpoint refuses or ignores the filter, a full listing
// finds them as before. Either way a child starts only after its parent's
// end was read.
func TestChildrenOfAFinishedShardAreFoundByShardFilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		support    fakestreams.ShardFilterSupport
		wantFilter bool
	}{
		{"the filter answered: the parent's children alone are asked for", fakestreams.ShardFilterSupported, true},
		{"the filter refused: a full listing finds the children", fakestreams.ShardFilterRejected, false},
		{"the filter ignored (DynamoDB Local): a full listing finds the children", fakestreams.ShardFilterIgnored, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, fakestreams.Options{ShardFilter: tc.support})
			st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
			const open = 150 // two DescribeStream pages
			for _, sh := range st.AddShards(open) {
				sh.Append(fakestreams.Put(sh.ID))
			}
			p := st.AddShard("shardId-00000000000000000000-parent", "")
			p.Append(puts("p", 3)...)
			s := newSink()
			opts := options()
			// No periodic listing: only a shard's end may find its children.
			opts.DiscoveryInterval = time.Hour
			opts.IdleInterval = 200 * time.Millisecond // 150 shards polled
			stop := r.start(s, opts)
			poll.Until(t, "the first records", func() bool { return s.count() == open+3 })

			children := p.Split(2)
			c0 := children[0].Append(puts("c0", 2)...)
			c1 := children[1].Append(puts("c1", 2)...)
			poll.Until(t, "the children's records", func() bool { return s.count() == open+7 })
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}

			// On the wire: the parent's end, then how its children were found.
			log := r.srv.Log()
			end, childIter := -1, -1
			for i, c := range log {
				if c.Op == fakestreams.OpGetRecords && c.Shard == p.ID && c.End && end < 0 {
					end = i
				}
				if c.Op == fakestreams.OpGetShardIterator && (c.Shard == children[0].ID || c.Shard == children[1].ID) && childIter < 0 {
					childIter = i
				}
			}
			if end < 0 || childIter < end {
				t.Fatalf("first child iterator at call %d, the parent's end at call %d: a child must wait for its parent", childIter, end)
			}
			filtered, full := 0, 0
			for _, c := range log[end:childIter] {
				if c.Op != fakestreams.OpDescribeStream {
					continue
				}
				if c.Filter == p.ID {
					filtered++
				} else if c.Filter == "" {
					full++
				}
			}
			if tc.wantFilter && (filtered != 1 || full != 0) {
				t.Errorf("between the parent's end and its children's start: %d CHILD_SHARDS and %d full DescribeStream calls, want 1 and 0", filtered, full)
			}
			if !tc.wantFilter && full < 2 {
				t.Errorf("between the parent's end and its children's start: %d full DescribeStream calls, want a full listing (2 pages)", full)
			}
			s.wantShard(t, children[0].ID, c0)
			s.wantShard(t, children[1].ID, c1)
		})
	}
}
