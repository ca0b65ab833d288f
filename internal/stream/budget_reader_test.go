package stream_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// The byte bound holds across shards: with the sink stalled, the records
// read stay within MaxBytesInFlight, whatever the backlog; once the sink
// acknowledges, every record is delivered once, in order.
func TestBytesInFlightBoundReadingAcrossShards(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 5})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	const (
		shards, perShard = 4, 20
		item             = 100_000
		bound            = 1 << 20 // 10 records of 100 KB
	)
	want := map[string][]string{}
	for i, sh := range st.AddShards(shards) {
		for j := range perShard {
			want[sh.ID] = append(want[sh.ID], sh.Append(fakestreams.PutSized(fmt.Sprintf("s%d-%d", i, j), item))...)
		}
	}
	s := newSink()
	resume := s.pause()
	opts := options()
	opts.MaxBytesInFlight = bound
	stop := r.start(s, opts)

	read := func() int { return int(metrics.Value(r.m.RecordsRead)) }
	poll.Until(t, "the first records read", func() bool { return read() > 0 })
	// Watch a while: the bound must hold however long reading goes on.
	for range 30 {
		time.Sleep(10 * time.Millisecond)
		if n := read(); n > bound/item {
			t.Fatalf("%d records of %d bytes read with none acknowledged; the bound of %d bytes allows %d", n, item, bound, bound/item)
		}
	}
	resume()
	poll.Until(t, "every record", func() bool { return s.count() == shards*perShard })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for id, seqs := range want {
		s.wantShard(t, id, seqs)
	}
}
