package delivery

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func TestFailureNamesWhyAnEventIsGivenUp(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name string
		err  *RejectedError
		want string
	}{
		{"a status that is not retried is a refusal", &RejectedError{StatusCode: 400, Err: errors.New("sink answered 400")}, FailureRejected},
		{"a retried status at the end of retries is retries exhausted", &RejectedError{StatusCode: 503, Err: fmt.Errorf("giving up: %w", errors.New("503"))}, FailureRetriesExhausted},
		{"a network error at the end of retries is retries exhausted", &RejectedError{Err: fmt.Errorf("giving up: %w", netErr)}, FailureRetriesExhausted},
		{"an event that cannot be encoded is a refusal", &RejectedError{Err: errors.New("encoding the request")}, FailureRejected},
		{"too old wins over the last status", &RejectedError{StatusCode: 503, Err: fmt.Errorf("%w: %w", ErrMaxRecordAge, errors.New("503"))}, FailureMaxRecordAge},
		{"an unconvertible record says so", &RejectedError{Err: ErrUnconvertible}, FailureUnconvertible},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Failure(tc.err); got != tc.want {
				t.Errorf("Failure() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDeadLetterEventIsTheEventPlusWhy(t *testing.T) {
	e := testEvent(t, "ev-1")
	body := []byte(strings.Repeat("x", 2000))
	got := DeadLetterEvent(e, FailureRejected, "https://sink.example/in", &RejectedError{StatusCode: 400, Attempts: 1, Body: body})
	ext := got.Extensions()
	want := map[string]string{
		ExtErrorDest: "https://sink.example/in", ExtErrorCode: "400", ExtFailure: FailureRejected, ExtAttempts: "1",
		ExtErrorData: base64.StdEncoding.EncodeToString(body[:1024]), "dynamodboperation": "INSERT",
	}
	for k, v := range want {
		if ext[k] != v {
			t.Errorf("extension %s = %v, want %v", k, ext[k], v)
		}
	}
	if got.ID() != e.ID() || got.Subject() != e.Subject() || string(got.Data()) != string(e.Data()) || got.Source() != e.Source() {
		t.Errorf("dead letter %v is not the event %v", got, e)
	}
	if _, ok := e.Extensions()[ExtFailure]; ok {
		t.Error("the original event was changed")
	}
	// A sink that echoes the request's Authorization header: the dead
	// letter keeps its words, not the token.
	echo := DeadLetterEvent(e, FailureRejected, "https://sink.example/in",
		&RejectedError{StatusCode: 400, Attempts: 1, Body: []byte("bad event; request had Authorization: Bearer s3cr3t-token")})
	data, err := base64.StdEncoding.DecodeString(echo.Extensions()[ExtErrorData].(string))
	if err != nil || strings.Contains(string(data), "s3cr3t-token") || !strings.Contains(string(data), "bad event") {
		t.Errorf("knativeerrordata of an echoing sink = %q (%v), want the body without the token", data, err)
	}
	// No HTTP answer (a network failure): no code, no data.
	net := DeadLetterEvent(e, FailureRetriesExhausted, "", &RejectedError{Attempts: 4})
	if _, ok := net.Extensions()[ExtErrorCode]; ok {
		t.Error("knativeerrorcode set without an HTTP answer")
	}
	if _, ok := net.Extensions()[ExtErrorData]; ok {
		t.Error("knativeerrordata set without an HTTP answer")
	}
}

// ceSink is an httptest CloudEvents sink that decodes what it receives with
// the SDK (binary mode or batches) and answers with refuse's status, 0
// meaning 200.
type ceSink struct {
	t      *testing.T
	mu     sync.Mutex
	got    []cloudevents.Event
	refuse func(events []cloudevents.Event) int
	url    string
}

func startCESink(t *testing.T, refuse func([]cloudevents.Event) int) *ceSink {
	s := &ceSink{t: t, refuse: refuse}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var events []cloudevents.Event
		if r.Header.Get("Content-Type") == BatchContentType {
			evs, err := cehttp.NewEventsFromHTTPRequest(r)
			if err != nil {
				t.Errorf("sink: decoding a batch: %v", err)
			}
			events = evs
		} else {
			e, err := cehttp.NewEventFromHTTPRequest(r)
			if err != nil {
				t.Errorf("sink: decoding an event: %v", err)
				w.WriteHeader(400)
				return
			}
			events = []cloudevents.Event{*e}
		}
		if s.refuse != nil {
			if code := s.refuse(events); code != 0 {
				w.WriteHeader(code)
				_, _ = w.Write([]byte("refused: " + events[0].ID()))
				return
			}
		}
		s.mu.Lock()
		s.got = append(s.got, events...)
		s.mu.Unlock()
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

func (s *ceSink) events() []cloudevents.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]cloudevents.Event(nil), s.got...)
}

func httpItems(t *testing.T, n, keys int) []Item {
	out := make([]Item, n)
	for i := range out {
		e := testEvent(t, strconv.Itoa(i))
		e.SetSubject("k" + strconv.Itoa(i%keys))
		out[i] = Item{Seq: fmt.Sprintf("%08d", i), Key: e.Subject(), Event: e, Created: time.Now()}
	}
	return out
}

// deliverAll submits in, flushes and closes d.
func deliverAll(t *testing.T, d *Dispatcher, in []Item) {
	t.Helper()
	ctx := testContext(t)
	if err := d.Submit(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatalf("flushing: %v", err)
	}
	d.Close()
}

// checkSplit checks that every item went to exactly one of the sinks, in
// key order on each, the dead letters being those of dead.
func checkSplit(t *testing.T, in []Item, sink, dlq *ceSink, dead func(Item) bool, failure string) {
	t.Helper()
	wantDead := map[string]bool{}
	for _, it := range in {
		if dead(it) {
			wantDead[it.Event.ID()] = true
		}
	}
	seen := map[string]int{}
	for _, e := range sink.events() {
		seen[e.ID()]++
		if wantDead[e.ID()] {
			t.Errorf("event %s reached the sink", e.ID())
		}
	}
	last := map[string]int{}
	for _, e := range dlq.events() {
		seen[e.ID()]++
		if !wantDead[e.ID()] {
			t.Errorf("event %s was dead-lettered", e.ID())
		}
		id, _ := strconv.Atoi(e.ID())
		if prev, ok := last[e.Subject()]; ok && id < prev {
			t.Errorf("key %s: dead letter %d after %d", e.Subject(), id, prev)
		}
		last[e.Subject()] = id
		ext := e.Extensions()
		if ext[ExtFailure] != failure || ext[ExtErrorDest] != sink.url || ext["dynamodboperation"] != "INSERT" {
			t.Errorf("dead letter %s has extensions %v, want %s=%s, %s=%s", e.ID(), ext, ExtFailure, failure, ExtErrorDest, sink.url)
		}
		if len(e.Data()) == 0 {
			t.Errorf("dead letter %s has no data", e.ID())
		}
	}
	for _, it := range in {
		if seen[it.Event.ID()] != 1 {
			t.Errorf("event %s arrived %d times in all, want once", it.Event.ID(), seen[it.Event.ID()])
		}
	}
}

func TestDispatcherDeadLettersWhatTheSinkRefuses(t *testing.T) {
	refused := func(it Item) bool { return it.Key == "k3" || it.Key == "k7" }
	sink := startCESink(t, func(evs []cloudevents.Event) int {
		if s := evs[0].Subject(); s == "k3" || s == "k7" {
			return 400
		}
		return 0
	})
	dlq := startCESink(t, nil)
	var acks ackLog
	d := NewDispatcher(testContext(t), newTestSender(t, sink.url, HTTPOptions{Policy: fastPolicy}), DispatcherOptions{
		Parallelism: 8, Ack: acks.ack,
		DeadLetter: NewDeadLetterer(DeadLetterOptions{Sender: newTestSender(t, dlq.url, HTTPOptions{}), SinkURL: sink.url}),
	})
	in := httpItems(t, 300, 10)
	deliverAll(t, d, in)
	checkSplit(t, in, sink, dlq, refused, FailureRejected)
	for _, e := range dlq.events() {
		data, _ := base64.StdEncoding.DecodeString(e.Extensions()[ExtErrorData].(string))
		if e.Extensions()[ExtErrorCode] != "400" || string(data) != "refused: "+e.ID() || e.Extensions()[ExtAttempts] != "1" {
			t.Errorf("dead letter %s: code %v, data %q, attempts %v", e.ID(), e.Extensions()[ExtErrorCode], data, e.Extensions()[ExtAttempts])
			break
		}
	}
	if acks.last() != in[len(in)-1].Seq {
		t.Errorf("last ack %s, want %s", acks.last(), in[len(in)-1].Seq)
	}
}

func TestBatchedDispatcherDeadLettersThePoisonedEventAlone(t *testing.T) {
	const poison = "42"
	requests := 0
	var mu sync.Mutex
	sink := startCESink(t, func(evs []cloudevents.Event) int {
		mu.Lock()
		requests++
		mu.Unlock()
		for _, e := range evs {
			if e.ID() == poison {
				return 422
			}
		}
		return 0
	})
	dlq := startCESink(t, nil)
	d := NewDispatcher(testContext(t), newTestSender(t, sink.url, HTTPOptions{Policy: fastPolicy}), DispatcherOptions{
		Parallelism: 1, BatchSize: 100, Linger: 50 * time.Millisecond,
		DeadLetter: NewDeadLetterer(DeadLetterOptions{Sender: newTestSender(t, dlq.url, HTTPOptions{}), SinkURL: sink.url}),
	})
	in := httpItems(t, 100, 7)
	deliverAll(t, d, in)
	checkSplit(t, in, sink, dlq, func(it Item) bool { return it.Event.ID() == poison }, FailureRejected)
	// 1 + 2 per level of halving (100 -> 1 is 7 levels).
	if requests > 15 {
		t.Errorf("the sink got %d requests for one poisoned event in 100, want at most 15", requests)
	}
}

func TestDispatcherDeadLettersAChangeOlderThanMaxRecordAge(t *testing.T) {
	sink := startCESink(t, func([]cloudevents.Event) int { return 503 })
	dlq := startCESink(t, nil)
	d := NewDispatcher(testContext(t), newTestSender(t, sink.url, HTTPOptions{Policy: Policy{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}}),
		DispatcherOptions{Parallelism: 4, MaxRecordAge: 300 * time.Millisecond,
			DeadLetter: NewDeadLetterer(DeadLetterOptions{Sender: newTestSender(t, dlq.url, HTTPOptions{}), SinkURL: sink.url})})
	in := httpItems(t, 20, 5)
	in[0].Created = time.Now().Add(-time.Hour) // too old before its first send
	start := time.Now()
	deliverAll(t, d, in)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("dead-lettering took %s", took)
	}
	checkSplit(t, in, sink, dlq, func(Item) bool { return true }, FailureMaxRecordAge)
	for _, e := range dlq.events() {
		if e.ID() == "0" && e.Extensions()[ExtAttempts] != "0" {
			t.Errorf("the change too old at first was tried %v times, want 0", e.Extensions()[ExtAttempts])
		}
	}
}

func TestADeadLetterSinkThatFailsIsTriedUntilItTakesTheEvent(t *testing.T) {
	sink := startCESink(t, func(evs []cloudevents.Event) int {
		if evs[0].Subject() == "k0" {
			return 400
		}
		return 0
	})
	var mu sync.Mutex
	failures := 0
	dlq := startCESink(t, func([]cloudevents.Event) int {
		mu.Lock()
		defer mu.Unlock()
		failures++
		switch {
		case failures <= 3:
			return 503
		case failures == 4:
			return 400 // not retried for the sink; a dead-letter sink is tried again all the same
		}
		return 0
	})
	var acks ackLog
	d := NewDispatcher(testContext(t), newTestSender(t, sink.url, HTTPOptions{Policy: fastPolicy}), DispatcherOptions{
		Parallelism: 2, Ack: acks.ack,
		DeadLetter: NewDeadLetterer(DeadLetterOptions{Sender: newTestSender(t, dlq.url, HTTPOptions{Policy: fastPolicy}),
			SinkURL: sink.url, Base: time.Millisecond, Max: 5 * time.Millisecond}),
	})
	in := httpItems(t, 10, 2)
	deliverAll(t, d, in)
	checkSplit(t, in, sink, dlq, func(it Item) bool { return it.Key == "k0" }, FailureRejected)
	if acks.last() != in[len(in)-1].Seq {
		t.Errorf("last ack %s, want %s", acks.last(), in[len(in)-1].Seq)
	}
}

func TestDispatcherHoldsTheCheckpointWhileTheDeadLetterSinkIsDown(t *testing.T) {
	sink := startCESink(t, func([]cloudevents.Event) int { return 400 })
	dlq := startCESink(t, func([]cloudevents.Event) int { return 503 })
	var acks ackLog
	ctx, cancel := context.WithCancel(context.Background())
	d := NewDispatcher(ctx, newTestSender(t, sink.url, HTTPOptions{Policy: fastPolicy}), DispatcherOptions{
		Parallelism: 2, MaxInFlight: 10, Ack: acks.ack,
		DeadLetter: NewDeadLetterer(DeadLetterOptions{Sender: newTestSender(t, dlq.url, HTTPOptions{Policy: fastPolicy}),
			SinkURL: sink.url, Base: time.Millisecond, Max: 5 * time.Millisecond}),
	})
	if err := d.Submit(testContext(t), httpItems(t, 5, 5)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	d.Close()
	if acks.last() != "" || len(dlq.events()) != 0 {
		t.Errorf("acknowledged up to %q with the dead-letter sink down, want nothing", acks.last())
	}
}

func TestFileSenderAppendsOneCloudEventPerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dead.jsonl")
	for round := range 2 { // the second open appends
		s, err := OpenFileSender(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			e := DeadLetterEvent(testEvent(t, fmt.Sprintf("%d-%d", round, i)), FailureRejected, "https://sink", &RejectedError{StatusCode: 400, Attempts: 1})
			if err := s.Send(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var ids []string
	for sc.Scan() {
		var e cloudevents.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q is not a CloudEvent: %v", sc.Text(), err)
		}
		if e.Extensions()[ExtFailure] != FailureRejected || e.Subject() != "pk=user#1" || len(e.Data()) == 0 {
			t.Errorf("read back %v", e)
		}
		ids = append(ids, e.ID())
	}
	if strings.Join(ids, ",") != "0-0,0-1,0-2,1-0,1-1,1-2" {
		t.Errorf("read back ids %v", ids)
	}
}

func TestOpenFileSenderFailsAtOnceOnAPathThatCannotBeWritten(t *testing.T) {
	_, err := OpenFileSender(filepath.Join(t.TempDir(), "no", "such", "dir", "dead.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "give a path in a folder that exists") {
		t.Fatalf("OpenFileSender = %v, want an error saying what to fix", err)
	}
}
