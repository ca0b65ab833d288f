package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// sinkFunc is an in-process sink: the dispatcher's contract is about order
// and acknowledgement, which an HTTP round trip would only slow down. The
// HTTP path is tested against httptest servers in http_test.go.
type sinkFunc func(ctx context.Context, e cloudevents.Event) error

func (f sinkFunc) Send(ctx context.Context, e cloudevents.Event) error { return f(ctx, e) }

func items(n, keys int) []Item {
	out := make([]Item, n)
	for i := range out {
		e := cloudevents.NewEvent()
		e.SetID(strconv.Itoa(i))
		e.SetSubject("k" + strconv.Itoa(i%keys))
		out[i] = Item{Seq: fmt.Sprintf("%08d", i), Key: e.Subject(), Event: e}
	}
	return out
}

type ackLog struct {
	mu   sync.Mutex
	seqs []string
}

func (a *ackLog) ack(seq string, _ time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seqs = append(a.seqs, seq)
}

func (a *ackLog) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seqs) == 0 {
		return ""
	}
	return a.seqs[len(a.seqs)-1]
}

func TestDispatcherKeepsPerKeyOrderAndAcksInOrder(t *testing.T) {
	var (
		mu  sync.Mutex
		got = map[string][]int{}
	)
	sink := sinkFunc(func(_ context.Context, e cloudevents.Event) error {
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		id, _ := strconv.Atoi(e.ID())
		mu.Lock()
		got[e.Subject()] = append(got[e.Subject()], id)
		mu.Unlock()
		return nil
	})
	var acks ackLog
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 8, MaxInFlight: 64, Ack: acks.ack})
	in := items(2000, 37)
	for i := 0; i < len(in); i += 100 {
		if err := d.Submit(context.Background(), in[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Close()

	total := 0
	for key, ids := range got {
		total += len(ids)
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("key %s delivered out of order: %v", key, ids)
			}
		}
	}
	if total != len(in) {
		t.Fatalf("delivered %d, want %d", total, len(in))
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

func TestDispatcherNeverAcksPastAnUnsettledItem(t *testing.T) {
	release := make(chan struct{})
	in := items(10, 10) // ten keys: item 0 blocks only its own lane
	blocked := laneOf(in[0].Key, 4)
	var others sync.WaitGroup
	for _, it := range in {
		if laneOf(it.Key, 4) != blocked {
			others.Add(1)
		}
	}
	sink := sinkFunc(func(ctx context.Context, e cloudevents.Event) error {
		if laneOf(e.Subject(), 4) != blocked {
			defer others.Done()
		}
		if e.ID() == "0" {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	var acks ackLog
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 4, MaxInFlight: 16, Ack: acks.ack})
	defer d.Close()
	if err := d.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	others.Wait() // every item in another lane is delivered
	time.Sleep(10 * time.Millisecond)
	if got := acks.last(); got != "" {
		t.Fatalf("acknowledged %s while item 0 was not delivered", got)
	}
	close(release)
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := acks.last(); got != in[9].Seq {
		t.Fatalf("last ack %s, want %s", got, in[9].Seq)
	}
}

func TestDispatcherCountsARejectedItemAsSettled(t *testing.T) {
	sink := sinkFunc(func(_ context.Context, e cloudevents.Event) error {
		if e.ID() == "1" {
			return &RejectedError{EventID: "1", StatusCode: 400}
		}
		return nil
	})
	var acks ackLog
	var rejected []string
	var mu sync.Mutex
	d := NewDispatcher(context.Background(), sink, DispatcherOptions{Parallelism: 1, Ack: acks.ack,
		Settled: func(it *Item, err error, _ time.Duration) {
			if err != nil {
				mu.Lock()
				rejected = append(rejected, it.Event.ID())
				mu.Unlock()
			}
		}})
	defer d.Close()
	in := items(3, 1)
	if err := d.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if acks.last() != in[2].Seq || len(rejected) != 1 || rejected[0] != "1" {
		t.Fatalf("acks %v rejected %v; want last ack %s and event 1 rejected", acks.seqs, rejected, in[2].Seq)
	}
}

func TestDispatcherAbandonsUnsentItemsWhenTheSendContextEnds(t *testing.T) {
	sendCtx, cancel := context.WithCancel(context.Background())
	sink := sinkFunc(func(ctx context.Context, e cloudevents.Event) error {
		<-ctx.Done() // a sink that never answers
		return ctx.Err()
	})
	var acks ackLog
	d := NewDispatcher(sendCtx, sink, DispatcherOptions{Parallelism: 2, MaxInFlight: 4, Ack: acks.ack})
	if err := d.Submit(context.Background(), items(4, 4)); err != nil {
		t.Fatal(err)
	}
	// The window is full: another Submit must block until its ctx ends.
	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if err := d.Submit(ctx, items(1, 1)); err == nil {
		t.Fatal("Submit beyond MaxInFlight returned without blocking")
	}
	cancel()
	d.Close()
	if got := acks.last(); got != "" {
		t.Fatalf("acknowledged %s though nothing was delivered", got)
	}
	if d.InFlight() != 4 {
		t.Fatalf("in flight %d, want the 4 abandoned items still unacknowledged", d.InFlight())
	}
}

func TestDispatcherSettlesDroppedItemsInOrder(t *testing.T) {
	var acks ackLog
	d := NewDispatcher(context.Background(), sinkFunc(func(context.Context, cloudevents.Event) error { return nil }),
		DispatcherOptions{Parallelism: 2, Ack: acks.ack})
	defer d.Close()
	in := items(3, 3)
	in[2].Drop = true
	if err := d.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if acks.last() != in[2].Seq {
		t.Fatalf("last ack %s, want %s", acks.last(), in[2].Seq)
	}
}
