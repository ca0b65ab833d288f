package progress

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultInterval is how often a Reporter looks at the metrics.
const DefaultInterval = 5 * time.Second

// Reporter writes the progress lines of one source to Out.
type Reporter struct {
	// Gatherer is the source's registry.
	Gatherer prometheus.Gatherer
	// Out receives one line per tick while the source catches up, and one
	// when it is caught up.
	Out io.Writer
	// Interval between ticks; DefaultInterval when zero.
	Interval time.Duration
}

// Run writes progress lines until ctx ends, then returns nil. A tick whose
// metrics cannot be gathered is skipped: the lines are a courtesy and must
// never stop the source.
func (r *Reporter) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	prev, err := Take(r.Gatherer, time.Now())
	havePrev := err == nil
	caughtUp := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			cur, err := Take(r.Gatherer, now)
			if err != nil {
				continue
			}
			if havePrev {
				if line := SnapshotLine(prev, cur); line != "" {
					fmt.Fprintln(r.Out, line)
				}
				var line string
				line, caughtUp = Next(prev, cur, caughtUp)
				if line != "" {
					fmt.Fprintln(r.Out, line)
				}
			}
			prev, havePrev = cur, true
		}
	}
}
