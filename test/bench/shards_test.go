package bench

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/promtext"
)

// Issue 14: the cost of many shards in one process, on the scripted
// DynamoDB Streams server (DynamoDB Local has one shard per stream).

var (
	shardsIdleWindow = flag.Duration("bench.shardsIdle", 10*time.Second,
		"how long the idle source of 1, 100 and 1,000 shards is watched")
	shardsProfile = flag.Bool("bench.shardsProfile", false,
		"save a CPU and a heap profile of the 1,000 idle shards in -bench.profile's folder")
	shardsWrites = flag.Int("bench.shardsWrites", 100,
		"after the idle window, how many records are written, 10 a second, each to a shard not written before, to time their delivery")
)

// shardCounts are the rows: how each cost grows with the shards.
var shardCounts = []int{1, 100, 1000}

// scriptedTable starts a scripted server holding one stream of n open
// shards and returns it with the table's ARN.
func scriptedTable(b *testing.B, n int) (*fakestreams.Server, *fakestreams.Stream, []*fakestreams.Shard, string) {
	srv := fakestreams.New(b, fakestreams.Options{AccessKeyID: benchAccessKey, NoLog: true})
	st := srv.AddStream(fakestreams.StreamSpec{Table: "shards", ViewType: types.StreamViewTypeNewAndOldImages})
	shards := st.AddShards(n)
	arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/shards", fakestreams.DefaultRegion, fakestreams.DefaultAccount)
	return srv, st, shards, arn
}

// BenchmarkShardsIdle watches a source of 1, 100 and 1,000 open idle
// shards: CPU, memory and polls per shard per second.
func BenchmarkShardsIdle(b *testing.B) {
	for _, n := range shardCounts {
		b.Run(fmt.Sprintf("shards=%d", n), func(b *testing.B) {
			for b.Loop() {
				benchShardsIdle(b, n)
			}
		})
	}
}

func benchShardsIdle(b *testing.B, n int) {
	srv, _, shards, arn := scriptedTable(b, n)
	sink := startSink(b)
	sink.trackArrivals()
	extra := []string{}
	profiling := *shardsProfile && n == shardCounts[len(shardCounts)-1] && *profileDir != ""
	if profiling {
		extra = append(extra, "--pprof")
	}
	p := startSourceAt(b, srv.URL, arn, sink.URL, extra...)
	rss := p.sampleRSS()
	p.waitReady(60 * time.Second)
	deadline := time.Now().Add(2 * time.Minute)
	for len(srv.ShardCalls(fakestreams.OpGetRecords)) < n {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d shards polled", len(srv.ShardCalls(fakestreams.OpGetRecords)), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Past start-up, and past the ramp of the long-idle pause (two
	// seconds at the idle interval, then about three growing to 900 ms,
	// internal/stream/idle.go): the window sees idle shards as they stay.
	time.Sleep(6 * time.Second)

	polls := func() int {
		t := 0
		for _, c := range srv.ShardCalls(fakestreams.OpGetRecords) {
			t += c
		}
		return t
	}
	var prof []byte
	p0, cpu0, t0 := polls(), p.cpu(), time.Now()
	if profiling {
		prof = p.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(shardsIdleWindow.Seconds())), *shardsIdleWindow+30*time.Second)
	} else {
		time.Sleep(*shardsIdleWindow)
	}
	p1, cpu1, t1 := polls(), p.cpu(), time.Now()
	mem, _ := p.Memory()
	if m := p.scrape(); m != nil {
		b.Logf("%d idle shards: heap in use %.1f MiB, stacks %.1f MiB, %.0f goroutines, %.0f collections so far",
			n, mib(int64(m["go_memstats_heap_inuse_bytes"])), mib(int64(m["go_memstats_stack_inuse_bytes"])),
			m["go_goroutines"], m["go_gc_duration_seconds_count"])
	}
	if profiling {
		save(b, "cpu-idle-1000-shards.pprof", prof)
		save(b, "heap-idle-1000-shards.pprof", p.fetch("/debug/pprof/heap", 30*time.Second))
	}
	lat := rareWriteLatency(b, shards, sink)
	p.stop()
	rss.stop()
	window := t1.Sub(t0)
	r := shardsIdleResult{shards: n, window: window,
		cpuPct:      100 * float64(cpu1-cpu0) / float64(window),
		pollsPerSec: float64(p1-p0) / window.Seconds() / float64(n),
		rss:         mem.RSS, hwm: rss.hwm, writes: len(lat)}
	if len(lat) > 0 {
		r.p50, r.p99, r.max = quantile(lat, .50), quantile(lat, .99), lat[len(lat)-1]
	}
	b.Logf("%d idle shards over %s: CPU %.1f %% of a core, %.2f polls/s per shard, RSS %.1f MiB (peak %.1f); "+
		"%d rare writes: latency p50 %s p99 %s max %s",
		n, window.Round(time.Second), r.cpuPct, r.pollsPerSec, mib(r.rss), mib(r.hwm), r.writes, r.p50, r.p99, r.max)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.cpuPct, "cpu-%")
	b.ReportMetric(r.pollsPerSec, "polls/s/shard")
	b.ReportMetric(mib(r.rss), "rss-MiB")
	b.ReportMetric(ms(r.p99), "p99-ms")
	results.addShardsIdle(r)
}

// rareWriteLatency writes -bench.shardsWrites records, 10 a second, each
// to a shard not written before (round the shards again when there are
// fewer), so that each lands on a shard that has been idle since the start,
// and returns, sorted, the time from each write to its arrival at the sink.
func rareWriteLatency(b *testing.B, shards []*fakestreams.Shard, sink *sink) []time.Duration {
	n := *shardsWrites
	if n <= 0 {
		return nil
	}
	order := rand.New(rand.NewPCG(uint64(len(shards)), 14)).Perm(len(shards))
	written := make(map[string]time.Time, n)
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / 10)))
		pk := fmt.Sprintf("rare-%d", i)
		shards[order[i%len(order)]].Append(fakestreams.Put(pk))
		written["pk="+pk] = time.Now()
	}
	return sink.latencies(b, written)
}

// BenchmarkShardsDrain drains 50,000 small records spread over 1, 100 and
// 1,000 shards (over 100 also without the byte bound, in effect), then 400
// KB items over 100 shards (against the byte bound, default and a quarter
// of it).
func BenchmarkShardsDrain(b *testing.B) {
	for _, n := range shardCounts {
		b.Run(fmt.Sprintf("shards=%d", n), func(b *testing.B) {
			for b.Loop() {
				benchShardsDrain(b, shardsDrain{shards: n, perShard: 50_000 / n, item: 0})
			}
		})
		if n == 100 {
			// The same backlog without the byte bound, in effect: what
			// the bound costs in drain rate.
			b.Run(fmt.Sprintf("shards=%d/bound=%s", n, unbounded), func(b *testing.B) {
				for b.Loop() {
					benchShardsDrain(b, shardsDrain{shards: n, perShard: 50_000 / n, item: 0, bound: unbounded})
				}
			})
		}
	}
	for _, bound := range []string{"", "32Mi"} {
		b.Run("items=400KB/bound="+bound, func(b *testing.B) {
			for b.Loop() {
				benchShardsDrain(b, shardsDrain{shards: 100, perShard: 10, item: fakestreams.MaxItemSize, bound: bound})
			}
		})
	}
}

// unbounded is a byte bound larger than any backlog of the benchmark.
const unbounded = "64Gi"

type shardsDrain struct {
	shards, perShard, item int
	bound                  string // polling.maxBytesInFlight; "" the default
}

func benchShardsDrain(b *testing.B, d shardsDrain) {
	srv, _, shards, arn := scriptedTable(b, d.shards)
	for i, sh := range shards {
		recs := make([]fakestreams.Record, d.perShard)
		for j := range recs {
			recs[j] = fakestreams.PutSized(fmt.Sprintf("s%d-%d", i, j), max(d.item, 500))
		}
		sh.Append(recs...)
	}
	total := d.shards * d.perShard
	sink := startSink(b)
	reached := sink.expect(int64(total), true)
	args := []string{"--startingPosition", "TRIM_HORIZON"}
	if d.bound != "" {
		args = append(args, "--polling.maxBytesInFlight", d.bound)
	}
	profiling := *shardsProfile && *profileDir != "" && d.shards == 100 && d.item == 0 && d.bound == ""
	if profiling {
		args = append(args, "--pprof")
	}
	p := startSourceAt(b, srv.URL, arn, sink.URL, args...)
	rss := p.sampleRSS()
	peaks := p.sampleRuntime()
	if profiling {
		// Halfway through the drain, about.
		time.Sleep(1500 * time.Millisecond)
		save(b, "heap-drain-100-shards.pprof", p.fetch("/debug/pprof/heap", 30*time.Second))
	}
	select {
	case <-reached:
	case <-p.Done():
		b.Fatalf("dynamodb-source exited after %d of %d events", sink.events.Load(), total)
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d events after 5m", sink.events.Load(), total)
	}
	elapsed, cpu := sink.reachedAt().Sub(p.Started), p.cpu()
	time.Sleep(300 * time.Millisecond)
	p.stop()
	rss.stop()
	if dups := sink.duplicates(); dups != 0 {
		b.Fatalf("the sink received %d duplicate events", dups)
	}
	r := shardsDrainResult{shardsDrain: d, elapsed: elapsed, cpu: cpu, hwm: rss.hwm, anon: rss.anon}
	rt := peaks.stop()
	b.Logf("%d shards × %d records of %d B (bound %q): %s, %.0f ev/s, CPU %s, peak RSS %.1f MiB (anon %.1f); "+
		"highest seen: heap in use %.1f MiB, stacks %.1f MiB, %.0f goroutines",
		d.shards, d.perShard, max(d.item, 500), d.bound, elapsed.Round(time.Millisecond), r.rate(), cpu, mib(r.hwm), mib(r.anon),
		mib(int64(rt.heap)), mib(int64(rt.stacks)), rt.goroutines)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.rate(), "ev/s")
	b.ReportMetric(mib(r.hwm), "rss-MiB")
	results.addShardsDrain(r)
}

type shardsIdleResult struct {
	shards      int
	window      time.Duration
	cpuPct      float64
	pollsPerSec float64
	rss, hwm    int64

	writes        int // rare writes timed after the idle window
	p50, p99, max time.Duration
}

type shardsDrainResult struct {
	shardsDrain
	elapsed, cpu time.Duration
	hwm, anon    int64
}

func (r shardsDrainResult) rate() float64 { return float64(r.shards*r.perShard) / r.elapsed.Seconds() }

func save(b *testing.B, name string, data []byte) {
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(*profileDir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("profile: %s", path)
}

// runtimePeaks are the highest of the Go runtime's gauges that /metrics
// showed while sampled.
type runtimePeaks struct{ heap, stacks, goroutines float64 }

// sampleRuntime scrapes /metrics every 100 ms until stop, keeping the
// highest heap in use, stack memory and goroutine count: where the memory
// of a drain goes.
func (s *source) sampleRuntime() *runtimeSampler {
	r := &runtimeSampler{}
	r.sampler = s.sampleEvery(100*time.Millisecond, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m, err := promtext.Scrape(ctx, http.DefaultClient, s.metrics+"/metrics")
		cancel()
		if err != nil {
			return
		}
		r.peaks.heap = max(r.peaks.heap, m["go_memstats_heap_inuse_bytes"])
		r.peaks.stacks = max(r.peaks.stacks, m["go_memstats_stack_inuse_bytes"])
		r.peaks.goroutines = max(r.peaks.goroutines, m["go_goroutines"])
	})
	return r
}

type runtimeSampler struct {
	*sampler
	peaks runtimePeaks
}

func (r *runtimeSampler) stop() runtimePeaks {
	r.sampler.stop()
	return r.peaks
}
