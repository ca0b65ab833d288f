package streamreport

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/internal/progress"
)

// Writer stores one replica's report.
type Writer interface {
	Write(ctx context.Context, replica string, r Report) error
}

// finalTimeout bounds the last write, made after the source stopped.
const finalTimeout = 5 * time.Second

// Reporter writes the reports of one adapter replica.
type Reporter struct {
	// Gatherer is the source's registry.
	Gatherer prometheus.Gatherer
	Writer   Writer
	// Replica keys the report: the pod's name (POD_NAME), or
	// DefaultReplica.
	Replica string
	Logger  *slog.Logger
	// Interval and Heartbeat default to the package's constants; tests
	// shorten them.
	Interval, Heartbeat time.Duration
}

// Run reports until ctx ends: at once, then every Interval when the report
// changed and every Heartbeat when it did not, and a last time, marked
// Stopped, after ctx ends. It returns nil then. A write that fails is
// logged (once until one succeeds) and tried again at the next tick: the
// report is a courtesy to the operator and never stops the source.
func (r *Reporter) Run(ctx context.Context) error {
	interval, heartbeat := r.Interval, r.Heartbeat
	if interval <= 0 {
		interval = Interval
	}
	if heartbeat <= 0 {
		heartbeat = Heartbeat
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	w := writeState{r: r, log: log}
	var sum summarizer
	take := func(now time.Time) (Report, bool) {
		snap, err := progress.Take(r.Gatherer, now)
		if err != nil {
			return Report{}, false
		}
		return sum.next(snap), true
	}
	if rep, ok := take(time.Now()); ok {
		w.write(ctx, rep)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rep, ok := take(time.Now())
			if ok {
				rep.Stopped = true
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalTimeout)
				w.write(fctx, rep)
				cancel()
			}
			return nil
		case now := <-t.C:
			rep, ok := take(now)
			if ok && (!w.written || !rep.same(w.last) || now.Sub(w.last.ReportedAt) >= heartbeat) {
				w.write(ctx, rep)
			}
		}
	}
}

// writeState is what Run remembers of its writes.
type writeState struct {
	r       *Reporter
	log     *slog.Logger
	last    Report // the last report written
	written bool
	failing bool
}

func (w *writeState) write(ctx context.Context, rep Report) {
	err := w.r.Writer.Write(ctx, w.r.Replica, rep)
	switch {
	case err == nil:
		if w.failing {
			w.log.Info("writing the status report works again")
		}
		w.last, w.written, w.failing = rep, true, false
	case ctx.Err() != nil:
	case !w.failing:
		w.failing = true
		w.log.Warn("writing the status report failed; the source's status.stream is not updated until it works (retried every interval)", "error", err)
	}
}
