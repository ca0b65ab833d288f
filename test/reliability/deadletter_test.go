package reliability

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// The sink answers 400 to one change in twenty, with a dead-letter sink
// configured that is down for the first seconds: every refused change must
// arrive there whole (the extensions say why), none at the sink, in item
// order; every other change at the sink.
func testSink400DeadLetter(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r := newRig(t, db, "sink400dlq")
	r.sinks.setBehavior(func(_ int64, e *cloudevents.Event) cesink.Response {
		if c, err := changeOf(*e); err == nil && c.v%20 == 7 {
			r.sinks.reject(e)
			return cesink.Response{Status: http.StatusBadRequest}
		}
		return cesink.Response{}
	})
	dlq := cesink.Start(t)
	var dlqUp time.Time
	dlqDown := true
	dlq.SetBehavior(func(int64, *cloudevents.Event) cesink.Response {
		if dlqDown && time.Now().Before(dlqUp) {
			return cesink.Response{Status: http.StatusServiceUnavailable}
		}
		return cesink.Response{}
	})
	dlqUp = time.Now().Add(size(3*time.Second, 10*time.Second))
	p := r.start("--delivery.deadLetterSink.uri", dlq.URL)
	written := r.writeAsync(context.Background(), 0, total, items, 0)
	page := r.finish(p, written, 5*time.Minute)
	if !dlq.WaitDistinct(total/20, 30*time.Second) {
		t.Errorf("%d dead letters, want %d", dlq.Distinct(), total/20)
	}
	refused := map[string]bool{}
	r.sinks.mu.Lock()
	for id := range r.sinks.rejected {
		refused[id] = true
	}
	r.sinks.mu.Unlock()
	last := map[string]int{}
	violations := 0
	seen := map[string]bool{}
	for _, e := range dlq.Events() {
		if seen[e.ID()] {
			continue
		}
		seen[e.ID()] = true
		ext := e.Extensions()
		if !refused[e.ID()] || ext["dynamodbfailure"] != "rejected" || ext["knativeerrorcode"] != "400" || ext["knativeerrordest"] != r.sinks.URL() {
			t.Fatalf("dead letter %s: refused %v, extensions %v", e.ID(), refused[e.ID()], ext)
		}
		c, err := changeOf(e)
		if err != nil {
			t.Fatalf("dead letter is not whole: %v", err)
		}
		if prev, ok := last[c.pk]; ok && c.v <= prev {
			violations++
		}
		last[c.pk] = c.v
	}
	if violations != 0 {
		t.Errorf("%d per-item order violations among dead letters", violations)
	}
	if got := metricValue(page, `dynamodb_source_events_dead_lettered_total{reason="rejected"}`); int(got) != total/20 {
		t.Errorf(`dynamodb_source_events_dead_lettered_total{reason="rejected"} = %v, want %d`, got, total/20)
	}
	if !strings.Contains(p.Stderr.String(), "the dead-letter sink did not take an event") {
		t.Errorf("no failure of the dead-letter sink logged: the fault did not happen")
	}
	res := r.analyze("sink 400 on 5 %, dead-letter sink (503 for its first seconds)")
	res.note = "every refused change dead-lettered whole: " + itoa(len(seen)) + " of " + itoa(len(refused))
	r.check(res)
}
