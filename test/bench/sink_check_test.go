package bench

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
)

// The benchmark's sink parses HTTP by hand; this checks it against the
// product's own sender, in both modes, and that it refuses what is not a
// CloudEvent (so a benchmark cannot count garbage as delivered).
func TestSinkCountsWhatTheSenderSends(t *testing.T) {
	s := startSink(t)
	reached := s.expect(5, true)
	s.trackArrivals()
	sender, err := delivery.NewHTTPSender(s.URL, delivery.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	ev := func(i int) cloudevents.Event {
		e := cloudevents.NewEvent()
		e.SetID("id-" + strconv.Itoa(i))
		e.SetType("t")
		e.SetSource("/s")
		e.SetSubject("pk=" + strconv.Itoa(i))
		_ = e.SetData(cloudevents.ApplicationJSON, []byte(`{"big":"`+strings.Repeat("x", 100_000)+`"}`))
		return e
	}
	ctx := context.Background()
	for i := range 2 {
		if err := sender.Send(ctx, ev(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sender.Send(ctx, ev(1)); err != nil { // a duplicate
		t.Fatal(err)
	}
	if err := sender.SendBatch(ctx, []cloudevents.Event{ev(3), ev(4)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reached:
	case <-time.After(5 * time.Second):
		t.Fatalf("sink counted %d events, want 5", s.events.Load())
	}
	if s.duplicates() != 1 || s.batches.Load() != 1 || s.requests.Load() != 4 {
		t.Errorf("duplicates %d, batches %d, requests %d; want 1, 1, 4", s.duplicates(), s.batches.Load(), s.requests.Load())
	}
	if a := s.arrivalsCopy(); len(a) != 2 || a["pk=0"].IsZero() || a["pk=1"].IsZero() {
		t.Errorf("arrivals %v, want pk=0 and pk=1", a)
	}

	resp, err := http.Post(s.URL, "text/plain", strings.NewReader("not an event"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || s.refused.Load() != 1 {
		t.Errorf("plain POST: status %d, refused %d; want 400, 1", resp.StatusCode, s.refused.Load())
	}
	if s.events.Load() != 5 {
		t.Errorf("sink counted %d events, want 5", s.events.Load())
	}
}
