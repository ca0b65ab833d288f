package controller

import (
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

// ConditionStreamHealthy says whether changes flow from the stream to the
// sink, from the adapter's reports (internal/streamreport). It does not
// take part in Ready, which stays about the objects the controller runs.
const ConditionStreamHealthy = "StreamHealthy"

// Reasons of StreamHealthy.
const (
	ReasonChangesFlowing = "ChangesFlowing" // True
	ReasonCaughtUp       = "CaughtUp"       // True
	ReasonSinkFailing    = "SinkFailing"
	ReasonChangesLost    = "ChangesLost"
	ReasonFallingBehind  = "FallingBehind"
	ReasonNoStream       = "NoStream"
	ReasonStarting       = "Starting"       // Unknown
	ReasonNotReported    = "NotReported"    // Unknown
	ReasonReportStale    = "ReportStale"    // Unknown
	ReasonAdapterStopped = "AdapterStopped" // Unknown
)

// FallingBehindAge is the iterator age past which a source is falling
// behind: live changes are delivered within seconds, so five minutes means
// the sink or the adapter does not keep up with the table's writes, well
// before the stream's 24-hour retention is at risk (the alerts of
// config/prometheus warn at 1 h and 12 h).
const FallingBehindAge = 5 * time.Minute

// streamHealth is status.stream and StreamHealthy for the reports of a
// source's status ConfigMap at now; live says whether fresh reports count
// (then status.stream.reportedAt + StaleAfter is when to look again).
func streamHealth(reports map[string]streamreport.Report, kubernetesStore bool, adapter string, now time.Time) (*v1alpha1.StreamStatus, metav1.Condition, bool) {
	counted, live, stopped := streamReports(reports, now)
	st := sumReports(counted)
	return st, streamHealthy(st, live, stopped, kubernetesStore, adapter, now), live
}

// streamReports picks the reports that count at now: those of the running
// replicas, fresher than streamreport.StaleAfter, or, when there are none,
// the newest report there is. live says whether the ones returned are
// fresh, stopped whether the newest is an adapter's last.
func streamReports(all map[string]streamreport.Report, now time.Time) (counted []streamreport.Report, live, stopped bool) {
	var newest *streamreport.Report
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := all[k]
		if !r.Stopped && now.Sub(r.ReportedAt) <= streamreport.StaleAfter {
			counted = append(counted, r)
		}
		if newest == nil || r.ReportedAt.After(newest.ReportedAt) {
			newest = &r
		}
	}
	if len(counted) > 0 {
		return counted, true, false
	}
	if newest != nil {
		return []streamreport.Report{*newest}, false, newest.Stopped
	}
	return nil, false, false
}

// sumReports is status.stream for the counted reports: counts add up, the
// iterator age is the largest, the sink fails since the earliest failure,
// and the reports are as old as the oldest.
func sumReports(reports []streamreport.Report) *v1alpha1.StreamStatus {
	if len(reports) == 0 {
		return nil
	}
	st := &v1alpha1.StreamStatus{Replicas: int32(len(reports))}
	var age int64
	known, enabled := false, true
	someCaughtUp, someReading := false, false
	for _, r := range reports {
		st.OpenShards += int32(r.OpenShards)
		st.FinishedShards += int32(r.FinishedShards)
		st.Delivered += r.Delivered
		st.Filtered += r.Filtered
		st.DeadLettered += r.DeadLettered
		st.Dropped += r.Dropped
		st.TrimmedGaps += r.TrimmedGaps
		age = max(age, r.IteratorAgeSeconds)
		st.LastDeliveredTime = latest(st.LastDeliveredTime, r.LastDelivered)
		if !r.SinkFailingSince.IsZero() && (st.SinkFailingSince == nil || r.SinkFailingSince.Before(st.SinkFailingSince.Time)) {
			st.SinkFailingSince = &metav1.Time{Time: r.SinkFailingSince}
		}
		if st.ReportedAt == nil || r.ReportedAt.Before(st.ReportedAt.Time) {
			st.ReportedAt = &metav1.Time{Time: r.ReportedAt}
		}
		if sn := r.Snapshot; sn != nil {
			if st.Snapshot == nil {
				st.Snapshot = &v1alpha1.SnapshotStatus{}
			}
			st.Snapshot.Items += sn.Items
			st.Snapshot.Segments = max(st.Snapshot.Segments, int32(sn.Segments))
			st.Snapshot.SegmentsDone = max(st.Snapshot.SegmentsDone, int32(sn.SegmentsDone))
		}
		if r.Stream != streamreport.StreamUnknown {
			known = true
			enabled = enabled && r.Stream == streamreport.StreamEnabled
		}
		// A replica with no shard to read (more replicas than shards) is
		// neither caught up nor behind.
		someCaughtUp = someCaughtUp || r.CaughtUp
		someReading = someReading || (!r.CaughtUp && r.OpenShards > 0)
	}
	st.CaughtUp = someCaughtUp && !someReading
	if sn := st.Snapshot; sn != nil {
		sn.Done = sn.Segments > 0 && sn.SegmentsDone >= sn.Segments
	}
	st.IteratorAge = &metav1.Duration{Duration: time.Duration(age) * time.Second}
	if known {
		st.StreamEnabled = &enabled
	}
	return st
}

func latest(t *metav1.Time, u time.Time) *metav1.Time {
	if u.IsZero() || (t != nil && !u.After(t.Time)) {
		return t
	}
	return &metav1.Time{Time: u}
}

// streamHealthy decides StreamHealthy from status.stream (st, nil when no
// report counts) and whether its reports are live; what comes first in the
// list below wins, so that the message names the cause to fix first.
// kubernetesStore says whether the adapter reports at all (only the
// kubernetes checkpoint store gives it Kubernetes access); adapter names its
// Deployment, for the commands the messages give.
func streamHealthy(st *v1alpha1.StreamStatus, live, stopped, kubernetesStore bool, adapter string, now time.Time) metav1.Condition {
	cond := func(status metav1.ConditionStatus, reason, msg string, args ...any) metav1.Condition {
		return condition(ConditionStreamHealthy, status, reason, fmt.Sprintf(msg, args...))
	}
	logs := "kubectl logs deployment/" + adapter
	switch {
	case !kubernetesStore:
		return cond(metav1.ConditionUnknown, ReasonNotReported,
			"the adapter reports the stream's health only with checkpoint.store kubernetes (the default), which gives it access to its ConfigMaps; use its metrics (docs/metrics.md) instead")
	case st == nil:
		return cond(metav1.ConditionUnknown, ReasonNotReported,
			"the adapter has not reported yet; if this lasts more than a minute, see `kubectl get pods -l app.kubernetes.io/instance=<source>` and `%s`", logs)
	case st.StreamEnabled != nil && !*st.StreamEnabled:
		return cond(metav1.ConditionFalse, ReasonNoStream,
			"the table has no DynamoDB stream (disabled, or no such table): enable one with `aws dynamodb update-table --table-name <table> --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`, or check spec.arn; `%s` says more", logs)
	case stopped:
		return cond(metav1.ConditionUnknown, ReasonAdapterStopped,
			"the adapter stopped at %s and no pod has reported since: see `kubectl get pods -l app.kubernetes.io/instance=<source>` and `%s --previous`", st.ReportedAt.UTC().Format(time.RFC3339), logs)
	case !live:
		return cond(metav1.ConditionUnknown, ReasonReportStale,
			"the adapter has not reported since %s (it reports at least every minute): it may be stuck or unable to write its status ConfigMap; see `%s`", st.ReportedAt.UTC().Format(time.RFC3339), logs)
	case st.SinkFailingSince != nil:
		return cond(metav1.ConditionFalse, ReasonSinkFailing,
			"sending to the sink has failed since %s (%s ago); changes are held and sent again with backoff, nothing is lost while the stream keeps them (24 h): check that the sink (status.sinkUri) is up and answers 2xx; `%s` shows the errors",
			st.SinkFailingSince.UTC().Format(time.RFC3339), now.Sub(st.SinkFailingSince.Time).Round(time.Second), logs)
	case st.Delivered == 0 && st.Dropped+st.DeadLettered > 0:
		return cond(metav1.ConditionFalse, ReasonSinkFailing,
			"the sink refused every change sent (%d dropped, %d dead-lettered, none delivered): check what the sink accepts; `%s` shows its answers", st.Dropped, st.DeadLettered, logs)
	case st.TrimmedGaps > 0:
		return cond(metav1.ConditionFalse, ReasonChangesLost,
			"changes were lost: %d time(s) the stream had trimmed changes (older than 24 h) before the adapter read them, e.g. after a long outage; it reads on from the oldest change left. Replay what is missing from the table if you need it; this stays until the adapter restarts (`kubectl rollout restart deployment/%s`)", st.TrimmedGaps, adapter)
	case st.IteratorAge != nil && st.IteratorAge.Duration > FallingBehindAge:
		return cond(metav1.ConditionFalse, ReasonFallingBehind,
			"the oldest change not yet delivered is %s old (more than %s): the sink or the adapter does not keep up, and at 24 h the stream trims changes. Raise spec.delivery.parallelism or delivery.batch, or make the sink faster; `%s` says more",
			st.IteratorAge.Duration, FallingBehindAge, logs)
	case st.Delivered+st.Filtered > 0:
		return cond(metav1.ConditionTrue, ReasonChangesFlowing, "changes flow to the sink")
	case st.CaughtUp:
		return cond(metav1.ConditionTrue, ReasonCaughtUp, "the adapter has read the stream to its end and waits for new changes")
	case st.StreamEnabled == nil:
		return cond(metav1.ConditionUnknown, ReasonStarting, "the adapter is looking for the table's stream")
	default:
		return cond(metav1.ConditionUnknown, ReasonStarting, "the adapter is reading the stream; no change delivered yet")
	}
}
