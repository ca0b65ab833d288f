package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// targetSnapshotRatio is issue 12's: the snapshot's items/s against a bare
// parallel Scan of the same table in the same run.
const targetSnapshotRatio = 0.70

// snapshotSegments is the segments of both the snapshot and the bare Scan.
const snapshotSegments = 4

type snapshotResult struct {
	items   int
	scan    [2]float64 // bare parallel Scan, items/s, before and after
	run     runStats   // elapsed: from /readyz to the last event
	ceiling float64
}

func (s snapshotResult) rate() float64  { return float64(s.items) / s.run.elapsed.Seconds() }
func (s snapshotResult) ratio() float64 { return s.rate() / s.ceiling }

// BenchmarkSnapshot loads a table, scans it with a bare parallel Scan (4
// segments, ConsistentRead, 1,000-item pages, nothing done with the items),
// takes the binary's initial snapshot of it (snapshot.mode initial, the
// same segments), and scans it bare again; the snapshot is compared with
// the faster bare Scan.
func BenchmarkSnapshot(b *testing.B) {
	for b.Loop() {
		benchSnapshot(b, 20_000)
	}
}

func benchSnapshot(b *testing.B, n int) {
	ctx := context.Background()
	db := ddblocal.Start(b)
	const table = "snapbench"
	tableARN, _ := db.CreateTable(ctx, b, table, types.StreamViewTypeNewAndOldImages)
	load(ctx, b, db, table, n)
	r := &snapshotResult{items: n}
	bare := func() float64 {
		got, d := bareScan(ctx, b, db.DynamoDB(), table)
		if got != n {
			b.Fatalf("the bare Scan read %d items, want %d", got, n)
		}
		b.Logf("bare parallel Scan: %d items in %s", n, d.Round(time.Millisecond))
		return float64(n) / d.Seconds()
	}
	r.scan[0] = bare()

	sink := startSink(b)
	reached := sink.expect(int64(n), true)
	p := startSource(b, db, tableARN, sink.URL, "--snapshot.mode", "initial", "--snapshot.segments", fmt.Sprint(snapshotSegments))
	rss := p.sampleRSS()
	startup := p.waitReadyz(30 * time.Second)
	ready := time.Now()
	select {
	case <-reached:
	case <-p.Done():
		b.Fatalf("dynamodb-source exited after %d of %d events", sink.events.Load(), n)
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d snapshot events", sink.events.Load(), n)
	}
	cpu := p.cpu()
	r.run = runStats{events: n, elapsed: sink.reachedAt().Sub(ready), cpu: cpu, startup: startup, loadAvg: loadAvg()}
	time.Sleep(300 * time.Millisecond)
	m := p.scrape()
	r.run.totalCPU = p.stop()
	rss.stop()
	r.run.peakRSS = rss.hwm
	if d := sink.duplicates(); d != 0 {
		b.Fatalf("the sink received %d duplicate events", d)
	}
	if got := m["dynamodb_source_snapshot_items_total"]; got != float64(n) {
		b.Fatalf("dynamodb_source_snapshot_items_total = %v, want %d", got, n)
	}
	r.scan[1] = bare()
	r.ceiling = max(r.scan[0], r.scan[1])
	b.Logf("snapshot: %d items in %s (%.0f items/s, %.0f %% of %.0f), CPU %s, peak RSS %.1f MiB",
		n, r.run.elapsed.Round(time.Millisecond), r.rate(), 100*r.ratio(), r.ceiling, cpu, r.run.rssMiB())
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.rate(), "snapshot-items/s")
	b.ReportMetric(r.ceiling, "scan-items/s")
	b.ReportMetric(r.run.cpuPer1k(), "cpu-ms/1k")
	b.ReportMetric(r.run.rssMiB(), "rss-MiB")
	results.setSnapshot(r)
}

// bareScan reads every item with a parallel consistent Scan and does
// nothing with them.
func bareScan(ctx context.Context, tb testing.TB, c *dynamodb.Client, table string) (int, time.Duration) {
	start := time.Now()
	var (
		mu    sync.Mutex
		total int
		wg    sync.WaitGroup
		fail  error
	)
	for seg := range snapshotSegments {
		wg.Go(func() {
			in := &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), Limit: aws.Int32(1000),
				Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(snapshotSegments)}
			for {
				out, err := c.Scan(ctx, in)
				if err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
					return
				}
				mu.Lock()
				total += len(out.Items)
				mu.Unlock()
				if len(out.LastEvaluatedKey) == 0 {
					return
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
		})
	}
	wg.Wait()
	if fail != nil {
		tb.Fatalf("bare Scan: %v", fail)
	}
	return total, time.Since(start)
}
