package controller

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// The control plane starts with the first test that needs it (kubetest.Get):
// the unit tests of this package do not wait for it.
func TestMain(m *testing.M) {
	// The controller's errors show in the test output; its chatter does not.
	log.SetLogger(logr.FromSlogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	os.Exit(kubetest.Main(m))
}

const (
	testImage = "registry.example/dynamodb-source:test"
	tableARN  = "arn:aws:dynamodb:us-west-2:123456789012:table/triggermeshtest"
	// waitFor bounds every wait for the controller.
	waitFor = 20 * time.Second
)

// harness is a running controller and an uncached client to look at what it
// does, in a namespace of the test's own.
type harness struct {
	t   *testing.T
	ctx context.Context
	cfg *rest.Config
	c   client.Client
	ns  string
}

// start runs the controller against envtest for the duration of t, with
// the test's options changed by opts.
func start(t *testing.T, opts ...func(*Options)) *harness {
	t.Helper()
	env := kubetest.Get(t)
	c, err := client.New(env.Config, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	installOnce.Do(func() { installed, installErr = install(c) })
	if installErr != nil {
		t.Fatalf("installing config/default: %v", installErr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := Options{
		AdapterImage:           testImage,
		MetricsBindAddress:     "0",
		HealthProbeBindAddress: "0",
		RetryInterval:          300 * time.Millisecond,
		skipNameValidation:     true,
	}
	for _, f := range opts {
		f(&o)
	}
	mgr, err := NewManager(asController(env.Config), o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("controller manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ddbsrc-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	// envtest has no namespace controller to empty the namespace: remove
	// the sources so that the controllers of later tests have nothing here.
	t.Cleanup(func() {
		_ = c.DeleteAllOf(context.Background(), &v1alpha1.AWSDynamoDBSource{}, client.InNamespace(ns.Name))
	})
	return &harness{t: t, ctx: ctx, cfg: env.Config, c: c, ns: ns.Name}
}

var (
	installOnce sync.Once
	installed   []*unstructured.Unstructured
	installErr  error
)

// controllerUser is who the installed controller runs as.
const controllerUser = "system:serviceaccount:dynamodb-source-system:dynamodb-source-controller"

// install does what `kubectl apply -k config/default` does, so the tests
// run the controller with the RBAC a cluster gives it.
func install(c client.Client) ([]*unstructured.Unstructured, error) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		return nil, err
	}
	objs, err := kubetest.Build(filepath.Join(root, "config", "default"))
	if err != nil {
		return nil, err
	}
	if err := kubetest.Apply(context.Background(), c, objs); err != nil {
		return nil, err
	}
	return objs, aggregateAddressables(context.Background(), c)
}

// asController returns cfg acting as the controller's ServiceAccount, bound
// to config/rbac's roles: envtest enforces RBAC, so a permission missing
// there fails the tests.
func asController(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: controllerUser}
	return cfg
}

// aggregateAddressables plays kube-controller-manager's ClusterRole
// aggregation, which envtest does not run: the addressable resolver gets
// the rules of every ClusterRole labelled duck.knative.dev/addressable=true.
func aggregateAddressables(ctx context.Context, c client.Client) error {
	var roles rbacv1.ClusterRoleList
	if err := c.List(ctx, &roles, client.MatchingLabels{"duck.knative.dev/addressable": "true"}); err != nil {
		return err
	}
	var rules []rbacv1.PolicyRule
	for _, r := range roles.Items {
		rules = append(rules, r.Rules...)
	}
	var agg rbacv1.ClusterRole
	if err := c.Get(ctx, types.NamespacedName{Name: "dynamodb-source-addressable-resolver"}, &agg); err != nil {
		return err
	}
	agg.Rules = rules
	return c.Update(ctx, &agg)
}

// grantAddressable does what an Addressable kind's installer does: a
// ClusterRole labelled duck.knative.dev/addressable=true on its resource.
func (h *harness) grantAddressable(group, resource string) {
	h.t.Helper()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "addressable-" + resource + "." + group, Labels: map[string]string{"duck.knative.dev/addressable": "true"}},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{"get", "list", "watch"}}},
	}
	if err := h.c.Create(h.ctx, role); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		_ = h.c.Delete(context.Background(), role)
		_ = aggregateAddressables(context.Background(), h.c)
	})
	if err := aggregateAddressables(h.ctx, h.c); err != nil {
		h.t.Fatal(err)
	}
}

// eventually polls f until it returns nil, failing t with f's last error
// after waitFor.
func (h *harness) eventually(what string, f func() error) {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: still not so after %s: %v", what, waitFor, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// consistently checks that f keeps returning nil for d.
func (h *harness) consistently(what string, d time.Duration, f func() error) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := f(); err != nil {
			h.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) create(obj client.Object) {
	h.t.Helper()
	if obj.GetNamespace() == "" {
		obj.SetNamespace(h.ns)
	}
	if err := h.c.Create(h.ctx, obj); err != nil {
		h.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func (h *harness) key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: h.ns, Name: name}
}

func (h *harness) source(name string) *v1alpha1.AWSDynamoDBSource {
	h.t.Helper()
	src := &v1alpha1.AWSDynamoDBSource{}
	if err := h.c.Get(h.ctx, h.key(name), src); err != nil {
		h.t.Fatal(err)
	}
	return src
}

// update re-reads the source and applies mut, retrying on conflicts.
func (h *harness) update(name string, mut func(*v1alpha1.AWSDynamoDBSource)) {
	h.t.Helper()
	h.eventually("updating source "+name, func() error {
		src := &v1alpha1.AWSDynamoDBSource{}
		if err := h.c.Get(h.ctx, h.key(name), src); err != nil {
			return err
		}
		mut(src)
		return h.c.Update(h.ctx, src)
	})
}

// waitCondition waits until the source's condition typ has status and
// reason, and returns the source.
func (h *harness) waitCondition(name, typ string, status metav1.ConditionStatus, reason string) *v1alpha1.AWSDynamoDBSource {
	h.t.Helper()
	var src *v1alpha1.AWSDynamoDBSource
	h.eventually(fmt.Sprintf("source %s condition %s=%s/%s", name, typ, status, reason), func() error {
		src = &v1alpha1.AWSDynamoDBSource{}
		if err := h.c.Get(h.ctx, h.key(name), src); err != nil {
			return err
		}
		c := meta.FindStatusCondition(src.Status.Conditions, typ)
		if c == nil {
			return fmt.Errorf("no %s condition in %+v", typ, src.Status.Conditions)
		}
		if c.Status != status || c.Reason != reason {
			return fmt.Errorf("%s is %s/%s: %s", typ, c.Status, c.Reason, c.Message)
		}
		return nil
	})
	return src
}

func (h *harness) deployment(src string) *appsv1.Deployment {
	h.t.Helper()
	var dep *appsv1.Deployment
	h.eventually("the adapter Deployment of "+src, func() error {
		dep = &appsv1.Deployment{}
		return h.c.Get(h.ctx, h.key("awsdynamodbsource-"+src), dep)
	})
	return dep
}

// waitEnv waits until the adapter of src has variable name set to want.
func (h *harness) waitEnv(src, name, want string) *appsv1.Deployment {
	h.t.Helper()
	var dep *appsv1.Deployment
	h.eventually(fmt.Sprintf("%s=%q in the adapter of %s", name, want, src), func() error {
		dep = &appsv1.Deployment{}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-"+src), dep); err != nil {
			return err
		}
		got, ok := envOf(dep)[name]
		switch {
		case !ok && want == "":
			return nil
		case !ok:
			return fmt.Errorf("%s is not set", name)
		case got.Value != want:
			return fmt.Errorf("%s=%q", name, got.Value)
		}
		return nil
	})
	return dep
}

func envOf(dep *appsv1.Deployment) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		m[e.Name] = e
	}
	return m
}

// setDeploymentStatus plays the Deployment controller, which envtest does
// not run: it reports the adapter's Deployment seen, and available or not.
func (h *harness) setDeploymentStatus(src string, available bool) {
	h.t.Helper()
	h.eventually("setting the status of the adapter of "+src, func() error {
		dep := &appsv1.Deployment{}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-"+src), dep); err != nil {
			return err
		}
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, UpdatedReplicas: 1}
		if available {
			dep.Status.ReadyReplicas, dep.Status.AvailableReplicas = 1, 1
			dep.Status.Conditions = []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
				LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}}
		}
		return h.c.Status().Update(h.ctx, dep)
	})
}

// on returns the harness for a subtest.
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// installCRD installs a namespaced kind unknown to the controller, with
// a free-form spec and status, the way any Addressable kind looks.
func (h *harness) installCRD(group, version, kind string, addressable bool) {
	h.t.Helper()
	plural := strings.ToLower(kind) + "s"
	free := &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr(true)}
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Kind: kind, ListKind: kind + "List", Singular: strings.ToLower(kind)},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: version, Served: true, Storage: true,
				Subresources: &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}},
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": *free, "status": *free,
					},
				}},
			}},
		},
	}
	_, err := envtest.InstallCRDs(h.cfg, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}})
	if err != nil {
		h.t.Fatalf("installing CRD %s: %v", crd.Name, err)
	}
	// Cluster-wide: gone after the test, so that -count=2 starts afresh.
	h.t.Cleanup(func() {
		if err := envtest.UninstallCRDs(h.cfg, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}}); err != nil {
			h.t.Errorf("removing CRD %s: %v", crd.Name, err)
		}
	})
	if addressable {
		h.grantAddressable(group, plural)
	}
}

// setAddress creates or updates an Addressable object's status.address.url
// ("" creates it without an address).
func (h *harness) setAddress(apiVersion, kind, namespace, name, url string) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("setting the address of %s %s", kind, name), func() error {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		err := h.c.Get(h.ctx, types.NamespacedName{Namespace: namespace, Name: name}, u)
		if client.IgnoreNotFound(err) != nil {
			return err
		}
		if err != nil {
			u.SetNamespace(namespace)
			u.SetName(name)
			if err := h.c.Create(h.ctx, u); err != nil {
				return err
			}
		}
		if url == "" {
			return nil
		}
		if err := unstructured.SetNestedField(u.Object, url, "status", "address", "url"); err != nil {
			return err
		}
		return h.c.Status().Update(h.ctx, u)
	})
}

// loadSample reads a manifest of config/samples as it is.
func loadSample(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "config", "samples", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := &unstructured.Unstructured{}
	if err := utilyaml.NewYAMLOrJSONDecoder(f, 4096).Decode(&u.Object); err != nil {
		t.Fatalf("decoding %s: %v", file, err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }
