package stream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// The Reader and its checkpoints: what a listing that misses a stream, a
// store that keeps failing and a second writer do to them.

// omitProxy stands between the reader and the scripted server and, while
// omit is set, drops that stream from ListStreams answers, as one answer of
// an eventually consistent listing may.
type omitProxy struct {
	omit    atomic.Pointer[string]
	omitted atomic.Int32 // answers changed
}

func newOmitProxy(t *testing.T, srv *fakestreams.Server) (*omitProxy, stream.Client) {
	t.Helper()
	up, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &omitProxy{}
	rp := httputil.NewSingleHostReverseProxy(up)
	rp.ModifyResponse = func(res *http.Response) error {
		arn := p.omit.Load()
		if arn == nil || !strings.HasSuffix(res.Request.Header.Get("X-Amz-Target"), "."+fakestreams.OpListStreams) || res.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			return err
		}
		var kept []any
		for _, s := range out["Streams"].([]any) {
			if s.(map[string]any)["StreamArn"] != *arn {
				kept = append(kept, s)
			}
		}
		if kept == nil {
			kept = []any{}
		}
		out["Streams"] = kept
		if body, err = json.Marshal(out); err != nil {
			return err
		}
		p.omitted.Add(1)
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		res.Header.Del("X-Amz-Crc32")
		return nil
	}
	hs := httptest.NewServer(rp)
	t.Cleanup(hs.Close)
	client := dynamodbstreams.NewFromConfig(aws.Config{
		Region:      fakestreams.DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider(fakestreams.DefaultAccessKeyID, fakestreams.DefaultSecretAccessKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(hs.URL) })
	return p, client
}

// withLogs sends the reader's warnings to the test's log.
func withLogs(t *testing.T, opts stream.Options) stream.Options {
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return opts
}

func openFile(t *testing.T, path string) *checkpoint.File {
	t.Helper()
	f, err := checkpoint.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A restart whose first listing lacks the stream being read (but lists its
// replacement) must neither forget where the old stream's shards were nor
// take the replacement for a first start at LATEST.
func TestAListingThatMissesTheStreamLosesNoProgressAndDoesNotJumpToLatest(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	path := filepath.Join(t.TempDir(), "checkpoints.db")
	old := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	a := old.AddShard("a", "")
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionLatest

	// First run: three records of the old stream are delivered and saved.
	r.store = openFile(t, path)
	first := newSink()
	stop := r.start(first, opts)
	poll.Until(t, "reading the old stream", func() bool { return len(calls(r.srv, fakestreams.OpGetRecords, "a")) > 0 })
	aSeqs := a.Append(puts("a", 3)...)
	poll.Until(t, "the first records", func() bool { return first.count() >= 3 })
	if err := stop(); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if err := r.store.Close(); err != nil {
		t.Fatal(err)
	}

	// While stopped: more records, then the stream is replaced.
	aSeqs = append(aSeqs, a.Append(puts("a-late", 2)...)...)
	old.Disable()
	b := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).AddShard("b", "")
	bSeqs := b.Append(puts("b", 2)...)

	// Second run: the first listing misses the old stream.
	proxy, client := newOmitProxy(t, r.srv)
	proxy.omit.Store(&old.ARN)
	r.store = openFile(t, path)
	defer r.store.Close()
	second := newSink()
	opts.Metrics = r.m
	rd := stream.NewReader(client, table, r.store, second.factory, withLogs(t, opts))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rd.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("second Run: %v", err)
		}
	}()
	poll.Until(t, "the listing that misses the old stream", func() bool { return proxy.omitted.Load() > 0 })
	proxy.omit.Store(nil)
	poll.Until(t, "both streams' records", func() bool { return second.count() >= 4 })
	time.Sleep(100 * time.Millisecond)
	second.wantShard(t, "a", aSeqs[3:])
	second.wantShard(t, "b", bSeqs)
}

// Once a finished stream is forgotten, the state has no stream left; the
// next stream must still be read whole (it replaces the old one), not
// from LATEST as on a first start.
func TestAStreamAfterAForgottenOneIsReadWholeNotFromLatest(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	old := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	a := old.AddShard("a", "")
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionLatest
	stop := r.start(s, opts)
	poll.Until(t, "reading the stream", func() bool { return len(calls(r.srv, fakestreams.OpGetRecords, "a")) > 0 })
	aSeqs := a.Append(puts("a", 2)...)
	poll.Until(t, "the first records", func() bool { return s.count() >= 2 })

	// Disabled, read to its end, then expired: no stream is left.
	old.Disable()
	poll.Until(t, "the old stream finished", func() bool {
		st, _ := r.store.Load(context.Background())
		return st.Streams[old.ARN] != nil && st.Streams[old.ARN].Finished
	})
	old.Delete()
	poll.Until(t, "the old stream forgotten", func() bool {
		st, _ := r.store.Load(context.Background())
		return len(st.Streams) == 0
	})
	// A stream enabled later, with records the reader has not seen yet.
	b := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).AddShard("b", "")
	bSeqs := b.Append(puts("b", 3)...)
	poll.Until(t, "the new stream's records", func() bool { return s.count() >= 5 })
	time.Sleep(50 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	s.wantShard(t, "a", aSeqs)
	s.wantShard(t, "b", bSeqs)
}

// readiness records the reader's Ready and NotReady calls.
type readiness struct {
	mu      sync.Mutex
	ready   bool
	reasons []string
}

func (r *readiness) Ready() { r.mu.Lock(); r.ready = true; r.mu.Unlock() }
func (r *readiness) NotReady(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready = false
	r.reasons = append(r.reasons, reason)
}

func (r *readiness) state() (bool, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready, append([]string(nil), r.reasons...)
}

// Checkpoint saves that keep failing make the source not ready, saying why;
// the reader goes on reading (a failed save only delays progress).
func TestSavesThatKeepFailingMakeTheSourceNotReady(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	sh := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).AddShard("s", "")
	sh.Append(puts("s", 2)...)
	f := openFile(t, filepath.Join(t.TempDir(), "checkpoints.db"))
	r.store = f
	var rd readiness
	opts := options()
	opts.Ready, opts.NotReady = rd.Ready, rd.NotReady
	opts.SaveFailuresBeforeNotReady = 3
	s := newSink()
	stop := r.start(s, opts)
	poll.Until(t, "the first records", func() bool { return s.count() >= 2 })
	if ready, reasons := rd.state(); !ready || len(reasons) != 0 {
		t.Fatalf("while saves work: ready %v, reasons %q; want ready", ready, reasons)
	}

	// The store fails from now on, as a full disk would (bbolt refuses
	// writes to a closed database).
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sh.Append(puts("s-more", 2)...)
	poll.Until(t, "not ready", func() bool { ready, reasons := rd.state(); return !ready && len(reasons) > 0 })
	_, reasons := rd.state()
	if len(reasons) != 1 || !strings.Contains(reasons[0], "saving checkpoints failed 3 times in a row") || !strings.Contains(reasons[0], "database not open") {
		t.Errorf("not-ready reasons %q; want one naming the failed saves and their error", reasons)
	}
	poll.Until(t, "the records after the failure", func() bool { return s.count() >= 4 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v; a failing store is no reason to stop", err)
	}
}

// A call that the service accepts and never answers is given up after
// CallTimeout and retried, instead of holding its shard forever.
func TestACallHeldOpenIsTimedOutAndRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	seqs := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).AddShard("s", "").Append(puts("s", 3)...)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		if c.Op == fakestreams.OpGetRecords && c.N == 1 {
			<-release // hold the first GetRecords open
		}
		return fakestreams.Fault{}
	})
	s := newSink()
	opts := options()
	opts.CallTimeout = 200 * time.Millisecond
	stop := r.start(s, opts)
	poll.Until(t, "every record despite the held call", func() bool { return s.count() >= 3 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "s", seqs)
	if n := metrics.Value(r.m.AWSErrors.WithLabelValues("GetRecords", "timeout")); n != 1 {
		t.Errorf("AWSErrors{GetRecords,timeout} = %v, want 1", n)
	}
}
