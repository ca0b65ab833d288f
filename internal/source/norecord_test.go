package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
)

// A GetRecords answer with a record that has no "dynamodb" member, or
// "dynamodb": null, used to panic the shard reader (and the restarted pod
// read the same page again). Such a record is one that cannot become an
// event: counted as invalid and skipped, its neighbours delivered, the
// checkpoint moved past them. The answers come from the scripted wire
// server through a proxy that takes the stream record out of two records.
func TestARecordWithoutStreamRecordIsSkippedNotAPanic(t *testing.T) {
	rig := newRewriteRig(t, []string{"e-1", "e-absent", "e-4", "e-null"},
		withoutStreamRecordRewrite(map[string]bool{"e-absent": true, "e-null": false}))
	reg := prometheus.NewRegistry()
	delivered, _ := rig.run(t, 2, false, reg)

	slices.Sort(delivered) // one lane per key: in no particular order
	if fmt.Sprint(delivered) != "[e-1 e-4]" {
		t.Errorf("delivered %v, want [e-1 e-4]", delivered)
	}
	if got := droppedInvalid(t, reg); got != 2 {
		t.Errorf("events_dropped_total{reason=invalid} = %v, want 2", got)
	}
	if got := rig.checkpoint(t); got != rig.seqs[2] {
		t.Errorf("checkpoint at %q, want %q (e-4's): past the skipped record, not moved by the one without sequence number", got, rig.seqs[2])
	}
}

// rewriteRig is a source reading one shard of the scripted wire server,
// whose records (one Put per event id) pass a proxy that rewrites them.
type rewriteRig struct {
	proxy  *httptest.Server
	table  string
	stream string
	shard  string
	seqs   []string
	store  checkpoint.Store
}

func newRewriteRig(t *testing.T, ids []string, rewrite func(rec map[string]any)) *rewriteRig {
	t.Helper()
	rig := &rewriteRig{table: "orders", store: checkpoint.NewMemory()}
	srv := fakestreams.New(t, fakestreams.Options{})
	st := srv.AddStream(fakestreams.StreamSpec{Table: rig.table})
	sh := st.AddShard("shardId-1", "")
	var recs []fakestreams.Record
	for _, id := range ids {
		r := fakestreams.Put(id)
		r.EventID = id
		recs = append(recs, r)
	}
	rig.seqs = sh.Append(recs...)
	rig.stream, rig.shard = st.ARN, sh.ID
	rig.proxy = httptest.NewServer(rewritingRecords(t, srv.URL, rewrite))
	t.Cleanup(rig.proxy.Close)
	return rig
}

// run runs the source until want events reached the sink or the
// dead-letter sink (given with deadLetter), stops it, and returns the ids the sink
// got and the events the dead-letter sink got.
func (rig *rewriteRig) run(t *testing.T, want int, deadLetter bool, reg *prometheus.Registry) ([]string, []cloudevents.Event) {
	t.Helper()
	client := dynamodbstreams.NewFromConfig(aws.Config{
		Region:      fakestreams.DefaultRegion,
		Credentials: awscreds.NewStaticCredentialsProvider(fakestreams.DefaultAccessKeyID, fakestreams.DefaultSecretAccessKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(rig.proxy.URL) })
	var (
		mu        sync.Mutex
		delivered []string
		dead      []cloudevents.Event
	)
	got := make(chan struct{}, want+4)
	cfg := Config{
		Spec: v1alpha1.AWSDynamoDBSourceSpec{
			ARN:              fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", fakestreams.DefaultRegion, fakestreams.DefaultAccount, rig.table),
			StartingPosition: "TRIM_HORIZON",
		},
		Sender: senderFunc(func(_ context.Context, e cloudevents.Event) error {
			mu.Lock()
			delivered = append(delivered, e.ID())
			mu.Unlock()
			got <- struct{}{}
			return nil
		}),
		Store: rig.store, StreamsClient: client, Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if deadLetter {
		cfg.DeadLetter = senderFunc(func(_ context.Context, e cloudevents.Event) error {
			mu.Lock()
			dead = append(dead, e.Clone())
			mu.Unlock()
			got <- struct{}{}
			return nil
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	for range want {
		select {
		case <-got:
		case err := <-done:
			t.Fatalf("the source stopped before delivering: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("the records were not delivered within 20s")
		}
	}
	// The checkpoint is saved on shutdown at the latest.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(delivered), slices.Clone(dead)
}

// checkpoint is the shard's saved sequence number.
func (rig *rewriteRig) checkpoint(t *testing.T) string {
	t.Helper()
	state, err := rig.store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return state.Streams[rig.stream].Shards[rig.shard].Sequence
}

// withoutStreamRecordRewrite takes the "dynamodb" member out of the
// records named in drop: removed (true) or made null (false).
func withoutStreamRecordRewrite(drop map[string]bool) func(rec map[string]any) {
	return func(rec map[string]any) {
		remove, ok := drop[rec["eventID"].(string)]
		switch {
		case ok && remove:
			delete(rec, "dynamodb")
		case ok:
			rec["dynamodb"] = nil
		}
	}
}

// rewritingRecords is a proxy to target that hands every record of its
// GetRecords answers to rewrite before passing the answer on.
func rewritingRecords(t *testing.T, target string, rewrite func(rec map[string]any)) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Header.Get("X-Amz-Target") != "DynamoDBStreams_20120810.GetRecords" || resp.StatusCode != http.StatusOK {
			return nil
		}
		var out map[string]any
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return err
		}
		resp.Body.Close()
		recs, _ := out["Records"].([]any)
		for _, r := range recs {
			rewrite(r.(map[string]any))
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		resp.Header.Del("X-Amz-Crc32")
		return nil
	}
	return p
}

func droppedInvalid(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "dynamodb_source_events_dropped_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == "invalid" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatal("no dynamodb_source_events_dropped_total{reason=invalid}")
	return 0
}

// A record the decoder cannot turn into an event (here an attribute type no
// decoder knows) goes to the dead-letter sink with the stream record as AWS
// sent it as its data, the attributes that could be read (id, subject) and
// dynamodbfailure=unconvertible, in its item's order; the rest of the page
// goes to the sink and the checkpoint moves past all of it.
func TestAnUnconvertibleRecordIsDeadLetteredRaw(t *testing.T) {
	rig := newRewriteRig(t, []string{"e-1", "e-odd", "e-3"}, func(rec map[string]any) {
		if rec["eventID"] == "e-odd" {
			img := rec["dynamodb"].(map[string]any)["NewImage"].(map[string]any)
			img["future"] = map[string]any{"VECTOR": []any{"1", "2"}}
		}
	})
	delivered, dead := rig.run(t, 3, true, prometheus.NewRegistry())

	slices.Sort(delivered)
	if fmt.Sprint(delivered) != "[e-1 e-3]" {
		t.Errorf("delivered %v, want [e-1 e-3]", delivered)
	}
	if len(dead) != 1 {
		t.Fatalf("dead-lettered %d events, want 1", len(dead))
	}
	d := dead[0]
	if d.ID() != "e-odd" || d.Subject() != "pk=e-odd" || d.Type() != "com.amazon.dynamodb.stream_record" {
		t.Errorf("dead letter id %q subject %q type %q, want e-odd, pk=e-odd and the stream record type", d.ID(), d.Subject(), d.Type())
	}
	if f := d.Extensions()["dynamodbfailure"]; f != "unconvertible" {
		t.Errorf("dynamodbfailure = %v, want unconvertible", f)
	}
	var raw map[string]any
	if err := json.Unmarshal(d.Data(), &raw); err != nil {
		t.Fatalf("the dead letter's data is not the record's JSON: %v: %s", err, d.Data())
	}
	if raw["eventID"] != "e-odd" || !bytes.Contains(d.Data(), []byte(`"VECTOR"`)) {
		t.Errorf("the dead letter's data is not the record as AWS sent it: %s", d.Data())
	}
	if got := rig.checkpoint(t); got != rig.seqs[2] {
		t.Errorf("checkpoint at %q, want %q: past every record of the page", got, rig.seqs[2])
	}
}
