package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "dynamodb_source"

// Metrics holds every collector of a source.
type Metrics struct {
	EventsDelivered prometheus.Counter
	EventsFailed    *prometheus.CounterVec // attempts that failed, by reason
	EventsRetried   prometheus.Counter
	EventsDropped   *prometheus.CounterVec // events given up on, by reason
	// EventsDeadLettered counts events the dead-letter sink took, by
	// reason (delivery.Failure*).
	EventsDeadLettered *prometheus.CounterVec
	DeliveryLatency    prometheus.Histogram // one delivery, retries included
	// EventsFiltered counts changes that matched no filter pattern and
	// were skipped (spec.filterCriteria).
	EventsFiltered prometheus.Counter

	AWSCalls       *prometheus.CounterVec // by operation
	AWSErrors      *prometheus.CounterVec // by operation and error code
	RecordsRead    prometheus.Counter
	RecordsSkipped prometheus.Counter // before the starting point (AT_TIMESTAMP, LATEST recovery)

	IteratorAge     *prometheus.GaugeVec // seconds, by shard
	CheckpointLag   *prometheus.GaugeVec // records read and not yet acknowledged, by shard
	ShardsActive    prometheus.Gauge
	ShardsFinished  prometheus.Counter
	TrimmedGaps     prometheus.Counter
	CheckpointSaves *prometheus.CounterVec // by result

	// StreamEnabled is 1 while the table has a stream to read, 0 when it
	// has none (disabled, or the table not found). Its one series appears
	// when the source first knows, so that "not known yet" is not "none".
	StreamEnabled *prometheus.GaugeVec
	// SinkFailingSince is the Unix time at which sending to the sink
	// began to fail in a way that is retried (the sink down, overloaded,
	// unreachable), 0 while the sink takes events.
	SinkFailingSince prometheus.Gauge

	// The initial snapshot (snapshot.mode initial).
	SnapshotItems        prometheus.Counter // items delivered (or settled) by the snapshot
	SnapshotItemsSkipped prometheus.Counter // scanned items left out: the stream changed them
	SnapshotSegments     prometheus.Gauge   // segments of the snapshot; 0 without one
	SnapshotSegmentsDone prometheus.Gauge   // segments scanned and delivered to their end
	SnapshotPagesHeld    prometheus.Gauge   // scanned pages waiting for the stream
}

// New creates the collectors and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		EventsDelivered: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "events_delivered_total",
			Help: "Events the sink acknowledged."}),
		EventsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_failed_total",
			Help: "Delivery attempts that failed, by reason (an HTTP status code, or network)."}, []string{"reason"}),
		EventsRetried: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "events_retried_total",
			Help: "Delivery attempts that were retried."}),
		EventsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_dropped_total",
			Help: "Events given up on without a dead-letter sink, by reason: rejected (a status that is not retried), exhausted (retries used up), maxrecordage (older than delivery.maxRecordAge), invalid (could not be built)."}, []string{"reason"}),
		EventsDeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_dead_lettered_total",
			Help: "Events the dead-letter sink took, by reason: rejected (a status that is not retried), retriesexhausted, maxrecordage, unconvertible."}, []string{"reason"}),
		EventsFiltered: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "events_filtered_total",
			Help: "Changes that matched no filter pattern (filterCriteria) and were not sent; the checkpoint moves past them."}),
		DeliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "delivery_duration_seconds",
			Help:    "Time to deliver one event, retries included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		AWSCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "aws_calls_total",
			Help: "DynamoDB Streams API calls, by operation."}, []string{"operation"}),
		AWSErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "aws_errors_total",
			Help: "DynamoDB Streams API errors, by operation and error code."}, []string{"operation", "code"}),
		RecordsRead: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "records_read_total",
			Help: "Stream records read."}),
		RecordsSkipped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "records_skipped_total",
			Help: "Stream records skipped because they precede the starting point."}),
		IteratorAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "iterator_age_seconds",
			Help: "Now minus the creation time of the last acknowledged record, by shard."}, []string{"shard"}),
		CheckpointLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "checkpoint_lag_records",
			Help: "Records read from a shard and not yet acknowledged, by shard."}, []string{"shard"}),
		ShardsActive: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "shards_active",
			Help: "Shards being read."}),
		ShardsFinished: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "shards_finished_total",
			Help: "Closed shards read to their end, every record acknowledged."}),
		TrimmedGaps: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "trimmed_gaps_total",
			Help: "Times a checkpoint pointed at records the stream had already trimmed (records were lost before the source could read them)."}),
		CheckpointSaves: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "checkpoint_saves_total",
			Help: "Checkpoint saves, by result (ok, error)."}, []string{"result"}),
		StreamEnabled: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "stream_enabled",
			Help: "1 while the table has a stream to read, 0 when it has none (disabled, or the table not found); absent until the source knows."}, nil),
		SinkFailingSince: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "sink_failing_since_timestamp_seconds",
			Help: "Unix time at which sending to the sink began to fail with errors that are retried; 0 while the sink takes events."}),
		SnapshotItems: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "snapshot_items_total",
			Help: "Items of the initial snapshot settled (delivered, filtered or dead-lettered)."}),
		SnapshotItemsSkipped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "snapshot_items_skipped_total",
			Help: "Scanned items the initial snapshot left out because the stream changed them since the snapshot began (the change carries them)."}),
		SnapshotSegments: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "snapshot_segments",
			Help: "Scan segments of the initial snapshot; 0 when the source takes none."}),
		SnapshotSegmentsDone: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "snapshot_segments_done",
			Help: "Scan segments of the initial snapshot scanned and delivered to their end."}),
		SnapshotPagesHeld: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "snapshot_pages_held",
			Help: "Scanned pages the initial snapshot holds until the stream has been read past the moment they were read."}),
	}
	reg.MustRegister(m.EventsDelivered, m.EventsFailed, m.EventsRetried, m.EventsDropped, m.EventsDeadLettered, m.EventsFiltered, m.DeliveryLatency,
		m.AWSCalls, m.AWSErrors, m.RecordsRead, m.RecordsSkipped, m.IteratorAge, m.CheckpointLag,
		m.ShardsActive, m.ShardsFinished, m.TrimmedGaps, m.CheckpointSaves, m.StreamEnabled, m.SinkFailingSince,
		m.SnapshotItems, m.SnapshotItemsSkipped, m.SnapshotSegments, m.SnapshotSegmentsDone, m.SnapshotPagesHeld)
	// Series with a known, fixed set of labels start at 0, so that a rate
	// or an alert on them works before the first increment (an absent
	// series is not a zero one).
	for _, op := range Operations {
		m.AWSCalls.WithLabelValues(op)
	}
	for _, reason := range []string{DropRejected, DropExhausted, DropMaxRecordAge, DropInvalid} {
		m.EventsDropped.WithLabelValues(reason)
	}
	for _, reason := range DeadLetterReasons {
		m.EventsDeadLettered.WithLabelValues(reason)
	}
	for _, result := range []string{"ok", "error"} {
		m.CheckpointSaves.WithLabelValues(result)
	}
	return m
}

// Operations are the DynamoDB Streams API operations the source calls, the
// values of the operation label.
var Operations = []string{"ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"}

// Reasons of events_dropped_total.
const (
	DropRejected  = "rejected"  // the sink answered a status that is not retried
	DropExhausted = "exhausted" // retries used up
	DropInvalid   = "invalid"   // the record could not be turned into an event
	// DropMaxRecordAge: older than delivery.maxRecordAge when it would
	// have been sent (again).
	DropMaxRecordAge = "maxrecordage"
)

// DeadLetterReasons are the values of events_dead_lettered_total's reason
// label: delivery's Failure* names, spelled here so that metrics depends on
// nothing.
var DeadLetterReasons = []string{"rejected", "retriesexhausted", "maxrecordage", "unconvertible"}

// NewUnregistered returns collectors registered nowhere, for tests and
// tools that do not serve metrics.
func NewUnregistered() *Metrics { return New(prometheus.NewRegistry()) }
