package bench

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

var (
	docPath = flag.String("bench.doc", "",
		"write the results into this markdown file (docs/benchmarks.md), between its bench:begin and bench:end markers")
	large = flag.Bool("bench.large", false,
		"also drain a 200,000-record backlog (loading it into DynamoDB Local takes minutes)")
	idleWindow = flag.Duration("bench.idle", 30*time.Second,
		"how long the idle source is watched")
	latencyWindow = flag.Duration("bench.latency", 20*time.Second,
		"how long items are written at 50 writes/s for the latency benchmark")
	profileDir = flag.String("bench.profile", "",
		"save CPU and heap profiles of the 50,000-record drains (default and batched) in this folder")
)

// binary is the dynamodb-source built for this run.
var binary string

// TestMain builds the binary once, runs the benchmarks, then prints the
// table and writes the doc. Without -bench it builds nothing: the package
// then has nothing to run.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	// A plain build, as released: no -race, no coverage.
	bin, remove, err := binproc.BuildTemp("dynamodb-source-bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	results.machine = describeMachine()
	code := m.Run()
	remove()

	for _, blk := range []struct{ md, begin, end string }{
		{results.markdown(), beginMarker, endMarker},
		{results.shardsMarkdownBlock(), shardsBeginMarker, shardsEndMarker},
	} {
		if blk.md == "" {
			continue // not measured in this run: the doc keeps the last run's
		}
		fmt.Println()
		fmt.Println(blk.md)
		if code == 0 && *docPath != "" {
			if err := writeDoc(*docPath, blk.begin, blk.end, blk.md); err != nil {
				fmt.Fprintln(os.Stderr, "writing", *docPath+":", err)
				code = 1
			} else {
				fmt.Fprintln(os.Stderr, "wrote", *docPath)
			}
		}
	}
	os.Exit(code)
}
