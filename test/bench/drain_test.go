package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// batchFlags turn on CloudEvents batched mode for the batched drain.
var batchFlags = []string{"--delivery.batch.size", "100", "--delivery.batch.linger", "5ms"}

// BenchmarkDrain loads a backlog into a fresh table, then, in this order,
// reads it with a plain GetRecords loop (the ceiling), drains it with the
// binary in its default mode (one event per request), reads the ceiling
// again, drains it in batched mode, and reads the ceiling a third time. Each
// drain is compared with the higher of the two ceilings read next to it, so
// neither a JVM still warming up nor a machine whose load changes during the
// run flatters a ratio.
func BenchmarkDrain(b *testing.B) {
	sizes := []int{10_000, 50_000}
	if *large {
		sizes = append(sizes, 200_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			for b.Loop() {
				benchDrain(b, n)
			}
		})
	}
}

func benchDrain(b *testing.B, n int) {
	ctx := context.Background()
	db := ddblocal.Start(b)
	const table = "bench"
	tableARN, streamARN := db.CreateTable(ctx, b, table, types.StreamViewTypeNewAndOldImages)

	r := &drainResult{records: n}
	r.load = load(ctx, b, db, table, n)
	r.shards = shardCount(ctx, b, db, streamARN)
	b.Logf("loaded %d items in %s (%d shard(s))", n, r.load.Round(time.Millisecond), r.shards)

	read := func() float64 {
		got, d := readCeiling(ctx, b, db, streamARN)
		if got != n {
			b.Fatalf("the stream holds %d records, want %d", got, n)
		}
		b.Logf("read ceiling: %d records in %s", n, d.Round(time.Millisecond))
		return float64(n) / d.Seconds()
	}
	sink := startSink(b)
	r.ceiling[0] = read()
	r.def = drain(b, db, tableARN, sink, n)
	r.ceiling[1] = read()
	r.batch = drain(b, db, tableARN, sink, n, batchFlags...)
	r.ceiling[2] = read()
	r.def.ceiling = max(r.ceiling[0], r.ceiling[1])
	r.batch.ceiling = max(r.ceiling[1], r.ceiling[2])
	if *profileDir != "" && n == 50_000 {
		profile(b, db, tableARN, sink, n, r.def.elapsed, "cpu-default.pprof")
		profile(b, db, tableARN, sink, n, r.batch.elapsed, "cpu-batched.pprof", batchFlags...)
	}

	b.Logf("default %.0f ev/s (%.0f%% of %.0f rec/s); batched %.0f ev/s (%.0f%% of %.0f rec/s)",
		r.def.rate(), r.def.ofCeiling(), r.def.ceiling, r.batch.rate(), r.batch.ofCeiling(), r.batch.ceiling)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.load.Seconds(), "load-s")
	b.ReportMetric(max(r.ceiling[0], r.ceiling[1], r.ceiling[2]), "ceiling-rec/s")
	b.ReportMetric(r.def.rate(), "default-ev/s")
	b.ReportMetric(r.def.ofCeiling(), "default-%ceiling")
	b.ReportMetric(r.def.cpuPer1k(), "default-cpu-ms/1k")
	b.ReportMetric(r.def.rssMiB(), "default-rss-MiB")
	b.ReportMetric(r.batch.rate(), "batched-ev/s")
	b.ReportMetric(r.batch.ofCeiling(), "batched-%ceiling")
	b.ReportMetric(r.batch.cpuPer1k(), "batched-cpu-ms/1k")
	b.ReportMetric(r.batch.rssMiB(), "batched-rss-MiB")
	results.addDrain(r)
}

// drain runs the binary from TRIM_HORIZON until the sink has acknowledged
// all n records, and measures it.
func drain(b *testing.B, db *ddblocal.Server, tableARN string, sink *sink, n int, extra ...string) runStats {
	b.Helper()
	binaryMode := !slices.Contains(extra, "--delivery.batch.size")
	load := loadAvg()
	reached := sink.expect(int64(n), binaryMode)
	args := append([]string{"--startingPosition", "TRIM_HORIZON"}, extra...)
	p := startSource(b, db, tableARN, sink.URL, args...)
	rss := p.sampleRSS()
	startup := p.waitReadyz(30 * time.Second)

	select {
	case <-reached:
	case <-p.Done():
		b.Fatalf("dynamodb-source exited after %d of %d events", sink.events.Load(), n)
	case <-time.After(time.Duration(n)*time.Millisecond + time.Minute):
		b.Fatalf("only %d of %d events after %s", sink.events.Load(), n, time.Since(p.Started).Round(time.Second))
	}
	cpu := p.cpu()
	s := runStats{events: n, elapsed: sink.reachedAt().Sub(p.Started), cpu: cpu, loadAvg: load, startup: startup}

	// Give anything sent twice time to show, then check the sink saw each
	// record exactly once and the binary counted them all.
	time.Sleep(300 * time.Millisecond)
	m := p.scrape()
	s.totalCPU = p.stop()
	rss.stop()
	s.peakRSS, s.peakAnon, s.peakFile = rss.hwm, rss.anon, rss.file
	s.requests = sink.requests.Load()
	if got := sink.events.Load(); got != int64(n) {
		b.Fatalf("the sink acknowledged %d events, want %d", got, n)
	}
	if d := sink.duplicates(); d != 0 {
		b.Fatalf("the sink received %d duplicate events", d)
	}
	if r := sink.refused.Load(); r != 0 {
		b.Fatalf("the sink refused %d requests", r)
	}
	if got := m["dynamodb_source_events_delivered_total"]; got != float64(n) {
		b.Fatalf("dynamodb_source_events_delivered_total = %v, want %d", got, n)
	}
	if !binaryMode && sink.batches.Load() == 0 {
		b.Fatalf("batched mode sent no batch")
	}
	b.Logf("%s: %d events in %s, %d requests, CPU %s, peak RSS %.1f MiB (anon %.1f, file %.1f)",
		modeName(extra), n, s.elapsed.Round(time.Millisecond), s.requests, s.cpu, s.rssMiB(),
		mib(s.peakAnon), mib(s.peakFile))
	return s
}

// profile drains once more with /debug/pprof on and saves a CPU profile of
// the first whole seconds of the drain, all of which are busy.
func profile(b *testing.B, db *ddblocal.Server, tableARN string, sink *sink, n int, busy time.Duration, name string, extra ...string) {
	b.Helper()
	secs := max(int(busy/time.Second), 1)
	reached := sink.expect(int64(n), false)
	p := startSource(b, db, tableARN, sink.URL, append([]string{"--startingPosition", "TRIM_HORIZON", "--pprof"}, extra...)...)
	p.waitHealthy(10 * time.Second)
	// A heap profile halfway through, beside the CPU profile of the whole.
	heap := make(chan []byte, 1)
	go func() {
		time.Sleep(busy / 2)
		heap <- p.fetch("/debug/pprof/heap", 30*time.Second)
	}()
	prof := p.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), time.Duration(secs)*time.Second+30*time.Second)
	<-reached
	heapProf := <-heap
	p.stop()
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		b.Fatal(err)
	}
	for file, data := range map[string][]byte{name: prof, strings.Replace(name, "cpu-", "heap-", 1): heapProf} {
		path := filepath.Join(*profileDir, file)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("profile of a %s drain: %s", modeName(extra), path)
	}
}

func modeName(flags []string) string {
	if len(flags) == 0 {
		return "default"
	}
	if !slices.Contains(flags, "--delivery.batch.size") {
		return "default (" + strings.Join(flags, " ") + ")"
	}
	return "batched (" + strings.Join(flags, " ") + ")"
}

type runStats struct {
	events   int
	elapsed  time.Duration // process start to the last event's arrival
	cpu      time.Duration // CPU used by then
	totalCPU time.Duration // CPU of the whole process life
	peakRSS  int64         // VmHWM, whole process life
	peakAnon int64         // sampled
	peakFile int64         // sampled
	requests int64
	startup  time.Duration // process start to /readyz: the stream found
	ceiling  float64       // records/s of the read ceiling it is compared with
	loadAvg  string        // the machine's load average when it started
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func (s runStats) rate() float64      { return float64(s.events) / s.elapsed.Seconds() }
func (s runStats) cpuPer1k() float64  { return float64(s.cpu.Milliseconds()) * 1000 / float64(s.events) }
func (s runStats) rssMiB() float64    { return float64(s.peakRSS) / (1 << 20) }
func (s runStats) ofCeiling() float64 { return 100 * s.rate() / s.ceiling }

type drainResult struct {
	records    int
	shards     int
	load       time.Duration
	ceiling    [3]float64 // records/s: before, between and after the drains
	def, batch runStats
}
