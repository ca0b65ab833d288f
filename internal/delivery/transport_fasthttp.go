package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// Settings of the fasthttp client.
const (
	// fastIdleTimeout closes a connection idle this long. fasthttp does not
	// watch idle connections for the server closing them (net/http does,
	// with a goroutine per connection), so it closes them before common
	// server idle timeouts do (Node.js: 5 s); a send that still meets one
	// closed under it is sent again at once (retryStale).
	fastIdleTimeout = 4 * time.Second
	// fastReadBuffer bounds the sink's answer headers.
	fastReadBuffer = 16 << 10
	// fastWriteBuffer is the connection's write buffer: a streamed batch
	// goes out in writes of this size (fasthttp's default, 4 KB, made
	// fifty writes of a 200 KB batch).
	fastWriteBuffer = 16 << 10
	userAgent       = "dynamodb-source"
)

// fastPoster sends requests with fasthttp, the sender's default. One event
// per request is the price of binary mode, and net/http's was most of the
// source's CPU: a request there crosses three goroutines (the caller, the
// connection's writer and its reader), ~50 µs on a 2-core machine, against
// ~17 µs here, where the sending goroutine writes the request and reads the
// answer itself (see docs/benchmarks.md). HTTP/1.1 only; sinks behind a
// proxy from the environment get netPoster.
//
// fasthttp takes no context, so a send cut short (a stop after its grace
// period) must be cut off by closing its connection. A HostClient does not
// say which of its connections a request is on; so the poster keeps its
// connections in slots, each a HostClient of one connection that one send
// at a time holds, and the end of a context closes the connections of the
// slots held by sends of that context, and no other.
type fastPoster struct {
	uri      *url.URL
	tlsConf  *tls.Config
	dial     dialFunc
	maxConns int

	// sem holds a token per slot in use: a send waits here when all
	// maxConns are busy.
	sem chan struct{}
	mu  sync.Mutex
	// free is the slots not in use, the last released on top: the slots
	// a light load needs stay warm and the others never dial.
	free []*fastSlot
	all  []*fastSlot
	// watched holds the Done channel of each context sends came with that
	// is watched already (see watch).
	watched sync.Map
}

// fastSlot is one connection to the sink, held by one send at a time.
type fastSlot struct {
	client *fasthttp.HostClient
	req    *fasthttp.URI

	mu    sync.Mutex
	owner <-chan struct{} // the Done channel of the send holding it, nil when free
	conns connSet
}

var _ poster = (*fastPoster)(nil)

func newFastPoster(u *url.URL, tlsConf *tls.Config, maxConns int, dial dialFunc) *fastPoster {
	// The URL's credentials travel as the sender's Authorization header;
	// fasthttp would add its own from the URI.
	bare := *u
	bare.User = nil
	if dial == nil {
		d := &net.Dialer{KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	return &fastPoster{uri: &bare, tlsConf: tlsConf, dial: dial, maxConns: maxConns,
		sem: make(chan struct{}, maxConns)}
}

func (p *fastPoster) newSlot() *fastSlot {
	isTLS := p.uri.Scheme == "https"
	sl := &fastSlot{req: fasthttp.AcquireURI()}
	// safeurl.ParseHTTP checked the URL; what url.Parse takes, so does fasthttp.
	_ = sl.req.Parse(nil, []byte(p.uri.String()))
	sl.req.DisablePathNormalizing = true
	sl.client = &fasthttp.HostClient{
		Addr:      fasthttp.AddMissingPort(p.uri.Host, isTLS),
		IsTLS:     isTLS,
		TLSConfig: p.tlsConf,
		Name:      userAgent,
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			c, err := p.dial(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			return sl.conns.track(c), nil
		},
		// One send at a time holds the slot: one connection is all it needs.
		MaxConns:               1,
		MaxIdleConnDuration:    fastIdleTimeout,
		ReadBufferSize:         fastReadBuffer,
		WriteBufferSize:        fastWriteBuffer,
		MaxResponseBodySize:    maxDrain,
		DisablePathNormalizing: true,
		// post decides on sending again, knowing the send's context.
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	return sl
}

// acquire takes a slot for a send of ctx, waiting until deadline at most
// while all are busy.
func (p *fastPoster) acquire(ctx context.Context, deadline time.Time) (*fastSlot, error) {
	select {
	case p.sem <- struct{}{}:
	default:
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			// A timeout (a net.Error), as fasthttp's own wait reports it:
			// the sender retries it.
			return nil, fasthttp.ErrTimeout
		}
	}
	p.mu.Lock()
	var sl *fastSlot
	if n := len(p.free); n > 0 {
		sl, p.free = p.free[n-1], p.free[:n-1]
	} else {
		sl = p.newSlot()
		p.all = append(p.all, sl)
	}
	p.mu.Unlock()
	sl.mu.Lock()
	sl.owner = ctx.Done()
	sl.mu.Unlock()
	return sl, nil
}

func (p *fastPoster) release(sl *fastSlot) {
	sl.mu.Lock()
	sl.owner = nil
	sl.mu.Unlock()
	p.mu.Lock()
	p.free = append(p.free, sl)
	p.mu.Unlock()
	<-p.sem
}

// stale reports whether err says the connection was closed by the sink
// before it answered: the race between a kept-alive connection being reused
// and the sink closing it, which post meets with one more try at once.
// A connection closed under the slot for a send of another context that
// ended (see watch) is sent again the same way. Anything else goes back to
// the sender's retry policy. Sending again may
// deliver twice if the sink took the request and then closed without
// answering; delivery is at least once.
func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

func (p *fastPoster) post(ctx context.Context, timeout time.Duration, out *outgoing) (answer, error) {
	if err := ctx.Err(); err != nil {
		return answer{}, err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	p.watch(ctx)
	sl, err := p.acquire(ctx, deadline)
	if err != nil {
		return answer{}, err
	}
	defer p.release(sl)

	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetURI(sl.req)
	req.Header.SetMethod(fasthttp.MethodPost)
	// A binary-mode event without datacontenttype has no Content-Type, and
	// must not be given one.
	req.Header.SetNoDefaultContentType(true)
	for name, values := range out.header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	setFastBody(req, out)

	err = sl.client.DoDeadline(req, resp, deadline)
	if err != nil && stale(err) && ctx.Err() == nil {
		setFastBody(req, out) // a batch was read: from its start again
		err = sl.client.DoDeadline(req, resp, deadline)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return answer{}, ctxErr
		}
		if errors.Is(err, fasthttp.ErrBodyTooLarge) && resp.StatusCode() != 0 {
			// The sink answered, at length: its status stands; the
			// connection is closed rather than drained.
			return answer{status: resp.StatusCode(), retryAfter: string(resp.Header.Peek("Retry-After")),
				location: string(resp.Header.Peek("Location"))}, nil
		}
		return answer{}, err
	}
	a := answer{status: resp.StatusCode()}
	if a.status/100 == 2 {
		return a, nil
	}
	a.retryAfter = string(resp.Header.Peek("Retry-After"))
	a.location = string(resp.Header.Peek("Location"))
	a.reason = errorReason(resp.Body())
	if b := resp.Body(); len(b) > 0 {
		a.body = append([]byte(nil), b[:min(len(b), maxErrorData)]...)
	}
	return a, nil
}

// setFastBody gives req the body of out: a batch as a stream of known length,
// written into the connection's buffer as it is rendered.
func setFastBody(req *fasthttp.Request, out *outgoing) {
	if out.batch != nil {
		req.SetBodyStream(out.batch.reader(), out.batch.size)
		return
	}
	req.SetBodyRaw(out.body)
}

func (p *fastPoster) closeIdle() {
	p.mu.Lock()
	all := p.all
	p.mu.Unlock()
	for _, sl := range all {
		sl.client.CloseIdleConnections()
	}
}

// watch makes the end of ctx close the connections under the sends of ctx
// in flight, and only those: fasthttp takes no context, and a send cut
// short (a stop after its grace period) must not wait for its deadline.
// Senders come with one long-lived context, so each context is watched
// once, not per send: a context.AfterFunc registered and removed per send
// was 4 % of the CPU. A context that never ends stays watched, which is
// what a sender's context is.
func (p *fastPoster) watch(ctx context.Context) {
	done := ctx.Done()
	if done == nil {
		return
	}
	if _, ok := p.watched.Load(done); ok {
		return
	}
	if _, loaded := p.watched.LoadOrStore(done, struct{}{}); loaded {
		return
	}
	context.AfterFunc(ctx, func() {
		p.mu.Lock()
		all := p.all
		p.mu.Unlock()
		for _, sl := range all {
			// Under the slot's lock: a slot released and taken by a send
			// of another context meanwhile is not cut off.
			sl.mu.Lock()
			if sl.owner == done {
				sl.conns.closeAll()
			}
			sl.mu.Unlock()
		}
		p.watched.Delete(done)
	})
}

// connSet is the open connections of a slot, so that a cancelled send can
// be cut off.
type connSet struct {
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (s *connSet) track(c net.Conn) net.Conn {
	tc := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[*trackedConn]struct{}{}
	}
	s.conns[tc] = struct{}{}
	return tc
}

// closeAll closes every open connection of the slot. The send on it fails
// with a network error, which its own context's end turns into that error.
func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.conns, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}
