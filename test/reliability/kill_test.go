package reliability

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// Bounds of the at-least-once window, from internal/source and
// internal/stream: a shard holds at most maxInFlight records read and not
// acknowledged, and acknowledged progress is saved every saveInterval. A
// kill -9 can therefore resend at most the in-flight window plus what was
// acknowledged since the last save.
const (
	maxInFlight  = 1024
	saveInterval = time.Second
)

// kill -9 the source several times while changes are written, restarting
// it each time.
func testKill9(t *testing.T, db *ddblocal.Server) {
	total, items, kills := size(2000, 20000), 200, size(2, 5)
	r := newRig(t, db, "kill9")
	ctx := context.Background()
	written := r.writeAsync(ctx, 0, total, items, 0)

	p := r.start()
	bound := 0
	for k := range kills {
		target := (k + 1) * total / (kills + 1)
		deadline := time.Now().Add(3 * time.Minute)
		for r.sinks.distinct() < target {
			if time.Now().After(deadline) {
				t.Fatalf("kill %d: only %d of %d changes delivered before the kill", k+1, r.sinks.distinct(), target)
			}
			time.Sleep(10 * time.Millisecond)
		}
		killed := time.Now()
		p.Kill()
		// What may come again: the in-flight window, and what was
		// delivered since the last save (the save interval, plus a
		// second of slack for the save itself).
		_, at := r.sinks.events()
		recent := 0
		for _, a := range at {
			if a.After(killed.Add(-saveInterval - time.Second)) {
				recent++
			}
		}
		bound += maxInFlight + recent
		t.Logf("kill %d at %d delivered; restarting", k+1, r.sinks.distinct())
		p = r.start()
		r.lifted()
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if !r.waitAll(5 * time.Minute) {
		t.Errorf("after %d kills: %d of %d changes delivered", kills, r.sinks.exactDistinct(), r.ledger.count())
	}
	if code := p.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	res := r.analyze("kill -9 ×" + itoa(kills) + ", " + itoa(items) + " items")
	res.dupBound = bound
	res.note = "bound: per kill, 1,024 in flight + deliveries in the 2 s before it"
	r.check(res)
}
