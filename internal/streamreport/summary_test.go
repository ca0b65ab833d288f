package streamreport

import (
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/progress"
)

func TestSummarizerIteratorAge(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	at := func(secs int, s progress.Snapshot) progress.Snapshot {
		s.At = t0.Add(time.Duration(secs) * time.Second)
		return s
	}
	snap := func(polls, read float64, ages, lags map[string]float64) progress.Snapshot {
		lag := 0.0
		for _, l := range lags {
			lag += l
		}
		return progress.Snapshot{Polls: polls, Read: read, Ages: ages, Lags: lags, Lag: lag, Active: float64(len(ages))}
	}
	tests := []struct {
		name  string
		snaps []progress.Snapshot
		want  int64 // the last report's iterator age
	}{
		{"an age an acknowledgement set is the age",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 0}, map[string]float64{"a": 10})),
				at(10, snap(5, 500, map[string]float64{"a": 3600}, map[string]float64{"a": 100}))},
			3600},
		{"the largest fresh age of the shards counts",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 0, "b": 0}, nil)),
				at(10, snap(5, 500, map[string]float64{"a": 20, "b": 70}, map[string]float64{"a": 1}))},
			70},
		{"a shard at its end has no age, however old its last record",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 90000}, map[string]float64{"a": 0})),
				at(10, snap(5, 20, map[string]float64{"a": 90000}, map[string]float64{"a": 0}))},
			0},
		{"a shard holding records grows older while none is acknowledged",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 0}, nil)),
				at(10, snap(2, 20, map[string]float64{"a": 30}, map[string]float64{"a": 5})),
				at(20, snap(3, 20, map[string]float64{"a": 30}, map[string]float64{"a": 5})),
				at(30, snap(4, 20, map[string]float64{"a": 30}, map[string]float64{"a": 5}))},
			30 + 20},
		{"an acknowledgement after a stall resets the growth",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 0}, nil)),
				at(10, snap(2, 20, map[string]float64{"a": 30}, map[string]float64{"a": 5})),
				at(20, snap(3, 20, map[string]float64{"a": 30}, map[string]float64{"a": 5})),
				at(30, snap(4, 30, map[string]float64{"a": 12}, map[string]float64{"a": 1}))},
			12},
		{"caught up is 0",
			[]progress.Snapshot{at(0, snap(1, 10, map[string]float64{"a": 40}, nil)),
				at(10, snap(9, 10, map[string]float64{"a": 40}, nil))},
			0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s summarizer
			var r Report
			for _, snap := range tt.snaps {
				r = s.next(snap)
			}
			if r.IteratorAgeSeconds != tt.want {
				t.Errorf("iterator age %d, want %d", r.IteratorAgeSeconds, tt.want)
			}
		})
	}
}

func TestSummarizerReport(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var s summarizer
	first := s.next(progress.Snapshot{At: t0, Active: 1})
	if first.Stream != StreamUnknown || !first.LastDelivered.IsZero() {
		t.Errorf("first report: %+v", first)
	}
	failing := t0.Add(-time.Minute)
	r := s.next(progress.Snapshot{At: t0.Add(10 * time.Second), Active: 2, Finished: 1, Delivered: 7, Filtered: 2, DeadLettered: 1,
		Dropped: 3, TrimmedGaps: 1, StreamKnown: true, StreamEnabled: true, SinkFailingSince: failing})
	want := Report{OpenShards: 2, FinishedShards: 1, Delivered: 7, Filtered: 2, DeadLettered: 1, Dropped: 3, TrimmedGaps: 1,
		Stream: StreamEnabled, SinkFailingSince: failing, LastDelivered: t0.Add(10 * time.Second), ReportedAt: t0.Add(10 * time.Second)}
	if !r.same(want) || !r.ReportedAt.Equal(want.ReportedAt) {
		t.Errorf("report\n%+v\nwant\n%+v", r, want)
	}
	// Nothing more delivered: the last delivery keeps its time.
	r = s.next(progress.Snapshot{At: t0.Add(20 * time.Second), Delivered: 7, StreamKnown: true})
	if !r.LastDelivered.Equal(t0.Add(10*time.Second)) || r.Stream != StreamNone {
		t.Errorf("later report: last delivered %v, stream %q", r.LastDelivered, r.Stream)
	}
}

// The snapshot's metrics make the report's snapshot; a source without one
// (0 segments) reports none.
func TestSummarizerSnapshot(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var s summarizer
	if r := s.next(progress.Snapshot{At: t0, Active: 1}); r.Snapshot != nil {
		t.Errorf("a source without a snapshot reports one: %+v", r.Snapshot)
	}
	r := s.next(progress.Snapshot{At: t0.Add(10 * time.Second), Active: 1, SnapItems: 1200, SnapSegments: 4, SnapSegmentsDone: 1})
	if want := (Snapshot{Items: 1200, Segments: 4, SegmentsDone: 1}); r.Snapshot == nil || *r.Snapshot != want {
		t.Errorf("snapshot %+v, want %+v", r.Snapshot, want)
	}
}
