package delivery

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

var testData = []byte(`{"Keys":{"pk":{"S":"user#1"}},"NewImage":{"pk":{"S":"user#1"},"n":{"N":"7"}}}`)

func testEvent(t testing.TB, id string) cloudevents.Event {
	t.Helper()
	e := cloudevents.NewEvent()
	e.SetID(id)
	e.SetType("com.amazon.dynamodb.stream_record")
	e.SetSource("arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/2024-05-01T00:00:00.000")
	e.SetSubject("pk=user#1")
	e.SetTime(time.Date(2024, 5, 1, 12, 30, 45, 123000000, time.UTC))
	e.SetExtension("dynamodboperation", "INSERT")
	if err := e.SetData(cloudevents.ApplicationJSON, testData); err != nil {
		t.Fatalf("setting data: %v", err)
	}
	return e
}

// fastPolicy retries quickly so tests about retry decisions do not wait.
var fastPolicy = Policy{MaxRetries: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}

// scriptedSink answers the statuses in order, repeating the last one, and
// counts requests.
type scriptedSink struct {
	statuses []int
	body     string
	requests atomic.Int64
}

func (s *scriptedSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	n := int(s.requests.Add(1)) - 1
	status := s.statuses[min(n, len(s.statuses)-1)]
	if status/100 == 3 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s.body)
}

func TestHTTPSenderStatusCases(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		body         string
		wantStatus   int // 0: delivered (nil error)
		wantAttempts int
		wantInErr    string
	}{
		{name: "200 delivers on the first attempt", statuses: []int{200}, wantAttempts: 1},
		{name: "202 delivers on the first attempt", statuses: []int{202}, wantAttempts: 1},
		{name: "400 is rejected without retry", statuses: []int{400, 200}, wantStatus: 400, wantAttempts: 1},
		{name: "413 is rejected without retry", statuses: []int{413, 200}, wantStatus: 413, wantAttempts: 1},
		{name: "404 is retried until delivered", statuses: []int{404, 404, 200}, wantAttempts: 3},
		{name: "409 is retried until delivered", statuses: []int{409, 200}, wantAttempts: 2},
		{name: "429 is retried until delivered", statuses: []int{429, 200}, wantAttempts: 2},
		{name: "500 is retried until delivered", statuses: []int{500, 200}, wantAttempts: 2},
		{name: "503 is retried until delivered", statuses: []int{503, 503, 200}, wantAttempts: 3},
		{name: "302 is not followed but held and retried until the sink URL is fixed", statuses: []int{302, 302, 200}, wantAttempts: 3},
		{name: "301 http to https redirect is held and retried", statuses: []int{301, 200}, wantAttempts: 2},
		{name: "401 expired credentials are held and retried until fixed", statuses: []int{401, 401, 200}, wantAttempts: 3},
		{name: "403 is held and retried until the credentials are fixed", statuses: []int{403, 200}, wantAttempts: 2},
		{name: "407 proxy credentials are held and retried until fixed", statuses: []int{407, 200}, wantAttempts: 2},
		{name: "a wrong sink URL still gives up when retries run out", statuses: []int{308},
			wantStatus: 308, wantAttempts: 4, wantInErr: "use that URL as the sink URL"},
		{name: "401 gives up when retries run out, saying what to fix", statuses: []int{401},
			wantStatus: 401, wantAttempts: 4, wantInErr: "check the sink's credentials"},
		{name: "431 headers too large is rejected without retry", statuses: []int{431, 200}, wantStatus: 431, wantAttempts: 1},
		{name: "exhausted retries reject with the last status", statuses: []int{503, 503, 503, 502},
			wantStatus: 502, wantAttempts: 4, wantInErr: "giving up after 3 retries"},
		{name: "a rejection carries the sink's reason", statuses: []int{422}, body: "field n: not a string\n",
			wantStatus: 422, wantAttempts: 1, wantInErr: "422 Unprocessable Entity: field n: not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &scriptedSink{statuses: tt.statuses, body: tt.body}
			ts := httptest.NewServer(sink)
			defer ts.Close()
			s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy})

			err := s.Send(testContext(t), testEvent(t, "e-1"))

			if got := int(sink.requests.Load()); got != tt.wantAttempts {
				t.Errorf("sink got %d requests, want %d", got, tt.wantAttempts)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Send() = %v, want delivered", err)
				}
				return
			}
			var rejected *RejectedError
			if !errors.As(err, &rejected) {
				t.Fatalf("Send() = %v, want a *RejectedError", err)
			}
			if rejected.StatusCode != tt.wantStatus || rejected.Attempts != tt.wantAttempts || rejected.EventID != "e-1" {
				t.Errorf("rejected = {status %d, attempts %d, id %q}, want {%d, %d, e-1}",
					rejected.StatusCode, rejected.Attempts, rejected.EventID, tt.wantStatus, tt.wantAttempts)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantInErr)
			}
		})
	}
}

func TestHTTPSenderHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		policy     Policy
		wantWait   time.Duration
	}{
		{"429 Retry-After is waited out", 429, "1", Policy{Base: time.Millisecond, Max: 5 * time.Second}, time.Second},
		{"503 Retry-After is waited out", 503, "1", Policy{Base: time.Millisecond, Max: 5 * time.Second}, time.Second},
		{"Retry-After beyond the cap waits the cap", 429, "120", Policy{Base: time.Millisecond, Max: 50 * time.Millisecond}, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int64
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if requests.Add(1) == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(tt.status)
					return
				}
				w.WriteHeader(http.StatusAccepted)
			}))
			defer ts.Close()
			obs := &recordingObserver{}
			s := newTestSender(t, ts.URL, HTTPOptions{Policy: tt.policy, Observer: obs})

			start := time.Now()
			if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
				t.Fatalf("Send() = %v, want delivered", err)
			}
			if elapsed := time.Since(start); elapsed < tt.wantWait {
				t.Errorf("delivered after %s, before the %s the sink asked for", elapsed, tt.wantWait)
			}
			if len(obs.retries) != 1 || obs.retries[0].wait != tt.wantWait {
				t.Errorf("retries observed = %+v, want one waiting %s", obs.retries, tt.wantWait)
			}
		})
	}
}

func TestHTTPSenderRetriesTransportErrors(t *testing.T) {
	t.Run("connection dropped without an answer is retried", func(t *testing.T) {
		var requests atomic.Int64
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if requests.Add(1) == 1 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijacking: %v", err)
					return
				}
				_ = conn.Close()
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		defer ts.Close()
		s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy})

		if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
			t.Fatalf("Send() = %v, want delivered on the second attempt", err)
		}
		if got := requests.Load(); got != 2 {
			t.Errorf("sink got %d requests, want 2", got)
		}
	})

	t.Run("attempt that times out is retried", func(t *testing.T) {
		var requests atomic.Int64
		release := make(chan struct{})
		ts := holdFirstRequest(&requests, release)
		defer ts.Close()
		defer close(release)
		s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy, Timeout: 50 * time.Millisecond})

		if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
			t.Fatalf("Send() = %v, want delivered on the second attempt", err)
		}
		if got := requests.Load(); got != 2 {
			t.Errorf("sink got %d requests, want 2", got)
		}
	})

	t.Run("refused connections are retried until the limit", func(t *testing.T) {
		url := closedServerURL(t)
		obs := &recordingObserver{}
		s := newTestSender(t, url, HTTPOptions{Policy: Policy{MaxRetries: 2, Base: time.Millisecond, Max: time.Millisecond}, Observer: obs})

		err := s.Send(testContext(t), testEvent(t, "e-1"))
		var rejected *RejectedError
		if !errors.As(err, &rejected) || rejected.StatusCode != 0 || rejected.Attempts != 3 {
			t.Fatalf("Send() = %#v, want rejected after 3 attempts without a status", err)
		}
		if len(obs.attempts) != 3 || obs.attempts[0].status != 0 || obs.attempts[0].err == nil {
			t.Errorf("attempts observed = %+v, want 3 without status, with errors", obs.attempts)
		}
	})
}

func TestHTTPSenderUnlimitedRetriesStopOnlyWithContext(t *testing.T) {
	sink := &scriptedSink{statuses: []int{503}}
	ts := httptest.NewServer(sink)
	defer ts.Close()
	s := newTestSender(t, ts.URL, HTTPOptions{Policy: Policy{Base: time.Millisecond, Max: 5 * time.Millisecond}})

	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	err := s.Send(ctx, testEvent(t, "e-1"))

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send() = %v, want the context's error", err)
	}
	var rejected *RejectedError
	if errors.As(err, &rejected) {
		t.Errorf("Send() = %v: a sink that is down must not get the event rejected", err)
	}
	if got := sink.requests.Load(); got < 5 {
		t.Errorf("sink got %d requests in 200ms with a 5ms cap, want it retried many times", got)
	}
}

func TestHTTPSenderSendsBinaryModeOnTheWire(t *testing.T) {
	var (
		got     *http.Request
		gotBody []byte
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	s := newTestSender(t, ts.URL+"/events", HTTPOptions{})

	if err := s.Send(testContext(t), testEvent(t, "e-42")); err != nil {
		t.Fatalf("Send() = %v", err)
	}

	if got.Method != http.MethodPost || got.URL.Path != "/events" {
		t.Errorf("request = %s %s, want POST /events", got.Method, got.URL.Path)
	}
	wantHeaders := map[string]string{
		"ce-id":                "e-42",
		"ce-type":              "com.amazon.dynamodb.stream_record",
		"ce-source":            "arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/2024-05-01T00:00:00.000",
		"ce-specversion":       "1.0",
		"ce-time":              "2024-05-01T12:30:45.123Z",
		"ce-subject":           "pk=user#1",
		"ce-dynamodboperation": "INSERT",
		"Content-Type":         "application/json",
	}
	for name, want := range wantHeaders {
		if v := got.Header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	// Binary mode: the content type is the HTTP one, not an attribute header.
	if v := got.Header.Get("ce-datacontenttype"); v != "" {
		t.Errorf("header ce-datacontenttype = %q, want none in binary mode", v)
	}
	if !bytes.Equal(gotBody, testData) {
		t.Errorf("body = %s, want the event data %s", gotBody, testData)
	}
}

func TestHTTPSenderTLS(t *testing.T) {
	var requests atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	// The refused handshakes below are expected; keep them out of the output.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})

	t.Run("unknown CA is held and retried, with what to fix", func(t *testing.T) {
		// The certificate is the sink's problem, not the event's: refusing
		// would drop every event until someone fixes it. Three retries, so
		// the Send ends; the default (0) holds the event until it goes.
		s := newTestSender(t, ts.URL, HTTPOptions{Policy: Policy{MaxRetries: 3, Base: time.Millisecond, Max: time.Millisecond}})
		err := s.Send(testContext(t), testEvent(t, "e-1"))
		var rejected *RejectedError
		if !errors.As(err, &rejected) || rejected.Attempts != 4 || rejected.StatusCode != 0 {
			t.Fatalf("Send() = %v, want given up on after 4 attempts", err)
		}
		if !strings.Contains(err.Error(), "not trusted") || !strings.Contains(err.Error(), "sink.CACerts") {
			t.Errorf("error %q should say the certificate is not trusted and how to fix it", err)
		}
	})

	t.Run("given CA is trusted", func(t *testing.T) {
		s := newTestSender(t, ts.URL, HTTPOptions{CABundle: caPEM, Policy: fastPolicy})
		before := requests.Load()
		if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
			t.Fatalf("Send() = %v, want delivered", err)
		}
		if requests.Load() != before+1 {
			t.Errorf("sink got %d requests, want 1", requests.Load()-before)
		}
	})

	t.Run("plain HTTP sink on an https URL is held and retried, with what to fix", func(t *testing.T) {
		plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer plain.Close()
		s := newTestSender(t, strings.Replace(plain.URL, "http://", "https://", 1),
			HTTPOptions{Policy: Policy{MaxRetries: 2, Base: time.Millisecond, Max: time.Millisecond}})
		var rejected *RejectedError
		err := s.Send(testContext(t), testEvent(t, "e-1"))
		if !errors.As(err, &rejected) || rejected.Attempts != 3 {
			t.Fatalf("Send() = %v, want given up on after 3 attempts", err)
		}
		if !strings.Contains(err.Error(), "does not speak TLS") {
			t.Errorf("error %q should say the sink does not speak TLS", err)
		}
	})
}

func TestHTTPSenderReusesConnections(t *testing.T) {
	// Answers bigger than net/http's read buffer: unless the sender reads
	// them to the end, each connection is closed after its request.
	bigBody := strings.Repeat("x", 16<<10)
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"after acknowledgements without a body", http.StatusAccepted, ""},
		{"after acknowledgements with a body", http.StatusOK, bigBody},
		{"after rejections with a body", http.StatusBadRequest, bigBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var newConns atomic.Int64
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
				if state == http.StateNew {
					newConns.Add(1)
				}
			}
			ts.Start()
			defer ts.Close()
			s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy})

			for i := range 200 {
				err := s.Send(testContext(t), testEvent(t, "e-1"))
				if got := Classify(tt.status, nil); (got == Delivered) != (err == nil) {
					t.Fatalf("send %d: Send() = %v for status %d", i, err, tt.status)
				}
			}
			if got := newConns.Load(); got > 2 {
				t.Errorf("200 sequential sends opened %d connections, want 1 or 2 (keep-alive)", got)
			}
		})
	}
}

func TestHTTPSenderKeepsCredentialsOutOfErrors(t *testing.T) {
	const user, password = "sinkuser", "s3cr3t-pw"

	t.Run("credentials are sent as basic auth", func(t *testing.T) {
		var gotUser, gotPassword string
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotUser, gotPassword, _ = r.BasicAuth()
		}))
		defer ts.Close()
		s := newTestSender(t, strings.Replace(ts.URL, "http://", "http://"+user+":"+password+"@", 1), HTTPOptions{})
		if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
			t.Fatalf("Send() = %v", err)
		}
		if gotUser != user || gotPassword != password {
			t.Errorf("basic auth = %q:%q, want %q:%q", gotUser, gotPassword, user, password)
		}
	})

	t.Run("transport errors and String omit them", func(t *testing.T) {
		target := strings.Replace(closedServerURL(t), "http://", "http://"+user+":"+password+"@", 1) + "/p?code=fnkey"
		s := newTestSender(t, target, HTTPOptions{Policy: Policy{MaxRetries: 1, Base: time.Millisecond, Max: time.Millisecond}})
		err := s.Send(testContext(t), testEvent(t, "e-1"))
		if err == nil {
			t.Fatal("Send() to a closed port = nil")
		}
		for _, text := range []string{err.Error(), s.String()} {
			for _, secret := range []string{user, password, "fnkey"} {
				if strings.Contains(text, secret) {
					t.Errorf("%q reveals %q", text, secret)
				}
			}
			if !strings.Contains(text, "127.0.0.1") {
				t.Errorf("%q should still name the sink's host", text)
			}
		}
	})

	t.Run("URL parse errors omit them", func(t *testing.T) {
		_, err := NewHTTPSender("http://"+user+":"+password+"@sink.example:notaport/", HTTPOptions{})
		if err == nil {
			t.Fatal("NewHTTPSender with a bad port = nil error")
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), user) {
			t.Errorf("error %q reveals the credentials", err)
		}
	})
}

// The sender names its sink (String, errors) as safeurl.Redact shows it.
func TestHTTPSenderRedactsItsURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain URL is unchanged", "https://sink.example/path", "https://sink.example/path"},
		{"user and password are dropped", "https://u:p@sink.example:8443/path", "https://sink.example:8443/path"},
		{"a user alone (a token) is dropped", "https://tok3n@sink.example/", "https://sink.example/"},
		{"query keys are masked", "https://fn.example/api/hook?code=abc&x=1", "https://fn.example/api/hook?redacted"},
		{"fragment is dropped", "https://sink.example/#frag", "https://sink.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSender(t, tt.in, HTTPOptions{})
			if got := s.String(); got != tt.want {
				t.Errorf("NewHTTPSender(%s).String() = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewHTTPSenderRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name   string
		target string
		opts   HTTPOptions
		want   string
	}{
		{"scheme other than http(s)", "ftp://sink.example/", HTTPOptions{}, "must be http or https"},
		{"relative URL", "/events", HTTPOptions{}, "must be http or https"},
		{"URL without host", "http:///events", HTTPOptions{}, "no host"},
		{"negative timeout", "http://sink.example", HTTPOptions{Timeout: -time.Second}, "negative"},
		{"negative retries", "http://sink.example", HTTPOptions{Policy: Policy{MaxRetries: -1}}, "max retries"},
		{"negative idle connections", "http://sink.example", HTTPOptions{MaxIdleConnsPerHost: -1}, "negative"},
		{"CA bundle without PEM certificate", "https://sink.example", HTTPOptions{CABundle: []byte("not a cert")}, "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHTTPSender(tt.target, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewHTTPSender(%q) error = %v, want one containing %q", tt.target, err, tt.want)
			}
		})
	}
}

func TestHTTPSenderRejectsInvalidEventWithoutSending(t *testing.T) {
	sink := &scriptedSink{statuses: []int{200}}
	ts := httptest.NewServer(sink)
	defer ts.Close()
	s := newTestSender(t, ts.URL, HTTPOptions{})
	e := testEvent(t, "e-1")
	e.SetType("") // type is required

	var rejected *RejectedError
	if err := s.Send(testContext(t), e); !errors.As(err, &rejected) || rejected.Attempts != 0 {
		t.Fatalf("Send() = %v, want rejected with 0 attempts", err)
	}
	if sink.requests.Load() != 0 {
		t.Errorf("sink got %d requests for an invalid event, want 0", sink.requests.Load())
	}
}

func TestHTTPSenderReportsToObserver(t *testing.T) {
	ts := httptest.NewServer(&scriptedSink{statuses: []int{500, 429, 200}})
	defer ts.Close()
	obs := &recordingObserver{}
	s := newTestSender(t, ts.URL, HTTPOptions{Policy: fastPolicy, Observer: obs})

	if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
		t.Fatalf("Send() = %v", err)
	}

	var statuses []int
	for _, a := range obs.attempts {
		statuses = append(statuses, a.status)
		if (a.err == nil) != (a.status == 200) {
			t.Errorf("attempt with status %d observed error %v", a.status, a.err)
		}
	}
	if want := []int{500, 429, 200}; !equalInts(statuses, want) {
		t.Errorf("observed statuses %v, want %v", statuses, want)
	}
	if len(obs.retries) != 2 || obs.retries[0].attempt != 1 || obs.retries[1].attempt != 2 {
		t.Errorf("observed retries %+v, want after attempts 1 and 2", obs.retries)
	}
}

func TestHTTPSenderCloseIsIdempotentAndSendsStillWork(t *testing.T) {
	ts := httptest.NewServer(&scriptedSink{statuses: []int{200}})
	defer ts.Close()
	s := newTestSender(t, ts.URL, HTTPOptions{})
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
	}
	if err := s.Send(testContext(t), testEvent(t, "e-1")); err != nil {
		t.Fatalf("Send() after Close = %v", err)
	}
}

func BenchmarkHTTPSend(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer ts.Close()
	s := newTestSender(b, ts.URL, HTTPOptions{})
	e := testEvent(b, "e-1")
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Send(ctx, e); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// testContext bounds a test's sends: with unlimited retries, a bug would
// otherwise hang until the test binary's timeout, naming no test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testNetHTTP makes newTestSender's senders use net/http, the transport of
// sinks behind a proxy (TestHTTPSenderOverNetHTTP).
var testNetHTTP bool

func newTestSender(t testing.TB, target string, opts HTTPOptions) *HTTPSender {
	t.Helper()
	opts.netHTTP = opts.netHTTP || testNetHTTP
	s, err := NewHTTPSender(target, opts)
	if err != nil {
		t.Fatalf("NewHTTPSender: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// holdFirstRequest starts a sink that holds its first request until release
// is closed or the client goes, and answers 200 to every request; requests
// counts them.
func holdFirstRequest(requests *atomic.Int64, release <-chan struct{}) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
}

// closedServerURL returns the URL of a port nothing listens on any more.
func closedServerURL(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	return url
}

type recordingObserver struct {
	mu       sync.Mutex
	attempts []observedAttempt
	retries  []observedRetry
}

type observedAttempt struct {
	status int
	err    error
}

type observedRetry struct {
	attempt int
	wait    time.Duration
}

func (o *recordingObserver) Attempted(status int, err error, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts = append(o.attempts, observedAttempt{status, err})
}

func (o *recordingObserver) Retrying(attempt int, wait time.Duration, _ error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retries = append(o.retries, observedRetry{attempt, wait})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHTTPSenderOverNetHTTP runs the sender's tests again with net/http, the
// transport a sink gets when the environment names a proxy for it: the
// sender must behave the same over both.
func TestHTTPSenderOverNetHTTP(t *testing.T) {
	testNetHTTP = true
	defer func() { testNetHTTP = false }()
	for name, test := range map[string]func(*testing.T){
		"StatusCases":                   TestHTTPSenderStatusCases,
		"HonoursRetryAfter":             TestHTTPSenderHonoursRetryAfter,
		"RetriesTransportErrors":        TestHTTPSenderRetriesTransportErrors,
		"UnlimitedRetries":              TestHTTPSenderUnlimitedRetriesStopOnlyWithContext,
		"SendsBinaryModeOnTheWire":      TestHTTPSenderSendsBinaryModeOnTheWire,
		"TLS":                           TestHTTPSenderTLS,
		"ReusesConnections":             TestHTTPSenderReusesConnections,
		"KeepsCredentialsOutOfErrors":   TestHTTPSenderKeepsCredentialsOutOfErrors,
		"RejectsInvalidEvent":           TestHTTPSenderRejectsInvalidEventWithoutSending,
		"ReportsToObserver":             TestHTTPSenderReportsToObserver,
		"CloseIsIdempotent":             TestHTTPSenderCloseIsIdempotentAndSendsStillWork,
		"SendsABatchTheSDKReadsBack":    TestHTTPSenderSendsABatchTheSDKReadsBack,
		"RetriesAndRejectsABatch":       TestHTTPSenderRetriesAndRejectsABatchAsAWhole,
		"RejectsABatchWithInvalidEvent": TestHTTPSenderRejectsABatchWithAnInvalidEventWithoutSending,
		"DeadLettersWhatTheSinkRefuses": TestDispatcherDeadLettersWhatTheSinkRefuses,
		"DeadLettersThePoisonedEvent":   TestBatchedDispatcherDeadLettersThePoisonedEventAlone,
	} {
		t.Run(name, test)
	}
}

// A redirecting sink's warning names where to point the source, resolved
// against the sink URL and without the credentials or keys it may carry.
func TestHTTPSenderNamesTheRedirectLocationRedacted(t *testing.T) {
	tests := []struct {
		name, location, want string
	}{
		{"an absolute Location is named without its secrets", "https://u:s3cret@new.example/in?code=fnkey", "https://new.example/in?redacted"},
		{"a relative Location is resolved against the sink URL", "/elsewhere", "/elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachTransport(t, func(t *testing.T, netHTTP bool) {
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Location", tt.location)
					w.WriteHeader(http.StatusPermanentRedirect)
				}))
				defer ts.Close()
				s := newTestSender(t, ts.URL+"/in", HTTPOptions{netHTTP: netHTTP,
					Policy: Policy{MaxRetries: 1, Base: time.Millisecond, Max: time.Millisecond}})
				err := s.Send(testContext(t), testEvent(t, "e-1"))
				if err == nil {
					t.Fatal("Send() to a redirecting sink = nil")
				}
				want := tt.want
				if strings.HasPrefix(want, "/") {
					want = ts.URL + want
				}
				if !strings.Contains(err.Error(), "redirects to "+want+" ") {
					t.Errorf("error %q does not name the Location %s", err, want)
				}
				for _, secret := range []string{"s3cret", "fnkey"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q reveals %q", err, secret)
					}
				}
			})
		})
	}
}

// url.Parse's errors quote a piece of the URL: for http://u:pa/ss@h, the
// "port" ":pa", which is half the password. Neither the sink URL nor a
// proxy variable is ever echoed.
func TestNewHTTPSenderDoesNotEchoAPasswordThatBreaksTheURL(t *testing.T) {
	t.Run("in the sink URL", func(t *testing.T) {
		_, err := NewHTTPSender("http://u:pa/ss@h", HTTPOptions{})
		if err == nil || strings.Contains(err.Error(), ":pa") || strings.Contains(err.Error(), "ss@") {
			t.Errorf("NewHTTPSender error = %v, want one that does not quote the password", err)
		}
	})
	for _, proxy := range []string{"http://proxyuser:pw/secret@proxy.example:3128", "proxyuser:pw/secret@proxy.example:3128"} {
		t.Run("in the proxy variable "+strings.Split(proxy, ":")[0], func(t *testing.T) {
			t.Setenv("HTTPS_PROXY", proxy)
			_, err := NewHTTPSender("https://sink.example/", HTTPOptions{})
			if err == nil || !strings.Contains(err.Error(), "HTTPS_PROXY") ||
				strings.Contains(err.Error(), ":pw") || strings.Contains(err.Error(), "secret") {
				t.Errorf("NewHTTPSender error = %v, want one naming HTTPS_PROXY without quoting its password", err)
			}
		})
	}
	t.Run("a valid proxy variable is taken", func(t *testing.T) {
		t.Setenv("HTTPS_PROXY", "http://proxyuser:pw%2Fsecret@proxy.example:3128")
		if _, err := NewHTTPSender("https://sink.example/", HTTPOptions{}); err != nil {
			t.Errorf("NewHTTPSender with a valid HTTPS_PROXY = %v", err)
		}
	})
}
