package reliability

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

func itoa(n int) string { return strconv.Itoa(n) }

// finish waits for every change, stops the source cleanly and returns its
// final metrics page.
func (r *rig) finish(p *proc, written <-chan error, timeout time.Duration) string {
	r.t.Helper()
	if written != nil {
		if err := <-written; err != nil {
			r.t.Fatal(err)
		}
	}
	if !r.waitAll(timeout) {
		r.t.Errorf("%d of %d changes delivered within %s", r.sinks.exactDistinct()+r.sinks.rejectedDistinct(), r.ledger.count(), timeout)
	}
	page, err := p.metricsText()
	if err != nil {
		r.t.Errorf("scraping metrics: %v", err)
	}
	if code := p.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		r.t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	return page
}

// The sink's listener is closed for a while, then opened again on the same
// port, while changes keep being written.
func testSinkDown(t *testing.T, db *ddblocal.Server) {
	total, items, outage := size(2000, 6000), 100, size(10*time.Second, 60*time.Second)
	r := newRig(t, db, "sinkdown")
	p := r.start()
	// Paced so that writing goes on through the outage.
	rate := float64(total) / (outage.Seconds()*1.5 + 5)
	written := r.writeAsync(context.Background(), 0, total, items, rate)
	for r.sinks.distinct() < total/5 {
		time.Sleep(10 * time.Millisecond)
	}
	r.sinks.down()
	time.Sleep(outage)
	r.sinks.up()
	r.lifted()
	page := r.finish(p, written, 3*time.Minute)
	res := r.analyze("sink down " + outage.String())
	// Closing the sink can cut requests it had already accepted before
	// their answers left: the source never saw an acknowledgement, so it
	// sends those again (at least once). At most the requests in flight at
	// that moment: delivery.parallelism, 16 by default.
	res.dupBound = 16
	res.note = "connection refused; failed attempts " + strconv.Itoa(int(metricValue(page, `dynamodb_source_events_failed_total{reason="network"}`)))
	r.check(res)
}

// The sink answers 503 to half of the requests, at random. Retries share
// the sink's backoff and wake on its next success (delivery's recovery), so
// the events unlucky ten times in a row no longer wait out 30 s backoffs
// each while holding their lane.
func testSink503Half(t *testing.T, db *ddblocal.Server) {
	total, items := size(200, 5000), 100
	r := newRig(t, db, "sink503")
	r.sinks.setBehavior(func(int64, *cloudevents.Event) cesink.Response {
		if rand.Float64() < 0.5 {
			return cesink.Response{Status: http.StatusServiceUnavailable}
		}
		return cesink.Response{}
	})
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, 0)
	page := r.finish(p, written, 5*time.Minute)
	res := r.analyze("sink 503 on 50 %")
	failed := metricValue(page, `dynamodb_source_events_failed_total{reason="503"}`)
	if failed == 0 {
		t.Errorf("no 503 counted in dynamodb_source_events_failed_total: the fault did not happen")
	}
	res.note = "503 answers " + strconv.Itoa(int(failed)) + ", each retried"
	r.check(res)
}

// Every request takes the sink 2 s.
func testSinkSlow(t *testing.T, db *ddblocal.Server) {
	total, items := size(96, 480), size(48, 240)
	r := newRig(t, db, "sinkslow")
	r.sinks.setBehavior(func(int64, *cloudevents.Event) cesink.Response { return cesink.Response{Delay: 2 * time.Second} })
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, 0)
	r.finish(p, written, 10*time.Minute)
	res := r.analyze("slow sink 2 s/request")
	res.note = "delivery.parallelism 16 (default)"
	r.check(res)
}

// The sink answers 400 to one change in twenty: those are not retried, are
// counted in events_dropped_total{reason="rejected"} and logged with their
// event ID; everything else arrives.
func testSink400(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r := newRig(t, db, "sink400")
	r.sinks.setBehavior(func(_ int64, e *cloudevents.Event) cesink.Response {
		if c, err := changeOf(*e); err == nil && c.v%20 == 7 {
			r.sinks.reject(e)
			return cesink.Response{Status: http.StatusBadRequest}
		}
		return cesink.Response{}
	})
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, 0)
	page := r.finish(p, written, 5*time.Minute)

	r.sinks.mu.Lock()
	rejected := map[string]int{}
	for id, n := range r.sinks.rejected {
		rejected[id] = n
	}
	r.sinks.mu.Unlock()
	if len(rejected) != total/20 {
		t.Errorf("%d events refused, want %d", len(rejected), total/20)
	}
	stderr := p.Stderr.String()
	unlogged := 0
	for id, n := range rejected {
		if n != 1 {
			t.Errorf("event %s was sent %d times after a 400, want once (400 is not retried)", id, n)
		}
		if !strings.Contains(stderr, "event_id="+id) {
			unlogged++
		}
	}
	if unlogged > 0 {
		t.Errorf("%d of %d refused events are not logged with their event_id", unlogged, len(rejected))
	}
	if got := metricValue(page, `dynamodb_source_events_dropped_total{reason="rejected"}`); int(got) != len(rejected) {
		t.Errorf(`dynamodb_source_events_dropped_total{reason="rejected"} = %v, want %d`, got, len(rejected))
	}
	res := r.analyze("sink 400 on 5 %")
	res.note = "each refused event sent once, counted (events_dropped_total{reason=\"rejected\"}) and logged with its id"
	r.check(res)
}
