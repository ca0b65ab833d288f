package reliability

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

var (
	// binary is the dynamodb-source under test, built once by TestMain.
	binary string
	// full selects the sizes of the issue instead of the CI sizes.
	full = os.Getenv("RELIABILITY_FULL") == "1"
)

// size returns the CI size, or the full one under RELIABILITY_FULL=1.
func size[T any](short, long T) T {
	if full {
		return long
	}
	return short
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips: no binary to build
	}
	bin, remove, err := binproc.BuildTemp("dynamodb-source-reliability")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	started := time.Now()
	code := m.Run()
	remove()

	if table := renderTable(time.Since(started)); table != "" {
		fmt.Print("\n" + table)
		if path := os.Getenv("RELIABILITY_REPORT"); path != "" {
			if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "writing the report:", err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// envDuration reads a duration from the environment, else def.
func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// envInt reads an integer from the environment, else def.
func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}
