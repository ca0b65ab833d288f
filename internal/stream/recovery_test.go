package stream_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// The Reader's recovery from what AWS does to a long-running reader:
// expired iterators, trimmed records, throttling and failures, vanishing
// shards, and restarts.

func TestExpiredIteratorResumesRightAfterTheLastRecordRead(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 2})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	seqs := st.AddShard("s", "").Append(puts("s", 10)...)
	// The third GetRecords finds its iterator expired, after 4 records were
	// read. Nothing is acknowledged, so only the records read in this run
	// (not the checkpoint) say where to resume.
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		if c.Op == fakestreams.OpGetRecords && c.N == 3 {
			r.srv.ExpireIterators()
		}
		return fakestreams.Fault{}
	})
	s := newSink()
	s.ackIf = func(string, int) bool { return false }
	stop := r.start(s, options())

	poll.Until(t, "every record", func() bool { return s.count() >= 10 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "s", seqs)
	its := calls(r.srv, fakestreams.OpGetShardIterator, "s")
	if len(its) != 2 || its[1].IteratorType != string(types.ShardIteratorTypeAfterSequenceNumber) || its[1].Sequence != seqs[3] {
		t.Errorf("iterators %+v; want a second one AFTER_SEQUENCE_NUMBER %s", its, seqs[3])
	}
	if n := metrics.Value(r.m.AWSErrors.WithLabelValues("GetRecords", "ExpiredIteratorException")); n != 1 {
		t.Errorf("AWSErrors{GetRecords,ExpiredIteratorException} = %v, want 1", n)
	}
}

func TestAtTimestampKeepsSkippingAfterAnExpiredIteratorOrATrim(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 2})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	recs := puts("s", 10)
	for i := range recs {
		recs[i].Created = t0.Add(time.Duration(i) * time.Minute)
	}
	sh := st.AddShard("s", "")
	seqs := sh.Append(recs...)
	// While the seven records before the timestamp are being skipped (two
	// per call): after 2 read, the iterator expires and record 3 is trimmed,
	// so the new iterator falls back to the trim horizon; after 5 read,
	// record 6 is trimmed under the reader's iterator.
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		switch {
		case c.Op == fakestreams.OpGetRecords && c.N == 2:
			r.srv.ExpireIterators()
			sh.TrimBefore(seqs[3])
		case c.Op == fakestreams.OpGetRecords && c.N == 4:
			sh.TrimBefore(seqs[6])
		}
		return fakestreams.Fault{}
	})
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionAtTimestamp
	opts.StartingTimestamp = t0.Add(7 * time.Minute)
	stop := r.start(s, opts)

	poll.Until(t, "the records from the timestamp on", func() bool { return s.count() >= 3 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "s", seqs[7:])
	if n := metrics.Value(r.m.TrimmedGaps); n != 2 {
		t.Errorf("TrimmedGaps = %v, want 2", n)
	}
}

func TestTrimmedCheckpointContinuesAtTrimHorizonAndCountsTheGap(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	seqs := sh.Append(puts("s", 10)...)
	sh.TrimBefore(seqs[5])
	// A source stopped for longer than the stream's retention: its
	// checkpoint (record 2) is older than the trim horizon (record 6).
	seed := checkpoint.State{Streams: map[string]*checkpoint.Stream{
		st.ARN: {Shards: map[string]checkpoint.Shard{"s": {Sequence: seqs[1]}}},
	}}
	if err := r.store.Save(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "the records left", func() bool { return s.count() >= 5 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "s", seqs[5:])
	if n := metrics.Value(r.m.TrimmedGaps); n != 1 {
		t.Errorf("TrimmedGaps = %v, want 1", n)
	}
	if n := metrics.Value(r.m.AWSErrors.WithLabelValues("GetShardIterator", "TrimmedDataAccessException")); n != 1 {
		t.Errorf("AWSErrors{GetShardIterator,TrimmedDataAccessException} = %v, want 1", n)
	}
}

func TestRecordsTrimmedWhileReadingContinueAtTrimHorizonAndCountTheGap(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 2})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	seqs := sh.Append(puts("s", 10)...)
	// After the first page (records 1-2), records 3-6 are trimmed before the
	// reader gets to them: its next iterator points into trimmed data.
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		if c.Op == fakestreams.OpGetRecords && c.N == 2 {
			sh.TrimBefore(seqs[6])
		}
		return fakestreams.Fault{}
	})
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "the records left", func() bool { return s.count() >= 6 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "s", append(seqs[:2:2], seqs[6:]...))
	if n := metrics.Value(r.m.TrimmedGaps); n != 1 {
		t.Errorf("TrimmedGaps = %v, want 1", n)
	}
	if n := metrics.Value(r.m.AWSErrors.WithLabelValues("GetRecords", "TrimmedDataAccessException")); n != 1 {
		t.Errorf("AWSErrors{GetRecords,TrimmedDataAccessException} = %v, want 1", n)
	}
}

func TestThrottlingServerErrorsAndResetsLoseAndDuplicateNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 3, PageSize: 2})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	want := map[string][]string{"p": p.Append(puts("p", 20)...)}
	p.Close()
	c1, c2 := st.AddShard("c1", "p"), st.AddShard("c2", "p")
	want["c1"] = c1.Append(puts("c1", 10)...)
	want["c2"] = c2.Append(puts("c2", 10)...)

	// GetRecords: 30% throttled, 10% answered 500, 10% reset, by call
	// number so that each kind surely happens; the other operations fail at
	// random (seeded), less often. The first ListStreams fails too: start-up
	// retries it.
	var (
		mu       sync.Mutex
		rng      = rand.New(rand.NewPCG(1, 2))
		injected = map[[2]string]int{}
		quiet    bool
		after    = map[string]int{} // calls per shard (or operation) once quiet
	)
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		mu.Lock()
		defer mu.Unlock()
		if quiet {
			after[c.Op+"/"+c.Shard]++
			return fakestreams.Fault{}
		}
		var f fakestreams.Fault
		x, n := rng.Float64(), c.N%20
		switch {
		case c.Op == fakestreams.OpListStreams:
			if c.N == 1 {
				f = fakestreams.Fail("InternalServerError")
			}
		case c.Op == fakestreams.OpGetRecords:
			switch {
			case n%3 == 0 && n < 18: // 0, 3, ... 15
				f = fakestreams.Fail("LimitExceededException")
			case n == 1 || n == 10:
				f = fakestreams.Fail("InternalServerError")
			case n == 5 || n == 16:
				f = fakestreams.ConnectionReset
			}
		case x < 0.05:
			f = fakestreams.Fail("InternalServerError")
		case x < 0.10:
			f = fakestreams.ConnectionReset
		case c.Op == fakestreams.OpGetShardIterator && x < 0.20:
			f = fakestreams.Fail("LimitExceededException")
		}
		switch {
		case f.Reset:
			injected[[2]string{c.Op, "network"}]++
		case f.Code != "":
			injected[[2]string{c.Op, f.Code}]++
		}
		return f
	})
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "the first records", func() bool { return s.count() >= 25 })
	// Writes go on while the reader struggles; c1 splits into g.
	want["c1"] = append(want["c1"], c1.Append(puts("c1-more", 10)...)...)
	want["c2"] = append(want["c2"], c2.Append(puts("c2-more", 10)...)...)
	c1.Close()
	g := st.AddShard("g", "c1")
	want["g"] = g.Append(puts("g", 5)...)
	total := 0
	for _, seqs := range want {
		total += len(seqs)
	}
	poll.Until(t, "every record", func() bool { return s.count() >= total })

	// Stop the faults, and wait until every reader still running made a
	// call after its last fault: each error it got is counted by then.
	mu.Lock()
	quiet = true
	mu.Unlock()
	poll.Until(t, "calls after the faults stopped", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return after["GetRecords/c2"] > 0 && after["GetRecords/g"] > 0 && after["DescribeStream/"] > 0
	})
	_ = stop()

	for id, seqs := range want {
		s.wantShard(t, id, seqs)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range [][2]string{{"GetRecords", "LimitExceededException"}, {"GetRecords", "InternalServerError"}, {"GetRecords", "network"}} {
		if injected[k] == 0 {
			t.Errorf("no %s fault was injected on %s: the test proves nothing", k[1], k[0])
		}
	}
	for k, n := range injected {
		if got := metrics.Value(r.m.AWSErrors.WithLabelValues(k[0], k[1])); got != float64(n) {
			t.Errorf("AWSErrors{%s,%s} = %v, want the %d injected", k[0], k[1], got, n)
		}
	}
	t.Logf("faults injected: %v", injected)
}

func TestVanishedShardIsFinishedAndReadingGoesOn(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	x, y := st.AddShard("x", ""), st.AddShard("y", "")
	xSeqs := x.Append(puts("x", 3)...)
	ySeqs := y.Append(puts("y", 2)...)
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "the first records", func() bool { return s.count() >= 5 })
	// x's records expired and x is gone; its child z was already listed.
	x.Delete()
	z := st.AddShard("z", "x")
	zSeqs := z.Append(puts("z", 2)...)
	ySeqs = append(ySeqs, y.Append(puts("y-more", 2)...)...)
	poll.Until(t, "the child's and the other shard's records", func() bool { return s.count() >= 9 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "x", xSeqs)
	s.wantShard(t, "y", ySeqs)
	s.wantShard(t, "z", zSeqs)
	if n := metrics.Value(r.m.AWSErrors.WithLabelValues("GetRecords", "ResourceNotFoundException")); n != 1 {
		t.Errorf("AWSErrors{GetRecords,ResourceNotFoundException} = %v, want 1: a vanished shard is finished, not retried", n)
	}
}

func TestRecordsReadFromAVanishedShardAreStillDelivered(t *testing.T) {
	// A vanished shard cannot be read again after a restart, so what was
	// read of it must be delivered, not abandoned.
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	x := st.AddShard("x", "")
	s := newSink()
	resume := s.pause()
	stop := r.start(s, options())

	poll.Until(t, "polling x", func() bool { return len(calls(r.srv, fakestreams.OpGetRecords, "x")) > 0 })
	xSeqs := x.Append(puts("x", 3)...)
	poll.Until(t, "x's records read", func() bool {
		for _, c := range calls(r.srv, fakestreams.OpGetRecords, "x") {
			if c.Records > 0 {
				return true
			}
		}
		return false
	})
	x.Delete()
	poll.Until(t, "x found gone", func() bool {
		for _, c := range calls(r.srv, fakestreams.OpGetRecords, "x") {
			if c.Err == "ResourceNotFoundException" {
				return true
			}
		}
		return false
	})
	time.Sleep(20 * time.Millisecond)
	resume()
	poll.Until(t, "x's records", func() bool { return s.count() >= 3 })
	_ = stop()
	s.wantShard(t, "x", xSeqs)
}

func TestRestartResumesAfterTheAcknowledgedRecordsOnly(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 2})
	path := filepath.Join(t.TempDir(), "checkpoints.db")
	open := func() checkpoint.Store {
		f, err := checkpoint.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	p.Append(puts("p", 4)...)
	p.Close()
	c1Seqs := st.AddShard("c1", "p").Append(puts("c1", 6)...)
	c2Seqs := st.AddShard("c2", "p").Append(puts("c2", 6)...)

	// First run: the sink acknowledges the parent, and only the first three
	// records of each child; the rest is handed over but never settled.
	r.store = open()
	first := newSink()
	first.ackIf = func(shard string, n int) bool { return shard == "p" || n <= 3 }
	stop := r.start(first, options())
	poll.Until(t, "every record handed over", func() bool { return first.count() >= 16 })
	if err := stop(); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if err := r.store.Close(); err != nil {
		t.Fatal(err)
	}

	// Second run, same checkpoint file.
	r.store = open()
	defer r.store.Close()
	mark := len(r.srv.Log())
	second := newSink()
	stop = r.start(second, options())
	poll.Until(t, "the unacknowledged records again", func() bool { return second.count() >= 6 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	second.wantShard(t, "p", nil)
	second.wantShard(t, "c1", c1Seqs[3:])
	second.wantShard(t, "c2", c2Seqs[3:])
	for _, c := range r.srv.Log()[mark:] {
		if c.Op == fakestreams.OpGetShardIterator && c.Shard == "p" {
			t.Error("the finished parent was read again after the restart")
		}
	}
}

// An error the reader does not know may concern the iterator itself; the
// same call would fail forever, so a fresh iterator is taken after the last
// record read.
func TestUnknownGetRecordsErrorTakesAFreshIteratorAndLosesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("a", "")
	seqs := sh.Append(puts("a", 3)...)
	s := newSink()
	stop := r.start(s, options())
	poll.Until(t, "the first records", func() bool { return s.count() >= 3 })

	// From now on, the old iterator is refused as damaged.
	var failed atomic.Int32
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		if c.Op == "GetRecords" && failed.Load() == 0 {
			failed.Add(1)
			return fakestreams.Fault{Code: "ValidationException", Message: "Invalid ShardIterator"}
		}
		return fakestreams.Fault{}
	})
	seqs = append(seqs, sh.Append(puts("b", 2)...)...)
	poll.Until(t, "the records after the error", func() bool { return s.count() >= 5 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "a", seqs)
	its := calls(r.srv, "GetShardIterator", "a")
	if len(its) < 2 || its[len(its)-1].IteratorType != "AFTER_SEQUENCE_NUMBER" || its[len(its)-1].Sequence != seqs[2] {
		t.Fatalf("GetShardIterator calls %+v: want a fresh AFTER_SEQUENCE_NUMBER %s after the error", its, seqs[2])
	}
}

// A DescribeStream that fails for throttling, a 5xx or the network is
// retried with backoff: neither the first read of the stream nor the
// children of a finished shard wait for the next discovery (a minute here).
func TestFailedDescribeStreamIsRetriedWithBackoffNotAtTheNextDiscovery(t *testing.T) {
	t.Parallel()
	const bound = 5 * time.Second // each phase; the old behaviour took the interval, 1 min
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	pSeqs := p.Append(puts("p", 3)...)
	p.Close()
	cSeqs := st.AddShard("c", "p").Append(puts("c", 2)...)

	// DescribeStream 1-3 (start-up) and 5-6 (after p finished) fail.
	faults := map[int]fakestreams.Fault{
		1: fakestreams.Fail("LimitExceededException"),
		2: fakestreams.Fail("InternalServerError"),
		3: fakestreams.ConnectionReset,
		5: fakestreams.Fail("LimitExceededException"),
		6: fakestreams.Fail("ServiceUnavailable"), // HTTP 503
	}
	r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
		if c.Op == fakestreams.OpDescribeStream {
			return faults[c.N]
		}
		return fakestreams.Fault{}
	})
	logs := &logBuffer{t: t}
	s := newSink()
	opts := options()
	opts.DiscoveryInterval = time.Minute
	opts.BackoffBase = 100 * time.Millisecond // the default
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	begin := time.Now()
	stop := r.start(s, opts)

	startup := within(t, bound, "the first shard's records after 3 failed DescribeStreams", func() bool { return s.count() >= len(pSeqs) })
	children := within(t, bound, "the child's records after 2 more failed DescribeStreams", func() bool { return s.count() >= len(pSeqs)+len(cSeqs) })
	t.Logf("first records %v after start, the child's %v after the parent's (discovery interval %v)", startup, children, opts.DiscoveryInterval)
	_ = stop()
	s.wantShard(t, "p", pSeqs)
	s.wantShard(t, "c", cSeqs)
	if total := time.Since(begin); total > opts.DiscoveryInterval/2 {
		t.Errorf("took %v: discovery waited for its interval", total)
	}

	// Each failed call counted; no call beyond the retries.
	for code, n := range map[string]float64{"LimitExceededException": 2, "InternalServerError": 1, "network": 1, "ServiceUnavailable": 1} {
		if got := metrics.Value(r.m.AWSErrors.WithLabelValues("DescribeStream", code)); got != n {
			t.Errorf("AWSErrors{DescribeStream,%s} = %v, want %v", code, got, n)
		}
	}
	if n := r.srv.CallCount(fakestreams.OpDescribeStream); n != 7 {
		t.Errorf("DescribeStream called %d times, want 7: 5 failed, and one success after each streak", n)
	}
	// A warning for the 1st and 2nd failure of each streak (the 3rd is
	// debug), and the streak count starts again after a success.
	if n := logs.count(`level=WARN msg="describing the stream failed; backing off"`); n != 4 {
		t.Errorf("%d warnings for the failed DescribeStreams, want 4 (attempts 1 and 2 of each streak)", n)
	}
	for _, line := range []string{`failed_attempts=3`, `failed_attempts=2`} {
		if n := logs.count(`msg="describing the stream succeeded again"`, line); n != 1 {
			t.Errorf("%d recoveries logged with %s, want 1", n, line)
		}
	}
}

// Errors that would fail again at once (credentials, permissions, errors
// the reader does not know) still wait for the next discovery.
func TestDescribeStreamErrorsNotRetriedWaitForTheNextDiscovery(t *testing.T) {
	t.Parallel()
	const interval = 300 * time.Millisecond
	for _, code := range []string{"AccessDeniedException", "ValidationException"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, fakestreams.Options{})
			st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
			seqs := st.AddShard("s", "").Append(puts("s", 2)...)
			r.srv.SetFault(func(c fakestreams.Call) fakestreams.Fault {
				if c.Op == fakestreams.OpDescribeStream && c.N == 1 {
					return fakestreams.Fail(code)
				}
				return fakestreams.Fault{}
			})
			s := newSink()
			opts := options()
			opts.DiscoveryInterval = interval
			stop := r.start(s, opts)
			took := within(t, 5*time.Second, "the records", func() bool { return s.count() >= 2 })
			_ = stop()
			s.wantShard(t, "s", seqs)
			if took < interval {
				t.Errorf("records after %v, before the discovery interval %v: %s was retried early", took, interval, code)
			}
			if got := metrics.Value(r.m.AWSErrors.WithLabelValues("DescribeStream", code)); got != 1 {
				t.Errorf("AWSErrors{DescribeStream,%s} = %v, want 1", code, got)
			}
		})
	}
}

// within polls cond until it holds and returns how long that took from the
// call, failing the test after d.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	begin := time.Now()
	for !cond() {
		if time.Since(begin) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(begin)
}

// logBuffer keeps the reader's log lines for a test to count, and shows
// them in the test's log.
type logBuffer struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	b.t.Log(line)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
	return len(p), nil
}

// count returns how many lines contain every one of subs.
func (b *logBuffer) count(subs ...string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, l := range b.lines {
		if !slices.ContainsFunc(subs, func(sub string) bool { return !strings.Contains(l, sub) }) {
			n++
		}
	}
	return n
}
