package stream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/poll"
)

// kubeStore returns a checkpoint store of the source named sample in ns, as
// the adapter makes it, on the envtest API server.
func kubeStore(t *testing.T, ns string) *checkpoint.Kubernetes {
	t.Helper()
	cms, err := checkpoint.NewConfigMaps(kubetest.Get(t).Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	return checkpoint.NewKubernetes(cms, ns, "sample")
}

// Two adapters of one source, each with its own store on one ConfigMap:
// when the other writes, the reader's next save conflicts, and the reader
// stops with an error saying so, leaving the other writer's checkpoints as
// they are, instead of overwriting them at its next save.
func TestACheckpointConflictStopsTheReaderWithoutOverwriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(kubetest.Get(t).Config)
	if err != nil {
		t.Fatal(err)
	}
	nsObj, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "conflict-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := nsObj.Name

	r := newRig(t, fakestreams.Options{})
	st := r.srv.AddStream(fakestreams.StreamSpec{Table: "orders"})
	sh := st.AddShard("s", "")
	first := sh.Append(puts("s", 2)...)
	r.store = kubeStore(t, ns)
	s := newSink()
	opts := withLogs(t, options())
	opts.Metrics = metrics.NewUnregistered()
	var rd readiness
	opts.Ready, opts.NotReady = rd.Ready, rd.NotReady
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.reader(s, opts).Run(runCtx) }()

	other := kubeStore(t, ns)
	poll.Until(t, "the first records saved", func() bool {
		got, err := other.Load(ctx)
		return err == nil && got.Streams[st.ARN] != nil && got.Streams[st.ARN].Shards["s"].Sequence == first[1]
	})
	// The second adapter takes over the shard and saves its own progress.
	theirs, err := other.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	theirs.Streams[st.ARN].Shards["s"] = checkpoint.Shard{Sequence: "99999999999999999999"}
	if err := other.Save(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	// The first adapter reads more, and tries to save it.
	sh.Append(puts("s-more", 2)...)

	select {
	case err := <-done:
		if !errors.Is(err, checkpoint.ErrConflict) || !strings.Contains(err.Error(), "only one adapter") {
			t.Fatalf("Run() = %v; want ErrConflict saying to run only one adapter", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run() still runs 10s after its checkpoints were changed by another writer")
	}
	after, err := kubeStore(t, ns).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Streams[st.ARN].Shards["s"].Sequence; got != "99999999999999999999" {
		t.Errorf("the other writer's checkpoint was overwritten: shard s at %q", got)
	}
	if ready, reasons := rd.state(); ready || len(reasons) == 0 || !strings.Contains(reasons[len(reasons)-1], "stopped") {
		t.Errorf("readiness after the conflict: ready %v, reasons %q; want not ready, stopped", ready, reasons)
	}
}
