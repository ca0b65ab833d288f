package delivery

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
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
}

// HTTPSender delivers events to one HTTP sink as binary-mode CloudEvents
// (attributes in ce-* headers, data as the body). It is safe for concurrent
// use; all sends share one keep-alive connection pool.
type HTTPSender struct {
	proto     *cehttp.Protocol
	transport *http.Transport
	target    string // the sink URL without credentials, for errors
	policy    Policy
	observer  Observer
}

var _ Sender = (*HTTPSender)(nil)

// NewHTTPSender returns a sender to the sink at target, an http or https URL.
// The URL may carry credentials (user:password@host, sent as basic auth);
// they never appear in errors.
func NewHTTPSender(target string, opts HTTPOptions) (*HTTPSender, error) {
	u, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	safe := redactURL(u)
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

	transport := newTransport(tlsConf, cmp.Or(opts.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost))
	client := http.Client{
		Transport:     transport,
		Timeout:       cmp.Or(opts.Timeout, DefaultTimeout),
		CheckRedirect: refuseRedirect,
	}
	proto, err := cehttp.New(cehttp.WithTarget(u.String()), cehttp.WithClient(client))
	if err != nil {
		// The SDK's option errors may quote the URL; the target was checked
		// above, so this is not the user's to fix and carries no detail.
		return nil, fmt.Errorf("creating CloudEvents HTTP client for %s: option rejected", safe)
	}

	observer := opts.Observer
	if observer == nil {
		observer = noopObserver{}
	}
	return &HTTPSender{
		proto:     proto,
		transport: transport,
		target:    safe,
		policy:    opts.Policy.withDefaults(),
		observer:  observer,
	}, nil
}

// Send delivers e, retrying as the policy allows. See Sender.
func (s *HTTPSender) Send(ctx context.Context, e cloudevents.Event) error {
	// An invalid event would be refused by every sink; say so without
	// sending it (the SDK's client.Send validates the same way).
	if err := e.Validate(); err != nil {
		return &RejectedError{EventID: e.ID(), Err: fmt.Errorf("validating event: %w", err)}
	}
	for attempt := 1; ; attempt++ {
		start := time.Now()
		status, wait, err := s.attempt(ctx, &e)
		s.observer.Attempted(status, err, time.Since(start))

		verdict := Classify(status, err)
		if verdict == Delivered {
			return nil
		}
		// Checked before Reject: an attempt cut short by ctx fails with a
		// transport error that is not the sink's verdict on the event.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if verdict == Reject {
			return &RejectedError{EventID: e.ID(), StatusCode: status, Attempts: attempt, Err: err}
		}
		if s.policy.exhausted(attempt) {
			return &RejectedError{EventID: e.ID(), StatusCode: status, Attempts: attempt,
				Err: fmt.Errorf("giving up after %d retries: %w", s.policy.MaxRetries, err)}
		}

		wait = s.policy.Backoff(attempt, wait)
		s.observer.Retrying(attempt, wait, err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// attempt sends e once. It returns the sink's status (0 if it did not
// answer), the Retry-After it asked for, and what went wrong (nil if the
// status is 2xx).
//
// It goes through the SDK protocol's Request rather than client.Send because
// Send hides the response: Retry-After could not be read, and the body could
// not be drained for the connection to be reused.
func (s *HTTPSender) attempt(ctx context.Context, e *cloudevents.Event) (int, time.Duration, error) {
	resp, err := s.proto.Request(ctx, binding.ToMessage(e))
	// The SDK returns its *Result unwrapped; the assertion, unlike
	// errors.As, costs no allocation on every send.
	result, ok := err.(*cehttp.Result)
	if !ok {
		// No HTTP answer: Request never returns a response without a Result.
		return 0, 0, s.transportError(err)
	}
	msg, _ := resp.(*cehttp.Message)
	status := result.StatusCode
	if status/100 == 2 {
		finish(msg, 0)
		return status, 0, nil
	}

	var wait time.Duration
	if msg != nil {
		wait = retryAfter(status, msg.Header.Get("Retry-After"), time.Now())
	}
	err = fmt.Errorf("sink answered %d %s", status, http.StatusText(status))
	if reason := finish(msg, maxErrorBody); reason != "" {
		err = fmt.Errorf("%w: %s", err, reason)
	}
	return status, wait, err
}

// transportError strips the SDK's wrapping from a failed request and puts
// the redacted URL in place of the one net/http quotes, which keeps the
// username (only the password is masked).
func (s *HTTPSender) transportError(err error) error {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return err
	}
	err = &url.Error{Op: urlErr.Op, URL: s.target, Err: urlErr.Err}
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &verifyErr) {
		return fmt.Errorf("verifying the sink's TLS certificate (for a private CA, give its CA bundle): %w", err)
	}
	return err
}

// String returns the sink URL without credentials or query, safe to log.
func (s *HTTPSender) String() string { return s.target }

// Close closes idle connections to the sink. Sends after Close still work
// (they dial again); it is safe to call more than once.
func (s *HTTPSender) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// finish reads the rest of an answer and closes it: net/http reuses a
// connection only once its previous body was read to the end. It returns up
// to keep bytes from the start of the body, trimmed, for error messages.
func finish(msg *cehttp.Message, keep int64) string {
	if msg == nil || msg.BodyReader == nil {
		return ""
	}
	if msg.Header.Get("Content-Length") == "0" {
		// The usual acknowledgement: nothing to read, so no reader to
		// allocate for it; closing is enough to release the connection.
		_ = msg.Finish(nil)
		return ""
	}
	var head []byte
	if keep > 0 {
		head, _ = io.ReadAll(io.LimitReader(msg.BodyReader, keep))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(msg.BodyReader, maxDrain))
	_ = msg.Finish(nil)
	return strings.TrimSpace(strings.ToValidUTF8(string(head), "\uFFFD"))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// refuseRedirect stops net/http from following redirects. Following them
// would turn the POST of a 301, 302 or 303 into a GET without the event,
// which the target may well answer 200: an event lost and reported
// delivered. The 3xx answer is returned instead and rejected (see Classify).
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// parseTarget checks the sink URL. Its errors never quote the URL, which may
// hold credentials.
func parseTarget(target string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(target))
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("parsing sink URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("parsing sink URL: scheme is %q; it must be http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("parsing sink URL: it has no host; give an absolute URL such as https://sink.example/path")
	}
	return u, nil
}

// redactURL returns u without userinfo, and with any query replaced by a
// marker: sinks such as serverless functions take their key in the query.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" || c.ForceQuery {
		c.RawQuery, c.ForceQuery = "redacted", false
	}
	return c.String()
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

// newTransport returns the one transport all sends of a sender share. It
// starts from http.DefaultTransport's settings (proxy from the environment,
// dial and handshake timeouts, HTTP/2) and keeps as many idle connections to
// the sink as there may be concurrent sends: the default of 2 per host would
// close and re-dial connections on every burst.
func newTransport(tlsConf *tls.Config, idlePerHost int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsConf
	t.MaxIdleConns = 0 // no total limit; the per-host one bounds the only host
	t.MaxIdleConnsPerHost = idlePerHost
	return t
}
