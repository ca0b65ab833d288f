package bench

import (
	"fmt"
	"strings"
	"time"
)

// Targets of issue 14 (many shards in one process).
const (
	targetIdle1000CPUPct  = 25.0        // % of one core, 1,000 idle shards
	targetIdle1000RSSMiB  = 128.0       // MiB, 1,000 idle shards
	targetIdlePollsPerSec = 3.5         // GetRecords/s per idle shard, at least
	targetRareP99         = time.Second // or: p99 latency of a write to a long-idle shard, at most
	targetBoundSlackMiB   = 40.0        // peak RSS over the byte bound, at most
	defaultBoundMiB       = 128.0
	targetBoundRateLoss   = 0.10 // drain rate lost to the byte bound, at most
)

// shardsMarkdownBlock renders the many-shards results with their targets,
// or "" when none were measured.
func (r *report) shardsMarkdownBlock() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.shardsIdle) == 0 && len(r.shardsDrain) == 0 {
		return ""
	}
	var b strings.Builder
	r.machineLine(&b)
	r.shardsMarkdown(&b)
	writeTargets(&b, r.shardsTargets())
	return b.String()
}

func (r *report) shardsMarkdown(b *strings.Builder) {
	if len(r.shardsIdle) > 0 {
		b.WriteString("### Many shards, idle (scripted server)\n\n")
		b.WriteString("| Shards | Window | CPU (of one core) | GetRecords/s per shard | RSS | Peak RSS | Rare writes | Latency p50 | p99 | max |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.shardsIdle {
			fmt.Fprintf(b, "| %s | %s | %.1f %% | %.2f | %.1f MiB | %.1f MiB | %d | %s | %s | %s |\n", thousands(s.shards), s.window.Round(time.Second),
				s.cpuPct, s.pollsPerSec, mib(s.rss), mib(s.hwm), s.writes, fmtMS(s.p50), fmtMS(s.p99), fmtMS(s.max))
		}
		b.WriteString("\nOpen shards with no records, default settings (`polling.idleInterval` 250ms), against " +
			"internal/testutil/fakestreams in the benchmark's own process (which shares the machine's CPUs). " +
			"CPU, polls and RSS are read over the window; then records are written 10 a second, each to a shard " +
			"not written before (every shard again when there are fewer shards than writes), and each is timed from " +
			"the write to its arrival at the sink.\n\n")
	}
	if len(r.shardsDrain) > 0 {
		b.WriteString("### Many shards, drain (scripted server)\n\n")
		b.WriteString("| Shards | Records per shard | Item | polling.maxBytesInFlight | Drain time | Events/s | CPU | Peak RSS | of which anon |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.shardsDrain {
			bound := s.bound
			switch bound {
			case "":
				bound = "128Mi (default)"
			case unbounded:
				bound = unbounded + " (none, in effect)"
			}
			fmt.Fprintf(b, "| %s | %s | %s B | %s | %s | %s | %s | %.1f MiB | %.1f MiB |\n", thousands(s.shards), thousands(s.perShard),
				thousands(max(s.item, 500)), bound, s.elapsed.Round(time.Millisecond), thousands(int(s.rate())), s.cpu.Round(10*time.Millisecond),
				mib(s.hwm), mib(s.anon))
		}
		b.WriteString("\nA backlog from TRIM_HORIZON to a sink that acknowledges at once, default settings otherwise.\n\n")
	}
}

func (r *report) shardsTargets() [][3]string {
	var out [][3]string
	add := func(name, measured string, ok bool) { out = append(out, targetRow(name, measured, ok)) }
	for _, s := range r.shardsIdle {
		if s.shards != 1000 {
			continue
		}
		add("1,000 idle shards ≤ 25 % of one core", fmt.Sprintf("%.1f %%", s.cpuPct), s.cpuPct <= targetIdle1000CPUPct)
		add("1,000 idle shards ≤ 128 MiB RSS", fmt.Sprintf("%.1f MiB", mib(s.rss)), mib(s.rss) <= targetIdle1000RSSMiB)
		add("1,000 idle shards ≥ 3.5 polls/s per shard, or p99 latency of a rarely written shard ≤ 1 s",
			fmt.Sprintf("%.2f/s, p99 %s (%d writes)", s.pollsPerSec, fmtMS(s.p99), s.writes),
			s.pollsPerSec >= targetIdlePollsPerSec || (s.writes > 0 && s.p99 <= targetRareP99))
	}
	var bounded, free *shardsDrainResult
	for i, s := range r.shardsDrain {
		bound := defaultBoundMiB
		switch s.bound {
		case "":
		case "32Mi":
			bound = 32
		default:
			if s.item == 0 && s.shards == 100 {
				free = &r.shardsDrain[i]
			}
			continue // no bound in effect
		}
		if s.item == 0 && s.shards == 100 && s.bound == "" {
			bounded = &r.shardsDrain[i]
		}
		add(fmt.Sprintf("%s shards × %s records of %s B: peak RSS ≤ bound (%.0f MiB) + 40 MiB", thousands(s.shards), thousands(s.perShard),
			thousands(max(s.item, 500)), bound),
			fmt.Sprintf("%.1f MiB", mib(s.hwm)), mib(s.hwm) <= bound+targetBoundSlackMiB)
	}
	if bounded != nil && free != nil {
		add("the byte bound costs ≤ 10 % of the drain rate (100 shards, default against "+unbounded+")",
			fmt.Sprintf("%s against %s events/s (%+.0f %%)", thousands(int(bounded.rate())), thousands(int(free.rate())), 100*(bounded.rate()/free.rate()-1)),
			bounded.rate() >= (1-targetBoundRateLoss)*free.rate())
	}
	return out
}
