package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

func newSource(name string, mut ...func(*v1alpha1.AWSDynamoDBSource)) *v1alpha1.AWSDynamoDBSource {
	s := &v1alpha1.AWSDynamoDBSource{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.AWSDynamoDBSourceSpec{
			ARN:  tableARN,
			Sink: v1alpha1.Destination{URI: "http://display.example.svc.cluster.local"},
		},
	}
	for _, m := range mut {
		m(s)
	}
	return s
}

func awscreds(ns string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "awscreds", Namespace: ns},
		StringData: map[string]string{"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret/key"},
	}
}

// The seed's manifests must work unchanged: the TriggerMesh sample points at
// a RedisBroker, a kind this controller knows nothing about.
func TestSeedManifestsApplyUnchanged(t *testing.T) {
	h := start(t)
	for _, file := range []string{"sources_v1alpha1_awsdynamodbsource.yaml", "sources_v1alpha1_awsdynamodbsource_iam.yaml"} {
		u := loadSample(t, file)
		u.SetNamespace(h.ns)
		if err := h.c.Create(h.ctx, u); err != nil {
			t.Fatalf("applying %s: %v", file, err)
		}
	}
	h.create(awscreds(h.ns))

	// Before RedisBrokers exist on the cluster, the sources say so.
	src := h.waitCondition("sample", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkKindUnknown)
	if c := findCond(src, ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != ReasonSinkKindUnknown ||
		!strings.Contains(c.Message, "RedisBroker") {
		t.Errorf("Ready = %+v, want False/SinkKindUnknown naming RedisBroker", c)
	}
	if got := src.Status.CloudEventAttributes; len(got) != 1 || got[0].Type != "com.amazon.dynamodb.stream_record" || got[0].Source != tableARN {
		t.Errorf("ceAttributes = %+v", got)
	}
	h.waitCondition("sample", ConditionDeployed, metav1.ConditionFalse, ReasonWaitingForSink)

	// Install the kind and a broker with an address: both sources resolve.
	h.installCRD("eventing.triggermesh.io", "v1alpha1", "RedisBroker", false) // config/rbac grants it
	h.setAddress("eventing.triggermesh.io/v1alpha1", "RedisBroker", h.ns, "triggermesh", "http://triggermesh-rb-broker."+h.ns+".svc.cluster.local")
	for _, name := range []string{"sample", "sample-iam"} {
		src := h.waitCondition(name, ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved)
		if src.Status.SinkURI != "http://triggermesh-rb-broker."+h.ns+".svc.cluster.local" {
			t.Errorf("%s: sinkUri = %q", name, src.Status.SinkURI)
		}
	}

	dep := h.waitEnv("sample", "K_SINK", "http://triggermesh-rb-broker."+h.ns+".svc.cluster.local")
	env, err := kubetest.AdapterEnv(h.ctx, h.c, dep)
	if err != nil {
		t.Fatal(err)
	}
	if env["AWS_ACCESS_KEY_ID"] != "AKIDEXAMPLE" || env["AWS_SECRET_ACCESS_KEY"] != "secret/key" || env["ARN"] != tableARN {
		t.Errorf("resolved adapter env = %v", env)
	}

	iamDep := h.deployment("sample-iam")
	if sa := iamDep.Spec.Template.Spec.ServiceAccountName; sa != "aws-source-sa" {
		t.Errorf("IAM sample runs as %q, want aws-source-sa", sa)
	}
	sa := &corev1.ServiceAccount{}
	if err := h.c.Get(h.ctx, h.key("aws-source-sa"), sa); err != nil {
		t.Fatal(err)
	}
	if sa.Annotations[resources.AnnotationRoleARN] != "arn:aws:iam::123456789012:role/dev-role" {
		t.Errorf("aws-source-sa annotations = %v", sa.Annotations)
	}

	h.setDeploymentStatus("sample", true)
	h.waitCondition("sample", ConditionReady, metav1.ConditionTrue, ReasonReady)
}

func findCond(src *v1alpha1.AWSDynamoDBSource, typ string) metav1.Condition {
	for _, c := range src.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

func TestDeployment(t *testing.T) {
	h := start(t)
	h.create(awscreds(h.ns))
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_access_key_id"}},
			SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_secret_access_key"}},
		}
	}))

	dep := h.deployment("orders")
	src := h.source("orders")
	t.Run("the Deployment is owned by the source and runs the adapter image", func(t *testing.T) {
		if !metav1.IsControlledBy(dep, src) {
			t.Errorf("owner references %+v", dep.OwnerReferences)
		}
		c := dep.Spec.Template.Spec.Containers[0]
		if c.Image != testImage || strings.Join(c.Command, " ") != "dynamodb-source adapter" {
			t.Errorf("image %q command %v", c.Image, c.Command)
		}
		if !*c.SecurityContext.ReadOnlyRootFilesystem || !*dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
			t.Error("the adapter is not non-root on a read-only root filesystem")
		}
		if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
			t.Error("probes missing")
		}
	})
	t.Run("credentials are Secret references, never values", func(t *testing.T) {
		h := h.on(t)
		env := envOf(dep)
		for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			if e := env[name]; e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != "awscreds" {
				t.Errorf("%s = %+v", name, e)
			}
		}
		if env["CHECKPOINT_STORE"].Value != "kubernetes" || env["METRICS_PORT"].Value != "8080" || env["NAMESPACE"].Value != h.ns {
			t.Errorf("env %+v", env)
		}
	})
	t.Run("the adapter has its own ServiceAccount, owned by the source", func(t *testing.T) {
		h := h.on(t)
		sa := &corev1.ServiceAccount{}
		h.eventually("the generated ServiceAccount", func() error { return h.c.Get(h.ctx, h.key("awsdynamodbsource-orders"), sa) })
		if !metav1.IsControlledBy(sa, src) || !resources.Managed(sa) {
			t.Errorf("service account %+v", sa.ObjectMeta)
		}
		if _, ok := sa.Annotations[resources.AnnotationRoleARN]; ok {
			t.Error("role annotation without a role")
		}
		if dep.Spec.Template.Spec.ServiceAccountName != sa.Name {
			t.Errorf("adapter runs as %q", dep.Spec.Template.Spec.ServiceAccountName)
		}
	})
	t.Run("status reports the sink, the event attributes and the generation", func(t *testing.T) {
		h := h.on(t)
		// envtest runs no Deployment controller: until one looks at it, the
		// Deployment is being created.
		h.waitCondition("orders", ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUpdating)
		h.setDeploymentStatus("orders", false)
		src := h.waitCondition("orders", ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUnavailable)
		if src.Status.SinkURI != "http://display.example.svc.cluster.local" || src.Status.ObservedGeneration != src.Generation {
			t.Errorf("status %+v", src.Status)
		}
		if c := findCond(src, ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != ReasonDeploymentUnavailable || !strings.Contains(c.Message, "kubectl") {
			t.Errorf("Ready = %+v, want False/DeploymentUnavailable telling what to look at", c)
		}
		if c := findCond(src, ConditionSinkProvided); c.Status != metav1.ConditionTrue || c.ObservedGeneration != src.Generation {
			t.Errorf("SinkProvided = %+v", c)
		}
		h.setDeploymentStatus("orders", true)
		h.waitCondition("orders", ConditionReady, metav1.ConditionTrue, ReasonReady)
		h.waitCondition("orders", ConditionDeployed, metav1.ConditionTrue, ReasonDeploymentAvailable)
	})
}

// The Role the controller grants lets the adapter keep its checkpoints with
// the kubernetes store, and nothing more.
func TestAdapterCanKeepItsCheckpoints(t *testing.T) {
	h := start(t)
	h.create(newSource("orders"))
	h.deployment("orders")
	cm := &corev1.ConfigMap{}
	h.eventually("the checkpoint ConfigMap", func() error {
		return h.c.Get(h.ctx, h.key(checkpoint.ConfigMapName("orders")), cm)
	})
	if !metav1.IsControlledBy(cm, h.source("orders")) {
		t.Errorf("checkpoint ConfigMap owners %+v; want the source, so it outlives the adapter's pods", cm.OwnerReferences)
	}
	h.eventually("the RoleBinding", func() error {
		return h.c.Get(h.ctx, h.key("awsdynamodbsource-orders"), &rbacv1.RoleBinding{})
	})

	// Act as the adapter's ServiceAccount.
	cfg := rest.CopyConfig(h.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + h.ns + ":awsdynamodbsource-orders"}
	// The client the adapter uses (checkpoint.NewConfigMaps), so its RBAC is
	// tested with the requests it makes.
	cms, err := checkpoint.NewConfigMaps(cfg, h.ns)
	if err != nil {
		t.Fatal(err)
	}
	store := checkpoint.NewKubernetes(cms, h.ns, "orders")
	want := checkpoint.State{Streams: map[string]*checkpoint.Stream{"arn:stream": {Shards: map[string]checkpoint.Shard{"s-1": {Sequence: "42"}}}}}
	h.eventually("the adapter saving its checkpoints (RBAC may take a moment)", func() error {
		if _, err := store.Load(h.ctx); err != nil {
			return err
		}
		return store.Save(h.ctx, want)
	})
	got, err := checkpoint.NewKubernetes(cms, h.ns, "orders").Load(h.ctx)
	if err != nil || got.Streams["arn:stream"].Shards["s-1"].Sequence != "42" {
		t.Fatalf("Load() = %+v, %v", got, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(h.ns).List(h.ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the adapter may list ConfigMaps: %v", err)
	}
	if _, err := cs.CoreV1().Secrets(h.ns).List(h.ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the adapter may list Secrets: %v", err)
	}

	t.Run("applying the source again leaves the checkpoints alone", func(t *testing.T) {
		h := h.on(t)
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.StartingPosition = "TRIM_HORIZON" })
		h.waitEnv("orders", "STARTING_POSITION", "TRIM_HORIZON")
		got, err := checkpoint.NewKubernetes(cms, h.ns, "orders").Load(h.ctx)
		if err != nil || got.Streams["arn:stream"] == nil {
			t.Fatalf("checkpoints after a reconcile: %+v, %v", got, err)
		}
	})
	t.Run("a deleted checkpoint ConfigMap is made again", func(t *testing.T) {
		h := h.on(t)
		if err := h.c.Delete(h.ctx, cm); err != nil {
			t.Fatal(err)
		}
		h.eventually("the checkpoint ConfigMap made again", func() error {
			fresh := &corev1.ConfigMap{}
			if err := h.c.Get(h.ctx, h.key(cm.Name), fresh); err != nil {
				return err
			}
			if fresh.UID == cm.UID {
				return errors.New("still the old one")
			}
			return nil
		})
	})
	t.Run("another store removes the adapter's access", func(t *testing.T) {
		h := h.on(t)
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: "memory"} })
		h.waitEnv("orders", "CHECKPOINT_STORE", "memory")
		h.eventually("the Role and RoleBinding removed", func() error {
			for _, obj := range []client.Object{&rbacv1.Role{}, &rbacv1.RoleBinding{}} {
				if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-orders"), obj); !apierrors.IsNotFound(err) {
					return fmt.Errorf("%T still there (%v)", obj, err)
				}
			}
			return nil
		})
	})
}

func TestSpecUpdates(t *testing.T) {
	h := start(t)
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{Env: []corev1.EnvVar{{Name: "TZ", Value: "Europe/Paris"}}}
	}))
	h.waitEnv("orders", "TZ", "Europe/Paris")

	h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Delivery = &v1alpha1.DeliverySpec{Parallelism: ptr(int32(4))}
		s.Spec.Sink.URI = "http://new-sink.example"
		s.Spec.AdapterOverrides = nil
	})
	h.waitEnv("orders", "DELIVERY_PARALLELISM", "4")
	h.waitEnv("orders", "K_SINK", "http://new-sink.example")
	// Server-side apply removes what the controller no longer asks for.
	h.waitEnv("orders", "TZ", "")
	h.eventually("observedGeneration follows the spec", func() error {
		src := h.source("orders")
		if src.Status.ObservedGeneration != src.Generation {
			return fmt.Errorf("observed %d of %d", src.Status.ObservedGeneration, src.Generation)
		}
		return nil
	})

	t.Run("an invalid spec is reported and the running adapter left alone", func(t *testing.T) {
		h := h.on(t)
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.StartingTimestamp = &metav1.Time{Time: metav1.Now().Add(-3600e9)}
		})
		src := h.waitCondition("orders", ConditionReady, metav1.ConditionFalse, ReasonInvalidSpec)
		if c := findCond(src, ConditionReady); !strings.Contains(c.Message, "startingTimestamp") {
			t.Errorf("message %q does not name the field", c.Message)
		}
		h.waitEnv("orders", "STARTING_TIMESTAMP", "")
	})
	t.Run("the CRD refuses what its schema can tell", func(t *testing.T) {
		h := h.on(t)
		bad := newSource("bad", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.ARN = "arn:aws:sqs:us-west-2:123456789012:queue" })
		bad.Namespace = h.ns
		if err := h.c.Create(h.ctx, bad); !apierrors.IsInvalid(err) {
			t.Errorf("creating a source with a queue ARN: %v, want Invalid", err)
		}
	})
}

// envtest runs no garbage collector, so deletion is checked by its cause:
// everything made for a source is owned by it, with blockOwnerDeletion, so
// Kubernetes deletes it with the source (foreground deletion waits for it);
// and the controller does not bring anything back afterwards.
func TestDeletion(t *testing.T) {
	h := start(t)
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: "arn:aws:iam::123456789012:role/a"}}
	}))
	h.deployment("orders")
	src := h.source("orders")
	objs := map[string]client.Object{
		"Deployment":      &appsv1.Deployment{},
		"ServiceAccount":  &corev1.ServiceAccount{},
		"Role":            &rbacv1.Role{},
		"RoleBinding":     &rbacv1.RoleBinding{},
		"ConfigMap (cps)": &corev1.ConfigMap{},
	}
	names := map[string]string{"ConfigMap (cps)": checkpoint.ConfigMapName("orders")}
	for kind, obj := range objs {
		name := names[kind]
		if name == "" {
			name = "awsdynamodbsource-orders"
		}
		h.eventually(kind+" made", func() error { return h.c.Get(h.ctx, h.key(name), obj) })
		ref := metav1.GetControllerOf(obj)
		if ref == nil || ref.UID != src.UID || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("%s owner %+v; want the source, blocking its deletion", kind, ref)
		}
	}

	h.deleteSource("orders")
	h.eventually("the source gone", func() error {
		err := h.c.Get(h.ctx, h.key("orders"), &v1alpha1.AWSDynamoDBSource{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	// Play the garbage collector, then check nothing comes back. The wait
	// lets the controller's cache see the deletion first: a reconcile that
	// started before it may still apply the Deployment once, which a real
	// garbage collector deletes again, its owner being gone.
	time.Sleep(time.Second)
	for _, obj := range objs {
		if err := h.c.Delete(h.ctx, obj); client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
	}
	h.consistently("nothing made again for a deleted source", 1500*time.Millisecond, func() error {
		var deps appsv1.DeploymentList
		if err := h.c.List(context.Background(), &deps, client.InNamespace(h.ns)); err != nil {
			return err
		}
		if len(deps.Items) != 0 {
			return fmt.Errorf("%d Deployments", len(deps.Items))
		}
		return nil
	})
}

// config/default installs with plain kustomize, and what it installs is
// what the tests run the controller with (see install).
func TestInstall(t *testing.T) {
	h := start(t)
	kinds := map[string]int{}
	var manager *unstructured.Unstructured
	for _, u := range installed {
		kinds[u.GetKind()]++
		if u.GetKind() == "Deployment" {
			manager = u
		}
	}
	for _, k := range []string{"CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment"} {
		if kinds[k] == 0 {
			t.Errorf("config/default has no %s", k)
		}
	}
	if manager == nil {
		t.Fatal("no controller Deployment")
	}
	var dep appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(manager.Object, &dep); err != nil {
		t.Fatal(err)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if envOfContainer(c)["ADAPTER_IMAGE"] != c.Image || c.Image == "" {
		t.Errorf("ADAPTER_IMAGE %q, controller image %q: want the same image", envOfContainer(c)["ADAPTER_IMAGE"], c.Image)
	}
	if !*dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the controller is not non-root on a read-only root filesystem")
	}
	// Everything the installation made is really there.
	for _, u := range installed {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(u.GroupVersionKind())
		if err := h.c.Get(context.Background(), client.ObjectKeyFromObject(u), got); err != nil {
			t.Errorf("%s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}

func envOfContainer(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

// The extended sample, with this project's fields (dead letters, data
// format, filters), is accepted by the API server's schema and rendered
// into the adapter's environment as the adapter reads it.
func TestExtendedSampleIsDeployed(t *testing.T) {
	h := start(t)
	h.create(awscreds(h.ns))
	u := loadSample(t, "sources_v1alpha1_awsdynamodbsource_extended.yaml")
	u.SetNamespace(h.ns)
	if err := h.c.Create(h.ctx, u); err != nil {
		t.Fatalf("applying the extended sample: %v", err)
	}
	h.waitCondition("sample-extended", ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved)
	h.waitEnv("sample-extended", "DELIVERY_DEAD_LETTER_SINK_URI", "http://dead-letters.default.svc.cluster.local")
	h.waitEnv("sample-extended", "DATA_FORMAT", "lambda")
	h.waitEnv("sample-extended", "DELIVERY_MAX_RECORD_AGE", "6h0m0s")
}
