package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/faultproxy"
)

// TestSoak writes at a steady rate for a long time while faults are
// switched on and off, and checks that the source's memory (RSS from /proc)
// and goroutine count (go_goroutines on /metrics) stay flat and that
// nothing is lost. It is manual: RELIABILITY_SOAK=1, with
// RELIABILITY_SOAK_DURATION (default 30m), RELIABILITY_SOAK_RATE (default
// 200 writes/s) and RELIABILITY_SOAK_CSV (a file for the samples).
func TestSoak(t *testing.T) {
	if os.Getenv("RELIABILITY_SOAK") != "1" {
		t.Skip("the soak is manual: RELIABILITY_SOAK=1 (make soak)")
	}
	duration := envDuration("RELIABILITY_SOAK_DURATION", 30*time.Minute)
	rate := envInt("RELIABILITY_SOAK_RATE", 200)
	period := envDuration("RELIABILITY_SOAK_PERIOD", time.Minute)
	const items = 1000

	db := ddblocal.Start(t)
	r := newRig(t, db, "soak")
	px := faultproxy.New(db.Endpoint, 11)
	t.Cleanup(px.Close)
	r.endpoint = px.URL

	// The fault phases, in turn, each for one period.
	var sink503 atomic.Bool
	r.sinks.setBehavior(func(int64, *cloudevents.Event) cesink.Response {
		if sink503.Load() && rand.Float64() < 0.3 {
			return cesink.Response{Status: http.StatusServiceUnavailable}
		}
		return cesink.Response{}
	})
	phases := []struct {
		name string
		on   func()
	}{
		{"none", func() { px.SetRules(); sink503.Store(false) }},
		{"Streams LimitExceeded 30% of GetRecords + 500 on 5%", func() {
			px.SetRules(faultproxy.Rule{Op: "GetRecords", Fault: faultproxy.LimitExceeded, Probability: 0.3},
				faultproxy.Rule{Fault: faultproxy.InternalError, Probability: 0.05})
		}},
		{"none", func() { px.SetRules() }},
		{"sink 503 on 30%", func() { sink503.Store(true) }},
		{"none", func() { sink503.Store(false) }},
		{"Streams connections reset on 5%", func() {
			px.SetRules(faultproxy.Rule{Fault: faultproxy.Reset, Probability: 0.025}, faultproxy.Rule{Fault: faultproxy.ResetAfter, Probability: 0.025})
		}},
	}

	p := r.start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	total := int(duration.Seconds()) * rate
	written := r.writeAsync(ctx, 0, total, items, float64(rate))

	type sample struct {
		at         time.Duration
		rss        int64
		goroutines float64
		delivered  int
		phase      string
	}
	var samples []sample
	start := time.Now()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	phase := -1
	for time.Since(start) < duration {
		<-tick.C
		if k := int(time.Since(start)/period) % len(phases); k != phase {
			phase = k
			phases[k].on()
			t.Logf("%s: faults: %s", time.Since(start).Round(time.Second), phases[k].name)
		}
		rss, err := p.rss()
		if err != nil {
			t.Fatal(err)
		}
		s := sample{at: time.Since(start), rss: rss, goroutines: p.metric("go_goroutines"), delivered: r.sinks.distinct(), phase: phases[phase].name}
		samples = append(samples, s)
		t.Logf("%6s rss %6.1f MiB goroutines %4.0f written %7d delivered %7d (%s)", s.at.Round(time.Second), float64(s.rss)/(1<<20), s.goroutines, r.ledger.count(), s.delivered, s.phase)
	}
	px.SetRules()
	sink503.Store(false)
	r.lifted()
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if !r.waitAll(10 * time.Minute) {
		t.Errorf("%d of %d delivered after the soak", r.sinks.exactDistinct(), r.ledger.count())
	}
	if code := p.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}

	if path := os.Getenv("RELIABILITY_SOAK_CSV"); path != "" {
		var b strings.Builder
		b.WriteString("seconds,rss_bytes,goroutines,delivered,faults\n")
		for _, s := range samples {
			fmt.Fprintf(&b, "%.0f,%d,%.0f,%d,%q\n", s.at.Seconds(), s.rss, s.goroutines, s.delivered, s.phase)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	// Flat: after a warm-up of a quarter of the run, the last quarter's
	// peaks stay within a margin of the second quarter's.
	q := len(samples) / 4
	if q < 1 {
		t.Fatalf("only %d samples: run longer", len(samples))
	}
	peak := func(from, to int) (rss int64, g float64) {
		for _, s := range samples[from:to] {
			rss, g = max(rss, s.rss), max(g, s.goroutines)
		}
		return
	}
	rss2, g2 := peak(q, 2*q)
	rss4, g4 := peak(3*q, len(samples))
	note := fmt.Sprintf("%s at %d/s; RSS peak %.0f → %.0f MiB, goroutines peak %.0f → %.0f (2nd vs last quarter)",
		duration, rate, float64(rss2)/(1<<20), float64(rss4)/(1<<20), g2, g4)
	t.Log(note)
	if float64(rss4) > float64(rss2)*1.25+16<<20 {
		t.Errorf("memory grew: peak RSS %d MiB in the last quarter, %d MiB in the second", rss4>>20, rss2>>20)
	}
	if g4 > g2+20 {
		t.Errorf("goroutines grew: peak %.0f in the last quarter, %.0f in the second", g4, g2)
	}
	res := r.analyze("soak")
	res.note = note
	r.check(res)
}
