package coordination

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// The envtest control plane starts only when a test below asks for it.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

// counting counts the writes of one member, and once dead, fails every
// request as a killed process would not make them: no renewal, no delete.
type counting struct {
	Leases
	writes atomic.Int64
	dead   atomic.Bool
}

var errDead = errors.New("the process was killed")

func (c *counting) Create(ctx context.Context, l *coordinationv1.Lease, o metav1.CreateOptions) (*coordinationv1.Lease, error) {
	if c.dead.Load() {
		return nil, errDead
	}
	c.writes.Add(1)
	return c.Leases.Create(ctx, l, o)
}

func (c *counting) Update(ctx context.Context, l *coordinationv1.Lease, o metav1.UpdateOptions) (*coordinationv1.Lease, error) {
	if c.dead.Load() {
		return nil, errDead
	}
	c.writes.Add(1)
	return c.Leases.Update(ctx, l, o)
}

func (c *counting) Delete(ctx context.Context, name string, o metav1.DeleteOptions) error {
	if c.dead.Load() {
		return errDead
	}
	c.writes.Add(1)
	return c.Leases.Delete(ctx, name, o)
}

type member struct {
	m      *Membership
	client *counting
	cancel context.CancelFunc
	done   chan struct{}
}

func start(t *testing.T, cs kubernetes.Interface, ns, source, name string) *member {
	t.Helper()
	c := &counting{Leases: cs.CoordinationV1().Leases(ns)}
	m := NewMembership(c, source, name)
	m.Renew, m.Duration = 200*time.Millisecond, 2*time.Second
	ctx, cancel := context.WithCancel(context.Background())
	mb := &member{m: m, client: c, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(mb.done)
		if err := m.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-mb.done })
	return mb
}

// waitFor polls until cond holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMembership(t *testing.T) {
	env := kubetest.Get(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "members-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	a, b, c := start(t, cs, ns.Name, "sample", "a"), start(t, cs, ns.Name, "sample", "b"), start(t, cs, ns.Name, "sample", "c")
	// The Lease of another source's member is no member of this one.
	start(t, cs, ns.Name, "other", "z")

	all := []string{"a", "b", "c"}
	for _, mb := range []*member{a, b, c} {
		waitFor(t, 5*time.Second, "the three members see each other", func() bool {
			return reflect.DeepEqual(mb.m.Members(), all)
		})
	}

	t.Run("a member that leaves is gone at once, its Lease deleted", func(t *testing.T) {
		c.cancel()
		<-c.done
		_, err := cs.CoordinationV1().Leases(ns.Name).Get(context.Background(), LeaseName("sample", "c"), metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Fatalf("Lease of the member that left: %v, want NotFound", err)
		}
		// At the next read of the others, well before the Lease would expire.
		waitFor(t, time.Second, "the others no longer see c", func() bool {
			return reflect.DeepEqual(a.m.Members(), []string{"a", "b"}) && reflect.DeepEqual(b.m.Members(), []string{"a", "b"})
		})
	})

	t.Run("a member killed without leaving is gone once its Lease expires", func(t *testing.T) {
		b.client.dead.Store(true)
		killed := time.Now()
		b.cancel()
		<-b.done
		l, err := cs.CoordinationV1().Leases(ns.Name).Get(context.Background(), LeaseName("sample", "b"), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the killed member's Lease: %v, want it left behind", err)
		}
		expires := l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)
		waitFor(t, 5*time.Second, "a no longer sees the killed b", func() bool {
			return reflect.DeepEqual(a.m.Members(), []string{"a"})
		})
		if gone := time.Now(); gone.Before(expires) {
			t.Fatalf("b was dropped at %s, before its Lease expired at %s", gone.Format(time.RFC3339Nano), expires.Format(time.RFC3339Nano))
		}
		t.Logf("killed b was seen gone %s after the kill (lease duration %ds)", time.Since(killed).Round(10*time.Millisecond), *l.Spec.LeaseDurationSeconds)
	})

	t.Run("writes per member are one renewal per interval", func(t *testing.T) {
		elapsed := time.Since(began)
		w := a.client.writes.Load()
		perSecond := float64(w) / elapsed.Seconds()
		ticks := int64(elapsed/a.m.Renew) + 1
		t.Logf("member a: %d writes in %s (%d renew intervals of %s): %.1f/s; so %.2f/s at the default %s",
			w, elapsed.Round(time.Millisecond), ticks, a.m.Renew, perSecond, float64(w)/float64(ticks)/RenewInterval.Seconds(), RenewInterval)
		if w > ticks+1 {
			t.Fatalf("member a wrote %d times in %d renew intervals, want at most one per interval", w, ticks)
		}
	})
}
