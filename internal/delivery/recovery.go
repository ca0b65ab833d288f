package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

// probeInterval is the longest a failing sink goes untried: while every
// event waits out its backoff (up to Policy.Max), one retry at a time waits
// at most this long, so that a sink that comes back is noticed within it.
const probeInterval = time.Second

// recovery is the backoff one sink shares among all the events sent to it.
// With a backoff per event, a sink that fails often made each event's
// waits grow on its own, up to Policy.Max, while it held its lane: 5,000
// changes against a sink answering 503 to half the requests took minutes
// to drain, most of it spent waiting on a sink that was answering. Here:
//
//   - the backoff grows with the sink's failures in a row (any event's), not
//     with one event's, so a sink that takes some requests keeps waits short;
//   - a success wakes every waiting retry at once: what waits goes out at
//     full speed as soon as the sink takes events again;
//   - while the sink fails, one retry at a time waits at most probeInterval,
//     so a sink down for long is noticed within a second of coming back
//     without every event trying it each second.
//
// A sink's Retry-After stays a floor: no retry goes before it.
type recovery struct {
	streak atomic.Int64 // failed attempts since the last success

	mu     sync.Mutex
	up     chan struct{} // closed by the next success
	prober bool          // a retry waits with the short probe wait
}

func newRecovery() *recovery { return &recovery{up: make(chan struct{})} }

// failed counts a failed attempt and returns how many failed in a row.
func (r *recovery) failed() int { return int(r.streak.Add(1)) }

// succeeded ends a streak of failures and wakes the retries waiting. On a
// healthy sink it is one atomic load.
func (r *recovery) succeeded() {
	if r.streak.Load() == 0 {
		return
	}
	r.mu.Lock()
	r.streak.Store(0)
	close(r.up)
	r.up = make(chan struct{})
	r.mu.Unlock()
}

// wait sleeps before a retry: for d, or until the sink takes another event
// (but never before floor, the sink's Retry-After), or until ctx ends.
func (r *recovery) wait(ctx context.Context, d, floor time.Duration) error {
	r.mu.Lock()
	up := r.up
	probe := !r.prober
	if probe {
		r.prober = true
		d = min(d, max(probeInterval, floor))
	}
	r.mu.Unlock()
	if probe {
		defer func() {
			r.mu.Lock()
			r.prober = false
			r.mu.Unlock()
		}()
	}
	if floor > 0 {
		if err := backoff.Sleep(ctx, min(floor, d)); err != nil {
			return err
		}
		d -= min(floor, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-up:
		return nil
	case <-t.C:
		return nil
	}
}
