package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// writeRate is the steady write rate of the latency benchmark.
const writeRate = 50

// BenchmarkLatency writes items one at a time at 50 writes/s into a table
// the binary is already reading (default settings, LATEST), and measures
// each change from PutItem's return to its arrival at the sink.
func BenchmarkLatency(b *testing.B) {
	for b.Loop() {
		benchLatency(b)
	}
}

func benchLatency(b *testing.B) {
	ctx := context.Background()
	db := ddblocal.Start(b)
	const table = "latency"
	tableARN, _ := db.CreateTable(ctx, b, table, types.StreamViewTypeNewAndOldImages)
	sink := startSink(b)
	sink.trackArrivals()
	p := startSource(b, db, tableARN, sink.URL)
	p.waitReady(30 * time.Second)

	client := db.DynamoDB()
	n := int(latencyWindow.Seconds() * writeRate)
	written := make(map[string]time.Time, n)
	start := time.Now()
	for i := range n {
		// A fixed schedule, not a ticker: a slow PutItem delays the next
		// write but does not lower the rate.
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / writeRate)))
		it := item(i)
		pk := fmt.Sprintf("order-%08d", i)
		if err := ddblocal.PutItem(ctx, client, table, it); err != nil {
			b.Fatalf("writing item %d: %v", i, err)
		}
		written["pk="+pk+",sk=v0"] = time.Now()
	}
	rate := float64(n) / time.Since(start).Seconds()

	lat := sink.latencies(b, written)
	m := p.scrape()
	p.stop()

	r := &latencyResult{writes: n, rate: rate, p50: quantile(lat, .50), p90: quantile(lat, .90), p99: quantile(lat, .99),
		max: lat[len(lat)-1], min: lat[0], getRecords: m[`dynamodb_source_aws_calls_total{operation="GetRecords"}`]}
	b.Logf("%d writes at %.1f/s: latency p50 %s p90 %s p99 %s max %s", n, rate, r.p50, r.p90, r.p99, r.max)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(r.p50), "p50-ms")
	b.ReportMetric(ms(r.p90), "p90-ms")
	b.ReportMetric(ms(r.p99), "p99-ms")
	b.ReportMetric(ms(r.max), "max-ms")
	results.setLatency(r)
}

// quantile returns the q-quantile of sorted by the nearest-rank method.
// latencies waits up to 30 s for the events of written (subject → when
// it was written) to arrive, and returns, sorted, each one's time from its
// write to its arrival; it fails the benchmark if one never arrives.
func (s *sink) latencies(b *testing.B, written map[string]time.Time) []time.Duration {
	deadline := time.Now().Add(30 * time.Second)
	for s.events.Load() < int64(len(written)) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	arrived := s.arrivalsCopy()
	lat := make([]time.Duration, 0, len(written))
	for subject, at := range written {
		got, ok := arrived[subject]
		if !ok {
			b.Fatalf("the change of %s never arrived (%d of %d arrived)", subject, len(arrived), len(written))
		}
		lat = append(lat, got.Sub(at))
	}
	slices.Sort(lat)
	return lat
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type latencyResult struct {
	writes                  int
	rate                    float64
	p50, p90, p99, max, min time.Duration
	getRecords              float64
}

// BenchmarkIdle watches a source reading a table nobody writes to and
// counts its calls to DynamoDB Streams and its CPU.
func BenchmarkIdle(b *testing.B) {
	for b.Loop() {
		benchIdle(b)
	}
}

func benchIdle(b *testing.B) {
	ctx := context.Background()
	db := ddblocal.Start(b)
	tableARN, streamARN := db.CreateTable(ctx, b, "idle", types.StreamViewTypeNewAndOldImages)
	shards := shardCount(ctx, b, db, streamARN)
	sink := startSink(b)
	p := startSource(b, db, tableARN, sink.URL)
	p.waitReady(30 * time.Second)
	// Past start-up (ListStreams, the first DescribeStream, iterators).
	time.Sleep(2 * time.Second)

	before, cpuBefore, t0 := p.scrape(), p.cpu(), time.Now()
	time.Sleep(*idleWindow)
	after, cpuAfter, t1 := p.scrape(), p.cpu(), time.Now()
	p.stop()
	perMinute := func(op string) float64 {
		k := fmt.Sprintf(`dynamodb_source_aws_calls_total{operation=%q}`, op)
		return (after[k] - before[k]) * float64(time.Minute) / float64(t1.Sub(t0))
	}
	r := &idleResult{window: t1.Sub(t0), shards: shards,
		getRecords: perMinute("GetRecords"), describeStream: perMinute("DescribeStream"),
		getShardIterator: perMinute("GetShardIterator"), listStreams: perMinute("ListStreams"),
		cpuPerMinute: time.Duration(float64(cpuAfter-cpuBefore) * float64(time.Minute) / float64(t1.Sub(t0)))}
	if sink.events.Load() != 0 {
		b.Fatalf("an idle table produced %d events", sink.events.Load())
	}
	b.Logf("idle over %s: GetRecords %.0f/min, DescribeStream %.1f/min, CPU %s/min",
		r.window.Round(time.Second), r.getRecords, r.describeStream, r.cpuPerMinute)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.getRecords, "GetRecords/min")
	b.ReportMetric(r.describeStream, "DescribeStream/min")
	b.ReportMetric(float64(r.cpuPerMinute.Milliseconds()), "cpu-ms/min")
	results.setIdle(r)
}

type idleResult struct {
	window                                                    time.Duration
	shards                                                    int
	getRecords, describeStream, getShardIterator, listStreams float64
	cpuPerMinute                                              time.Duration
}
