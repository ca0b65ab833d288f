package snapshot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/source"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/snapcheck"
)

// recorder is a sink that keeps events in arrival order.
type recorder struct {
	mu     sync.Mutex
	events []cloudevents.Event
}

func (r *recorder) Send(_ context.Context, e cloudevents.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e.Clone())
	return nil
}

func (r *recorder) all() []cloudevents.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]cloudevents.Event(nil), r.events...)
}

type rig struct {
	srv   *ddblocal.Server
	arn   string
	name  string
	tb    *snapcheck.Table
	ddb   *dynamodb.Client
	sink  *recorder
	store checkpoint.Store

	v       *snapcheck.View // the consumer's view, of the first applied events
	applied int
}

func newRig(t *testing.T, n int) *rig {
	ctx := context.Background()
	srv := ddblocal.Start(t)
	name := "snap" + strconv.Itoa(rand.IntN(1e6))
	arn, _ := srv.CreateTable(ctx, t, name, types.StreamViewTypeNewAndOldImages)
	r := &rig{srv: srv, arn: arn, name: name, tb: snapcheck.NewTable(), ddb: srv.DynamoDB(), sink: &recorder{}}
	if err := r.tb.Preload(ctx, r.ddb, name, n); err != nil {
		t.Fatal(err)
	}
	st, err := checkpoint.OpenFile(t.TempDir() + "/cp.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.store = st
	return r
}

// run starts a source; the returned func stops it and waits.
func (r *rig) run(t *testing.T, mode string, segments int32) (stop func()) {
	spec := v1alpha1.AWSDynamoDBSourceSpec{ARN: r.arn, Snapshot: &v1alpha1.SnapshotSpec{Mode: mode, Segments: &segments}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- source.Run(ctx, source.Config{Spec: spec, Sender: r.sink, Store: r.store,
			StreamsClient: r.srv.Streams(), ScanClient: r.ddb, SnapshotPageLimit: 50,
			Logger: slog.New(slog.NewTextHandler(logOut(t), nil))})
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("source: %v", err)
		}
	}
}

// view applies what the sink got.
// The view is kept and fed only the events that arrived since the last
// call: decoding every event again each time would take the CPU the source
// needs (2 cores, 20,000 events).
func (r *rig) view(t *testing.T) *snapcheck.View {
	if r.v == nil {
		r.v = snapcheck.NewView()
	}
	all := r.sink.all()
	for _, e := range all[r.applied:] {
		if err := r.v.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	r.applied = len(all)
	return r.v
}

// waitView waits (bounded) until the consumer's view equals the table.
func (r *rig) waitView(t *testing.T, within time.Duration) *snapcheck.View {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v := r.view(t)
		diff := v.Diff(r.tb.Want())
		if diff == "" {
			return v
		}
		if time.Now().After(deadline) {
			for _, e := range r.sink.all() {
				if s, _ := e.Extensions()["partitionkey"].(string); len(diff) > 12 && len(s) > 0 && contains(diff, s) {
					t.Logf("event %s %v %s", e.ID(), e.Extensions()["dynamodboperation"], e.Data())
				}
			}
			t.Fatalf("after %s the consumer's view differs from the table:\n%s", within, diff)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// writeDuring runs writers for d.
func (r *rig) writeDuring(t *testing.T, d time.Duration, writers int) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() { errs <- r.tb.Write(ctx, r.ddb, r.name, len(r.tb.Want())+100, uint64(w+1)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSnapshotThenStreamIsTheTableWithNoLateImage(t *testing.T) {
	for _, segments := range []int32{1, 4} {
		t.Run(fmt.Sprintf("segments=%d", segments), func(t *testing.T) {
			n := items(t)
			r := newRig(t, n)
			stop := r.run(t, v1alpha1.SnapshotModeInitial, segments)
			defer stop()
			r.writeDuring(t, 4*time.Second, 3)
			v := r.waitView(t, 2*time.Minute)
			if v.Late != 0 {
				t.Errorf("%d SNAPSHOT events arrived after a newer change of their item", v.Late)
			}
			snaps := 0
			for _, c := range v.Snapshots {
				snaps += c
			}
			if snaps == 0 {
				t.Fatal("no SNAPSHOT event arrived")
			}
			t.Logf("items %d, events %d, SNAPSHOT events %d, step-backs %d", n, v.Events, snaps, v.StepBacks)
			if v.StepBacks != 0 {
				t.Errorf("%d events took an item back to an older state", v.StepBacks)
			}
		})
	}
}

func TestASourceWithACheckpointTakesNoSnapshot(t *testing.T) {
	r := newRig(t, 200)
	stop := r.run(t, v1alpha1.SnapshotModeNone, 1)
	ctx := context.Background()
	// The first source has read the stream once a change of it arrives.
	deadline := time.Now().Add(time.Minute)
	for len(r.sink.all()) == 0 {
		if err := r.tb.Put(ctx, r.ddb, r.name, "probe"); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no change arrived")
		}
		time.Sleep(300 * time.Millisecond)
	}
	stop()
	before := len(r.sink.all())
	stop = r.run(t, v1alpha1.SnapshotModeInitial, 1)
	defer stop()
	if err := r.tb.Put(ctx, r.ddb, r.name, "after"); err != nil {
		t.Fatal(err)
	}
	for {
		v := r.view(t)
		if _, ok := v.Items["after"]; ok {
			if len(v.Snapshots) != 0 {
				t.Fatalf("a source with a checkpoint sent %d SNAPSHOT events", len(v.Snapshots))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the change after the restart did not arrive (%d events before)", before)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestARestartedSnapshotContinuesWhereItWas(t *testing.T) {
	n := items(t)
	r := newRig(t, n)
	stop := r.run(t, v1alpha1.SnapshotModeInitial, 2)
	deadline := time.Now().Add(time.Minute)
	for len(r.view(t).Snapshots) < n/4 {
		if time.Now().After(deadline) {
			t.Fatal("the snapshot did not get a quarter of the way")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	first := maps.Clone(r.view(t).Snapshots)
	if len(first) == n {
		t.Skip("the snapshot finished before the stop")
	}
	stop = r.run(t, v1alpha1.SnapshotModeInitial, 2)
	defer stop()
	r.writeDuring(t, 2*time.Second, 2)
	v := r.waitView(t, 2*time.Minute)
	again := 0
	for k := range first {
		if v.Snapshots[k] > 1 {
			again++
		}
	}
	// At most what was in flight at the stop: the pages held and being
	// delivered, 4 per segment of 50 items, and those of the processor.
	if limit := 2 * 5 * 50; again > limit {
		t.Errorf("%d of the %d items sent before the stop were sent again (the scan started over?); want at most %d", again, len(first), limit)
	}
	if v.Late != 0 {
		t.Errorf("%d SNAPSHOT events arrived after a newer change of their item", v.Late)
	}
	t.Logf("sent before the stop %d, sent again %d, step-backs %d", len(first), again, v.StepBacks)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func logOut(t *testing.T) io.Writer {
	if p := os.Getenv("SNAPSHOT_TEST_LOG"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	return io.Discard
}

// items is the table's size: 2,000 in make test, 20,000 with RELIABILITY_FULL=1.
func items(*testing.T) int {
	if os.Getenv("RELIABILITY_FULL") == "1" {
		return 20000
	}
	return 2000
}
