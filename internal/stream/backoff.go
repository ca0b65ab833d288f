package stream

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff waits exponentially longer between retries, with full jitter so
// that many shards throttled together do not retry together.
type backoff struct {
	base, max time.Duration
	attempt   int
}

func (b *backoff) next() time.Duration {
	d := ceiling(b.base, b.max, b.attempt)
	b.attempt++
	return jitter(d)
}

func (b *backoff) reset() { b.attempt = 0 }

// wait sleeps for the next backoff, or until ctx ends.
func (b *backoff) wait(ctx context.Context) error {
	return sleep(ctx, b.next())
}

// ceiling is the longest wait before retry number attempt+1: base doubled
// attempt times, capped at limit.
func ceiling(base, limit time.Duration, attempt int) time.Duration {
	d := base << min(max(attempt, 0), 16)
	if d > limit || d <= 0 {
		d = limit
	}
	return d
}

// jitter draws a wait uniformly in (0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
