package checkpoint

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// The envtest control plane starts only when a test below asks for it.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const streamARN = "arn:aws:dynamodb:us-west-2:123456789012:table/t/stream/2024-05-01T00:00:00.000"

// kube returns a typed client and a fresh namespace.
func kube(t *testing.T) (kubernetes.Interface, string) {
	t.Helper()
	env := kubetest.Get(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "ckpt-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cs, ns.Name
}

// newStore returns a store of the source named sample in ns that goes
// through NewConfigMaps, the lean client the adapter uses, so that it is the
// client tested here against a real API server. The typed clientset of kube
// only sets up and checks.
func newStore(t *testing.T, ns string) *Kubernetes {
	t.Helper()
	cms, err := NewConfigMaps(kubetest.Get(t).Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	return NewKubernetes(cms, ns, "sample")
}

func state(seq string) State {
	return State{Streams: map[string]*Stream{streamARN: {
		Shards: map[string]Shard{"shardId-1": {Sequence: seq}, "shardId-0": {Finished: true}},
	}}}
}

func seqOf(t *testing.T, s State) string {
	t.Helper()
	st, ok := s.Streams[streamARN]
	if !ok {
		t.Fatalf("state has no stream %s: %+v", streamARN, s)
	}
	return st.Shards["shardId-1"].Sequence
}

func TestKubernetesStore(t *testing.T) {
	ctx := context.Background()

	t.Run("a missing ConfigMap loads as empty and is not created by Load", func(t *testing.T) {
		cs, ns := kube(t)
		st := newStore(t, ns)
		s, err := st.Load(ctx)
		if err != nil || len(s.Streams) != 0 {
			t.Fatalf("Load() = %+v, %v; want empty", s, err)
		}
		if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "sample-dynamodb-checkpoints", metav1.GetOptions{}); err == nil {
			t.Error("Load created the ConfigMap")
		}
	})

	t.Run("the first Save creates a labelled ConfigMap holding the JSON state", func(t *testing.T) {
		cs, ns := kube(t)
		st := newStore(t, ns)
		if _, err := st.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, state("100")); err != nil {
			t.Fatalf("Save() = %v", err)
		}
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "sample-dynamodb-checkpoints", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cm.Data[ConfigMapKey], `"seq":"100"`) {
			t.Errorf("data = %q, want the JSON state", cm.Data[ConfigMapKey])
		}
		for k, v := range ConfigMapLabels("sample") {
			if cm.Labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, cm.Labels[k], v)
			}
		}
	})

	t.Run("progress survives the adapter: a new store loads what the last one saved", func(t *testing.T) {
		_, ns := kube(t)
		first := newStore(t, ns)
		for _, seq := range []string{"100", "200", "300"} {
			if err := first.Save(ctx, state(seq)); err != nil {
				t.Fatalf("Save(%s) = %v", seq, err)
			}
		}
		_ = first.Close()
		s, err := newStore(t, ns).Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := seqOf(t, s); got != "300" {
			t.Errorf("loaded sequence %q, want 300", got)
		}
		if !s.Streams[streamARN].Shards["shardId-0"].Finished {
			t.Error("finished shard lost")
		}
	})

	t.Run("a second writer is a conflict and its progress is not overwritten", func(t *testing.T) {
		_, ns := kube(t)
		a := newStore(t, ns)
		b := newStore(t, ns)
		if err := a.Save(ctx, state("100")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Save(ctx, state("500")); err != nil {
			t.Fatal(err)
		}
		err := a.Save(ctx, state("200"))
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Save() over another writer = %v, want ErrConflict", err)
		}
		s, _ := newStore(t, ns).Load(ctx)
		if got := seqOf(t, s); got != "500" {
			t.Errorf("sequence %q after the conflict, want the other writer's 500", got)
		}
	})

	t.Run("two writers creating at once: the later is a conflict", func(t *testing.T) {
		_, ns := kube(t)
		a := newStore(t, ns)
		b := newStore(t, ns)
		for _, st := range []*Kubernetes{a, b} {
			if _, err := st.Load(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Save(ctx, state("100")); err != nil {
			t.Fatal(err)
		}
		if err := b.Save(ctx, state("7")); !errors.Is(err, ErrConflict) {
			t.Fatalf("Save() = %v, want ErrConflict", err)
		}
	})

	t.Run("metadata changed by the controller is no conflict and is kept", func(t *testing.T) {
		cs, ns := kube(t)
		st := newStore(t, ns)
		if err := st.Save(ctx, state("100")); err != nil {
			t.Fatal(err)
		}
		cms := cs.CoreV1().ConfigMaps(ns)
		cm, err := cms.Get(ctx, "sample-dynamodb-checkpoints", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Labels["extra"] = "yes"
		if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, state("200")); err != nil {
			t.Fatalf("Save() after a label change = %v", err)
		}
		cm, _ = cms.Get(ctx, "sample-dynamodb-checkpoints", metav1.GetOptions{})
		if cm.Labels["extra"] != "yes" {
			t.Error("the controller's label was dropped")
		}
		if !strings.Contains(cm.Data[ConfigMapKey], `"seq":"200"`) {
			t.Errorf("data = %q, want sequence 200", cm.Data[ConfigMapKey])
		}
	})

	t.Run("an empty ConfigMap made by the controller is filled, its owner kept", func(t *testing.T) {
		cs, ns := kube(t)
		st := newStore(t, ns)
		if _, err := st.Load(ctx); err != nil { // sees nothing yet
			t.Fatal(err)
		}
		owner := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: "00000000-0000-0000-0000-000000000001"}
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: ConfigMapName("sample"), Labels: ConfigMapLabels("sample"), OwnerReferences: []metav1.OwnerReference{owner},
		}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, state("100")); err != nil {
			t.Fatalf("Save() = %v", err)
		}
		cm, _ := cs.CoreV1().ConfigMaps(ns).Get(ctx, ConfigMapName("sample"), metav1.GetOptions{})
		if len(cm.OwnerReferences) != 1 || cm.Data[ConfigMapKey] == "" {
			t.Errorf("ConfigMap = %+v, want the owner kept and the data written", cm)
		}
	})

	t.Run("a ConfigMap deleted while running is written anew", func(t *testing.T) {
		cs, ns := kube(t)
		st := newStore(t, ns)
		if err := st.Save(ctx, state("100")); err != nil {
			t.Fatal(err)
		}
		if err := cs.CoreV1().ConfigMaps(ns).Delete(ctx, ConfigMapName("sample"), metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, state("200")); err != nil {
			t.Fatalf("Save() after deletion = %v", err)
		}
		s, _ := newStore(t, ns).Load(ctx)
		if got := seqOf(t, s); got != "200" {
			t.Errorf("sequence %q, want 200", got)
		}
	})

	t.Run("corrupt data is an error naming the ConfigMap, not an empty state", func(t *testing.T) {
		cs, ns := kube(t)
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName("sample")},
			Data:       map[string]string{ConfigMapKey: "{not json"},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = newStore(t, ns).Load(ctx)
		if err == nil || !strings.Contains(err.Error(), ns+"/sample-dynamodb-checkpoints") {
			t.Errorf("Load() = %v, want an error naming the ConfigMap", err)
		}
	})

	t.Run("a closed store refuses work and closes twice", func(t *testing.T) {
		_, ns := kube(t)
		st := newStore(t, ns)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("second Close() = %v", err)
		}
		if _, err := st.Load(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Load() after Close = %v, want ErrClosed", err)
		}
		if err := st.Save(ctx, state("1")); !errors.Is(err, ErrClosed) {
			t.Errorf("Save() after Close = %v, want ErrClosed", err)
		}
	})
}

// The store tells conflicts by the apierrors of its client: NewConfigMaps
// must return them as the typed client does, and round-trip a ConfigMap.
func TestNewConfigMaps(t *testing.T) {
	ctx := context.Background()
	cs, ns := kube(t)
	cms, err := NewConfigMaps(kubetest.Get(t).Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "absent", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get() of a missing ConfigMap = %v, want NotFound", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: ns, Labels: map[string]string{"a": "b"}},
		Data:       map[string]string{"k": "v"},
	}
	created, err := cms.Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("Create() = %v", err)
	}
	if created.Name != "cm" || created.ResourceVersion == "" || created.Data["k"] != "v" || created.Labels["a"] != "b" {
		t.Errorf("Create() = %+v, want the ConfigMap as stored", created)
	}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("Create() again = %v, want AlreadyExists", err)
	}
	got, err := cms.Get(ctx, "cm", metav1.GetOptions{})
	if err != nil || got.ResourceVersion != created.ResourceVersion || got.Data["k"] != "v" {
		t.Fatalf("Get() = %+v, %v; want what Create returned", got, err)
	}
	got.Data["k"] = "w"
	updated, err := cms.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || updated.Data["k"] != "w" || updated.ResourceVersion == got.ResourceVersion {
		t.Fatalf("Update() = %+v, %v", updated, err)
	}
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("Update() from a stale resourceVersion = %v, want Conflict", err)
	}
	if _, err := cms.Update(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: ns, ResourceVersion: "1"}}, metav1.UpdateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Update() of a missing ConfigMap = %v, want NotFound", err)
	}
	typed, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "cm", metav1.GetOptions{})
	if err != nil || typed.Data["k"] != "w" {
		t.Errorf("the typed client reads %+v, %v; want the update", typed, err)
	}
	// The options reach the API server: a dry run stores nothing.
	dry := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry", Namespace: ns}}
	if _, err := cms.Create(ctx, dry, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("Create(dry run) = %v", err)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get() after a dry-run Create = %v, want NotFound", err)
	}
}

func TestNewConfigMapsRefusesAMissingNamespace(t *testing.T) {
	if _, err := NewConfigMaps(&rest.Config{Host: "https://example.invalid"}, ""); err == nil {
		t.Error("NewConfigMaps() without a namespace = nil error")
	}
}

// The adapter's user agent reaches the API server, on the core group's path.
func TestNewConfigMapsUserAgent(t *testing.T) {
	var agent, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, path = r.UserAgent(), r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
	}))
	defer srv.Close()
	cms, err := NewConfigMaps(&rest.Config{Host: srv.URL, UserAgent: "dynamodb-source-adapter"}, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(context.Background(), "cm", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get() = %v, want NotFound", err)
	}
	if agent != "dynamodb-source-adapter" || path != "/api/v1/namespaces/ns/configmaps/cm" {
		t.Errorf("request with user agent %q to %s; want dynamodb-source-adapter to /api/v1/namespaces/ns/configmaps/cm", agent, path)
	}
}

func TestConfigMapName(t *testing.T) {
	if got := ConfigMapName("sample"); got != "sample-dynamodb-checkpoints" {
		t.Errorf("ConfigMapName() = %q", got)
	}
	if got := ConfigMapName(strings.Repeat("x", 250)); len(got) > 63 {
		t.Errorf("ConfigMapName() of a long name is %d characters, want at most 63", len(got))
	}
}
