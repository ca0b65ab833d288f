package source

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/filter"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// shapesRun decodes the shared sample page (INSERT, MODIFY, a TTL REMOVE,
// a KEYS_ONLY INSERT) with the source's decoder for format and patterns,
// puts it through a shard processor and returns what the sink got, the
// last acknowledged sequence number and the processor's metrics.
func shapesRun(t *testing.T, format string, patterns ...string) ([]cloudevents.Event, string, *metrics.Metrics) {
	t.Helper()
	body, err := os.ReadFile("../event/lambda/testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := filter.Compile(patterns)
	if err != nil {
		t.Fatal(err)
	}
	_, pg, err := newDecoder(format, f)(body)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		sent []cloudevents.Event
	)
	sink := senderFunc(func(_ context.Context, e cloudevents.Event) error {
		mu.Lock()
		sent = append(sent, e)
		mu.Unlock()
		return nil
	})
	conv, err := event.NewConverter("arn:aws:dynamodb:eu-west-1:123456789012:table/Users", nil)
	if err != nil {
		t.Fatal(err)
	}
	var a acks
	m := metrics.NewUnregistered()
	p := newShardProcessor(t.Context(), stream.ShardRef{StreamARN: "arn:stream", ShardID: "shard-1"}, sink, conv,
		delivery.DispatcherOptions{Parallelism: 1}, a.ack, m, slog.New(slog.NewTextHandler(io.Discard, nil)), withSourceARN(format))
	defer p.Close()
	if err := p.Submit(t.Context(), pg); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sent, a.last(), m
}

func ids(events []cloudevents.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID())
	}
	slices.Sort(out)
	return out
}

// Only the changes a pattern matches are sent, in every data format; the
// others are counted and settled, and the checkpoint moves past them even
// when the last changes of the page are all filtered out.
func TestFilteredChangesAreSettledNotSent(t *testing.T) {
	for _, format := range []string{v1alpha1.DataFormatTriggerMesh, v1alpha1.DataFormatLambda, v1alpha1.DataFormatDocument} {
		t.Run(format, func(t *testing.T) {
			sent, last, m := shapesRun(t, format, `{"eventName":["MODIFY"]}`, `{"dynamodb":{"NewImage":{"big":{"N":[{"numeric":[">",1e37]}]}}}}`)
			if got := ids(sent); !slices.Equal(got, []string{"e1", "e2"}) {
				t.Errorf("sent %v, want e1 (NewImage.big > 1e37) and e2 (MODIFY)", got)
			}
			if got := metrics.Value(m.EventsFiltered); got != 2 {
				t.Errorf("events_filtered_total = %v, want 2", got)
			}
			if last != "100000000000000000004" {
				t.Errorf("last ack %q, want the last (filtered) change's sequence number", last)
			}
		})
	}
}

// Without patterns nothing is filtered.
func TestNoPatternsSendEverything(t *testing.T) {
	sent, _, m := shapesRun(t, v1alpha1.DataFormatDocument)
	if len(sent) != 4 || metrics.Value(m.EventsFiltered) != 0 {
		t.Errorf("sent %d, filtered %v; want 4 and 0", len(sent), metrics.Value(m.EventsFiltered))
	}
}

// The lambda format's data names the shard's stream as eventSourceARN;
// every format's events carry partitionkey, and the TTL delete dynamodbttl.
func TestEventsOfEveryFormat(t *testing.T) {
	for _, format := range []string{v1alpha1.DataFormatTriggerMesh, v1alpha1.DataFormatLambda, v1alpha1.DataFormatDocument} {
		t.Run(format, func(t *testing.T) {
			sent, _, _ := shapesRun(t, format)
			for _, e := range sent {
				if e.Extensions()["partitionkey"] != e.Subject() {
					t.Errorf("%s: partitionkey %v, subject %q", e.ID(), e.Extensions()["partitionkey"], e.Subject())
				}
				if ttl := e.Extensions()["dynamodbttl"]; (e.ID() == "e3") != (ttl == true) {
					t.Errorf("%s: dynamodbttl = %v", e.ID(), ttl)
				}
				var data map[string]any
				if err := json.Unmarshal(e.Data(), &data); err != nil {
					t.Fatalf("%s: data is not JSON: %v", e.ID(), err)
				}
				if got := data["eventSourceARN"]; (format == v1alpha1.DataFormatLambda) != (got == "arn:stream") {
					t.Errorf("%s: eventSourceARN = %v", e.ID(), got)
				}
			}
		})
	}
}

// No pattern (spec.filterCriteria absent or empty) costs nothing: a
// compiled empty filter reads each page once, as no filter does, not a
// second time in Lambda's shape for matching.
func TestAnEmptyFilterDoesNotRenderThePageTwice(t *testing.T) {
	body, err := os.ReadFile("../event/lambda/testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	empty, err := filter.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	one, err := filter.Compile([]string{`{"eventName":["MODIFY"]}`})
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(f *filter.Filter) float64 {
		decode := newDecoder(v1alpha1.DataFormatTriggerMesh, f)
		return testing.AllocsPerRun(20, func() {
			if _, _, err := decode(body); err != nil {
				t.Fatal(err)
			}
		})
	}
	none, withEmpty, withOne := allocs(nil), allocs(empty), allocs(one)
	t.Logf("allocations per page: no filter %v, empty filter %v, one pattern %v", none, withEmpty, withOne)
	// The second rendering costs tens of allocations per page; the race
	// detector's sync.Pool adds a few of noise either way, so the line is
	// halfway between no filter and one pattern.
	if second := withOne - none; second < 20 {
		t.Fatalf("a pattern costs %v allocations per page over none: the check cannot tell a second rendering", second)
	}
	if withEmpty > none+(withOne-none)/2 {
		t.Errorf("an empty filter costs %v allocations per page, no filter %v, a pattern %v: the page is rendered again", withEmpty, none, withOne)
	}
}
