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

	known     known // the stream's shards, as listings showed them
	noFilter  bool  // the endpoint does not answer ShardFilter: list the whole stream instead
	childless bool  // a shard ended and no child of it was found since
	sinceFull int   // discovery ticks since the last complete full listing
}

// run lists the whole stream, starts the runnable shards and reports
// whether the stream is finished. After a failure it may schedule retry.
// A listing that failed midway is used for what it read (see known.apply).
func (d *discovery) run(ctx context.Context) (finished bool) {
	d.retry = nil // this run replaces any retry still pending
	l, err := d.r.describeStream(ctx, d.arn, "")
	if err != nil {
		if len(l.shards) > 0 {
			d.use(ctx, l)
		}
		return d.failed(ctx, err)
	}
	return d.use(ctx, l)
}

// tick is the periodic discovery: a full listing when fullListingDue says
// so, otherwise nothing (children are found at their parent's end).
func (d *discovery) tick(ctx context.Context) (finished bool) {
	d.sinceFull++
	if fullListingDue(tickState{noFilter: d.noFilter, childless: d.childless, shards: len(d.known.shards),
		complete: d.known.complete, sinceFull: d.sinceFull}) {
		return d.run(ctx)
	}
	return false
}

// children looks for the children of a shard that just ended and starts
// those that may run. It asks DescribeStream for them alone (ShardFilter
// CHILD_SHARDS) and falls back to a full listing, from then on, where the
// endpoint does not answer the filter.
func (d *discovery) children(ctx context.Context, parent string) (finished bool) {
	if d.noFilter {
		return d.run(ctx)
	}
	l, err := d.r.describeStream(ctx, d.arn, parent)
	if filterUnsupported(parent, l, err) {
		d.noFilter = true
		d.log.Info("the endpoint does not answer DescribeStream's ShardFilter; listing the whole stream to find child shards", "error", err)
		return d.run(ctx)
	}
	if err != nil || len(l.shards) == 0 {
		// The next tick lists the whole stream: the children may appear
		// later, or the stream was disabled and the shard has none.
		d.childless = true
	}
	if err != nil {
		return d.failed(ctx, err)
	}
	return d.use(ctx, l)
}

// use applies a listing: what is known, progress pruned (a complete full
// listing only), shards started; it reports whether the stream is finished.
func (d *discovery) use(ctx context.Context, l listing) (finished bool) {
	if d.failures > 0 && l.complete {
		d.log.Info("describing the stream succeeded again", "failed_attempts", d.failures)
		d.failures = 0
	}
	if l.status == types.StreamStatusDisabled {
		d.disabled = true
	}
	d.known.apply(l)
	if prunes(l) {
		d.sinceFull, d.childless = 0, false
		listed := make(map[string]bool, len(l.shards))
		for _, s := range l.shards {
			listed[aws.ToString(s.ShardId)] = true
		}
		d.prog.prune(d.arn, listed)
	}
	d.start(ctx, d.known.shards, d.known.complete, d.look(d.known.shards, prunes(l)))
	if d.known.complete {
		d.r.opts.Watcher.Listed(d.arn)
	}
	if !d.disabled || len(d.running) > 0 || !d.known.complete {
		return false
	}
	for _, s := range d.known.shards {
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
// table: it finishes the shards to skip and returns those that may start at
// LATEST. A shard with progress already is left alone. The first look ends
// with the first complete listing, so that a partial one does not leave
// the shards it missed to be read from their start.
func (d *discovery) look(shards []types.Shard, complete bool) (latest map[string]bool) {
	latest = map[string]bool{}
	if !d.firstLook {
		return latest
	}
	d.firstLook = !complete
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

// start starts a reader for every shard that may run and is not running;
// complete says shards are all the stream's (see Runnable).
func (d *discovery) start(ctx context.Context, shards []types.Shard, complete bool, latest map[string]bool) {
	isRunning := func(id string) bool { return d.running[id] }
	for _, s := range Runnable(shards, complete, d.isFinished, isRunning) {
		id := aws.ToString(s.ShardId)
		d.running[id] = true
		ref := ShardRef{StreamARN: d.arn, ShardID: id}
		sr := &shardReader{r: d.r, prog: d.prog, ref: ref, latest: latest[id], log: d.log.With("shard", id)}
		d.r.opts.Watcher.ShardStarted(ref)
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
