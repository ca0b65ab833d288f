package stream_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// The Reader's behaviour against a scripted DynamoDB Streams server: shard
// lineage, pagination, starting positions, stream replacement, start-up
// errors and polling. Recovery from errors is in recovery_test.go.

func TestParentShardIsReadToItsEndBeforeItsChildren(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 2})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	pSeqs := p.Append(puts("p", 5)...)
	p.Close()
	c1Seqs := st.AddShard("c1", "p").Append(puts("c1", 3)...)
	c2Seqs := st.AddShard("c2", "p").Append(puts("c2", 3)...)
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "every record", func() bool { return s.count() == 11 })
	time.Sleep(50 * time.Millisecond) // a few more polls: nothing may come twice
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	s.wantShard(t, "p", pSeqs)
	s.wantShard(t, "c1", c1Seqs)
	s.wantShard(t, "c2", c2Seqs)
	for i, d := range s.all() {
		if i < len(pSeqs) && d.Shard != "p" {
			t.Fatalf("delivery %d is from %s before the parent's records were all delivered", i, d.Shard)
		}
	}
	// On the wire: no child iterator before the parent's end was read.
	parentEnd, childStart := -1, -1
	for i, c := range r.srv.Log() {
		if c.Op == fakestreams.OpGetRecords && c.Shard == "p" && c.End {
			parentEnd = i
		}
		if c.Op == fakestreams.OpGetShardIterator && c.Shard != "p" && childStart < 0 {
			childStart = i
		}
	}
	if parentEnd < 0 || childStart < parentEnd {
		t.Errorf("first child iterator at call %d, parent read to its end at call %d: children must wait for the parent", childStart, parentEnd)
	}
	for _, id := range []string{"p", "c1", "c2"} {
		if n := len(calls(r.srv, fakestreams.OpGetShardIterator, id)); n != 1 {
			t.Errorf("shard %s: %d iterators, want it read exactly once", id, n)
		}
	}
}

func TestDescribeStreamAndListStreamsPaginateFully(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{PageSize: 2})
	// Four older, disabled streams first: the newest is on the third page.
	for range 4 {
		old := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders", Disabled: true})
		old.AddShard("old", "").Append(puts("old", 1)...)
	}
	r.srv.AddStream(fakestreams.StreamSpec{Table: "other"}) // another table's stream is not listed
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	want := map[string][]string{}
	for _, id := range []string{"s1", "s2", "s3", "s4", "s5"} {
		want[id] = st.AddShard(id, "").Append(puts(id, 2)...)
	}
	s := newSink()
	stop := r.start(s, options())

	poll.Until(t, "every record of the newest stream", func() bool { return s.count() >= 10 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	for id, seqs := range want {
		s.wantShard(t, id, seqs)
	}
	for _, d := range s.all() {
		if d.Stream != st.ARN {
			t.Errorf("delivered %s from stream %s, want only the newest stream %s", d.Seq, d.Stream, st.ARN)
		}
	}
	// s5 is on the third DescribeStream page; the newest stream on the
	// third ListStreams page.
	if n := len(calls(r.srv, fakestreams.OpDescribeStream, "")); n < 3 {
		t.Errorf("DescribeStream called %d times, want at least the 3 pages", n)
	}
	if n := r.srv.CallCount(fakestreams.OpListStreams); n < 3 {
		t.Errorf("ListStreams called %d times, want at least the 3 pages", n)
	}
}

func TestLatestFirstStartSkipsThePastAndClosedShards(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	p.Append(puts("p", 3)...)
	p.Close()
	c := st.AddShard("c", "p")
	c.Append(puts("old", 3)...)
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionLatest
	stop := r.start(s, opts)

	poll.Until(t, "a LATEST iterator on the open shard", func() bool {
		its := calls(r.srv, fakestreams.OpGetShardIterator, "c")
		return len(its) > 0 && its[0].Err == ""
	})
	if it := calls(r.srv, fakestreams.OpGetShardIterator, "c")[0]; it.IteratorType != string(types.ShardIteratorTypeLatest) {
		t.Errorf("open shard iterator %s, want LATEST", it.IteratorType)
	}
	newSeqs := c.Append(puts("new", 2)...)
	poll.Until(t, "the new records", func() bool { return s.count() >= 2 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "c", newSeqs)
	s.wantShard(t, "p", nil)
	if n := len(calls(r.srv, fakestreams.OpGetShardIterator, "p")); n != 0 {
		t.Errorf("closed shard p was read (%d iterators); LATEST skips closed shards", n)
	}
}

func TestAtTimestampSkipsRecordsBeforeTheTimestamp(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{MaxRecordsPerCall: 3})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(prefix string, minutes ...int) []fakestreams.Record {
		recs := puts(prefix, len(minutes))
		for i, m := range minutes {
			recs[i].Created = t0.Add(time.Duration(m) * time.Minute)
		}
		return recs
	}
	old := st.AddShard("old", "")
	old.Append(at("old", 0, 1, 2)...)
	old.Close()
	seqs := st.AddShard("open", "").Append(at("open", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)...)
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionAtTimestamp
	opts.StartingTimestamp = t0.Add(5 * time.Minute)
	stop := r.start(s, opts)

	poll.Until(t, "the records from the timestamp on", func() bool { return s.count() >= 5 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "open", seqs[5:])
	s.wantShard(t, "old", nil)
}

func TestChildShardDiscoveredLaterIsReadFromTrimHorizon(t *testing.T) {
	// TriggerMesh's source started every shard it discovered at LATEST, so
	// the records written to a child before its first iterator were lost at
	// each shard rollover.
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	a := st.AddShard("a", "")
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionLatest
	stop := r.start(s, opts)

	poll.Until(t, "a LATEST iterator on shard a", func() bool { return len(calls(r.srv, fakestreams.OpGetRecords, "a")) > 0 })
	aSeqs := a.Append(puts("a", 1)...)
	// The child's records are written before the parent closes, so they all
	// exist before the reader may take the child's first iterator.
	b := st.AddShard("b", "a")
	bSeqs := b.Append(puts("b", 3)...)
	a.Close()
	poll.Until(t, "the parent's and the child's records", func() bool { return s.count() >= 4 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "a", aSeqs)
	s.wantShard(t, "b", bSeqs)
	if its := calls(r.srv, fakestreams.OpGetShardIterator, "b"); len(its) == 0 || its[0].IteratorType != string(types.ShardIteratorTypeTrimHorizon) {
		t.Errorf("child iterators %+v, want TRIM_HORIZON first", its)
	}
}

func TestReplacedStreamIsReadWholeAfterTheOldOneIsFinished(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	old := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	a := old.AddShard("a", "")
	s := newSink()
	opts := options()
	opts.StartingPosition = v1alpha1.StartingPositionLatest
	stop := r.start(s, opts)

	poll.Until(t, "reading the first stream", func() bool { return len(calls(r.srv, fakestreams.OpGetRecords, "a")) > 0 })
	aSeqs := a.Append(puts("a", 2)...)
	// Disabling and re-enabling the stream on the table: the old stream is
	// disabled (its shards closed), a new one with a new ARN is listed. Its
	// records predate the reader's LATEST start and must still be read.
	old.Disable()
	repl := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	b := repl.AddShard("b", "")
	bRecs := puts("b", 3)
	for i := range bRecs {
		bRecs[i].Created = time.Now().Add(-time.Hour)
	}
	bSeqs := b.Append(bRecs...)

	poll.Until(t, "both streams' records", func() bool { return s.count() >= 5 })
	time.Sleep(50 * time.Millisecond)
	_ = stop()
	s.wantShard(t, "a", aSeqs)
	s.wantShard(t, "b", bSeqs)
	for i, d := range s.all() {
		if (i < 2) != (d.Stream == old.ARN) {
			t.Errorf("delivery %d from %s: the old stream's records must all come before the new stream's", i, d.Stream)
		}
	}
}

// stream_enabled feeds the status report's NoStream: 1 while a stream is
// read, 0 once the table's only stream is disabled and read to its end.
func TestStreamEnabledFollowsTheTable(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	st.AddShard("a", "")
	stop := r.start(newSink(), options())
	defer func() { _ = stop() }()
	enabled := func(want float64) func() bool {
		return func() bool {
			got := collect(r.m.StreamEnabled)
			return len(got) == 1 && metrics.Value(got[0]) == want
		}
	}
	poll.Until(t, "stream_enabled 1", enabled(1))
	st.Disable()
	poll.Until(t, "stream_enabled 0 after the stream is disabled", enabled(0))
}

func TestStartupErrorsAreTypedAndKeepSecretsOut(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cases := []struct {
		name   string
		script func(*fakestreams.Server)
		client func(*fakestreams.Server) stream.Client
		want   error
		text   string
		// noStream: stream_enabled says 0 (the status report's NoStream);
		// otherwise it stays absent, since nothing is known.
		noStream bool
	}{
		{name: "a table without a stream is ErrNoStream", want: stream.ErrNoStream, text: "update-table", noStream: true,
			script: func(s *fakestreams.Server) { s.AddTable("orders") }},
		{name: "ResourceNotFound on ListStreams is ErrTableNotFound", want: stream.ErrTableNotFound, text: "orders", noStream: true,
			script: func(s *fakestreams.Server) { s.AddStream(fakestreams.StreamSpec{Table: "another"}) }},
		{name: "rejected credentials are ErrAccess", want: stream.ErrAccess, text: "UnrecognizedClientException",
			script: func(s *fakestreams.Server) { s.AddStream(fakestreams.StreamSpec{Table: "orders"}) },
			client: func(s *fakestreams.Server) stream.Client { return s.ClientWithCredentials("AKIDUNKNOWN", secret) }},
		{name: "a missing permission is ErrAccess", want: stream.ErrAccess, text: "AccessDeniedException",
			script: func(s *fakestreams.Server) {
				s.AddStream(fakestreams.StreamSpec{Table: "orders"})
				s.SetFault(func(fakestreams.Call) fakestreams.Fault {
					return fakestreams.Fault{Code: "AccessDeniedException",
						Message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:ListStreams"}
				})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, fakestreams.Options{})
			tc.script(r.srv)
			var client stream.Client = r.srv.Client()
			if tc.client != nil {
				client = tc.client(r.srv)
			}
			opts := options()
			opts.Metrics = r.m
			ready := false
			opts.Ready = func() { ready = true }
			rd := stream.NewReader(client, table, r.store, newSink().factory, opts)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := rd.Run(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.text) {
				t.Errorf("error %q does not say %q", msg, tc.text)
			}
			for _, s := range []string{secret, fakestreams.DefaultSecretAccessKey} {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains a secret", msg)
				}
			}
			if ready {
				t.Error("Ready was called although the table cannot be read")
			}
			got := collect(r.m.StreamEnabled)
			switch {
			case tc.noStream && (len(got) != 1 || metrics.Value(got[0]) != 0):
				t.Errorf("stream_enabled: %d series, want one at 0", len(got))
			case !tc.noStream && len(got) != 0:
				t.Errorf("stream_enabled has a series although nothing is known of the stream")
			}
			if n := r.srv.CallCount(fakestreams.OpListStreams); n != 1 {
				t.Errorf("ListStreams called %d times, want 1: these errors are not retried", n)
			}
		})
	}
}

// collect returns the series of c.
func collect(c prometheus.Collector) []prometheus.Metric {
	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)
	var out []prometheus.Metric
	for m := range ch {
		out = append(out, m)
	}
	return out
}

func TestReaderCallsOnlyTheFourStreamsActions(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakestreams.Options{PageSize: 1, MaxRecordsPerCall: 1})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	p := st.AddShard("p", "")
	p.Append(puts("p", 2)...)
	p.Close()
	st.AddShard("c", "p").Append(puts("c", 2)...)
	s := newSink()
	stop := r.start(s, options())
	poll.Until(t, "every record", func() bool { return s.count() == 4 })
	st.Disable()
	r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"}).AddShard("n", "").Append(puts("n", 1)...)
	poll.Until(t, "the replacement stream's record", func() bool { return s.count() == 5 })
	_ = stop()

	got := r.srv.Calls()
	want := []string{fakestreams.OpDescribeStream, fakestreams.OpGetRecords, fakestreams.OpGetShardIterator, fakestreams.OpListStreams}
	var ops []string
	for op := range got {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	if !slices.Equal(ops, want) {
		t.Errorf("operations called %v, want exactly %v", ops, want)
	}
	// The calls the reader counts are the calls the server saw, give or take
	// the one call of an operation cut short by the stop (the reader counts
	// a call before making it; here one shard and discovery run at the end).
	for _, op := range want {
		if m := counter(r.m, op); m < float64(got[op]) || m > float64(got[op]+1) {
			t.Errorf("AWSCalls{%s} = %v, server saw %d", op, m, got[op])
		}
	}
}

func TestIdlePollingStaysWithinOneCallPerIdleIntervalPerShard(t *testing.T) {
	t.Parallel()
	const idle = 20 * time.Millisecond
	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	st.AddShard("s1", "")
	st.AddShard("s2", "")
	opts := options()
	opts.IdleInterval = idle
	stop := r.start(newSink(), opts)
	poll.Until(t, "both shards polled", func() bool {
		return len(calls(r.srv, fakestreams.OpGetRecords, "s1")) > 0 && len(calls(r.srv, fakestreams.OpGetRecords, "s2")) > 0
	})

	from, begin := len(r.srv.Log()), time.Now()
	time.Sleep(1500 * time.Millisecond)
	log, elapsed := r.srv.Log(), time.Since(begin)
	_ = stop()
	bound := int(elapsed/idle) + 1
	for _, id := range []string{"s1", "s2"} {
		n := 0
		for _, c := range log[from:] {
			if c.Op == fakestreams.OpGetRecords && c.Shard == id {
				n++
			}
		}
		if n > bound {
			t.Errorf("shard %s: %d GetRecords in %v, want at most %d (one per IdleInterval %v)", id, n, elapsed, bound, idle)
		}
		if n < 5 {
			t.Errorf("shard %s: %d GetRecords in %v: the idle shard is not polled", id, n, elapsed)
		}
	}
}

func counter(m *metrics.Metrics, op string) float64 {
	return metrics.Value(m.AWSCalls.WithLabelValues(op))
}
