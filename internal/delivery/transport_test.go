package delivery

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Both transports put the same request on the wire for every event shape,
// but for the headers each client adds of its own.
func TestTransportsPutTheSameRequestOnTheWire(t *testing.T) {
	type seen struct {
		header http.Header
		body   string
		length int64
		uri    string
	}
	var (
		mu   sync.Mutex
		last seen
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := r.Header.Clone()
		for _, own := range []string{"User-Agent", "Accept-Encoding"} {
			h.Del(own)
		}
		mu.Lock()
		last = seen{header: h, body: string(b), length: r.ContentLength, uri: r.RequestURI}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	target := ts.URL + "/in/a%2Fb?key=v&x=1"
	fast := newTestSender(t, target, HTTPOptions{})
	std := newTestSender(t, target, HTTPOptions{netHTTP: true})
	if _, ok := fast.post.(*fastPoster); !ok {
		t.Fatalf("default transport is %T, want *fastPoster", fast.post)
	}

	for name, e := range encodingCases(t) {
		t.Run(name, func(t *testing.T) {
			var got [2]seen
			for i, s := range []*HTTPSender{fast, std} {
				if err := s.Send(testContext(t), e); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				got[i] = last
				mu.Unlock()
			}
			if !reflect.DeepEqual(got[0], got[1]) {
				t.Errorf("fasthttp sent\n%+v\nnet/http sent\n%+v", got[0], got[1])
			}
			if e.DataContentType() == "" && got[0].header.Get("Content-Type") != "" {
				t.Errorf("an event without datacontenttype went out with Content-Type %q", got[0].header.Get("Content-Type"))
			}
		})
	}
}

// A send whose context ends is cut off at once, not left waiting on a sink
// that does not answer until the attempt's timeout.
func TestTransportsCutOffASendWhoseContextEnds(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(release)
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		s := newTestSender(t, ts.URL, HTTPOptions{netHTTP: netHTTP, Timeout: time.Minute})
		ctx, cancel := context.WithCancel(testContext(t))
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := s.Send(ctx, testEvent(t, "e-1"))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send() = %v, want the context's error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send() returned %s after its context ended, want at once", d)
		}
	})
}

// A sink that closes each connection after answering, without saying so
// (no "Connection: close"), as servers do when a kept-alive connection hits
// their idle timeout: the next send meets a closed connection, and goes out
// again on a new one without counting as a failure.
func TestTransportsSendAgainOnAConnectionTheSinkClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var (
		mu       sync.Mutex
		requests int
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				n, err := io.Copy(io.Discard, req.Body)
				mu.Lock()
				requests++
				mu.Unlock()
				if err != nil || n == 0 || n != req.ContentLength {
					// A body sent again must be whole, from its start.
					_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
					return
				}
				_, _ = io.WriteString(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
				// Closed without a word, after a moment: the client has
				// put the connection back in its pool by then.
				time.Sleep(20 * time.Millisecond)
			}()
		}
	}()
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		obs := &recordingObserver{}
		s := newTestSender(t, (&url.URL{Scheme: "http", Host: ln.Addr().String()}).String(),
			HTTPOptions{netHTTP: netHTTP, Observer: obs, Policy: Policy{MaxRetries: 1, Base: time.Millisecond, Max: time.Millisecond}})
		for i := range 6 {
			var err error
			if i%2 == 0 {
				err = s.Send(testContext(t), testEvent(t, "e-"+strconv.Itoa(i)))
			} else { // a batch, streamed by fasthttp: read again from its start
				err = s.SendBatch(testContext(t), []cloudevents.Event{testEvent(t, "b-"+strconv.Itoa(i)), testEvent(t, "c-"+strconv.Itoa(i))})
			}
			if err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond) // the sink has closed by now
		}
		obs.mu.Lock()
		defer obs.mu.Unlock()
		var failed []string
		for _, a := range obs.attempts {
			if a.err != nil {
				failed = append(failed, a.err.Error())
			}
		}
		if len(failed) > 0 {
			t.Errorf("%d failed attempts, want none: %s", len(failed), strings.Join(failed, "; "))
		}
	})
}

// Sends with different contexts share the connection pool: when one's
// context ends, only its own request is cut off; the others go on, on their
// connections, and are delivered on their first attempt.
func TestTransportsCutOffOnlyTheSendWhoseContextEnded(t *testing.T) {
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		var (
			mu       sync.Mutex
			requests = map[string]int{}
		)
		arrived := make(chan string, 4)
		release := make(chan struct{})
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("Ce-Id")
			mu.Lock()
			requests[id]++
			mu.Unlock()
			arrived <- id
			select {
			case <-release:
				w.WriteHeader(http.StatusAccepted)
			case <-r.Context().Done():
			}
		}))
		defer ts.Close()
		s := newTestSender(t, ts.URL, HTTPOptions{netHTTP: netHTTP, Timeout: time.Minute,
			Policy: Policy{MaxRetries: 3, Base: time.Millisecond, Max: time.Millisecond}})
		errs := make(chan error, 1)
		go func() { errs <- s.Send(testContext(t), testEvent(t, "stays")) }()
		<-arrived

		ctx, cancel := context.WithCancel(testContext(t))
		cut := make(chan error, 1)
		go func() { cut <- s.Send(ctx, testEvent(t, "cut")) }()
		<-arrived
		cancel()
		if err := <-cut; !errors.Is(err, context.Canceled) {
			t.Fatalf("Send() of the canceled event = %v, want the context's error", err)
		}
		close(release)
		if err := <-errs; err != nil {
			t.Fatalf("Send() of the other event = %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if n := requests["stays"]; n != 1 {
			t.Errorf("the event whose context did not end was sent %d times, want once (its request was cut off too)", n)
		}
	})
}

// A send that waits for a connection longer than its attempt's timeout (all
// are busy) fails with a timeout, which is retried: it is not the sink's
// verdict on the event.
func TestFastPosterRetriesASendThatFoundNoFreeConnection(t *testing.T) {
	var requests atomic.Int64
	release := make(chan struct{})
	ts := holdFirstRequest(&requests, release)
	defer ts.Close()
	obs := &recordingObserver{}
	s := newTestSender(t, ts.URL, HTTPOptions{MaxIdleConnsPerHost: 1, Timeout: 300 * time.Millisecond, Observer: obs,
		Policy: Policy{MaxRetries: 20, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}})
	first := make(chan error, 1)
	go func() { first <- s.Send(testContext(t), testEvent(t, "holds-the-connection")) }()
	for requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.AfterFunc(time.Second, func() { close(release) })
	if err := s.Send(testContext(t), testEvent(t, "waits")); err != nil {
		t.Errorf("Send() of the event that waited for a connection = %v, want delivered after retries", err)
	}
	if err := <-first; err != nil {
		t.Errorf("Send() of the first event = %v", err)
	}
}
