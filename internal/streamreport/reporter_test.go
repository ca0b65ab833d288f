package streamreport

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

// countingGatherer counts the reporter's ticks.
type countingGatherer struct {
	prometheus.Gatherer
	mu sync.Mutex
	n  int
}

func (g *countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
	return g.Gatherer.Gather()
}

func (g *countingGatherer) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

type recorder struct {
	mu      sync.Mutex
	reports []Report
}

func (w *recorder) Write(_ context.Context, replica string, r Report) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if replica != "pod-1" {
		panic("replica " + replica)
	}
	w.reports = append(w.reports, r)
	return nil
}

func (w *recorder) all() []Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Report(nil), w.reports...)
}

// Ticks that see no change write nothing until the heartbeat; a change is
// written at the next tick; the last report says the adapter stopped.
func TestReporterWritesOnlyWhatChanged(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	g := &countingGatherer{Gatherer: reg}
	w := &recorder{}
	r := &Reporter{Gatherer: g, Writer: w, Replica: "pod-1", Interval: time.Millisecond, Heartbeat: time.Hour}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	waitUntil(t, func() bool { return g.count() >= 50 })
	if n := len(w.all()); n != 1 {
		t.Fatalf("%d writes after 50 ticks of unchanged metrics, want 1 (the first, at once): %+v", n, w.all())
	}
	m.EventsDelivered.Add(3)
	waitUntil(t, func() bool { return len(w.all()) == 2 })
	if got := w.all()[1]; got.Delivered != 3 || got.LastDelivered.IsZero() {
		t.Errorf("report after a delivery: %+v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	all := w.all()
	if last := all[len(all)-1]; !last.Stopped || len(all) != 3 {
		t.Errorf("after cancel: %d writes, last %+v; want a 3rd, stopped", len(all), last)
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// An unchanged report is written again every Heartbeat, so that the
// controller can tell a quiet adapter from one that stopped reporting
// (StaleAfter); never more often than that.
func TestReporterWritesAnUnchangedReportAtTheHeartbeat(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics.New(reg)
	w := &recorder{}
	const heartbeat = 30 * time.Millisecond
	r := &Reporter{Gatherer: reg, Writer: w, Replica: "pod-1", Interval: time.Millisecond, Heartbeat: heartbeat}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitUntil(t, func() bool { return len(w.all()) >= 4 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	all := w.all()
	for i := 1; i < len(all)-1; i++ { // the last is the stopped report
		if gap := all[i].ReportedAt.Sub(all[i-1].ReportedAt); gap < heartbeat {
			t.Errorf("unchanged reports %d and %d written %s apart, want at least the heartbeat %s", i-1, i, gap, heartbeat)
		}
	}
}
