package stream

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// discovery lists the shards of one stream and starts a reader for each one
// that lineage lets run. It belongs to readStream and is used only from its
// goroutine; the shard readers it starts report on done and are waited for
// on wg, both owned by readStream.
type discovery struct {
	r    *Reader
	prog *progress
	arn  string
	log  *slog.Logger
	wg   *sync.WaitGroup
	done chan shardResult

	running   map[string]bool // shards with a reader now
	disabled  bool            // the stream said it is disabled
	firstLook bool            // the source's first look at the table: FirstLook applies
	failures  int             // DescribeStream failures in a row
	// retry fires when a failed discovery is due again; nil: none due.
	retry <-chan time.Time
}

// run lists the shards, starts the runnable ones and reports whether the
// stream is finished. After a failure it may schedule retry.
func (d *discovery) run(ctx context.Context) (finished bool) {
	d.retry = nil // this run replaces any retry still pending
	shards, status, err := d.r.describeStream(ctx, d.arn)
	if err != nil {
		return d.failed(ctx, err)
	}
	if d.failures > 0 {
		d.log.Info("describing the stream succeeded again", "failed_attempts", d.failures)
		d.failures = 0
	}
	if status == types.StreamStatusDisabled {
		d.disabled = true
	}
	listed := make(map[string]bool, len(shards))
	for _, s := range shards {
		listed[aws.ToString(s.ShardId)] = true
	}
	d.prog.prune(d.arn, listed)

	d.start(ctx, shards, d.look(shards))
	if !d.disabled || len(d.running) > 0 {
		return false
	}
	for _, s := range shards {
		if !d.isFinished(aws.ToString(s.ShardId)) {
			return false
		}
	}
	return true
}

// failed handles a failed DescribeStream and reports whether the stream is
// finished all the same (it no longer exists and nothing is being read).
func (d *discovery) failed(ctx context.Context, err error) (finished bool) {
	kind := classify(err)
	if kind == kindNotFound {
		// The stream expired (24 h after it was disabled) or the table was
		// deleted: nothing is left to read in it.
		d.log.Warn("the stream no longer exists; moving on", "error", err)
		return len(d.running) == 0
	}
	if ctx.Err() != nil {
		return false
	}
	d.failures++
	if within := discoveryRetry(kind, d.failures, d.r.opts.BackoffBase, d.r.opts.DiscoveryInterval); within > 0 {
		wait := backoff.Jitter(within)
		d.retry = time.After(wait)
		level := slog.LevelDebug
		if loudFailure(d.failures) {
			level = slog.LevelWarn
		}
		d.log.Log(ctx, level, "describing the stream failed; backing off", "kind", kind, "attempt", d.failures, "retry_in", wait, "error", err)
		return false
	}
	d.log.Error("describing the stream failed", "error", err)
	return false
}

// look applies FirstLook to the shards on the source's first look at the
// table, once: it finishes the shards to skip and returns those that may
// start at LATEST. A shard with progress already is left alone.
func (d *discovery) look(shards []types.Shard) (latest map[string]bool) {
	latest = map[string]bool{}
	if !d.firstLook {
		return latest
	}
	d.firstLook = false
	for _, s := range shards {
		skip, l := FirstLook(d.r.opts.StartingPosition, closed(s))
		ref := ShardRef{StreamARN: d.arn, ShardID: aws.ToString(s.ShardId)}
		switch {
		case d.prog.shard(ref) != (checkpoint.Shard{}):
		case skip:
			d.prog.finishShard(ref)
		case l:
			latest[ref.ShardID] = true
		}
	}
	return latest
}

// start starts a reader for every shard that may run and is not running.
func (d *discovery) start(ctx context.Context, shards []types.Shard, latest map[string]bool) {
	isRunning := func(id string) bool { return d.running[id] }
	for _, s := range Runnable(shards, d.isFinished, isRunning) {
		id := aws.ToString(s.ShardId)
		d.running[id] = true
		ref := ShardRef{StreamARN: d.arn, ShardID: id}
		sr := &shardReader{r: d.r, prog: d.prog, ref: ref, latest: latest[id], log: d.log.With("shard", id)}
		d.wg.Go(func() {
			err := sr.run(ctx)
			select {
			case d.done <- shardResult{id: id, err: err}:
			case <-ctx.Done():
			}
		})
	}
}

// shardEnded records what a shard reader ended with, and reports whether
// reading the stream goes on.
func (d *discovery) shardEnded(ctx context.Context, res shardResult) bool {
	delete(d.running, res.id)
	ref := ShardRef{StreamARN: d.arn, ShardID: res.id}
	switch {
	case res.err == nil:
		d.prog.finishShard(ref)
		d.r.m.ShardsFinished.Inc()
		d.log.Info("shard finished", "shard", res.id)
	case errors.Is(res.err, errShardGone):
		d.prog.finishShard(ref)
		d.log.Warn("shard vanished before it was read to its end; its remaining records expired", "shard", res.id)
	default:
		if ctx.Err() != nil {
			return false
		}
		d.log.Error("reading shard failed; restarting it", "shard", res.id, "error", res.err)
	}
	return true
}

func (d *discovery) isFinished(id string) bool {
	return d.prog.finished(ShardRef{StreamARN: d.arn, ShardID: id})
}

// discoveryRetry decides when shard discovery runs again after failures
// DescribeStream calls failed in a row, the last one with an error of kind.
// It returns the ceiling of a full-jitter wait before the next attempt, or
// 0 when discovery waits for its next periodic run instead.
//
// Throttling, a 5xx and a network error pass: they are retried from base,
// doubling with each failure, capped at the discovery interval, so that a
// single failure delays neither the first read of a stream nor the children
// of a finished shard by a whole interval, and a lasting one is never tried
// more often than backoff allows. Anything else (credentials, permissions,
// an error the reader does not know) would fail the same way at once: it
// waits for the periodic run, as it always did.
func discoveryRetry(kind errorKind, failures int, base, interval time.Duration) time.Duration {
	switch kind {
	case kindThrottled, kindTransient:
		return backoff.Ceiling(base, interval, failures-1)
	default:
		return 0
	}
}

// loudFailure reports whether the failures-th failure in a row of a retried
// call is logged at warning level: the first, and then the 2nd, 4th, 8th...
// so that a lasting fault is still visible, without a line per retry.
func loudFailure(failures int) bool {
	return failures > 0 && failures&(failures-1) == 0
}
