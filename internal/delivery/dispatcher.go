package delivery

import (
	"context"
	"hash/fnv"
	"sync"
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
}

// DispatcherOptions tune a Dispatcher.
type DispatcherOptions struct {
	// Parallelism is how many items are sent at once. Items with the same
	// key always go one after another.
	Parallelism int
	// MaxInFlight bounds the items submitted and not yet settled: Submit
	// blocks beyond it, which is the backpressure that slows reading down to
	// the sink's pace and keeps memory flat.
	MaxInFlight int
	// Ack is called with the newest item settled together with every item
	// before it, in Seq order. It may be called from any goroutine.
	Ack func(seq string, created time.Time)
	// Settled, when set, is called after each send with its outcome: nil, a
	// *RejectedError (given up on: the item still counts as settled), or
	// the send context's error (abandoned, not settled).
	Settled func(it *Item, err error, d time.Duration)
}

// Dispatcher delivers the items of one shard: concurrently across keys, in
// order within a key, and acknowledges them as a low-water mark, so a
// checkpoint never passes an item that is not settled.
type Dispatcher struct {
	send    Sender
	sendCtx context.Context
	opts    DispatcherOptions

	lanes []chan *entry
	sem   chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	window  []*entry // submitted and not yet acknowledged, in Seq order
	waiters []chan struct{}

	closeOnce sync.Once
}

type entry struct {
	item Item
	done bool
}

// NewDispatcher starts a dispatcher sending through s. Sends use sendCtx, so
// that its owner decides how long in-flight items may finish after reading
// stops; Close waits for the senders.
func NewDispatcher(sendCtx context.Context, s Sender, opts DispatcherOptions) *Dispatcher {
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	if opts.MaxInFlight < opts.Parallelism {
		opts.MaxInFlight = opts.Parallelism
	}
	d := &Dispatcher{
		send: s, sendCtx: sendCtx, opts: opts,
		lanes: make([]chan *entry, opts.Parallelism),
		sem:   make(chan struct{}, opts.MaxInFlight),
	}
	for i := range d.lanes {
		// A lane never holds more than MaxInFlight entries, so sends to
		// it never block beyond the semaphore.
		ch := make(chan *entry, opts.MaxInFlight)
		d.lanes[i] = ch
		d.wg.Go(func() { d.lane(ch) })
	}
	return d
}

// Submit queues items for delivery, blocking while MaxInFlight items are
// unsettled. Submit and Close must not be called concurrently.
func (d *Dispatcher) Submit(ctx context.Context, items []Item) error {
	for i := range items {
		select {
		case d.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		e := &entry{item: items[i]}
		d.mu.Lock()
		d.window = append(d.window, e)
		d.mu.Unlock()
		if e.item.Drop {
			d.settle(e)
			continue
		}
		d.lanes[laneOf(e.item.Key, len(d.lanes))] <- e
	}
	return nil
}

// InFlight returns how many items are submitted and not yet acknowledged.
func (d *Dispatcher) InFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.window)
}

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
		for _, ch := range d.lanes {
			close(ch)
		}
		d.wg.Wait()
	})
	return nil
}

func (d *Dispatcher) lane(ch <-chan *entry) {
	for e := range ch {
		if d.sendCtx.Err() != nil {
			// Abandoned: not settled, so the checkpoint stays before it
			// and it is read again after a restart.
			<-d.sem
			continue
		}
		start := time.Now()
		err := d.send.Send(d.sendCtx, e.item.Event)
		if d.opts.Settled != nil {
			d.opts.Settled(&e.item, err, time.Since(start))
		}
		if err != nil && d.sendCtx.Err() != nil {
			<-d.sem
			continue
		}
		d.settle(e)
	}
}

// settle marks e done and acknowledges the longest settled prefix.
func (d *Dispatcher) settle(e *entry) {
	d.mu.Lock()
	e.done = true
	n := 0
	for n < len(d.window) && d.window[n].done {
		n++
	}
	var last *entry
	if n > 0 {
		last = d.window[n-1]
		clear(d.window[:n])
		d.window = d.window[n:]
	}
	if last != nil && d.opts.Ack != nil {
		// Under the lock: two lanes settling at once must not acknowledge
		// out of order.
		d.opts.Ack(last.item.Seq, last.item.Created)
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

func laneOf(key string, n int) int {
	if n == 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
