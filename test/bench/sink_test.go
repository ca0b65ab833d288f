package bench

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink is a CloudEvents HTTP sink that acknowledges at once and keeps only
// counts. It speaks just the HTTP/1.1 a CloudEvents sender uses (POST with
// a Content-Length body, keep-alive) straight over TCP: on this 2-core
// machine a net/http server would spend as much CPU per request as the
// source under test, and internal/testutil/cesink, which decodes and stores
// every event through the SDK, more. What the source does not get from the
// benchmark's own process it can use.
//
// It accepts binary mode (one event, attributes in ce-* headers) and batched
// mode (application/cloudevents-batch+json); anything else, chunked bodies
// included, is refused with 400 and counted, so a source that sent something
// else would fail the benchmark.
type sink struct {
	URL string
	ln  net.Listener

	events   atomic.Int64 // events acknowledged
	requests atomic.Int64
	batches  atomic.Int64 // requests in batched mode
	refused  atomic.Int64

	mu     sync.Mutex
	target int64         // reach is closed when events reaches it
	reach  chan struct{} // nil when no target is set
	at     time.Time     // when target was reached
	ids    map[string]struct{}
	dups   int64
	// arrivals, when non-nil, records the arrival time of each event by
	// subject (binary mode only), for latency.
	arrivals map[string]time.Time
}

func startSink(tb testing.TB) *sink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("starting the sink: %v", err)
	}
	s := &sink{ln: ln, URL: "http://" + ln.Addr().String() + "/"}
	var wg sync.WaitGroup
	conns := map[net.Conn]bool{}
	var connsMu sync.Mutex
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns[c] = true
			connsMu.Unlock()
			wg.Go(func() {
				s.serveConn(c)
				connsMu.Lock()
				delete(conns, c)
				connsMu.Unlock()
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	return s
}

// expect resets the counters and returns a channel closed once n events are
// acknowledged. trackIDs counts duplicate ids (binary mode only).
func (s *sink) expect(n int64, trackIDs bool) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events.Store(0)
	s.requests.Store(0)
	s.batches.Store(0)
	s.refused.Store(0)
	s.target, s.reach, s.at, s.dups = n, make(chan struct{}), time.Time{}, 0
	s.ids = nil
	if trackIDs {
		s.ids = make(map[string]struct{}, n)
	}
	return s.reach
}

// trackArrivals starts recording arrival times by subject.
func (s *sink) trackArrivals() {
	s.mu.Lock()
	s.arrivals = map[string]time.Time{}
	s.mu.Unlock()
}

func (s *sink) arrivalsCopy() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.arrivals))
	for k, v := range s.arrivals {
		out[k] = v
	}
	return out
}

func (s *sink) reachedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at
}

func (s *sink) duplicates() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

var (
	accepted   = []byte("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
	badRequest = []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

	specversionKey = []byte(`"specversion"`)
	batchType      = []byte("application/cloudevents-batch+json")
)

// request is what the sink reads of one request.
type request struct {
	contentLength int
	chunked       bool
	contentType   []byte
	id, subject   []byte
	hasSpec       bool
}

// serveConn answers the requests of one keep-alive connection in order.
func (s *sink) serveConn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	var body, scratch []byte
	for {
		var r request
		if err := readHead(br, &r); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.refused.Add(1)
				_, _ = c.Write(badRequest)
			}
			return
		}
		now := time.Now()
		// The header values point into br's buffer, which reading the body
		// may overwrite: keep copies.
		scratch = append(append(append(scratch[:0], r.contentType...), r.id...), r.subject...)
		ct, id := len(r.contentType), len(r.contentType)+len(r.id)
		r.contentType, r.id, r.subject = scratch[:ct], scratch[ct:id:id], scratch[id:]
		if r.chunked || r.contentLength < 0 {
			s.refused.Add(1)
			_, _ = c.Write(badRequest)
			return
		}
		if cap(body) < r.contentLength {
			body = make([]byte, r.contentLength)
		}
		body = body[:r.contentLength]
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		if !s.accept(&r, body, now) {
			s.refused.Add(1)
			_, _ = c.Write(badRequest)
			return
		}
		if _, err := c.Write(accepted); err != nil {
			return
		}
	}
}

// readHead reads a request line and headers, keeping what the sink needs.
// The byte slices point into br's buffer and are valid until the next read.
func readHead(br *bufio.Reader, r *request) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("POST ")) {
		return errors.New("not a POST")
	}
	r.contentLength = -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return errors.New("malformed header")
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil {
				return err
			}
			r.contentLength = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			r.chunked = true
		case bytes.EqualFold(name, []byte("Content-Type")):
			r.contentType = value
		case bytes.EqualFold(name, []byte("Ce-Id")):
			r.id = value
		case bytes.EqualFold(name, []byte("Ce-Specversion")):
			r.hasSpec = len(value) > 0
		case bytes.EqualFold(name, []byte("Ce-Subject")):
			r.subject = value
		}
	}
}

// accept counts the events of one request and reports whether it is a
// CloudEvents request at all.
func (s *sink) accept(r *request, body []byte, now time.Time) bool {
	s.requests.Add(1)
	var n int64
	switch {
	case bytes.HasPrefix(r.contentType, batchType):
		// Each event of the array carries exactly one specversion member;
		// the benchmark's items hold no such text, so counting it counts
		// events without paying for a JSON decode.
		n = int64(bytes.Count(body, specversionKey))
		if n == 0 || len(body) == 0 || body[0] != '[' {
			return false
		}
		s.batches.Add(1)
	case len(r.id) > 0 && r.hasSpec:
		n = 1
	default:
		return false
	}

	total := s.events.Add(n)
	s.mu.Lock()
	if n == 1 {
		if s.ids != nil {
			if _, seen := s.ids[string(r.id)]; seen {
				s.dups++
			}
			s.ids[string(r.id)] = struct{}{}
		}
		if s.arrivals != nil {
			s.arrivals[string(r.subject)] = now
		}
	}
	if s.reach != nil && s.at.IsZero() && total >= s.target {
		s.at = now
		close(s.reach)
	}
	s.mu.Unlock()
	return true
}
