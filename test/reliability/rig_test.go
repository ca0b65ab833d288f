package reliability

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/eventdata"
)

// Known secret values: every run is given them, and the security test scans
// every output for them.
const (
	accessKeyID     = "AKIDRELIABILITY"
	secretAccessKey = "rel-secret-5Qm9x!Vt2"
)

// rig is one scenario's world: a table in DynamoDB Local, the endpoint the
// source reads it through, a sink, a checkpoint folder and the ledger of
// what was written.
type rig struct {
	t        *testing.T
	db       *ddblocal.Server
	ddb      *dynamodb.Client
	table    string
	tableARN string
	endpoint string
	stateDir string
	sinks    *sinkSet
	ledger   *ledger

	mu    sync.Mutex
	lifts []time.Time // when each fault episode ended
}

func newRig(t *testing.T, db *ddblocal.Server, table string) *rig {
	t.Helper()
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, table, types.StreamViewTypeNewImage)
	r := &rig{
		t: t, db: db, ddb: db.DynamoDB(), table: table, tableARN: tableARN, endpoint: db.Endpoint,
		stateDir: t.TempDir(), sinks: newSinkSet(t), ledger: &ledger{written: map[change]bool{}},
	}
	t.Cleanup(func() {
		// Free DynamoDB Local's memory for the scenarios that follow.
		_, _ = r.ddb.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	return r
}

// args is the source's command line: TRIM_HORIZON, so that every change
// written is in reach; file checkpoints in the rig's folder.
func (r *rig) args(metricsPort int, extra ...string) []string {
	args := []string{"create", "source", "awsdynamodb", "--arn", r.tableARN,
		"--auth.credentials.accessKeyID", accessKeyID, "--auth.credentials.secretAccessKey", secretAccessKey,
		"--endpoint.url", r.endpoint, "--sink.uri", r.sinks.URL(),
		"--startingPosition", "TRIM_HORIZON", "--checkpoint.dir", r.stateDir}
	if metricsPort > 0 {
		args = append(args, "--metrics-port", strconv.Itoa(metricsPort))
	}
	return append(args, extra...)
}

// start runs the source with a metrics port.
func (r *rig) start(extra ...string) *proc {
	port := binproc.FreePort(r.t)
	return startProc(r.t, binproc.CleanEnv(), port, r.args(port, extra...)...)
}

// lifted records the end of a fault episode, for the time to recover.
func (r *rig) lifted() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lifts = append(r.lifts, time.Now())
}

// change is one written change: item pk at version v.
type change struct {
	pk string
	v  int
}

// ledger is what was written.
type ledger struct {
	mu        sync.Mutex
	written   map[change]bool
	lastWrite time.Time
}

func (l *ledger) add(c change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.written[c] = true
	l.lastWrite = time.Now()
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.written)
}

// write writes changes from..from+n-1 over items items: change i puts item
// pk-(i mod items) with version i, so each item's versions increase. Items
// are split among writers, each writing its items in order. rate > 0 paces
// the writes (changes per second). It returns once every write succeeded.
func (r *rig) write(ctx context.Context, from, n, items int, rate float64) error {
	const writers = 4
	start := time.Now()
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := from; i < from+n; i++ {
				if (i%items)%writers != w {
					continue
				}
				if rate > 0 {
					due := start.Add(time.Duration(float64(i-from) / rate * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							errs <- ctx.Err()
							return
						}
					}
				}
				c := change{pk: fmt.Sprintf("pk-%d", i%items), v: i}
				if err := r.put(ctx, c); err != nil {
					errs <- err
					return
				}
				r.ledger.add(c)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// writeAsync is write in the background; the channel yields its error.
func (r *rig) writeAsync(ctx context.Context, from, n, items int, rate float64) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.write(ctx, from, n, items, rate) }()
	return done
}

func (r *rig) put(ctx context.Context, c change) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = ddblocal.PutItem(ctx, r.ddb, r.table, ddblocal.VersionItem(c.pk, c.v))
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("putting %s v%d: %w", c.pk, c.v, err)
}

// waitAll waits until every written change reached the sink (or was
// refused by it for good) and reports whether it did within timeout.
func (r *rig) waitAll(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		want := r.ledger.count()
		// The per-sink sum is cheap but counts an event resent across a
		// sink restart twice; the exact count confirms it.
		if r.sinks.distinct()+r.sinks.rejectedDistinct() >= want && r.sinks.exactDistinct()+r.sinks.rejectedDistinct() >= want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sinkSet is the sink of a scenario across restarts on one address.
type sinkSet struct {
	t        testing.TB
	mu       sync.Mutex
	cur      *cesink.Sink
	old      []*cesink.Sink
	addr     string
	behavior cesink.Behavior
	// rejected counts, per event ID, the answers the sender must not retry.
	rejected map[string]int
	// rejectedChanges are the changes of the rejected events.
	rejectedChanges map[change]bool
}

func newSinkSet(t testing.TB) *sinkSet {
	s := &sinkSet{t: t, cur: cesink.Start(t), rejected: map[string]int{}, rejectedChanges: map[change]bool{}}
	s.addr = s.cur.URL[len("http://"):]
	return s
}

func (s *sinkSet) URL() string { return "http://" + s.addr }

// setBehavior sets how the sink answers, now and after restarts.
func (s *sinkSet) setBehavior(b cesink.Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behavior = b
	if s.cur != nil {
		s.cur.SetBehavior(b)
	}
}

// reject notes that the sink refused e with a status that is not retried.
func (s *sinkSet) reject(e *cloudevents.Event) {
	c, err := changeOf(*e)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[e.ID()]++
	if err == nil {
		s.rejectedChanges[c] = true
	}
}

func (s *sinkSet) rejectedDistinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rejected)
}

// down stops the sink: its address refuses connections.
func (s *sinkSet) down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.Close()
	s.old = append(s.old, s.cur)
	s.cur = nil
}

// up starts the sink again on the same address.
func (s *sinkSet) up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ln net.Listener
	var err error
	for range 50 { // the port was ours a moment ago; TIME_WAIT does not block a listener
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("restarting the sink on %s: %v", s.addr, err)
	}
	s.cur = cesink.StartOn(s.t, ln)
	s.cur.SetBehavior(s.behavior)
}

// events returns every accepted event, in arrival order, across restarts.
func (s *sinkSet) events() ([]cloudevents.Event, []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var evs []cloudevents.Event
	var at []time.Time
	for _, k := range append(append([]*cesink.Sink(nil), s.old...), s.cur) {
		if k == nil {
			continue
		}
		evs = append(evs, k.Events()...)
		at = append(at, k.Arrivals()...)
	}
	return evs, at
}

func (s *sinkSet) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range append(append([]*cesink.Sink(nil), s.old...), s.cur) {
		if k != nil {
			n += k.Distinct() // an ID lands on one sink only unless resent across a restart: rare, and waitAll only needs a floor
		}
	}
	return n
}

func (s *sinkSet) exactDistinct() int {
	evs, _ := s.events()
	seen := make(map[string]bool, len(evs))
	for _, e := range evs {
		seen[e.ID()] = true
	}
	return len(seen)
}

func (s *sinkSet) requests() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, k := range append(append([]*cesink.Sink(nil), s.old...), s.cur) {
		if k != nil {
			n += k.Requests()
		}
	}
	return n
}

// changeOf returns the change an event carries.
func changeOf(e cloudevents.Event) (change, error) {
	r, err := eventdata.Decode(e)
	if err != nil {
		return change{}, err
	}
	pk := r.PK()
	v, ok := r.Version()
	if pk == "" || !ok {
		return change{}, fmt.Errorf("event %s carries no pk and version: %s", e.ID(), e.Data())
	}
	return change{pk: pk, v: v}, nil
}
