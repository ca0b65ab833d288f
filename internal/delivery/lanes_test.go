package delivery

import (
	"context"
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
