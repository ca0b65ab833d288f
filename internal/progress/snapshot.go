package progress

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The metric families a Snapshot reads (see internal/metrics).
const (
	metricDelivered = "dynamodb_source_events_delivered_total"
	metricRead      = "dynamodb_source_records_read_total"
	metricCalls     = "dynamodb_source_aws_calls_total"
	metricAge       = "dynamodb_source_iterator_age_seconds"
	metricLag       = "dynamodb_source_checkpoint_lag_records"
	metricActive    = "dynamodb_source_shards_active"
	metricFinished  = "dynamodb_source_shards_finished_total"

	metricFiltered     = "dynamodb_source_events_filtered_total"
	metricDeadLettered = "dynamodb_source_events_dead_lettered_total"
	metricDropped      = "dynamodb_source_events_dropped_total"
	metricTrimmedGaps  = "dynamodb_source_trimmed_gaps_total"
	metricStream       = "dynamodb_source_stream_enabled"
	metricSinkFailing  = "dynamodb_source_sink_failing_since_timestamp_seconds"

	metricSnapItems        = "dynamodb_source_snapshot_items_total"
	metricSnapSegments     = "dynamodb_source_snapshot_segments"
	metricSnapSegmentsDone = "dynamodb_source_snapshot_segments_done"
)

// Snapshot is what the progress lines (and the adapter's status report,
// internal/streamreport) need of a source's metrics at one moment.
type Snapshot struct {
	At        time.Time
	Delivered float64 // changes the sink acknowledged
	Read      float64 // stream records read
	Polls     float64 // GetRecords calls
	Lag       float64 // records read and not yet acknowledged, all shards
	Age       float64 // the largest iterator age of a shard being read, seconds
	AgeKnown  bool    // some shard has acknowledged a record, so Age means something
	// Ages is the iterator age by shard. A shard's age is only set when it
	// acknowledges a record, so one that changed between two snapshots is
	// fresh, and one that did not may be stale.
	Ages map[string]float64
	// Lags is checkpoint_lag_records by shard: records in flight.
	Lags     map[string]float64
	Active   float64 // shards being read
	Finished float64 // closed shards read to their end

	Filtered     float64 // changes no filter pattern matched, not sent
	DeadLettered float64 // events the dead-letter sink took
	Dropped      float64 // events given up on without a dead-letter sink
	TrimmedGaps  float64 // times records were trimmed before they were read
	// StreamKnown says whether the source has looked for the table's
	// stream yet; StreamEnabled whether it found one to read.
	StreamKnown, StreamEnabled bool
	// SinkFailingSince is when sending began to fail (retried failures);
	// zero while the sink takes events.
	SinkFailingSince time.Time

	// The initial snapshot: items settled, segments and segments done (0
	// segments: no snapshot).
	SnapItems, SnapSegments, SnapSegmentsDone float64
}

// Take gathers g and reads a Snapshot from it, dated at.
func Take(g prometheus.Gatherer, at time.Time) (Snapshot, error) {
	mfs, err := g.Gather()
	if err != nil {
		return Snapshot{}, fmt.Errorf("gathering the source's metrics: %w", err)
	}
	s := Snapshot{At: at}
	for _, mf := range mfs {
		switch mf.GetName() {
		case metricDelivered:
			s.Delivered = sum(mf)
		case metricRead:
			s.Read = sum(mf)
		case metricCalls:
			for _, m := range mf.GetMetric() {
				if label(m, "operation") == "GetRecords" {
					s.Polls += value(m)
				}
			}
		case metricLag:
			s.Lag = sum(mf)
			s.Lags = make(map[string]float64, len(mf.GetMetric()))
			for _, m := range mf.GetMetric() {
				s.Lags[label(m, "shard")] = value(m)
			}
		case metricFiltered:
			s.Filtered = sum(mf)
		case metricDeadLettered:
			s.DeadLettered = sum(mf)
		case metricDropped:
			s.Dropped = sum(mf)
		case metricTrimmedGaps:
			s.TrimmedGaps = sum(mf)
		case metricStream:
			s.StreamKnown = len(mf.GetMetric()) > 0
			s.StreamEnabled = sum(mf) > 0
		case metricSinkFailing:
			if v := sum(mf); v > 0 {
				s.SinkFailingSince = time.Unix(0, int64(v*1e9)).UTC()
			}
		case metricSnapItems:
			s.SnapItems = sum(mf)
		case metricSnapSegments:
			s.SnapSegments = sum(mf)
		case metricSnapSegmentsDone:
			s.SnapSegmentsDone = sum(mf)
		case metricActive:
			s.Active = sum(mf)
		case metricFinished:
			s.Finished = sum(mf)
		case metricAge:
			s.Ages = make(map[string]float64, len(mf.GetMetric()))
			for _, m := range mf.GetMetric() {
				v := value(m)
				if !s.AgeKnown || v > s.Age {
					s.Age = v
				}
				s.AgeKnown = true
				s.Ages[label(m, "shard")] = v
			}
		}
	}
	return s, nil
}

// sum adds up every series of a family.
func sum(mf *dto.MetricFamily) float64 {
	var t float64
	for _, m := range mf.GetMetric() {
		t += value(m)
	}
	return t
}

func value(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	if g := m.GetGauge(); g != nil {
		return g.GetValue()
	}
	return m.GetUntyped().GetValue()
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
