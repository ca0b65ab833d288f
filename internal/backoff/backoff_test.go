package backoff

import (
	"context"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		want    time.Duration
	}{
		{"the first retry waits at most the base", 0, 100 * time.Millisecond},
		{"each retry doubles the ceiling", 3, 800 * time.Millisecond},
		{"the ceiling is capped", 20, 30 * time.Second},
		{"a huge attempt does not overflow into a short wait", 1 << 20, 30 * time.Second},
		{"a negative attempt is the first", -1, 100 * time.Millisecond},
	}
	if got := Ceiling(time.Hour, 2*time.Hour, 62); got != 2*time.Hour {
		t.Errorf("a large base doubled many times = %v, want the limit", got)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Ceiling(100*time.Millisecond, 30*time.Second, tt.attempt); got != tt.want {
				t.Errorf("Ceiling(attempt %d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

func TestJitterStaysInRange(t *testing.T) {
	for _, d := range []time.Duration{1, time.Millisecond, time.Second} {
		for range 1000 {
			if w := Jitter(d); w <= 0 || w > d {
				t.Fatalf("Jitter(%v) = %v, outside (0, %v]", d, w, d)
			}
		}
	}
	if w := Jitter(0); w != 0 {
		t.Fatalf("Jitter(0) = %v, want 0", w)
	}
}

func TestExponentialResets(t *testing.T) {
	b := Exponential{Base: time.Millisecond, Max: time.Second}
	for range 12 {
		b.Next()
	}
	b.Reset()
	if w := b.Next(); w > time.Millisecond {
		t.Fatalf("after Reset the wait is %v, want at most the base", w)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep on an ended context = %v, want context.Canceled", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}
