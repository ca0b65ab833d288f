package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// netPoster sends requests with net/http. The sender uses it for sinks
// reached through a proxy from the environment; fastPoster, for the rest,
// costs a third of its CPU per request.
type netPoster struct {
	transport *http.Transport
	url       *url.URL
}

var _ poster = (*netPoster)(nil)

// newNetPoster starts from http.DefaultTransport's settings (proxy from the
// environment, dial and handshake timeouts, HTTP/2) and keeps as many idle
// connections to the sink as there may be concurrent sends: the default of
// 2 per host would close and re-dial connections on every burst.
func newNetPoster(u *url.URL, tlsConf *tls.Config, idlePerHost int, dial dialFunc) *netPoster {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsConf
	t.MaxIdleConns = 0 // no total limit; the per-host one bounds the only host
	t.MaxIdleConnsPerHost = idlePerHost
	if dial != nil {
		t.DialContext = dial
	}
	return &netPoster{transport: t, url: u}
}

// post goes to the transport, not through an http.Client: a client copies
// the headers of every request in case of a redirect, which showed in the
// profile, and redirects are not followed anyway (see statusRules: a 3xx
// comes back as it is and is held until the sink URL is fixed).
func (p *netPoster) post(ctx context.Context, timeout time.Duration, out *outgoing) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := (&http.Request{
		Method: http.MethodPost, URL: p.url, Host: p.url.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: out.header,
	}).WithContext(ctx)
	body := out.body
	if out.batch != nil {
		// Whole, not streamed: net/http may go on writing a body after
		// RoundTrip returned (a sink that answers before reading it all),
		// when the lane has moved on from the batch's events.
		b, err := out.batch.bytes()
		if err != nil {
			return answer{}, err
		}
		body = b
	}
	setBody(req, body)
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode}
	if a.status/100 == 2 {
		_, _ = finish(resp, 0)
		return a, nil
	}
	a.retryAfter = resp.Header.Get("Retry-After")
	a.location = resp.Header.Get("Location")
	a.reason, a.body = finish(resp, maxErrorData)
	return a, nil
}

func (p *netPoster) closeIdle() { p.transport.CloseIdleConnections() }

// setBody sets req's body to data, replayable (GetBody) so that net/http
// can send it again on a fresh connection when a kept-alive one turns out
// to be closed.
//
// The body must stay an io.NopCloser around a *bytes.Reader: net/http
// recognises that as in-memory and writes headers and body with one
// syscall; any other reader makes it flush the headers first, which cost
// one more write per event (seen in the profile, see docs/benchmarks.md).
func setBody(req *http.Request, data []byte) {
	if len(data) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
		return
	}
	req.ContentLength = int64(len(data))
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// finish reads the rest of an answer and closes it: net/http reuses a
// connection only once its previous body was read to the end. It returns up
// to keep bytes from the start of the body: trimmed, for error messages, and
// as they came.
func finish(resp *http.Response, keep int64) (string, []byte) {
	if resp.ContentLength == 0 {
		// The usual acknowledgement: nothing to read; closing is enough
		// to release the connection.
		_ = resp.Body.Close()
		return "", nil
	}
	var head []byte
	if keep > 0 {
		head, _ = io.ReadAll(io.LimitReader(resp.Body, keep))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	if len(head) == 0 {
		head = nil
	}
	return errorReason(head), head
}

// errorReason is the start of a refusing sink's body as text for an error,
// without the secrets a sink that echoes the request would show (see
// redactBody).
func errorReason(head []byte) string {
	if len(head) > maxErrorBody {
		head = head[:maxErrorBody]
	}
	return redactBody(strings.TrimSpace(strings.ToValidUTF8(string(head), "\uFFFD")))
}
