package streamreport

import (
	"encoding/json"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/kname"
)

// Timing of the reports. The controller counts a report older than
// StaleAfter as silence: three heartbeats missed.
const (
	// Interval is the least time between two writes of one replica's
	// report: at most 6 writes a minute, however many shards it reads.
	Interval = 10 * time.Second
	// Heartbeat is how often an unchanged report is written again, so that
	// the controller can tell a quiet adapter from a silent one.
	Heartbeat = time.Minute
	// StaleAfter is the age past which a running adapter's report no
	// longer counts.
	StaleAfter = 3 * time.Minute
	// PruneAfter is the age past which a report, of a pod long gone, is
	// removed from the ConfigMap by the next adapter that writes.
	PruneAfter = time.Hour
)

// DefaultReplica keys the report of an adapter that has no POD_NAME.
const DefaultReplica = "adapter"

// ComponentStatus is the app.kubernetes.io/component of the status
// ConfigMap; the controller watches ConfigMaps with it.
const ComponentStatus = "status"

// ConfigMapName is the name of the status ConfigMap of the source named
// source. The controller creates it; the adapter patches its own key.
func ConfigMapName(source string) string {
	return kname.Child(source, "-dynamodb-status")
}

// ConfigMapLabels are the labels of the status ConfigMap of source.
func ConfigMapLabels(source string) map[string]string {
	return map[string]string{
		checkpoint.LabelPartOf:    checkpoint.PartOf,
		checkpoint.LabelComponent: ComponentStatus,
		checkpoint.LabelInstance:  kname.LabelValue(source),
	}
}

// Stream states of a Report.
const (
	StreamUnknown = ""        // not looked for yet
	StreamEnabled = "Enabled" // the table has a stream to read
	StreamNone    = "None"    // no stream: disabled, or no such table
)

// Report is one adapter replica's summary. Counts are since the adapter
// started, as its Prometheus counters are. It carries no secret: numbers,
// times and states only.
type Report struct {
	// OpenShards are the shards being read; FinishedShards the closed ones
	// read to their end since the adapter started.
	OpenShards     int `json:"openShards"`
	FinishedShards int `json:"finishedShards"`
	// IteratorAgeSeconds is the age of the oldest change not yet
	// acknowledged, in whole seconds; 0 when every shard is at its end.
	IteratorAgeSeconds int64 `json:"iteratorAgeSeconds"`
	// CaughtUp says that, over the last interval, every shard was polled
	// and had nothing new, with nothing in flight.
	CaughtUp bool `json:"caughtUp,omitempty"`
	// LastDelivered is when the adapter last saw a change delivered, to
	// within Interval.
	LastDelivered time.Time `json:"lastDeliveredTime,omitzero"`
	Delivered     int64     `json:"delivered"`
	Filtered      int64     `json:"filtered"`
	DeadLettered  int64     `json:"deadLettered"`
	Dropped       int64     `json:"dropped"`
	TrimmedGaps   int64     `json:"trimmedGaps"`
	// SinkFailingSince is when sending began to fail with errors that are
	// retried; zero while the sink takes events.
	SinkFailingSince time.Time `json:"sinkFailingSince,omitzero"`
	// Stream is StreamUnknown, StreamEnabled or StreamNone.
	Stream string `json:"stream,omitempty"`
	// Snapshot is the initial snapshot's progress (snapshot.mode
	// initial); nil without one running or done in this process.
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	// Stopped marks the last report of an adapter that stopped: it stays
	// the adapter's word until a new one reports, however old.
	Stopped bool `json:"stopped,omitempty"`
	// ReportedAt is when the report was made.
	ReportedAt time.Time `json:"reportedAt"`
}

// Snapshot is the progress of the initial snapshot in one replica.
type Snapshot struct {
	// Items are the snapshot's items settled (delivered, filtered or
	// dead-lettered) since the adapter started.
	Items int64 `json:"items"`
	// Segments and SegmentsDone are the scan's segments, and those scanned
	// and delivered to their end.
	Segments     int `json:"segments"`
	SegmentsDone int `json:"segmentsDone"`
}

// same reports whether r and o say the same, whenever they were made:
// their JSON is compared, so times compare by instant.
func (r Report) same(o Report) bool {
	r.ReportedAt, o.ReportedAt = time.Time{}, time.Time{}
	a, errA := json.Marshal(r)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && string(a) == string(b)
}

// Parse reads the reports of a status ConfigMap's data, by replica. An
// entry that is not a report is left out.
func Parse(data map[string]string) map[string]Report {
	out := make(map[string]Report, len(data))
	for k, v := range data {
		var r Report
		if json.Unmarshal([]byte(v), &r) == nil && !r.ReportedAt.IsZero() {
			out[k] = r
		}
	}
	return out
}
