package progress

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s Snapshot, secs int) Snapshot { s.At = t0.Add(time.Duration(secs) * time.Second); return s }
	backlog := Snapshot{Delivered: 1000, Read: 1200, Polls: 10, Lag: 200, Age: 7200, AgeKnown: true, Active: 3, Finished: 1}
	tests := []struct {
		name         string
		prev, cur    Snapshot
		caughtUp     bool
		wantLine     string
		wantCaughtUp bool
	}{
		{"reading a backlog writes delivered, rate, age and shards",
			at(backlog, 0), at(Snapshot{Delivered: 6000, Read: 6500, Polls: 20, Lag: 500, Age: 7000, AgeKnown: true, Active: 3, Finished: 1}, 5), false,
			"catching up: 6,000 changes delivered, 1,000/s, iterator age 1h57m, 3 shards reading, 1 finished", false},
		{"the age is left out until a record is acknowledged",
			at(Snapshot{Polls: 1}, 0), at(Snapshot{Read: 50, Polls: 2, Lag: 50, Active: 1}, 5), false,
			"catching up: 0 changes delivered, 0/s, 1 shard reading", false},
		{"nothing read yet (looking for the stream) is quiet and not caught up",
			at(Snapshot{}, 0), at(Snapshot{Polls: 0, Active: 0}, 5), false,
			"", false},
		{"a start with no backlog says only that it is caught up",
			at(Snapshot{Active: 1}, 0), at(Snapshot{Polls: 3, Active: 1}, 5), false,
			"caught up: 0 changes delivered, 1 shard reading; waiting for new changes", true},
		{"polls that read nothing with nothing in flight are caught up",
			at(Snapshot{Delivered: 6000, Read: 6000, Polls: 20, Age: 7000, AgeKnown: true, Active: 2, Finished: 2}, 0),
			at(Snapshot{Delivered: 6000, Read: 6000, Polls: 25, Age: 7000, AgeKnown: true, Active: 2, Finished: 2}, 5), false,
			"caught up: 6,000 changes delivered, 2 shards reading, 2 finished; waiting for new changes", true},
		{"a stale iterator age does not hide that the source is caught up",
			at(Snapshot{Delivered: 1, Read: 1, Polls: 20, Age: 90000, AgeKnown: true, Active: 1}, 0),
			at(Snapshot{Delivered: 1, Read: 1, Polls: 30, Age: 90000, AgeKnown: true, Active: 1}, 5), false,
			"caught up: 1 change delivered, 1 shard reading; waiting for new changes", true},
		{"records still in flight are not caught up",
			at(Snapshot{Delivered: 10, Read: 20, Polls: 5, Lag: 10, Active: 1}, 0),
			at(Snapshot{Delivered: 10, Read: 20, Polls: 9, Lag: 10, Active: 1}, 5), false,
			"catching up: 10 changes delivered, 0/s, 1 shard reading", false},
		{"no poll over the tick (one slow call) is not caught up",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Active: 1}, 0),
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Active: 1}, 5), false,
			"catching up: 10 changes delivered, 0/s, 1 shard reading", false},
		{"once caught up, live changes are quiet",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Age: 1, AgeKnown: true, Active: 1}, 0),
			at(Snapshot{Delivered: 15, Read: 15, Polls: 9, Age: 0.4, AgeKnown: true, Active: 1}, 5), true,
			"", true},
		{"once caught up, a stale age with nothing delivered stays quiet",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Age: 3600, AgeKnown: true, Active: 1}, 0),
			at(Snapshot{Delivered: 10, Read: 10, Polls: 9, Age: 3600, AgeKnown: true, Active: 1}, 5), true,
			"", true},
		{"falling behind again resumes the lines",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Age: 1, AgeKnown: true, Ages: map[string]float64{"a": 1}, Active: 1}, 0),
			at(Snapshot{Delivered: 20, Read: 500, Polls: 9, Lag: 480, Age: 45, AgeKnown: true, Ages: map[string]float64{"a": 45}, Active: 1}, 5), true,
			"catching up: 20 changes delivered, 2/s, iterator age 45s, 1 shard reading", false},
		{"a new shard that starts behind resumes the lines",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Active: 1}, 0),
			at(Snapshot{Delivered: 20, Read: 500, Polls: 9, Lag: 480, Age: 45, AgeKnown: true, Ages: map[string]float64{"b": 45}, Active: 2}, 5), true,
			"catching up: 20 changes delivered, 2/s, iterator age 45s, 2 shards reading", false},
		{"once caught up, a stale age on a shard at its end does not count as behind",
			at(Snapshot{Delivered: 10, Read: 10, Polls: 5, Age: 3600, AgeKnown: true, Ages: map[string]float64{"idle": 3600, "live": 0.5}, Active: 2}, 0),
			at(Snapshot{Delivered: 12, Read: 12, Polls: 9, Age: 3600, AgeKnown: true, Ages: map[string]float64{"idle": 3600, "live": 0.3}, Active: 2}, 5), true,
			"", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, caughtUp := Next(tt.prev, tt.cur, tt.caughtUp)
			if line != tt.wantLine || caughtUp != tt.wantCaughtUp {
				t.Errorf("Next = %q, %v\nwant   %q, %v", line, caughtUp, tt.wantLine, tt.wantCaughtUp)
			}
		})
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{"below a thousand has no comma", 999, "999"},
		{"thousands are separated", 1234567, "1,234,567"},
		{"fractions are rounded", 2.6, "3"},
		{"a negative (a counter reset) shows 0", -4, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.v); got != tt.want {
				t.Errorf("count(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestSnapshotLine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(secs int, items, segs, done float64) Snapshot {
		return Snapshot{At: t0.Add(time.Duration(secs) * time.Second), SnapItems: items, SnapSegments: segs, SnapSegmentsDone: done}
	}
	cases := []struct {
		name      string
		prev, cur Snapshot
		want      string
	}{
		{"no snapshot, no line", at(0, 0, 0, 0), at(5, 0, 0, 0), ""},
		{"a running snapshot shows items, rate and segments", at(0, 1000, 4, 0), at(5, 6000, 4, 1), "snapshot: 6,000 items, 1,000 items/s, 1/4 segments done"},
		{"its end is written once", at(0, 6000, 4, 3), at(5, 8000, 4, 4), "snapshot finished: 8,000 items, 4/4 segments done"},
		{"after its end, nothing", at(0, 8000, 4, 4), at(5, 8000, 4, 4), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := SnapshotLine(c.prev, c.cur); got != c.want {
				t.Errorf("SnapshotLine = %q, want %q", got, c.want)
			}
		})
	}
}
