package delivery

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultLivePerProcess is how many lane goroutines the dispatchers of a
// process run at once (see LanePool). A thousand shards of 16 lanes each
// started 16,000 goroutines in a drain, whose grown stacks held ~170 MiB;
// 256 keep the sink busy from two cores and cost the same at 1 or 1,000
// shards.
const DefaultLivePerProcess = 256

// LanePool bounds the live lane goroutines of every dispatcher that shares
// it: a lane takes a token when it starts on a queued item and gives it
// back when its queue is empty and its goroutine exits.
type LanePool struct {
	tokens  chan struct{}
	waiting atomic.Int64 // callers of acquire not yet served
}

// NewLanePool returns a pool of n tokens (at least 1).
func NewLanePool(n int) *LanePool {
	return &LanePool{tokens: make(chan struct{}, max(n, 1))}
}

// processLanes is the pool of the dispatchers given none.
var processLanes = NewLanePool(DefaultLivePerProcess)

// acquire takes a token, blocking until one is free. It reports false when
// ctx ended first: the caller then runs without one rather than leave a
// queued item unsent.
func (p *LanePool) acquire(ctx context.Context) bool {
	select {
	case p.tokens <- struct{}{}:
		return true
	default:
	}
	p.waiting.Add(1)
	defer p.waiting.Add(-1)
	select {
	case p.tokens <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (p *LanePool) release() { <-p.tokens }

// laneTurn is how many items a lane sends on one token while another lane
// waits for one: it then gives its token back and waits for one again (the
// waiters being served in turn), so that a busy lane does not keep the
// lanes of other shards from starting.
const laneTurn = 64

// turn is what a lane holding a token calls after each send of n items:
// once it has sent laneTurn items and a lane waits to start, it queues for
// a token again behind it.
func (p *LanePool) turn(sent *int, n int) {
	if *sent += n; *sent < laneTurn {
		return
	}
	*sent = 0
	if p.waiting.Load() == 0 {
		return
	}
	p.release()
	p.acquire(context.Background())
}

// lane is the queue of one lane of a dispatcher. At most one goroutine
// drains it at a time (running), which keeps its items in order.
type lane struct {
	mu      sync.Mutex
	q       []*entry
	head    int
	running bool
	more    chan struct{} // signalled on each push, for a lingering batch
}

// idleLaneCap is the most queue slots a stopped lane keeps.
const idleLaneCap = 32

func newLane() *lane { return &lane{more: make(chan struct{}, 1)} }

// pushIfRunning queues e when a goroutine drains the lane and reports
// whether it did. Only the dispatcher's Submit starts a lane, so a lane
// found stopped stays stopped until Submit starts it.
func (l *lane) pushIfRunning(e *entry) bool {
	l.mu.Lock()
	ok := l.running
	if ok {
		l.q = append(l.q, e)
	}
	l.mu.Unlock()
	if ok {
		select {
		case l.more <- struct{}{}:
		default:
		}
	}
	return ok
}

// startWith queues e on a stopped lane and marks it running: the caller
// then starts its goroutine.
func (l *lane) startWith(e *entry) {
	l.mu.Lock()
	l.q = append(l.q, e)
	l.running = true
	l.mu.Unlock()
}

// next appends to batch up to limit-len(batch) queued entries. When none
// are queued and batch is empty it marks the lane stopped and reports
// false: its goroutine must exit.
func (l *lane) next(batch []*entry, limit int) ([]*entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(limit-len(batch), len(l.q)-l.head)
	batch = append(batch, l.q[l.head:l.head+n]...)
	clear(l.q[l.head : l.head+n])
	l.head += n
	if l.head == len(l.q) {
		l.q, l.head = l.q[:0], 0
	}
	if len(batch) == 0 {
		l.running = false
		if cap(l.q) > idleLaneCap {
			l.q = nil // a stopped lane holds no burst-sized buffer
		}
		return batch, false
	}
	return batch, true
}
