package stream

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// saveHealth turns the outcomes of checkpoint saves into the source's
// readiness. A save that fails is retried by the next one, so one failure
// only delays progress; but a store that keeps failing (a full disk, a
// ConfigMap grown over 1 MiB, lost permissions) means that a restart would
// repeat everything since the last good save, and that must show: after
// limit failures in a row the source reports not ready, and ready again
// after the next good save. A conflict (another writer changed the
// checkpoints: two adapters of one source) stops the source at once, since
// saving again would overwrite the other writer's progress.
type saveHealth struct {
	limit    int
	ready    func()
	notReady func(reason string)
	// stop ends the reader with its cause; nil: never stop.
	stop func(error)

	failures int  // in a row
	down     bool // notReady was called and ready not since
}

// saved records the outcome of one save.
func (h *saveHealth) saved(log *slog.Logger, err error) {
	if err == nil {
		if h.down {
			log.Info("saving checkpoints works again; ready", "failed_saves", h.failures)
			if h.ready != nil {
				h.ready()
			}
		}
		h.failures, h.down = 0, false
		return
	}
	if errors.Is(err, checkpoint.ErrConflict) {
		log.Error("stopping: another writer changed the checkpoints; two adapters of one source must not run at once", "error", err)
		h.fail(fmt.Sprintf("stopped: %v", err))
		if h.stop != nil {
			h.stop(fmt.Errorf("stopping rather than overwrite the checkpoints of another reader of this source: %w", err))
		}
		return
	}
	h.failures++
	if h.failures >= h.limit && !h.down {
		log.Error("checkpoint saves keep failing; reporting not ready until one succeeds", "failed_saves", h.failures, "error", err)
		h.fail(fmt.Sprintf("saving checkpoints failed %d times in a row: %v", h.failures, err))
	}
}

// fail reports not ready.
func (h *saveHealth) fail(reason string) {
	h.down = true
	if h.notReady != nil {
		h.notReady(reason)
	}
}
