package cli

import (
	"log/slog"
	"runtime/debug"
	"strconv"
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

// tuneGC sets the collector's target to defaultGCPercent unless GOGC is in
// the environment, and logs the target in effect.
func tuneGC(lookupEnv func(string) (string, bool), log *slog.Logger) {
	if v, ok := lookupEnv("GOGC"); ok && v != "" {
		log.Debug("garbage collector target", "gogc", v, "from", "GOGC")
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	log.Debug("garbage collector target", "gogc", strconv.Itoa(defaultGCPercent), "from", "default")
}
