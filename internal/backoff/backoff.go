package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Ceiling is the longest wait before retry number attempt+1 (attempt counts
// from 0): base doubled attempt times, capped at limit.
func Ceiling(base, limit time.Duration, attempt int) time.Duration {
	if base <= 0 || base >= limit {
		return limit
	}
	d := base
	// Doubling stops at the limit, so no base or attempt count can
	// overflow into a short (or negative) wait.
	for range max(attempt, 0) {
		if d > limit/2 {
			return limit
		}
		d *= 2
	}
	return d
}

// Jitter draws a wait uniformly in (0, d]; 0 for d <= 0.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// Sleep waits for d or until ctx ends, and returns ctx's error in the
// second case. A d <= 0 returns at once (ctx's error if it has ended).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Exponential counts attempts and hands out full-jitter waits between Base
// and Max. The zero value is not useful: set Base and Max.
type Exponential struct {
	Base, Max time.Duration
	attempt   int
}

// Next returns the wait before the next attempt and counts it.
func (b *Exponential) Next() time.Duration {
	d := Ceiling(b.Base, b.Max, b.attempt)
	b.attempt++
	return Jitter(d)
}

// Reset starts over after a success.
func (b *Exponential) Reset() { b.attempt = 0 }

// Wait sleeps for the next wait, or until ctx ends.
func (b *Exponential) Wait(ctx context.Context) error { return Sleep(ctx, b.Next()) }
