package stream

import (
	"sync"
	"testing"
)

// Calls in flight at once get a caller each; calls made afterwards reuse
// the callers that are idle rather than start more.
func TestCallersGrowToTheCallsInFlightAndNoFurther(t *testing.T) {
	c := newCallers()
	const inFlight = 8
	gate := make(chan struct{})
	var started, wg sync.WaitGroup
	started.Add(inFlight)
	for range inFlight {
		wg.Go(func() {
			c.do(func() {
				started.Done()
				<-gate
			})
		})
	}
	started.Wait()
	if n := c.alive(); n != inFlight {
		t.Fatalf("%d callers for %d calls in flight, want one each", n, inFlight)
	}
	close(gate)
	wg.Wait()
	sum := 0
	for i := range 100 {
		c.do(func() { sum += i })
	}
	if sum != 99*100/2 {
		t.Errorf("the calls added up to %d, want %d: do returned before its function ran", sum, 99*100/2)
	}
	if n := c.alive(); n > inFlight {
		t.Errorf("%d callers after 100 calls one at a time, want at most the %d already running", n, inFlight)
	}
}
