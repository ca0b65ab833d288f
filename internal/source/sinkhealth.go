package source

import (
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

// sinkReminder is how often a sink that keeps failing is logged again.
const sinkReminder = time.Minute

// sinkObserver counts every delivery attempt and tells the operator when the
// sink starts failing in a way that is retried (down, overloaded, a
// certificate not trusted) and when it takes events again: one line at the
// start of a failure streak, a reminder every sinkReminder while it lasts,
// and one when it ends, however many lanes are retrying. Without it a sink
// that is down would only show in metrics, and each event's retry in the
// log would flood it. Refusals of single events are not the sink's health;
// they are logged where the event is dropped (shardProcessor.settled).
type sinkObserver struct {
	m   *metrics.Metrics
	log *slog.Logger
	now func() time.Time

	// failing lets a delivered attempt skip the lock while all is well:
	// that is every attempt of a healthy sink.
	failing atomic.Bool

	mu       sync.Mutex
	since    time.Time // when the streak began
	lastLog  time.Time
	failures int // failed attempts in the streak
}

func newSinkObserver(m *metrics.Metrics, log *slog.Logger) *sinkObserver {
	return &sinkObserver{m: m, log: log, now: time.Now}
}

var _ delivery.Observer = (*sinkObserver)(nil)

func (o *sinkObserver) Attempted(status int, err error, _ time.Duration) {
	if err == nil {
		if o.failing.Load() {
			o.recovered()
		}
		return
	}
	reason := "network"
	if status != 0 {
		reason = strconv.Itoa(status)
	}
	o.m.EventsFailed.WithLabelValues(reason).Inc()
	if delivery.Classify(status, err) == delivery.Retry {
		o.failed(status, err)
	}
}

func (o *sinkObserver) Retrying(int, time.Duration, error) { o.m.EventsRetried.Inc() }

func (o *sinkObserver) failed(status int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	o.failures++
	switch {
	case !o.failing.Load():
		o.failing.Store(true)
		o.since, o.lastLog, o.failures = now, now, 1
		o.log.Warn("sending to the sink fails; its events are held and sent again with backoff",
			"status", status, "error", err)
	case now.Sub(o.lastLog) >= sinkReminder:
		o.lastLog = now
		o.log.Warn("sending to the sink still fails; its events are held and sent again with backoff",
			"for", now.Sub(o.since).Round(time.Second), "failed_attempts", o.failures, "status", status, "error", err)
	}
}

func (o *sinkObserver) recovered() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.failing.Load() {
		return // another lane saw the recovery first
	}
	o.failing.Store(false)
	o.log.Info("the sink takes events again",
		"after", o.now().Sub(o.since).Round(time.Millisecond), "failed_attempts", o.failures)
}
