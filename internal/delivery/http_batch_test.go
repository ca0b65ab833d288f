package delivery

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/netcount"
)

// A batch, small or many times the connection's write buffer (streamed in
// pieces by fasthttp, whole by net/http), arrives as a JSON batch the SDK
// reads back event for event.
func TestHTTPSenderSendsABatchTheSDKReadsBack(t *testing.T) {
	var (
		gotType string
		got     []cloudevents.Event
		decErr  error
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotType = r.Header.Get("Content-Type")
		got, decErr = cehttp.NewEventsFromHTTPRequest(r)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		s := newTestSender(t, ts.URL, HTTPOptions{netHTTP: netHTTP})
		for _, n := range []int{3, 400} {
			var events []cloudevents.Event
			for i := range n {
				events = append(events, testEvent(t, "e-"+strconv.Itoa(i)))
			}
			if body, _ := newBatchBody(events); n > 3 && body.size < 4*fastWriteBuffer {
				t.Fatalf("a batch of %d events is %d bytes: too small to span several writes", n, body.size)
			}
			gotType, got, decErr = "", nil, nil
			if err := s.SendBatch(testContext(t), events); err != nil {
				t.Fatalf("SendBatch(%d events) = %v", n, err)
			}
			if gotType != BatchContentType {
				t.Errorf("Content-Type = %q, want %q", gotType, BatchContentType)
			}
			if decErr != nil {
				t.Fatalf("the SDK could not read the batch of %d: %v", n, decErr)
			}
			if len(got) != n {
				t.Fatalf("batch held %d events, want %d", len(got), n)
			}
			for i, e := range got {
				if e.ID() != events[i].ID() || e.Subject() != "pk=user#1" || string(e.Data()) != string(testData) ||
					e.Extensions()["dynamodboperation"] != "INSERT" {
					t.Errorf("event %d read back as %s", i, e)
				}
			}
		}
	})
}

func TestHTTPSenderRetriesAndRejectsABatchAsAWhole(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		wantStatus   int // 0: delivered
		wantAttempts int
	}{
		{name: "503 retries the whole batch until delivered", statuses: []int{503, 200}, wantAttempts: 2},
		{name: "400 rejects the whole batch without retry", statuses: []int{400, 200}, wantStatus: 400, wantAttempts: 1},
		{name: "exhausted retries reject the whole batch", statuses: []int{500}, wantStatus: 500, wantAttempts: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &scriptedSink{statuses: tt.statuses}
			ts := httptest.NewServer(sink)
			defer ts.Close()
			s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy})

			err := s.SendBatch(testContext(t), []cloudevents.Event{testEvent(t, "e-1"), testEvent(t, "e-2")})

			if got := int(sink.requests.Load()); got != tt.wantAttempts {
				t.Errorf("sink got %d requests, want %d", got, tt.wantAttempts)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("SendBatch() = %v, want delivered", err)
				}
				return
			}
			var rejected *RejectedError
			if !errors.As(err, &rejected) || rejected.StatusCode != tt.wantStatus {
				t.Fatalf("SendBatch() = %v, want a *RejectedError with status %d", err, tt.wantStatus)
			}
		})
	}
}

func TestHTTPSenderRejectsABatchWithAnInvalidEventWithoutSending(t *testing.T) {
	sink := &scriptedSink{statuses: []int{200}}
	ts := httptest.NewServer(sink)
	defer ts.Close()
	s := newTestSender(t, ts.URL, HTTPOptions{})
	bad := testEvent(t, "e-2")
	bad.SetType("")
	err := s.SendBatch(testContext(t), []cloudevents.Event{testEvent(t, "e-1"), bad})
	var rejected *RejectedError
	if !errors.As(err, &rejected) || rejected.EventID != "e-2" {
		t.Fatalf("SendBatch() = %v, want a *RejectedError naming e-2", err)
	}
	if n := sink.requests.Load(); n != 0 {
		t.Fatalf("sink got %d requests, want none", n)
	}
}

// One event, one write: the headers and the body go out in one syscall
// (net/http flushes the headers on their own, costing a syscall per event,
// unless it knows the body is already in memory), with either transport.
func TestHTTPSenderWritesHeadersAndBodyAtOnce(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		var writes atomic.Int64
		s := newTestSender(t, ts.URL, HTTPOptions{netHTTP: netHTTP, dial: netcount.Dial(&writes)})
		for i := range 3 {
			before := writes.Load()
			if err := s.Send(testContext(t), testEvent(t, "e-"+strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
			if n := writes.Load() - before; n != 1 {
				t.Errorf("send %d took %d writes, want 1", i, n)
			}
		}
		before := writes.Load()
		if err := s.SendBatch(testContext(t), []cloudevents.Event{testEvent(t, "b-1"), testEvent(t, "b-2")}); err != nil {
			t.Fatal(err)
		}
		if n := writes.Load() - before; n != 1 {
			t.Errorf("a small batch took %d writes, want 1", n)
		}
	})
}

// forEachTransport runs test with the default transport (fasthttp) and with
// net/http, the one sinks behind a proxy get.
func forEachTransport(t *testing.T, test func(t *testing.T, netHTTP bool)) {
	t.Run("fasthttp", func(t *testing.T) { test(t, false) })
	t.Run("net/http", func(t *testing.T) { test(t, true) })
}
