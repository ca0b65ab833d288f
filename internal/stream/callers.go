package stream

import (
	"slices"
	"sync"
	"time"
)

// This file runs the reader's AWS calls on a few long-lived goroutines
// rather than on each shard's own. An SDK call is deep (some sixty frames
// of middleware): the goroutine that makes it grows its stack to 32 KiB,
// the garbage collector halves the stack of every goroutine found using
// little of it — an idle shard's, asleep between polls — and the next call
// grows it again, copying it. Among a thousand idle shards that was a
// tenth of the process's CPU and a third of its memory in stacks. The
// callers that run the calls stay few (as many as calls in flight at
// once) and their stacks stay grown; the shards' stay small.

// callerIdle is how long a caller waits for a call before it exits.
const callerIdle = 2 * time.Second

// callers runs functions on idle callers, starting one when none is idle.
// The idle callers are a stack: the one idle last is given the next call,
// so that the callers a steady rate of calls needs stay busy, and those
// that a burst started (a thousand shards starting at once) see no call
// and exit.
type callers struct {
	mu      sync.Mutex
	idle    []*caller
	running int // callers alive
}

type caller struct {
	work chan func() // one at a time, handed over by do
}

func newCallers() *callers { return &callers{} }

// do runs f on a caller and returns when f has.
func (c *callers) do(f func()) {
	done := make(chan struct{})
	g := func() {
		defer close(done)
		f()
	}
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		w := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		w.work <- g // buffered: the caller may not be receiving yet
	} else {
		c.running++
		c.mu.Unlock()
		go c.loop(&caller{work: make(chan func(), 1)}, g)
	}
	<-done
}

// loop runs f, then whatever the caller is given, until it has been idle
// for callerIdle.
func (c *callers) loop(w *caller, f func()) {
	t := time.NewTimer(callerIdle)
	defer t.Stop()
	for {
		f()
		c.mu.Lock()
		c.idle = append(c.idle, w)
		c.mu.Unlock()
		t.Reset(callerIdle)
		select {
		case f = <-w.work:
			continue
		case <-t.C:
		}
		c.mu.Lock()
		if i := slices.Index(c.idle, w); i >= 0 {
			c.idle = slices.Delete(c.idle, i, i+1)
			c.running--
			c.mu.Unlock()
			return
		}
		// do took this caller off the stack as the timer fired: its
		// call is on the way.
		c.mu.Unlock()
		f = <-w.work
	}
}

// alive returns how many callers are running.
func (c *callers) alive() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}
