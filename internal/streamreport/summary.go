package streamreport

import (
	"math"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/progress"
)

// summarizer turns the source's metrics, snapshot after snapshot, into
// Reports. It keeps what one snapshot cannot say: when a change was last
// delivered, and since when a shard has records in flight and none
// acknowledged.
type summarizer struct {
	prev     progress.Snapshot
	havePrev bool
	// stalled holds, by shard, the iterator age a shard with records in
	// flight last had when acknowledged, and the first snapshot that saw
	// it unchanged.
	stalled       map[string]stall
	lastDelivered time.Time
}

type stall struct {
	age   float64
	since time.Time
}

// next is the report of cur.
func (s *summarizer) next(cur progress.Snapshot) Report {
	r := Report{
		OpenShards:     int(cur.Active),
		FinishedShards: int(cur.Finished),
		Delivered:      int64(cur.Delivered),
		Filtered:       int64(cur.Filtered),
		DeadLettered:   int64(cur.DeadLettered),
		Dropped:        int64(cur.Dropped),
		TrimmedGaps:    int64(cur.TrimmedGaps),
		ReportedAt:     cur.At.UTC(),
	}
	if !cur.SinkFailingSince.IsZero() {
		r.SinkFailingSince = cur.SinkFailingSince.UTC()
	}
	if cur.SnapSegments > 0 {
		r.Snapshot = &Snapshot{Items: int64(cur.SnapItems), Segments: int(cur.SnapSegments), SegmentsDone: int(cur.SnapSegmentsDone)}
	}
	switch {
	case !cur.StreamKnown:
		r.Stream = StreamUnknown
	case cur.StreamEnabled:
		r.Stream = StreamEnabled
	default:
		r.Stream = StreamNone
	}
	if s.havePrev {
		if cur.Delivered > s.prev.Delivered {
			s.lastDelivered = cur.At.UTC()
		}
		r.CaughtUp = progress.CaughtUp(s.prev, cur)
		if !r.CaughtUp {
			r.IteratorAgeSeconds = int64(math.Round(s.age(cur)))
		}
	}
	r.LastDelivered = s.lastDelivered
	s.prev, s.havePrev = cur, true
	return r
}

// age is the iterator age of cur, the oldest unacknowledged change's age,
// to within one interval: the largest of the shards' ages, where a shard
// whose age an acknowledgement set since the last snapshot has that age; a
// shard with records in flight and none acknowledged since (a sink that
// holds them) has the age of its last acknowledgement plus the time it has
// been stuck, which grows; and a shard with nothing in flight and nothing
// acknowledged is at its end, 0, however old its last record.
func (s *summarizer) age(cur progress.Snapshot) float64 {
	oldest := 0.0
	stalled := make(map[string]stall, len(s.stalled))
	for shard, age := range cur.Ages {
		was, seen := s.prev.Ages[shard]
		switch {
		case !seen || was != age:
			oldest = max(oldest, age)
		case cur.Lags[shard] > 0:
			st, ok := s.stalled[shard]
			if !ok || st.age != age {
				st = stall{age: age, since: s.prev.At}
			}
			stalled[shard] = st
			oldest = max(oldest, age+cur.At.Sub(st.since).Seconds())
		}
	}
	s.stalled = stalled
	return oldest
}
