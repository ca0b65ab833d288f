package delivery

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// batchSink is an in-process BatchSender that records each batch's event
// ids in arrival order.
type batchSink struct {
	mu      sync.Mutex
	batches [][]string
	fn      func(ctx context.Context, events []cloudevents.Event) error
}

func (s *batchSink) Send(context.Context, cloudevents.Event) error {
	panic("batched mode must not send events one by one")
}

func (s *batchSink) SendBatch(ctx context.Context, events []cloudevents.Event) error {
	if s.fn != nil {
		if err := s.fn(ctx, events); err != nil {
			return err
		}
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID()
	}
	s.mu.Lock()
	s.batches = append(s.batches, ids)
	s.mu.Unlock()
	return nil
}

func (s *batchSink) snapshot() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.batches...)
}

func TestBatchedDispatcherKeepsPerKeyOrderWithinAndAcrossBatches(t *testing.T) {
	sink := &batchSink{fn: func(context.Context, []cloudevents.Event) error {
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		return nil
	}}
	var acks ackLog
	const keys = 37
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 4, MaxInFlight: 256,
		BatchSize: 10, Linger: time.Millisecond, Ack: acks.ack})
	in := items(3000, keys)
	for i := 0; i < len(in); i += 100 {
		if err := d.Submit(context.Background(), in[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Close()

	last := map[int]int{} // key -> last id delivered
	total, multi := 0, 0
	for _, batch := range sink.snapshot() {
		if len(batch) > 10 {
			t.Fatalf("batch of %d events, want at most 10", len(batch))
		}
		if len(batch) > 1 {
			multi++
		}
		for _, s := range batch {
			id, _ := strconv.Atoi(s)
			if prev, ok := last[id%keys]; ok && id <= prev {
				t.Fatalf("key %d: event %d delivered after %d", id%keys, id, prev)
			}
			last[id%keys] = id
			total++
		}
	}
	if total != len(in) {
		t.Fatalf("delivered %d events, want %d", total, len(in))
	}
	if multi == 0 {
		t.Fatal("every batch held one event: nothing was batched")
	}
	for i := 1; i < len(acks.seqs); i++ {
		if acks.seqs[i] <= acks.seqs[i-1] {
			t.Fatalf("ack went backwards: %s after %s", acks.seqs[i], acks.seqs[i-1])
		}
	}
	if acks.last() != in[len(in)-1].Seq {
		t.Fatalf("last ack %s, want %s", acks.last(), in[len(in)-1].Seq)
	}
}

func TestBatchedDispatcherNeverAcksPastAnUnacknowledgedBatch(t *testing.T) {
	release := make(chan struct{})
	in := items(40, 40)
	blocked := laneOf(in[0].Key, 4)
	var others sync.WaitGroup
	for _, it := range in {
		if laneOf(it.Key, 4) != blocked {
			others.Add(1)
		}
	}
	sink := &batchSink{fn: func(ctx context.Context, events []cloudevents.Event) error {
		for _, e := range events {
			if e.ID() == "0" {
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		for _, e := range events {
			if laneOf(e.Subject(), 4) != blocked {
				others.Done()
			}
		}
		return nil
	}}
	var acks ackLog
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 4, MaxInFlight: 64,
		BatchSize: 5, Ack: acks.ack})
	defer d.Close()
	if err := d.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	others.Wait() // every batch of the other lanes is acknowledged
	time.Sleep(10 * time.Millisecond)
	if got := acks.last(); got != "" {
		t.Fatalf("acknowledged %s while the batch of item 0 was not", got)
	}
	if got := d.InFlight(); got != len(in) {
		t.Fatalf("in flight %d, want all %d: nothing before item 0 can be acknowledged", got, len(in))
	}
	close(release)
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := acks.last(); got != in[len(in)-1].Seq {
		t.Fatalf("last ack %s, want %s", got, in[len(in)-1].Seq)
	}
	if d.InFlight() != 0 {
		t.Fatalf("in flight %d after Flush, want 0", d.InFlight())
	}
}

func TestBatchedDispatcherLingersForAnUnfilledBatchThenSendsIt(t *testing.T) {
	sink := &batchSink{}
	var acks ackLog
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 1, BatchSize: 100,
		Linger: 200 * time.Millisecond, Ack: acks.ack})
	defer d.Close()
	in := items(3, 3)
	start := time.Now()
	// Submitted one by one with pauses far shorter than the linger: they
	// must still travel together.
	for i := range in {
		if err := d.Submit(context.Background(), in[i:i+1]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	got := sink.snapshot()
	if len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("batches %v, want one batch of the 3 events", got)
	}
	if took < 150*time.Millisecond || took > 5*time.Second {
		t.Fatalf("an unfilled batch was sent after %s, want after its 200ms linger", took)
	}
	if acks.last() != in[2].Seq {
		t.Fatalf("last ack %s, want %s", acks.last(), in[2].Seq)
	}
}

func TestBatchedDispatcherSettlesEveryItemOfARejectedBatch(t *testing.T) {
	sink := &batchSink{fn: func(_ context.Context, events []cloudevents.Event) error {
		return &RejectedError{EventID: events[0].ID(), StatusCode: 400, Attempts: 1}
	}}
	var (
		acks     ackLog
		mu       sync.Mutex
		rejected []string
	)
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 1, BatchSize: 10, Ack: acks.ack,
		Settled: func(it *Item, err error, _ time.Duration) {
			if err != nil {
				mu.Lock()
				rejected = append(rejected, it.Event.ID())
				mu.Unlock()
			}
		}})
	defer d.Close()
	in := items(4, 1)
	if err := d.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 4 || acks.last() != in[3].Seq {
		t.Fatalf("rejected %v, last ack %s; want all 4 reported rejected and acknowledged past %s", rejected, acks.last(), in[3].Seq)
	}
}

func TestBatchedDispatcherAbandonsItsBatchWhenTheSendContextEnds(t *testing.T) {
	sendCtx, cancel := context.WithCancel(context.Background())
	sink := &batchSink{fn: func(ctx context.Context, _ []cloudevents.Event) error {
		<-ctx.Done() // a sink that never answers
		return ctx.Err()
	}}
	var acks ackLog
	d := NewDispatcher(sendCtx, sink, DispatcherOptions{Parallelism: 2, MaxInFlight: 8, BatchSize: 4, Ack: acks.ack})
	if err := d.Submit(context.Background(), items(8, 8)); err != nil {
		t.Fatal(err)
	}
	cancel()
	d.Close()
	if got := acks.last(); got != "" {
		t.Fatalf("acknowledged %s though nothing was delivered", got)
	}
	if d.InFlight() != 8 {
		t.Fatalf("in flight %d, want the 8 abandoned items still unacknowledged", d.InFlight())
	}
}
