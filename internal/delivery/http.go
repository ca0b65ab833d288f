package delivery

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
)

// Defaults of HTTPOptions.
const (
	DefaultTimeout             = 30 * time.Second
	DefaultMaxIdleConnsPerHost = 256
)

const (
	// maxErrorBody is how much of a refusing sink's answer goes into the
	// error: enough for its reason, not enough to flood a log.
	maxErrorBody = 512
	// maxDrain is how much of an answer is read and thrown away so that its
	// connection can carry the next request; a sink sending more than this
	// costs a new connection rather than unbounded reading.
	maxDrain = 256 << 10
)

// HTTPOptions configures an HTTPSender. The zero value is usable.
type HTTPOptions struct {
	// Timeout bounds one attempt, from dialing to reading the answer. A
	// timed-out attempt is retried. 0 means DefaultTimeout; there is no
	// "never": a sink that hangs would stall its shard for good.
	Timeout time.Duration
	// CABundle holds PEM certificates trusted in addition to the system
	// roots, for sinks behind a private CA. Verification is always on.
	CABundle []byte
	// Policy bounds retries.
	Policy Policy
	// Observer hears about every attempt; nil means nobody.
	Observer Observer
	// MaxIdleConnsPerHost is how many keep-alive connections to the sink are
	// kept open between requests. Set it to at least the number of
	// concurrent sends, or connections are closed and dialed again under
	// load. 0 means DefaultMaxIdleConnsPerHost.
	MaxIdleConnsPerHost int

	// Tests only: dial replaces the TCP dialer, netHTTP forces the net/http
	// transport that sinks behind a proxy get.
	dial    dialFunc
	netHTTP bool
}

// HTTPSender delivers events to one HTTP sink as binary-mode CloudEvents
// (attributes in ce-* headers, data as the body), or several at once as a
// CloudEvents JSON batch (SendBatch). It is safe for concurrent use; all
// sends share one keep-alive connection pool.
//
// Requests go out with fasthttp (HTTP/1.1, keep-alive), or with net/http for
// a sink that the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) reaches
// through a proxy.
type HTTPSender struct {
	post     poster
	auth     string // the Authorization header for credentials in the URL
	timeout  time.Duration
	target   string   // the sink URL without credentials, for errors
	base     *url.URL // the sink URL without credentials, for relative Locations
	policy   Policy
	observer Observer
	recovery *recovery // one backoff for every send to this sink
}

var (
	_ Sender      = (*HTTPSender)(nil)
	_ BatchSender = (*HTTPSender)(nil)
)

// NewHTTPSender returns a sender to the sink at target, an http or https URL.
// The URL may carry credentials (user:password@host, sent as basic auth);
// they never appear in errors.
func NewHTTPSender(target string, opts HTTPOptions) (*HTTPSender, error) {
	u, err := safeurl.ParseHTTP(target)
	if err != nil {
		return nil, fmt.Errorf("parsing sink URL: %w", err)
	}
	safe := safeurl.Redact(u)
	if err := checkProxyEnv(u.Scheme, os.Getenv); err != nil {
		return nil, err
	}
	if err := opts.Policy.validate(); err != nil {
		return nil, fmt.Errorf("checking retry policy: %w", err)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("checking timeout: %s is negative; use 0 for the default %s", opts.Timeout, DefaultTimeout)
	}
	if opts.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("checking idle connections: %d is negative; use 0 for the default %d",
			opts.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	}
	tlsConf, err := tlsConfig(opts.CABundle)
	if err != nil {
		return nil, fmt.Errorf("loading CA bundle: %w", err)
	}

	observer := opts.Observer
	if observer == nil {
		observer = noopObserver{}
	}
	conns := cmp.Or(opts.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	var post poster
	if opts.netHTTP || usesProxy(u) {
		post = newNetPoster(u, tlsConf, conns, opts.dial)
	} else {
		post = newFastPoster(u, tlsConf, conns, opts.dial)
	}
	base := *u
	base.User = nil
	s := &HTTPSender{
		base:     &base,
		post:     post,
		timeout:  cmp.Or(opts.Timeout, DefaultTimeout),
		target:   safe,
		policy:   opts.Policy.withDefaults(),
		observer: observer,
		recovery: newRecovery(),
	}
	if u.User != nil {
		// What http.Client does for credentials in the URL; the transport
		// alone does not.
		pass, _ := u.User.Password()
		s.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
	}
	return s, nil
}

// Send delivers e, retrying as the policy allows. See Sender.
func (s *HTTPSender) Send(ctx context.Context, e cloudevents.Event) error {
	// An invalid event would be refused by every sink; say so without
	// sending it (the SDK's client.Send validates the same way).
	if err := e.Validate(); err != nil {
		return &RejectedError{EventID: e.ID(), Err: fmt.Errorf("validating event: %w", err)}
	}
	return s.deliver(ctx, e.ID(), func(out *outgoing) error { return writeBinary(ctx, out, &e) })
}

// SendBatch delivers events in one request as a CloudEvents JSON batch,
// retrying the whole batch as the policy allows: the sink acknowledges or
// refuses a batch as one. See BatchSender.
func (s *HTTPSender) SendBatch(ctx context.Context, events []cloudevents.Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return &RejectedError{EventID: events[i].ID(), Err: fmt.Errorf("validating event: %w", err)}
		}
	}
	body, err := newBatchBody(events)
	if err != nil {
		return &RejectedError{EventID: events[0].ID(), Err: err}
	}
	id := events[0].ID()
	if len(events) > 1 {
		id = fmt.Sprintf("%s (and %d more in its batch)", id, len(events)-1)
	}
	return s.deliver(ctx, id, func(out *outgoing) error {
		out.header = http.Header{hdrContentType: {BatchContentType}}
		out.batch = body
		return nil
	})
}

// deliver sends the request that write fills, retrying as the policy
// allows. id names what is sent, in errors.
func (s *HTTPSender) deliver(ctx context.Context, id string, write func(*outgoing) error) error {
	expiry, expires := expiryOf(ctx)
	for attempt := 1; ; attempt++ {
		start := time.Now()
		status, wait, body, err := s.attempt(ctx, write)
		s.observer.Attempted(status, err, time.Since(start))

		verdict := Classify(status, err)
		if verdict == Delivered {
			s.recovery.succeeded()
			return nil
		}
		// Checked before Reject: an attempt cut short by ctx fails with a
		// transport error that is not the sink's verdict on the event.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if verdict == Reject {
			return &RejectedError{EventID: id, StatusCode: status, Attempts: attempt, Body: body, Err: err}
		}
		if s.policy.exhausted(attempt) {
			return &RejectedError{EventID: id, StatusCode: status, Attempts: attempt, Body: body,
				Err: fmt.Errorf("giving up after %d retries: %w", s.policy.MaxRetries, err)}
		}

		// The sink's failures in a row, not this event's: see recovery.
		floor := wait
		wait = s.policy.Backoff(s.recovery.failed(), floor)
		if expires && time.Now().Add(wait).After(expiry) {
			// It would be sent again older than delivery.maxRecordAge.
			return &RejectedError{EventID: id, StatusCode: status, Attempts: attempt, Body: body,
				Err: fmt.Errorf("%w: not sending it again: %w", ErrMaxRecordAge, err)}
		}
		s.observer.Retrying(attempt, wait, err)
		if err := s.recovery.wait(ctx, wait, min(floor, s.policy.Max)); err != nil {
			return err
		}
	}
}

// attempt sends one request. It returns the sink's status (0 if it did not
// answer), the Retry-After it asked for, the start of its answer when it
// refused, and what went wrong (nil if the status is 2xx).
//
// The request is built here rather than by the SDK's protocol: its Request
// hides the response (Retry-After could not be read, nor the body drained
// for the connection to be reused), and its per-request wrapping showed in
// the profile.
func (s *HTTPSender) attempt(ctx context.Context, write func(*outgoing) error) (int, time.Duration, []byte, error) {
	var out outgoing
	if err := write(&out); err != nil {
		// Not from the network: encoding the same event again fails the
		// same way (Classify rejects it).
		return 0, 0, nil, fmt.Errorf("encoding the request: %w", err)
	}
	if s.auth != "" {
		out.header["Authorization"] = []string{s.auth}
	}
	a, err := s.post.post(ctx, s.timeout, &out)
	if err != nil {
		return 0, 0, nil, s.transportError(err)
	}
	if a.status/100 == 2 {
		return a.status, 0, nil, nil
	}
	wait := retryAfter(a.status, a.retryAfter, time.Now())
	err = fmt.Errorf("sink answered %d %s", a.status, http.StatusText(a.status))
	if a.reason != "" {
		err = fmt.Errorf("%w: %s", err, a.reason)
	}
	if hint := StatusConfigHint(a.status, s.location(a)); hint != "" {
		err = fmt.Errorf("%s: %w", hint, err)
	}
	return a.status, wait, a.body, err
}

// location is where a redirecting answer points, resolved against the sink
// URL and redacted (a Location may carry a token); "" when there is none or
// it does not parse.
func (s *HTTPSender) location(a answer) string {
	if a.status/100 != 3 || a.location == "" {
		return ""
	}
	ref, err := url.Parse(strings.TrimSpace(a.location))
	if err != nil {
		return ""
	}
	return safeurl.Redact(s.base.ResolveReference(ref))
}

// transportError wraps a failed request's error as http.Client would, in a
// *url.Error, but naming the redacted URL: net/http's would keep the
// username (only the password is masked).
func (s *HTTPSender) transportError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	err = &url.Error{Op: "Post", URL: s.target, Err: err}
	if hint := TLSConfigHint(err); hint != "" {
		return fmt.Errorf("%s: %w", hint, err)
	}
	return err
}

// String returns the sink URL without credentials or query, safe to log.
func (s *HTTPSender) String() string { return s.target }

// Close closes idle connections to the sink. Sends after Close still work
// (they dial again); it is safe to call more than once.
func (s *HTTPSender) Close() error {
	s.post.closeIdle()
	return nil
}

func tlsConfig(caBundle []byte) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caBundle) == 0 {
		return conf, nil // nil RootCAs: the system roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		// Without system roots the bundle alone is still a correct trust
		// set, and a private sink is what a bundle is for.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(caBundle) {
		return nil, errors.New("it holds no PEM certificate; give the sink CA's certificate(s) as PEM")
	}
	conf.RootCAs = pool
	return conf, nil
}
