package ops

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

const chart = "deploy/helm/dynamodb-source"

// TestDerivedFilesAreInSync runs hack/ops-sync.sh on a copy of the tree and
// fails when anything it writes differs from what is committed: the chart's
// CRD, RBAC and Prometheus files are copies of config/'s, and
// prometheusrule.yaml is rules.yaml wrapped.
func TestDerivedFilesAreInSync(t *testing.T) {
	root, tmp := repoRoot(t), t.TempDir()
	for _, dir := range []string{"config", "deploy", "hack"} {
		cp := exec.Command("cp", "-a", filepath.Join(root, dir), tmp)
		if out, err := cp.CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v\n%s", dir, err, out)
		}
	}
	run(t, filepath.Join(tmp, "hack", "ops-sync.sh"))
	for _, dir := range []string{"config/prometheus", chart + "/crds", chart + "/files"} {
		err := filepath.WalkDir(filepath.Join(tmp, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(tmp, path)
			want, _ := os.ReadFile(path)
			got, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is stale or missing: run hack/ops-sync.sh (it is derived from config/)", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// allValues switches on every optional part of the chart.
var allValues = []string{"--set", "podMonitor.enabled=true", "--set", "prometheusRule.enabled=true",
	"--set", "podMonitor.labels.release=kube-prometheus-stack"}

// render runs helm template on the chart, CRDs included, in namespace ns.
func render(t *testing.T, helm, ns string, args ...string) []*unstructured.Unstructured {
	t.Helper()
	out := run(t, helm, append([]string{"template", "dynamodb-source", chart, "--namespace", ns, "--include-crds"}, args...)...)
	objs, err := kubetest.Decode([]byte(out))
	if err != nil {
		t.Fatalf("helm template printed what is not YAML objects: %v\n%s", err, out)
	}
	return objs
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && (name == "" || o.GetName() == name) {
			return o
		}
	}
	return nil
}

// TestHelmChartLintsAndRenders lints the chart with its defaults and with
// every option on, then checks what it renders against config/: the same
// CRD, the same RBAC rules, the same alerts, and a controller in the
// release's namespace watching every namespace.
func TestHelmChartLintsAndRenders(t *testing.T) {
	helm := tool(t, "helm")
	run(t, helm, "lint", "--strict", chart)
	run(t, helm, append([]string{"lint", "--strict", chart}, allValues...)...)

	if objs := render(t, helm, "ops"); find(objs, "PodMonitor", "") != nil || find(objs, "PrometheusRule", "") != nil {
		t.Error("by default the chart renders prometheus-operator objects; they need its CRDs and are opt-in")
	}
	objs := render(t, helm, "ops", allValues...)

	crd := find(objs, "CustomResourceDefinition", "awsdynamodbsources.sources.triggermesh.io")
	want := decodeOne(t, "config/crd/bases/sources.triggermesh.io_awsdynamodbsources.yaml")
	if crd == nil || !reflect.DeepEqual(crd.Object, want.Object) {
		t.Error("the chart's CRD is not config/crd/bases's")
	}

	role := find(objs, "ClusterRole", "dynamodb-source-controller")
	wantRole := decodeOne(t, "config/rbac/role.yaml")
	if role == nil || !reflect.DeepEqual(role.Object["rules"], wantRole.Object["rules"]) {
		t.Error("the chart's ClusterRole rules are not config/rbac/role.yaml's")
	}

	rule := find(objs, "PrometheusRule", "dynamodb-source")
	var rulesFile map[string]any
	if err := yaml.Unmarshal(readFile(t, "config/prometheus/rules.yaml"), &rulesFile); err != nil {
		t.Fatal(err)
	}
	if rule == nil || rule.GetNamespace() != "ops" || !reflect.DeepEqual(rule.Object["spec"], rulesFile) {
		t.Error("the chart's PrometheusRule is not config/prometheus/rules.yaml in the release's namespace")
	}
	pm := find(objs, "PodMonitor", "dynamodb-source-adapters")
	if pm == nil || pm.GetNamespace() != "ops" || pm.GetLabels()["release"] != "kube-prometheus-stack" {
		t.Errorf("adapters' PodMonitor missing, or not in ops with podMonitor.labels: %v", pm)
	}

	dep := find(objs, "Deployment", "dynamodb-source-controller")
	if dep == nil || dep.GetNamespace() != "ops" {
		t.Fatalf("no controller Deployment in the release's namespace: %v", dep)
	}
	c, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	args := strings.Join(toStrings(c[0].(map[string]any)["args"]), " ")
	for _, a := range []string{"--leader-election-namespace=ops", "--metrics-bind-address=:8080", "--log-level=info"} {
		if !strings.Contains(args, a) {
			t.Errorf("controller args %q lack %s", args, a)
		}
	}
	if strings.Contains(args, "namespace=") && !strings.Contains(args, "leader-election-namespace") {
		t.Errorf("controller args %q restrict it to a namespace; it must watch all", args)
	}
	podLabels, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
	sel, _, _ := unstructured.NestedStringMap(find(objs, "PodMonitor", "dynamodb-source-controller").Object,
		"spec", "selector", "matchLabels")
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("the controller PodMonitor selects %s=%s; the controller pod has %q", k, v, podLabels[k])
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func decodeOne(t *testing.T, rel string) *unstructured.Unstructured {
	t.Helper()
	objs, err := kubetest.Decode(readFile(t, rel))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: %d objects, %v", rel, len(objs), err)
	}
	return objs[0]
}

// TestHelmChartAppliesToKubeAPIServer server-side applies everything the
// chart renders, every option on, to envtest's kube-apiserver, with
// prometheus-operator's PodMonitor and PrometheusRule CRDs installed (so
// their objects are validated by their real schemas), and config/prometheus
// the kustomize way beside it.
func TestHelmChartAppliesToKubeAPIServer(t *testing.T) {
	helm, crdDir := tool(t, "helm"), tool(t, "monitoring-crds")
	env := kubetest.Get(t)
	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var crds []*unstructured.Unstructured
	for _, f := range []string{"monitoring.coreos.com_podmonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"} {
		b, err := os.ReadFile(filepath.Join(crdDir, f))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := kubetest.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		crds = append(crds, objs...)
	}
	if err := kubetest.Apply(ctx, c, crds); err != nil {
		t.Fatalf("installing prometheus-operator's CRDs: %v", err)
	}
	for _, crd := range crds {
		waitEstablished(ctx, t, c, crd.GetName())
	}

	for _, ns := range []string{"ops-helm", "dynamodb-source-system"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	objs := render(t, helm, "ops-helm", allValues...)
	if err := kubetest.Apply(ctx, c, objs); err != nil {
		t.Fatalf("applying the chart: %v", err)
	}
	kustomized, err := kubetest.Build(filepath.Join(repoRoot(t), "config", "prometheus"))
	if err != nil {
		t.Fatal(err)
	}
	if err := kubetest.Apply(ctx, c, kustomized); err != nil {
		t.Fatalf("applying config/prometheus: %v", err)
	}
	// Read back one object of each kind the chart applied.
	for _, o := range append(objs, kustomized...) {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), got); err != nil {
			t.Errorf("%s %s/%s was not stored: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	t.Logf("applied %d chart objects and %d of config/prometheus", len(objs), len(kustomized))
}

func waitEstablished(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	for {
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err == nil {
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, cond := range conds {
				if m := cond.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s not established: %v", name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
