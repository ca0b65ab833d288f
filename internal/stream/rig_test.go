package stream_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
)

// This file holds the rig of the Reader's tests: a scripted DynamoDB
// Streams server (driven through the real SDK client) and an in-test sink
// behind the Processor interface.

var table = v1alpha1.TableARN{Partition: "aws", Region: fakestreams.DefaultRegion, Account: fakestreams.DefaultAccount, Table: "orders"}

// rig is one test's server, checkpoint store and metrics.
type rig struct {
	t     *testing.T
	srv   *fakestreams.Server
	store checkpoint.Store
	m     *metrics.Metrics
}

func newRig(t *testing.T, o fakestreams.Options) *rig {
	t.Helper()
	srv := fakestreams.New(t, o)
	// The minimal IAM policy allows only the four Streams actions.
	t.Cleanup(func() {
		if other := srv.OtherTargets(); len(other) > 0 {
			t.Errorf("the reader called %v; it may only call ListStreams, DescribeStream, GetShardIterator and GetRecords", other)
		}
	})
	return &rig{t: t, srv: srv, store: checkpoint.NewMemory(), m: metrics.NewUnregistered()}
}

// options are short intervals, so the suite is fast.
func options() stream.Options {
	return stream.Options{
		StartingPosition:  v1alpha1.StartingPositionTrimHorizon,
		IdleInterval:      10 * time.Millisecond,
		DiscoveryInterval: 50 * time.Millisecond,
		SaveInterval:      20 * time.Millisecond,
		BackoffBase:       time.Millisecond,
		BackoffMax:        20 * time.Millisecond,
	}
}

func (r *rig) reader(s *sink, opts stream.Options) *stream.Reader {
	opts.Metrics = r.m
	if opts.Logger == nil { // a test may read the logs with its own
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return stream.NewReader(r.srv.Client(), table, r.store, s.factory, opts)
}

// start runs a Reader until the returned stop is called (or the test ends),
// and stop returns Run's error.
func (r *rig) start(s *sink, opts stream.Options) (stop func() error) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	rd := r.reader(s, opts)
	go func() { done <- rd.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return within 10s of its context ending")
				r.t.Error(err)
			}
		})
		return err
	}
	r.t.Cleanup(func() { _ = stop() })
	return stop
}

// testWriter sends the reader's logs to the test's log, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// delivered is one record that reached the sink.
type delivered struct{ Stream, Shard, Seq string }

// sink is the far end of the in-test Processors. Like a real one, it
// delivers asynchronously and acknowledges what it delivered; a Processor
// closed with records undelivered abandons them, as the Processor contract
// allows.
type sink struct {
	mu        sync.Mutex
	delivered []delivered
	perShard  map[string]int
	// ackIf decides whether the nth record (from 1) of a shard delivered to
	// this sink is acknowledged; nil acknowledges all. Once it says no for
	// a shard, it must keep saying no: acks are cumulative.
	ackIf func(shard string, n int) bool
	gate  chan struct{} // non-nil: deliveries wait until it is closed
}

func newSink() *sink { return &sink{perShard: map[string]int{}} }

// pause holds every delivery until resume is called.
func (s *sink) pause() (resume func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := make(chan struct{})
	s.gate = g
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.gate = nil
		close(g)
	}
}

func (s *sink) gateChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gate
}

// deliver records rec and reports whether it is acknowledged.
func (s *sink) deliver(ref stream.ShardRef, rec types.Record) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivered = append(s.delivered, delivered{ref.StreamARN, ref.ShardID, aws.ToString(rec.Dynamodb.SequenceNumber)})
	s.perShard[ref.ShardID]++
	return s.ackIf == nil || s.ackIf(ref.ShardID, s.perShard[ref.ShardID])
}

func (s *sink) all() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delivered)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.delivered)
}

// seqs returns the sequence numbers delivered from shard, in order.
func (s *sink) seqs(shard string) []string {
	var out []string
	for _, d := range s.all() {
		if d.Shard == shard {
			out = append(out, d.Seq)
		}
	}
	return out
}

// wantShard checks that exactly want was delivered from shard, once each, in order.
func (s *sink) wantShard(t *testing.T, shard string, want []string) {
	t.Helper()
	if got := s.seqs(shard); !slices.Equal(got, want) {
		t.Errorf("shard %s delivered %v, want exactly %v", shard, got, want)
	}
}

func (s *sink) factory(ref stream.ShardRef, ack func(string)) stream.Processor {
	p := &testProc{sink: s, ref: ref, ack: ack, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

type testProc struct {
	sink *sink
	ref  stream.ShardRef
	ack  func(string)

	mu        sync.Mutex
	queue     []types.Record
	unsettled int

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (p *testProc) Submit(_ context.Context, page stream.Page) error {
	p.mu.Lock()
	p.queue = append(p.queue, page.Records...)
	p.unsettled += len(page.Records)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

func (p *testProc) loop() {
	defer close(p.done)
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.mu.Unlock()
			select {
			case <-p.wake:
				continue
			case <-p.stop:
				return
			}
		}
		rec := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		if g := p.sink.gateChan(); g != nil {
			select {
			case <-g:
			case <-p.stop:
				return
			}
		}
		select {
		case <-p.stop:
			return // closed: the rest is abandoned
		default:
		}
		if p.sink.deliver(p.ref, rec) {
			p.ack(aws.ToString(rec.Dynamodb.SequenceNumber))
			p.mu.Lock()
			p.unsettled--
			p.mu.Unlock()
		}
	}
}

func (p *testProc) Flush(ctx context.Context) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		p.mu.Lock()
		n := p.unsettled
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (p *testProc) Close() error {
	p.closeOnce.Do(func() { close(p.stop) })
	<-p.done
	return nil
}

// puts returns n INSERT records of keys prefix-0, prefix-1, ...
func puts(prefix string, n int) []fakestreams.Record {
	out := make([]fakestreams.Record, n)
	for i := range out {
		out[i] = fakestreams.Put(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

// calls returns the logged calls of op on shard.
func calls(srv *fakestreams.Server, op, shard string) []fakestreams.Call {
	var out []fakestreams.Call
	for _, c := range srv.Log() {
		if c.Op == op && c.Shard == shard {
			out = append(out, c)
		}
	}
	return out
}
