package source

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// maxInFlightPerShard bounds the records of a shard read and not yet
// acknowledged: a little more than one GetRecords page (1,000 records), so
// the next page is being fetched while the last one is delivered, and memory
// stays flat however large the backlog.
const maxInFlightPerShard = 2048

// shardProcessor is the stream.Processor of one shard: records become
// events and go through an ordered dispatcher.
type shardProcessor struct {
	ref  stream.ShardRef
	d    *delivery.Dispatcher
	conv *event.Converter
	m    *metrics.Metrics
	log  *slog.Logger
}

func newShardProcessor(sendCtx context.Context, ref stream.ShardRef, s delivery.Sender, conv *event.Converter,
	parallelism int, ack func(string), m *metrics.Metrics, log *slog.Logger) *shardProcessor {
	p := &shardProcessor{ref: ref, conv: conv, m: m, log: log.With("shard", ref.ShardID)}
	age := m.IteratorAge.WithLabelValues(ref.ShardID)
	p.d = delivery.NewDispatcher(sendCtx, s, delivery.DispatcherOptions{
		Parallelism: parallelism,
		MaxInFlight: maxInFlightPerShard,
		Ack: func(seq string, created time.Time) {
			ack(seq)
			if !created.IsZero() {
				age.Set(time.Since(created).Seconds())
			}
		},
		Settled: p.settled,
	})
	return p
}

// Submit implements stream.Processor.
func (p *shardProcessor) Submit(ctx context.Context, recs []types.Record) error {
	items := make([]delivery.Item, len(recs))
	for i := range recs {
		it := &items[i]
		if sr := recs[i].Dynamodb; sr != nil {
			if sr.SequenceNumber != nil {
				it.Seq = *sr.SequenceNumber
			}
			if sr.ApproximateCreationDateTime != nil {
				it.Created = *sr.ApproximateCreationDateTime
			}
		}
		ev, err := p.conv.Convert(recs[i])
		if err != nil {
			p.m.EventsDropped.WithLabelValues("invalid").Inc()
			p.log.Error("a record could not be turned into an event; skipping it", "sequence", it.Seq, "error", err)
			it.Drop = true
			continue
		}
		it.Event = ev
		it.Key = ev.Subject()
	}
	err := p.d.Submit(ctx, items)
	p.m.CheckpointLag.WithLabelValues(p.ref.ShardID).Set(float64(p.d.InFlight()))
	return err
}

// Flush implements stream.Processor.
func (p *shardProcessor) Flush(ctx context.Context) error {
	err := p.d.Flush(ctx)
	p.m.CheckpointLag.WithLabelValues(p.ref.ShardID).Set(float64(p.d.InFlight()))
	return err
}

// Close implements stream.Processor.
func (p *shardProcessor) Close() error {
	err := p.d.Close()
	// A finished shard's series would otherwise stay forever.
	p.m.CheckpointLag.DeleteLabelValues(p.ref.ShardID)
	p.m.IteratorAge.DeleteLabelValues(p.ref.ShardID)
	return err
}

func (p *shardProcessor) settled(it *delivery.Item, err error, d time.Duration) {
	var rejected *delivery.RejectedError
	switch {
	case err == nil:
		p.m.EventsDelivered.Inc()
		p.m.DeliveryLatency.Observe(d.Seconds())
	case errors.As(err, &rejected):
		reason := "rejected"
		if rejected.StatusCode == 0 || isRetryableStatus(rejected.StatusCode) {
			reason = "exhausted"
		}
		p.m.EventsDropped.WithLabelValues(reason).Inc()
		p.log.Error("the sink refused an event; it is dropped", "event_id", it.Event.ID(), "status", rejected.StatusCode,
			"attempts", rejected.Attempts, "error", rejected.Err)
	}
}

func isRetryableStatus(code int) bool {
	return delivery.Classify(code, nil) == delivery.Retry
}

// observer counts every delivery attempt.
type observer struct{ m *metrics.Metrics }

func (o observer) Attempted(status int, err error, _ time.Duration) {
	if err == nil {
		return
	}
	reason := "network"
	if status != 0 {
		reason = strconv.Itoa(status)
	}
	o.m.EventsFailed.WithLabelValues(reason).Inc()
}

func (o observer) Retrying(int, time.Duration, error) { o.m.EventsRetried.Inc() }
