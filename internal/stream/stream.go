package stream

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

// This file is the stream level: one stream of the table, its shards started
// by a discovery (discovery.go) and read by shard readers (shard.go).

// errShardGone means a shard vanished (expired) while it was being read.
var errShardGone = errors.New("shard no longer exists")

type shardResult struct {
	id  string
	err error
}

// readStream reads one stream until it is finished (disabled, and every
// shard read to its end) or ctx ends. Shards are started as lineage allows
// and re-listed periodically and whenever a shard finishes, so children of a
// finished shard start at once; a listing that failed for throttling, a 5xx
// or the network is retried with backoff instead of waiting for the next
// periodic one.
func (r *Reader) readStream(ctx context.Context, prog *progress, arn string, firstLook bool) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Every shard reader is owned here. Cancel first, then wait: waiting
	// first would block forever on readers whose context has not ended,
	// whatever the reason this function returns.
	defer func() {
		cancel()
		wg.Wait()
	}()

	d := &discovery{
		r: r, prog: prog, arn: arn, log: r.log.With("stream", arn), wg: &wg,
		done: make(chan shardResult), running: map[string]bool{}, firstLook: firstLook,
	}
	bo := backoff.Exponential{Base: r.opts.BackoffBase, Max: r.opts.DiscoveryInterval}
	tick := time.NewTicker(r.opts.DiscoveryInterval)
	defer tick.Stop()
	finished := d.run(ctx)
	for !finished {
		select {
		case <-ctx.Done():
			return
		case res := <-d.done:
			if !d.shardEnded(ctx, res) {
				return
			}
			if res.err != nil && !errors.Is(res.err, errShardGone) && bo.Wait(ctx) != nil {
				return
			}
			// A finished parent lets its children start; save first so a
			// restart never reads a finished shard again.
			prog.saveLogged(ctx)
			ref := ShardRef{StreamARN: arn, ShardID: res.id}
			if res.err == nil || errors.Is(res.err, errShardGone) {
				finished = d.children(ctx, res.id)
				// After its children started: a watcher never sees a
				// moment without the shards that carry its changes on.
				r.opts.Watcher.ShardEnded(ref)
			} else {
				// Before the reader starts again, which it reports anew.
				r.opts.Watcher.ShardEnded(ref)
				finished = d.run(ctx)
			}
		case <-tick.C:
			finished = d.tick(ctx)
		case <-d.retry:
			finished = d.run(ctx)
		}
	}
	prog.finishStream(arn)
	prog.saveLogged(ctx)
	d.log.Info("stream finished: it was disabled and every shard is read")
}
