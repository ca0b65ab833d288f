package stream

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

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
	log := r.log.With("stream", arn)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel below: every shard reader is owned here
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		running  = map[string]bool{}
		done     = make(chan shardResult)
		disabled atomic.Bool
		bo       = backoff{base: r.opts.BackoffBase, max: r.opts.DiscoveryInterval}
		failures int              // DescribeStream failures in a row
		retry    <-chan time.Time // fires when a failed discovery is due again; nil: none due
	)
	defer wg.Wait()

	// discover lists the shards, starts the runnable ones and reports
	// whether the stream is finished. After a failure it may schedule retry.
	discover := func() (finished bool) {
		retry = nil // this run replaces any retry still pending
		shards, status, err := r.describeStream(ctx, arn)
		if err != nil {
			kind := classify(err)
			if kind == kindNotFound {
				// The stream expired (24 h after it was disabled) or the
				// table was deleted: nothing is left to read in it.
				log.Warn("the stream no longer exists; moving on", "error", err)
				return len(running) == 0
			}
			if ctx.Err() != nil {
				return false
			}
			failures++
			if within := discoveryRetry(kind, failures, r.opts.BackoffBase, r.opts.DiscoveryInterval); within > 0 {
				wait := jitter(within)
				retry = time.After(wait)
				level := slog.LevelDebug
				if loudFailure(failures) {
					level = slog.LevelWarn
				}
				log.Log(ctx, level, "describing the stream failed; backing off", "kind", kind, "attempt", failures, "retry_in", wait, "error", err)
				return false
			}
			log.Error("describing the stream failed", "error", err)
			return false
		}
		if failures > 0 {
			log.Info("describing the stream succeeded again", "failed_attempts", failures)
			failures = 0
		}
		if status == types.StreamStatusDisabled {
			disabled.Store(true)
		}
		listed := make(map[string]bool, len(shards))
		for _, s := range shards {
			listed[deref(s.ShardId)] = true
		}
		prog.prune(arn, listed)

		latest := map[string]bool{}
		if firstLook {
			firstLook = false
			for _, s := range shards {
				skip, l := FirstLook(r.opts.StartingPosition, closed(s))
				ref := ShardRef{StreamARN: arn, ShardID: deref(s.ShardId)}
				switch {
				case prog.shard(ref) != (checkpoint.Shard{}):
				case skip:
					prog.finishShard(ref)
				case l:
					latest[ref.ShardID] = true
				}
			}
		}

		isFinished := func(id string) bool { return prog.finished(ShardRef{StreamARN: arn, ShardID: id}) }
		for _, s := range Runnable(shards, isFinished, func(id string) bool { return running[id] }) {
			id := deref(s.ShardId)
			running[id] = true
			ref := ShardRef{StreamARN: arn, ShardID: id}
			sr := &shardReader{r: r, prog: prog, ref: ref, latest: latest[id], log: log.With("shard", id)}
			wg.Go(func() {
				err := sr.run(ctx)
				select {
				case done <- shardResult{id: id, err: err}:
				case <-ctx.Done():
				}
			})
		}
		if !disabled.Load() || len(running) > 0 {
			return false
		}
		for _, s := range shards {
			if !isFinished(deref(s.ShardId)) {
				return false
			}
		}
		return true
	}

	tick := time.NewTicker(r.opts.DiscoveryInterval)
	defer tick.Stop()
	finished := discover()
	for !finished {
		select {
		case <-ctx.Done():
			return
		case res := <-done:
			delete(running, res.id)
			ref := ShardRef{StreamARN: arn, ShardID: res.id}
			switch {
			case res.err == nil:
				prog.finishShard(ref)
				r.m.ShardsFinished.Inc()
				log.Info("shard finished", "shard", res.id)
			case errors.Is(res.err, errShardGone):
				prog.finishShard(ref)
				log.Warn("shard vanished before it was read to its end; its remaining records expired", "shard", res.id)
			default:
				if ctx.Err() != nil {
					return
				}
				log.Error("reading shard failed; restarting it", "shard", res.id, "error", res.err)
				if bo.wait(ctx) != nil {
					return
				}
			}
			// A finished parent lets its children start; save first so a
			// restart never reads a finished shard again.
			if err := prog.save(ctx); err != nil && ctx.Err() == nil {
				log.Error("saving checkpoints failed", "error", err)
			}
			finished = discover()
		case <-tick.C:
			finished = discover()
		case <-retry:
			finished = discover()
		}
	}
	prog.finishStream(arn)
	if err := prog.save(ctx); err != nil && ctx.Err() == nil {
		log.Error("saving checkpoints failed", "error", err)
	}
	log.Info("stream finished: it was disabled and every shard is read")
}

// describeStream lists every shard of the stream, page by page, and its status.
func (r *Reader) describeStream(ctx context.Context, arn string) ([]types.Shard, types.StreamStatus, error) {
	var (
		shards []types.Shard
		status types.StreamStatus
	)
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}
	for page := 0; page < maxPages; page++ {
		r.m.AWSCalls.WithLabelValues("DescribeStream").Inc()
		res, err := r.client.DescribeStream(ctx, in)
		if err != nil {
			r.m.AWSErrors.WithLabelValues("DescribeStream", errorCode(err)).Inc()
			return nil, "", err
		}
		if res.StreamDescription == nil {
			break
		}
		status = res.StreamDescription.StreamStatus
		shards = append(shards, res.StreamDescription.Shards...)
		next := deref(res.StreamDescription.LastEvaluatedShardId)
		if next == "" || next == deref(in.ExclusiveStartShardId) {
			break
		}
		in.ExclusiveStartShardId = aws.String(next)
	}
	return shards, status, nil
}
