package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/promtext"
)

// TestMetricsOfARealRun scrapes /metrics of the binary after it delivered a
// known set of changes, then after a refused and a retried event, and checks
// every series against what happened (docs/metrics.md lists them).
func TestMetricsOfARealRun(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, streamARN := db.CreateTable(ctx, t, "metrics", types.StreamViewTypeNewAndOldImages)
	sink := cesink.Start(t)
	c := db.DynamoDB()
	const n = 20
	for i := range n {
		put(ctx, t, c, "metrics", fmt.Sprintf("pk-%d", i%5), i)
	}

	port := binproc.FreePort(t)
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL,
		"--startingPosition", "TRIM_HORIZON", "--metrics-port", strconv.Itoa(port))...)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if !sink.WaitDistinct(n, 60*time.Second) {
		t.Fatalf("%d of %d events delivered", sink.Distinct(), n)
	}
	shard := onlyShard(ctx, t, db, streamARN)
	series := func(name, labels string) string {
		if labels == "" {
			return "dynamodb_source_" + name
		}
		return "dynamodb_source_" + name + "{" + labels + "}"
	}
	shardLabel := fmt.Sprintf("shard=%q", shard)

	// The gauges follow acknowledgements and the periodic save: wait until
	// the checkpoint has caught up rather than racing it.
	m := waitMetrics(t, base, func(m metricSet) bool {
		return m[series("checkpoint_lag_records", shardLabel)] == 0 && m[series("checkpoint_saves_total", `result="ok"`)] >= 1
	})
	want := map[string]func(float64) bool{
		series("events_delivered_total", ""):                      eq(n),
		series("records_read_total", ""):                          eq(n),
		series("records_skipped_total", ""):                       eq(0),
		series("delivery_duration_seconds_count", ""):             eq(n),
		series("events_retried_total", ""):                        eq(0),
		series("events_dropped_total", `reason="rejected"`):       eq(0),
		series("events_dropped_total", `reason="exhausted"`):      eq(0),
		series("events_dropped_total", `reason="invalid"`):        eq(0),
		series("aws_calls_total", `operation="ListStreams"`):      ge(1),
		series("aws_calls_total", `operation="DescribeStream"`):   ge(1),
		series("aws_calls_total", `operation="GetShardIterator"`): eq(1),
		series("aws_calls_total", `operation="GetRecords"`):       ge(1),
		series("shards_active", ""):                               eq(1),
		series("shards_finished_total", ""):                       eq(0),
		series("trimmed_gaps_total", ""):                          eq(0),
		series("checkpoint_lag_records", shardLabel):              eq(0),
		series("checkpoint_saves_total", `result="ok"`):           ge(1),
		series("checkpoint_saves_total", `result="error"`):        eq(0),
		// The changes were written moments before the start.
		series("iterator_age_seconds", shardLabel): func(v float64) bool { return v >= 0 && v < 120 },
	}
	check(t, m, want)
	for k := range m {
		if strings.HasPrefix(k, "dynamodb_source_events_failed_total") || strings.HasPrefix(k, "dynamodb_source_aws_errors_total") {
			t.Errorf("%s = %v after a run without failures", k, m[k])
		}
	}
	// The Go and process collectors are there too.
	if m["process_resident_memory_bytes"] <= 0 || m["go_goroutines"] <= 0 {
		t.Errorf("process_resident_memory_bytes %v, go_goroutines %v: want both", m["process_resident_memory_bytes"], m["go_goroutines"])
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != http.StatusOK || body != "ok\n" {
			t.Errorf("GET %s = %d %q, want 200 ok", path, code, body)
		}
	}

	// One event refused for good (400), one that fails once (503) and is
	// retried. Ordered per item, so each gets its own item.
	var failed atomic.Bool
	sink.SetBehavior(func(_ int64, e *cloudevents.Event) cesink.Response {
		switch e.Subject() {
		case "pk=refused,sk=0":
			return cesink.Response{Status: http.StatusBadRequest}
		case "pk=retried,sk=0":
			if failed.CompareAndSwap(false, true) {
				return cesink.Response{Status: http.StatusServiceUnavailable}
			}
		}
		return cesink.Response{}
	})
	put(ctx, t, c, "metrics", "refused", 1)
	put(ctx, t, c, "metrics", "retried", 1)
	if !sink.WaitDistinct(n+1, 60*time.Second) {
		t.Fatalf("the retried event was not delivered (%d distinct events)", sink.Distinct())
	}
	// The counter and the histogram of one delivery are two updates: a
	// scrape between them sees the one and not yet the other.
	m = waitMetrics(t, base, func(m metricSet) bool {
		return m[series("events_dropped_total", `reason="rejected"`)] == 1 && m[series("checkpoint_lag_records", shardLabel)] == 0 &&
			m[series("delivery_duration_seconds_count", "")] == n+1
	})
	check(t, m, map[string]func(float64) bool{
		series("events_delivered_total", ""):                eq(n + 1),
		series("records_read_total", ""):                    eq(n + 2),
		series("events_dropped_total", `reason="rejected"`): eq(1),
		series("events_failed_total", `reason="400"`):       eq(1),
		series("events_failed_total", `reason="503"`):       eq(1),
		series("events_retried_total", ""):                  eq(1),
		series("delivery_duration_seconds_count", ""):       eq(n + 1),
		series("checkpoint_lag_records", shardLabel):        eq(0),
	})

	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// metricSet is a scrape: series as printed → value.
type metricSet = promtext.Series

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func ge(want float64) func(float64) bool { return func(v float64) bool { return v >= want } }

func check(t *testing.T, m metricSet, want map[string]func(float64) bool) {
	t.Helper()
	for name, ok := range want {
		v, present := m[name]
		if !present {
			t.Errorf("%s is missing from /metrics", name)
			continue
		}
		if !ok(v) {
			t.Errorf("%s = %v", name, v)
		}
	}
}

// waitMetrics scrapes until ready holds or 10 s pass, and returns the last
// scrape.
func waitMetrics(t *testing.T, base string, ready func(metricSet) bool) metricSet {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, base)
		if ready(m) || time.Now().After(deadline) {
			return m
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrape reads /metrics into series (name with labels as printed) → value.
func scrape(t *testing.T, base string) metricSet {
	t.Helper()
	m, err := promtext.Scrape(context.Background(), http.DefaultClient, base+"/metrics")
	if err != nil {
		t.Fatalf("scraping: %v", err)
	}
	return m
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// onlyShard returns the id of the stream's one shard.
func onlyShard(ctx context.Context, t *testing.T, db *ddblocal.Server, streamARN string) string {
	t.Helper()
	out, err := db.Streams().DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.StreamDescription.Shards) != 1 {
		t.Fatalf("the stream has %d shards, want 1", len(out.StreamDescription.Shards))
	}
	return *out.StreamDescription.Shards[0].ShardId
}
