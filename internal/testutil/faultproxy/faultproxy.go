package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to one call instead of forwarding it.
type Fault int

const (
	// None forwards the call.
	None Fault = iota
	// LimitExceeded answers HTTP 400 LimitExceededException (throttling).
	LimitExceeded
	// InternalError answers HTTP 500 InternalServerError.
	InternalError
	// Reset closes the connection with a TCP RST before forwarding: the
	// call never reaches the upstream.
	Reset
	// ResetAfter forwards the call, then resets the connection instead of
	// answering: the upstream did the work and the answer is lost.
	ResetAfter
	// Expired answers HTTP 400 ExpiredIteratorException.
	Expired
	// Trimmed answers HTTP 400 TrimmedDataAccessException.
	Trimmed
)

var faultNames = [...]string{"none", "LimitExceeded", "InternalError", "Reset", "ResetAfter", "Expired", "Trimmed"}

func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// errorAnswers are the JSON-protocol error bodies, as DynamoDB sends them.
var errorAnswers = map[Fault]struct {
	status int
	typ    string
	msg    string
}{
	LimitExceeded: {http.StatusBadRequest, "LimitExceededException", "Rate of requests exceeds the allowed throughput (injected by faultproxy)."},
	InternalError: {http.StatusInternalServerError, "InternalServerError", "The server encountered an internal error trying to fulfill the request (injected by faultproxy)."},
	Expired:       {http.StatusBadRequest, "ExpiredIteratorException", "Iterator expired (injected by faultproxy)."},
	Trimmed:       {http.StatusBadRequest, "TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard (injected by faultproxy)."},
}

// Rule injects Fault into a share of the calls of one operation.
type Rule struct {
	// Op is the operation, such as "GetRecords"; "" matches every one.
	Op string
	// Fault is what is injected.
	Fault Fault
	// Probability is the share of matching calls that get the fault, 0 to 1.
	Probability float64
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's base URL, to give the source as --endpoint.url.
	URL string

	upstream string
	srv      *httptest.Server
	client   *http.Client

	mu       sync.Mutex
	rng      *rand.Rand
	rules    []Rule
	queued   map[string][]Fault // one-shot faults, by operation
	calls    map[string]int64
	injected map[string]map[Fault]int64
}

// New starts a proxy in front of upstream (a base URL such as
// http://127.0.0.1:8000) on a free loopback port. seed makes the random
// faults repeatable. Close stops it.
func New(upstream string, seed uint64) *Proxy {
	p := &Proxy{
		upstream: strings.TrimRight(upstream, "/"),
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		queued:   map[string][]Fault{},
		calls:    map[string]int64{},
		injected: map[string]map[Fault]int64{},
		client: &http.Client{
			// A plain transport: HTTP_PROXY and friends must not apply to a
			// loopback upstream.
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
			Timeout:   60 * time.Second,
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	return p
}

// Close stops the proxy and drops its connections.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// SetRules replaces the probabilistic rules; none means no random faults.
// The first matching rule whose dice roll hits wins.
func (p *Proxy) SetRules(rules ...Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append([]Rule(nil), rules...)
}

// Next queues a one-shot fault for the next call of op: Next("GetRecords",
// Expired) expires the next GetRecords. Queued faults go before the rules.
func (p *Proxy) Next(op string, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queued[op] = append(p.queued[op], f)
}

// Pending returns how many one-shot faults of op are still queued.
func (p *Proxy) Pending(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queued[op])
}

// Calls returns how many calls of op arrived (faulted or not); "" counts all.
func (p *Proxy) Calls(op string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if op == "" {
		var n int64
		for _, c := range p.calls {
			n += c
		}
		return n
	}
	return p.calls[op]
}

// Injected returns how many calls of op got fault f; "" counts every op.
func (p *Proxy) Injected(op string, f Fault) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if op != "" {
		return p.injected[op][f]
	}
	var n int64
	for _, m := range p.injected {
		n += m[f]
	}
	return n
}

// Op returns the operation named by an X-Amz-Target header value:
// "DynamoDBStreams_20120810.GetRecords" is "GetRecords".
func Op(target string) string {
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// decide picks the fault for one call of op and counts it.
func (p *Proxy) decide(op string) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	f := None
	if q := p.queued[op]; len(q) > 0 {
		f, p.queued[op] = q[0], q[1:]
	} else {
		for _, r := range p.rules {
			if (r.Op == "" || r.Op == op) && r.Probability > 0 && p.rng.Float64() < r.Probability {
				f = r.Fault
				break
			}
		}
	}
	if f != None {
		if p.injected[op] == nil {
			p.injected[op] = map[Fault]int64{}
		}
		p.injected[op][f]++
	}
	return f
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	op := Op(r.Header.Get("X-Amz-Target"))
	f := p.decide(op)
	switch f {
	case Reset:
		reset(w)
		return
	case LimitExceeded, InternalError, Expired, Trimmed:
		a := errorAnswers[f]
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Requestid", "faultproxy")
		w.WriteHeader(a.status)
		fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, a.typ, a.msg)
		return
	}

	status, header, answer, err := p.forward(r.Context(), r, body)
	if err != nil {
		if r.Context().Err() == nil {
			http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		}
		return
	}
	if f == ResetAfter {
		reset(w)
		return
	}
	for k, vs := range header {
		if k == "Content-Length" || k == "Connection" || k == "Transfer-Encoding" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

// forward sends the call to the upstream unchanged (same path, headers and
// body, so the SigV4 signature still matches the Host it was made for).
func (p *Proxy) forward(ctx context.Context, r *http.Request, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = r.Header.Clone()
	req.Host = r.Host
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, answer, nil
}

// reset hijacks the connection and closes it with SO_LINGER 0, so the
// client sees a TCP RST ("connection reset by peer"), not a clean close.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faultproxy: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
