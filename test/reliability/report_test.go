package reliability

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

// result is one row of the table.
type result struct {
	scenario   string
	written    int
	delivered  int // distinct changes accepted by the sink
	rejected   int // refused by the sink with a status that is not retried (counted and logged, not lost)
	lost       int
	dups       int
	dupBound   int
	violations int
	// recover is the longest time from the end of a fault episode to the
	// next change delivered; <0 when the fault lasted the whole run.
	recover time.Duration
	// caughtUp is the time from the later of the last fault's end and the
	// last write to the last change delivered.
	caughtUp time.Duration
	note     string
}

var (
	resultsMu sync.Mutex
	results   []result
)

func addRow(r result) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results = append(results, r)
}

// analyze compares what the sink accepted with what was written.
func (r *rig) analyze(name string) result {
	r.t.Helper()
	evs, at := r.sinks.events()
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	res := result{scenario: name, written: len(r.ledger.written), recover: -1}
	seen := make(map[string]bool, len(evs))
	delivered := map[change]bool{}
	last := map[string]int{}
	var firsts []time.Time
	for i, e := range evs {
		if seen[e.ID()] {
			res.dups++
			continue
		}
		seen[e.ID()] = true
		firsts = append(firsts, at[i])
		c, err := changeOf(e)
		if err != nil {
			r.t.Errorf("%v", err)
			continue
		}
		if !r.ledger.written[c] {
			r.t.Errorf("event %s carries %s v%d, which was never written", e.ID(), c.pk, c.v)
		}
		delivered[c] = true
		if prev, ok := last[c.pk]; ok && c.v <= prev {
			res.violations++
			if res.violations <= 5 {
				r.t.Errorf("order: item %s version %d arrived after version %d", c.pk, c.v, prev)
			}
		}
		last[c.pk] = c.v
	}
	res.delivered = len(delivered)
	r.sinks.mu.Lock()
	res.rejected = len(r.sinks.rejectedChanges)
	for c := range r.ledger.written {
		if !delivered[c] && !r.sinks.rejectedChanges[c] {
			res.lost++
			if res.lost <= 5 {
				r.t.Errorf("lost: %s v%d was written and never delivered", c.pk, c.v)
			}
		}
	}
	r.sinks.mu.Unlock()

	r.mu.Lock()
	lifts := append([]time.Time(nil), r.lifts...)
	r.mu.Unlock()
	for _, l := range lifts {
		for _, f := range firsts {
			if !f.Before(l) {
				res.recover = max(res.recover, f.Sub(l))
				break
			}
		}
	}
	if len(firsts) > 0 {
		from := r.ledger.lastWrite
		if len(lifts) > 0 && lifts[len(lifts)-1].After(from) {
			from = lifts[len(lifts)-1]
		}
		lastFirst := firsts[0]
		for _, f := range firsts {
			if f.After(lastFirst) {
				lastFirst = f
			}
		}
		res.caughtUp = max(lastFirst.Sub(from), 0)
	}
	return res
}

// check asserts what every scenario must show, then records the row:
// nothing lost, no order violation, duplicates within bound.
func (r *rig) check(res result) {
	r.t.Helper()
	r.t.Logf("%s: written %d, delivered %d, rejected %d, lost %d, duplicates %d (bound %d), order violations %d, recover %s, caught up %s",
		res.scenario, res.written, res.delivered, res.rejected, res.lost, res.dups, res.dupBound, res.violations, fmtDur(res.recover), fmtDur(res.caughtUp))
	if res.lost != 0 {
		r.t.Errorf("%d changes lost", res.lost)
	}
	if res.violations != 0 {
		r.t.Errorf("%d per-item order violations", res.violations)
	}
	if res.dups > res.dupBound {
		r.t.Errorf("%d duplicates, above the bound of %d", res.dups, res.dupBound)
	}
	if res.written == 0 {
		r.t.Errorf("nothing was written: the scenario proves nothing")
	}
	if r.t.Failed() {
		res.note = "FAILED " + res.note
	}
	addRow(res)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// renderTable renders every recorded row as one Markdown table.
func renderTable(elapsed time.Duration) string {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return ""
	}
	mode := "short (CI) sizes"
	switch {
	case os.Getenv("RELIABILITY_SOAK") == "1":
		mode = "soak (RELIABILITY_SOAK=1)"
	case full:
		mode = "full sizes (RELIABILITY_FULL=1)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Reliability suite, %s, %d CPUs, %s, suite time %s\n\n", mode, runtime.NumCPU(), runtime.Version(), elapsed.Round(time.Second))
	b.WriteString("| scenario | written | delivered | rejected | lost | duplicates (bound) | order violations | recover | caught up | notes |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d (%d) | %d | %s | %s | %s |\n",
			r.scenario, r.written, r.delivered, r.rejected, r.lost, r.dups, r.dupBound, r.violations, fmtDur(r.recover), fmtDur(r.caughtUp), r.note)
	}
	return b.String()
}
