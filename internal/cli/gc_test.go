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
