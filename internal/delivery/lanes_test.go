package delivery

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Many dispatchers sharing a pool of few tokens: no more sends at once than
// tokens (a lane is a goroutine only while it holds one), and still every
// item is delivered, in its key's order, and acknowledged.
func TestLanePoolBoundsLiveLanesAcrossDispatchersKeepingOrder(t *testing.T) {
	const tokens, dispatchers = 3, 12
	var (
		now, peak atomic.Int64
		mu        sync.Mutex
		got       = map[string][]int{}
	)
	sink := sinkFunc(func(_ context.Context, e cloudevents.Event) error {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		id, _ := strconv.Atoi(e.ID())
		mu.Lock()
		got[e.Source()+"/"+e.Subject()] = append(got[e.Source()+"/"+e.Subject()], id)
		mu.Unlock()
		now.Add(-1)
		return nil
	})
	pool := NewLanePool(tokens)
	var wg sync.WaitGroup
	acks := make([]ackLog, dispatchers)
	for i := range dispatchers {
		d := NewDispatcher(context.Background(), sink,
			DispatcherOptions{Parallelism: 8, MaxInFlight: 16, Ack: acks[i].ack, Lanes: pool})
		in := items(500, 29)
		for j := range in {
			in[j].Event.SetSource("d" + strconv.Itoa(i))
		}
		wg.Go(func() {
			for j := 0; j < len(in); j += 50 {
				if err := d.Submit(context.Background(), in[j:j+50]); err != nil {
					t.Error(err)
					return
				}
			}
			if err := d.Flush(context.Background()); err != nil {
				t.Error(err)
			}
			d.Close()
		})
	}
	wg.Wait()

	if p := peak.Load(); p > tokens {
		t.Errorf("%d sends at once with a pool of %d lanes", p, tokens)
	}
	total := 0
	for key, ids := range got {
		total += len(ids)
		for k := 1; k < len(ids); k++ {
			if ids[k] < ids[k-1] {
				t.Fatalf("key %s delivered out of order: %v", key, ids)
			}
		}
	}
	if total != dispatchers*500 {
		t.Errorf("delivered %d items, want %d", total, dispatchers*500)
	}
	for i := range acks {
		if got := acks[i].last(); got != "00000499" {
			t.Errorf("dispatcher %d acknowledged up to %q, want 00000499", i, got)
		}
	}
	if n := len(pool.tokens); n != 0 {
		t.Errorf("%d tokens still taken after every dispatcher closed", n)
	}
}

// A lane that always has items queued gives its token to a lane waiting to
// start after laneTurn items, rather than keep it until its queue is empty:
// one busy shard must not hold up the others.
func TestLanePoolBusyLaneTakesTurnsWithAWaitingOne(t *testing.T) {
	const backlog = 4 * laneTurn
	var (
		mu    sync.Mutex
		order []string
		gate  = make(chan struct{})
		once  sync.Once
	)
	sink := sinkFunc(func(_ context.Context, e cloudevents.Event) error {
		if e.Source() == "a" {
			once.Do(func() { <-gate })
		}
		mu.Lock()
		order = append(order, e.Source()+e.ID())
		mu.Unlock()
		return nil
	})
	pool := NewLanePool(1)
	opts := DispatcherOptions{Parallelism: 1, MaxInFlight: backlog, Lanes: pool}
	a, b := NewDispatcher(context.Background(), sink, opts), NewDispatcher(context.Background(), sink, opts)
	in := items(backlog, 1)
	for i := range in {
		in[i].Event.SetSource("a")
	}
	// A's lane takes the token and blocks on its first send, its queue full.
	if err := a.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	bIn := items(1, 1)
	bIn[0].Event.SetSource("b")
	bDone := make(chan error, 1)
	go func() { bDone <- b.Submit(context.Background(), bIn) }()
	for pool.waiting.Load() == 0 { // b waits for the token
		runtime.Gosched()
	}
	close(gate)
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Dispatcher{a, b} {
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Close()
	}
	at := slices.Index(order, "b0")
	if at < 0 || at > laneTurn {
		t.Errorf("the waiting lane sent after %d items of the busy one, want at most %d (order %v)", at, laneTurn, order[:min(len(order), 80)])
	}
}
