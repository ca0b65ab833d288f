package controller

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// statusRig is a source whose adapter, the real binary with the
// Deployment's environment, reads a fakestreams table of n shards and
// delivers to a cesink.
type statusRig struct {
	h      *harness
	fake   *fakestreams.Server
	shards []*fakestreams.Shard
	sink   *cesink.Sink
	env    map[string]string
	kube   string
	binary string
}

// newStatusRig makes the rig; shards < 0 makes a table without a stream.
func newStatusRig(t *testing.T, shards int) *statusRig {
	h := start(t)
	fake := fakestreams.New(t, fakestreams.Options{AccessKeyID: "AKIDEXAMPLE"})
	rig := &statusRig{h: h, fake: fake, sink: cesink.Start(t)}
	if shards < 0 {
		fake.AddTable("orders")
	} else {
		st := fake.AddStream(fakestreams.StreamSpec{Table: "orders"})
		for i := range shards {
			rig.shards = append(rig.shards, st.AddShard(fmt.Sprintf("shard-%03d", i), ""))
		}
	}
	h.create(awscreds(h.ns))
	secret := func(key string) v1alpha1.ValueFromField {
		return v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: key}}
	}
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.ARN = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/orders", fakestreams.DefaultRegion, fakestreams.DefaultAccount)
		s.Spec.Sink.URI = rig.sink.URL
		s.Spec.Endpoint = &v1alpha1.Endpoint{URL: fake.URL}
		s.Spec.StartingPosition = v1alpha1.StartingPositionTrimHorizon
		s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{AccessKeyID: secret("aws_access_key_id"), SecretAccessKey: secret("aws_secret_access_key")}
		// A hundred shards polled every 250 ms would be 400 calls a second
		// on a shared test machine; the report does not depend on it.
		s.Spec.Polling = &v1alpha1.PollingSpec{IdleInterval: &metav1.Duration{Duration: time.Second}}
	}))
	dep := h.waitEnv("orders", "K_SINK", rig.sink.URL)
	env, err := kubetest.AdapterEnv(h.ctx, h.c, dep)
	must(t, err)
	delete(env, "METRICS_PORT") // 8080 may be taken on the test machine
	// What the Deployment sets with several replicas (the downward API's
	// metadata.name); the report is keyed by it.
	env["POD_NAME"] = "awsdynamodbsource-orders-7d4f9-abcde"
	rig.env = env
	rig.kube = adapterKubeconfig(t, h.ns, dep.Spec.Template.Spec.ServiceAccountName)
	rig.binary, err = binproc.Build(t.TempDir())
	must(t, err)
	return rig
}

// put appends n changes to every shard.
func (r *statusRig) put(n int) {
	for _, sh := range r.shards {
		recs := make([]fakestreams.Record, n)
		for i := range recs {
			recs[i] = fakestreams.Put(sh.ID + "-" + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36))
		}
		sh.Append(recs...)
	}
}

// writes records the time of every write of the status ConfigMap (a watch
// sees each new resourceVersion) and of the source's status.
type writes struct {
	mu        sync.Mutex
	configMap []time.Time
	status    []time.Time
}

func (w *writes) add(to *[]time.Time, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*to = append(*to, at)
}

// between returns the writes of the ConfigMap and of the source's status
// made in [from, to).
func (w *writes) between(from, to time.Time) (cm, status []time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := func(ts []time.Time) []time.Time {
		var out []time.Time
		for _, t := range ts {
			if !t.Before(from) && t.Before(to) {
				out = append(out, t)
			}
		}
		return out
	}
	return in(w.configMap), in(w.status)
}

// watchWrites counts, from now on, the writes of the status ConfigMap and
// the source's status, by watching them on the API server.
func (r *statusRig) watchWrites(t *testing.T) *writes {
	wc, err := client.NewWithWatch(r.h.cfg, client.Options{Scheme: Scheme()})
	must(t, err)
	w := &writes{}
	ctx, cancel := context.WithCancel(r.h.ctx)
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	follow := func(list client.ObjectList, name string, to *[]time.Time, statusOnly bool) {
		wi, err := wc.Watch(ctx, list, client.InNamespace(r.h.ns),
			client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.name", name)})
		must(t, err)
		wg.Go(func() {
			defer wi.Stop()
			var lastStatus string
			for ev := range wi.ResultChan() {
				if ev.Type != watch.Modified {
					continue
				}
				if statusOnly {
					// Only the status: the spec is not changed here.
					src := ev.Object.(*v1alpha1.AWSDynamoDBSource)
					s := fmt.Sprintf("%+v", src.Status)
					if s == lastStatus {
						continue
					}
					lastStatus = s
				}
				w.add(to, time.Now())
			}
		})
	}
	follow(&corev1.ConfigMapList{}, streamreport.ConfigMapName("orders"), &w.configMap, false)
	follow(&v1alpha1.AWSDynamoDBSourceList{}, "orders", &w.status, true)
	return w
}

func (r *statusRig) run(t *testing.T) *binproc.Proc {
	return runAdapter(t, r.binary, r.env, r.kube)
}

// writeBudget is what reporting may cost: one write per replica per 10 s
// (the figure, not streamreport.Interval, so that a shorter
// interval fails here).
const writeBudget = 10 * time.Second

// checkBudget fails unless the ConfigMap writes in ts are at least
// writeBudget apart, less a second for scheduling.
func checkBudget(t *testing.T, ts []time.Time) {
	t.Helper()
	for i := 1; i < len(ts); i++ {
		if gap := ts[i].Sub(ts[i-1]); gap < writeBudget-time.Second {
			t.Errorf("status ConfigMap writes %d and %d are %s apart: more than one per %s", i-1, i, gap, writeBudget)
		}
	}
}

// TestStreamHealthyFromTheRealAdapter runs the real adapter against a
// scripted stream: once changes flow the source says StreamHealthy True
// with the counts in status.stream, a sink that answers 503 turns it to
// SinkFailing, and the adapter writes its report at most once per 10 s.
func TestStreamHealthyFromTheRealAdapter(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs the adapter")
	}
	r := newStatusRig(t, 1)
	h := r.h
	// Before an adapter reports, the source says so.
	h.waitCondition("orders", ConditionStreamHealthy, metav1.ConditionUnknown, ReasonNotReported)
	w := r.watchWrites(t)
	r.put(5)
	begin := time.Now()
	adapter := r.run(t)
	if !r.sink.WaitDistinct(5, 60*time.Second) {
		t.Fatalf("%d of 5 changes arrived; adapter output:\n%s", r.sink.Distinct(), adapter.Output())
	}
	delivered := time.Now()
	src := h.waitStreamHealthy("orders", metav1.ConditionTrue, ReasonChangesFlowing, time.Minute)
	if took := time.Since(delivered); took > time.Minute {
		t.Errorf("StreamHealthy True %s after the first delivery, want within a minute", took)
	}
	st := src.Status.Stream
	if st == nil || st.Delivered != 5 || st.OpenShards != 1 || st.Replicas != 1 || st.StreamEnabled == nil || !*st.StreamEnabled ||
		st.LastDeliveredTime == nil || st.SinkFailingSince != nil {
		t.Fatalf("status.stream after 5 changes: %+v", st)
	}
	if st.IteratorAge == nil || st.IteratorAge.Duration > FallingBehindAge {
		t.Errorf("iterator age %v of a source that keeps up", st.IteratorAge)
	}
	// The report is under the pod's name, and says nothing secret.
	cm := &corev1.ConfigMap{}
	must(t, h.c.Get(h.ctx, h.key(streamreport.ConfigMapName("orders")), cm))
	if _, ok := cm.Data[r.env["POD_NAME"]]; !ok || len(cm.Data) != 1 {
		t.Errorf("status ConfigMap keys %v, want only the pod's name", keys(cm.Data))
	}
	for _, v := range cm.Data {
		for _, secret := range []string{"secret/key", "AKIDEXAMPLE"} {
			if strings.Contains(v, secret) {
				t.Errorf("the report carries a credential: %s", v)
			}
		}
	}

	// The sink goes down: held changes are retried, and the status says so.
	r.sink.SetBehavior(func(int64, *cloudevents.Event) cesink.Response { return cesink.Response{Status: 503} })
	r.put(2)
	src = h.waitStreamHealthy("orders", metav1.ConditionFalse, ReasonSinkFailing, time.Minute)
	if src.Status.Stream.SinkFailingSince == nil {
		t.Errorf("SinkFailing without sinkFailingSince: %+v", src.Status.Stream)
	}
	// It comes back.
	r.sink.SetBehavior(nil)
	h.waitStreamHealthy("orders", metav1.ConditionTrue, ReasonChangesFlowing, time.Minute)
	end := time.Now()
	cmWrites, statusWrites := w.between(begin, end)
	checkBudget(t, cmWrites)
	t.Logf("over %s: %d status ConfigMap writes, %d source status writes", end.Sub(begin).Round(time.Second), len(cmWrites), len(statusWrites))

	if code := adapter.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Fatalf("adapter exit code %d after SIGTERM; output:\n%s", code, adapter.Output())
	}
	// Its last report says it stopped.
	h.waitStreamHealthy("orders", metav1.ConditionUnknown, ReasonAdapterStopped, 30*time.Second)
}

// An adapter that stops because the table has no stream says so in its
// last report, and the source shows NoStream while the pod restarts.
func TestStreamHealthyNoStreamFromTheRealAdapter(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs the adapter")
	}
	r := newStatusRig(t, -1)
	adapter := r.run(t)
	if code := adapter.Wait(60 * time.Second); code == 0 {
		t.Fatalf("adapter exited 0 on a table without a stream; output:\n%s", adapter.Output())
	}
	src := r.h.waitStreamHealthy("orders", metav1.ConditionFalse, ReasonNoStream, 30*time.Second)
	if st := src.Status.Stream; st.StreamEnabled == nil || *st.StreamEnabled {
		t.Errorf("status.stream of a table without a stream: %+v", st)
	}
}

// TestStatusWritesPerMinute counts the API writes that reporting costs
// while changes flow on every shard: the adapter writes its ConfigMap at
// most once per 10 s, whatever the shard count. The writes of the source's
// status by the controller, which follow the reports, are logged beside.
// DYNAMODB_SOURCE_MEASURE_STATUS_WRITES=1 measures a whole minute with 1
// and with 100 shards, flowing and then idle (docs/kubernetes.md has the
// numbers); otherwise 100 shards, flowing, for 30 s.
func TestStatusWritesPerMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs the adapter")
	}
	window, counts := 30*time.Second, []int{100}
	measure := os.Getenv("DYNAMODB_SOURCE_MEASURE_STATUS_WRITES") == "1"
	if measure {
		window, counts = time.Minute, []int{1, 100}
	}
	for _, n := range counts {
		t.Run(strconv.Itoa(n)+" shards", func(t *testing.T) {
			r := newStatusRig(t, n)
			w := r.watchWrites(t)
			r.put(1)
			adapter := r.run(t)
			if !r.sink.WaitDistinct(n, 60*time.Second) {
				t.Fatalf("%d of %d changes arrived; adapter output:\n%s", r.sink.Distinct(), n, adapter.Output())
			}
			r.h.waitStreamHealthy("orders", metav1.ConditionTrue, ReasonChangesFlowing, time.Minute)
			// Changes keep flowing on every shard through the window, so
			// that every report differs from the last.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						r.put(1)
					}
				}
			})
			begin := time.Now()
			time.Sleep(window)
			end := time.Now()
			close(stop)
			wg.Wait()
			cmWrites, statusWrites := w.between(begin, end)
			checkBudget(t, cmWrites)
			perMinute := func(k int) float64 { return float64(k) / end.Sub(begin).Minutes() }
			t.Logf("%d shards, changes flowing, over %s: %d status ConfigMap writes (%.1f/min), %d source status writes (%.1f/min); %d changes delivered",
				n, end.Sub(begin).Round(time.Second), len(cmWrites), perMinute(len(cmWrites)), len(statusWrites), perMinute(len(statusWrites)), r.sink.Distinct())
			if max := int(window/writeBudget) + 1; len(cmWrites) > max {
				t.Errorf("%d ConfigMap writes in %s, want at most %d", len(cmWrites), window, max)
			}
			if len(cmWrites) == 0 {
				t.Error("no report written while changes flow")
			}
			if measure {
				// Idle and caught up, an unchanged report is written only
				// as the heartbeat.
				r.h.waitStreamHealthy("orders", metav1.ConditionTrue, ReasonChangesFlowing, time.Minute)
				time.Sleep(2 * streamreport.Interval)
				begin = time.Now()
				time.Sleep(window)
				end = time.Now()
				cmWrites, statusWrites = w.between(begin, end)
				t.Logf("%d shards, idle, over %s: %d status ConfigMap writes (%.1f/min), %d source status writes (%.1f/min)",
					n, end.Sub(begin).Round(time.Second), len(cmWrites), perMinute(len(cmWrites)), len(statusWrites), perMinute(len(statusWrites)))
				if max := int(window/streamreport.Heartbeat) + 1; len(cmWrites) > max {
					t.Errorf("%d ConfigMap writes in %s of an idle source, want at most %d (the heartbeat)", len(cmWrites), window, max)
				}
			}
			adapter.Stop(syscall.SIGTERM, 30*time.Second)
		})
	}
}

// waitStreamHealthy waits up to d for the source's StreamHealthy.
func (h *harness) waitStreamHealthy(name string, status metav1.ConditionStatus, reason string, d time.Duration) *v1alpha1.AWSDynamoDBSource {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for {
		src := &v1alpha1.AWSDynamoDBSource{}
		err := h.c.Get(h.ctx, h.key(name), src)
		if err == nil {
			c := meta.FindStatusCondition(src.Status.Conditions, ConditionStreamHealthy)
			switch {
			case c == nil:
				err = fmt.Errorf("no StreamHealthy condition")
			case c.Status != status || c.Reason != reason:
				err = fmt.Errorf("StreamHealthy is %s/%s: %s (status.stream %+v)", c.Status, c.Reason, c.Message, src.Status.Stream)
			default:
				return src
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("source %s StreamHealthy=%s/%s: not so after %s: %v", name, status, reason, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
