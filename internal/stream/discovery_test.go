package stream

import (
	"slices"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

func TestDiscoveryRetry(t *testing.T) {
	const (
		ms       = time.Millisecond
		base     = 100 * ms
		interval = 10 * time.Second
	)
	cases := []struct {
		name     string
		kind     errorKind
		failures int
		base     time.Duration
		interval time.Duration
		want     time.Duration
	}{
		{"a first throttling is retried within base", kindThrottled, 1, base, interval, base},
		{"a first 5xx or network error is retried within base", kindTransient, 1, base, interval, base},
		{"the ceiling doubles with each failure in a row (2nd)", kindThrottled, 2, base, interval, 200 * ms},
		{"the ceiling doubles with each failure in a row (5th)", kindTransient, 5, base, interval, 1600 * ms},
		{"the ceiling is capped at the discovery interval", kindThrottled, 8, base, interval, interval},
		{"many failures neither overflow nor exceed the interval", kindTransient, 10000, base, interval, interval},
		{"a base above the interval is capped at the interval", kindThrottled, 1, time.Minute, interval, interval},
		{"a zero failure count is a first failure", kindThrottled, 0, base, interval, base},
		{"rejected credentials wait for the next discovery", kindAuth, 1, base, interval, 0},
		{"an unknown error waits for the next discovery", kindOther, 1, base, interval, 0},
		{"an unknown error after throttling waits for the next discovery", kindOther, 3, base, interval, 0},
		{"a vanished stream is not retried", kindNotFound, 1, base, interval, 0},
		{"our own cancellation is not retried", kindCanceled, 1, base, interval, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := discoveryRetry(tc.kind, tc.failures, tc.base, tc.interval); got != tc.want {
				t.Fatalf("discoveryRetry(%v, %d, %v, %v) = %v, want %v", tc.kind, tc.failures, tc.base, tc.interval, got, tc.want)
			}
		})
	}
}

func TestLoudFailure(t *testing.T) {
	var loud []int
	for n := 0; n <= 100; n++ {
		if loudFailure(n) {
			loud = append(loud, n)
		}
	}
	if want := []int{1, 2, 4, 8, 16, 32, 64}; !slices.Equal(loud, want) {
		t.Fatalf("loud failures %v, want %v", loud, want)
	}
}

func TestJitterStaysWithinItsCeiling(t *testing.T) {
	const d = 50 * time.Millisecond
	for range 1000 {
		if w := backoff.Jitter(d); w <= 0 || w > d {
			t.Fatalf("backoff.Jitter(%v) = %v, outside (0, %v]", d, w, d)
		}
	}
	if w := backoff.Jitter(0); w != 0 {
		t.Fatalf("backoff.Jitter(0) = %v, want 0", w)
	}
}
