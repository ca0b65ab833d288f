package cesink

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Response is what the sink does with one request.
type Response struct {
	Status int           // 0 means 200 (accepted)
	Delay  time.Duration // before answering
	Hangup bool          // close the connection without answering
}

// Behavior decides the response to the n-th request (from 1).
type Behavior func(n int64, e *cloudevents.Event) Response

// Sink records the events it accepted.
type Sink struct {
	URL string

	srv      *httptest.Server
	behavior atomic.Pointer[Behavior]
	requests atomic.Int64

	mu       sync.Mutex
	events   []cloudevents.Event
	arrived  []time.Time
	rejected int
	notify   chan struct{}
}

// Start starts a sink that accepts everything; it stops when the test ends.
func Start(tb testing.TB) *Sink {
	s := &Sink{notify: make(chan struct{}, 1)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// StartOn starts a sink on a given listener (to restart a sink on the same
// address after it was down).
func StartOn(tb testing.TB, ln net.Listener) *Sink {
	s := &Sink{notify: make(chan struct{}, 1)}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// Close stops the sink (its address then refuses connections).
func (s *Sink) Close() { s.srv.Close() }

// SetBehavior changes how the sink answers; nil accepts everything.
func (s *Sink) SetBehavior(b Behavior) {
	if b == nil {
		s.behavior.Store(nil)
		return
	}
	s.behavior.Store(&b)
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	e, err := cehttp.NewEventFromHTTPRequest(r)
	if err != nil {
		http.Error(w, "not a CloudEvent: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := Response{}
	if b := s.behavior.Load(); b != nil {
		resp = (*b)(n, e)
	}
	if resp.Delay > 0 {
		select {
		case <-time.After(resp.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if resp.Hangup {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	if resp.Status != 0 && resp.Status != http.StatusOK && resp.Status != http.StatusAccepted {
		s.mu.Lock()
		s.rejected++
		s.mu.Unlock()
		w.WriteHeader(resp.Status)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, *e)
	s.arrived = append(s.arrived, time.Now())
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// Requests returns how many requests arrived, accepted or not.
func (s *Sink) Requests() int64 { return s.requests.Load() }

// Events returns the accepted events in arrival order.
func (s *Sink) Events() []cloudevents.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]cloudevents.Event(nil), s.events...)
}

// Arrivals returns when each accepted event arrived.
func (s *Sink) Arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrived...)
}

// Len returns how many events were accepted.
func (s *Sink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// Distinct returns how many distinct event IDs were accepted.
func (s *Sink) Distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(s.events))
	for _, e := range s.events {
		seen[e.ID()] = true
	}
	return len(seen)
}

// WaitDistinct waits until n distinct events arrived or timeout passes, and
// reports whether they did.
func (s *Sink) WaitDistinct(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if s.Distinct() >= n {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-s.notify:
		case <-time.After(min(left, 100*time.Millisecond)):
		}
	}
}
