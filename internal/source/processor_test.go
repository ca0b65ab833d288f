package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// senderFunc is an in-process sink: the processor's contract is about
// order, acknowledgement and shutdown, which HTTP would only slow down.
type senderFunc func(ctx context.Context, e cloudevents.Event) error

func (f senderFunc) Send(ctx context.Context, e cloudevents.Event) error { return f(ctx, e) }

// page returns records from..from+n-1 over keys items, sequence numbers
// zero-padded so that they sort as they were written.
func page(from, n, keys int) stream.Page {
	recs := make([]types.Record, n)
	now := time.Now()
	for i := range recs {
		seq := from + i
		recs[i] = types.Record{
			EventID:   aws.String("ev-" + strconv.Itoa(seq)),
			EventName: types.OperationTypeInsert,
			Dynamodb: &types.StreamRecord{
				Keys:                        map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(seq%keys)}},
				SequenceNumber:              aws.String(fmt.Sprintf("%012d", seq)),
				ApproximateCreationDateTime: &now,
			},
		}
	}
	return stream.Page{Records: recs}
}

type acks struct {
	mu   sync.Mutex
	seqs []string
}

func (a *acks) ack(seq string) {
	a.mu.Lock()
	a.seqs = append(a.seqs, seq)
	a.mu.Unlock()
}

func (a *acks) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seqs) == 0 {
		return ""
	}
	return a.seqs[len(a.seqs)-1]
}

func newTestProcessor(sendCtx context.Context, s delivery.Sender, a *acks) *shardProcessor {
	conv, err := event.NewConverter("arn:aws:dynamodb:us-east-1:123456789012:table/orders", nil)
	if err != nil {
		panic(err)
	}
	return newShardProcessor(sendCtx, stream.ShardRef{StreamARN: "s", ShardID: "shard-1"}, s, conv,
		delivery.DispatcherOptions{Parallelism: 8}, a.ack, metrics.NewUnregistered(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

func TestProcessorKeepsOrderAcrossPagesAndFlushWaitsForQueuedPages(t *testing.T) {
	var (
		mu  sync.Mutex
		got = map[string][]int{}
	)
	sink := senderFunc(func(_ context.Context, e cloudevents.Event) error {
		id, _ := strconv.Atoi(e.ID()[len("ev-"):])
		mu.Lock()
		got[e.Subject()] = append(got[e.Subject()], id)
		mu.Unlock()
		return nil
	})
	var a acks
	p := newTestProcessor(context.Background(), sink, &a)
	defer p.Close()
	const pages, size, keys = 5, 1000, 7
	for i := range pages {
		if err := p.Submit(context.Background(), page(i*size, size, keys)); err != nil {
			t.Fatal(err)
		}
	}
	// Flush returns only once the queued pages too are delivered.
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := 0
	for key, ids := range got {
		total += len(ids)
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("%s: record %d delivered after %d", key, ids[i], ids[i-1])
			}
		}
	}
	if total != pages*size {
		t.Fatalf("delivered %d records after Flush, want %d", total, pages*size)
	}
	if want := fmt.Sprintf("%012d", pages*size-1); a.last() != want {
		t.Fatalf("last ack %s, want %s", a.last(), want)
	}
}

func TestProcessorCloseDropsQueuedPagesWithoutAcknowledgingThem(t *testing.T) {
	sendCtx, cancel := context.WithCancel(context.Background())
	var (
		mu   sync.Mutex
		sent int
	)
	sink := senderFunc(func(ctx context.Context, _ cloudevents.Event) error {
		mu.Lock()
		sent++
		mu.Unlock()
		<-ctx.Done() // a sink that never answers
		return ctx.Err()
	})
	var a acks
	p := newTestProcessor(sendCtx, sink, &a)
	// Two pages fill the window; the third waits in the converter; the
	// next Submit must block.
	const size = maxInFlightPerShard / 2
	for i := range 3 {
		if err := p.Submit(context.Background(), page(i*size, size, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	if err := p.Submit(ctx, page(3*size, size, 1000)); err == nil {
		t.Fatal("Submit did not block with the window full and a page in the converter")
	}
	cancel()
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	p.Close() // idempotent
	if got := a.last(); got != "" {
		t.Fatalf("acknowledged %s though the sink took nothing", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent > maxInFlightPerShard {
		t.Fatalf("%d records were sent, more than the %d in flight", sent, maxInFlightPerShard)
	}
}

// A record the decoder could not write (an attribute type this source does
// not know) is skipped and counted, its data-carrying neighbours delivered,
// and the checkpoint moves past it: it must not hold the shard up.
func TestProcessorSkipsARecordTheDecoderRefused(t *testing.T) {
	var (
		mu  sync.Mutex
		ids []string
	)
	sink := senderFunc(func(_ context.Context, e cloudevents.Event) error {
		mu.Lock()
		ids = append(ids, e.ID())
		mu.Unlock()
		return nil
	})
	var a acks
	p := newTestProcessor(context.Background(), sink, &a)
	defer p.Close()
	pg := page(0, 3, 3)
	pg.Data = [][]byte{[]byte(`{"n":0}`), nil, []byte(`{"n":2}`)}
	pg.Errs = []error{nil, errors.New(`attribute value of unknown type "VEC"`), nil}
	if err := p.Submit(context.Background(), pg); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"ev-0", "ev-2"}) {
		t.Fatalf("delivered %v, want ev-0 and ev-2", ids)
	}
	if got := metrics.Value(p.m.EventsDropped.WithLabelValues(metrics.DropInvalid)); got != 1 {
		t.Errorf("events_dropped_total{reason=invalid} = %v, want 1", got)
	}
	if want := fmt.Sprintf("%012d", 2); a.last() != want {
		t.Errorf("last ack %s, want %s: the checkpoint must move past the skipped record", a.last(), want)
	}
}

// A page waiting for room in the window holds its events, not also the
// light records they were made from (a key map each).
func TestProcessorLetsConvertedRecordsGo(t *testing.T) {
	sendCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := newTestProcessor(sendCtx, senderFunc(func(context.Context, cloudevents.Event) error { return nil }), &acks{})
	defer p.Close()
	pg := page(0, 10, 3)
	items := p.items(pg)
	for i, it := range items {
		if it.Drop || it.Event.ID() != "ev-"+strconv.Itoa(i) || it.Key == "" {
			t.Fatalf("item %d: %+v, want the event of record %d", i, it, i)
		}
		if pg.Records[i].Dynamodb != nil || pg.Records[i].EventID != nil {
			t.Errorf("record %d is still held after its conversion", i)
		}
	}
}

// A processor used after Close says so with ErrClosed instead of panicking
// on its closed hand-over, and acknowledges nothing.
func TestProcessorRefusesSubmitAndFlushAfterClose(t *testing.T) {
	var a acks
	p := newTestProcessor(t.Context(), senderFunc(func(context.Context, cloudevents.Event) error { return nil }), &a)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := p.Submit(ctx, page(0, 3, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit() after Close = %v, want ErrClosed", err)
	}
	if err := p.Flush(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush() after Close = %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if got := a.last(); got != "" {
		t.Errorf("acknowledged %q after Close, want nothing", got)
	}
}

// An idle shard costs no goroutine: the converter starts with the first
// page, and a processor closed before any page closes without one.
func TestProcessorOfAnIdleShardRunsNoGoroutine(t *testing.T) {
	sink := senderFunc(func(context.Context, cloudevents.Event) error { return nil })
	before := runtime.NumGoroutine()
	procs := make([]*shardProcessor, 100)
	for i := range procs {
		procs[i] = newTestProcessor(t.Context(), sink, &acks{})
	}
	if n := runtime.NumGoroutine() - before; n >= len(procs) {
		t.Errorf("%d idle processors added %d goroutines, want none for them", len(procs), n)
	}
	for _, p := range procs {
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Submit(t.Context(), stream.Page{}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Submit after Close = %v, want ErrClosed", err)
		}
	}
}
