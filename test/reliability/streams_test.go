package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/faultproxy"
)

// proxied is a rig whose source reads DynamoDB Local through a faultproxy.
func proxied(t *testing.T, db *ddblocal.Server, table string) (*rig, *faultproxy.Proxy) {
	r := newRig(t, db, table)
	px := faultproxy.New(db.Endpoint, 42)
	t.Cleanup(px.Close)
	r.endpoint = px.URL
	return r, px
}

// streamsRate paces the writes of the Streams scenarios, so that reading
// goes through many GetRecords calls (DynamoDB Local returns up to 1,000
// records a call) and the faults hit the middle of the work.
func streamsRate() float64 { return size(250.0, 500.0) }

// injectedNote says how many faults the proxy injected, and how many the
// source counted.
func injectedNote(px *faultproxy.Proxy, page, op string, f faultproxy.Fault, code string) string {
	seen := metricValue(page, fmt.Sprintf(`dynamodb_source_aws_errors_total{code=%q,operation=%q}`, code, op))
	return fmt.Sprintf("%s: %d of %d %s calls; source counted %d", f, px.Injected(op, f), px.Calls(op), op, int(seen))
}

// LimitExceededException on 30 % of GetRecords.
func testStreamsLimitExceeded(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 10000), 100
	r, px := proxied(t, db, "limitexceeded")
	px.SetRules(faultproxy.Rule{Op: "GetRecords", Fault: faultproxy.LimitExceeded, Probability: 0.3})
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, streamsRate())
	page := r.finish(p, written, 5*time.Minute)
	if px.Injected("GetRecords", faultproxy.LimitExceeded) == 0 {
		t.Error("no LimitExceededException was injected")
	}
	if metricValue(page, `dynamodb_source_aws_errors_total{code="LimitExceededException",operation="GetRecords"}`) == 0 {
		t.Error("the source counted no LimitExceededException")
	}
	res := r.analyze("Streams LimitExceeded on 30 % of GetRecords")
	res.note = injectedNote(px, page, "GetRecords", faultproxy.LimitExceeded, "LimitExceededException")
	r.check(res)
}

// HTTP 500 InternalServerError on 10 % of every Streams call.
func testStreams500(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r, px := proxied(t, db, "streams500")
	px.SetRules(faultproxy.Rule{Fault: faultproxy.InternalError, Probability: 0.1})
	p := r.start()
	// Spread over 20 s, so the faults reach GetRecords while it reads, not
	// only the start-up calls.
	written := r.writeAsync(context.Background(), 0, total, items, float64(total)/20)
	page := r.finish(p, written, 5*time.Minute)
	if px.Injected("", faultproxy.InternalError) == 0 {
		t.Error("no 500 was injected")
	}
	res := r.analyze("Streams 500 on 10 % of all calls")
	res.note = fmt.Sprintf("%d of %d calls answered 500; ", px.Injected("", faultproxy.InternalError), px.Calls("")) +
		injectedNote(px, page, "GetRecords", faultproxy.InternalError, "InternalServerError")
	r.check(res)
}

// Connections reset (TCP RST) on 10 % of every Streams call: half before
// the call reaches DynamoDB Local, half after it answered.
func testStreamsReset(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r, px := proxied(t, db, "streamsreset")
	px.SetRules(
		faultproxy.Rule{Fault: faultproxy.Reset, Probability: 0.05},
		faultproxy.Rule{Fault: faultproxy.ResetAfter, Probability: 0.05},
	)
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, streamsRate())
	page := r.finish(p, written, 5*time.Minute)
	resets := px.Injected("", faultproxy.Reset) + px.Injected("", faultproxy.ResetAfter)
	if resets == 0 {
		t.Error("no connection was reset")
	}
	res := r.analyze("Streams connections reset on 10 % of all calls")
	res.note = fmt.Sprintf("%d of %d calls reset (%d after DynamoDB Local answered); source counted %d network errors",
		resets, px.Calls(""), px.Injected("", faultproxy.ResetAfter), int(sumMetric(page, "dynamodb_source_aws_errors_total{code=\"network\"")))
	r.check(res)
}

// midShard waits until half the changes arrived, then queues fault for the
// next GetRecords and waits until it was served.
func midShard(t *testing.T, r *rig, px *faultproxy.Proxy, total int, f faultproxy.Fault) {
	t.Helper()
	for r.sinks.distinct() < total/2 {
		time.Sleep(10 * time.Millisecond)
	}
	px.Next("GetRecords", f)
	deadline := time.Now().Add(time.Minute)
	for px.Pending("GetRecords") > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the queued %s was never served", f)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.lifted()
}

// An ExpiredIteratorException in the middle of the shard: the source gets
// a new iterator after the last record it read, so nothing is lost and
// nothing is sent twice.
func testStreamsExpired(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r, px := proxied(t, db, "expired")
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, streamsRate())
	midShard(t, r, px, total, faultproxy.Expired)
	page := r.finish(p, written, 5*time.Minute)
	if got := metricValue(page, `dynamodb_source_aws_errors_total{code="ExpiredIteratorException",operation="GetRecords"}`); got != 1 {
		t.Errorf("the source counted %v expired iterators, want 1", got)
	}
	if !strings.Contains(p.Stderr.String(), "shard iterator expired; acquiring a new one") {
		t.Error("the expired iterator was not logged")
	}
	res := r.analyze("Streams ExpiredIterator mid-shard")
	res.note = "new iterator AFTER_SEQUENCE_NUMBER of the last record read"
	r.check(res)
}

// A TrimmedDataAccessException in the middle of the shard, faked by the
// proxy: the records are in fact still there. The source must report a gap
// (metric and error log) and go on from the trim horizon; since nothing was
// really trimmed, it re-reads the shard, so duplicates are bounded by what
// the shard held.
func testStreamsTrimmedProxy(t *testing.T, db *ddblocal.Server) {
	total, items := size(1000, 5000), 100
	r, px := proxied(t, db, "trimmedproxy")
	p := r.start()
	written := r.writeAsync(context.Background(), 0, total, items, streamsRate())
	midShard(t, r, px, total, faultproxy.Trimmed)
	page := r.finish(p, written, 5*time.Minute)
	if got := metricValue(page, "dynamodb_source_trimmed_gaps_total"); got != 1 {
		t.Errorf("dynamodb_source_trimmed_gaps_total = %v, want 1", got)
	}
	if !strings.Contains(p.Stderr.String(), `level=ERROR msg="records were trimmed from the stream before they could be read`) {
		t.Error("the gap was not logged as an error")
	}
	res := r.analyze("Streams TrimmedDataAccess mid-shard (proxy)")
	res.dupBound = res.written
	res.note = "gap reported (metric + error log); re-read from TRIM_HORIZON, so duplicates ≤ shard size"
	r.check(res)
}
