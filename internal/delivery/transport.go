package delivery

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

// outgoing is one request to the sink, before it goes on the wire: the
// binary-mode or batch headers, and the body.
type outgoing struct {
	header http.Header
	body   []byte
	// batch, when set, is the body in place of body: a batch written as
	// it is sent.
	batch *batchBody
}

// answer is what the sink said to one request.
type answer struct {
	status int
	// retryAfter is the raw Retry-After header, "" when absent.
	retryAfter string
	// reason is up to maxErrorBody bytes of a non-2xx answer's body,
	// trimmed, for errors; "" for a 2xx.
	reason string
	// body is up to maxErrorData bytes of a non-2xx answer's body, as
	// sent, for a dead letter; nil for a 2xx.
	body []byte
}

// poster sends one POST to the sink and reads its answer. An error means no
// answer (dial, TLS, reset, timeout); a status the sink answered, whatever
// it is, is not an error here. Implementations are safe for concurrent use.
type poster interface {
	post(ctx context.Context, timeout time.Duration, out *outgoing) (answer, error)
	closeIdle()
}

// dialFunc opens a TCP connection to addr; tests wrap it to watch the wire.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// usesProxy reports whether the environment (HTTP_PROXY, HTTPS_PROXY,
// NO_PROXY) sends requests to u through a proxy. Only net/http speaks to
// proxies the way they expect (absolute-form requests for http://); the
// sender takes it for such sinks.
func usesProxy(u *url.URL) bool {
	p, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return err != nil || p != nil
}
