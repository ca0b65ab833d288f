package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

func TestStreamHealth(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	// flowing is a healthy replica's report; each case changes it.
	flowing := streamreport.Report{OpenShards: 1, Delivered: 10, LastDelivered: ago(5 * time.Second),
		Stream: streamreport.StreamEnabled, IteratorAgeSeconds: 1, ReportedAt: ago(5 * time.Second)}
	with := func(f func(*streamreport.Report)) streamreport.Report { r := flowing; f(&r); return r }
	one := func(r streamreport.Report) map[string]streamreport.Report {
		return map[string]streamreport.Report{"pod-a": r}
	}
	tests := []struct {
		name       string
		reports    map[string]streamreport.Report
		memory     bool // checkpoint.store memory: no reports
		wantStatus metav1.ConditionStatus
		wantReason string
		wantInMsg  string
	}{
		{"changes delivered are healthy", one(flowing),
			false, metav1.ConditionTrue, ReasonChangesFlowing, "flow"},
		{"filtered changes flow too", one(with(func(r *streamreport.Report) { r.Delivered, r.Filtered = 0, 4 })),
			false, metav1.ConditionTrue, ReasonChangesFlowing, "flow"},
		{"an idle stream that is caught up is healthy", one(with(func(r *streamreport.Report) { r.Delivered, r.CaughtUp, r.IteratorAgeSeconds = 0, true, 0 })),
			false, metav1.ConditionTrue, ReasonCaughtUp, "waits for new changes"},
		{"nothing delivered and not caught up is starting", one(with(func(r *streamreport.Report) { r.Delivered = 0 })),
			false, metav1.ConditionUnknown, ReasonStarting, "no change delivered yet"},
		{"a stream not looked for yet is starting", one(with(func(r *streamreport.Report) { r.Delivered, r.Stream = 0, streamreport.StreamUnknown })),
			false, metav1.ConditionUnknown, ReasonStarting, "looking for the table's stream"},
		{"no report is unknown", nil,
			false, metav1.ConditionUnknown, ReasonNotReported, "has not reported yet"},
		{"the memory store does not report", nil,
			true, metav1.ConditionUnknown, ReasonNotReported, "checkpoint.store kubernetes"},
		{"a report older than StaleAfter is unknown", one(with(func(r *streamreport.Report) { r.ReportedAt = ago(streamreport.StaleAfter + time.Second) })),
			false, metav1.ConditionUnknown, ReasonReportStale, "has not reported since 2026-12-02T11:56:59Z"},
		{"a report just within StaleAfter still counts", one(with(func(r *streamreport.Report) { r.ReportedAt = ago(streamreport.StaleAfter) })),
			false, metav1.ConditionTrue, ReasonChangesFlowing, ""},
		{"an adapter that stopped is unknown, however recent its report", one(with(func(r *streamreport.Report) { r.Stopped = true })),
			false, metav1.ConditionUnknown, ReasonAdapterStopped, "stopped at"},
		{"no stream is said even by an adapter that stopped on it", one(with(func(r *streamreport.Report) {
			r.Stopped, r.Stream, r.ReportedAt = true, streamreport.StreamNone, ago(time.Hour/2)
		})),
			false, metav1.ConditionFalse, ReasonNoStream, "aws dynamodb update-table"},
		{"a failing sink comes before everything the stream says", one(with(func(r *streamreport.Report) {
			r.SinkFailingSince, r.TrimmedGaps, r.IteratorAgeSeconds = ago(90*time.Second), 1, 3600
		})),
			false, metav1.ConditionFalse, ReasonSinkFailing, "has failed since 2026-12-02T11:58:30Z (1m30s ago)"},
		{"a sink that refuses every change is failing", one(with(func(r *streamreport.Report) { r.Delivered, r.Dropped = 0, 3 })),
			false, metav1.ConditionFalse, ReasonSinkFailing, "refused every change sent (3 dropped"},
		{"a trimmed gap means changes were lost", one(with(func(r *streamreport.Report) { r.TrimmedGaps = 2 })),
			false, metav1.ConditionFalse, ReasonChangesLost, "2 time(s)"},
		{"an iterator age above FallingBehindAge falls behind", one(with(func(r *streamreport.Report) { r.IteratorAgeSeconds = 301 })),
			false, metav1.ConditionFalse, ReasonFallingBehind, "5m1s old"},
		{"an iterator age of exactly FallingBehindAge does not", one(with(func(r *streamreport.Report) { r.IteratorAgeSeconds = 300 })),
			false, metav1.ConditionTrue, ReasonChangesFlowing, ""},
		{"one replica behind makes the source behind", map[string]streamreport.Report{
			"pod-a": flowing, "pod-b": with(func(r *streamreport.Report) { r.IteratorAgeSeconds = 900 })},
			false, metav1.ConditionFalse, ReasonFallingBehind, "15m0s old"},
		{"a replica gone stale is left out while another reports", map[string]streamreport.Report{
			"pod-a": flowing, "pod-old": with(func(r *streamreport.Report) { r.SinkFailingSince, r.ReportedAt = ago(time.Hour), ago(time.Hour) })},
			false, metav1.ConditionTrue, ReasonChangesFlowing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, _ := streamHealth(tt.reports, !tt.memory, "awsdynamodbsource-s", now)
			if got.Type != ConditionStreamHealthy || got.Status != tt.wantStatus || got.Reason != tt.wantReason || !strings.Contains(got.Message, tt.wantInMsg) {
				t.Errorf("StreamHealthy = %s/%s %q\nwant %s/%s with %q", got.Status, got.Reason, got.Message, tt.wantStatus, tt.wantReason, tt.wantInMsg)
			}
		})
	}
}

func TestStreamStatusSumsReplicas(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	a := streamreport.Report{OpenShards: 2, FinishedShards: 1, Delivered: 10, Filtered: 1, DeadLettered: 2, Dropped: 3, TrimmedGaps: 0,
		IteratorAgeSeconds: 4, LastDelivered: now.Add(-20 * time.Second), SinkFailingSince: now.Add(-time.Minute),
		Stream: streamreport.StreamEnabled, ReportedAt: now.Add(-10 * time.Second)}
	b := streamreport.Report{OpenShards: 1, Delivered: 5, IteratorAgeSeconds: 9, LastDelivered: now.Add(-5 * time.Second),
		SinkFailingSince: now.Add(-2 * time.Minute), TrimmedGaps: 1, CaughtUp: true,
		Stream: streamreport.StreamEnabled, ReportedAt: now.Add(-2 * time.Second)}
	st, _, live := streamHealth(map[string]streamreport.Report{"a": a, "b": b}, true, "x", now)
	if !live {
		t.Fatal("fresh reports are not live")
	}
	if st.Replicas != 2 || st.OpenShards != 3 || st.FinishedShards != 1 || st.Delivered != 15 || st.Filtered != 1 ||
		st.DeadLettered != 2 || st.Dropped != 3 || st.TrimmedGaps != 1 {
		t.Errorf("counts not summed: %+v", st)
	}
	if st.IteratorAge.Duration != 9*time.Second {
		t.Errorf("iterator age %v, want the largest, 9s", st.IteratorAge.Duration)
	}
	if !st.LastDeliveredTime.Time.Equal(b.LastDelivered) || !st.SinkFailingSince.Time.Equal(b.SinkFailingSince) || !st.ReportedAt.Time.Equal(a.ReportedAt) {
		t.Errorf("times: last delivered %v (want the latest), failing since %v (the earliest), reported %v (the oldest)",
			st.LastDeliveredTime, st.SinkFailingSince, st.ReportedAt)
	}
	if st.CaughtUp {
		t.Error("caught up while replica a reads")
	}
	if st.StreamEnabled == nil || !*st.StreamEnabled {
		t.Errorf("streamEnabled %v", st.StreamEnabled)
	}
}

// The snapshot's progress reaches status.stream: items add up over the
// replicas, segments are the scan's, done once every segment is; without
// a snapshot in any report there is none in the status.
func TestStreamStatusShowsTheSnapshot(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	report := func(sn *streamreport.Snapshot) streamreport.Report {
		return streamreport.Report{OpenShards: 1, Stream: streamreport.StreamEnabled, ReportedAt: now.Add(-time.Second), Snapshot: sn}
	}
	tests := []struct {
		name    string
		reports map[string]streamreport.Report
		want    *v1alpha1.SnapshotStatus
	}{
		{"no snapshot, no snapshot status",
			map[string]streamreport.Report{"a": report(nil)}, nil},
		{"a snapshot under way shows its items and segments",
			map[string]streamreport.Report{"a": report(&streamreport.Snapshot{Items: 1500, Segments: 4, SegmentsDone: 1})},
			&v1alpha1.SnapshotStatus{Items: 1500, Segments: 4, SegmentsDone: 1}},
		{"every segment done is a done snapshot",
			map[string]streamreport.Report{"a": report(&streamreport.Snapshot{Items: 20000, Segments: 4, SegmentsDone: 4})},
			&v1alpha1.SnapshotStatus{Items: 20000, Segments: 4, SegmentsDone: 4, Done: true}},
		{"items add up over the replicas",
			map[string]streamreport.Report{"a": report(&streamreport.Snapshot{Items: 10, Segments: 4, SegmentsDone: 2}), "b": report(&streamreport.Snapshot{Items: 5, Segments: 4, SegmentsDone: 3})},
			&v1alpha1.SnapshotStatus{Items: 15, Segments: 4, SegmentsDone: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, _ := streamHealth(tt.reports, true, "x", now)
			if (st.Snapshot == nil) != (tt.want == nil) || (tt.want != nil && *st.Snapshot != *tt.want) {
				t.Errorf("status.stream.snapshot = %+v, want %+v", st.Snapshot, tt.want)
			}
		})
	}
}
