package bench

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Targets of issue 5.
const (
	targetDefaultRatio = 0.50 // drain, default settings, of the read ceiling
	targetBatchRatio   = 0.80 // drain, batched mode, of the read ceiling
	targetCPUPer1k     = 60.0 // ms of CPU per 1,000 events
	targetRSSMiB       = 40.0
	targetRSSGrowth    = 1.20 // peak RSS of the largest backlog over the smallest's
	targetP50          = 150 * time.Millisecond
	targetP99          = 400 * time.Millisecond
	targetIdlePerSec   = 4.0 // GetRecords per second per shard
)

// results gathers what the benchmarks measured, for the table printed at
// the end whatever order they ran in.
var results = &report{drains: map[int]*drainResult{}}

type report struct {
	mu      sync.Mutex
	machine machine
	drains  map[int]*drainResult
	latency *latencyResult
	idle    *idleResult
	snap    *snapshotResult

	shardsIdle  []shardsIdleResult
	shardsDrain []shardsDrainResult
}

func (r *report) addShardsIdle(s shardsIdleResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shardsIdle = append(r.shardsIdle, s)
}

func (r *report) addShardsDrain(s shardsDrainResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shardsDrain = append(r.shardsDrain, s)
}

func (r *report) addDrain(d *drainResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drains[d.records] = d
}

func (r *report) setLatency(l *latencyResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latency = l
}

func (r *report) setSnapshot(s *snapshotResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snap = s
}

func (r *report) setIdle(i *idleResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idle = i
}

type machine struct {
	cpus     int
	model    string
	memory   string
	kernel   string
	goVer    string
	loadAvg  string
	started  time.Time
	gomaxRun int
}

func describeMachine() machine {
	m := machine{cpus: runtime.NumCPU(), goVer: runtime.Version(), started: time.Now(), gomaxRun: runtime.GOMAXPROCS(0)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				m.memory = fmt.Sprintf("%.1f GiB", kib/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	m.loadAvg = loadAvg()
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// markdown renders the results: the machine, one table per benchmark, and
// the targets with whether each is met.
func (r *report) markdown() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	if len(r.drains) == 0 && r.latency == nil && r.idle == nil {
		return ""
	}
	r.machineLine(&b)

	sizes := make([]int, 0, len(r.drains))
	for n := range r.drains {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	if len(sizes) > 0 {
		b.WriteString("### Backlog drain from TRIM_HORIZON\n\n")
		b.WriteString("| Backlog | Load time (BatchWriteItem) | Shards | Mode | Read ceiling | Drain time (start-up) | Events/s | Of ceiling | CPU per 1,000 events | Peak RSS | of which anon / file | HTTP requests | Load average |\n")
		b.WriteString("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, n := range sizes {
			d := r.drains[n]
			for i, run := range []struct {
				name string
				s    runStats
			}{{"default", d.def}, {"batched", d.batch}} {
				head := fmt.Sprintf("| %s | %s (%s items/s) | %d ", thousands(n),
					d.load.Round(100*time.Millisecond), thousands(int(float64(n)/d.load.Seconds())), d.shards)
				if i > 0 {
					head = "| | | "
				}
				b.WriteString(head)
				fmt.Fprintf(&b, "| %s | %s rec/s (%s, %s) | %s (%s) | %s | %.0f %% | %.1f ms | %.1f MiB | %.1f / %.1f MiB | %s | %s |\n", run.name,
					thousands(int(run.s.ceiling)), thousands(int(d.ceiling[i])), thousands(int(d.ceiling[i+1])),
					run.s.elapsed.Round(time.Millisecond), run.s.startup.Round(time.Millisecond), thousands(int(run.s.rate())), run.s.ofCeiling(),
					run.s.cpuPer1k(), run.s.rssMiB(), mib(run.s.peakAnon), mib(run.s.peakFile), thousands(int(run.s.requests)),
					run.s.loadAvg)
			}
		}
		b.WriteString("\nRead ceiling: a plain aws-sdk-go-v2 GetRecords loop over the same stream, no conversion or delivery, " +
			"read before, between and after the two drains; each drain is compared with the higher of the two reads next to it (both shown). " +
			"Drain time runs from starting the process to the last event's arrival at the sink, start-up (to /readyz: AWS configuration, " +
			"ListStreams) included and shown in brackets; CPU is the process's user+system " +
			"time by then (/proc/<pid>/stat), start-up included; peak RSS is the process's own high-water mark over its whole life " +
			"(VmHWM in /proc/<pid>/status, read every 20 ms until it exits; not ru_maxrss, which on Linux also takes in the resident set " +
			"of the process that started it, this benchmark's, at the moment of exec); anon / file are " +
			"the highest RssAnon (heap, stacks) and RssFile (the binary's own pages, mapped from the page cache) read at the same times. " +
			"Batched mode: `" + strings.Join(batchFlags, " ") + "`.\n\n")
	}
	if l := r.latency; l != nil {
		b.WriteString("### End-to-end latency (PutItem return → arrival at the sink)\n\n")
		b.WriteString("| Writes | Rate | p50 | p90 | p99 | max | min |\n|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %s | %.1f/s | %s | %s | %s | %s | %.1f ms |\n\n", thousands(l.writes), l.rate,
			fmtMS(l.p50), fmtMS(l.p90), fmtMS(l.p99), fmtMS(l.max), ms(l.min))
		b.WriteString("Latency is measured in the benchmark's process: from PutItem's return to the moment the sink has read " +
			"the request's headers, one item per write, default settings (`polling.idleInterval` 250ms). A negative minimum " +
			"means the event arrived before PutItem's answer did.\n\n")
	}
	if i := r.idle; i != nil {
		b.WriteString("### Idle cost (no writes)\n\n")
		b.WriteString("| Window | Shards | GetRecords/min | DescribeStream/min | GetShardIterator/min | ListStreams/min | CPU/min |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %d ms |\n\n", i.window.Round(time.Second), i.shards,
			i.getRecords, i.describeStream, i.getShardIterator, i.listStreams, i.cpuPerMinute.Milliseconds())
	}

	if s := r.snap; s != nil {
		b.WriteString("### Initial snapshot (snapshot.mode initial)\n\n")
		b.WriteString("| Items | Segments | Bare parallel Scan (before, after) | Snapshot time (start-up) | Items/s | Of bare Scan | CPU per 1,000 items | Peak RSS | Load average |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %s | %d | %s items/s (%s, %s) | %s (%s) | %s | %.0f %% | %.1f ms | %.1f MiB | %s |\n\n",
			thousands(s.items), snapshotSegments, thousands(int(s.ceiling)), thousands(int(s.scan[0])), thousands(int(s.scan[1])),
			s.run.elapsed.Round(time.Millisecond), s.run.startup.Round(time.Millisecond), thousands(int(s.rate())), 100*s.ratio(),
			s.run.cpuPer1k(), s.run.rssMiB(), s.run.loadAvg)
		b.WriteString("Bare parallel Scan: aws-sdk-go-v2 Scan calls (ConsistentRead, 1,000-item pages, the same segments), nothing done with the items. " +
			"Snapshot time: from /readyz to the last event's arrival at a sink that acknowledges at once, default delivery settings; it includes the wait for the stream " +
			"to be followed and the gate's hold of each page (1 s past its watermark).\n\n")
	}
	writeTargets(&b, r.targets())
	return b.String()
}

func (r *report) machineLine(b *strings.Builder) {
	m := r.machine
	fmt.Fprintf(b, "Run on %s: %d CPUs (%s), %s RAM, Linux %s, %s. Load average (1, 5, 15 min) %s at the start, %s at the end.\n\n",
		m.started.UTC().Format("2006-01-02 15:04 MST"), m.cpus, m.model, m.memory, m.kernel, m.goVer, m.loadAvg, loadAvg())
}

func writeTargets(b *strings.Builder, targets [][3]string) {
	b.WriteString("### Targets\n\n| Target | Measured | Met |\n|---|---|---|\n")
	for _, t := range targets {
		fmt.Fprintf(b, "| %s | %s | %s |\n", t[0], t[1], t[2])
	}
}

// targets evaluates the targets on the 50,000-record drain (or
// the largest one run), the latency run and the idle run.
func (r *report) targets() [][3]string {
	var out [][3]string
	add := func(name, measured string, ok bool) { out = append(out, targetRow(name, measured, ok)) }
	if d := r.drains[50_000]; d != nil {
		add("drain ≥ 50 % of the read ceiling, default settings (50,000 records)",
			fmt.Sprintf("%.0f %% (%s of %s)", d.def.ofCeiling(), thousands(int(d.def.rate())), thousands(int(d.def.ceiling))),
			d.def.rate() >= targetDefaultRatio*d.def.ceiling)
		add("drain ≥ 80 % of the read ceiling, batched mode (50,000 records)",
			fmt.Sprintf("%.0f %% (%s of %s)", d.batch.ofCeiling(), thousands(int(d.batch.rate())), thousands(int(d.batch.ceiling))),
			d.batch.rate() >= targetBatchRatio*d.batch.ceiling)
		add("CPU ≤ 60 ms per 1,000 events, default settings", fmt.Sprintf("%.1f ms", d.def.cpuPer1k()), d.def.cpuPer1k() <= targetCPUPer1k)
		add("CPU ≤ 60 ms per 1,000 events, batched mode", fmt.Sprintf("%.1f ms", d.batch.cpuPer1k()), d.batch.cpuPer1k() <= targetCPUPer1k)
	}
	if len(r.drains) > 0 {
		var peak, lo, hi float64
		var loN, hiN int
		for n, d := range r.drains {
			rss := max(d.def.rssMiB(), d.batch.rssMiB())
			peak = max(peak, rss)
			if loN == 0 || n < loN {
				loN, lo = n, rss
			}
			if n > hiN {
				hiN, hi = n, rss
			}
		}
		add("peak RSS ≤ 40 MiB (every backlog, both modes)", fmt.Sprintf("%.1f MiB", peak), peak <= targetRSSMiB)
		if hiN != loN {
			add(fmt.Sprintf("peak RSS flat: %s-record backlog within %.0f %% of %s-record", thousands(hiN), 100*(targetRSSGrowth-1), thousands(loN)),
				fmt.Sprintf("%.1f → %.1f MiB (%+.0f %%)", lo, hi, 100*(hi/lo-1)), hi <= targetRSSGrowth*lo)
		}
	}
	if l := r.latency; l != nil {
		add("latency p50 ≤ 150 ms at 50 writes/s", fmtMS(l.p50), l.p50 <= targetP50)
		add("latency p99 ≤ 400 ms at 50 writes/s", fmtMS(l.p99), l.p99 <= targetP99)
	}
	if i := r.idle; i != nil {
		perSec := i.getRecords / 60 / float64(max(i.shards, 1))
		add("idle polling ≤ 4 GetRecords/s per shard", fmt.Sprintf("%.2f/s per shard", perSec), perSec <= targetIdlePerSec)
	}
	if s := r.snap; s != nil {
		add(fmt.Sprintf("snapshot ≥ %.1f× a bare parallel Scan (%s items)", targetSnapshotRatio, thousands(s.items)),
			fmt.Sprintf("%.2f× (%s of %s items/s)", s.ratio(), thousands(int(s.rate())), thousands(int(s.ceiling))), s.ratio() >= targetSnapshotRatio)
	}
	return out
}

// targetRow is a row of the targets table: what, how much, whether met.
func targetRow(name, measured string, ok bool) [3]string {
	verdict := "yes"
	if !ok {
		verdict = "**no**"
	}
	return [3]string{name, measured, verdict}
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.0f ms", ms(d)) }

// thousands writes n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The blocks of docs/benchmarks.md that make bench writes: the
// DynamoDB Local benchmarks', and the scripted server's (many shards), each
// rewritten only by a run that measured it (BENCH_RUN=Shards runs only the
// second).
const (
	beginMarker       = "<!-- bench:begin (written by make bench; edit outside the markers) -->"
	endMarker         = "<!-- bench:end -->"
	shardsBeginMarker = "<!-- bench:shards:begin (written by make bench; edit outside the markers) -->"
	shardsEndMarker   = "<!-- bench:shards:end -->"
)

// writeDoc puts md between the markers begin and end of the file at path,
// keeping the hand-written text around them (the profile findings); a file
// without the markers gets them appended.
func writeDoc(path, begin, end, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	cmd := "Command: `make bench` (`hack/bench.sh`)"
	if *large {
		cmd = "Command: `BENCH_LARGE=1 make bench` (`hack/bench.sh`)"
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "." {
		cmd = "Command: `BENCH_RUN='" + f.Value.String() + "' make bench` (`hack/bench.sh`)"
	}
	block := begin + "\n" + cmd + "\n\n" + md + end
	var out []byte
	i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end))
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), block...), old[j+len(end):]...)
	} else {
		out = append(append(old, '\n'), block+"\n"...)
	}
	return os.WriteFile(path, out, 0o644)
}
