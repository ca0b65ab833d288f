package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Item is one record of a shard on its way to the sink.
type Item struct {
	// Seq is the record's sequence number; items are submitted in Seq order.
	Seq string
	// Key orders delivery: items with the same key are sent one after
	// another, in submission order. It is the item's primary key.
	Key string
	// Created is the record's creation time, for the iterator age.
	Created time.Time
	// Event is what is sent.
	Event cloudevents.Event
	// Drop marks an item settled without sending (it could not be built).
	Drop bool
	// Failure, when set (FailureUnconvertible), sends the item to the
	// dead-letter sink instead of the sink, in its key's order; Event is
	// then what the dead-letter sink gets.
	Failure string
}

// DispatcherOptions tune a Dispatcher.
type DispatcherOptions struct {
	// Parallelism is how many items are sent at once. Items with the same
	// key always go one after another.
	Parallelism int
	// MaxInFlight bounds the items submitted and not yet settled: Submit
	// blocks beyond it, which is the backpressure that slows reading down to
	// the sink's pace and keeps memory flat. It is raised to Parallelism and
	// to BatchSize when below them.
	MaxInFlight int
	// BatchSize, above 1, sends up to that many items of a lane in one
	// request through the sender's SendBatch; the sender must then be a
	// BatchSender. A lane's items keep their order inside a batch and
	// across batches.
	BatchSize int
	// Linger is how long a lane with a batch started waits for more items
	// before it sends the batch unfilled. 0 sends whatever is queued at
	// once.
	Linger time.Duration
	// Ack is called with the newest item settled together with every item
	// before it, in Seq order. It may be called from any goroutine, and
	// may call InFlight.
	Ack func(seq string, created time.Time)
	// Settled, when set, is called after each send with its outcome: nil, a
	// *RejectedError (given up on: dead-lettered when DeadLetter is set,
	// else dropped; the item counts as settled), or the send context's
	// error (abandoned, not settled).
	Settled func(it *Item, err error, d time.Duration)
	// DeadLetter, when set, takes every item given up on (see Failure):
	// the item is settled only once the dead-letter sink has it, and later
	// items of its key wait until then. nil drops such items.
	DeadLetter *DeadLetterer
	// MaxRecordAge, above 0, gives up on an item whose Created is older
	// than this when it would be sent or sent again.
	MaxRecordAge time.Duration
	// Lanes bounds the live lane goroutines together with every dispatcher
	// sharing it; nil shares the process's (DefaultLivePerProcess).
	Lanes *LanePool
}

// Dispatcher delivers the items of one shard: concurrently across keys, in
// order within a key, and acknowledges them as a low-water mark, so a
// checkpoint never passes an item that is not settled.
type Dispatcher struct {
	send    Sender
	batch   BatchSender // nil unless BatchSize > 1
	sendCtx context.Context
	opts    DispatcherOptions

	lanes   []*lane // nil until the lane first has an item (see laneFor)
	pool    *LanePool
	sem     chan struct{}
	wg      sync.WaitGroup
	closing chan struct{} // closed by Close: a lingering batch goes at once

	mu       sync.Mutex
	window   []*entry     // submitted and not yet acknowledged, in Seq order
	inFlight atomic.Int64 // len(window), readable without mu
	waiters  []chan struct{}

	closeOnce sync.Once
}

type entry struct {
	item Item
	done bool
}

// NewDispatcher starts a dispatcher sending through s. Sends use sendCtx, so
// that its owner decides how long in-flight items may finish after reading
// stops; Close waits for the senders. With BatchSize above 1, s must also be
// a BatchSender.
func NewDispatcher(sendCtx context.Context, s Sender, opts DispatcherOptions) *Dispatcher {
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	// At least one item per lane and one full batch may be in flight, or
	// lanes would idle and batches could never fill.
	opts.MaxInFlight = max(opts.MaxInFlight, opts.Parallelism, opts.BatchSize)
	d := &Dispatcher{
		send: s, sendCtx: sendCtx, opts: opts,
		lanes: make([]*lane, opts.Parallelism), pool: opts.Lanes,
		sem:     make(chan struct{}, opts.MaxInFlight),
		closing: make(chan struct{}),
	}
	if d.pool == nil {
		d.pool = processLanes
	}
	if opts.BatchSize > 1 {
		b, ok := s.(BatchSender)
		if !ok {
			panic("delivery: BatchSize > 1 needs a BatchSender")
		}
		d.batch = b
	}
	return d
}

// laneFor returns lane i, made on its first item. A shard that never has
// records (an idle one: a thousand of them in one process) costs no lane.
// Only Submit calls it.
func (d *Dispatcher) laneFor(i int) *lane {
	if l := d.lanes[i]; l != nil {
		return l
	}
	l := newLane()
	d.lanes[i] = l
	return l
}

// queue hands e to its lane, starting the lane's goroutine when it is
// stopped: that takes a token of the pool, blocking while every token is
// taken. It returns ctx's error when ctx ended while waiting; e is queued
// all the same, on a goroutine without a token.
func (d *Dispatcher) queue(ctx context.Context, e *entry) error {
	l := d.laneFor(laneOf(e.item.Key, len(d.lanes)))
	if l.pushIfRunning(e) {
		return nil
	}
	tok := d.pool.acquire(ctx)
	l.startWith(e)
	d.wg.Go(func() {
		turn := func(int) {}
		if tok {
			defer d.pool.release()
			sent := 0
			turn = func(n int) { d.pool.turn(&sent, n) }
		}
		if d.batch != nil {
			d.batchLane(l, turn)
		} else {
			d.lane(l, turn)
		}
	})
	if !tok {
		return ctx.Err()
	}
	return nil
}

// Submit queues items for delivery, blocking while MaxInFlight items are
// unsettled. Submit and Close must not be called concurrently.
func (d *Dispatcher) Submit(ctx context.Context, items []Item) error {
	// One allocation for the entries of a call rather than one each; the
	// block lives until its last entry is acknowledged, which, entries
	// being acknowledged in order, is soon after its first.
	block := make([]entry, len(items))
	for i := range items {
		select {
		case d.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		e := &block[i]
		e.item = items[i]
		d.mu.Lock()
		d.window = append(d.window, e)
		d.inFlight.Store(int64(len(d.window)))
		d.mu.Unlock()
		if e.item.Drop {
			d.settle(e)
			continue
		}
		if err := d.queue(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// InFlight returns how many items are submitted and not yet acknowledged.
func (d *Dispatcher) InFlight() int { return int(d.inFlight.Load()) }

// Flush blocks until every submitted item is settled, or ctx ends.
func (d *Dispatcher) Flush(ctx context.Context) error {
	d.mu.Lock()
	if len(d.window) == 0 {
		d.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	d.waiters = append(d.waiters, w)
	d.mu.Unlock()
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking items and waits until every queued item is sent or
// abandoned (when the send context ends). It is idempotent.
func (d *Dispatcher) Close() error {
	d.closeOnce.Do(func() {
		close(d.closing)
		d.wg.Wait()
	})
	return nil
}

// lane sends l's items one by one until its queue is empty.
// turn is called after each send with the items sent (see LanePool.turn).
func (d *Dispatcher) lane(l *lane, turn func(int)) {
	batch := make([]*entry, 0, 1)
	for {
		var ok bool
		if batch, ok = l.next(batch[:0], 1); !ok {
			return
		}
		d.deliverOne(batch[0])
		batch[0] = nil
		turn(1)
	}
}

// batchLane is lane in batched mode: it sends l's items in batches of up
// to BatchSize, in order (see deliverBatch), until its queue is empty.
func (d *Dispatcher) batchLane(l *lane, turn func(int)) {
	batch := make([]*entry, 0, d.opts.BatchSize)
	for {
		var ok bool
		if batch, ok = l.next(batch[:0], d.opts.BatchSize); !ok {
			return
		}
		batch = d.fill(l, batch)
		d.deliverBatch(batch, time.Now())
		turn(len(batch))
		clear(batch) // hold no stale entries
	}
}

// fill waits up to Linger for l to queue the rest of a batch that is not
// full. It returns early when the dispatcher closes or the send context
// ends.
func (d *Dispatcher) fill(l *lane, batch []*entry) []*entry {
	if d.opts.Linger <= 0 || len(batch) >= d.opts.BatchSize {
		return batch
	}
	t := time.NewTimer(d.opts.Linger)
	defer t.Stop()
	for len(batch) < d.opts.BatchSize {
		select {
		case <-l.more:
			batch, _ = l.next(batch, d.opts.BatchSize)
		case <-t.C:
			return batch
		case <-d.closing:
			return batch
		case <-d.sendCtx.Done():
			return batch
		}
	}
	return batch
}

// abandon gives up n unsent items: they are not settled, so the checkpoint
// stays before them and they are read again after a restart.
func (d *Dispatcher) abandon(n int) {
	for range n {
		<-d.sem
	}
}

// settle marks es done and acknowledges the longest settled prefix.
func (d *Dispatcher) settle(es ...*entry) {
	d.mu.Lock()
	for _, e := range es {
		e.done = true
	}
	n := 0
	for n < len(d.window) && d.window[n].done {
		n++
	}
	var last *entry
	if n > 0 {
		last = d.window[n-1]
		for _, e := range d.window[:n-1] {
			// Its block may outlive it: let its event data go now.
			e.item = Item{}
		}
		clear(d.window[:n])
		d.window = d.window[n:]
		d.inFlight.Store(int64(len(d.window)))
	}
	if last != nil && d.opts.Ack != nil {
		// Under the lock: two lanes settling at once must not acknowledge
		// out of order.
		d.opts.Ack(last.item.Seq, last.item.Created)
	}
	if last != nil {
		last.item = Item{}
	}
	var waiters []chan struct{}
	if len(d.window) == 0 {
		waiters, d.waiters = d.waiters, nil
	}
	d.mu.Unlock()

	for range n {
		<-d.sem
	}
	for _, w := range waiters {
		close(w)
	}
}

// laneOf maps a key to a lane: FNV-1a, inline so that it costs no
// allocation per item.
func laneOf(key string, n int) int {
	if n == 1 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % uint32(n))
}
