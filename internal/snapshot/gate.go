package snapshot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// Gate is the meeting point of the scan and the stream readers: it is the
// stream.Watcher of the source while a snapshot runs. It holds scanned pages
// until the stream has been read past them (Passed), leaves out of each the
// items the stream changed since the snapshot began (Release), and holds a
// change back while an image of its item is being delivered (PageRead).
//
// The keys changed during the snapshot are kept until it ends: memory grows
// with the number of distinct items changed while it runs (about a hundred
// bytes each), not with the table.
type Gate struct {
	settle, linger time.Duration
	now            func() time.Time
	done           atomic.Bool
	log            *slog.Logger // set by the Snapshot; nil in tests

	mu   sync.Mutex
	wake chan struct{} // closed and replaced on every change
	view StreamView
	// changed are the keys of the changes read since the snapshot began.
	changed map[string]struct{}
	// inflight counts, by key, the released images not yet settled.
	inflight map[string]int
}

// NewGate returns a gate that waits settle past a page's watermark (the
// service's propagation delay from a write to its stream record) and
// linger for the children of a shard that ended without any found.
func NewGate(settle, linger time.Duration, now func() time.Time) *Gate {
	if now == nil {
		now = time.Now
	}
	return &Gate{settle: settle, linger: linger, now: now, wake: make(chan struct{}),
		view:    StreamView{Shards: map[stream.ShardRef]ShardView{}, Ended: map[stream.ShardRef]Ended{}},
		changed: map[string]struct{}{}, inflight: map[string]int{}}
}

// broadcast wakes every waiter; mu must be held.
func (g *Gate) broadcast() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// ShardStarted implements stream.Watcher.
func (g *Gate) ShardStarted(ref stream.ShardRef) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.view.Starts++
	delete(g.view.Ended, ref)
	g.view.Shards[ref] = ShardView{Start: g.view.Starts}
	g.broadcast()
}

// ShardPositioned implements stream.Watcher.
func (g *Gate) ShardPositioned(ref stream.ShardRef) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s, ok := g.view.Shards[ref]; ok {
		s.Positioned = true
		g.view.Shards[ref] = s
		g.broadcast()
	}
}

// ShardEnded implements stream.Watcher.
func (g *Gate) ShardEnded(ref stream.ShardRef) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.view.Shards[ref]
	if !ok {
		return
	}
	delete(g.view.Shards, ref)
	g.view.Ended[ref] = Ended{At: g.now(), Start: s.Start}
	g.broadcast()
}

// Listed implements stream.Watcher.
func (g *Gate) Listed(string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.view.Listed {
		g.view.Listed = true
		g.broadcast()
	}
}

// PageRead implements stream.Watcher: it notes the page's keys as changed,
// moves the shard's caught-up moment when the read reached the tip, and
// waits while an image of one of its items is being delivered, so that the
// change arrives after it.
func (g *Gate) PageRead(ctx context.Context, ref stream.ShardRef, read stream.PageRead) error {
	if g.done.Load() {
		return nil
	}
	keys := make([]string, 0, len(read.Records))
	for i := range read.Records {
		if sr := read.Records[i].Dynamodb; sr != nil && len(sr.Keys) > 0 {
			keys = append(keys, StreamKey(sr.Keys))
		}
	}
	g.mu.Lock()
	for _, k := range keys {
		g.changed[k] = struct{}{}
	}
	if s, ok := g.view.Shards[ref]; ok && read.AtTip && read.Began.After(s.CaughtUp) {
		s.CaughtUp = read.Began
		g.view.Shards[ref] = s
	}
	g.broadcast()
	for {
		busy := false
		for _, k := range keys {
			if g.inflight[k] > 0 {
				busy = true
				break
			}
		}
		if !busy {
			g.mu.Unlock()
			return nil
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
		g.mu.Lock()
	}
}

// waitFor blocks until cond, checked under mu, holds or ctx ends; it checks
// again at least every tick, for conditions that depend on the time.
func (g *Gate) waitFor(ctx context.Context, cond func() bool) error {
	const tick = 100 * time.Millisecond
	for {
		g.mu.Lock()
		ok := cond()
		wake := g.wake
		g.mu.Unlock()
		if ok {
			return nil
		}
		t := time.NewTimer(tick)
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

// WaitPositioned blocks until the stream readers follow the stream (see
// Positioned): a scan begun after it misses no change.
func (g *Gate) WaitPositioned(ctx context.Context) error {
	return g.waitFor(ctx, func() bool { return Positioned(g.view) })
}

// WaitPassed blocks until the stream has been read past w (see Passed).
// A wait of more than slowWait is logged once, with what it waits for.
func (g *Gate) WaitPassed(ctx context.Context, w Watermark) error {
	logged := false
	return g.waitFor(ctx, func() bool {
		if Passed(w, g.view, g.now(), g.settle, g.linger) {
			return true
		}
		if !logged && g.log != nil && g.now().Sub(w.At) > slowWait {
			logged = true
			g.log.Warn("a scanned page waits for the stream to be read past it", "watermark", w.At, "view", describe(g.view))
		}
		return false
	})
}

// slowWait is how long a page may wait for the stream before it is logged.
const slowWait = 15 * time.Second

// describe renders a view for the log.
func describe(v StreamView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listed=%v starts=%d", v.Listed, v.Starts)
	for ref, s := range v.Shards {
		fmt.Fprintf(&b, " shard %s positioned=%v caughtUp=%s start=%d;", ref.ShardID, s.Positioned, s.CaughtUp.Format(time.RFC3339Nano), s.Start)
	}
	for ref, e := range v.Ended {
		fmt.Fprintf(&b, " ended %s at=%s start=%d;", ref.ShardID, e.At.Format(time.RFC3339Nano), e.Start)
	}
	return b.String()
}

// Release decides which images of a page go (Keep), and counts those as in
// flight until Settled.
func (g *Gate) Release(keys []string) (keep []int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	keep = Keep(keys, func(k string) bool { _, ok := g.changed[k]; return ok })
	for _, i := range keep {
		g.inflight[keys[i]]++
	}
	return keep
}

// Keep returns the indexes of the images to deliver: those whose item the
// stream has not changed since the snapshot began. Every change since then
// is delivered, and carries its item's newer state (or its removal), so an
// image of a changed item would at best repeat it and at worst, arriving
// after it, take the item back in time.
func Keep(keys []string, changed func(string) bool) []int {
	keep := make([]int, 0, len(keys))
	for i, k := range keys {
		if !changed(k) {
			keep = append(keep, i)
		}
	}
	return keep
}

// Settled ends the flight of released images: the changes of their items
// waiting in PageRead may go.
func (g *Gate) Settled(keys []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range keys {
		if n := g.inflight[k] - 1; n > 0 {
			g.inflight[k] = n
		} else {
			delete(g.inflight, k)
		}
	}
	g.broadcast()
}

// Finish ends the snapshot: the gate lets every change through at once and
// forgets what it held.
func (g *Gate) Finish() {
	g.done.Store(true)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changed, g.inflight = map[string]struct{}{}, map[string]int{}
	g.broadcast()
}
