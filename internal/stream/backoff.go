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
	d := b.base << min(b.attempt, 16)
	if d > b.max || d <= 0 {
		d = b.max
	}
	b.attempt++
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func (b *backoff) reset() { b.attempt = 0 }

// wait sleeps for the next backoff, or until ctx ends.
func (b *backoff) wait(ctx context.Context) error {
	return sleep(ctx, b.next())
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
