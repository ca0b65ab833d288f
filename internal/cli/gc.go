package cli

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
)

// defaultGCPercent is the garbage collector's target for a running source
// when GOGC is not set: the heap may grow by half its live size between
// collections, not by all of it (Go's default, 100). Nearly everything the
// source allocates is short-lived — a GetRecords page and the events made
// from it live until the sink acknowledges them — so the live heap is small
// and bounded by the in-flight window, and Go's default let the heap reach
// twice that before collecting. Measured on 50,000-record drains
// (docs/benchmarks.md): 5–7 MiB less peak memory for 10–15 % more CPU.
// GOGC in the environment overrides it (GOGC=100 for Go's default);
// GOMEMLIMIT works beside either, as the Go runtime documents.
const defaultGCPercent = 50

// A collection scans every goroutine's stack, so its cost grows with the
// goroutines, while the heap, which sets how often it runs, does not: a
// thousand idle shards (a reader goroutine each, and the HTTP connections'
// two) kept a live heap of ~14 MB, collected five times a second, and the
// collections — the stack scans, and the stacks shrunk by each and grown
// again by the next call — were a third of the process's CPU. Beyond
// fewGoroutines, each goroutine lets the heap grow by goroutineAllowance
// more between collections: ~20 MiB for a thousand shards, nothing for one.
const (
	fewGoroutines      = 256
	goroutineAllowance = 16 << 10
	maxGCPercent       = 1000
)

// gcPercentFor is the target that lets a heap of live bytes grow by
// defaultGCPercent of itself plus goroutineAllowance for each goroutine
// beyond fewGoroutines, up to maxGCPercent.
func gcPercentFor(live uint64, goroutines int) int {
	extra := uint64(max(goroutines-fewGoroutines, 0)) * goroutineAllowance
	if extra == 0 || live == 0 {
		return defaultGCPercent
	}
	pct := defaultGCPercent + int((100*extra+live-1)/live)
	return min(pct, maxGCPercent)
}

// tuneGC sets the collector's target to defaultGCPercent unless GOGC is in
// the environment, and logs the target in effect; with the default, the
// target is set again after each collection (gcPercentFor).
func tuneGC(lookupEnv func(string) (string, bool), log *slog.Logger) {
	if v, ok := lookupEnv("GOGC"); ok && v != "" {
		log.Debug("garbage collector target", "gogc", v, "from", "GOGC")
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	retuneOnce.Do(func() { newGCHook(retune) })
	log.Debug("garbage collector target", "gogc", strconv.Itoa(defaultGCPercent), "from", "default")
}

var (
	retuneOnce sync.Once
	retuneMu   sync.Mutex
	retuneLast = defaultGCPercent
	liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
)

// retune sets the target for the heap just collected.
func retune() {
	retuneMu.Lock()
	defer retuneMu.Unlock()
	metrics.Read(liveSample)
	if liveSample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if pct := gcPercentFor(liveSample[0].Value.Uint64(), runtime.NumGoroutine()); pct != retuneLast {
		debug.SetGCPercent(pct)
		retuneLast = pct
	}
}

// gcHook calls f after each garbage collection: it is an object nothing
// refers to, whose finalizer runs f and sets itself again.
type gcHook struct{ f func() }

func newGCHook(f func()) {
	h := &gcHook{f: f}
	runtime.SetFinalizer(h, (*gcHook).collected)
}

func (h *gcHook) collected() {
	h.f()
	runtime.SetFinalizer(h, (*gcHook).collected)
}
