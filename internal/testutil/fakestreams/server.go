package fakestreams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// The four operations of the DynamoDB Streams API, as named in X-Amz-Target.
const (
	OpListStreams      = "ListStreams"
	OpDescribeStream   = "DescribeStream"
	OpGetShardIterator = "GetShardIterator"
	OpGetRecords       = "GetRecords"
)

const targetPrefix = "DynamoDBStreams_20120810."

// Defaults of Options.
const (
	DefaultRegion      = "us-east-1"
	DefaultAccount     = "123456789012"
	DefaultAccessKeyID = "AKIDFAKESTREAMS"
	// DefaultSecretAccessKey is what Client signs with; a test can check
	// that it never shows up in an error message.
	DefaultSecretAccessKey = "fakestreams/SECRET/do-not-print"
)

// Options configure a Server. Zero values take the defaults.
type Options struct {
	Region, Account string
	// AccessKeyID is the only access key the server accepts: a request
	// signed with another is refused with UnrecognizedClientException, as
	// AWS refuses an unknown key. Signatures are not verified.
	AccessKeyID string
	// PageSize caps the streams of a ListStreams page and the shards of a
	// DescribeStream page (AWS: 100, and the request's Limit), so that tests
	// can exercise pagination with a handful of shards.
	PageSize int
	// MaxRecordsPerCall caps the records of one GetRecords answer, as AWS's
	// 1 MB cap per call does (the request's Limit, at most 1000, applies too).
	MaxRecordsPerCall int
	// Now is the server's clock: record creation times, call times and the
	// 15-minute iterator lifetime use it.
	Now func() time.Time
	// ShardFilter says how DescribeStream treats a ShardFilter: as AWS does
	// (the default), refused as an endpoint without it does, or ignored.
	ShardFilter ShardFilterSupport
	// NoLog keeps no Log of calls, only the counts (Calls, ShardCalls):
	// for long runs of many shards, whose log would grow without bound.
	NoLog bool
}

// ShardFilterSupport is how the server answers DescribeStream's ShardFilter
// (CHILD_SHARDS, added to the API in 2025).
type ShardFilterSupport int

const (
	// ShardFilterSupported lists only the children of the filter's shard, as AWS does.
	ShardFilterSupported ShardFilterSupport = iota
	// ShardFilterRejected answers ValidationException, as an endpoint that
	// does not know the parameter may.
	ShardFilterRejected
	// ShardFilterIgnored lists the whole stream as if there were no filter,
	// as an endpoint that skips unknown members does.
	ShardFilterIgnored
)

func (o *Options) defaults() {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.AccessKeyID == "" {
		o.AccessKeyID = DefaultAccessKeyID
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.MaxRecordsPerCall <= 0 {
		o.MaxRecordsPerCall = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is a scripted DynamoDB Streams endpoint. Create it with New.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT, for the client's BaseEndpoint.
	URL string

	opts Options

	mu        sync.Mutex
	tables    map[string]bool
	streams   []*stream
	seq       uint64 // last sequence number handed out, server-wide
	nIters    int
	epoch     int // iterators issued before the current epoch are expired
	lastLabel time.Time
	calls     map[string]int
	perShard  map[string]map[string]int // op -> shard ID -> calls
	log       []Call
	fault     FaultFunc

	generators []*Generator
}

// New starts a server on loopback; tb's cleanup stops it.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	opts.defaults()
	s := &Server{
		opts:     opts,
		tables:   map[string]bool{},
		calls:    map[string]int{},
		perShard: map[string]map[string]int{},
	}
	hs := httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() { // before hs.Close: cleanups run last in, first out
		s.mu.Lock()
		gens := slices.Clone(s.generators)
		s.mu.Unlock()
		for _, g := range gens {
			g.Stop()
		}
	})
	s.URL = hs.URL
	return s
}

// Client returns a real SDK client of the server, signed with the accepted
// key, with SDK retries off (as internal/awsconfig sets them), so that every
// error reaches the caller.
func (s *Server) Client() *dynamodbstreams.Client {
	return s.ClientWithCredentials(s.opts.AccessKeyID, DefaultSecretAccessKey)
}

// ClientWithCredentials returns a client like Client's, signed with the
// given static credentials.
func (s *Server) ClientWithCredentials(accessKeyID, secretAccessKey string) *dynamodbstreams.Client {
	cfg := aws.Config{
		Region:      s.opts.Region,
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(s.URL)
	})
}

// ClientAs returns a client like Client's whose calls the log shows as
// made by caller (its SDK application ID, which the adapter takes from
// AWS_SDK_UA_APP_ID): a test can then tell readers apart.
func (s *Server) ClientAs(caller string) *dynamodbstreams.Client {
	c := s.Client()
	return dynamodbstreams.New(c.Options(), func(o *dynamodbstreams.Options) { o.AppID = caller })
}

// Call describes one request. A FaultFunc sees the request fields; Log
// also has the outcome.
type Call struct {
	Op string // the X-Amz-Target after "DynamoDBStreams_20120810."
	N  int    // 1 for the first call of Op, 2 for the second, ...

	Table        string // ListStreams
	Stream       string // DescribeStream, GetShardIterator, GetRecords (from its iterator)
	Shard        string // GetShardIterator, GetRecords (from its iterator)
	IteratorType string // GetShardIterator
	Sequence     string // GetShardIterator: its SequenceNumber; GetRecords: the position it reads after

	Filter string // DescribeStream: the ShardFilter's shard ID

	// Time is when the call arrived, on the server's clock.
	Time time.Time
	// Caller is who made the call: the SDK application ID of the
	// User-Agent (app/ID; AWS_SDK_UA_APP_ID), else the access key ID.
	Caller string

	Records int    // GetRecords: records returned
	End     bool   // GetRecords: NextShardIterator was null (a closed shard read to its end)
	Err     string // the error code answered, or "reset"; empty on success
}

// Fault is what a FaultFunc makes a call do instead of its normal answer.
// The zero Fault lets the call through.
type Fault struct {
	// Code answers with that AWS error code, with HTTP Status (default:
	// 500 for InternalServerError, 400 otherwise) and Message. A Status
	// without a Code answers InternalServerError with that status.
	Code, Message string
	Status        int
	// Reset closes the connection with a TCP reset and no answer, as a
	// failing load balancer or network does.
	Reset bool
}

// FaultFunc decides, per call and before the call is served, whether it
// fails. It runs without the server's lock held, so it may script the
// server (append records, ExpireIterators, ...) and then let the call
// through to see the change.
type FaultFunc func(Call) Fault

// Fail returns a fault answering with an AWS error code.
func Fail(code string) Fault { return Fault{Code: code} }

// ConnectionReset is a fault that resets the connection.
var ConnectionReset = Fault{Reset: true}

// SetFault installs f (nil: no faults).
func (s *Server) SetFault(f FaultFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Calls returns how many requests were made, by operation (unknown targets
// by their full X-Amz-Target), faulted ones included.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// CallCount returns how many requests of op were made.
func (s *Server) CallCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// ShardCalls returns how many requests of op (GetShardIterator,
// GetRecords) were made on each shard, by shard ID.
func (s *Server) ShardCalls(op string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perShard[op]))
	for k, v := range s.perShard[op] {
		out[k] = v
	}
	return out
}

// OtherTargets returns, sorted, the targets called that are not one of the
// four DynamoDB Streams operations.
func (s *Server) OtherTargets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.calls {
		switch k {
		case OpListStreams, OpDescribeStream, OpGetShardIterator, OpGetRecords:
		default:
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Log returns every call served so far, in the order they were answered.
func (s *Server) Log() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// operations maps a target to its implementation. Each runs with s.mu held.
var operations = map[string]func(s *Server, in *input, c *Call) (any, *apiError){
	OpListStreams:      (*Server).listStreams,
	OpDescribeStream:   (*Server).describeStream,
	OpGetShardIterator: (*Server).getShardIterator,
	OpGetRecords:       (*Server).getRecords,
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if !ok {
		op = target
	}
	s.mu.Lock()
	s.calls[op]++
	c := Call{Op: op, N: s.calls[op], Time: s.opts.Now(), Caller: caller(r)}
	fault := s.fault
	s.mu.Unlock()

	serve, known := operations[op]
	if r.Method != http.MethodPost || !known {
		// AWS answers a target it does not serve this way.
		s.answer(w, &c, nil, errorf("UnknownOperationException", ""))
		return
	}
	if e := s.authenticate(r); e != nil {
		s.answer(w, &c, nil, e)
		return
	}
	var in input
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		s.answer(w, &c, nil, errorf("SerializationException", "%v", err))
		return
	}
	s.mu.Lock()
	s.describeCall(&in, &c)
	s.mu.Unlock()

	if fault != nil {
		if f := fault(c); f != (Fault{}) {
			if f.Reset {
				c.Err = "reset"
				s.record(c)
				resetConnection(w)
				return
			}
			if f.Code == "" {
				f.Code = "InternalServerError" // a bare status: a server-side failure
			}
			e := errorf(f.Code, "%s", f.Message)
			if f.Status != 0 {
				e.status = f.Status
			}
			s.answer(w, &c, nil, e)
			return
		}
	}
	s.mu.Lock()
	out, e := serve(s, &in, &c)
	s.mu.Unlock()
	s.answer(w, &c, out, e)
}

// authenticate checks the SigV4 Authorization header's access key only.
func (s *Server) authenticate(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return errorf("MissingAuthenticationTokenException", "Request is missing Authentication Token")
	}
	key, _, _ := strings.Cut(cred, "/")
	if key != s.opts.AccessKeyID {
		return errorf("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return nil
}

// describeCall fills the request fields of c from in.
func (s *Server) describeCall(in *input, c *Call) {
	c.Table = deref(in.TableName)
	c.Stream = deref(in.StreamArn)
	c.Shard = deref(in.ShardId)
	c.IteratorType = deref(in.ShardIteratorType)
	c.Sequence = deref(in.SequenceNumber)
	if in.ShardFilter != nil {
		c.Filter = deref(in.ShardFilter.ShardId)
	}
	if in.ShardIterator != nil {
		if it, ok := s.parseIterator(*in.ShardIterator); ok {
			c.Stream, c.Shard, c.Sequence = it.stream, it.shard, seqString(it.after)
		}
	}
	if c.Shard != "" {
		m := s.perShard[c.Op]
		if m == nil {
			m = map[string]int{}
			s.perShard[c.Op] = m
		}
		m[c.Shard]++
	}
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.NoLog {
		s.log = append(s.log, c)
	}
}

// caller names who made a request: the app/ID of its User-Agent, else the
// access key ID it is signed with.
func caller(r *http.Request) string {
	for _, f := range strings.Fields(r.Header.Get("User-Agent")) {
		if id, ok := strings.CutPrefix(f, "app/"); ok {
			return id
		}
	}
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	key, _, _ := strings.Cut(cred, "/")
	return key
}

// answer writes a JSON 1.0 response: out, or e as AWS renders errors.
func (s *Server) answer(w http.ResponseWriter, c *Call, out any, e *apiError) {
	status := http.StatusOK
	if e != nil {
		c.Err = e.code
		status = e.status
		out = struct {
			Type    string `json:"__type"`
			Message string `json:"message,omitempty"`
		}{e.namespaced(), e.msg}
	}
	s.record(*c)
	b, err := json.Marshal(out)
	if err != nil {
		panic(fmt.Sprintf("fakestreams: encoding %s answer: %v", c.Op, err))
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-Requestid", fmt.Sprintf("FAKESTREAMS%s%d", c.Op, c.N))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// resetConnection drops the connection with a TCP RST (SO_LINGER 0), so the
// client sees "connection reset by peer" rather than a clean EOF.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fakestreams: the HTTP server cannot hijack connections")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// apiError is an error answer.
type apiError struct {
	status    int
	code, msg string
}

// errorf makes an error answer with the HTTP status AWS gives code.
func errorf(code, format string, args ...any) *apiError {
	status := http.StatusBadRequest
	switch code {
	case "InternalServerError", "InternalFailure":
		status = http.StatusInternalServerError
	case "ServiceUnavailable":
		status = http.StatusServiceUnavailable
	}
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// namespaced is the __type of the error: DynamoDB's own errors are in its
// API namespace, the front end's (auth, validation, routing) in Coral's.
func (e *apiError) namespaced() string {
	switch e.code {
	case "ValidationException":
		return "com.amazon.coral.validate#" + e.code
	case "UnrecognizedClientException", "AccessDeniedException", "UnknownOperationException",
		"MissingAuthenticationTokenException", "SerializationException", "InternalFailure":
		return "com.amazon.coral.service#" + e.code
	}
	return "com.amazonaws.dynamodb.v20120810#" + e.code
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
