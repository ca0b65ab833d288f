package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

// Errors a caller may branch on. Their messages are meant for users.
var (
	// ErrNoStream means the table has no stream enabled.
	ErrNoStream = errors.New("table has no stream")
	// ErrTableNotFound means the table does not exist in that account and region.
	ErrTableNotFound = errors.New("table not found")
	// ErrAccess means AWS rejected the credentials or the permissions.
	ErrAccess = errors.New("AWS refused access")
)

// Defaults of Options.
const (
	// DefaultCallTimeout is well above what a healthy call takes (GetRecords
	// answers within a second or two) and below what a stuck connection
	// would hold a shard for.
	DefaultCallTimeout = 30 * time.Second
	// DefaultSaveFailuresBeforeNotReady is five saves: five seconds at the
	// default save interval, longer than a brief API server hiccup.
	DefaultSaveFailuresBeforeNotReady = 5
)

// Options tune a Reader. Zero values take the defaults.
type Options struct {
	StartingPosition  string
	StartingTimestamp time.Time
	IdleInterval      time.Duration
	DiscoveryInterval time.Duration
	// SaveInterval is how often changed checkpoints are saved.
	SaveInterval time.Duration
	// BackoffBase and BackoffMax bound the waits after throttling and errors.
	BackoffBase, BackoffMax time.Duration
	// Decoder, when set, decodes GetRecords answers instead of the SDK.
	Decoder Decoder
	// MaxBytesInFlight bounds the bytes of records read and not yet
	// acknowledged, over every shard (default DefaultMaxBytesInFlight).
	MaxBytesInFlight int64
	// CallTimeout bounds each AWS call (ListStreams, DescribeStream,
	// GetShardIterator, GetRecords), the SDK's own retries of it included.
	CallTimeout time.Duration
	// SaveFailuresBeforeNotReady is how many checkpoint saves in a row may
	// fail before the source reports itself not ready.
	SaveFailuresBeforeNotReady int
	// Ready, when set, is called once the table's stream is found, and
	// again when checkpoints save again after NotReady.
	Ready func()
	// NotReady, when set, is called with the reason when checkpoint saves
	// keep failing.
	NotReady func(reason string)
	// Watcher, when set, observes the shard readers (see Watcher).
	Watcher Watcher
	// Companion, when set, runs beside the readers (see Companion).
	Companion Companion
	Logger    *slog.Logger
	Metrics   *metrics.Metrics
	Now       func() time.Time
}

func (o *Options) defaults() {
	if o.StartingPosition == "" {
		o.StartingPosition = v1alpha1.DefaultStartingPosition
	}
	if o.IdleInterval <= 0 {
		o.IdleInterval = v1alpha1.DefaultIdleInterval
	}
	if o.DiscoveryInterval <= 0 {
		o.DiscoveryInterval = v1alpha1.DefaultDiscoveryInterval
	}
	if o.SaveInterval <= 0 {
		o.SaveInterval = time.Second
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 100 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.SaveFailuresBeforeNotReady <= 0 {
		o.SaveFailuresBeforeNotReady = DefaultSaveFailuresBeforeNotReady
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.NewUnregistered()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Watcher == nil {
		o.Watcher = noWatcher{}
	}
}

// Reader reads every stream of one table, in order, shard by shard.
type Reader struct {
	client  Client
	table   v1alpha1.TableARN
	store   checkpoint.Store
	newProc ProcessorFactory
	opts    Options
	log     *slog.Logger
	m       *metrics.Metrics
	budget  *budget
	callers *callers     // run the AWS calls
	active  atomic.Int64 // shard readers running
}

// NewReader returns a reader of table's streams.
func NewReader(client Client, table v1alpha1.TableARN, store checkpoint.Store, newProc ProcessorFactory, opts Options) *Reader {
	opts.defaults()
	return &Reader{
		client: client, table: table, store: store, newProc: newProc, opts: opts,
		log: opts.Logger.With("table", table.Table), m: opts.Metrics, budget: newBudget(opts.MaxBytesInFlight),
		callers: newCallers(),
	}
}

// Run reads until ctx ends, then waits for its shard readers, saves the
// checkpoints and returns nil. It returns an error at once, before reading
// anything, when the checkpoints cannot be loaded or the table cannot be
// read at all (no stream, no table, credentials or permissions refused),
// and later only when another writer changed the checkpoints (two adapters
// of one source): it stops then rather than overwrite them.
func (r *Reader) Run(ctx context.Context) error {
	state, err := r.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("loading checkpoints: %w", err)
	}
	parent := ctx
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var companion Companion
	if c := r.opts.Companion; c != nil {
		snap, err := c.Begin(ctx, state)
		if err != nil {
			return err
		}
		if snap != nil {
			state.Snapshot, companion = snap, c
		}
	}
	prog := newProgress(state, r.store, r.log, r.m)
	if companion != nil {
		prog.dirty = true // saved with the first save, before any stream
	}
	prog.health = saveHealth{limit: r.opts.SaveFailuresBeforeNotReady, ready: r.opts.Ready, notReady: r.opts.NotReady, stop: stop}

	listed, err := r.firstListStreams(ctx)
	if errors.Is(err, ErrNoStream) || errors.Is(err, ErrTableNotFound) {
		r.streamEnabled(false)
	}
	if err != nil {
		return err
	}
	r.streamEnabled(true)
	if r.opts.Ready != nil {
		r.opts.Ready()
	}

	saveCtx, stopSaving := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { prog.saveLoop(saveCtx, r.opts.SaveInterval) })
	defer func() {
		stopSaving()
		wg.Wait()
	}()
	if companion != nil {
		wg.Go(func() {
			if err := companion.Run(ctx, companionCheckpoint{prog}); err != nil && ctx.Err() == nil {
				stop(err)
			}
		})
	}

	bo := backoff.Exponential{Base: r.opts.BackoffBase, Max: r.opts.DiscoveryInterval}
	for ctx.Err() == nil {
		toRead := streamsToRead(listed, prog)
		r.streamEnabled(len(toRead) > 0)
		if len(toRead) == 0 {
			r.log.Warn("the table's stream is disabled; waiting for a stream to be enabled")
		} else {
			arn := toRead[0]
			if _, known := prog.stream(arn); !known {
				replacement := prog.readBefore()
				prog.addStream(arn, ReadFrom(r.opts.StartingPosition, r.opts.StartingTimestamp, r.opts.Now(), replacement))
				// A LATEST start must be remembered before anything is
				// read, so that a crash right after start recovers from
				// the trim horizon instead of from a later LATEST.
				prog.saveLogged(ctx)
				r.log.Info("reading stream", "stream", arn, "replacement", replacement)
				r.readStream(ctx, prog, arn, !replacement)
			} else {
				r.readStream(ctx, prog, arn, false)
			}
			if ctx.Err() != nil {
				break
			}
		}
		if err := backoff.Sleep(ctx, min(r.opts.DiscoveryInterval, time.Second)); err != nil {
			break
		}
		for ctx.Err() == nil {
			l, err := r.listStreams(ctx)
			if err == nil {
				listed = l
				bo.Reset()
				break
			}
			r.log.Error("listing the table's streams failed", "error", err)
			_ = bo.Wait(ctx)
		}
	}
	if err := context.Cause(ctx); parent.Err() == nil && err != nil {
		// Stopped for a conflict: saving again would overwrite the other
		// writer's checkpoints, or fail the same way.
		return err
	}
	// The final save must happen even though ctx has ended.
	stopSaving()
	wg.Wait()
	if err := prog.save(context.WithoutCancel(ctx)); err != nil {
		r.log.Error("saving checkpoints at exit failed", "error", err)
	}
	return nil
}

// streamEnabled sets the stream_enabled gauge: whether the table has a
// stream to read.
func (r *Reader) streamEnabled(yes bool) {
	v := 0.0
	if yes {
		v = 1
	}
	r.m.StreamEnabled.WithLabelValues().Set(v)
}

// streamsToRead returns, oldest first, the streams still to read: the ones
// the source was reading and has not finished, then the newest one. A
// stream the listing lacks is forgotten only once it is finished: until
// then it is read as usual, and DescribeStream decides whether it is gone
// (then it is finished) or the listing only missed it (as one answer of an
// eventually consistent listing may).
func streamsToRead(listed []types.Stream, prog *progress) []string {
	sort.Slice(listed, func(i, j int) bool {
		return aws.ToString(listed[i].StreamLabel) < aws.ToString(listed[j].StreamLabel)
	})
	names := make(map[string]bool, len(listed))
	for _, s := range listed {
		names[aws.ToString(s.StreamArn)] = true
	}
	prog.pruneStreams(names)
	out := prog.unlistedUnfinished(names)
	for i, s := range listed {
		arn := aws.ToString(s.StreamArn)
		st, known := prog.stream(arn)
		newest := i == len(listed)-1
		if (known && !st.Finished) || (!known && newest) {
			out = append(out, arn)
		}
	}
	return out
}

// firstListStreams lists the table's streams at start-up, turning what can
// go wrong into errors a user can act on.
func (r *Reader) firstListStreams(ctx context.Context) ([]types.Stream, error) {
	bo := backoff.Exponential{Base: r.opts.BackoffBase, Max: time.Second}
	for attempt := 1; ; attempt++ {
		listed, err := r.listStreams(ctx)
		if err == nil {
			if len(listed) == 0 {
				return nil, fmt.Errorf("%w: table %q (region %s, account %s) has no DynamoDB stream, or does not exist: enable one with "+
					"`aws dynamodb update-table --table-name %s --region %s --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`",
					ErrNoStream, r.table.Table, r.table.Region, r.table.Account, r.table.Table, r.table.Region)
			}
			return listed, nil
		}
		switch classify(err) {
		case kindNotFound:
			return nil, fmt.Errorf("%w: table %q does not exist in region %s of account %s: check --arn", ErrTableNotFound, r.table.Table, r.table.Region, r.table.Account)
		case kindAuth:
			return nil, fmt.Errorf("%w: listing the streams of table %q: %s: check the credentials, and that they allow dynamodb:ListStreams, DescribeStream, GetShardIterator and GetRecords", ErrAccess, r.table.Table, describeAPIError(err))
		case kindCanceled:
			return nil, err
		}
		if attempt == 5 {
			return nil, fmt.Errorf("listing the streams of table %q: %w", r.table.Table, err)
		}
		if err := bo.Wait(ctx); err != nil {
			return nil, err
		}
	}
}

// listStreams lists every stream of the table, page by page.
func (r *Reader) listStreams(ctx context.Context) ([]types.Stream, error) {
	var out []types.Stream
	in := &dynamodbstreams.ListStreamsInput{TableName: aws.String(r.table.Table)}
	for page := 0; page < maxPages; page++ {
		res, err := call(ctx, r, "ListStreams", func(ctx context.Context) (*dynamodbstreams.ListStreamsOutput, error) {
			return r.client.ListStreams(ctx, in)
		})
		if err != nil {
			return nil, err
		}
		for _, s := range res.Streams {
			// ListStreams filters by table name only; the ARN also pins
			// the account and region.
			if s.TableName == nil || *s.TableName == r.table.Table {
				out = append(out, s)
			}
		}
		next := aws.ToString(res.LastEvaluatedStreamArn)
		if next == "" || next == aws.ToString(in.ExclusiveStartStreamArn) {
			return out, nil
		}
		in.ExclusiveStartStreamArn = aws.String(next)
	}
	return out, nil
}

// maxPages caps every pagination, in case a service keeps returning a cursor.
const maxPages = 10000

// describeAPIError renders an API error without anything but its code and
// message (no request IDs, no headers; the SDK puts no secrets in either).
func describeAPIError(err error) string {
	code := errorCode(err)
	var msg string
	if e := unwrapAPI(err); e != nil {
		msg = e.ErrorMessage()
	}
	if msg == "" {
		return code
	}
	return code + ": " + msg
}
