package stream

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

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
			finished = d.run(ctx)
		case <-tick.C:
			finished = d.run(ctx)
		case <-d.retry:
			finished = d.run(ctx)
		}
	}
	prog.finishStream(arn)
	prog.saveLogged(ctx)
	d.log.Info("stream finished: it was disabled and every shard is read")
}

// describeStream lists every shard of the stream, page by page, and its status.
func (r *Reader) describeStream(ctx context.Context, arn string) ([]types.Shard, types.StreamStatus, error) {
	var (
		shards []types.Shard
		status types.StreamStatus
	)
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}
	for page := 0; page < maxPages; page++ {
		res, err := call(ctx, r, "DescribeStream", func(ctx context.Context) (*dynamodbstreams.DescribeStreamOutput, error) {
			return r.client.DescribeStream(ctx, in)
		})
		if err != nil {
			return nil, "", err
		}
		if res.StreamDescription == nil {
			break
		}
		status = res.StreamDescription.StreamStatus
		shards = append(shards, res.StreamDescription.Shards...)
		next := aws.ToString(res.StreamDescription.LastEvaluatedShardId)
		if next == "" || next == aws.ToString(in.ExclusiveStartShardId) {
			break
		}
		in.ExclusiveStartShardId = aws.String(next)
	}
	return shards, status, nil
}
