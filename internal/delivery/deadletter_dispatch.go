package delivery

import (
	"errors"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// ErrUnconvertible marks an item that the source could not turn into an
// event (Item.Failure FailureUnconvertible): it is never sent to the sink.
var ErrUnconvertible = errors.New("the record could not be turned into an event")

// How the lanes settle what the sink will not take: dead-lettered when a
// DeadLetterer is set (the item is settled once the dead-letter sink has it,
// and its lane, and so every later change of its key, waits until then), or
// dropped. In batched mode a refused batch is split in halves, down to
// single events, so that only what the sink really refuses is given up on.

// deliverOne sends one item and settles or abandons it. It reports false
// when the send context ended.
func (d *Dispatcher) deliverOne(e *entry) bool {
	if d.sendCtx.Err() != nil {
		d.abandon(1)
		return false
	}
	it := &e.item
	start := time.Now()
	if f := d.failureBefore(it, start); f != "" {
		err, ok := d.giveUp(it, f, nil)
		return d.finish(e, err, ok, time.Since(start))
	}
	ctx := d.sendCtx
	if d.opts.MaxRecordAge > 0 && !it.Created.IsZero() {
		ctx = withExpiry(ctx, it.Created.Add(d.opts.MaxRecordAge))
	}
	err := d.send.Send(ctx, it.Event)
	if err == nil {
		return d.finish(e, nil, true, time.Since(start))
	}
	if d.sendCtx.Err() != nil {
		return d.finish(e, err, false, time.Since(start))
	}
	rej := asRejected(err, it.Event.ID())
	err, ok := d.giveUp(it, Failure(rej), rej)
	return d.finish(e, err, ok, time.Since(start))
}

// deliverBatch sends es in batches and settles or abandons every one of
// them, in order: an item given up on before it is sent (unconvertible, or
// expired by expiredBy) splits the batch around it. It reports false when
// the send context ended.
func (d *Dispatcher) deliverBatch(es []*entry, expiredBy time.Time) bool {
	from := 0
	for i, e := range es {
		f := d.failureBefore(&e.item, expiredBy)
		if f == "" {
			continue
		}
		if !d.sendBatch(es[from:i]) {
			d.abandon(len(es) - i)
			return false
		}
		err, ok := d.giveUp(&e.item, f, nil)
		if !d.finish(e, err, ok, 0) {
			d.abandon(len(es) - i - 1)
			return false
		}
		from = i + 1
	}
	return d.sendBatch(es[from:])
}

// sendBatch sends es in one request; see deliverBatch.
func (d *Dispatcher) sendBatch(es []*entry) bool {
	if len(es) == 0 {
		return true
	}
	if d.sendCtx.Err() != nil {
		d.abandon(len(es))
		return false
	}
	ctx := d.sendCtx
	var expiry time.Time
	if d.opts.MaxRecordAge > 0 {
		for _, e := range es {
			if t := e.item.Created; !t.IsZero() && (expiry.IsZero() || t.Before(expiry)) {
				expiry = t
			}
		}
		if !expiry.IsZero() {
			expiry = expiry.Add(d.opts.MaxRecordAge)
			ctx = withExpiry(ctx, expiry)
		}
	}
	events := make([]cloudevents.Event, len(es))
	for i, e := range es {
		events[i] = e.item.Event
	}
	start := time.Now()
	err := d.batch.SendBatch(ctx, events)
	took := time.Since(start)
	if err == nil || d.sendCtx.Err() != nil {
		if d.opts.Settled != nil {
			for _, e := range es {
				d.opts.Settled(&e.item, err, took)
			}
		}
		if err != nil {
			d.abandon(len(es))
			return false
		}
		d.settle(es...)
		return true
	}
	rej := asRejected(err, events[0].ID())
	failure := Failure(rej)
	switch {
	case failure == FailureMaxRecordAge:
		// The oldest would be sent again too old: they go, the rest is
		// sent again.
		return d.deliverBatch(es, expiry)
	case len(es) == 1:
		err, ok := d.giveUp(&es[0].item, failure, rej)
		return d.finish(es[0], err, ok, took)
	case failure == FailureRejected:
		// Which of them does the sink refuse? Halves, down to single
		// events (a 413 too: smaller batches may pass).
		h := len(es) / 2
		if !d.deliverBatch(es[:h], time.Now()) {
			d.abandon(len(es) - h)
			return false
		}
		return d.deliverBatch(es[h:], time.Now())
	}
	// Retries used up on the whole batch: splitting would only try again
	// what the policy says to stop trying.
	for i, e := range es {
		err, ok := d.giveUp(&e.item, failure, rej)
		if !d.finish(e, err, ok, took) {
			d.abandon(len(es) - i - 1)
			return false
		}
	}
	return true
}

// failureBefore says why it is given up on before it is sent: unconvertible,
// or older than MaxRecordAge at now; "" when it is to be sent.
func (d *Dispatcher) failureBefore(it *Item, now time.Time) string {
	if it.Failure != "" {
		return it.Failure
	}
	if d.opts.MaxRecordAge > 0 && !it.Created.IsZero() && !now.Before(it.Created.Add(d.opts.MaxRecordAge)) {
		return FailureMaxRecordAge
	}
	return ""
}

// giveUp dead-letters it, or drops it without a DeadLetterer. It returns the
// item's outcome for Settled, and false when the send context ended before
// the dead-letter sink took it (the item is then not settled).
func (d *Dispatcher) giveUp(it *Item, failure string, rej *RejectedError) (error, bool) {
	if rej == nil {
		rej = &RejectedError{EventID: it.Event.ID(), Err: failureErr(failure)}
	}
	if d.opts.DeadLetter == nil {
		return rej, true
	}
	if err := d.opts.DeadLetter.deliver(d.sendCtx, it.Event, failure, rej); err != nil {
		return err, false
	}
	return rej, true
}

// finish reports e's outcome and settles it, or abandons it when !ok. It
// returns ok.
func (d *Dispatcher) finish(e *entry, err error, ok bool, took time.Duration) bool {
	if d.opts.Settled != nil {
		d.opts.Settled(&e.item, err, took)
	}
	if !ok {
		d.abandon(1)
		return false
	}
	d.settle(e)
	return true
}

func failureErr(failure string) error {
	if failure == FailureUnconvertible {
		return ErrUnconvertible
	}
	return ErrMaxRecordAge
}

// asRejected returns err as a *RejectedError; an error of a sender outside
// the contract counts as a refusal.
func asRejected(err error, id string) *RejectedError {
	var rej *RejectedError
	if errors.As(err, &rej) {
		return rej
	}
	return &RejectedError{EventID: id, Err: err}
}
