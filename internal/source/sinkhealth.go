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

// sinkReminder is the least time between two warnings about the sink.
const sinkReminder = time.Minute

// sinkObserver counts every delivery attempt and tells the operator when
// sending fails in a way that is retried (the sink down or overloaded, its
// certificate not trusted) and when it works again, without a line per
// retry, however many lanes are retrying: a warning when sending starts
// failing, at most one a minute (with the failures since the last one),
// and, after a warning, one line when an attempt succeeds again. A sink
// that fails now and then therefore gives at most two lines a minute.
// Without it a sink that is down would only show in metrics. Refusals of
// single events are not the sink's health; they are logged where the event
// is dropped (shardProcessor.settled).
type sinkObserver struct {
	m   *metrics.Metrics
	log *slog.Logger
	now func() time.Time

	// failing lets a delivered attempt skip the lock while all is well:
	// that is every attempt of a healthy sink.
	failing atomic.Bool

	mu       sync.Mutex
	since    time.Time // when the current streak of failures began
	warned   bool      // whether the current streak was warned about
	lastWarn time.Time
	failures int // failed attempts since the last warning
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
	if !o.failing.Load() {
		o.failing.Store(true)
		o.since, o.warned = now, false
		o.m.SinkFailingSince.Set(float64(now.UnixNano()) / 1e9)
	}
	if !o.lastWarn.IsZero() && now.Sub(o.lastWarn) < sinkReminder {
		return
	}
	msg := "sending to the sink fails; its events are held and sent again with backoff"
	if o.warned {
		msg = "sending to the sink still fails; its events are held and sent again with backoff"
	}
	o.log.Warn(msg, "for", now.Sub(o.since).Round(time.Second), "failed_attempts", o.failures,
		"status", status, "error", err)
	o.warned, o.lastWarn, o.failures = true, now, 0
}

func (o *sinkObserver) recovered() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.failing.Load() {
		return // another lane saw the recovery first
	}
	o.failing.Store(false)
	o.m.SinkFailingSince.Set(0)
	if o.warned {
		o.log.Info("the sink takes events again", "after", o.now().Sub(o.since).Round(time.Millisecond))
	}
}
