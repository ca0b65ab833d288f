package source

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// maxInFlightPerShard bounds the records of a shard submitted and not yet
// acknowledged. Beyond the window, one page waits in the converter and the
// reader fetches the next: about three GetRecords pages of records are in
// memory at most, however large the backlog. 1,024 keeps 16 lanes (and
// their batches) busy while the next page is read; 2,048 held a megabyte or
// two more of events and delivered no faster (see docs/benchmarks.md).
const maxInFlightPerShard = 1024

// shardProcessor is the stream.Processor of one shard: records become
// events and go through an ordered dispatcher.
//
// Conversion runs on a goroutine of its own, one page behind the reader, so
// that the reader's next GetRecords call overlaps with turning the last
// page into events: done inline, the conversion paused reading for about a
// tenth of the read time (see docs/benchmarks.md). The hand-over is
// unbuffered, so at most one page more than before is held in memory. The
// goroutine starts with the first page or flush: an idle shard has none,
// and among a thousand idle shards a goroutine each was a thousand stacks
// for every garbage collection to scan.
type shardProcessor struct {
	ref  stream.ShardRef
	d    *delivery.Dispatcher
	conv *event.Converter
	m    *metrics.Metrics
	lag  prometheus.Gauge
	log  *slog.Logger
	// deadLetters says a dead-letter sink takes what the sink does not.
	deadLetters bool
	// finish, when set, completes a record's event data with what only
	// the shard knows (the lambda format's eventSourceARN).
	finish func(data []byte, streamARN string) []byte

	work      chan work
	ctx       context.Context // the converter's; canceled by Close
	stop      context.CancelFunc
	done      chan struct{} // closed when the converter has returned
	startOnce sync.Once     // starts the converter, or, in Close, stands for one that never ran
	closeOnce sync.Once
}

// ErrClosed is what Submit and Flush return once the processor is closed:
// nothing given to it then is delivered or acknowledged.
var ErrClosed = errors.New("the shard's processor is closed")

// work is a page of records to convert and submit, or a flush barrier.
type work struct {
	page    stream.Page
	flushed chan struct{} // closed when every page before it is submitted
}

// newShardProcessor starts the processor of one shard. opts sets how it
// delivers (parallelism, batching); its Ack, Settled and MaxInFlight are
// the processor's own.
func newShardProcessor(sendCtx context.Context, ref stream.ShardRef, s delivery.Sender, conv *event.Converter,
	opts delivery.DispatcherOptions, ack func(string), m *metrics.Metrics, log *slog.Logger,
	finish func([]byte, string) []byte) *shardProcessor {
	p := &shardProcessor{ref: ref, conv: conv, m: m, log: log.With("shard", ref.ShardID), finish: finish,
		lag: m.CheckpointLag.WithLabelValues(ref.ShardID), work: make(chan work), done: make(chan struct{})}
	age := m.IteratorAge.WithLabelValues(ref.ShardID)
	opts.MaxInFlight = maxInFlightPerShard
	opts.Ack = func(seq string, created time.Time) {
		ack(seq)
		if !created.IsZero() {
			age.Set(time.Since(created).Seconds())
		}
		// Here as well as after Submit: once the last records are
		// acknowledged the lag must fall to 0, not stay at what the last
		// Submit left.
		p.lag.Set(float64(p.d.InFlight()))
	}
	opts.Settled = p.settled
	p.deadLetters = opts.DeadLetter != nil
	p.d = delivery.NewDispatcher(sendCtx, s, opts)
	p.ctx, p.stop = context.WithCancel(context.Background())
	return p
}

// start starts the converter unless it runs or the processor is closed.
func (p *shardProcessor) start() {
	p.startOnce.Do(func() { go p.convertLoop() })
}

// Submit implements stream.Processor: it hands the page over, blocking
// while the previous one is still being converted and submitted, which in
// turn blocks while too many records are in flight. After Close it returns
// ErrClosed.
func (p *shardProcessor) Submit(ctx context.Context, page stream.Page) error {
	p.start()
	select {
	case p.work <- work{page: page}:
		return nil
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush implements stream.Processor. After Close it returns ErrClosed.
func (p *shardProcessor) Flush(ctx context.Context) error {
	p.start()
	barrier := work{flushed: make(chan struct{})}
	select {
	case p.work <- barrier:
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-barrier.flushed:
	case <-ctx.Done():
		return ctx.Err()
	}
	if p.ctx.Err() != nil {
		return ErrClosed // closed while the pages before the barrier were dropped
	}
	err := p.d.Flush(ctx)
	p.lag.Set(float64(p.d.InFlight()))
	return err
}

// Close implements stream.Processor. Pages not yet submitted are dropped:
// nothing of them was acknowledged, so they are read again after a restart.
// The hand-over is never closed (a send on it would panic): the converter
// stops on its context, and Submit and Flush see done.
func (p *shardProcessor) Close() error {
	p.closeOnce.Do(func() {
		p.stop()
		p.startOnce.Do(func() { close(p.done) }) // never started: nothing to wait for
		<-p.done
		_ = p.d.Close()
		// A finished shard's series would otherwise stay forever.
		p.m.CheckpointLag.DeleteLabelValues(p.ref.ShardID)
		p.m.IteratorAge.DeleteLabelValues(p.ref.ShardID)
	})
	return nil
}

// convertLoop turns pages into events and submits them, in order, until
// Close.
func (p *shardProcessor) convertLoop() {
	defer close(p.done)
	for {
		var w work
		select {
		case w = <-p.work:
		case <-p.ctx.Done():
			return
		}
		if w.flushed != nil {
			close(w.flushed)
			continue
		}
		if p.ctx.Err() != nil {
			continue // closing: drop what is queued
		}
		if err := p.d.Submit(p.ctx, p.items(w.page)); err != nil {
			continue // closing
		}
		p.lag.Set(float64(p.d.InFlight()))
	}
}

// items turns records into the dispatcher's items; a record that cannot
// become an event is dropped (and counted), not allowed to stall the shard.
// One without a sequence number (no stream record: v1json.ErrNoStreamRecord)
// has no place in the window either: acknowledging it would move the
// checkpoint to "", so it is left out, after the count and the log.
func (p *shardProcessor) items(page stream.Page) []delivery.Item {
	recs := page.Records
	items := make([]delivery.Item, 0, len(recs))
	for i := range recs {
		items = append(items, delivery.Item{})
		it := &items[len(items)-1]
		if sr := recs[i].Dynamodb; sr != nil {
			if sr.SequenceNumber != nil {
				it.Seq = *sr.SequenceNumber
			}
			if sr.ApproximateCreationDateTime != nil {
				it.Created = *sr.ApproximateCreationDateTime
			}
		}
		var data []byte
		if page.Data != nil {
			data = page.Data[i]
		}
		var err error
		if page.Errs != nil {
			err = page.Errs[i] // the decoder refused or filtered the record
		}
		if err == errFiltered && it.Seq != "" {
			// Settled without sending: the checkpoint moves past it.
			it.Drop = true
			p.m.EventsFiltered.Inc()
			recs[i] = types.Record{}
			continue
		}
		if err == nil && p.finish != nil && data != nil {
			data = p.finish(data, p.ref.StreamARN)
		}
		if err == nil {
			it.Event, err = p.conv.ConvertData(recs[i], data)
		}
		var eventID string
		var raw types.Record
		if err != nil {
			if recs[i].EventID != nil {
				eventID = *recs[i].EventID
			}
			raw = recs[i]
		}
		// The light record is not needed once converted: its key map goes
		// now rather than when the whole page has entered the window.
		recs[i] = types.Record{}
		if err != nil {
			if it.Seq == "" {
				// Without a sequence number it has no place in the shard's
				// order nor in the checkpoint: counted and left out.
				p.m.EventsDropped.WithLabelValues(metrics.DropInvalid).Inc()
				p.log.Error("a record without a sequence number could not be turned into an event; skipping it", "event_id", eventID, "error", err)
				items = items[:len(items)-1]
				continue
			}
			p.log.Error("a record could not be turned into an event; it goes to the dead-letter sink as AWS sent it",
				"sequence", it.Seq, "event_id", eventID, "error", err)
			p.unconvertible(it, raw, err)
			continue
		}
		it.Key = it.Event.Subject()
	}
	return items
}

func (p *shardProcessor) settled(it *delivery.Item, err error, d time.Duration) {
	var rejected *delivery.RejectedError
	switch {
	case err == nil:
		p.m.EventsDelivered.Inc()
		p.m.DeliveryLatency.Observe(d.Seconds())
	case errors.As(err, &rejected):
		failure := delivery.Failure(rejected)
		if p.deadLetters {
			p.m.EventsDeadLettered.WithLabelValues(failure).Inc()
			p.log.Warn("an event the sink did not take went to the dead-letter sink", "event_id", it.Event.ID(),
				"failure", failure, "status", rejected.StatusCode, "attempts", rejected.Attempts, "error", rejected.Err)
			return
		}
		p.m.EventsDropped.WithLabelValues(dropReason(failure)).Inc()
		p.log.Error("the sink did not take an event; it is dropped (give delivery.deadLetterSink to keep such events)",
			"event_id", it.Event.ID(), "failure", failure, "status", rejected.StatusCode,
			"attempts", rejected.Attempts, "error", rejected.Err)
	}
}

// dropReason is the events_dropped_total reason of a failure.
func dropReason(failure string) string {
	switch failure {
	case delivery.FailureRetriesExhausted:
		return metrics.DropExhausted
	case delivery.FailureMaxRecordAge:
		return metrics.DropMaxRecordAge
	case delivery.FailureUnconvertible:
		return metrics.DropInvalid
	}
	return metrics.DropRejected
}

// unconvertible makes it an item for the dead-letter sink (delivery settles
// it there, or drops and counts it as invalid without one): its event has
// the attributes that could be read from r — the id (the sequence number
// when the record has no eventID), subject and time — and the stream record
// exactly as AWS sent it as data, when the decoder kept it. It keeps its
// key's place in the shard's order.
func (p *shardProcessor) unconvertible(it *delivery.Item, r types.Record, cause error) {
	var rawJSON []byte
	var rr interface{ RawRecord() []byte }
	if errors.As(cause, &rr) {
		rawJSON = rr.RawRecord()
	}
	if r.EventID == nil || *r.EventID == "" {
		id := it.Seq
		r.EventID = &id
	}
	ev, err := p.conv.ConvertData(r, rawJSON)
	if err != nil {
		// ConvertData needs only an id, which r now has: not reached, but
		// never a silent skip.
		p.m.EventsDropped.WithLabelValues(metrics.DropInvalid).Inc()
		it.Drop = true
		return
	}
	it.Event = ev
	it.Failure = delivery.FailureUnconvertible
	if it.Key = ev.Subject(); it.Key == "" {
		// Keys that could not be read: its own key, so it waits for nothing.
		it.Key = "unconvertible/" + it.Seq
	}
}
