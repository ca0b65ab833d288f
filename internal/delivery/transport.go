package delivery

import (
	"context"
	"fmt"
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
	// location is the raw Location header of a non-2xx answer, "" when
	// absent: where a redirecting sink says to go.
	location string
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

// checkProxyEnv refuses a proxy variable that does not parse, saying so
// without quoting it: net/http's own error for it ("invalid proxy address
// %q: …") would put the proxy's password in every failed attempt's log
// line. Like net/http it takes the upper-case name first, and a value
// without a scheme as http://value; a value net/http would only take by
// that fallback after failing to parse it as it is (a URL with a scheme
// and a password that breaks it) is refused.
func checkProxyEnv(sinkScheme string, getenv func(string) string) error {
	names := []string{"HTTP_PROXY", "http_proxy"}
	if sinkScheme == "https" {
		names = []string{"HTTPS_PROXY", "https_proxy"}
	}
	for _, name := range names {
		v := getenv(name)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err == nil && u.Scheme != "" && u.Host != "" {
			return nil
		}
		// net/http would also take http://http://user:pa/ss@host as a
		// proxy at host "http:"; that is a broken variable too.
		if err == nil {
			if _, err := url.Parse("http://" + v); err == nil {
				return nil
			}
		}
		return fmt.Errorf("reading the proxy to the sink: %s is not a URL: check its scheme, host, port and any userinfo (characters such as / in a password must be percent-encoded)", name)
	}
	return nil
}

// usesProxy reports whether the environment (HTTP_PROXY, HTTPS_PROXY,
// NO_PROXY) sends requests to u through a proxy. Only net/http speaks to
// proxies the way they expect (absolute-form requests for http://); the
// sender takes it for such sinks.
func usesProxy(u *url.URL) bool {
	p, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return err != nil || p != nil
}
