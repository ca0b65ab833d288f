package delivery

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A sink down for seconds holds many events in backoff (the default policy,
// up to 30 s each). When it comes back, they must all go within a second or
// two, not each when its own backoff ends.
func TestEventsWaitingOnAFailedSinkGoSoonAfterItRecovers(t *testing.T) {
	var upAt atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if time.Now().UnixNano() < upAt.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(ts.Close)
	const down = 5 * time.Second
	upAt.Store(time.Now().Add(down).UnixNano())
	s := newTestSender(t, ts.URL, HTTPOptions{})
	ctx := testContext(t)

	const events = 32
	var wg sync.WaitGroup
	done := make([]time.Time, events)
	for i := range events {
		wg.Go(func() {
			if err := s.Send(ctx, testEvent(t, strconv.Itoa(i))); err != nil {
				t.Errorf("event %d: %v", i, err)
			}
			done[i] = time.Now()
		})
	}
	wg.Wait()
	up := time.Unix(0, upAt.Load())
	var last time.Duration
	for _, d := range done {
		last = max(last, d.Sub(up))
	}
	t.Logf("the last of %d events went %s after the sink recovered", events, last.Round(time.Millisecond))
	if last > 2*time.Second {
		t.Errorf("the last event went %s after the sink recovered, want within 2s", last.Round(time.Millisecond))
	}
}

// A sink answering 503 to half the requests is answering: what fails is
// sent again at once after the next success, so draining takes about twice
// the healthy time, not the backoffs of the unluckiest events.
func TestASinkFailingHalfTheRequestsDrainsFast(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if rand.IntN(2) == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(ts.Close)
	d := NewDispatcher(testContext(t), newTestSender(t, ts.URL, HTTPOptions{}), DispatcherOptions{Parallelism: 16, MaxInFlight: 1024})
	start := time.Now()
	deliverAll(t, d, httpItems(t, 1000, 100))
	took := time.Since(start)
	t.Logf("1,000 events through a sink answering 503 to half the requests: %s", took.Round(time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("draining took %s, want under 15s", took.Round(time.Millisecond))
	}
}
