package source

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

func TestSinkObserverLogsStreaksNotAttempts(t *testing.T) {
	var buf bytes.Buffer
	m := metrics.NewUnregistered()
	o := newSinkObserver(m, slog.New(slog.NewTextHandler(&buf, nil)))
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o.now = func() time.Time { return clock }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	untrusted := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}

	type step struct {
		status  int
		err     error
		advance time.Duration
	}
	steps := []step{
		{200, nil, 0},                              // healthy: nothing logged
		{0, refused, 0},                            // a streak starts: one warning
		{0, refused, time.Second},                  // same streak: quiet
		{503, errors.New("503"), 10 * time.Second}, // quiet
		{400, errors.New("400"), 0},                // one event refused: not the sink's health
		{0, untrusted, sinkReminder},               // a minute on: one reminder
		{0, refused, time.Second},                  // quiet again
		{202, nil, time.Second},                    // recovered after warnings: one line
		{202, nil, 0},                              // healthy: nothing
		{0, refused, time.Second},                  // a new streak within the minute: quiet
		{202, nil, time.Second},                    // and its end, not warned about: quiet
		{0, refused, sinkReminder},                 // a minute after the last warning: a warning
	}
	var since []float64 // sink_failing_since after each step
	for _, s := range steps {
		clock = clock.Add(s.advance)
		o.Attempted(s.status, s.err, time.Millisecond)
		since = append(since, metrics.Value(m.SinkFailingSince))
	}
	// The status report's SinkFailing: when each streak began, 0 between.
	streak1, streak2 := float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), 0.0
	for i, v := range since {
		switch {
		case i == 0 || i == 7 || i == 8 || i == 10:
			if v != 0 {
				t.Errorf("step %d: sink_failing_since = %v while the sink takes events, want 0", i, v)
			}
		case i >= 1 && i <= 6:
			if v != streak1 {
				t.Errorf("step %d: sink_failing_since = %v, want the streak's start %v", i, v, streak1)
			}
		case i == 9:
			streak2 = v
		}
	}
	if streak2 <= streak1 {
		t.Errorf("the second streak's start %v is not after the first's %v", streak2, streak1)
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"level=WARN msg=\"sending to the sink fails;",
		"level=WARN msg=\"sending to the sink still fails;",
		"level=INFO msg=\"the sink takes events again\"",
		"level=WARN msg=\"sending to the sink fails;",
	}
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %s\nwant it to contain %s", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[1], "failed_attempts=3") || !strings.Contains(lines[1], "for=1m11s") {
		t.Errorf("reminder %q should count the 3 retried failures since the first warning, over 1m11s", lines[1])
	}
	if !strings.Contains(lines[1], "unknown authority") {
		t.Errorf("reminder %q should carry the last error", lines[1])
	}
	if !strings.Contains(lines[3], "failed_attempts=3") {
		t.Errorf("warning %q should count the 3 retried failures since the last one", lines[3])
	}
	for reason, want := range map[string]float64{"network": 6, "503": 1, "400": 1} {
		if got := metrics.Value(m.EventsFailed.WithLabelValues(reason)); got != want {
			t.Errorf("events_failed_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
}
