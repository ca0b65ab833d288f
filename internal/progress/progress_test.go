package progress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

// Take reads the source's real collectors: a renamed metric shows up here.
func TestTakeReadsTheSourcesMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.EventsDelivered.Add(7)
	m.RecordsRead.Add(9)
	m.AWSCalls.WithLabelValues("GetRecords").Add(4)
	m.AWSCalls.WithLabelValues("DescribeStream").Add(100)
	m.CheckpointLag.WithLabelValues("shard-a").Set(1)
	m.CheckpointLag.WithLabelValues("shard-b").Set(1)
	m.IteratorAge.WithLabelValues("shard-a").Set(12)
	m.IteratorAge.WithLabelValues("shard-b").Set(3)
	m.ShardsActive.Set(2)
	m.ShardsFinished.Add(5)
	m.EventsFiltered.Add(3)
	m.EventsDeadLettered.WithLabelValues("rejected").Add(2)
	m.EventsDeadLettered.WithLabelValues("maxrecordage").Add(1)
	m.EventsDropped.WithLabelValues("exhausted").Add(4)
	m.TrimmedGaps.Inc()
	m.StreamEnabled.WithLabelValues().Set(1)
	failing := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m.SinkFailingSince.Set(float64(failing.Unix()))

	at := time.Unix(1e9, 0)
	got, err := Take(reg, at)
	if err != nil {
		t.Fatal(err)
	}
	want := Snapshot{At: at, Delivered: 7, Read: 9, Polls: 4, Lag: 2, Age: 12, AgeKnown: true,
		Ages: map[string]float64{"shard-a": 12, "shard-b": 3}, Lags: map[string]float64{"shard-a": 1, "shard-b": 1},
		Active: 2, Finished: 5, Filtered: 3, DeadLettered: 3, Dropped: 4, TrimmedGaps: 1,
		StreamKnown: true, StreamEnabled: true, SinkFailingSince: failing}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Take (-want +got):\n%s", diff)
	}

	// Before the source has looked for its stream, and while the sink is
	// well, those say so.
	reg = prometheus.NewRegistry()
	metrics.New(reg)
	fresh, err := Take(reg, at)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.StreamKnown || !fresh.SinkFailingSince.IsZero() {
		t.Errorf("empty registry: StreamKnown %v, SinkFailingSince %v", fresh.StreamKnown, fresh.SinkFailingSince)
	}
}

func TestRunWritesLinesUntilCaughtUpAndReturnsNilOnCancel(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.ShardsActive.Set(1)
	m.RecordsRead.Add(100)
	m.CheckpointLag.WithLabelValues("s").Set(100)
	var out binproc.SyncBuffer
	r := &Reporter{Gatherer: reg, Out: &out, Interval: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitFor(t, &out, "catching up: 0 changes delivered")
	// The backlog is delivered, then the polls find nothing more.
	m.EventsDelivered.Add(100)
	m.CheckpointLag.WithLabelValues("s").Set(0)
	m.IteratorAge.WithLabelValues("s").Set(600)
	waitFor(t, &out, "iterator age 10m0s")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "caught up") {
		if time.Now().After(deadline) {
			t.Fatalf("no caught-up line:\n%s", out.String())
		}
		m.AWSCalls.WithLabelValues("GetRecords").Inc()
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // more ticks: quiet now
	if n := strings.Count(out.String(), "caught up:"); n != 1 {
		t.Errorf("%d caught-up lines, want 1:\n%s", n, out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	done <- nil
}

func waitFor(t *testing.T, out *binproc.SyncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", s, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
