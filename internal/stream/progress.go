package stream

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

// progress is the in-memory checkpoint state of a source, shared by its
// shard readers, and saved to the store: periodically while it changes, at
// once on the events a restart must not repeat (a shard finished, a stream
// first seen), and at the end of Run.
type progress struct {
	store   checkpoint.Store
	log     *slog.Logger
	metrics *metrics.Metrics

	mu    sync.Mutex
	state checkpoint.State
	dirty bool

	saveMu sync.Mutex // one save at a time, in order
	health saveHealth // under saveMu
}

func newProgress(state checkpoint.State, store checkpoint.Store, log *slog.Logger, m *metrics.Metrics) *progress {
	if state.Streams == nil {
		state.Streams = map[string]*checkpoint.Stream{}
	}
	// A stream saved before any of its shards was acknowledged comes back
	// from JSON without a shard map ("shards" is omitted when empty).
	for _, s := range state.Streams {
		if s != nil && s.Shards == nil {
			s.Shards = map[string]checkpoint.Shard{}
		}
	}
	return &progress{store: store, log: log, metrics: m, state: state}
}

// readBefore reports whether the source has read a stream of the table
// before, even one since forgotten: a stream it sees now then replaces
// that one and is read whole, never from LATEST.
func (p *progress) readBefore() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state.ReadBefore || len(p.state.Streams) > 0
}

// stream returns a copy of a stream's progress and whether it exists.
func (p *progress) stream(arn string) (checkpoint.Stream, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.state.Streams[arn]
	if !ok {
		return checkpoint.Stream{}, false
	}
	return *s, true
}

// addStream records a stream the source starts reading.
func (p *progress) addStream(arn string, readFrom time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.state.Streams[arn]; !ok {
		p.state.Streams[arn] = &checkpoint.Stream{ReadFrom: readFrom, Shards: map[string]checkpoint.Shard{}}
		p.state.ReadBefore = true
		p.dirty = true
	}
}

func (p *progress) shard(ref ShardRef) checkpoint.Shard {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.state.Streams[ref.StreamARN]; ok {
		return s.Shards[ref.ShardID]
	}
	return checkpoint.Shard{}
}

func (p *progress) finished(ref ShardRef) bool { return p.shard(ref).Finished }

// ack moves a shard's checkpoint to seq.
func (p *progress) ack(ref ShardRef, seq string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.state.Streams[ref.StreamARN]
	if !ok {
		return
	}
	sh := s.Shards[ref.ShardID]
	if sh.Finished {
		return
	}
	sh.Sequence = seq
	s.Shards[ref.ShardID] = sh
	p.dirty = true
}

// finishShard marks a shard finished.
func (p *progress) finishShard(ref ShardRef) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.state.Streams[ref.StreamARN]
	if !ok {
		return
	}
	sh := s.Shards[ref.ShardID]
	sh.Finished = true
	s.Shards[ref.ShardID] = sh
	p.dirty = true
}

// finishStream marks a stream finished: it was disabled and every shard of
// it is finished.
func (p *progress) finishStream(arn string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.state.Streams[arn]; ok && !s.Finished {
		s.Finished = true
		p.dirty = true
	}
}

// prune forgets finished shards that the stream no longer lists: they
// expired, and keeping them would grow the state without end.
func (p *progress) prune(streamARN string, listed map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.state.Streams[streamARN]
	if !ok {
		return
	}
	for id, sh := range s.Shards {
		if sh.Finished && !listed[id] {
			delete(s.Shards, id)
			p.dirty = true
		}
	}
}

// pruneStreams forgets the finished streams that the table no longer
// lists. An unfinished one is kept: one listing that lacks it proves
// nothing, and forgetting it would lose where its shards were.
func (p *progress) pruneStreams(listed map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for arn, s := range p.state.Streams {
		if s.Finished && !listed[arn] {
			delete(p.state.Streams, arn)
			p.state.ReadBefore = true
			p.dirty = true
		}
	}
}

// unlistedUnfinished returns, in ARN order (which is creation order: the
// ARN ends with the stream's label), the unfinished streams that the table
// does not list.
func (p *progress) unlistedUnfinished(listed map[string]bool) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for arn, s := range p.state.Streams {
		if !s.Finished && !listed[arn] {
			out = append(out, arn)
		}
	}
	slices.Sort(out)
	return out
}

// save writes the state if it changed since the last save.
func (p *progress) save(ctx context.Context) error {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return nil
	}
	snap := p.state.Clone()
	p.dirty = false
	p.mu.Unlock()

	err := p.store.Save(ctx, snap)
	if err != nil {
		p.mu.Lock()
		p.dirty = true
		p.mu.Unlock()
		p.metrics.CheckpointSaves.WithLabelValues("error").Inc()
	} else {
		p.metrics.CheckpointSaves.WithLabelValues("ok").Inc()
	}
	if ctx.Err() == nil {
		p.health.saved(p.log, err)
	}
	return err
}

// saveLogged saves, and logs a failure unless ctx ended. A failure is
// retried by the next save; what keeps failing is handled by health.
func (p *progress) saveLogged(ctx context.Context) {
	if err := p.save(ctx); err != nil && ctx.Err() == nil {
		p.log.Error("saving checkpoints failed", "error", err)
	}
}

// saveLoop saves every interval until ctx ends. Failures are logged and
// retried at the next tick: progress is only ever behind, never wrong
// (but see saveHealth for failures that last, and conflicts).
func (p *progress) saveLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.saveLogged(ctx)
		}
	}
}

// setSnapshot replaces the snapshot's progress with a copy of snap.
func (p *progress) setSnapshot(snap *checkpoint.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state.Snapshot = snap.Clone()
	p.dirty = true
}
