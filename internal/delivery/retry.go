package delivery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

// Verdict is what the sender does after one delivery attempt.
type Verdict int

const (
	// Delivered: the sink acknowledged the event; it may be checkpointed.
	Delivered Verdict = iota
	// Retry: the failure may be transient; send the same event again after a backoff.
	Retry
	// Reject: sending the same event again cannot succeed; give up on it.
	Reject
)

func (v Verdict) String() string {
	switch v {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Reject:
		return "reject"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// statusRules is the one table of what an HTTP status means, after the
// Knative Eventing data-plane contract (specs/eventing/data-plane.md, "Event
// Acknowledgement and Delivery Retry"), but for the statuses that say the
// sink is misconfigured rather than the event bad. The first matching row
// wins, so the single codes come before the ranges that contain them. A
// code no row covers is retried, as that contract asks for codes outside
// its table.
var statusRules = [...]struct {
	lo, hi  int
	verdict Verdict
}{
	// 1xx as a final answer is not an acknowledgement; the contract marks it
	// "not retried, not delivered, error" (Go's client consumes interim 1xx).
	{100, 199, Reject},
	{200, 299, Delivered},
	// 3xx: redirects are not followed (neither transport does): the
	// sink URL is wrong, e.g. http:// behind an ingress that redirects to
	// https://. Every event would get the same answer, so refusing them
	// would drop the whole stream while someone fixes the URL: like a TLS
	// error they are held and retried, and the warning names the Location
	// to use (see StatusConfigHint). The contract rejects them.
	{300, 399, Retry},
	// 401, 403: the sink refuses the source's credentials (an expired token,
	// a key rotated); 407: the proxy in front of it does. Configuration, not
	// the event: held and retried until the credentials are fixed.
	{401, 401, Retry},
	{403, 403, Retry},
	{407, 407, Retry},
	// 404: the endpoint does not exist yet, e.g. a Knative Service or Broker
	// still becoming ready.
	{404, 404, Retry},
	// 409: conflict or processing still in progress on the sink's side.
	{409, 409, Retry},
	// 413, 431: this event's body or headers are too large for the sink;
	// the next event may not be. The event's fault: rejected (dead-lettered
	// where a dead-letter sink is set), not retried.
	{413, 413, Reject},
	{431, 431, Reject},
	// 429: the sink is overloaded; Retry-After says when to come back.
	{429, 429, Retry},
	// Any other 4xx: the sink refused this event and will refuse it again.
	{400, 499, Reject},
	// 5xx: the sink or a proxy in front of it failed.
	{500, 599, Retry},
}

// StatusConfigHint says what to fix when the sink's status shows that the
// sink's address or credentials are wrong rather than the event, and
// returns "" for any other status. location is the answer's Location
// header, already resolved and redacted (see HTTPSender); "" if none.
func StatusConfigHint(status int, location string) string {
	switch {
	case status/100 == 3 && location != "":
		return "the sink redirects to " + location + " and redirects are not followed: use that URL as the sink URL"
	case status/100 == 3:
		return "the sink redirects and redirects are not followed: check the sink URL (scheme, host and path)"
	case status == 401:
		return "the sink does not accept the source's credentials: check the sink's credentials (the user and password in the sink URL, or the token it expects)"
	case status == 403:
		return "the sink does not allow the source's requests: check the sink's credentials and what they are allowed to do"
	case status == 407:
		return "the proxy to the sink asks for credentials: check the proxy's credentials (the user and password in HTTPS_PROXY or HTTP_PROXY)"
	}
	return ""
}

// Classify decides what to do after one attempt. statusCode is the HTTP
// status of the sink's answer, or 0 when there was none; err then says why
// (a transport error: dial, TLS, timeout, reset).
//
// Transport errors are retried: a sink that is down, restarting or slow must
// not lose events. That includes a certificate the sender does not trust and
// a sink speaking plain HTTP on an https URL: they are configuration errors,
// but of the sink's address, not of the event, and every other event would
// fail the same way; refusing them would drop the whole stream while someone
// fixes a certificate. Held and retried, the events wait for the fix (or for
// delivery.retries to run out), and the failure is logged with what to fix
// (see TLSConfigHint). Statuses that mean the same, a redirect or refused
// credentials, are held the same way (see statusRules, StatusConfigHint).
func Classify(statusCode int, err error) Verdict {
	if statusCode == 0 {
		return classifyError(err)
	}
	for _, r := range statusRules {
		if r.lo <= statusCode && statusCode <= r.hi {
			return r.verdict
		}
	}
	return Retry
}

func classifyError(err error) Verdict {
	if err == nil {
		// No status and no error would be a bug in the caller; retrying is
		// the choice that cannot lose the event.
		return Retry
	}
	if TLSConfigHint(err) != "" {
		return Retry
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return Retry
	}
	// Not from the network: the request was never sent (e.g. the event could
	// not be encoded), and encoding the same event again fails the same way.
	return Reject
}

// TLSConfigHint says what to fix when err shows that the sink's TLS peer
// cannot be trusted or is not speaking TLS at all, and returns "" for any
// other error. No retry fixes these; an operator does.
func TLSConfigHint(err error) string {
	if err == nil {
		return ""
	}
	var (
		verifyErr   *tls.CertificateVerificationError
		authority   x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		notTLSReply tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &authority), errors.As(err, &invalid):
		return "the sink's TLS certificate is not trusted: for a private CA give its certificate (sink.CACerts, --sink.CACerts @file), or fix the sink's certificate"
	case errors.As(err, &hostname):
		return "the sink's TLS certificate is for another host name: use the name the certificate was issued for in the sink URL, or fix the certificate"
	case errors.As(err, &notTLSReply),
		// net/http replaces the RecordHeaderError with this untyped error
		// when the reply looks like plain HTTP; its text is all there is.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the sink does not speak TLS: use an http:// sink URL, or enable TLS on the sink"
	}
	return ""
}

// Defaults of Policy.
const (
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
)

// Policy bounds the retries of one event.
type Policy struct {
	// MaxRetries is how many times an event is sent again after its first
	// attempt. 0 means no limit: retry until the sink takes the event or the
	// context ends, so nothing is lost while a sink is down.
	MaxRetries int
	// Base is the backoff ceiling of the first retry; it doubles with each
	// retry. 0 means DefaultBackoffBase.
	Base time.Duration
	// Max caps every wait, a sink's Retry-After included. 0 means
	// DefaultBackoffMax.
	Max time.Duration
}

func (p Policy) validate() error {
	switch {
	case p.MaxRetries < 0:
		return fmt.Errorf("max retries is %d: it must be 0 (no limit) or more", p.MaxRetries)
	case p.Base < 0:
		return fmt.Errorf("backoff base is %s: it must be 0 (default %s) or more", p.Base, DefaultBackoffBase)
	case p.Max < 0:
		return fmt.Errorf("backoff max is %s: it must be 0 (default %s) or more", p.Max, DefaultBackoffMax)
	}
	return nil
}

func (p Policy) withDefaults() Policy {
	if p.Base == 0 {
		p.Base = DefaultBackoffBase
	}
	if p.Max == 0 {
		p.Max = DefaultBackoffMax
	}
	return p
}

// exhausted reports whether an event that has had attempts attempts may not
// be sent again.
func (p Policy) exhausted(attempts int) bool {
	return p.MaxRetries > 0 && attempts > p.MaxRetries
}

// Backoff is how long to wait before retry number retry (1 for the first).
// It is exponential with full jitter: uniform in (0, min(Max, Base·2^(retry-1))],
// so senders that failed together do not come back together. retryAfter is
// the sink's own Retry-After (0 if none); it is a floor, because the sink
// knows its load, but it is still capped by Max so a sink asking for an hour
// is asked again at Max.
func (p Policy) Backoff(retry int, retryAfter time.Duration) time.Duration {
	return p.backoff(retry, retryAfter, backoff.Jitter)
}

// backoff is Backoff with the jitter as a parameter so tests can pin both
// ends of it.
func (p Policy) backoff(retry int, retryAfter time.Duration, jitter func(time.Duration) time.Duration) time.Duration {
	p = p.withDefaults()
	wait := jitter(backoff.Ceiling(p.Base, p.Max, retry-1))
	return min(max(wait, retryAfter), p.Max)
}

// retryAfter reads a Retry-After header (delay-seconds or an HTTP date,
// RFC 9110 section 10.2.3). Only 429 and 503 answers are asked for it: on
// other statuses the header has no defined meaning for a POST. It returns 0
// when absent, unparsable or in the past.
func retryAfter(statusCode int, header string, now time.Time) time.Duration {
	if statusCode != http.StatusTooManyRequests && statusCode != http.StatusServiceUnavailable {
		return 0
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(header, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Anything beyond a day is capped by Policy.Max anyway; clamping here
		// keeps the multiplication from overflowing.
		return time.Duration(min(secs, 86400)) * time.Second
	}
	if at, err := http.ParseTime(header); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}
