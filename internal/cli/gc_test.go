package cli

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// The source collects at defaultGCPercent unless the user set GOGC, whose
// value the Go runtime has then applied and which must stand.
func TestTuneGC(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
	}{
		{name: "without GOGC the source's default applies", env: nil, want: defaultGCPercent},
		{name: "an empty GOGC is no setting", env: map[string]string{"GOGC": ""}, want: defaultGCPercent},
		{name: "a GOGC the user set stands", env: map[string]string{"GOGC": "200"}, want: 123},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// 123 stands for what the runtime took from the environment.
			prev := debug.SetGCPercent(123)
			defer debug.SetGCPercent(prev)
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			tuneGC(lookup, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if got := debug.SetGCPercent(123); got != tc.want {
				t.Errorf("GC target %d, want %d", got, tc.want)
			}
		})
	}
}

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name       string
		live       uint64
		goroutines int
		want       int
	}{
		{"a process of few goroutines keeps the default", 8 * mib, fewGoroutines, defaultGCPercent},
		{"each goroutine beyond the few adds its allowance", 16 * mib, fewGoroutines + 1024, defaultGCPercent + 100},
		{"the allowance is rounded up", 3 * mib, fewGoroutines + 1, defaultGCPercent + 1},
		{"the target is bounded", 1 * mib, 100_000, maxGCPercent},
		{"an empty heap keeps the default", 0, 100_000, defaultGCPercent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gcPercentFor(tc.live, tc.goroutines); got != tc.want {
				t.Errorf("gcPercentFor(%d, %d) = %d, want %d", tc.live, tc.goroutines, got, tc.want)
			}
		})
	}
}
